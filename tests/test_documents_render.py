"""PDF records: facts per kind in Chinese and English, fonts, PDF/A, determinism, safety."""
from __future__ import annotations

import io
import logging
import socket
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from pypdf import PdfReader

from app.modules.documents import render as render_mod
from app.modules.documents import storage
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
