"""PDF records: facts per kind in Chinese and English, fonts, PDF/A, determinism, safety."""
from __future__ import annotations

import io
import logging
import socket
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from pypdf import PdfReader

from app.modules.documents import render as render_mod
from app.modules.documents import storage
from app.modules.documents.kinds import may_download
from app.modules.documents.operations import generate_document, render_case_document
from app.modules.handover.models import HandoverItem
from tests.documents_fixtures import flat, pdf_pages, pdf_text, pdffonts

pytest_plugins = ["tests.documents_fixtures"]

WHEN = datetime(2026, 3, 31, 9, 30, tzinfo=UTC)


def render(session, case, kind, locale="zh_CN", **kw) -> bytes:
    return storage.load(generate_document(session, case, kind, locale=locale, **kw).sha256)


def add_items(session, case, count):
    for i in range(count):
        session.add(HandoverItem(case_id=case.id, position=i, title_zh=f"移交在催案件第{i + 1}批",
                                 title_en=f"Open collection cases batch {i + 1}",
                                 category="cases", leaver_signed_at=WHEN, receiver_signed_at=WHEN))
    session.flush()


FACTS = {
    "resignation_application": (["辞职申请书", "张三", "家庭原因", "2026年4月1日", "催收专员"],
                                ["Resignation application", "张三", "April 1, 2026", "Collector"]),
    "approval_record": (["离职审批记录", "2026年3月31日", "员工主动辞职"],
                        ["Approval record", "March 31, 2026", "Voluntary resignation"]),
    "handover_certificate": (["工作交接确认书", "李接收", "王经理", "移交在催案件第1批"],
                             ["Handover certificate", "李接收", "Open collection cases batch 1"]),
    "exit_interview_record": (["离职面谈记录", "仅限人力资源部门", "工资偏低"],
                              ["Exit interview record", "HR only", "工资偏低"]),
    "termination_certificate": (["解除（终止）劳动合同证明", "2024年3月1日 至 2027年2月28日",
                                 "2026年3月31日", "催收专员", "5 年 1 个月"],
                                ["Certificate of termination of employment",
                                 "March 1, 2024 to February 28, 2027", "March 31, 2026",
                                 "5 years 1 months"]),
    "settlement_statement": (["离职结算单", "合计"], ["Settlement statement", "Total"]),
    "offboarding_summary": (["离职办理记录", "张三"], ["Offboarding summary", "张三"]),
}


def add_interview(session, case, **values):
    """The exit interview the record is printed from (app.modules.interviews)."""
    from app.modules.interviews.models import ExitInterview

    session.add(ExitInterview(case_id=case.id, status="held", **values))
    session.flush()


@pytest.mark.parametrize("locale", ["zh_CN", "en"])
@pytest.mark.parametrize("kind", sorted(FACTS))
def test_each_kind_states_its_facts(session, make_doc_case, docs_dir, kind, locale):
    case = make_doc_case()
    add_interview(session, case, answers=[{"question": "Why?", "answer": "工资偏低"}],
                  confidential_notes="秘密备注")
    add_items(session, case, 3)
    text = pdf_text(render(session, case, kind, locale))
    zh, en = FACTS[kind]
    for fact in (zh if locale == "zh_CN" else en):
        assert flat(fact) in text, f"{fact!r} missing from {kind} ({locale})"
    assert case.reference in text
    assert "秘密备注" not in text  # confidential notes only when HR asks


def test_settlement_statement_prints_the_computed_sheet(session, make_doc_case, docs_dir):
    from app.modules.settlement.operations import settlement_for_document

    case = make_doc_case()
    lines = settlement_for_document(case, "zh_CN")["lines"]
    total = sum(Decimal(str(line["amount"])) for line in lines)
    assert lines, "the settlement module computed no line"
    text = pdf_text(render(session, case, "settlement_statement"))
    assert flat(f"{total:,.2f}") in text
    for line in lines:
        assert flat(line["label"]["zh_CN"] if isinstance(line["label"], dict) else line["label"]) in text


def test_certificate_states_no_reason_unless_asked(session, make_doc_case, docs_dir):
    case = make_doc_case()
    plain = pdf_text(render(session, case, "termination_certificate"))
    assert "离职原因" not in plain and "员工主动辞职" not in plain
    asked = pdf_text(render(session, case, "termination_certificate",
                            options={"with_reason": True}))
    assert "离职原因" in asked and "员工主动辞职" in asked and "LCLArt37" in asked


def test_bilingual_certificate_has_both_languages(session, make_doc_case, docs_dir):
    text = pdf_text(render(session, make_doc_case(), "termination_certificate", bilingual=True))
    assert flat("解除（终止）劳动合同证明 / Certificate of termination of employment") in text
    assert flat("2026年3月31日 / March 31, 2026") in text


def test_exit_interview_confidential_notes_only_on_request(session, make_doc_case, docs_dir):
    case = make_doc_case()
    add_interview(session, case, confidential_notes="秘密备注")
    assert "秘密备注" in pdf_text(render(session, case, "exit_interview_record",
                                       options={"include_confidential": True}))


def test_dismissal_gets_a_termination_notice(session, make_doc_case, docs_dir):
    case = make_doc_case(workflow_id="dismissal", facts={"article": "LCL Art 40(1)"})
    document = generate_document(session, case, "resignation_application")
    assert document.kind == "termination_notice"
    text = pdf_text(storage.load(document.sha256))
    assert "劳动合同解除（终止）通知书" in text and "LCLArt40(1)" in text


def test_fonts_embedded_pdfa_and_metadata(app, session, make_doc_case, docs_dir, tmp_path):
    data = render(session, make_doc_case(), "termination_certificate", "en")
    fonts = pdffonts(data, tmp_path).splitlines()[2:]
    assert fonts and all(" yes yes yes " in line for line in fonts), fonts
    assert any("Noto-Sans-CJK-SC" in line for line in fonts)
    reader = PdfReader(io.BytesIO(data))
    xmp = reader.trailer["/Root"]["/Metadata"].get_object().get_data().decode()
    assert 'pdfaid:part="3"' in xmp and 'pdfaid:conformance="U"' in xmp
    info = reader.metadata
    assert "Certificate of termination of employment" in info.title
    assert info.author == app.config["COMPANY_NAME"]
    assert "SO-2026-" in info.subject
    assert reader.trailer["/Root"]["/Lang"] == "en"


def test_same_input_gives_the_same_bytes(session, make_doc_case, docs_dir):
    case = make_doc_case()
    add_items(session, case, 5)
    runs = [render_case_document(session, case, "handover_certificate", locale="zh_CN",
                                 created=WHEN, version=1).data for _ in range(2)]
    assert runs[0] == runs[1]
    other = render_case_document(session, case, "handover_certificate", locale="zh_CN",
                                 created=WHEN, version=2).data
    assert other != runs[0]


def test_every_page_carries_the_code_and_page_numbers(session, make_doc_case, docs_dir):
    case = make_doc_case()
    add_items(session, case, 60)
    document = generate_document(session, case, "handover_certificate")
    pages = pdf_pages(storage.load(document.sha256))
    assert len(pages) >= 2
    for number, page in enumerate(pages, 1):
        assert document.code in page and "/verify/" in page
        assert flat(f"第 {number} 页 / 共 {len(pages)} 页") in page


INJECTIONS = ['<img src="file:///etc/passwd">', '<img src="http://198.51.100.7/x.png">',
              '<link rel=stylesheet href="https://198.51.100.7/a.css">',
              '<div style="background:url(file:///etc/hostname)">x</div>']


@pytest.fixture
def no_network(monkeypatch):
    """Fail the test if anything opens a socket or reads a local file through urllib."""
    attempts = []

    def refuse(self, *args, **kwargs):
        attempts.append(args)
        raise AssertionError("network access during PDF rendering")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    return attempts


def test_user_fields_cannot_make_the_pdf_fetch_anything(session, make_doc_case, doc_people, docs_dir,
                                                        no_network, monkeypatch):
    fetched = []
    original = render_mod.SafeFetcher.fetch
    monkeypatch.setattr(render_mod.SafeFetcher, "fetch",
                        lambda self, url, headers=None: fetched.append(url) or
                        original(self, url, headers))
    doc_people["leaver"].name = INJECTIONS[0]
    case = make_doc_case(statement=" ".join(INJECTIONS))
    for kind in ("resignation_application", "termination_certificate"):
        text = pdf_text(render(session, case, kind))
        assert "file:///etc/passwd" in text  # shown as text, never loaded
    assert all(url.startswith("data:") for url in fetched), fetched
    assert no_network == []


def test_fetcher_refuses_file_network_and_logs(no_network, caplog, app):
    fetcher = render_mod.SafeFetcher()
    html = "<html><body><p>测试</p>" + "".join(INJECTIONS) + \
        '<img src="sendoff-static:../../../etc/passwd"></body></html>'
    meta = render_mod.Meta(title="t", author="a", subject="s", locale="zh_CN", created=WHEN,
                           code="AAAAA-BBBBB", verify_url="http://x/verify/AAAAA-BBBBB", version=1)
    with app.app_context(), caplog.at_level(logging.WARNING, "app.modules.documents.render"):
        data = render_mod.html_to_pdf(html, meta, fetcher)
    assert data.startswith(b"%PDF-")
    assert any(u.startswith("file:///etc/passwd") for u in fetcher.refused)
    assert any(u.startswith("http://198.51.100.7") for u in fetcher.refused)
    assert any(u.startswith("https://198.51.100.7") for u in fetcher.refused)
    assert any("etc/hostname" in u for u in fetcher.refused)
    assert any("sendoff-static:../" in u for u in fetcher.refused)
    assert "refused to fetch file:///etc/passwd" in caplog.text
    assert no_network == []


def test_fetcher_serves_the_apps_static_files():
    response = render_mod.SafeFetcher().fetch("sendoff-static:sendoff.css")
    assert response.read()


def test_unknown_kind_is_refused(session, make_doc_case, docs_dir):
    with pytest.raises(LookupError):
        generate_document(session, make_doc_case(), "love_letter")


# ---------------------------------------------------------------- renewal offer and union notice

CONTRACT = {"contract_start": date(2023, 7, 1), "contract_end": date(2026, 6, 30)}
NOTIFIED = date(2026, 5, 20)


def offer_renewal(walk, people, terms="equal_or_better", steps=()):
    """A contract expiry where HR offered renewal on `terms` (then `steps`)."""
    for name, value in CONTRACT.items():
        setattr(people.leaver, name, value)
    return walk("contract_expiry", [("offer_renewal", people.hr_user, {"offer_terms": terms}),
                                    *steps], requested_last_day=CONTRACT["contract_end"])


def notify_union(walk, people, reply="工会无异议，同意按程序办理。"):
    """An Art 40(2) dismissal filed by HR, with the union notification recorded."""
    return walk("dismissal", [
        ("file_without_fault", people.hr_user, {"ground": "incompetent", "notice_mode": "notice",
                                                "comment": "两次培训后考核仍不合格。"}),
        ("record_union_reply", people.hr_user, {"union_notified_on": NOTIFIED.isoformat(),
                                                "comment": reply})],
        requested_last_day=date(2026, 6, 30))


RENEWAL_FACTS = {
    "zh_CN": ["续订劳动合同通知书", "陈美丽", "2023年7月1日 至 2026年6月30日",
              "维持或者提高现劳动合同约定的条件", "本单位依法不支付经济补偿", "第四十六条第（五）项",
              "请于 2026年6月30日 前（含当日）书面答复", "尚未答复", "同意续订", "员工签字"],
    "en": ["Offer to renew the labour contract", "July 1, 2023 to June 30, 2026",
           "Equal to or better than the current contract", "no severance is owed",
           "Art 46(5)", "on or before June 30, 2026", "Not answered yet", "I decline the renewal"],
}
UNION_FACTS = {
    "zh_CN": ["单方解除劳动合同事先通知工会函", "第四十三条", "陈美丽",
              "不能胜任工作，经过培训或者调整工作岗位，仍不能胜任工作", "《劳动合同法》第四十条第（二）项",
              "提前三十日以书面形式通知本人", "2026年6月30日", "两次培训后考核仍不合格。", "2026年5月20日",
              "工会无异议，同意按程序办理。", "工会意见", "工会（盖章）"],
    "en": ["Notice to the trade union of a unilateral dismissal", "Art 43",
           "Incompetent for the work even after training or a change of post",
           "Labour Contract Law Art 40(2)", "30 days' written notice", "June 30, 2026",
           "May 20, 2026", "Opinion of the trade union", "Trade union (seal)"],
}


@pytest.mark.parametrize("locale", ["zh_CN", "en"])
def test_renewal_offer_states_terms_deadline_and_answer(session, walk, people, run_render, locale):
    case, [job] = offer_renewal(walk, people)
    case.locale = locale
    document = run_render(job)
    assert document.kind == "renewal_offer"
    text = pdf_text(storage.load(document.sha256))
    for fact in RENEWAL_FACTS[locale]:
        assert flat(fact) in text, f"{fact!r} missing from the renewal offer ({locale})"
    assert "劳动合同解除（终止）通知书" not in text and "Notice of termination" not in text


def test_renewal_offer_shows_the_answer_once_given(session, walk, people, docs_dir):
    case, _ = offer_renewal(walk, people, steps=[("decline_renewal", people.leaver_user, None)])
    text = pdf_text(render(session, case, "renewal_offer"))
    assert "不同意续订(" in text and "尚未答复" not in text


def test_lower_renewal_terms_say_severance_is_owed(session, walk, people, run_render):
    case, [job] = offer_renewal(walk, people, terms="lower")
    text = pdf_text(storage.load(run_render(job).sha256))
    assert "低于现劳动合同约定的条件" in text and "本单位依法支付经济补偿" in text
    assert "不支付经济补偿" not in text


@pytest.mark.parametrize("locale", ["zh_CN", "en"])
def test_union_notice_states_ground_article_date_and_reply(session, walk, people, run_render,
                                                          locale):
    case, [job] = notify_union(walk, people)
    case.locale = locale
    document = run_render(job)
    assert document.kind == "union_notice"
    text = pdf_text(storage.load(document.sha256))
    for fact in UNION_FACTS[locale]:
        assert flat(fact) in text, f"{fact!r} missing from the union notice ({locale})"
    assert "劳动合同解除（终止）通知书" not in text and "Notice of termination" not in text


def test_union_notice_is_for_hr_not_the_employee(session, walk, people, run_render):
    case, [job] = notify_union(walk, people)
    document = run_render(job)
    assert may_download(case, document.kind, None, {"hr"})
    for employee in (people.leaver, people.boss):
        assert not may_download(case, document.kind, employee.id, set())


def test_dismissal_notice_cites_the_filed_ground(session, walk, people, docs_dir):
    case, _ = notify_union(walk, people)
    document = generate_document(session, case, "dismissal_notice")
    assert document.kind == "termination_notice"
    assert "LCLArt40(2)" in pdf_text(storage.load(document.sha256))


@pytest.mark.parametrize("kind", ["renewal_offer", "union_notice"])
def test_new_notices_are_pdfa_with_fonts_and_the_same_bytes(session, walk, people, docs_dir,
                                                            tmp_path, kind):
    case, _ = offer_renewal(walk, people) if kind == "renewal_offer" else notify_union(walk, people)
    runs = [render_case_document(session, case, kind, locale="zh_CN", created=WHEN,
                                 version=1).data for _ in range(2)]
    assert runs[0] == runs[1]
    fonts = pdffonts(runs[0], tmp_path).splitlines()[2:]
    assert fonts and all(" yes yes yes " in line for line in fonts), fonts
    reader = PdfReader(io.BytesIO(runs[0]))
    xmp = reader.trailer["/Root"]["/Metadata"].get_object().get_data().decode()
    assert 'pdfaid:part="3"' in xmp and 'pdfaid:conformance="U"' in xmp
    later = render_case_document(session, case, kind, locale="zh_CN", created=WHEN, version=2).data
    assert later != runs[0]


@pytest.mark.parametrize("kind", ["renewal_offer", "union_notice"])
def test_user_fields_in_new_notices_fetch_nothing(session, walk, people, docs_dir, no_network,
                                                  monkeypatch, kind):
    fetched = []
    original = render_mod.SafeFetcher.fetch
    monkeypatch.setattr(render_mod.SafeFetcher, "fetch",
                        lambda self, url, headers=None: fetched.append(url) or
                        original(self, url, headers))
    people.leaver.name = INJECTIONS[0]
    if kind == "renewal_offer":
        case, _ = offer_renewal(walk, people)
    else:
        case, _ = notify_union(walk, people, reply=" ".join(INJECTIONS))
    case.position_name = INJECTIONS[1]
    text = pdf_text(render(session, case, kind))
    assert "file:///etc/passwd" in text and "198.51.100.7" in text  # printed, never loaded
    assert all(url.startswith("data:") for url in fetched), fetched
    assert no_network == []


@pytest.mark.parametrize("locale, titles", [
    ("zh_CN", ["申请已修改", "已生成文件"]), ("en", ["Application changed", "Document generated"])])
def test_summary_names_module_events_in_the_case_language(session, make_doc_case, docs_dir,
                                                          locale, titles):
    """The printed timeline never shows raw audit keys such as `document.generated`."""
    from app.audit import record_event

    case = make_doc_case()
    record_event("case.draft_changed", subject=f"case:{case.id}", payload={"changed": ["notice_date"]})
    record_event("document.generated", subject=f"case:{case.id}", payload={"kind": "approval_record"})
    text = pdf_text(render(session, case, "offboarding_summary", locale))
    assert all(flat(title) in text for title in titles), text
    assert "document.generated" not in text and "case.draft_changed" not in text
