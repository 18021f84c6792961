"""The alumni archive: look-up (pinyin, initials, typos, ID number), eligibility audit,
account shutdown on the last day, boomerang re-hire, alumni self-service."""
from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

import pytest
from flask import url_for
from sqlalchemy import select

from app import clock
from app.engine.models import AuditEvent, OutboxJob
from app.modules.alumni import operations, search
from app.modules.alumni.models import AlumniLookup, AlumniRecord, EligibilityChange, Rehire

pytest_plugins = ["tests.interviews_fixtures", "tests.documents_fixtures"]
ID_NUMBER = "15010219911105002X"


@pytest.fixture
def alumna(app, session, people):
    """陈美丽 left through the import; her record is in the archive."""
    from app.modules.employees.operations import pinyin_of, record_departure, set_national_id

    leaver = people.leaver
    leaver.name_pinyin, leaver.name_initials = pinyin_of(leaver.name)
    leaver.phone, leaver.email = "13800001234", "meili.chen@example.com"
    set_national_id(leaver, ID_NUMBER, app.config["NATIONAL_ID_PEPPER"])
    record_departure(leaver, date(2025, 8, 15), "voluntary_resignation", ["career"],
                     source="import", session=session)
    session.flush()
    assert operations.backfill_archive() == 1
    return session.scalars(select(AlumniRecord)).one()


@pytest.mark.parametrize("query", ["陈美丽", "chenmeili", "cml", "chenmieli", "CHEN MEILI",
                                   "L001", "13800001234", "meili.chen@example.com", ID_NUMBER,
                                   "150102 19911105 002x"])
def test_lookup_finds_her_by_every_key(alumna, people, query):
    page = search.search_alumni(query, people.hr_user)
    assert [m.employee.employee_no for m in page.items] == ["L001"], query


def test_lookups_are_logged_and_id_numbers_never_stored_whole(session, alumna, people):
    search.search_alumni(ID_NUMBER, people.hr_user)
    search.search_alumni("nobody", people.hr_user)
    rows = session.scalars(select(AlumniLookup).order_by(AlumniLookup.id)).all()
    assert [(r.user_id, r.kind, r.employee_ids) for r in rows] == [
        (people.hr_user.id, "id_number", [people.leaver.id]), (people.hr_user.id, "latin", [])]
    assert ID_NUMBER not in rows[0].query and rows[0].query.endswith("002X")


def test_hr_page_shows_eligibility_and_others_are_refused(client, login, post_form, alumna, people):
    login("hr")
    html = post_form("/alumni", {"q": "chenmeili"}).get_data(as_text=True)
    assert 'data-employee-no="L001"' in html and 'data-eligibility="undecided"' in html
    assert client.get(f"/alumni/{alumna.id}").status_code == 200
    client.delete_cookie("session", domain="localhost")
    login("boss")
    assert client.get("/alumni").status_code == 403
    assert post_form("/alumni", {"q": "chenmeili"}, page="/").status_code == 403
    assert client.get(f"/alumni/{alumna.id}").status_code == 403


def test_cli_prints_one_line_per_match(app, alumna, session):
    result = app.test_cli_runner().invoke(args=["alumni", "search", "cml", "--by", "hr"])
    assert result.exit_code == 0
    assert result.output.strip().split("\t") == ["L001", "陈美丽", "2025-08-15", "undecided"]


def test_every_eligibility_change_is_audited(session, client, login, post_form, alumna, people):
    login("hr")
    page = f"/alumni/{alumna.id}"
    data = {"e-eligibility": "conditional", "e-reason_code": "performance",
            "e-justification": "业绩良好，但需主管面试", "e-approver": str(people.hr_admin_user.id),
            "e-review_date": "2027-01-01", "e-version": str(alumna.lock_version)}
    missing = post_form(f"/alumni/{alumna.id}/eligibility", {**data, "e-justification": ""}, page=page)
    assert missing.status_code == 400
    assert post_form(f"/alumni/{alumna.id}/eligibility", data, page=page).status_code == 302
    stale = post_form(f"/alumni/{alumna.id}/eligibility", {**data, "e-eligibility": "eligible"},
                      page=page)
    assert stale.status_code == 409
    data["e-version"] = str(alumna.lock_version)
    assert post_form(f"/alumni/{alumna.id}/eligibility", {**data, "e-eligibility": "eligible",
                     "e-reason_code": "good_record"}, page=page).status_code == 302
    changes = session.scalars(select(EligibilityChange).order_by(EligibilityChange.id)).all()
    assert [(c.old, c.new, c.changed_by_id) for c in changes] == [
        ("undecided", "conditional", people.hr_user.id), ("conditional", "eligible", people.hr_user.id)]
    events = session.scalars(select(AuditEvent).where(
        AuditEvent.event == "alumni.eligibility_changed")).all()
    assert [e.payload["new"] for e in events] == ["conditional", "eligible"]
    assert alumna.eligibility == "eligible" and alumna.approver_id == people.hr_admin_user.id


def test_boomerang_keeps_the_earlier_employment(session, alumna, people):
    rehire = operations.rehire_alumnus(alumna, people.hr_user, start_date=date(2026, 5, 6),
                                       department=people.dept, monthly_wage=Decimal("9500"))
    leaver = people.leaver
    assert leaver.status == "active" and leaver.hire_date == date(2026, 5, 6)
    assert rehire.previous_hire_date == date(2021, 3, 1) and rehire.earlier_tenure_days == 1629
    history = operations.employment_history(leaver)
    assert [(h["hire_date"], h["last_day"]) for h in history] == [
        ("2021-03-01", "2025-08-15"), ("2026-05-06", None)]
    assert session.scalars(select(Rehire)).one().previous_record_id == alumna.id
    with pytest.raises(operations.AlumniError):
        operations.rehire_alumnus(alumna, people.hr_user, start_date=date(2026, 6, 1),
                                  department=people.dept)


def test_not_eligible_cannot_be_rehired(alumna, people):
    operations.set_eligibility(alumna, people.hr_user, eligibility="not_eligible",
                               reason_code="conduct", justification="违规催收",
                               approver=people.hr_admin_user, review_date=None)
    with pytest.raises(operations.AlumniError):
        operations.rehire_alumnus(alumna, people.hr_user, start_date=date(2026, 5, 6),
                                  department=people.dept)


def test_sessions_end_on_the_last_day(session, client, login, interview_case, people, monkeypatch):
    """The shutdown job runs at 18:00 China time on the last day (clock frozen around it)."""
    from app.modules.interviews.operations import record_not_held

    last_day = clock.today() + timedelta(days=40)
    interview_case.requested_last_day = interview_case.agreed_last_day = last_day
    login("leaver")
    assert client.get("/").status_code == 200
    record_not_held(interview_case, people.hr_user, reason="休假")  # archived before the last day
    session.flush()
    job = session.scalars(select(OutboxJob).where(OutboxJob.kind == "account_shutdown")).one()
    six_pm = datetime.combine(last_day, time(18), tzinfo=clock.CHINA_TZ)
    assert job.available_at.replace(tzinfo=UTC) == six_pm
    with clock.travel(six_pm - timedelta(minutes=1)):
        operations.run_account_shutdown({"case_id": interview_case.id, "job_id": job.id})
    assert client.get("/").status_code == 200  # still the last afternoon
    with clock.travel(six_pm):
        operations.run_account_shutdown({"case_id": interview_case.id, "job_id": job.id})
    assert client.get("/").status_code == 302  # signed out
    session.expire_all()
    user = people.leaver_user
    assert user.granted_roles == {"alumni"} and user.is_active
    event = session.scalars(select(AuditEvent).where(AuditEvent.event == "employee.offboarded")).one()
    assert event.payload["employee_no"] == "L001" and event.payload["logins"] == ["leaver"]
    operations.run_account_shutdown({"case_id": interview_case.id, "job_id": job.id})
    assert len(session.scalars(select(AuditEvent).where(
        AuditEvent.event == "employee.offboarded")).all()) == 1  # idempotent


def test_last_day_shutdown_leaves_alumni_access_only_while_the_case_goes_on(
        session, client, login, interview_case, people, monkeypatch):
    """Issue 7: at 18:00 on the last day the leaver loses the employee's pages even though
    the case (here at its exit interview) is not archived yet."""
    from app.modules.auth.permissions import roles_of

    interview_case.requested_last_day = interview_case.agreed_last_day = date(2027, 1, 15)
    monkeypatch.setattr(operations, "_now", lambda: datetime(2027, 1, 15, 10, 0, tzinfo=UTC))
    operations.schedule_account_shutdown(interview_case, datetime(2027, 1, 4, tzinfo=UTC))
    login("leaver")
    assert client.get("/cases/mine").status_code == 200
    operations.run_account_shutdown({"case_id": interview_case.id})
    session.expire_all()
    assert interview_case.is_open and people.leaver.status != "left"
    assert roles_of(people.leaver_user) == {"alumni"}
    assert client.get("/cases/mine").status_code == 302  # every session ended
    login("leaver")
    assert client.get("/cases/mine").status_code == 403
    assert client.get("/me/alumni").status_code == 200


def test_alumni_login_sees_only_self_service(session, client, login, alumna, people,
                                            make_doc_case, doc_people, docs_dir):
    from app.modules.documents.operations import generate_document

    people.leaver_user.role_rows = []
    session.flush()
    from app.modules.alumni.operations import switch_to_alumni

    switch_to_alumni(people.leaver_user)
    mine = make_doc_case(employee_id=people.leaver.id, reference="SO-2025-00001")
    other = make_doc_case(reference="SO-2025-00002")
    certificate = generate_document(session, mine, "termination_certificate")
    others = generate_document(session, other, "termination_certificate")
    handover = generate_document(session, mine, "handover_certificate")
    session.flush()
    response = login("leaver")
    assert "SO-2025-00001" in response.get_data(as_text=True)  # home sent them to self-service
    assert client.get(f"/me/alumni/certificates/{certificate.id}").data.startswith(b"%PDF")
    assert client.get(f"/me/alumni/certificates/{others.id}").status_code == 404
    assert client.get(f"/me/alumni/certificates/{handover.id}").status_code == 404
    assert client.get(f"/cases/{mine.id}").status_code == 403
    assert client.get("/alumni").status_code == 403


def test_self_service_contact_and_consent(session, client, login, post_form, alumna, people):
    from app.modules.alumni.operations import switch_to_alumni

    switch_to_alumni(people.leaver_user)
    session.flush()
    login("leaver")
    bad = post_form("/me/alumni/contact", {"email": "not-an-address", "phone": ""}, page="/me/alumni")
    assert bad.status_code == 400 and people.leaver.email == "meili.chen@example.com"
    assert post_form("/me/alumni/contact", {"email": "new@example.com", "phone": "13900000000"},
                     page="/me/alumni").status_code == 302
    assert people.leaver.email == "new@example.com"
    assert post_form("/me/alumni/consent", {"consent": "y"}, page="/me/alumni").status_code == 302
    assert alumna.consent_offers is True and alumna.consent_at is not None
    assert post_form("/me/alumni/consent", {}, page="/me/alumni").status_code == 302
    assert alumna.consent_offers is False
    events = [e.event for e in session.scalars(select(AuditEvent).where(
        AuditEvent.event.like("alumni.consent%")).order_by(AuditEvent.id))]
    assert events == ["alumni.consent_given", "alumni.consent_withdrawn"]



@pytest.mark.parametrize("locale, label", [("zh_CN", "我的离职员工服务"), ("en", "My alumni page")])
def test_an_alumnus_has_a_menu_entry_for_the_self_service_page(session, client, login, alumna,
                                                              people, locale, label):
    operations.switch_to_alumni(people.leaver_user)
    people.leaver_user.locale = locale
    session.flush()
    html = login("leaver").get_data(as_text=True)
    assert re.search(rf'class="nav-link[^"]*" href="/me/alumni"[^>]*>{label}</a>', html)


def test_a_current_employee_has_no_alumni_menu_entry(app, client, login, people):
    html = login("successor").get_data(as_text=True)
    with app.test_request_context():
        mine = url_for("cases.mine")
    assert f'href="{mine}"' in html  # the employee's own entries are there
    assert "/me/alumni" not in html


def test_summary_and_rehire_forms_save_or_say_why_not(session, client, login, post_form, alumna,
                                                      people):
    login("hr")
    page = f"/alumni/{alumna.id}"
    version = str(alumna.lock_version)
    saved = post_form(f"{page}/summary", {"p-summary": "回款率第一", "p-version": version}, page=page)
    assert saved.status_code == 302 and alumna.performance_summary == "回款率第一"
    stale = post_form(f"{page}/summary", {"p-summary": "覆盖", "p-version": version}, page=page)
    assert stale.status_code == 409 and "覆盖" in stale.get_data(as_text=True)  # kept as typed
    assert alumna.performance_summary == "回款率第一"
    rehire = {"r-start_date": "2025-08-01", "r-department": str(people.dept.id), "r-position": "0"}
    early = post_form(f"{page}/rehire", rehire, page=page)
    assert early.status_code == 400 and people.leaver.status == "left"  # before the last day
    assert post_form(f"{page}/rehire", {**rehire, "r-start_date": "2026-05-06"},
                     page=page).status_code == 302
    assert people.leaver.status == "active" and people.leaver.hire_date == date(2026, 5, 6)


# ---------------------------------------------------------------- look-up privacy and paging


def _lookups(session) -> list[AlumniLookup]:
    return session.scalars(select(AlumniLookup).where(AlumniLookup.kind != "view")
                           .order_by(AlumniLookup.id)).all()


def test_the_search_is_posted_so_the_query_stays_out_of_the_url(client, login, post_form,
                                                                 session, alumna, people):
    login("hr")
    page = client.get("/alumni").get_data(as_text=True)
    assert re.search(r'<form method="post" action="/alumni"[^>]*data-form="alumni-search"', page)
    assert 'name="csrf_token"' in page
    old_link = client.get(f"/alumni?q={ID_NUMBER}")  # a bookmarked GET no longer searches
    assert old_link.status_code == 302 and old_link.location == "/alumni"
    assert ID_NUMBER not in client.get(old_link.location).get_data(as_text=True)
    assert client.post("/alumni", data={"q": "chenmeili"}).status_code == 400  # no CSRF token
    assert _lookups(session) == []
    found = post_form("/alumni", {"q": "chenmeili"})
    assert found.status_code == 200 and found.request.path == "/alumni"
    assert 'data-employee-no="L001"' in found.get_data(as_text=True)
    assert [row.user_id for row in _lookups(session)] == [people.hr_user.id]


@pytest.mark.parametrize("typed, kind", [
    (ID_NUMBER, "id_number"),
    ("150102 19911105 002x", "id_number"),
    (ID_NUMBER[:-1], "phone"),  # one digit short: taken for a phone number
    (f"陈美丽 {ID_NUMBER}", "name"),
])
def test_an_id_number_is_never_shown_or_logged_whole(session, login, post_form, alumna, people,
                                                     typed, kind):
    login("hr")
    response = post_form("/alumni", {"q": typed})
    html = response.get_data(as_text=True)
    digits = re.sub(r"[\s-]", "", typed.split()[-1] if kind == "name" else typed).upper()
    assert response.status_code == 200
    assert digits not in html and typed not in html and digits[:-4] not in html
    assert f"{'*' * (len(digits) - 4)}{digits[-4:]}" in html  # only the last four, as typed
    (row,) = _lookups(session)
    assert row.kind == kind and digits not in row.query and digits[:4] not in row.query
    assert row.query.endswith(digits[-4:])
    if kind == "id_number":
        assert 'data-employee-no="L001"' in html


def test_a_refused_id_query_is_not_shown_back_either(login, post_form, alumna):
    login("hr")
    response = post_form("/alumni", {"q": ID_NUMBER * 6})  # too long: the form refuses it
    assert response.status_code == 400 and ID_NUMBER not in response.get_data(as_text=True)


@pytest.fixture
def many_alumni(app, session, alumna, people, make_employee):
    """22 more former employees named 陈 (23 with 陈美丽), archived through the import."""
    from app.modules.employees.operations import pinyin_of, record_departure

    for n in range(22):
        employee = make_employee(name=f"陈同事{n:02d}", department=people.dept, employee_no=f"M{n:03d}")
        employee.name_pinyin, employee.name_initials = pinyin_of(employee.name)
        record_departure(employee, date(2025, 6, 30), "voluntary_resignation", ["career"],
                         source="import", session=session)
    session.flush()
    assert operations.backfill_archive() == 22
    return 23


def test_search_results_come_in_pages_and_every_match_can_be_seen(app, session, login, post_form,
                                                                  many_alumni, monkeypatch):
    monkeypatch.setitem(app.config, "PAGE_SIZE", 10)
    login("hr")
    seen, pages = [], []
    for number in (1, 2, 3):
        html = post_form("/alumni", {"q": "陈", "page": str(number)}).get_data(as_text=True)
        pages.append(re.findall(r'data-employee-no="([^"]+)"', html))
        seen += pages[-1]
        assert (f'data-total="{many_alumni}" data-page="{number}" data-pages="3"' in html
                and f"第 {number} 页，共 3 页" in html)  # says there are more, and where
        assert len(re.findall(r'<button class="page-link" type="submit" form="alumni-search" '
                              r'name="page" value="\d"', html)) == 3
    assert [len(p) for p in pages] == [10, 10, 3]
    assert len(set(seen)) == many_alumni and "L001" in seen
    logged = [row.employee_ids for row in _lookups(session)]
    assert [len(ids) for ids in logged] == [10, 10, 3]  # each page logs the people it showed


def test_one_page_of_results_has_no_pager(login, post_form, alumna):
    login("hr")
    html = post_form("/alumni", {"q": "陈"}).get_data(as_text=True)
    assert 'data-total="1" data-page="1" data-pages="1"' in html and "data-pager" not in html
    assert "“陈”共有 1 条匹配结果" in html


def test_search_alumni_pages(session, many_alumni, people):
    first = search.search_alumni("陈", people.hr_user, page=1, size=20)
    last = search.search_alumni("陈", people.hr_user, page=9, size=20)  # past the end: the last
    assert (first.total, first.pages, len(first.items)) == (many_alumni, 2, 20)
    assert (last.number, len(last.items)) == (2, many_alumni - 20)
    everything = search.search_alumni("陈", people.hr_user)
    assert len(everything.items) == many_alumni


# ---------------------------------------------------------------- the command line


def test_cli_logs_the_look_up_under_the_hr_user_given(app, session, alumna, people, many_alumni):
    result = app.test_cli_runner().invoke(args=["alumni", "search", "陈", "--by", "hr"])
    assert result.exit_code == 0
    assert len(result.output.strip().splitlines()) == many_alumni  # all of them, no cut at 20
    (row,) = _lookups(session)
    assert row.user_id == people.hr_user.id and len(row.employee_ids) == many_alumni


@pytest.mark.parametrize("args, message", [
    ([], "Missing option '--by'"),
    (["--by", "nobody"], "no user named 'nobody'"),
    (["--by", "boss"], "'boss' is not an HR user"),
    (["--by", "hr_gone"], "the login 'hr_gone' is disabled"),
])
def test_cli_refuses_a_look_up_without_an_active_hr_user(app, session, alumna, people, make_user,
                                                         args, message):
    make_user("hr_gone", roles=("hr",)).is_active = False
    session.flush()
    result = app.test_cli_runner().invoke(args=["alumni", "search", "cml", *args])
    assert result.exit_code != 0 and message in result.output
    assert "L001" not in result.output and _lookups(session) == []
