"""Handover checklist through the web: signing with the password, disputes, access, inbox, board."""
from __future__ import annotations

import re
from io import BytesIO

import pytest

from app.modules.handover import operations as ops
from tests.conftest import csrf_from
from tests.handover_fixtures import items_by_key, open_resignation, sign_all, signer
from tests.samples import PNG

pytest_plugins = ["tests.handover_fixtures"]


def sign_out(client):
    client.post("/logout", data={"csrf_token": csrf_from(client.get("/").get_data(as_text=True))})


def test_the_dispute_loop_through_the_pages(client, login, session, handover_case, people, item_post):
    item = items_by_key(session, handover_case)["open_work"]
    login("leaver")
    page = client.get(f"/cases/{handover_case.id}").get_data(as_text=True)
    assert 'data-test="checklist"' in page and item.title_zh in page
    assert item_post(handover_case, item, "hand_over", note="清单在共享盘").status_code == 302
    assert item.status == "handed_over"
    sign_out(client)

    login("successor")
    response = item_post(handover_case, item, "dispute", password=None, reason="缺少跟进计划")
    assert response.status_code == 302 and item.status == "disputed"
    sign_out(client)

    login("leaver")
    page = client.get(f"/cases/{handover_case.id}/handover/items/{item.id}").get_data(as_text=True)
    assert "缺少跟进计划" in page and 'data-action="hand_over"' in page
    assert item_post(handover_case, item, "hand_over", note="已补充跟进计划").status_code == 302
    sign_out(client)

    login("successor")
    assert item_post(handover_case, item, "confirm").status_code == 302
    assert item.status == "confirmed" and item.note == "已补充跟进计划"
    page = client.get(f"/cases/{handover_case.id}/handover/items/{item.id}").get_data(as_text=True)
    assert page.count('data-voided="yes"') == 1 and page.count('data-voided="no"') == 2


def test_wrong_password_signs_nothing_and_says_so(client, login, session, handover_case, people, item_post):
    item = items_by_key(session, handover_case)["documents"]
    login("leaver")
    response = item_post(handover_case, item, "hand_over", password="wrong password", note="my note")
    text = response.get_data(as_text=True)
    assert response.status_code == 400 and "密码不正确" in text and "my note" in text
    assert item.status == "pending" and item.signatures == []


def test_password_confirmation_can_be_switched_off(app, client, login, session, handover_case, item_post,
                                                    monkeypatch):
    monkeypatch.setitem(app.config, "REQUIRE_PASSWORD_TO_SIGN", False)
    item = items_by_key(session, handover_case)["documents"]
    login("leaver")
    page = client.get(f"/cases/{handover_case.id}/handover/items/{item.id}").get_data(as_text=True)
    assert "hand_over-password" not in page
    assert item_post(handover_case, item, "hand_over", password=None).status_code == 302
    assert item.status == "handed_over"


def test_a_receiver_signs_only_their_own_items(client, login, session, handover_case, people, clearance,
                                               item_post):
    items = items_by_key(session, handover_case)
    for key in ("open_work", "accounts"):
        ops.hand_over_item(session, items[key], signer(people.leaver_user))
    session.commit()
    login("successor")
    assert item_post(handover_case, items["accounts"], "confirm").status_code == 403
    assert items["accounts"].status == "handed_over"
    sign_out(client)
    login("it1")
    assert item_post(handover_case, items["open_work"], "confirm").status_code == 403
    assert item_post(handover_case, items["accounts"], "confirm").status_code == 302
    assert items["accounts"].status == "confirmed"


def test_a_receiver_sees_only_their_cases_checklist(client, login, session, shipped_workflows, people,
                                                    clearance, make_employee, make_user):
    mine = open_resignation(people)
    other_leaver = make_employee(name="别人", manager_id=people.other_boss.id)
    other_receiver = make_employee(name="别人的接手", manager_id=people.other_boss.id)
    theirs = open_resignation(people, employee=other_leaver, receiver=other_receiver)
    session.commit()
    login("successor")
    assert 'data-test="checklist"' in client.get(f"/cases/{mine.id}").get_data(as_text=True)
    foreign = items_by_key(session, theirs)["open_work"]
    assert client.get(f"/cases/{theirs.id}").status_code == 404
    assert client.get(f"/cases/{theirs.id}/handover/items/{foreign.id}").status_code == 404
    token = csrf_from(client.get("/").get_data(as_text=True))
    response = client.post(f"/cases/{theirs.id}/handover/items/{foreign.id}/confirm",
                           data={"confirm-csrf_token": token})
    assert response.status_code == 404
    own = items_by_key(session, mine)["open_work"]  # an item of my case under the other case's id
    assert client.get(f"/cases/{theirs.id}/handover/items/{own.id}").status_code == 404


def test_stale_item_version_is_a_409(client, login, session, handover_case, people, item_post):
    item = items_by_key(session, handover_case)["documents"]
    seen = item.version
    ops.edit_item(session, item, people.hr_user, "clarify", title_en="Files (all of them)")
    session.commit()
    login("leaver")
    response = item_post(handover_case, item, "hand_over", version=seen)
    assert response.status_code == 409 and item.status == "pending"


def test_evidence_is_required_and_checked_by_content(client, login, session, handover_case, people,
                                                     item_post):
    item = items_by_key(session, handover_case)["documents"]
    ops.edit_item(session, item, people.hr_user, "need proof", evidence_required=True)
    session.commit()
    login("leaver")
    response = item_post(handover_case, item, "hand_over", note="see file")
    assert response.status_code == 400 and "证据" in response.get_data(as_text=True)
    response = item_post(handover_case, item, "hand_over", evidence=(BytesIO(b"MZ fake"), "a.pdf"))
    assert response.status_code == 400 and item.status == "pending"
    response = item_post(handover_case, item, "hand_over", evidence=(BytesIO(PNG), "list.png"))
    assert response.status_code == 302 and item.status == "handed_over" and item.evidence.mime == "image/png"
    download = client.get(f"/cases/{handover_case.id}/handover/items/{item.id}/evidence")
    assert download.status_code == 200 and download.data == PNG


def test_hr_edits_an_item_and_the_voided_signature_shows(client, login, session, handover_case, people,
                                                         item_post):
    item = items_by_key(session, handover_case)["documents"]
    ops.hand_over_item(session, item, signer(people.leaver_user))
    session.commit()
    login("hr")
    response = item_post(handover_case, item, "edit", password=None, title_zh="文件及纸质档案",
                         title_en="Files and paper archives", category="documents",
                         receiver_role="successor", reason="")
    assert response.status_code == 400 and item.title_zh != "文件及纸质档案"
    response = item_post(handover_case, item, "edit", password=None, title_zh="文件及纸质档案",
                         title_en="Files and paper archives", category="documents",
                         receiver_role="successor", reason="纸质档案也要交接")
    assert response.status_code == 302 and item.status == "pending"
    page = client.get(f"/cases/{handover_case.id}").get_data(as_text=True)
    assert 'data-test="voided"' in page and "纸质档案也要交接" in page


def test_leaver_cannot_edit_and_receiver_cannot_hand_over(client, login, session, handover_case, item_post):
    item = items_by_key(session, handover_case)["documents"]
    login("leaver")
    assert item_post(handover_case, item, "edit", password=None, title_zh="x", reason="y",
                     category="documents", receiver_role="successor").status_code == 403
    sign_out(client)
    login("successor")
    assert item_post(handover_case, item, "hand_over").status_code == 403


def test_supervisor_names_the_successor(client, login, session, handover_case, people, make_employee,
                                        post_form):
    newcomer = make_employee(name="新同事", manager_id=people.boss.id, employee_no="N001")
    session.commit()
    login("boss")
    response = post_form(f"/cases/{handover_case.id}/handover/successor", {"successor-employee_no": "N001"},
                         page=f"/cases/{handover_case.id}")
    assert response.status_code == 302 and handover_case.handover_receiver_id == newcomer.id
    assert items_by_key(session, handover_case)["open_work"].receiver_employee_id == newcomer.id


def test_inbox_lists_items_across_cases_waiting_ones_first(client, login, session, shipped_workflows,
                                                           people, clearance, make_employee):
    first = open_resignation(people)
    second = open_resignation(people, employee=make_employee(name="第二位", manager_id=people.boss.id))
    ops.hand_over_item(session, items_by_key(session, second)["accounts"], signer(people.leaver_user))
    session.commit()
    login("it1")
    page = client.get("/handover/inbox").get_data(as_text=True)
    assert page.count('data-test="entry"') == 2 and first.reference in page and second.reference in page
    assert page.index(second.reference) < page.index(first.reference)  # waiting for me comes first
    sign_out(client)
    login("leaver")
    page = client.get("/handover/inbox").get_data(as_text=True)
    assert page.count('data-test="entry"') == 6


def test_board_shows_progress_disputes_and_scope(client, login, session, shipped_workflows, people,
                                                 clearance, make_employee):
    case = open_resignation(people)
    other = open_resignation(people, employee=make_employee(name="他组", manager_id=people.other_boss.id))
    items = items_by_key(session, case)
    ops.hand_over_item(session, items["open_work"], signer(people.leaver_user))
    ops.dispute_item(session, items["open_work"], signer(people.successor_user), "incomplete")
    ops.hand_over_item(session, items["documents"], signer(people.leaver_user))
    ops.confirm_item(session, items["documents"], signer(people.successor_user))
    session.commit()
    login("hr")
    page = client.get("/handover/board").get_data(as_text=True)
    assert case.reference in page and other.reference in page and "17%" in page
    sign_out(client)
    login("boss")
    page = client.get("/handover/board").get_data(as_text=True)
    assert case.reference in page and other.reference not in page
    sign_out(client)
    login("successor")
    assert client.get("/handover/board").status_code == 403


def test_bulk_change_of_receiver(client, login, session, shipped_workflows, people, clearance,
                                 make_employee, post_form):
    case = open_resignation(people)
    make_employee(name="替补", manager_id=people.boss.id, employee_no="R001")
    session.commit()
    login("hr")
    response = post_form("/handover/board/receiver", {"bulk-from_no": "S001", "bulk-to_no": "R001",
                                                      "bulk-reason": "李接手调岗"}, page="/handover/board")
    assert response.status_code == 302
    items = items_by_key(session, case)
    assert items["open_work"].receiver_employee.employee_no == "R001"
    assert case.handover_receiver.employee_no == "R001"


def test_archive_refused_with_the_gate_message(client, login, session, handover_case, people, clearance,
                                               make_employee):
    from tests.test_cases import fire

    make_employee(name="留下的下属", manager_id=people.leaver.id)
    sign_all(session, handover_case, people, clearance)
    session.commit()
    login("leaver")
    assert fire(client, handover_case, "sign_leaver").status_code == 302
    sign_out(client)
    login("successor")
    assert fire(client, handover_case, "sign_receiver").status_code == 302
    assert handover_case.instance.configuration == ["exit_interview"]
    sign_out(client)
    login("hr")
    page = client.get(f"/cases/{handover_case.id}").get_data(as_text=True)
    assert "留下的下属" in page  # the gate is shown before anyone tries
    response = fire(client, handover_case, "complete_interview")
    assert response.status_code == 400 and "留下的下属" in response.get_data(as_text=True)
    assert handover_case.instance.configuration == ["exit_interview"]


@pytest.mark.parametrize("path", ["/handover/inbox"])
def test_inbox_needs_a_login(client, path):
    assert client.get(path).status_code == 302


def _items_on(page: str) -> list[str]:
    return re.findall(r'data-test="entry" data-item="(\d+)"', page)


def test_inbox_is_paginated(app, client, login, session, handover_case, monkeypatch):
    monkeypatch.setitem(app.config, "PAGE_SIZE", 4)
    login("leaver")
    first = client.get("/handover/inbox").get_data(as_text=True)
    second = client.get("/handover/inbox?page=2").get_data(as_text=True)
    assert len(_items_on(first)) == 4 and len(_items_on(second)) == 2  # six items in all
    assert not set(_items_on(first)) & set(_items_on(second))
    assert 'href="/handover/inbox?page=2"' in first
    beyond = client.get("/handover/inbox?page=9").get_data(as_text=True)
    assert _items_on(beyond) == _items_on(second)  # past the end: the last page


def test_board_is_paginated(app, client, login, session, shipped_workflows, people, clearance, make_employee,
                            monkeypatch):
    cases = [open_resignation(people),
             open_resignation(people, employee=make_employee(name="第二位", manager_id=people.boss.id))]
    session.commit()
    monkeypatch.setitem(app.config, "PAGE_SIZE", 1)
    login("hr")
    pages = [client.get(f"/handover/board?page={n}").get_data(as_text=True) for n in (1, 2)]
    shown = [re.findall(r'data-test="row" data-case="(\d+)"', page) for page in pages]
    assert [len(rows) for rows in shown] == [1, 1]
    assert {shown[0][0], shown[1][0]} == {str(case.id) for case in cases}
    assert 'href="/handover/board?page=2"' in pages[0] and 'data-test="bulk-form"' in pages[1]
