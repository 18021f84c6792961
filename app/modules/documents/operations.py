"""Request, render, store, list and verify documents. Operations never commit; the job
handler is a transaction boundary of its own, like a view."""
from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime

from flask import current_app, url_for
from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.db import db, sqlite_begin, utcnow
from app.engine import SYSTEM
from app.engine.audit import append_audit
from app.engine.models import AuditEvent, OutboxJob
from app.engine.outbox import record as record_job
from app.engine.timing import CHINA_TZ
from app.modules.cases.models import Case
from app.modules.documents import storage
from app.modules.documents.kinds import build_context, kind_for, kind_title, may_download
from app.modules.documents.models import Document
from app.modules.documents.render import Meta, render_pdf, template_version
from app.signals import document_issued

log = logging.getLogger(__name__)
JOB_KIND = "render_pdf"
CODE_RE = re.compile(r"^[A-Z2-7]{5}-?[A-Z2-7]{5}$")
SHA_RE = re.compile(r"^[0-9a-f]{64}$")


def company_name() -> str:
    """The organisation named in every header and as the PDF author."""
    return current_app.config.get("COMPANY_NAME") or "Sendoff"


def request_document(case: Case, kind: str, *, event=None, locale: str | None = None,
                     bilingual: bool = False, options: dict | None = None,
                     requested_by: int | None = None, now: datetime | None = None) -> OutboxJob:
    """Queue the rendering of a record; it runs after commit and is shown as being generated."""
    resolved = kind_for(kind, case)
    event_name = getattr(event, "event", event) or "document.requested"
    payload = {"case_id": case.id, "kind": resolved.name, "locale": locale or case.locale,
               "bilingual": bool(bilingual), "event": event_name, "options": dict(options or {}),
               "requested_by": requested_by, "audit_event_id": getattr(event, "id", None)}
    return record_job(db.session, JOB_KIND, payload, now=now or utcnow(),
                      instance_id=case.instance_id)


def render_document_job(payload: dict) -> int | None:
    """Outbox handler for render_pdf (engine or request_document payloads); idempotent by job id."""
    session = Session(bind=db.session.get_bind(), join_transaction_mode="create_savepoint",
                      expire_on_commit=False)
    try:
        return _render_job(session, payload)
    finally:
        session.close()


def _render_job(session: Session, payload: dict) -> int | None:
    job_id = payload.get("job_id")
    with sqlite_begin(False):  # read and render without holding SQLite's write lock
        done = _document_of_job(session, job_id)
        if done is not None:
            session.commit()
            return done
        spec = _job_spec(session, payload)
        rendered = render_case_document(session, **spec)
        session.commit()
    try:
        document = save_document(session, rendered, outbox_job_id=job_id)
        session.commit()
    except IntegrityError:
        session.rollback()
        done = _document_of_job(session, job_id)
        if done is None:
            raise  # a version clash with another job: the outbox retries with the next number
        return done
    return document.id


def _document_of_job(session, job_id) -> int | None:
    if job_id is None:
        return None
    return session.scalar(select(Document.id).where(Document.outbox_job_id == job_id))


def _job_spec(session, payload: dict) -> dict:
    case_id = payload.get("case_id")
    if case_id is None:
        kind, _, ident = str(payload.get("subject") or "").partition(":")
        if kind != "case":
            raise LookupError(f"render_pdf job is not about a case: {payload.get('subject')!r}")
        case_id = int(ident)
    case = session.get(Case, int(case_id))
    if case is None:
        raise LookupError(f"case {case_id} does not exist")
    name = payload.get("kind") or (payload.get("params") or {}).get("template")
    job = session.get(OutboxJob, payload["job_id"]) if payload.get("job_id") else None
    created = job.created_at if job is not None else utcnow()
    return {"case": case, "kind": name, "locale": payload.get("locale") or case.locale,
            "bilingual": bool(payload.get("bilingual")), "options": payload.get("options") or {},
            "event": payload.get("event") or "", "created": created,
            "requested_by": payload.get("requested_by") or payload.get("actor_user_id"),
            "audit_event_id": payload.get("audit_event_id")
            or _cause(session, payload.get("instance_id"), payload.get("event"))}


def _cause(session, instance_id, event) -> int | None:
    if instance_id is None or not event:
        return None
    stmt = select(AuditEvent.id).where(AuditEvent.instance_id == instance_id,
                                       AuditEvent.event == event)
    return session.scalar(stmt.order_by(AuditEvent.id.desc()).limit(1))


@dataclass
class Rendered:
    """A rendered, stored PDF waiting for its row."""

    case_id: int
    kind: str
    version: int
    locale: str
    bilingual: bool
    hr_only: bool
    sha256: str
    code: str
    size: int
    signed: bool
    event: str
    audit_event_id: int | None
    requested_by: int | None
    created: datetime
    data: bytes


def next_version(session, case_id: int, kind: str) -> int:
    """One more than the newest version of this kind for the case."""
    stmt = select(func.max(Document.version)).where(Document.case_id == case_id,
                                                    Document.kind == kind)
    return (session.scalar(stmt) or 0) + 1


def verification_code(case: Case, kind: str, version: int, locale: str, bilingual: bool) -> str:
    """A short code (XXXXX-XXXXX) keyed with the secret, so codes cannot be enumerated."""
    message = f"{case.id}|{case.reference}|{kind}|{version}|{locale}|{int(bilingual)}"
    digest = hmac.new(current_app.config["SECRET_KEY"].encode(), message.encode(),
                      hashlib.sha256).digest()
    raw = base64.b32encode(digest).decode()[:10]
    return f"{raw[:5]}-{raw[5:]}"


def verify_url(code: str) -> str:
    """The public address printed on the document."""
    base = current_app.config.get("PUBLIC_BASE_URL")
    if base:
        return f"{base.rstrip('/')}/verify/{code}"
    if current_app.config.get("SERVER_NAME"):
        return url_for("documents.verify", key=code, _external=True)
    return f"http://localhost:5000/verify/{code}"


def render_case_document(session, case: Case, kind: str, *, locale: str, bilingual: bool = False,
                         options: dict | None = None, event: str = "", created: datetime,
                         version: int | None = None, requested_by: int | None = None,
                         audit_event_id: int | None = None) -> Rendered:
    """Render (and sign, when a key is configured) one version and store its file."""
    from app.modules.documents.signing import sign_pdf, signing_configured

    resolved = kind_for(kind, case)
    version = version or next_version(session, case.id, resolved.name)
    created = _utc(created).replace(microsecond=0)
    code = verification_code(case, resolved.name, version, locale, bilingual)
    title = f"{kind_title(resolved.name, locale)} {case.reference}"
    meta = Meta(title=title, author=company_name(), subject=f"{title} v{version}",
                locale=locale, created=created, code=code, verify_url=verify_url(code),
                version=version)
    context = build_context(session, case, resolved, locale=locale, bilingual=bilingual,
                            issued_on=created.astimezone(CHINA_TZ).date(),
                            company=company_name(), options=options)
    data = render_pdf(resolved.template, context, meta, bilingual=bilingual)
    signed = signing_configured()
    if signed:
        data = sign_pdf(data, reason=title, location=company_name(), signing_time=created)
    sha256 = storage.store(data)
    return Rendered(case.id, resolved.name, version, locale, bilingual, resolved.hr_only, sha256,
                    code, len(data), signed, event, audit_event_id, requested_by, created, data)


def save_document(session, rendered: Rendered, *, outbox_job_id: int | None = None) -> Document:
    """Insert the immutable row for a rendered PDF and audit it (no commit)."""
    document = Document(
        case_id=rendered.case_id, kind=rendered.kind, version=rendered.version,
        locale=rendered.locale, bilingual=rendered.bilingual, hr_only=rendered.hr_only,
        sha256=rendered.sha256, code=rendered.code, size=rendered.size,
        template_version=template_version(), signed=rendered.signed, event=rendered.event,
        audit_event_id=rendered.audit_event_id, outbox_job_id=outbox_job_id,
        requested_by_id=rendered.requested_by, created_at=rendered.created)
    session.add(document)
    session.flush()
    append_audit(session, event="document.generated", at=utcnow(), actor=SYSTEM,
                 subject=f"case:{rendered.case_id}",
                 payload={"kind": rendered.kind, "version": rendered.version,
                          "sha256": rendered.sha256, "code": rendered.code,
                          "outbox_job_id": outbox_job_id})
    document_issued.send(session, document=document)
    return document


def generate_document(session, case: Case, kind: str, *, locale: str | None = None,
                      bilingual: bool = False, options: dict | None = None,
                      requested_by: int | None = None) -> Document:
    """Render and record a new version now, in this process (CLI)."""
    rendered = render_case_document(session, case, kind, locale=locale or case.locale,
                                    bilingual=bilingual, options=options, event="cli",
                                    created=utcnow(), requested_by=requested_by)
    return save_document(session, rendered)


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


# ---------------------------------------------------------------- listing and download


@dataclass
class Row:
    """One line of a case's document list: a ready PDF or a job still at work."""

    kind: str
    title: str
    status: str  # ready | generating | retrying | failed
    document: Document | None = None
    latest: bool = True
    error: str = ""
    created_at: datetime | None = None


def latest_versions(session, case_id: int) -> dict[str, int]:
    """The newest version number of each kind of a case."""
    stmt = (select(Document.kind, func.max(Document.version))
            .where(Document.case_id == case_id).group_by(Document.kind))
    return dict(session.execute(stmt).all())


def documents_for(case: Case, user) -> list[Row]:
    """What the user may see of a case's documents, newest first, then unfinished jobs."""
    from app.modules.auth.permissions import roles_of

    roles = roles_of(user)
    locale = getattr(user, "locale", None) or case.locale
    allowed = lambda kind: may_download(case, kind, user.employee_id, roles)  # noqa: E731
    latest = latest_versions(db.session, case.id)
    docs = db.session.scalars(select(Document).where(Document.case_id == case.id)
                              .order_by(Document.created_at.desc(), Document.id.desc()))
    rows = [Row(d.kind, kind_title(d.kind, locale), "ready", d, latest.get(d.kind) == d.version,
                created_at=d.created_at) for d in docs if allowed(d.kind)]
    for job in unfinished_jobs(case):
        kind = _job_kind(case, job)
        if kind is None or not allowed(kind) or _superseded(rows, kind, job):
            continue
        status = "failed" if job.status == "failed" else (
            "retrying" if job.last_error else "generating")
        rows.append(Row(kind, kind_title(kind, locale), status,
                        error=(job.last_error or "") if "hr" in roles else "",
                        created_at=job.created_at))
    return rows


def unfinished_jobs(case: Case) -> list[OutboxJob]:
    """render_pdf jobs of the case that have not finished (pending, running or failed)."""
    about_case = OutboxJob.payload["case_id"].as_integer() == case.id
    if case.instance_id is not None:
        about_case = or_(OutboxJob.instance_id == case.instance_id, about_case)
    stmt = select(OutboxJob).where(OutboxJob.kind == JOB_KIND, OutboxJob.status != "done",
                                   about_case)
    done = select(Document.outbox_job_id).where(Document.outbox_job_id.is_not(None),
                                                 Document.case_id == case.id)
    stmt = stmt.where(OutboxJob.id.not_in(done)).order_by(OutboxJob.id)
    return list(db.session.scalars(stmt.execution_options(populate_existing=True)))


def _job_kind(case: Case, job: OutboxJob) -> str | None:
    payload = job.payload or {}
    name = payload.get("kind") or (payload.get("params") or {}).get("template")
    try:
        return kind_for(name, case).name if name else None
    except LookupError:
        return None


def _superseded(rows: list[Row], kind: str, job: OutboxJob) -> bool:
    job_time = _utc(job.created_at).replace(microsecond=0)  # documents keep whole seconds
    return job.status == "failed" and any(
        r.document is not None and r.kind == kind
        and ((r.document.outbox_job_id or 0) > job.id or _utc(r.created_at) >= job_time)
        for r in rows)


def download_name(document: Document) -> str:
    """SO-2026-0001_termination_certificate_v2.pdf: chosen by the server, never by input."""
    reference = re.sub(r"[^A-Za-z0-9-]", "_", document.case.reference)
    return f"{reference}_{document.kind}_v{document.version}.pdf"


# ---------------------------------------------------------------- verification


@dataclass
class Verification:
    """What the public page may say about a document: no personal data beyond the PDF's."""

    found: bool
    document: Document | None = None
    latest: bool = False
    latest_version: int | None = None
    signatures: list | None = None


def find_document(key: str) -> Document | None:
    """A document by its SHA-256 or by the short code printed on it."""
    key = (key or "").strip()
    if SHA_RE.match(key.lower()):
        return db.session.scalar(select(Document).where(Document.sha256 == key.lower()))
    code = key.upper().replace(" ", "")
    if CODE_RE.match(code):
        code = code if "-" in code else f"{code[:5]}-{code[5:]}"
        return db.session.scalar(select(Document).where(Document.code == code))
    return None


def verify_document(key: str) -> Verification:
    """Look up a document for the public verification page."""
    document = find_document(key)
    if document is None:
        return Verification(False)
    newest = latest_versions(db.session, document.case_id).get(document.kind)
    return Verification(True, document, newest == document.version, newest)


def verify_upload(data: bytes) -> Verification:
    """Is this exact file one we issued? (Its SHA-256 is in the documents table.)"""
    result = verify_document(hashlib.sha256(data).hexdigest())
    if result.found and result.document.signed:
        from app.modules.documents.signing import signing_configured, validate_signatures

        if signing_configured():
            result.signatures = validate_signatures(data)
    return result


def issued_on(document: Document) -> date:
    """The date the document was issued, in China time."""
    return _utc(document.created_at).astimezone(CHINA_TZ).date()
