"""Case files: whole-file type checks, downloads of the detected type under the app's own name,
and who may download which kind (HR's legal evidence, the leaver's letter, handover evidence)."""
from __future__ import annotations

import re
from io import BytesIO

import pytest
from sqlalchemy import select

from app.modules.cases.models import CaseAttachment
from tests.conftest import csrf_from
from tests.samples import HTML, JPEG, PDF, PNG, POLYGLOTS

pytest_plugins = ["tests.handover_fixtures"]
pytestmark = pytest.mark.usefixtures("shipped_workflows")


def _attach(client, case, data: bytes, name: str):
    token = csrf_from(client.get(f"/cases/{case.id}").get_data(as_text=True))
    return client.post(f"/cases/{case.id}/attachments", content_type="multipart/form-data",
                       data={"csrf_token": token, "file": (BytesIO(data), name)}, follow_redirects=True)


@pytest.fixture
def dismissal(session, people):
    from app.modules.cases.operations import open_case

    case = open_case(people.leaver, "dismissal", people.hr_user, requested_last_day=None)
    session.flush()
    return case


# ---------------------------------------------------------------- the whole file is checked


@pytest.mark.parametrize("name", sorted(POLYGLOTS))
def test_a_file_that_only_starts_like_an_accepted_type_is_refused(client, login, session, dismissal,
                                                                  name):
    login("hr")
    page = _attach(client, dismissal, POLYGLOTS[name], "证据.pdf").get_data(as_text=True)
    assert re.search(r"文件开头像 (PDF|PNG|JPEG)，但不是完整可读的", page), page
    assert session.scalars(select(CaseAttachment)).all() == []


def test_the_refusal_reads_in_english(client, login, session, dismissal, people):
    people.hr_user.locale = "en"
    login("hr")
    page = _attach(client, dismissal, POLYGLOTS["png, html after the end"], "x.png").get_data(as_text=True)
    assert "The file starts like a PNG but is not a complete, readable PNG file" in page


@pytest.mark.parametrize("data, mime", [(PDF, "application/pdf"), (PNG, "image/png"), (JPEG, "image/jpeg")])
def test_real_files_are_accepted(client, login, session, dismissal, data, mime):
    login("hr")
    _attach(client, dismissal, data, "scan")
    assert session.scalars(select(CaseAttachment.mime)).all() == [mime]


def test_a_png_named_html_is_stored_shown_and_served_as_a_png(client, login, session, dismissal):
    login("hr")
    _attach(client, dismissal, PNG, "poly.html")
    stored = session.scalars(select(CaseAttachment)).one()
    assert stored.filename == "poly.png" and stored.mime == "image/png"
    response = client.get(f"/cases/{dismissal.id}/attachments/{stored.id}")
    assert response.status_code == 200 and response.data == PNG
    assert response.mimetype == "image/png"
    assert response.headers["Content-Disposition"] == (
        f"attachment; filename={dismissal.reference}_evidence_{stored.id}.png")
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_handover_evidence_is_served_as_its_detected_type_never_its_name(client, login, session,
                                                                         handover_case, item_post):
    from app.modules.handover import operations as ops
    from tests.handover_fixtures import items_by_key

    item = items_by_key(session, handover_case)["documents"]
    login("leaver")
    refused = item_post(handover_case, item, "hand_over", evidence=(BytesIO(PNG + HTML), "poly.html"))
    assert refused.status_code == 400 and item.status == "pending"
    response = item_post(handover_case, item, "hand_over", evidence=(BytesIO(PNG), "poly.html"))
    assert response.status_code == 302 and item.status == "handed_over"
    assert item.evidence.kind == "handover_evidence" and item.evidence.filename == "poly.png"
    download = client.get(f"/cases/{handover_case.id}/handover/items/{item.id}/evidence")
    assert download.status_code == 200 and download.data == PNG and download.mimetype == "image/png"
    disposition = download.headers["Content-Disposition"]
    assert disposition.startswith("attachment; ") and "poly" not in disposition and "html" not in disposition
    assert disposition.endswith(f"{handover_case.reference}_handover_{item.id}_{item.evidence.id}.png")
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert ops.items_of(session, handover_case.id)  # the checklist is untouched otherwise


def test_a_display_name_has_no_folders_or_direction_tricks():
    from app.modules.cases.uploads import display_name

    assert display_name("..\\..\\C:\\x\\报告.pdf", "pdf") == "报告.pdf"
    assert display_name("../../etc/passwd", "png") == "passwd.png"
    assert display_name("invoice\u202egpj.exe", "jpg") == "invoicegpj.jpg"
    assert display_name("", "pdf", default="evidence") == "evidence.pdf"


# ---------------------------------------------------------------- who may download which kind


@pytest.fixture
def staff(make_user, make_employee):
    """Clearance receivers who are employees too (so they see the cases they receive items of)
    and an auditor."""
    for name, role in (("it_staff", "it"), ("fin_staff", "finance"), ("admin_staff", "admin"),
                       ("auditor1", "auditor")):
        make_user(name, roles=(role,), employee=make_employee())


@pytest.fixture
def case_file(session, people, staff, dismissal):
    """A dismissal with HR's evidence, a handover checklist (its receivers see the case) and
    the leaver's letter; the successor is named."""
    from app.modules.cases.operations import attach_file
    from app.modules.handover.operations import create_checklist

    dismissal.handover_receiver_id = people.successor.id
    create_checklist(session, dismissal)
    evidence = attach_file(dismissal, people.hr_user, PDF, "违纪记录.pdf", kind="evidence")
    letter = attach_file(dismissal, people.leaver_user, PNG, "本人说明.png", kind="letter")
    session.flush()
    return {"evidence": evidence, "letter": letter}


READERS = {
    # HR's legal evidence: HR, the HR administrator and the auditor only.
    "evidence": {"hr": 200, "hradmin": 200, "auditor1": 200, "leaver": 404, "boss": 404,
                 "successor": 404, "it_staff": 404, "fin_staff": 404, "admin_staff": 404},
    # The leaver's own letter: also the leaver and the supervisor.
    "letter": {"hr": 200, "hradmin": 200, "auditor1": 200, "leaver": 200, "boss": 200,
               "successor": 404, "it_staff": 404, "fin_staff": 404, "admin_staff": 404},
}


@pytest.mark.parametrize("kind", sorted(READERS))
def test_each_kind_of_file_goes_only_to_its_readers(client, login, people, case_file, dismissal,
                                                    kind):
    attachment = case_file[kind]
    url = f"/cases/{dismissal.id}/attachments/{attachment.id}"
    for username, status in READERS[kind].items():
        client.delete_cookie("session", domain="localhost")
        login(username)
        assert client.get(f"/cases/{dismissal.id}").status_code == 200, username  # sees the case
        assert client.get(url).status_code == status, (username, kind)
        page = client.get(f"/cases/{dismissal.id}").get_data(as_text=True)
        assert (url in page) == (status == 200), (username, kind)  # no link to what 404s


def test_handover_evidence_goes_to_its_item_s_receiver_not_to_other_receivers(
        client, login, session, people, staff, handover_case):
    from app.modules.cases.operations import attach_file
    from app.modules.handover.operations import hand_over_item
    from tests.handover_fixtures import items_by_key, signer

    items = items_by_key(session, handover_case)
    item = next(i for i in items.values() if i.receiver_role == "finance")
    evidence = attach_file(handover_case, people.leaver_user, PDF, "报销单.pdf", kind="handover_evidence")
    session.flush()
    hand_over_item(session, item, signer(people.leaver_user), evidence=evidence)
    session.flush()
    urls = [f"/cases/{handover_case.id}/handover/items/{item.id}/evidence",
            f"/cases/{handover_case.id}/attachments/{evidence.id}"]
    for username, status in {"fin_staff": 200, "leaver": 200, "boss": 200, "hr": 200,
                             "it_staff": 404, "admin_staff": 404, "successor": 404}.items():
        client.delete_cookie("session", domain="localhost")
        login(username)
        assert [client.get(url).status_code for url in urls] == [status, status], username
