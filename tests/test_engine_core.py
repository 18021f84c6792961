"""Pure engine: definitions, schema, decisions, timing, lint and diagrams (no database)."""
from __future__ import annotations

import json
import shutil
from datetime import date

import pytest

from app.engine import machine as m
from app.engine.definition import canonical_json, load, load_yaml, parse, sha256_hex
from app.engine.diagram import dot, mermaid, svg
from app.engine.errors import DefinitionError, Refusal
from app.engine.lint import lint_file, lint_paths
from app.engine.timing import add_duration, due_at, parse_duration
from tests import engine_fixtures
from tests.engine_fixtures import BAD, SHIPPED, WORKFLOWS, FakeWorld, fake_registry, utc

# fixtures shared with the other engine tests
calendar = engine_fixtures.calendar
world = engine_fixtures.world

VOLUNTARY = load(WORKFLOWS / "voluntary_resignation.yaml")


def roles(*held):
    return lambda role: role in held


def ok_guard(call):
    return True


def decide(config, event, held, payload=None, guard=ok_guard, defn=VOLUNTARY):
    return m.decide(defn, tuple(config), event, has_role=roles(*held), check_guard=guard,
                    payload=payload)


# ---------------------------------------------------------------- definitions


@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_definitions_lint_clean(name):
    assert lint_file(WORKFLOWS / f"{name}.yaml", fake_registry(FakeWorld())) == []


def test_design_example_is_shipped_unchanged_apart_from_additions():
    data = load_yaml(WORKFLOWS / "voluntary_resignation.yaml")
    hr_review = data["states"]["hr_review"]["transitions"][0]
    assert hr_review == {"event": "approve", "to": "handover", "allowed": ["hr"],
                         "actions": [{"render_pdf": {"template": "approval_record"}}]}
    assert data["states"]["handover"]["on_done"]["to"] == "exit_interview"


def test_canonical_json_and_hash_ignore_formatting():
    data = load_yaml(WORKFLOWS / "voluntary_resignation.yaml")
    reordered = json.loads(json.dumps(data, sort_keys=False))
    reordered = dict(reversed(list(reordered.items())))
    assert canonical_json(reordered) == VOLUNTARY.canonical
    assert sha256_hex(VOLUNTARY.canonical) == VOLUNTARY.sha256 == parse(reordered).sha256


def test_schema_rejects_unknown_keys_with_a_path():
    with pytest.raises(DefinitionError) as info:
        load(BAD / "bad_schema.yaml")
    assert "states/a" in str(info.value) and "kind" in str(info.value)


def test_state_paths_and_titles():
    assert "handover.leaver.pending" in VOLUNTARY.states
    assert VOLUNTARY.state_title("draft", "zh_CN") == "草稿"
    assert VOLUNTARY.state_title("handover.leaver.pending", "zh_CN") == "pending"
    assert VOLUNTARY.event_title("submit", "zh_CN") == "提交辞职申请"
    assert VOLUNTARY.event_title("submit", "en") == "Submit resignation"
    assert VOLUNTARY.event_title("nonsense") == "nonsense"


# ---------------------------------------------------------------- decisions


def test_initial_configuration():
    config, steps = m.initial_configuration(VOLUNTARY)
    assert config == ("draft",) and steps == ()


def test_submit_by_employee_runs_actions_in_order():
    decision = decide(["draft"], "submit", ["employee"])
    assert decision.target == ("supervisor_review",)
    assert [s.call.name for s in decision.steps] == ["render_pdf", "notify"]
    assert decision.entered == ("supervisor_review",)


def test_refusals_say_why():
    assert decide(["draft"], "approve", ["employee"]).code == "unknown_event"
    refusal = decide(["draft"], "submit", ["supervisor"])
    assert refusal.code == "not_allowed" and refusal.params["roles"] == ["employee"]
    refusal = decide(["supervisor_review"], "approve", ["supervisor"], payload={})
    assert refusal.code == "missing_field" and refusal.params["fields"] == ["agreed_last_day"]
    refusal = decide(["draft"], "submit", ["employee"], guard=lambda c: "too short")
    assert refusal == Refusal("guard_failed", "too short", {"guard": "notice_period_ok"})
    refusal = decide(["draft"], "submit", ["employee"], guard=lambda c: False)
    assert refusal.code == "guard_failed" and "notice_period_ok" in refusal.message
    assert decide(["archived"], "cancel", ["hr_admin"]).code == "final_state"


def test_global_cancel_from_any_open_state_including_regions():
    config = ("handover.leaver.signed", "handover.receiver.pending")
    decision = decide(config, "cancel", ["hr_admin"], payload={"comment": "duplicate"})
    assert decision.target == ("cancelled",) and decision.finished
    assert decision.exited == ("handover.leaver.signed", "handover.receiver.pending", "handover")


def test_entering_parallel_enters_every_region():
    decision = decide(["hr_review"], "approve", ["hr"])
    assert decision.target == ("handover.leaver.pending", "handover.receiver.pending")
    assert [s.call.name for s in decision.steps] == ["render_pdf", "create_checklist"]


def test_join_fires_only_with_the_last_region():
    start = ("handover.leaver.pending", "handover.receiver.pending")
    first = decide(start, "sign_leaver", ["employee"])
    assert first.joined is None and first.signatures == ("handover.leaver",)
    assert first.target == ("handover.leaver.signed", "handover.receiver.pending")
    second = decide(first.target, "sign_receiver", ["supervisor"])
    assert second.joined == "handover" and second.signatures == ("handover.receiver",)
    assert second.target == ("exit_interview",)
    assert [s.call.params.get("template") for s in second.steps] == ["handover_certificate"]


def test_region_event_needs_its_region_active():
    config = ("handover.leaver.signed", "handover.receiver.pending")
    assert decide(config, "sign_leaver", ["employee"]).code == "unknown_event"


def test_first_transition_whose_guard_passes_wins():
    dismissal = load(WORKFLOWS / "dismissal.yaml")

    def guard(call):
        return call.name != "data_is" or call.params.get("value") == "pay_in_lieu"

    decision = decide(["decision"], "issue_notice", ["hr_admin"], {"agreed_last_day": "x"},
                      guard, dismissal)
    assert decision.target[0].startswith("handover.")


def test_timer_decisions():
    decision = m.decide_timer(VOLUNTARY, ("supervisor_review",), "supervisor_review", "remind")
    assert decision.target == ("supervisor_review",) and decision.exited == ()
    assert m.decide_timer(VOLUNTARY, ("hr_review",), "supervisor_review", "remind") is None
    expiry = load(WORKFLOWS / "dismissal.yaml")
    moved = m.decide_timer(expiry, ("notice_period",), "notice_period", "notice_ends")
    assert moved.target[0] == "handover.leaver.pending"


# ---------------------------------------------------------------- timing


def test_parse_duration():
    assert parse_duration("P2D") == (1, 2, parse_duration("P0D")[2])
    assert parse_duration("-P3D")[:2] == (-1, 3)
    assert parse_duration("P-3D")[:2] == (-1, 3)
    assert parse_duration("P1W")[1] == 7
    with pytest.raises(ValueError):
        parse_duration("P")


def test_business_days_skip_weekends_and_keep_local_time(calendar):
    friday = utc(2026, 3, 6, 2, 0)  # 10:00 in China
    assert add_duration(friday, "P2D", True, calendar) == utc(2026, 3, 10, 2, 0)
    assert add_duration(friday, "P2D", False, calendar) == utc(2026, 3, 8, 2, 0)


def test_business_days_use_the_given_calendar():
    from app.engine.clock import WeekdayCalendar

    holidays = WeekdayCalendar(frozenset({date(2026, 3, 9)}))
    assert add_duration(utc(2026, 3, 6, 2), "P1D", True, holidays) == utc(2026, 3, 10, 2)


def test_due_at_from_a_case_date_with_offset(calendar):
    timer = load(WORKFLOWS / "dismissal.yaml").state("notice_period").timers[0]
    due = due_at(timer, utc(2026, 3, 2), calendar, lambda name: date(2026, 3, 31))
    assert due == utc(2026, 3, 26, 1, 0)  # three workdays before, 09:00 China time
    assert due_at(timer, utc(2026, 3, 2), calendar, lambda name: None) is None


# ---------------------------------------------------------------- lint


@pytest.mark.parametrize("name, state, words", [
    ("unreachable", "island", "cannot be reached"),
    ("dead_end", "stuck", "dead end"),
    ("parallel_without_on_done", "both", "no 'on_done'"),
    ("unknown_guard", "a", "guard 'moon_is_full' is not registered"),
    ("missing_target", "a", "'nowhere', which does not exist"),
    ("final_with_exit", "done", "final state cannot be left"),
    ("no_allowed", "a", "does not say which roles are allowed"),
    ("bad_schema", "a", "does not match the schema"),
])
def test_lint_names_each_problem(name, state, words):
    problems = lint_file(BAD / f"{name}.yaml", fake_registry(FakeWorld()))
    assert any(p.state == state and words in p.message for p in problems), problems
    assert all(p.file.endswith(f"{name}.yaml") for p in problems)


def test_lint_paths_reads_directories():
    problems = lint_paths([BAD], fake_registry(FakeWorld()))
    assert {p.file.rsplit("/", 1)[-1] for p in problems} >= {"unreachable.yaml", "dead_end.yaml"}


def test_lint_checks_parameters_against_registered_schemas():
    data = load_yaml(WORKFLOWS / "voluntary_resignation.yaml")
    data["states"]["supervisor_review"]["timers"][1]["actions"] = [{"reassign": {"who": "hr"}}]
    from app.engine.lint import lint_data

    problems = lint_data(data, "x.yaml", fake_registry(FakeWorld()))
    assert any("reassign" in p.message and "wrong parameter" in p.message for p in problems)


# ---------------------------------------------------------------- diagrams


def test_mermaid_diagram():
    text = mermaid(VOLUNTARY)
    assert text.startswith("stateDiagram-v2\n    [*] --> draft")
    assert "draft --> supervisor_review: submit [employee]" in text
    assert "state handover {" in text and "    --" in text
    assert "handover --> exit_interview: all regions done" in text


@pytest.mark.skipif(shutil.which("dot") is None, reason="graphviz is not installed")
def test_svg_diagram():
    assert "<svg" in svg(VOLUNTARY)
    assert "cluster_handover" in dot(VOLUNTARY)
