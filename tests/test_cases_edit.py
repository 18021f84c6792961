"""Changing a resignation draft through the web: the send-back loop, who may edit, and refusals."""
from __future__ import annotations

import re
from datetime import date
from io import BytesIO

import pytest
from sqlalchemy import select

from app.modules.cases.models import CaseAttachment
from tests.conftest import csrf_from
from tests.samples import PDF
from tests.test_cases import PNG, file_resignation, filing_day, fire, only_case, sign_out

pytestmark = pytest.mark.usefixtures("shipped_workflows", "filing_day")
assert filing_day  # the employee files on 1 September 2025
FILED = {"reasons": ["pay_benefits", "workload"], "primary_reason": "pay_benefits", "statement": "感谢公司培养",
         "notice_date": "2025-09-01", "requested_last_day": "2025-10-09"}
COMMENT = "请写明交接安排，最后工作日可以放到十月底"


def edit_url(case) -> str:
    return f"/cases/{case.id}/edit"


def post_edit(client, case, version=None, **changes):
    """Post the edit form as the page draws it, with the version it carries unless told otherwise."""
    page = client.get(edit_url(case)).get_data(as_text=True)
    seen = re.search(r'name="version"[^>]*value="(\d+)"', page).group(1)
    data = {**FILED, "version": seen if version is None else version, "csrf_token": csrf_from(page), **changes}
    return client.post(edit_url(case), data=data, content_type="multipart/form-data")


@pytest.fixture
def sent_back(client, login, people, post_form, session):
    """The leaver's resignation, submitted and sent back by the supervisor; the leaver is signed in."""
    login("leaver")
    file_resignation(client, post_form, letter=(BytesIO(PNG), "letter.png"))
    case = only_case(session)
    assert fire(client, case, "submit").status_code == 302
    sign_out(client)
    login("boss")
    assert fire(client, case, "reject", comment=COMMENT).status_code == 302
    sign_out(client)
    login("leaver")
    assert case.instance.configuration == ["draft"]
    return case


def test_send_back_edit_and_resubmit(client, login, sent_back, session):
    case = sent_back
    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert f'href="{edit_url(case)}"' in page and COMMENT in page
    form = client.get(edit_url(case)).get_data(as_text=True)
    assert COMMENT in form and "王主管" in form  # the supervisor's comment, and who sent it back
    assert 'value="2025-10-09"' in form and "感谢公司培养" in form and "letter.png" in form  # as filed
    assert re.search(r'value="workload"[^>]*checked|checked[^>]*value="workload"', form)

    response = post_edit(client, case, requested_last_day="2025-10-31", statement="交接安排：客户清单周五前移交",
                         reasons=["workload", "family"], primary_reason="family")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/cases/{case.id}")
    assert case.requested_last_day == date(2025, 10, 31) and case.primary_reason == "family"
    assert case.instance.configuration == ["draft"]
    assert fire(client, case, "submit").status_code == 302
    assert case.instance.configuration == ["supervisor_review"]
    sign_out(client)

    login("boss")
    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    last_day = re.search(r'data-test="requested-last-day">([^<]*)<', page).group(1)
    assert last_day == "2025-10-31" and "客户清单周五前移交" in page
    assert "申请已修改" in page  # the timeline says the application changed, and what
    assert 'data-test="edit-draft"' not in page
    assert fire(client, case, "approve", agreed_last_day="2025-10-31").status_code == 302
    assert case.instance.configuration == ["hr_review"]


def test_only_the_leaver_may_edit(client, login, people, sent_back, session):
    case = sent_back
    sign_out(client)
    for username, status in (("boss", 403), ("hr", 403), ("otherboss", 404), ("successor", 404)):
        login(username)
        assert client.get(edit_url(case)).status_code == status, username
        token = csrf_from(client.get("/").get_data(as_text=True))
        response = client.post(edit_url(case), data={**FILED, "statement": "改写", "version": case.version,
                                                     "csrf_token": token})
        assert response.status_code == status, username
        assert 'data-test="edit-draft"' not in client.get(f"/cases/{case.id}").get_data(as_text=True)
        sign_out(client)
    assert case.statement == "感谢公司培养"


def test_the_employee_cannot_edit_a_draft_hr_prepared(client, login, people, post_form, session):
    login("hr")
    post_form("/cases/open", {"employee_no": "L001", "workflow_id": "mutual_agreement",
                              "requested_last_day": "2026-12-31", "proposed_by": "employer"})
    case = only_case(session)
    sign_out(client)
    login("leaver")
    assert client.get(f"/cases/{case.id}").status_code == 200
    assert client.get(edit_url(case)).status_code == 403


def test_a_submitted_case_cannot_be_edited(client, login, people, post_form, session):
    login("leaver")
    file_resignation(client, post_form)
    case = only_case(session)
    page = client.get(edit_url(case)).get_data(as_text=True)
    assert fire(client, case, "submit").status_code == 302
    assert 'data-test="edit-draft"' not in client.get(f"/cases/{case.id}").get_data(as_text=True)
    response = client.get(edit_url(case), follow_redirects=True)
    assert "只有草稿可以修改" in response.get_data(as_text=True)
    response = client.post(edit_url(case), data={**FILED, "statement": "改写", "version": case.version,
                                                 "csrf_token": csrf_from(page)}, follow_redirects=True)
    assert "只有草稿可以修改" in response.get_data(as_text=True)
    assert case.statement == "感谢公司培养" and case.instance.configuration == ["supervisor_review"]


def test_a_stale_version_is_a_409_with_a_reload_link(client, sent_back, session):
    case = sent_back
    seen = case.version
    assert post_edit(client, case, statement="第一个标签页", version=seen).status_code == 302  # another tab
    response = post_edit(client, case, statement="第二个标签页", version=seen)
    assert response.status_code == 409
    text = response.get_data(as_text=True)
    assert "重新加载" in text and f'href="{edit_url(case)}"' in text
    assert case.statement == "第一个标签页"


def test_an_invalid_last_day_is_explained_and_nothing_is_lost(client, sent_back, session):
    case = sent_back
    version, letters = case.version, session.scalars(select(CaseAttachment.sha256)).all()
    response = post_edit(client, case, requested_last_day="2025-09-20", statement="新的说明")
    text = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "第三十七条" in text and "2025-10-09" in text  # why, and the earliest day allowed
    assert 'value="2025-09-20"' in text and "新的说明" in text  # what was typed is still there
    assert COMMENT in text  # the supervisor's comment too
    for unusable in ("", "2025-13-45"):
        response = post_edit(client, case, requested_last_day=unusable)
        assert response.status_code == 400 and "请填写日期" in response.get_data(as_text=True)
    session.refresh(case)
    assert case.requested_last_day == date(2025, 10, 9) and case.statement == "感谢公司培养"
    assert case.version == version and session.scalars(select(CaseAttachment.sha256)).all() == letters


def test_the_letter_is_kept_or_replaced_and_a_bad_file_changes_nothing(client, sent_back, session):
    case = sent_back
    original = session.scalars(select(CaseAttachment)).one()
    assert post_edit(client, case, statement="只改说明").status_code == 302
    assert session.scalars(select(CaseAttachment)).all() == [original]  # no file chosen: kept
    response = post_edit(client, case, statement="换成可执行文件", letter=(BytesIO(b"MZ\x90\x00"), "letter.pdf"))
    assert response.status_code == 400 and "只接受 PDF、PNG 或 JPEG" in response.get_data(as_text=True)
    assert case.statement == "只改说明" and session.scalars(select(CaseAttachment)).all() == [original]
    assert post_edit(client, case, letter=(BytesIO(PDF), "signed.pdf")).status_code == 302
    letter = session.scalars(select(CaseAttachment).where(CaseAttachment.kind == "letter")).one()
    assert letter.mime == "application/pdf" and letter.filename == "signed.pdf"
    assert client.get(f"/cases/{case.id}/attachments/{letter.id}").data == PDF
    session.refresh(original)  # the first letter is notice evidence: kept, marked replaced
    assert original.kind == "letter_replaced"
    assert client.get(f"/cases/{case.id}/attachments/{original.id}").data == PNG
    assert "data-replaced" in client.get(f"/cases/{case.id}").get_data(as_text=True)


def test_a_notice_date_that_changes_the_path_is_refused(client, people, sent_back, session):
    case = sent_back
    people.leaver.probation_end = date(2025, 9, 5)  # found to be on probation until 5 September
    session.commit()
    response = post_edit(client, case, notice_date="2025-09-03", requested_last_day="2025-10-09")
    assert response.status_code == 400 and "试用期" in response.get_data(as_text=True)
    assert case.notice_date == date(2025, 9, 1) and case.workflow_id == "voluntary_resignation"


def test_the_notice_date_cannot_move_before_the_one_filed(client, sent_back, session):
    response = post_edit(client, sent_back, notice_date="2025-08-01", requested_last_day="2025-09-02")
    assert response.status_code == 400
    assert "通知日期不能早于 2025-09-01" in response.get_data(as_text=True)
    assert sent_back.notice_date == date(2025, 9, 1)


def test_recalculate_on_the_edit_page_keeps_the_rest(client, sent_back, session):
    case = sent_back
    page = client.get(edit_url(case)).get_data(as_text=True)
    version = re.search(r'name="version"[^>]*value="(\d+)"', page).group(1)
    response = client.post(edit_url(case), data={**FILED, "notice_date": "2026-12-20", "statement": "年底",
                                                 "recalculate": "1", "version": version,
                                                 "csrf_token": csrf_from(page)})
    text = response.get_data(as_text=True)
    assert 'value="2027-01-19"' in text and "年底" in text  # 30 days on, a Tuesday
    assert "尚未公布" in text  # the 2027 holiday calendar is estimated, and the page says so
    assert case.notice_date == date(2025, 9, 1)  # nothing saved
