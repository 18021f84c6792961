"""Send e-mail over SMTP (smtplib): text and HTML alternatives, UTF-8 headers, attachments."""
from __future__ import annotations

import logging
import smtplib
import ssl
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, make_msgid, parseaddr

from flask import current_app

from app.clock import now

log = logging.getLogger(__name__)
DEFAULT_TIMEOUT = 15


class MailError(RuntimeError):
    """The SMTP server could not be reached or refused the message."""


@dataclass(frozen=True)
class Attachment:
    """A file to attach, e.g. Attachment("interview.ics", ics_text, "text/calendar")."""

    filename: str
    content: bytes | str
    mimetype: str = "application/octet-stream"
    params: tuple[tuple[str, str], ...] = ()  # extra Content-Type parameters, e.g. method


Recipient = str | tuple[str, str]  # "a@example.com" or ("显示名", "a@example.com")


def send_mail(to: Recipient | Sequence[Recipient], subject: str, text: str,
              html: str | None = None, attachments: Iterable[Attachment] = (), *,
              headers: dict[str, str] | None = None) -> str | None:
    """Send one message; returns its Message-ID, or None when mail is switched off."""
    config = current_app.config
    message = build_message(to, subject, text, html, attachments,
                            sender=config["MAIL_DEFAULT_SENDER"], headers=headers)
    if not config.get("MAIL_ENABLED"):
        log.info("mail disabled (MAIL_ENABLED is off): not sending %r to %s",
                 subject, message["To"])
        return None
    try:
        with _connect(config) as smtp:
            smtp.send_message(message)
    except (smtplib.SMTPException, OSError) as exc:
        raise MailError(f"{type(exc).__name__}: {exc}"[:480]) from exc
    log.info("mail sent: %r to %s (%s)", subject, message["To"], message["Message-ID"])
    return message["Message-ID"]


def build_message(to, subject: str, text: str, html: str | None = None,
                  attachments: Iterable[Attachment] = (), *, sender: Recipient,
                  headers: dict[str, str] | None = None) -> EmailMessage:
    """A multipart/alternative message (mixed when it has attachments), UTF-8 throughout."""
    message = EmailMessage(policy=SMTP)
    message["From"] = _address(sender)
    message["To"] = [_address(r) for r in _as_list(to)]
    message["Subject"] = subject
    message["Message-ID"] = make_msgid(domain=_address(sender).domain or "localhost")
    message["Date"] = format_datetime(now())  # RFC 5322 requires it; smtplib does not add it
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no auto-replies, please
    for name, value in (headers or {}).items():
        del message[name]
        message[name] = value
    message.set_content(text, subtype="plain", charset="utf-8")
    if html is not None:
        message.add_alternative(html, subtype="html", charset="utf-8")
    for item in attachments:
        _attach(message, item)
    return message


def _attach(message: EmailMessage, item: Attachment) -> None:
    maintype, _, subtype = item.mimetype.partition("/")
    params = dict(item.params)
    if isinstance(item.content, str) and maintype == "text":
        message.add_attachment(item.content, subtype=subtype, charset="utf-8",
                               filename=item.filename, params=params)
    else:
        content = item.content.encode("utf-8") if isinstance(item.content, str) else item.content
        message.add_attachment(content, maintype=maintype, subtype=subtype,
                               filename=item.filename, params=params)


def _as_list(to) -> list:
    if isinstance(to, str) or (isinstance(to, tuple) and len(to) == 2 and "@" in to[1]):
        return [to]
    return list(to)


def _address(recipient: Recipient) -> Address:
    name, addr = recipient if isinstance(recipient, tuple) else parseaddr(recipient)
    return Address(display_name=name or "", addr_spec=addr)


def _connect(config) -> smtplib.SMTP:
    host, port = config["MAIL_SERVER"], int(config["MAIL_PORT"])
    timeout = config.get("MAIL_TIMEOUT", DEFAULT_TIMEOUT)
    if config.get("MAIL_USE_SSL"):
        smtp = smtplib.SMTP_SSL(host, port, timeout=timeout, context=ssl.create_default_context())
    else:
        smtp = smtplib.SMTP(host, port, timeout=timeout)
    try:
        if config.get("MAIL_USE_TLS") and not config.get("MAIL_USE_SSL"):
            smtp.starttls(context=ssl.create_default_context())
        if config.get("MAIL_USERNAME"):
            smtp.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD") or "")
    except BaseException:
        smtp.close()
        raise
    return smtp
