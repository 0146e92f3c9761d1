"""Outgoing e-mail: Japanese text as proper UTF-8 MIME, sent over SMTP (aiosmtplib) or, on the embedded default (no
SMTP host), written to var/mail/ as .eml files that the operator console lists.

A mail is a row first (`queue_mail`, by a job, with a dedupe key per event and person), then delivered by `deliver`:
a conditional UPDATE claims it (only while unsent and not claimed by a live sender), the message goes out, and a second
conditional UPDATE sets the sent marker. A job that runs twice, or two workers at once, therefore send it once. A
sender that dies between claim and sent marker leaves a claim that lapses after CLAIM_LEASE, and a later run sends it
then (at least once across crashes, never twice within a lease).
"""

from __future__ import annotations

import email.policy
import logging
import re
from collections.abc import Awaitable, Callable, Iterable
from datetime import timedelta
from email.headerregistry import Address
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import format_datetime, make_msgid, parseaddr
from pathlib import Path
from typing import Any

from tortoise.expressions import F, Q
from tortoise.timezone import now

from api.errors import NotFound
from api.mail.models import Mail
from api.settings import Settings

log = logging.getLogger("openccus.mail")

CLAIM_LEASE = timedelta(minutes=5)
FOOTER = (
    "\n\n-- \nこのメールは OpenCCUS（建設キャリアアップシステム）から自動送信されています。"
    "返信はできません。お心当たりのない場合は破棄してください。\n{public_url}\n"
)


async def queue_mail(*, account: Any, to: str, kind: str, subject: str, body: str, dedupe_key: str) -> Mail:
    """The mail of one event for one person; the existing row when this event was queued before."""
    mail, _ = await Mail.get_or_create(
        dedupe_key=dedupe_key,
        defaults={"account": account, "to_address": to, "kind": kind, "subject": subject[:200], "body": body},
    )
    return mail


def mail_dir(settings: Settings) -> Path:
    return settings.var_dir / "mail"


def _from_header(settings: Settings) -> Address:
    name, addr = parseaddr(settings.mail_from)
    user, _, domain = (addr or "no-reply@localhost").partition("@")
    return Address(display_name=name, username=user, domain=domain or "localhost")


def compose(settings: Settings, mail: Mail, body: str) -> EmailMessage:
    """A UTF-8 text/plain message; the Japanese subject and display name become RFC 2047 encoded words."""
    msg = EmailMessage(policy=email.policy.SMTP)
    sender = _from_header(settings)
    msg["From"] = sender
    msg["To"] = mail.to_address
    msg["Subject"] = mail.subject
    msg["Date"] = format_datetime(mail.created_at or now())
    msg["Message-ID"] = make_msgid(idstring=f"openccus.{mail.id}", domain=sender.domain)
    msg["Auto-Submitted"] = "auto-generated"  # RFC 3834: no auto-replies to it
    msg.set_content(body + FOOTER.format(public_url=settings.public_url), charset="utf-8")
    return msg


# Mail kinds whose text holds a {reset_url} placeholder, with the function that derives the link at sending time
# (registered by the domain that owns the link: api/recovery/service.py for password resets).
_LINKS: dict[str, Callable[[Settings, Mail], Awaitable[str]]] = {}


def register_link(kind: str, fn: Callable[[Settings, Mail], Awaitable[str]]) -> None:
    _LINKS[kind] = fn


async def _render_body(settings: Settings, mail: Mail) -> str:
    link = _LINKS.get(mail.kind)  # registered on import; the job registry imports every job's domain
    return mail.body.replace("{reset_url}", await link(settings, mail)) if link else mail.body


async def _send_smtp(settings: Settings, msg: EmailMessage) -> None:
    import aiosmtplib

    await aiosmtplib.send(
        msg,
        hostname=settings.smtp_host,
        port=settings.smtp_port,
        username=settings.smtp_user,
        password=settings.smtp_password.get_secret_value() if settings.smtp_password else None,
        use_tls=settings.smtp_tls,
        start_tls=False if settings.smtp_tls else settings.smtp_starttls,
        timeout=settings.smtp_timeout_s,
    )


def _write_file(settings: Settings, mail: Mail, msg: EmailMessage) -> str:
    folder = mail_dir(settings)
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    name = f"{(mail.created_at or now()):%Y%m%dT%H%M%S}-{mail.id}.eml"
    path = folder / name
    path.write_bytes(msg.as_bytes())
    path.chmod(0o600)  # reset links: readable by the service (and the operator through the API) only
    return name


async def deliver(settings: Settings, mail_id: int) -> bool:
    """Send one queued mail unless it was sent or another sender holds it. True when this call sent it. Raises when
    the SMTP server refuses or cannot be reached (the job fails and is retried; the claim lapses)."""
    t = now()
    claimed = await Mail.filter(
        Q(claimed_at=None) | Q(claimed_at__lt=t - CLAIM_LEASE), id=mail_id, sent_at=None
    ).update(claimed_at=t, attempts=F("attempts") + 1)
    if not claimed:
        return False
    mail = await Mail.get(id=mail_id)
    msg = compose(settings, mail, await _render_body(settings, mail))
    try:
        if settings.smtp_host:
            await _send_smtp(settings, msg)
            transport, file_name = "smtp", None
        else:
            transport, file_name = "file", _write_file(settings, mail, msg)
    except Exception as exc:
        code = getattr(exc, "code", "")
        await Mail.filter(id=mail_id, sent_at=None).update(
            claimed_at=None, last_error=f"{type(exc).__name__} {code}".strip()[:200]
        )
        log.warning("mail %s not sent: %s %s", mail_id, type(exc).__name__, code)  # never the address or text
        raise
    await Mail.filter(id=mail_id, sent_at=None).update(
        sent_at=now(), transport=transport, file_name=file_name, message_id=msg["Message-ID"], last_error=None
    )
    return True


async def deliver_all(settings: Settings, mails: Iterable[Mail]) -> int:
    """Deliver these mails; the first failure is raised after trying the others (the job is then retried)."""
    sent, error = 0, None
    for mail in mails:
        try:
            sent += await deliver(settings, mail.id)
        except Exception as exc:  # one bad address must not hold back the others
            error = error or exc
    if error is not None:
        raise error
    return sent


# --- the operator console (embedded default: the mails written to var/mail/) ----------------------------------------


def _plain_text(raw: bytes) -> str:
    msg = BytesParser(policy=email.policy.default).parsebytes(raw)
    part = msg.get_body(preferencelist=("plain",))
    return part.get_content() if part is not None else ""


async def list_mails(*, limit: int, before_id: int | None) -> list[Mail]:
    qs = Mail.all()
    if before_id:
        qs = qs.filter(id__lt=before_id)
    return await qs.order_by("-id").limit(limit)


async def read_mail(*, settings: Settings, pk: int) -> tuple[Mail, str | None]:
    """A mail and, when it was written to var/mail/, the text as written (with its link)."""
    mail = await Mail.get_or_none(id=pk)
    if mail is None:
        raise NotFound("No such mail.", code="mail_not_found")
    text = None
    if mail.file_name and re.fullmatch(r"[0-9T]+-[0-9]+\.eml", mail.file_name):
        path = mail_dir(settings) / mail.file_name
        if path.is_file():
            text = _plain_text(path.read_bytes())
    return mail, text
