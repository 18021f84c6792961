"""Handover checklists: templates, signatures, voiding, disputes, the sign-off guard, gates."""
from __future__ import annotations

from datetime import date

import pytest
import yaml

from app.engine.clock import WeekdayCalendar
from app.modules.cases.operations import fire_case_event
from app.modules.handover import checklists
from app.modules.handover import operations as ops
from tests.handover_fixtures import items_by_key, open_resignation, sign_all, signer

pytest_plugins = ["tests.handover_fixtures"]


# ---------------------------------------------------------------- templates


def test_shipped_templates_lint_clean_and_cli_says_so(app):
    assert checklists.lint_paths() == []
    result = app.test_cli_runner().invoke(args=["handover", "lint"])
    assert result.exit_code == 0 and "no problems" in result.output


def test_lint_names_the_file_the_place_and_the_problem(app, tmp_path):
    bad = tmp_path / "broken.yaml"
    bad.write_text(yaml.safe_dump({
        "schema": "sendoff-checklist/1", "id": "broken", "title": {"zh_CN": "坏", "en": "Bad"},
        "match": "all", "items": [
            {"id": "a", "title": {"zh_CN": "甲", "en": "A"}, "category": "documents", "receiver": "cleaner"},
            {"id": "b", "title": {"zh_CN": "乙"}, "category": "documents", "receiver": "it"}]}))
    problems = [str(p) for p in checklists.lint_paths([bad])]
    assert any(p.startswith("broken.yaml: items/0/receiver:") and "cleaner" in p for p in problems)
    assert any(p.startswith("broken.yaml: items/1/title:") and "'en' is a required" in p for p in problems)
    result = app.test_cli_runner().invoke(args=["handover", "lint", str(bad)])
    assert result.exit_code == 1 and "cleaner" in result.output
    dup = tmp_path / "dup.yaml"
    item = {"id": "a", "title": {"zh_CN": "甲", "en": "A"}, "category": "money", "receiver": "finance"}
    dup.write_text(yaml.safe_dump({"schema": "sendoff-checklist/1", "id": "dup", "title": {"zh_CN": "x", "en": "x"},
                                   "match": "all", "items": [item, item]}))
    assert [str(p) for p in checklists.lint_paths([dup])] == ["dup.yaml: items/a: the item id is used twice"]


def test_generic_plus_collector_merge_and_override():
    used, items = checklists.choose(["催收专员"], ["催收一部"])
    assert used == ["generic", "collector"]
    keys = [i.key for i in items]
    assert keys[:2] == ["open_work", "documents"] and "promises" in keys and "accounts" in keys
    open_work = next(i for i in items if i.key == "open_work")
    assert open_work.source == "collector" and "欠款余额" in open_work.title_zh and open_work.evidence
    assert len(keys) == len(set(keys))


@pytest.mark.parametrize("positions, departments, expected", [
    (["Credit analyst"], ["Risk"], ["generic"]),              # "IT" is a word, not a substring
    (["运维工程师"], ["总部"], ["generic", "it"]),
    (["出纳"], ["行政部"], ["generic", "finance"]),
    (["专员"], ["财务部", "总部"], ["generic", "finance"]),      # by (parent) department
    (["催收组长"], ["催收二部"], ["generic", "collector", "team_lead"]),
])
def test_templates_chosen_by_position_and_department(positions, departments, expected):
    assert checklists.choose(positions, departments)[0] == expected


def test_due_dates_count_business_days_back_from_the_last_day():
    friday = date(2026, 3, 13)
    assert ops.due_date(friday, -3, WeekdayCalendar()) == date(2026, 3, 10)
    assert ops.due_date(date(2026, 3, 16), -1, WeekdayCalendar()) == date(2026, 3, 13)  # Monday -> Friday
    assert ops.due_date(None, -3, WeekdayCalendar()) is None


def test_checklist_created_on_entering_handover_with_receivers(session, handover_case, people):
    items = items_by_key(session, handover_case)
    assert set(items) == {"open_work", "documents", "contacts", "accounts", "assets", "money"}
    assert items["open_work"].receiver_employee_id == people.successor.id
    assert items["accounts"].receiver_role == "it" and items["accounts"].receiver_employee_id is None
    assert all(i.due_on and i.due_on <= handover_case.last_day for i in items.values())


def test_collector_case_gets_the_collector_items(session, shipped_workflows, people, clearance):
    from app.modules.employees.models import Position

    position = Position(code="COLL", name_zh="催收专员", name_en="Collector")
    session.add(position)
    people.leaver.position = position
    case = open_resignation(people)
    assert {"promises", "recordings", "compliance", "accounts"} <= set(items_by_key(session, case))


# ---------------------------------------------------------------- signatures


def test_hand_over_confirm_records_who_when_where_and_hash(session, handover_case, people):
    item = items_by_key(session, handover_case)["documents"]
    ops.hand_over_item(session, item, signer(people.leaver_user, "10.1.2.3"), note="共享盘 /交接")
    ops.confirm_item(session, item, signer(people.successor_user, "10.9.9.9"))
    leaver, receiver = item.active_signature("leaver"), item.active_signature("receiver")
    assert (leaver.user_id, leaver.ip, receiver.user_id, receiver.ip) == (
        people.leaver_user.id, "10.1.2.3", people.successor_user.id, "10.9.9.9")
    assert leaver.content_hash == receiver.content_hash == ops.content_hash(item)
    assert item.status == "confirmed" and item.complete and item.receiver_signed_by == people.successor_user.id


def test_changing_an_item_after_signatures_voids_them_visibly(session, handover_case, people):
    item = items_by_key(session, handover_case)["documents"]
    ops.hand_over_item(session, item, signer(people.leaver_user), note="all in the share")
    ops.confirm_item(session, item, signer(people.successor_user))
    old_hash = ops.content_hash(item)
    voided = ops.edit_item(session, item, people.hr_user, "also the paper files",
                           title_zh="文件、资料、纸质档案", title_en="Files incl. paper archives")
    assert voided == ["leaver", "receiver"]
    assert item.status == "pending" and not item.complete and item.leaver_signed_at is None
    assert [(s.side, s.content_hash == old_hash, bool(s.voided_at)) for s in item.signatures] == [
        ("leaver", True, True), ("receiver", True, True)]
    assert all("also the paper files" in s.void_reason for s in item.signatures)
    assert ops.unsigned_count(session, handover_case.id) == 6


def test_an_edit_that_changes_nothing_keeps_the_signatures(session, handover_case, people):
    item = items_by_key(session, handover_case)["documents"]
    ops.hand_over_item(session, item, signer(people.leaver_user))
    assert ops.edit_item(session, item, people.hr_user, "typo check", title_zh=item.title_zh) == []
    assert item.status == "handed_over"


def test_dispute_goes_back_to_the_leaver_who_fixes_it(session, handover_case, people):
    item = items_by_key(session, handover_case)["open_work"]
    ops.hand_over_item(session, item, signer(people.leaver_user), note="see list")
    with pytest.raises(ops.HandoverError):
        ops.dispute_item(session, item, signer(people.successor_user), "  ")
    ops.dispute_item(session, item, signer(people.successor_user), "缺少三月份的跟进计划")
    assert item.status == "disputed" and item.leaver_signed_at is None
    assert item.signatures[0].void_reason == "disputed: 缺少三月份的跟进计划"
    with pytest.raises(ops.HandoverError):
        ops.confirm_item(session, item, signer(people.successor_user))
    ops.hand_over_item(session, item, signer(people.leaver_user), note="see list, March plan added")
    ops.confirm_item(session, item, signer(people.successor_user))
    assert item.status == "confirmed" and item.dispute_reason == ""
    assert [bool(s.voided_at) for s in item.signatures] == [True, False, False]


def test_evidence_required_items_need_a_file(session, handover_case, people):
    item = items_by_key(session, handover_case)["documents"]
    ops.edit_item(session, item, people.hr_user, "need proof", evidence_required=True)
    with pytest.raises(ops.HandoverError, match="证据"):
        ops.hand_over_item(session, item, signer(people.leaver_user))
    assert item.status == "pending" and item.active_signature("leaver") is None


def test_stale_item_version_is_refused(session, handover_case, people):
    item = items_by_key(session, handover_case)["documents"]
    seen = item.version
    ops.edit_item(session, item, people.hr_user, "clarify", title_en="Files (all)")
    with pytest.raises(ops.StaleItem):
        ops.hand_over_item(session, item, signer(people.leaver_user), expected_version=seen)


def test_name_successor_moves_the_successors_open_items(session, shipped_workflows, people, clearance,
                                                        make_employee):
    case = open_resignation(people)
    newcomer = make_employee(name="新接手", manager_id=people.boss.id)
    documents = items_by_key(session, case)["documents"]
    ops.hand_over_item(session, documents, signer(people.leaver_user))
    moved = ops.name_successor(session, case, people.boss_user, newcomer.id)
    items = items_by_key(session, case)
    assert moved == 3 and case.handover_receiver_id == newcomer.id
    assert items["open_work"].receiver_employee_id == newcomer.id
    assert items["accounts"].receiver_employee_id is None  # IT's item stays with IT
    assert documents.status == "pending" and "receiver changed" in documents.signatures[0].void_reason


def test_add_and_remove_items_need_a_reason(session, handover_case, people):
    with pytest.raises(ops.HandoverError):
        ops.add_item(session, handover_case, people.hr_user, "", title_zh="印章", title_en="Seal",
                     category="assets", receiver_role="admin")
    item = ops.add_item(session, handover_case, people.hr_user, "holds the team seal", title_zh="印章",
                        title_en="Seal", category="assets", receiver_role="admin")
    assert item in ops.items_of(session, handover_case.id)
    ops.remove_item(session, item, people.hr_user, "seal was returned last year")
    assert item not in ops.items_of(session, handover_case.id)
    assert ops.removed_items_of(session, handover_case.id)[0].removed_reason == "seal was returned last year"


# ---------------------------------------------------------------- whole-handover sign-off and gates


def test_sign_off_needs_every_item_signed_by_both_then_joins(session, handover_case, people, clearance):
    refused = fire_case_event(handover_case, "sign_leaver", people.leaver_user, handover_case.version)
    assert refused.refusal.code == "guard_failed" and "6" in str(refused.refusal.message)
    sign_all(session, handover_case, people, clearance)
    assert fire_case_event(handover_case, "sign_leaver", people.leaver_user, None)
    with pytest.raises(ops.HandoverError, match="已关闭"):  # locked once sign-off started
        ops.edit_item(session, items_by_key(session, handover_case)["documents"], people.hr_user,
                      "late change", title_en="x")
    result = fire_case_event(handover_case, "sign_receiver", people.successor_user, None)
    assert result.joined == "handover" and handover_case.instance.configuration == ["exit_interview"]


def test_gates_block_archive_and_say_who_clears_them(session, handover_case, people, clearance,
                                                     make_employee):
    report = make_employee(name="下属甲", manager_id=people.leaver.id)
    items = items_by_key(session, handover_case)
    gates = {g.key: g for g in ops.leaver_gates(session, handover_case)}
    assert not gates["accounts"].ok and "IT" in str(gates["accounts"].message)
    assert "下属甲" in str(gates["reports"].message) and "上级" in str(gates["reports"].message)
    sign_all(session, handover_case, people, clearance)
    assert fire_case_event(handover_case, "sign_leaver", people.leaver_user, None)
    assert fire_case_event(handover_case, "sign_receiver", people.boss_user, None)
    refused = fire_case_event(handover_case, "complete_interview", people.hr_user, None)
    assert refused.refusal.code == "guard_failed"
    assert refused.refusal.params == {"guard": "leaver_gates_clear"}
    assert "下属甲" in refused.refusal.message and "IT" not in str(refused.refusal.message)
    assert ops.reassign_reports(session, handover_case, people.hr_user, people.boss.id) == 1
    assert report.manager_id == people.boss.id
    assert all(g.ok for g in ops.leaver_gates(session, handover_case))
    assert items["accounts"].status == "confirmed"
    result = fire_case_event(handover_case, "complete_interview", people.hr_user, None)
    assert result, result.refusal


def test_gate_without_an_it_item_says_hr_adds_one(session, handover_case, people):
    items = items_by_key(session, handover_case)
    ops.remove_item(session, items["accounts"], people.hr_user, "no accounts")
    gate = next(g for g in ops.leaver_gates(session, handover_case) if g.key == "accounts")
    assert not gate.ok and "HR" in str(gate.message)


def test_documents_certificate_lists_both_signatures(session, handover_case, people, clearance):
    from app.modules.documents.kinds import BUILDERS

    sign_all(session, handover_case, people, clearance)

    class F:  # the documents formatter's surface used by the builder
        def pick(self, _d, zh, en):
            return zh

        def datetime(self, value):
            return value.isoformat() if value else ""

    items = BUILDERS["handover_certificate"](session, handover_case, F(), {})["items"]
    assert len(items) == 6 and all(i["leaver_signed"] and i["receiver_signed"] for i in items)
    assert items[0]["leaver_signed"].startswith(people.leaver.name + " · ")
    assert items[0]["receiver_signed"].startswith(people.successor.name + " · ")


def test_reminder_and_escalation_timers_are_armed_and_aim_at_who_is_waiting(session, handover_case, people,
                                                                             clearance):
    from sqlalchemy import select

    from app.engine.models import WorkflowTimer
    from app.modules.handover.hooks import waiting_users

    timers = session.scalars(select(WorkflowTimer).where(
        WorkflowTimer.instance_id == handover_case.instance_id)).all()
    assert {"announce_items", "remind_items", "escalate_items"} <= {t.timer_id for t in timers}
    assert [u.username for u in waiting_users(handover_case)] == ["leaver"]
    everyone = {u.username for u in waiting_users(handover_case, everyone=True)}
    assert {"leaver", "boss", "successor", "it1", "it2", "fin1", "admin1"} <= everyone
    item = items_by_key(session, handover_case)["accounts"]
    ops.hand_over_item(session, item, signer(people.leaver_user))
    assert {"it1", "it2", "leaver"} == {u.username for u in waiting_users(handover_case)}
