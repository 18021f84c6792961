"""Write inbox rows and e-mail them, each rendered in the recipient's language.

Call `notify_users` from a job (an outbox handler), not inside a request's transaction:
it talks to the SMTP server. None of these functions commits.
"""
from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from email.utils import parseaddr

from flask import current_app
from sqlalchemy import func, select, update

from app.db import db, utcnow
from app.modules.auth.models import User, UserRole
from app.modules.notifications.mail import Attachment, MailError, send_mail
from app.modules.notifications.models import Notification
from app.modules.notifications.rendering import (
    FALLBACK_TEMPLATE,
    absolute_url,
    case_path,
    render_message,
    template_exists,
    user_address,
    user_locale,
)

log = logging.getLogger(__name__)
# Granted roles that also count as another: an hr_admin is told what HR is told.
IMPLIED_BY = {"hr": ("hr_admin",)}


@dataclass(frozen=True)
class Page:
    """One page of a list, in the shape the `pager` macro reads."""

    items: list
    number: int
    pages: int
    total: int


# ---------------------------------------------------------------- recipients


def recipients_for_roles(case, roles: Iterable[str]) -> list[User]:
    """Active users holding workflow `roles` on the case's workflow instance."""
    from app.engine.models import WorkflowInstance

    instance = db.session.get(WorkflowInstance, case.instance_id) if case.instance_id else None
    if instance is None:
        return users_in_groups(r for r in roles if r in _granted_roles())
    return recipients_for_instance(instance, roles)


def recipients_for_instance(instance, roles: Iterable[str], *, delegates: bool = True) -> list[User]:
    """Users holding `roles` on a workflow instance, with roles delegated to others (reassign)."""
    from app.clock import AppClock
    from app.engine import SYSTEM
    from app.engine.registry import Context, registry
    from app.engine.runtime import definition_of

    _, defn = definition_of(db.session, instance)
    ctx = Context(session=db.session, instance=instance, definition=defn, actor=SYSTEM,
                  clock=AppClock(), calendar=None, registry=registry)
    wanted = list(dict.fromkeys(roles))
    if delegates:
        for role in list(wanted):
            wanted += [d for d in (instance.delegations or {}).get(role, []) if d not in wanted]
    employee_ids: set[int] = set()
    groups: set[str] = set()
    for name in wanted:
        spec = defn.roles.get(name)
        if spec is not None and spec.resolver:
            employee_ids |= {i for i in registry.get("role", spec.resolver).fn(ctx) or () if i}
        elif spec is not None and spec.group:
            groups.add(spec.group)
        elif name in _granted_roles():
            groups.add(name)
        else:
            log.warning("notify: role %r is not defined in %s; nobody told", name, defn.id)
    return _unique(users_of_employees(employee_ids) + users_in_groups(groups))


def users_of_employees(employee_ids: Iterable[int]) -> list[User]:
    """Active users linked to these employees."""
    ids = set(employee_ids)
    if not ids:
        return []
    return list(db.session.scalars(select(User).where(
        User.employee_id.in_(ids), User.is_active.is_(True)).order_by(User.id)))


def users_in_groups(groups: Iterable[str]) -> list[User]:
    """Active users granted any of these roles (hr includes hr_admin)."""
    roles = set()
    for group in groups:
        roles |= {group, *IMPLIED_BY.get(group, ())}
    if not roles:
        return []
    return list(db.session.scalars(
        select(User).join(UserRole).where(UserRole.role.in_(roles), User.is_active.is_(True))
        .distinct().order_by(User.id)))


def _granted_roles() -> tuple[str, ...]:
    from app.modules.auth.models import GRANTED_ROLES

    return GRANTED_ROLES


def _unique(users: Sequence[User]) -> list[User]:
    return list({u.id: u for u in users}.values())


# ---------------------------------------------------------------- writing and sending


def record_notifications(users: Iterable[User], template: str, context: dict, *, case=None,
                         job_id: int | None = None, link: str | None = None) -> list[Notification]:
    """Inbox rows for `users`, one per user and job; rows the job already wrote are reused."""
    if not template_exists(template):
        log.warning("notify: no e-mail template %r; using %r", template, FALLBACK_TEMPLATE)
        template = FALLBACK_TEMPLATE
    link = link or (case_path(case.id) if case is not None else None)
    existing = _existing_rows(job_id)
    rows = []
    for user in _unique(list(users)):
        row = existing.get(user.id)
        if row is None:
            row = _new_row(user, template, context, case=case, job_id=job_id, link=link)
            db.session.add(row)
        rows.append(row)
    db.session.flush()
    return rows


def _existing_rows(job_id: int | None) -> dict[int, Notification]:
    if job_id is None:
        return {}
    rows = db.session.scalars(select(Notification).where(Notification.job_id == job_id))
    return {row.user_id: row for row in rows}


def _new_row(user: User, template: str, context: dict, *, case, job_id, link) -> Notification:
    locale = user_locale(user)
    rendered = render_message(template, _context_for(user, context, case, link), locale)
    address = user_address(user)
    return Notification(user_id=user.id, case_id=case.id if case is not None else None,
                        template=template, locale=locale, title=rendered.subject[:300],
                        body=rendered.text, html=rendered.html, link=link, job_id=job_id,
                        email_to=address[1] if address else None)


def _context_for(user: User, context: dict, case, link: str | None) -> dict:
    return {"recipient": user.display_name, "case": case, "link": absolute_url(link), **context}


def email_notification(row: Notification, *, attachments: Sequence[Attachment] = ()) -> str:
    """E-mail one inbox row unless already sent: returns sent, skipped or failed."""
    if row.emailed_at is not None or not row.email_to:
        return "skipped"
    if not current_app.config.get("MAIL_ENABLED"):
        log.info("notification %s: mail is switched off; inbox only", row.id)
        return "skipped"
    row.email_attempts = (row.email_attempts or 0) + 1
    try:
        send_mail((row.user.display_name, row.email_to), row.title, row.body, row.html,
                  attachments, headers=_thread_headers(row))
    except MailError as exc:
        row.email_error = str(exc)[:500]
        log.warning("notification %s: mail to user %s failed: %s", row.id, row.user_id, exc)
        return "failed"
    row.emailed_at, row.email_error = utcnow(), None
    return "sent"


def _thread_headers(row: Notification) -> dict[str, str]:
    # A stable id per (job, user) lets mail clients drop a copy sent twice after a crash.
    if row.job_id is None:
        return {}
    sender = parseaddr(current_app.config["MAIL_DEFAULT_SENDER"])[1]
    domain = sender.rpartition("@")[2] or "localhost"
    return {"Message-ID": f"<sendoff.job{row.job_id}.user{row.user_id}@{domain}>"}


def notify_users(users: Iterable[User], template: str, context: dict, *, case=None,
                 job_id: int | None = None, link: str | None = None,
                 attachments: Sequence[Attachment] = ()) -> list[Notification]:
    """Write inbox rows and e-mail them; raises MailError after trying everyone if any failed."""
    rows = record_notifications(users, template, context, case=case, job_id=job_id, link=link)
    send_emails(rows, attachments=attachments)
    return rows


def send_emails(rows: Sequence[Notification], *, attachments: Sequence[Attachment] = (),
                after_each=None) -> dict[str, int]:
    """E-mail each row not yet sent; raises MailError at the end if any failed."""
    counts = {"sent": 0, "skipped": 0, "failed": 0}
    for row in rows:
        counts[email_notification(row, attachments=attachments)] += 1
        if after_each is not None:
            after_each()
    if counts["failed"]:
        raise MailError(f"{counts['failed']} of {len(rows)} e-mails could not be sent")
    return counts


# ---------------------------------------------------------------- reading


def list_notifications(user: User, page: int = 1, per_page: int = 25) -> Page:
    """The user's notifications, unread first, newest first."""
    total = db.session.scalar(
        select(func.count()).select_from(Notification).where(Notification.user_id == user.id))
    pages = max(1, -(-total // per_page))
    number = min(max(page, 1), pages)
    items = list(db.session.scalars(
        select(Notification).where(Notification.user_id == user.id)
        .order_by(Notification.read_at.is_not(None), Notification.id.desc())
        .limit(per_page).offset((number - 1) * per_page)))
    return Page(items, number, pages, total)


def unread_count(user: User) -> int:
    """How many of the user's notifications are unread."""
    return db.session.scalar(select(func.count()).select_from(Notification).where(
        Notification.user_id == user.id, Notification.read_at.is_(None))) or 0


def mark_read(notification: Notification, user: User) -> bool:
    """Mark one of the user's notifications read; False when it was not theirs."""
    if notification.user_id != user.id:
        return False
    if notification.read_at is None:
        notification.read_at = utcnow()
    return True


def mark_all_read(user: User) -> int:
    """Mark every unread notification of the user read; returns how many."""
    result = db.session.execute(update(Notification).where(
        Notification.user_id == user.id, Notification.read_at.is_(None)).values(read_at=utcnow()))
    return result.rowcount or 0
