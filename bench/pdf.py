"""Render time of each PDF record against WeasyPrint's one-line Chinese page, and worker memory.

    python -m bench pdf [--quick] [--repeat N] [--renders N]

Prints one JSON object per line: {bench, case, value, unit[, baseline, ratio]}. The headline
case is the handover certificate with 30 items in Chinese; the baseline is WeasyPrint
rendering a one-line Chinese page in the same run. Memory: resident set size of this
process (a worker) after N renders, with the growth between the first and second half.
The machine's 1-minute load average is printed first and last: on a shared machine, only
compare runs made under similar load.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

BENCH = "pdf"
WHEN = datetime(2026, 3, 31, 9, 30, tzinfo=UTC)
ONE_LINE = ('<html lang="zh-CN"><body style="font-family: \'Noto Sans CJK SC\'">'
            '<p>离职证明：兹证明张三已离职。</p></body></html>')


def emit(case: str, value: float, unit: str, baseline: float | None = None) -> None:
    row = {"bench": BENCH, "case": case, "value": round(value, 2), "unit": unit}
    if baseline:
        row.update(baseline=round(baseline, 2), ratio=round(value / baseline, 2))
    print(json.dumps(row, ensure_ascii=False), flush=True)


def median_ms(fn, repeat: int) -> float:
    fn()  # warm-up: fonts, stylesheet and templates load once per process
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def paired_ms(candidate, baseline, repeat: int) -> tuple[float, float]:
    """Medians of two renders timed alternately, so machine load hits both alike."""
    candidate(), baseline()
    a, b = [], []
    for _ in range(repeat):
        for fn, times in ((candidate, a), (baseline, b)):
            start = time.perf_counter()
            fn()
            times.append((time.perf_counter() - start) * 1000)
    return statistics.median(a), statistics.median(b)


def rss_mb() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def build_world(session):
    """One leaver with a 30-item Chinese handover checklist and facts for every kind."""
    from app.modules.cases.models import Case
    from app.modules.employees.models import Department, Employee
    from app.modules.handover.models import HandoverItem

    dept = Department(code="B1", name_zh="催收一部", name_en="Collections 1", path="/")
    session.add(dept)
    session.flush()
    boss = Employee(employee_no="B0001", name="王经理", hire_date=date(2018, 1, 1),
                    department_id=dept.id)
    receiver = Employee(employee_no="B0002", name="李接收", hire_date=date(2019, 1, 1),
                        department_id=dept.id)
    session.add_all([boss, receiver])
    session.flush()
    leaver = Employee(employee_no="B0003", name="张三", hire_date=date(2021, 3, 1),
                      department_id=dept.id, manager_id=boss.id, contract_start=date(2024, 3, 1),
                      contract_end=date(2027, 2, 28), national_id_last4="123X")
    session.add(leaver)
    session.flush()
    case = Case(reference="SO-2026-0001", employee_id=leaver.id, workflow_id="voluntary_resignation",
                locale="zh_CN", department_name="催收一部", position_name="催收专员",
                manager_id=boss.id, handover_receiver_id=receiver.id, monthly_wage=Decimal("9000"),
                hire_date=date(2021, 3, 1), notice_date=date(2026, 3, 2),
                requested_last_day=date(2026, 4, 1), agreed_last_day=date(2026, 3, 31),
                statement="家庭原因，需回老家照顾父母。", reason_codes=["family"], facts={
                    "interview": {"interviewer": "陈", "answers": [
                        {"question": "离职的主要原因？", "answer": "家庭原因"}]},
                    "settlement": {"lines": [{"label": "经济补偿", "basis": "LCL Art 47",
                                              "amount": "13500"}]}})
    session.add(case)
    session.flush()
    session.add_all([HandoverItem(case_id=case.id, position=i, category="cases",
                                  title_zh=f"移交第{i + 1}批在催案件、还款承诺及跟进计划",
                                  title_en=f"Batch {i + 1} of open cases", leaver_signed_at=WHEN,
                                  receiver_signed_at=WHEN) for i in range(30)])
    session.commit()
    return case


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench pdf")
    parser.add_argument("--quick", action="store_true", help="fewer repeats (< 60 s)")
    parser.add_argument("--repeat", type=int, help="renders per kind (default 15, quick 3)")
    parser.add_argument("--renders", type=int, help="renders for the memory case (default 500)")
    args = parser.parse_args(argv)
    repeat = args.repeat or (3 if args.quick else 15)
    renders = args.renders or (40 if args.quick else 500)

    from weasyprint import HTML

    from app import create_app
    from app.db import db
    from app.models import load_all_models
    from app.modules.documents.kinds import KINDS
    from app.modules.documents.operations import render_case_document

    emit("load_average_1m_before", os.getloadavg()[0], "load")
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app({"DATABASE_URL": f"sqlite:///{tmp}/bench.db", "DOCUMENTS_DIR": tmp,
                          "SERVER_NAME": "localhost", "SECRET_KEY": "bench"})
        with app.app_context():
            load_all_models().create_all(db.engine)
            session = db.session
            case = build_world(session)

            def one(kind, locale="zh_CN"):
                return lambda: render_case_document(session, case, kind, locale=locale,
                                                    created=WHEN, version=1)

            headline, baseline = paired_ms(one("handover_certificate"),
                                           lambda: HTML(string=ONE_LINE).write_pdf(), repeat * 2)
            emit("weasyprint_one_line_zh", baseline, "ms")
            emit("handover_certificate_30_items_zh", headline, "ms", baseline)
            for kind in sorted(KINDS):
                for locale in ("zh_CN", "en"):
                    emit(f"{kind}_{locale}", median_ms(one(kind, locale), repeat), "ms", baseline)

            render = one("termination_certificate")
            half = renders // 2
            for _ in range(half):
                render()
            middle = rss_mb()
            for _ in range(renders - half):
                render()
            end = rss_mb()
            emit(f"worker_rss_after_{renders}_renders", end, "MB")
            emit("worker_peak_rss", resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, "MB")
            emit(f"worker_rss_growth_second_{renders - half}_renders", end - middle, "MB")
    emit("load_average_1m_after", os.getloadavg()[0], "load")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
