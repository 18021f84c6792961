"""The demo company: a Hohhot asset-management and debt-collection firm, modelled on the
journal 兆能期刊 (its article "员工离职及管理对策" is the brief for Sendoff).

Static facts only: organisation, positions, grades, seats, the named people and logins.
The history (hires, transfers, departures) is simulated in `app.demo.history`.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

from app.demo.dates import DemoDates, add_months

COMPANY_ZH = "兆能资产管理有限公司"
COMPANY_EN = "Zhaoneng Asset Management Co., Ltd."
EMAIL_DOMAIN = "zhaoneng.example"  # .example is reserved: no real mailbox receives demo mail
FOUNDED = date(2016, 3, 1)
FIRST_EMPLOYEE_NO = "ZN00001"  # the general manager; its presence marks a loaded demo
# A fixed demo password, printed by `flask demo load`; never use the demo in production.
DEMO_PASSWORD = "Demo-2026-sendoff"  # noqa: S105


# The journal's authors sign from Guangzhou: one HR officer works there, beside the
# Guangzhou collection team (催收一部三组).
GUANGZHOU_OFFICE_SEATS = frozenset({"HR.HRO1"})


@dataclass(frozen=True)
class DepartmentSpec:
    code: str
    name_zh: str
    name_en: str
    parent: str | None


DEPARTMENTS = (
    DepartmentSpec("ZN", COMPANY_ZH, COMPANY_EN, None),
    DepartmentSpec("GMO", "总经理办公室", "General Manager's Office", "ZN"),
    DepartmentSpec("COL1", "催收一部", "Collections Department 1", "ZN"),
    DepartmentSpec("COL1-T1", "催收一部一组", "Collections 1, Team 1", "COL1"),
    DepartmentSpec("COL1-T2", "催收一部二组", "Collections 1, Team 2", "COL1"),
    DepartmentSpec("COL1-T3", "催收一部三组（广州）", "Collections 1, Team 3 (Guangzhou)", "COL1"),
    DepartmentSpec("COL2", "催收二部", "Collections Department 2", "ZN"),
    DepartmentSpec("COL2-T1", "催收二部一组", "Collections 2, Team 1", "COL2"),
    DepartmentSpec("COL2-T2", "催收二部二组", "Collections 2, Team 2", "COL2"),
    DepartmentSpec("COL2-T3", "催收二部三组", "Collections 2, Team 3", "COL2"),
    DepartmentSpec("QC", "质检部", "Quality Control", "ZN"),
    DepartmentSpec("IT", "信息技术部", "Information Technology", "ZN"),
    DepartmentSpec("FIN", "财务部", "Finance", "ZN"),
    DepartmentSpec("ADM", "行政部", "Administration", "ZN"),
    DepartmentSpec("HR", "人力资源部", "Human Resources", "ZN"),
)


@dataclass(frozen=True)
class PositionSpec:
    code: str
    name_zh: str
    name_en: str
    is_key: bool = False


POSITIONS = (
    PositionSpec("GM", "总经理", "General manager", True),
    PositionSpec("DGM", "副总经理", "Deputy general manager", True),
    PositionSpec("GMA", "总经理助理", "Assistant to the general manager"),
    PositionSpec("MGR", "部门经理", "Department manager", True),
    PositionSpec("TL", "催收组长", "Collection team lead", True),
    PositionSpec("SCOL", "高级催收员", "Senior collector"),
    PositionSpec("COL", "催收员", "Collector"),
    PositionSpec("QCS", "质检专员", "Quality inspector"),
    PositionSpec("DEV", "开发工程师", "Software developer"),
    PositionSpec("OPS", "运维工程师", "Operations engineer"),
    PositionSpec("ACC", "会计", "Accountant"),
    PositionSpec("CASH", "出纳", "Cashier"),
    PositionSpec("ADMO", "行政专员", "Administration officer"),
    PositionSpec("HRO", "HR专员", "HR officer"),
)

# (code, name, rank)
GRADES = (
    ("P1", "P1 专员", 1), ("P2", "P2 资深专员", 2), ("P3", "P3 专家", 3),
    ("M1", "M1 主管", 4), ("M2", "M2 经理", 5), ("M3", "M3 高管", 6),
)


@dataclass(frozen=True)
class SeatSpec:
    """A post that someone holds at any time; when the holder leaves, someone else fills it."""

    key: str
    department: str
    position: str
    grade: str
    wage: int  # monthly base in yuan (Hohhot level; Guangzhou seats earn more)
    manager: str | None  # the seat of the direct manager
    city: str = "hohhot"
    kind: str = "office"  # collector | lead | manager | office: sets the departure hazard


def _team_seats(dept: str, size: int, lead_manager: str, guangzhou: int = 0) -> list[SeatSpec]:
    lead = f"{dept}.TL"
    seats = [SeatSpec(lead, dept, "TL", "M1", 8500, lead_manager, kind="lead")]
    for n in range(1, size + 1):
        senior = n % 5 == 0
        seats.append(SeatSpec(
            f"{dept}.{n:02d}", dept, "SCOL" if senior else "COL", "P2" if senior else "P1",
            6000 if senior else 4600, lead, "guangzhou" if n <= guangzhou else "hohhot",
            kind="collector",
        ))
    return seats


def _office_seats(dept: str, manager_of_manager: str, manager_wage: int,
                  staff: list[tuple[str, str, int, int]]) -> list[SeatSpec]:
    head = f"{dept}.MGR"
    seats = [SeatSpec(head, dept, "MGR", "M2", manager_wage, manager_of_manager, kind="manager")]
    numbers: dict[str, int] = {}
    for position, grade, wage, count in staff:
        for _ in range(count):
            numbers[position] = numbers.get(position, 0) + 1
            seats.append(SeatSpec(f"{dept}.{position}{numbers[position]}", dept, position,
                                  grade, wage, head))
    return seats


def build_seats() -> list[SeatSpec]:
    """Every seat of the company, managers before their reports."""
    seats = [
        SeatSpec("GM", "GMO", "GM", "M3", 28000, None, kind="manager"),
        SeatSpec("DGM", "GMO", "DGM", "M3", 20000, "GM", kind="manager"),
        SeatSpec("GMA", "GMO", "GMA", "P2", 6500, "GM"),
        SeatSpec("COL1.MGR", "COL1", "MGR", "M2", 15000, "GM", kind="manager"),
        SeatSpec("COL2.MGR", "COL2", "MGR", "M2", 15000, "DGM", kind="manager"),
    ]
    seats += _team_seats("COL1-T1", 46, "COL1.MGR")
    seats += _team_seats("COL1-T2", 46, "COL1.MGR")
    seats += _team_seats("COL1-T3", 12, "COL1.MGR", guangzhou=12)
    seats += _team_seats("COL2-T1", 44, "COL2.MGR")
    seats += _team_seats("COL2-T2", 44, "COL2.MGR")
    seats += _team_seats("COL2-T3", 44, "COL2.MGR")
    seats += _office_seats("QC", "DGM", 11000, [("QCS", "P1", 4800, 16), ("QCS", "P2", 5600, 4)])
    seats += _office_seats("IT", "GM", 16000, [("DEV", "P3", 12000, 6), ("OPS", "P2", 8500, 5)])
    seats += _office_seats("FIN", "GM", 13000, [("ACC", "P2", 6500, 4), ("CASH", "P1", 5000, 2)])
    seats += _office_seats("ADM", "GM", 9000, [("ADMO", "P1", 4500, 6)])
    seats += _office_seats("HR", "GM", 12000, [("HRO", "P2", 6000, 5)])
    return [replace(seat, city="guangzhou") if seat.key in GUANGZHOU_OFFICE_SEATS else seat
            for seat in seats]


@dataclass(frozen=True)
class NamedPerson:
    """Someone the demo needs by name: a login holder or one of the journal's authors."""

    seat: str
    name: str
    female: bool
    hire_date: date
    birth_date: date
    leaves: tuple | None = None  # (last_day, type, reasons) for a scripted departure


NAMED_PEOPLE = (
    NamedPerson("GM", "高振华", False, FOUNDED, date(1972, 5, 18)),
    NamedPerson("COL1-T1.TL", "刘志强", False, date(2018, 6, 4), date(1988, 10, 2)),
    NamedPerson("COL1-T1.01", "张晓燕", True, date(2023, 7, 10), date(1998, 2, 14)),
    # The journal's authors sign from Guangzhou: 雷亚辉 writes on turnover (HR) ...
    NamedPerson("HR.HRO1", "雷亚辉", False, date(2019, 3, 11), date(1990, 7, 23)),
    # ... and 陈美丽, an experienced collector, who left about fifteen months ago for her career.
    NamedPerson("COL1-T3.05", "陈美丽", True, date(2017, 4, 1), date(1991, 11, 5)),
    NamedPerson("HR.MGR", "赵丽娟", True, date(2017, 9, 1), date(1983, 3, 9)),
    NamedPerson("IT.OPS1", "孙浩然", False, date(2020, 5, 6), date(1993, 12, 1)),
    NamedPerson("FIN.ACC1", "李秀英", True, date(2018, 2, 26), date(1985, 6, 30)),
    NamedPerson("ADM.ADMO1", "王慧敏", True, date(2021, 4, 12), date(1995, 1, 20)),
    # The lead of 催收二部二组 goes to a competitor after the Spring Festival bonus; the
    # team's wave of departures that follows is the journal's contagion effect (离职传染).
    NamedPerson("COL2-T2.TL", "马建军", False, date(2019, 8, 19), date(1987, 4, 11)),
    # Two retirements (LCL Art 44(2)); the ages roughly follow the 2025 gradual-retirement
    # schedule (60 + 1 month for a man, 55 + 3 months for a woman). Illustrative, not a
    # retirement-age calculator: their birth dates are set from their last days.
    NamedPerson("ADM.ADMO2", "郝永胜", False, date(2016, 5, 3), date(1965, 3, 8)),
    NamedPerson("FIN.CASH1", "白桂兰", True, date(2016, 4, 18), date(1970, 9, 12)),
)
RETIREMENT_AGE_MONTHS = {"ADM.ADMO2": 60 * 12 + 1, "FIN.CASH1": 55 * 12 + 3}


def scripted_departures(dates: DemoDates) -> dict[str, tuple]:
    """Seat -> (last day, separation type, reasons) of the named people who leave."""
    return {
        "COL1-T3.05": (dates.months_ago(15, 15), "voluntary_resignation", ("career", "development")),
        "COL2-T2.TL": (dates.lead_last_day, "voluntary_resignation", ("competition", "pay_benefits")),
        "ADM.ADMO2": (dates.months_ago(20, 8), "retirement", ("retirement",)),
        "FIN.CASH1": (dates.months_ago(12, 12), "retirement", ("retirement",)),
    }


def named_people(dates: DemoDates) -> tuple[NamedPerson, ...]:
    """The named people with their departures placed on the demo's calendar."""
    leaves = scripted_departures(dates)
    people = []
    for person in NAMED_PEOPLE:
        departure = leaves.get(person.seat)
        if departure is None:
            people.append(person)
            continue
        birth = person.birth_date
        if person.seat in RETIREMENT_AGE_MONTHS:
            birth = add_months(departure[0], -RETIREMENT_AGE_MONTHS[person.seat])
        people.append(replace(person, birth_date=birth, leaves=departure))
    return tuple(people)


CONTAGION_TEAM = "COL2-T2"


@dataclass(frozen=True)
class Login:
    username: str
    roles: tuple[str, ...]
    seat: str | None  # the named person's seat; None for a login without an employee
    what: str


LOGINS = (
    Login("employee", (), "COL1-T1.01", "collector in 催收一部一组 (employee)"),
    Login("supervisor", (), "COL1-T1.TL", "team lead of 催收一部一组 (supervisor)"),
    Login("hr", ("hr",), "HR.HRO1", "HR officer 雷亚辉"),
    Login("hradmin", ("hr_admin",), "HR.MGR", "HR manager 赵丽娟"),
    Login("it", ("it",), "IT.OPS1", "IT clearance"),
    Login("finance", ("finance",), "FIN.ACC1", "finance clearance"),
    Login("admin", ("admin",), "ADM.ADMO1", "administration clearance"),
    Login("auditor", ("auditor",), None, "read-only auditor"),
    Login("alumni", ("alumni",), "COL1-T3.05", "陈美丽, former collector (alumni)"),
)

# Name pools: common surnames weighted roughly by frequency, given-name characters by
# gender, and Mongolian names (written without a Han surname), common in Hohhot.
SURNAMES = (
    "王" * 9 + "李" * 9 + "张" * 8 + "刘" * 7 + "陈" * 5 + "杨" * 5 + "赵" * 4 + "黄" * 3
    + "周" * 3 + "吴" * 3 + "徐" * 2 + "孙" * 2 + "胡" * 2 + "朱" * 2 + "高" * 3 + "郭" * 2
    + "马" * 3 + "何林罗梁宋郑谢韩唐冯于董程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏"
    + "田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段雷钱汤尹易常武乔贺"
    + "温樊云乌包奇"
)
GIVEN_MALE = "伟强磊军洋勇杰涛明超刚平辉鹏华飞鑫波斌宇浩凯健俊帆帅旭宁龙林峰建文博志海亮东晨阳瑞"
GIVEN_FEMALE = "芳娜敏静丽艳娟霞秀玲桂英燕红梅琳雪婷慧莉倩颖洁晶佳欣悦蕾薇璐楠丹萍琪瑶嘉月"
MONGOLIAN_NAMES = (
    "巴特尔", "苏和", "额尔敦", "宝音", "朝鲁", "格日勒图", "那顺", "哈斯", "毕力格", "图雅",
    "乌云", "其其格", "斯琴", "娜仁", "萨仁", "高娃", "托娅", "塔娜", "阿拉坦", "孟和",
)
