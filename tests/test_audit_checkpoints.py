"""Signed checkpoints: a rewritten tail is caught, forged files are refused, rows after the
latest checkpoint are listed, files are never overwritten, the tick and the mail."""
from __future__ import annotations

import json
from datetime import timedelta

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from sqlalchemy import update

from app.clock import now as clock_now
from app.engine.audit import verify_chain
from app.engine.models import AuditHead
from app.modules.audit import checkpoints as cp
from tests import audit_fixtures
from tests.audit_fixtures import append, chain, rewrite, sql
from tests.engine_fixtures import utc

chain_db = audit_fixtures.chain_db  # fixtures
mailbox = audit_fixtures.mailbox


@pytest.fixture(scope="module")
def org_key(tmp_path_factory):
    """The organisation's trial key (PKCS#12) and certificate, made once for the module."""
    from app.modules.documents.signing import make_self_signed

    folder = tmp_path_factory.mktemp("org-key")
    p12, pem = make_self_signed("Audit test signing", "Sendoff test", "pw-123")
    (folder / "org.p12").write_bytes(p12)
    (folder / "org.crt.pem").write_bytes(pem)
    return folder


@pytest.fixture
def folder(app, org_key, tmp_path, monkeypatch):
    """The checkpoint folder of a test, the organisation key configured."""
    for key, value in {"SIGNING_KEY_FILE": str(org_key / "org.p12"),
                       "SIGNING_KEY_PASSWORD": "pw-123", "AUDIT_CHECKPOINT_EMAIL": None,
                       "AUDIT_CHECKPOINT_DIR": str(tmp_path / "checkpoints"),
                       "AUDIT_CHECKPOINT_INTERVAL_MINUTES": 60}.items():
        monkeypatch.setitem(app.config, key, value)
    return tmp_path / "checkpoints"


def verify(session):
    anchors, file_problems = cp.read_checkpoints(cp.checkpoint_dir(), cp.trusted_certificates())
    return verify_chain(session, anchors=anchors), file_problems


def cli(app, *args):
    return app.test_cli_runner().invoke(args=["audit", *args])


def other_key():
    """Someone else's key and self-signed certificate, under the organisation's name."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Audit test signing")])
    now = clock_now()
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(days=1)).not_valid_after(now + timedelta(days=1))
            .sign(key, hashes.SHA256()))
    return key, cert


def test_a_checkpoint_signs_the_head_row_count_and_last_row(app, chain_db, folder):
    ids = chain(chain_db, 3)
    written = cp.write_checkpoint(chain_db)
    document = json.loads(written.path.read_text())
    claims = document["claims"]
    assert written.path.parent == folder and written.path.name.endswith(f"-row{ids[-1]}.json")
    assert claims["last_id"] == ids[-1] and claims["row_count"] == 3
    assert claims["head_hash"] == chain_db.get(AuditHead, 1).last_hash
    assert document["signature"]["algorithm"] == "rsa-pkcs1v15-sha256"
    assert "BEGIN CERTIFICATE" in document["certificate"]
    report, file_problems = verify(chain_db)
    assert report.ok and not file_problems and report.anchor.last_id == ids[-1]
    assert report.unanchored == 0


def test_the_signature_checks_with_the_certificate_alone(chain_db, folder, org_key):
    """An auditor needs only the file and the organisation's certificate."""
    from cryptography.hazmat.primitives.asymmetric import padding

    chain(chain_db, 2)
    document = json.loads(cp.write_checkpoint(chain_db).path.read_text())
    certificate = x509.load_pem_x509_certificate((org_key / "org.crt.pem").read_bytes())
    import base64

    certificate.public_key().verify(
        base64.b64decode(document["signature"]["value"]),
        json.dumps(document["claims"], sort_keys=True, separators=(",", ":")).encode(),
        padding.PKCS1v15(), hashes.SHA256())


def test_rewriting_the_tail_is_caught_by_the_checkpoint(app, chain_db, folder):
    session = chain_db
    ids = chain(session, 4)
    cp.write_checkpoint(session)
    new_hash = rewrite(session, ids[-1], actor_name="Mallory")
    session.execute(update(AuditHead).values(last_hash=new_hash))
    session.commit()
    assert verify_chain(session).ok  # the chain alone cannot tell
    report, _ = verify(session)
    assert [(p.kind, p.row_id) for p in report.problems] == [("checkpoint", ids[-1])]
    assert f"Row {ids[-1]} no longer has the hash that checkpoint" in report.reason
    result = cli(app, "verify")
    assert result.exit_code == 1 and f"Row {ids[-1]} no longer has the hash" in result.output


def test_a_rewrite_is_placed_between_the_checkpoints(app, chain_db, folder):
    session = chain_db
    ids = chain(session, 3)
    first = cp.write_checkpoint(session, clock_now() - timedelta(hours=2))
    ids += chain(session, 3)
    cp.write_checkpoint(session)
    new_hash = rewrite(session, ids[4], actor_name="Mallory")  # and chain the rest again
    new_hash = rewrite(session, ids[5], prev_hash=new_hash)
    session.execute(update(AuditHead).values(last_hash=new_hash))
    session.commit()
    assert verify_chain(session).ok
    report, _ = verify(session)
    [problem] = report.problems
    assert problem.row_id == ids[-1]
    assert f"after row {ids[2]} (which checkpoint {first.path.name} still anchors)" in problem.message


def _hash_of(session, row_id):
    from app.engine.models import AuditEvent

    return session.get(AuditEvent, row_id, populate_existing=True).hash


def test_rows_after_the_latest_checkpoint_are_listed_as_not_anchored(app, chain_db, folder):
    session = chain_db
    ids = chain(session, 2)
    cp.write_checkpoint(session)
    ids += [append(session, 7, event="case.submitted").id, append(session, 8).id]
    report, _ = verify(session)
    assert report.ok and report.unanchored == 2 and report.first_unanchored == ids[2]
    result = cli(app, "verify")
    assert result.exit_code == 0, result.output
    assert f"2 rows after it (rows {ids[2]} to {ids[3]}) are not anchored yet:" in result.output
    assert f"  row {ids[2]}  2026-03-02 02:07:00 UTC  case.submitted  user:7" in result.output


def test_a_deleted_anchored_row_is_named(chain_db, folder):
    session = chain_db
    ids = chain(session, 3)
    cp.write_checkpoint(session)
    sql(session, "DELETE FROM audit_events WHERE id = :id", id=ids[-1])
    session.execute(update(AuditHead).values(last_hash=_hash_of(session, ids[-2])))
    session.commit()
    report, _ = verify(session)
    assert [(p.kind, p.row_id) for p in report.problems] == [("checkpoint", ids[-1])]
    assert "the end of the chain was deleted" in report.reason


# ---------------------------------------------------------------- forged files


def test_an_edited_checkpoint_is_refused_and_named(app, chain_db, folder):
    session = chain_db
    ids = chain(session, 3)
    path = cp.write_checkpoint(session).path
    new_hash = rewrite(session, ids[-1], actor_name="Mallory")
    session.execute(update(AuditHead).values(last_hash=new_hash))
    session.commit()
    document = json.loads(path.read_text())
    document["claims"]["head_hash"] = new_hash  # made to fit the rewritten chain
    path.chmod(0o644)
    path.write_text(json.dumps(document))
    report, file_problems = verify(session)
    assert report.anchor is None and report.ok  # the forged claim anchors nothing
    assert [p.message for p in file_problems] == [
        f"Checkpoint file {path.name}: it was altered: its signature does not match its content."]
    result = cli(app, "verify")
    assert result.exit_code == 1 and path.name in result.output


def test_a_checkpoint_signed_with_another_key_is_refused(chain_db, folder):
    session = chain_db
    chain(session, 2)
    claims = {"schema": cp.SCHEMA, **cp.chain_state(session), "created_at": "2026-03-02T02:00:00.000000Z"}
    forged = cp.write_document(folder, cp.sign_claims(claims, *other_key()))
    report, file_problems = verify(session)
    assert report.anchor is None
    [problem] = file_problems
    assert problem.message.startswith(f"Checkpoint file {forged.name}: it is signed by a "
                                      "certificate this installation does not trust")


def test_a_file_that_is_not_a_checkpoint_is_named(chain_db, folder):
    chain(chain_db, 1)
    folder.mkdir(parents=True)
    (folder / "20260101T000000.000000Z-row1.json").write_text('{"claims": {}}')
    (folder / "20260101T000001.000000Z-row1.json").write_text("not json")
    _, file_problems = verify(chain_db)
    assert [p.message.split(": ", 1)[1] for p in file_problems] == [
        "it is not a Sendoff audit checkpoint (a part is missing or malformed).",
        "it cannot be read (JSONDecodeError)."]


def test_an_earlier_key_is_trusted_through_the_trust_file(app, chain_db, folder, tmp_path,
                                                          monkeypatch):
    from cryptography.hazmat.primitives import serialization

    chain(chain_db, 2)
    key, cert = other_key()
    claims = {"schema": cp.SCHEMA, **cp.chain_state(chain_db), "created_at": "2026-03-02T02:00:00.000000Z"}
    cp.write_document(folder, cp.sign_claims(claims, key, cert))
    trust = tmp_path / "earlier.pem"
    trust.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    assert cli(app, "verify").exit_code == 1
    assert cli(app, "verify", "--trust", str(trust)).exit_code == 0
    monkeypatch.setitem(app.config, "AUDIT_CHECKPOINT_TRUST", str(trust))
    report, file_problems = verify(chain_db)
    assert report.ok and not file_problems and report.anchor is not None


# ---------------------------------------------------------------- writing


def test_checkpoints_are_never_overwritten(chain_db, folder):
    chain(chain_db, 2)
    at = clock_now()
    first = cp.write_checkpoint(chain_db, at)
    before = first.path.read_bytes()
    second = cp.write_checkpoint(chain_db, at)  # the same instant, the same row
    assert second.path != first.path and first.path.read_bytes() == before
    assert len(cp.checkpoint_files(folder)) == 2


def test_the_command_writes_a_checkpoint(app, chain_db, folder):
    chain(chain_db, 2)
    result = cli(app, "checkpoint")
    assert result.exit_code == 0, result.output
    [path] = cp.checkpoint_files(folder)
    assert f"Checkpoint written: {path}" in result.output


def test_without_an_organisation_key_the_command_says_what_to_do(app, chain_db, folder,
                                                                 monkeypatch):
    chain(chain_db, 1)
    monkeypatch.setitem(app.config, "SIGNING_KEY_FILE", None)
    result = cli(app, "checkpoint")
    assert result.exit_code == 1 and "no organisation key: set SENDOFF_SIGNING_KEY_FILE" in result.output
    assert not cp.checkpoint_files(folder)


def test_an_empty_log_has_nothing_to_anchor(app, chain_db, folder):
    result = cli(app, "checkpoint")
    assert result.exit_code == 1 and "the audit log is empty" in result.output


def test_the_tick_writes_one_when_the_head_moved_and_the_interval_passed(app, chain_db, folder,
                                                                         fresh_db):
    now = clock_now()
    chain(chain_db, 2)
    first = cp.tick_checkpoint(fresh_db, now)
    assert first and cp.checkpoint_files(folder)[-1].name == first
    assert cp.tick_checkpoint(fresh_db, now + timedelta(hours=2)) is None  # the head did not move
    append(chain_db, 5)
    assert cp.tick_checkpoint(fresh_db, now + timedelta(minutes=59)) is None  # too soon
    second = cp.tick_checkpoint(fresh_db, now + timedelta(minutes=61))
    assert second and second != first and len(cp.checkpoint_files(folder)) == 2


def test_a_forged_file_dated_in_the_future_does_not_stop_the_tick(chain_db, folder, fresh_db):
    now = clock_now()
    chain(chain_db, 2)
    claims = {"schema": cp.SCHEMA, **cp.chain_state(chain_db), "created_at": "2099-01-01T00:00:00.000000Z"}
    cp.write_document(folder, cp.sign_claims(claims, *other_key()))
    assert cp.tick_checkpoint(fresh_db, now)
    assert len(cp.checkpoint_files(folder)) == 2


def test_the_tick_writes_none_when_switched_off_or_without_a_key(app, chain_db, folder, fresh_db,
                                                                 monkeypatch):
    chain(chain_db, 2)
    monkeypatch.setitem(app.config, "AUDIT_CHECKPOINT_INTERVAL_MINUTES", 0)
    assert cp.tick_checkpoint(fresh_db, clock_now()) is None
    monkeypatch.setitem(app.config, "AUDIT_CHECKPOINT_INTERVAL_MINUTES", 60)
    monkeypatch.setitem(app.config, "SIGNING_KEY_FILE", None)
    assert cp.tick_checkpoint(fresh_db, clock_now()) is None
    assert not cp.checkpoint_files(folder)


def test_the_scheduler_job_writes_the_checkpoint(app, chain_db, folder, monkeypatch):
    from app import jobs
    from app.db import db

    chain(chain_db, 2)
    monkeypatch.setattr(db, "engine", chain_db.get_bind())
    result = jobs.tick_job()
    assert result["audit_checkpoint"] == cp.checkpoint_files(folder)[-1].name


def test_the_checkpoint_is_mailed_to_the_auditor(app, chain_db, folder, mailbox, monkeypatch):
    monkeypatch.setitem(app.config, "AUDIT_CHECKPOINT_EMAIL", "审计 <auditor@example.com>")
    chain(chain_db, 3)
    written = cp.write_checkpoint(chain_db, utc(2026, 3, 2, 2, 0))
    assert written.mailed_to and written.mail_error is None
    [message] = mailbox.to("auditor@example.com")
    assert message["Subject"].startswith("审计日志检查点")
    [attachment] = list(message.iter_attachments())
    assert attachment.get_filename() == written.path.name
    assert attachment.get_content() == written.path.read_bytes()
    body = message.get_body(("plain",)).get_content()
    assert "共有 3 条记录" in body and "flask audit verify --checkpoints" in body


def test_a_mail_failure_keeps_the_file(app, chain_db, folder, mailbox, monkeypatch):
    monkeypatch.setitem(app.config, "AUDIT_CHECKPOINT_EMAIL", "auditor@example.com")
    mailbox.refuse.add("auditor@example.com")
    chain(chain_db, 1)
    written = cp.write_checkpoint(chain_db)
    assert written.path.exists() and written.mail_error
