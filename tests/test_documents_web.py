"""Downloads with permissions, the public verification page and upload, signatures, CLI."""
from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import pytest

from app.modules.documents import storage
from app.modules.documents.operations import generate_document, render_case_document
from tests.conftest import csrf_from

pytest_plugins = ["tests.documents_fixtures"]


@pytest.fixture
def users(make_user, doc_people):
    return {"hr": make_user(roles=("hr",)),
            "leaver": make_user(employee=doc_people["leaver"]),
            "supervisor": make_user(employee=doc_people["supervisor"]),
            "receiver": make_user(employee=doc_people["receiver"]),
            "stranger": make_user(employee=doc_people["stranger"])}


@pytest.fixture
def docs(session, make_doc_case, docs_dir):
    case = make_doc_case(reference="SO-2026-0001")
    made = {kind: generate_document(session, case, kind) for kind in (
        "termination_certificate", "handover_certificate", "exit_interview_record")}
    session.commit()
    return case, made


def url(doc):
    return f"/cases/{doc.case_id}/documents/{doc.id}/download"


@pytest.mark.parametrize("who, kind, status", [
    ("hr", "exit_interview_record", 200),
    ("leaver", "termination_certificate", 200),
    ("leaver", "handover_certificate", 200),
    ("leaver", "exit_interview_record", 403),
    ("receiver", "handover_certificate", 200),
    ("receiver", "termination_certificate", 403),
    ("supervisor", "handover_certificate", 200),
    ("supervisor", "exit_interview_record", 403),
    ("stranger", "handover_certificate", 403),
])
def test_download_permissions(client, login, users, docs, who, kind, status):
    login(users[who].username)
    response = client.get(url(docs[1][kind]))
    assert response.status_code == status
    if status == 200:
        assert response.data == storage.load(docs[1][kind].sha256)
        assert response.headers["Cache-Control"] == "no-store"
        assert response.headers["Content-Type"] == "application/pdf"
        assert f'filename="SO-2026-0001_{kind}_v1.pdf"' in response.headers["Content-Disposition"]


def test_union_notice_downloads_for_hr_only(client, login, users, session, make_doc_case,
                                             docs_dir):
    case = make_doc_case(workflow_id="dismissal")
    doc = generate_document(session, case, "union_notice")
    session.commit()
    for who, status in (("hr", 200), ("leaver", 403), ("supervisor", 403), ("receiver", 403)):
        login(users[who].username)
        assert client.get(url(doc)).status_code == status, who
        client.post("/logout", data={"csrf_token": csrf_from(client.get("/").get_data(
            as_text=True))})


def test_download_needs_login_and_the_right_case(client, login, users, docs, make_doc_case):
    doc = docs[1]["termination_certificate"]
    assert client.get(url(doc)).status_code in (302, 401)
    login(users["hr"].username)
    other = make_doc_case()
    assert client.get(f"/cases/{other.id}/documents/{doc.id}/download").status_code == 404
    assert client.get(f"/cases/{doc.case_id}/documents/999999/download").status_code == 404


def test_document_list_shows_what_the_user_may_have(client, login, users, docs):
    case = docs[0]
    login(users["leaver"].username)
    html = client.get(f"/cases/{case.id}/documents").get_data(as_text=True)
    assert 'data-kind="termination_certificate"' in html
    assert 'data-kind="exit_interview_record"' not in html
    client.post("/logout", data={"csrf_token": csrf_from(html)})
    login(users["stranger"].username)
    assert client.get(f"/cases/{case.id}/documents").status_code == 404


def test_verify_page_by_code_and_hash_without_personal_data(client, session, docs):
    case, made = docs
    doc = made["termination_certificate"]
    for key in (doc.code, doc.code.replace("-", "").lower(), doc.sha256):
        response = client.get(f"/verify/{key}")
        html = response.get_data(as_text=True)
        assert response.status_code == 200
        assert "SO-2026-0001" in html and 'data-result="found"' in html
        assert "张三" not in html and "123X" not in html
    newer = generate_document(session, case, "termination_certificate")
    session.commit()
    html = client.get(f"/verify/{doc.code}").get_data(as_text=True)
    assert f'data-latest="{newer.version}"' in html
    assert 'data-latest="yes"' in client.get(f"/verify/{newer.code}").get_data(as_text=True)
    assert client.get("/verify/AAAAA-AAAAA").status_code == 404


def upload(client, data: bytes, key=""):
    page = client.get(f"/verify/{key}" if key else "/verify").get_data(as_text=True)
    return client.post(f"/verify/{key}" if key else "/verify", content_type="multipart/form-data",
                       data={"csrf_token": csrf_from(page),
                             "file": (io.BytesIO(data), "upload.pdf")})


def test_upload_tells_genuine_from_changed(client, docs):
    doc = docs[1]["termination_certificate"]
    data = storage.load(doc.sha256)
    html = upload(client, data).get_data(as_text=True)
    assert 'data-result="genuine"' in html and "SO-2026-0001" in html
    changed = data + b"\n% changed after issue\n"
    assert 'data-result="unknown"' in upload(client, changed).get_data(as_text=True)


def test_upload_refuses_non_pdf_and_missing_csrf(client, docs):
    response = upload(client, b"GIF89a not a pdf")
    assert response.status_code == 400
    assert "invalid-feedback" in response.get_data(as_text=True)
    bare = client.post("/verify", content_type="multipart/form-data",
                       data={"file": (io.BytesIO(b"%PDF-1.7"), "x.pdf")})
    assert bare.status_code == 400


# ---------------------------------------------------------------- signatures and CLI


@pytest.fixture
def signing_key(app, tmp_path):
    runner = app.test_cli_runner()
    out = tmp_path / "signing.p12"
    result = runner.invoke(args=["docs", "keygen", "--out", str(out), "--password", "s3cret!"])
    assert result.exit_code == 0, result.output
    assert "SENDOFF_SIGNING_KEY_FILE=" in result.output
    old = app.config["SIGNING_KEY_FILE"], app.config["SIGNING_KEY_PASSWORD"]
    app.config.update(SIGNING_KEY_FILE=str(out), SIGNING_KEY_PASSWORD="s3cret!")
    yield out
    app.config["SIGNING_KEY_FILE"], app.config["SIGNING_KEY_PASSWORD"] = old


def test_pades_signature_validates(session, make_doc_case, docs_dir, signing_key, client):
    from pyhanko.keys import load_cert_from_pemder

    from app.modules.documents.signing import validate_signatures

    document = generate_document(session, make_doc_case(), "termination_certificate")
    session.commit()
    data = storage.load(document.sha256)
    assert document.signed
    root = load_cert_from_pemder(str(signing_key.with_suffix(".crt.pem")))
    [status] = validate_signatures(data, trust_roots=[root])
    assert status["intact"] and status["valid"] and status["trusted"]
    assert status["coverage"] == "ENTIRE_FILE"
    html = upload(client, data).get_data(as_text=True)
    assert 'data-test="signature"' in html and 'data-valid="yes"' in html


def test_cli_render_and_verify(app, session, make_doc_case, docs_dir, tmp_path):
    case = make_doc_case()
    session.commit()
    runner = app.test_cli_runner()
    out = tmp_path / "cert.pdf"
    result = runner.invoke(args=["docs", "render", "--case", str(case.id), "--kind",
                                 "termination_certificate", "--out", str(out), "--locale", "en"])
    assert result.exit_code == 0, result.output
    assert out.read_bytes().startswith(b"%PDF-")
    result = runner.invoke(args=["docs", "verify", str(out)])
    assert result.exit_code == 0 and "GENUINE" in result.output and case.reference in result.output
    out.write_bytes(out.read_bytes() + b"\n%tampered")
    result = runner.invoke(args=["docs", "verify", str(out)])
    assert result.exit_code == 1 and "NOT GENUINE" in result.output
    bad = runner.invoke(args=["docs", "render", "--case", str(case.id), "--kind", "nope",
                              "--out", str(out)])
    assert bad.exit_code != 0 and "unknown document kind" in bad.output


def signature_of(data: bytes):
    from pyhanko.pdf_utils.reader import PdfFileReader

    [signature] = PdfFileReader(io.BytesIO(data)).embedded_signatures
    return signature


def test_signing_twice_gives_the_same_bytes_and_a_valid_signature(session, make_doc_case,
                                                                   docs_dir, signing_key):
    from pyhanko.keys import load_cert_from_pemder

    from app.modules.documents.signing import validate_signatures

    case = make_doc_case()
    event_at = datetime.now(UTC).replace(microsecond=0)  # after the trial key became valid
    runs = [render_case_document(session, case, "termination_certificate", locale="zh_CN",
                                 created=event_at, version=1).data for _ in range(2)]
    assert runs[0] == runs[1]
    root = load_cert_from_pemder(str(signing_key.with_suffix(".crt.pem")))
    [status] = validate_signatures(runs[0], trust_roots=[root])
    assert status["intact"] and status["valid"] and status["trusted"]
    assert status["coverage"] == "ENTIRE_FILE"
    assert signature_of(runs[0]).self_reported_timestamp == event_at  # the event's, not the clock's
    later = render_case_document(session, case, "termination_certificate", locale="zh_CN",
                                 created=event_at + timedelta(minutes=1), version=1).data
    assert later != runs[0]
    assert signature_of(later).self_reported_timestamp == event_at + timedelta(minutes=1)


def test_event_older_than_the_key_is_signed_at_the_keys_start(session, make_doc_case, docs_dir,
                                                             signing_key):
    from pyhanko.keys import load_cert_from_pemder

    from app.modules.documents.signing import validate_signatures

    root = load_cert_from_pemder(str(signing_key.with_suffix(".crt.pem")))
    case = make_doc_case()
    long_ago = root.not_valid_before - timedelta(days=30)
    runs = [render_case_document(session, case, "termination_certificate", locale="en",
                                 created=long_ago, version=1).data for _ in range(2)]
    assert runs[0] == runs[1]
    assert signature_of(runs[0]).self_reported_timestamp == root.not_valid_before
    [status] = validate_signatures(runs[0], trust_roots=[root])
    assert status["intact"] and status["valid"] and status["trusted"]
