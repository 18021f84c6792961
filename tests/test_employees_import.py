"""CSV import of employees, the reason taxonomy and the employee operations."""
from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from app.engine.models import AuditEvent
from app.modules.alumni.models import AlumniRecord
from app.modules.employees.importer import COLUMNS
from app.modules.employees.models import Assignment, Department, Employee, Position, Separation
from app.modules.employees.operations import (
    EmployeeError,
    hash_national_id,
    hire_employee,
    pinyin_of,
    record_departure,
    transfer_employee,
)
from app.modules.employees.reasons import (
    ReasonsFileError,
    UnknownReasonError,
    load_reasons,
    parse_reasons,
)

GOOD_ROWS = [
    # A report before their manager: manager_no may point further down the file.
    "E002,陈美丽,chenmeili@example.com,13800000002,催收一部/一组,催收员,E001,2017-04-01,,guangzhou,"
    "5200,2025-08-15,voluntary_resignation,career",
    "E001,刘志强,liuzhiqiang@example.com,13800000001,催收一部/一组,催收组长,,2018-06-04,"
    "2027-06-03,呼和浩特,8500,,,",
    "E003,张晓燕,,,催收一部/一组,催收员,E001,2023/07/10,2025-07-09,hohhot,\"4,600\",,,",
]


def write_csv(tmp_path, rows, *, bom=False, header=",".join(COLUMNS), name="people.csv"):
    path = tmp_path / name
    text = "\n".join([header, *rows]) + "\n"
    path.write_bytes(("\ufeff" if bom else "").encode() + text.encode("utf-8"))
    return path


def run_import(app, path, *options):
    return app.test_cli_runner().invoke(args=["employees", "import", str(path), *options])


def count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


def employee(session, employee_no: str) -> Employee:
    return session.scalars(select(Employee).where(Employee.employee_no == employee_no)).one()


def headcount(session, department: Department, on: date) -> int:
    """Assignments open on a date: the headcount rule the analytics use."""
    return session.scalar(select(func.count()).select_from(Assignment).where(
        Assignment.department_id == department.id, Assignment.start_date <= on,
        (Assignment.end_date.is_(None)) | (Assignment.end_date >= on)))


# --- a good file ----------------------------------------------------------------------

@pytest.mark.parametrize("bom", [False, True])
def test_a_good_file_is_imported(app, session, tmp_path, bom):
    result = run_import(app, write_csv(tmp_path, GOOD_ROWS, bom=bom))

    assert result.exit_code == 0, result.output
    assert "3 created, 0 updated, 0 rejected" in result.output
    lead, chen, zhang = (employee(session, no) for no in ("E001", "E002", "E003"))
    assert chen.manager_id == lead.id and zhang.manager_id == lead.id
    assert (chen.name_pinyin, chen.name_initials) == ("chenmeili", "cml")
    assert lead.city == "hohhot" and chen.city == "guangzhou"
    assert zhang.hire_date == date(2023, 7, 10) and zhang.monthly_wage == Decimal("4600")
    assert lead.contract_type == "fixed" and lead.contract_end == date(2027, 6, 3)
    team = session.scalars(select(Department).where(Department.name_zh == "一组")).one()
    assert team.parent.name_zh == "催收一部" and team.path == f"{team.parent.path}{team.id}/"
    assert lead.department_id == team.id
    assert {p.name_zh for p in session.scalars(select(Position))} >= {"催收员", "催收组长"}


def test_a_past_employee_counts_up_to_and_including_the_termination_date(app, session, tmp_path):
    run_import(app, write_csv(tmp_path, GOOD_ROWS))

    chen = employee(session, "E002")
    assert chen.status == "left"
    separation = session.scalars(select(Separation).where(Separation.employee_id == chen.id)).one()
    assert (separation.last_day, separation.separation_type) == (date(2025, 8, 15),
                                                                 "voluntary_resignation")
    assert separation.reason_codes == ["career"] and separation.primary_reason == "career"
    assert separation.voluntary is True and separation.source == "import"
    spell = session.scalars(select(Assignment).where(Assignment.employee_id == chen.id)).one()
    assert (spell.start_date, spell.end_date, spell.end_kind) == (date(2017, 4, 1),
                                                                  date(2025, 8, 15), "departure")
    team = chen.department
    assert headcount(session, team, date(2025, 8, 15)) == 3
    assert headcount(session, team, date(2025, 8, 16)) == 2


# --- bad rows ---------------------------------------------------------------------------

BAD_ROWS = {
    # row number -> (row, the (column, words in the reason) it must be reported with)
    2: (",无号,,,催收一部,催收员,,2020-01-01,,,,,,", [("employee_no", "required")]),
    3: ("B03,坏日期,,,催收一部,催收员,,2020-13-01,,,,,,", [("hire_date", "not a date")]),
    4: ("B04,合同,,,催收一部,催收员,,2020-01-01,2019-12-31,,,,,",
        [("contract_end", "before the hire date")]),
    5: ("B05,类型,,,催收一部,催收员,,2020-01-01,,,,2024-01-01,quit,",
        [("termination_type", "not one of")]),
    6: ("B06,原因,,,催收一部,催收员,,2020-01-01,,,,2024-01-01,dismissal,laziness",
        [("reason_code", "unknown reason")]),
    7: ("B07,缺日期,,,催收一部,催收员,,2020-01-01,,,,,dismissal,",
        [("termination_date", "required")]),
    8: ("B08,工资,bad-email,phone!,催收一部,催收员,,2020-01-01,,,-5,,,",
        [("email", "e-mail"), ("phone", "phone"), ("monthly_wage", "positive")]),
    9: ("B09,重复,,,催收一部,催收员,,2020-01-01,,,,,,", []),
    10: ("B09,重复二,,,催收一部,催收员,,2020-01-01,,,,,,",
         [("employee_no", "already appears in row 9")]),
    11: ("B11,经理,,,催收一部,催收员,NOPE,2020-01-01,,,,,,", [("manager_no", "no employee NOPE")]),
    12: ("B12,自己,,,催收一部,催收员,B12,2020-01-01,,,,,,", [("manager_no", "themselves")]),
    13: ("B13,未来,,,催收一部,催收员,,2020-01-01,,,,2999-01-01,dismissal,",
         [("termination_date", "future")]),
    14: ("B14,城市,,,催收一部,催收员,,2020-01-01,,atlantis,,,,", [("city", "No wage data")]),
    15: ("B15,在职原因,,,催收一部,催收员,,2020-01-01,,,,,,family",
         [("reason_code", "only allowed with a termination_date")]),
    16: ("B16,试用期,,,催收一部,催收员,,2020-01-01,,,,2021-01-01,probation_resignation,",
         [("termination_type", "Art 19")]),
    17: ("B17,短行,,,催收一部", [("*", "has 5 cells")]),
    18: ("B18,早于入职,,,催收一部,催收员,,2020-01-01,,,,2019-01-01,dismissal,misconduct",
         [("termination_date", "before the hire date")]),
    19: ("B19,环一,,,催收一部,催收员,B20,2020-01-01,,,,,,", [("manager_no", "loop")]),
    20: ("B20,环二,,,催收一部,催收员,B19,2020-01-01,,,,,,", [("manager_no", "loop")]),
    21: ("B21,,,,,,,,,,,,,", [("name", "required"), ("department", "required"),
                              ("hire_date", "required")]),
}


def test_every_bad_row_is_reported_and_nothing_is_written(app, session, tmp_path):
    rows = [BAD_ROWS[n][0] for n in sorted(BAD_ROWS)]
    result = run_import(app, write_csv(tmp_path, rows))

    assert result.exit_code == 1
    for number, (_, expected) in BAD_ROWS.items():
        for column, words in expected:
            assert any(line.startswith(f"row {number}, column {column}:") and words in line
                       for line in result.output.splitlines()), (number, column, result.output)
    assert "row 9," not in result.output  # the first of two equal numbers is fine
    assert "Nothing imported" in result.output
    assert count(session, Employee) == 0 and count(session, Department) == 0


def test_one_bad_row_stops_the_whole_file(app, session, tmp_path):
    result = run_import(app, write_csv(tmp_path, GOOD_ROWS + [BAD_ROWS[3][0]]))

    assert result.exit_code == 1
    assert "row 5, column hire_date:" in result.output
    assert count(session, Employee) == 0


def test_a_bad_header_is_reported(app, session, tmp_path):
    header = ",".join(c for c in COLUMNS if c != "city") + ",town"
    result = run_import(app, write_csv(tmp_path, GOOD_ROWS, header=header))

    assert result.exit_code == 1
    assert "row 1, column city: missing column" in result.output
    assert "row 1, column town: unknown column" in result.output
    assert count(session, Employee) == 0


def test_a_file_that_is_not_utf8_is_reported(app, session, tmp_path):
    path = tmp_path / "gbk.csv"
    path.write_bytes((",".join(COLUMNS) + "\n" + GOOD_ROWS[1] + "\n").encode("gbk"))
    result = run_import(app, path)

    assert result.exit_code == 1 and "not UTF-8" in result.output


def test_partial_writes_the_valid_rows_and_reports_the_others(app, session, tmp_path):
    rows = GOOD_ROWS + [
        "P01,坏经理,,,催收二部,催收员,,2020-02-30,,,,,,",  # row 5: bad date
        "P02,下属,,,催收二部,催收员,P01,2021-01-01,,,,,,",  # row 6: its manager is rejected
        "P03,好人,,,催收二部,催收员,E001,2021-01-01,,,,,,",
    ]
    result = run_import(app, write_csv(tmp_path, rows), "--partial")

    assert result.exit_code == 1
    assert "row 5, column hire_date:" in result.output
    assert "row 6, column manager_no: P01 is in rejected row 5" in result.output
    assert "4 created, 0 updated, 2 rejected" in result.output
    numbers = set(session.scalars(select(Employee.employee_no)))
    assert numbers == {"E001", "E002", "E003", "P03"}


def test_reimporting_updates_instead_of_duplicating(app, session, tmp_path):
    run_import(app, write_csv(tmp_path, GOOD_ROWS))
    changed = [
        GOOD_ROWS[0],
        GOOD_ROWS[1].replace("8500", "9000").replace("催收一部/一组", "催收一部/二组"),
        # 张晓燕 now leaves: a termination added on a second import.
        "E003,张晓燕,zxy@example.com,,催收一部/一组,催收员,E001,2023-07-10,2025-07-09,hohhot,"
        "4600,2025-07-09,contract_expiry,contract_end",
    ]
    result = run_import(app, write_csv(tmp_path, changed, name="again.csv"))

    assert result.exit_code == 0, result.output
    assert "0 created, 3 updated" in result.output
    assert count(session, Employee) == 3
    lead, zhang = employee(session, "E001"), employee(session, "E003")
    assert lead.monthly_wage == Decimal("9000") and lead.department.name_zh == "二组"
    lead_spells = session.scalars(select(Assignment).where(Assignment.employee_id == lead.id)).all()
    assert [s.department_id for s in lead_spells] == [lead.department_id]
    assert zhang.status == "left" and zhang.email == "zxy@example.com"
    assert count(session, Separation) == 2


def test_reimporting_without_the_termination_reopens_an_imported_departure(app, session, tmp_path):
    run_import(app, write_csv(tmp_path, GOOD_ROWS))
    rehired = GOOD_ROWS[0].replace("2025-08-15,voluntary_resignation,career", ",,")
    result = run_import(app, write_csv(tmp_path, [rehired], name="again.csv"))

    assert result.exit_code == 0, result.output
    chen = employee(session, "E002")
    assert chen.status == "active" and count(session, Separation) == 0
    spell = session.scalars(select(Assignment).where(Assignment.employee_id == chen.id)).one()
    assert spell.end_date is None


# --- past employees and the alumni archive --------------------------------------------

UNDONE = GOOD_ROWS[0].replace("2025-08-15,voluntary_resignation,career", ",,")


def alumni_of(session, employee_no: str) -> list[AlumniRecord]:
    return list(session.scalars(select(AlumniRecord).join(Employee).where(
        Employee.employee_no == employee_no)))


@pytest.fixture
def hr_people(make_user):
    return make_user("hr1", roles=("hr",)), make_user("hradmin1", roles=("hr_admin",))


def test_a_past_employee_lands_in_the_alumni_archive(app, session, tmp_path):
    result = run_import(app, write_csv(tmp_path, GOOD_ROWS))

    assert result.exit_code == 0, result.output
    assert "1 added to the alumni archive" in result.output
    (record,) = alumni_of(session, "E002")
    assert record.source == "import" and record.case_id is None
    assert record.frozen["last_day"] == "2025-08-15" and record.frozen["reasons"] == ["career"]
    assert alumni_of(session, "E001") == [] and alumni_of(session, "E003") == []


def test_reimporting_the_same_file_keeps_the_archive_as_it_is(app, session, tmp_path, hr_people):
    from app.modules.alumni.operations import set_eligibility

    run_import(app, write_csv(tmp_path, GOOD_ROWS))
    (record,) = alumni_of(session, "E002")
    hr, approver = hr_people
    set_eligibility(record, hr, eligibility="eligible", reason_code="good_record",
                    justification="业绩稳定", approver=approver, review_date=None)
    separation_id = record.separation_id

    again = run_import(app, write_csv(tmp_path, GOOD_ROWS, name="again.csv"))

    assert again.exit_code == 0, again.output
    assert "0 created, 3 updated, 0 rejected; 0 added to the alumni archive" in again.output
    assert [(r.id, r.separation_id, r.eligibility) for r in alumni_of(session, "E002")] == [
        (record.id, separation_id, "eligible")]
    assert count(session, Separation) == 1


def test_undoing_an_imported_departure_takes_the_person_out_of_the_archive(
        app, session, tmp_path, make_user):
    run_import(app, write_csv(tmp_path, GOOD_ROWS))
    (record,) = alumni_of(session, "E002")
    login = make_user("chen", roles=("alumni",), employee=employee(session, "E002"))

    result = run_import(app, write_csv(tmp_path, [UNDONE], name="again.csv"))

    assert result.exit_code == 0, result.output
    chen = employee(session, "E002")
    assert chen.status == "active" and alumni_of(session, "E002") == []
    assert count(session, Separation) == 0
    assert "alumni" not in login.granted_roles
    event = session.scalars(select(AuditEvent).where(
        AuditEvent.event == "alumni.record_removed")).one()
    assert event.subject == f"employee:{chen.id}"
    assert event.payload == {"record": record.id, "last_day": "2025-08-15",
                             "separation_type": "voluntary_resignation", "why": "import_undone"}


def test_correcting_the_last_day_replaces_the_untouched_record(app, session, tmp_path):
    run_import(app, write_csv(tmp_path, GOOD_ROWS))
    moved = GOOD_ROWS[0].replace("2025-08-15", "2025-08-29")

    result = run_import(app, write_csv(tmp_path, [moved], name="again.csv"))

    assert result.exit_code == 0, result.output
    assert "1 added to the alumni archive" in result.output
    (record,) = alumni_of(session, "E002")
    assert record.frozen["last_day"] == "2025-08-29" and record.separation.last_day == date(2025, 8, 29)


def _decide(record, hr_people):
    from app.modules.alumni.operations import set_eligibility

    hr, approver = hr_people
    set_eligibility(record, hr, eligibility="not_eligible", reason_code="conduct",
                    justification="违规催收", approver=approver, review_date=None)


def _summarise(record, hr_people):
    from app.modules.alumni.operations import set_performance_summary

    set_performance_summary(record, hr_people[0], "催收回款率连续三年第一")


def _rehire(record, hr_people):
    from app.modules.alumni.operations import rehire_alumnus

    rehire_alumnus(record, hr_people[0], start_date=date(2026, 1, 5),
                   department=record.employee.department)


@pytest.mark.parametrize("work, why", [
    (_decide, "HR has decided re-hire eligibility on it"),
    (_summarise, "HR has written a performance summary on it"),
    (_rehire, "the person was re-hired from it"),
])
def test_an_archive_record_hr_worked_on_is_not_undone_by_an_import(app, session, tmp_path,
                                                                  hr_people, work, why):
    run_import(app, write_csv(tmp_path, GOOD_ROWS))
    (record,) = alumni_of(session, "E002")
    work(record, hr_people)
    session.commit()
    status = employee(session, "E002").status
    raise_wage = GOOD_ROWS[1].replace("8500", "9900")

    result = run_import(app, write_csv(tmp_path, [raise_wage, UNDONE], name="again.csv"))

    assert result.exit_code == 1
    assert (f"row 3, column termination_date: E002 left on 2025-08-15 and is in the alumni "
            f"archive, where {why}; the importer does not undo that departure") in result.output
    assert "Nothing imported" in result.output
    session.expire_all()
    assert [r.id for r in alumni_of(session, "E002")] == [record.id]
    assert count(session, Separation) == 1 and employee(session, "E002").status == status
    assert employee(session, "E001").monthly_wage == Decimal("8500")  # all or nothing


def test_an_ambiguous_department_name_asks_for_the_path(app, session, tmp_path, make_department):
    one, two = make_department(name_zh="催收一部"), make_department(name_zh="催收二部")
    make_department(name_zh="一组", parent=one)
    make_department(name_zh="一组", parent=two)
    session.commit()
    result = run_import(app, write_csv(tmp_path, ["A1,甲,,,一组,,,2020-01-01,,,,,,"]))

    assert result.exit_code == 1
    assert "row 2, column department: '一组' is ambiguous" in result.output
    ok = run_import(app, write_csv(tmp_path, ["A1,甲,,,催收二部/一组,,,2020-01-01,,,,,,"],
                                   name="ok.csv"))
    assert ok.exit_code == 0, ok.output
    assert employee(session, "A1").department.parent_id == two.id


# --- the reason taxonomy ----------------------------------------------------------------

def test_the_taxonomy_has_the_journal_groups_in_both_languages():
    taxonomy = load_reasons()
    assert {"career", "family", "health", "pay_benefits", "environment", "development",
            "competition", "policy", "economy", "misconduct", "contract_end",
            "retirement"} <= set(taxonomy.codes)
    assert taxonomy.group_of("pay_benefits") == "internal"
    assert taxonomy.group_of("competition") == "external"
    assert taxonomy.label("pay_benefits", "zh_CN") == "薪酬福利"
    assert taxonomy.label("pay_benefits", "en") == "Pay and benefits"
    assert taxonomy.is_voluntary("family") and not taxonomy.is_voluntary("misconduct")
    personal = taxonomy.choices("en", groups=["personal"])
    assert ("career", "Career change") in personal and len(personal) == 4
    with pytest.raises(UnknownReasonError, match="laziness"):
        taxonomy.validate(["career", "laziness"])


def test_a_broken_taxonomy_lists_every_problem():
    data = {"groups": {"personal": {"voluntary": True, "label": {"zh_CN": "个人"},
                                    "reasons": {"career": {"zh_CN": "职业发展", "en": "Career"},
                                                "family": {"en": "Family"}}},
                       "other": {"voluntary": True, "label": {"zh_CN": "其他", "en": "Other"},
                                 "reasons": {"career": {"zh_CN": "职业", "en": "Career"}}}}}
    with pytest.raises(ReasonsFileError) as error:
        parse_reasons(data)
    message = str(error.value)
    assert "group 'personal' has no label for en" in message
    assert "reason 'family' has no label for zh_CN" in message
    assert "'career' appears in more than one group" in message


# --- operations -------------------------------------------------------------------------

def test_the_national_id_hash_is_keyed_and_ignores_case():
    number = "15010219900101123x"
    assert hash_national_id(number, "pepper") == hash_national_id(number.upper(), "pepper")
    assert hash_national_id(number, "pepper") != hash_national_id(number, "other pepper")
    assert number.upper() not in hash_national_id(number, "pepper")


def test_pinyin_reads_surnames_and_latin_names():
    assert pinyin_of("陈美丽") == ("chenmeili", "cml")
    assert pinyin_of("单田芳") == ("shantianfang", "stf")
    assert pinyin_of("李 Anna") == ("lianna", "la")


def test_transfer_closes_the_spell_the_day_before(session, make_department):
    sales, collections = make_department(), make_department()
    person = hire_employee(employee_no="T1", name="王伟", hire_date=date(2022, 1, 1),
                           department=sales, wage_history=[(date(2022, 1, 15), Decimal("5000"))])
    transfer_employee(person, date(2024, 3, 1), department=collections)
    record_departure(person, date(2024, 6, 30), "voluntary_resignation", ["pay_benefits"])
    session.flush()

    spells = session.scalars(select(Assignment).where(Assignment.employee_id == person.id)
                             .order_by(Assignment.start_date)).all()
    assert [(s.department_id, s.start_date, s.end_date, s.end_kind) for s in spells] == [
        (sales.id, date(2022, 1, 1), date(2024, 2, 29), "transfer"),
        (collections.id, date(2024, 3, 1), date(2024, 6, 30), "departure"),
    ]
    assert person.department_id == collections.id and person.status == "left"
    with pytest.raises(EmployeeError, match="already left"):
        record_departure(person, date(2024, 7, 1) + timedelta(days=1), "dismissal")
