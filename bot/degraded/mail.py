"""Composing and sending the fallback mails (SMTP with STARTTLS or TLS, via aiosmtplib)."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Protocol

import aiosmtplib

from bot import i18n
from bot.config import EmailSettings
from bot.exercises.marking import EXERCISE_MARK
from bot.i18n import Language

log = logging.getLogger(__name__)

SMTP_TIMEOUT_SECONDS = 30.0


@dataclass(frozen=True)
class Notice:
    """One room notice that did not reach Matrix, as the outbox holds it."""

    outbox_id: int
    text: str
    html: str
    alert_ids: tuple[int, ...] = ()
    exercise: bool = False


@dataclass(frozen=True)
class Mail:
    """One mail to one recipient: plain text plus HTML."""

    to: str
    subject: str
    text: str
    html: str


class MailError(Exception):
    """The SMTP server could not be reached or refused the mail or the login.

    ``refused``: the server works but refused this mail's recipient (no such mailbox,
    mailbox full); mails to other addresses may well go through.
    """

    def __init__(self, message: str, *, refused: bool = False) -> None:
        super().__init__(message)
        self.refused = refused


class Mailer(Protocol):
    """Something that sends a mail or raises MailError."""

    async def send(self, mail: Mail) -> None:
        """Send ``mail``."""
        ...


def compose(
    to: str, lang: Language, notices: Sequence[Notice], headline: tuple[str, str] | None = None
) -> Mail:
    """A mail to ``to`` in ``lang``: an optional (subject, text) headline, then the notices
    with their alert ids and what to do. Marked OEFENING/EXERCISE when any notice is."""
    subject = (
        headline[0] if headline else i18n.text("degraded.notices.subject", lang, count=len(notices))
    )
    if any(notice.exercise for notice in notices):
        subject = f"{EXERCISE_MARK} — {subject}"
    text_parts = [headline[1]] if headline else []
    html_parts = [f"<p><strong>{i18n.html_escape(headline[1])}</strong></p>"] if headline else []
    alert_ids = sorted({alert_id for notice in notices for alert_id in notice.alert_ids})
    if alert_ids:
        ids = ", ".join(f"#{alert_id}" for alert_id in alert_ids)
        text_parts.append(i18n.text("degraded.notices.alerts", lang, ids=ids))
        html_parts.append(f"<p>{i18n.html('degraded.notices.alerts', lang, ids=ids)}</p>")
    for notice in notices:
        text_parts.append(notice.text)
        html_parts.append(f"<hr>{notice.html}")
    if notices:
        text_parts.append(i18n.text("degraded.notices.todo", lang))
        html_parts.append(f"<hr><p><em>{i18n.html('degraded.notices.todo', lang)}</em></p>")
    return Mail(to, subject, "\n\n".join(text_parts), "\n".join(html_parts))


def message_of(mail: Mail, sender: str) -> EmailMessage:
    """The MIME message of ``mail``: text/plain with a text/html alternative."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = mail.to
    message["Subject"] = mail.subject
    message.set_content(mail.text)
    message.add_alternative(f"<html><body>{mail.html}</body></html>", subtype="html")
    return message


class SmtpMailer:
    """Sends mails through the configured SMTP server, one connection per mail."""

    def __init__(self, settings: EmailSettings) -> None:
        self._settings = settings

    def _client(self) -> aiosmtplib.SMTP:
        settings = self._settings
        return aiosmtplib.SMTP(
            hostname=settings.host,
            port=settings.port,
            use_tls=settings.security == "tls",
            start_tls=settings.security == "starttls",
            timeout=SMTP_TIMEOUT_SECONDS,
        )

    async def _login(self, smtp: aiosmtplib.SMTP) -> None:
        settings = self._settings
        if settings.username is not None and settings.password is not None:
            await smtp.login(settings.username, settings.password.get_secret_value())

    async def check(self) -> None:
        """Connect and log in without sending, so bad settings show at start-up."""
        smtp = self._client()
        try:
            async with smtp:
                await self._login(smtp)
        except (aiosmtplib.SMTPException, OSError) as exc:
            raise MailError(self._describe(exc)) from exc

    async def send(self, mail: Mail) -> None:
        """Send ``mail``; raises MailError when the server cannot be reached or refuses."""
        smtp = self._client()
        try:
            async with smtp:
                await self._login(smtp)
                await smtp.send_message(message_of(mail, self._settings.from_address))
        except aiosmtplib.SMTPRecipientsRefused as exc:
            raise MailError(self._describe(exc), refused=True) from exc
        except (aiosmtplib.SMTPException, OSError) as exc:
            raise MailError(self._describe(exc)) from exc

    def _describe(self, exc: Exception) -> str:
        settings = self._settings
        where = f"{settings.host}:{settings.port} ({settings.security})"
        if isinstance(exc, aiosmtplib.SMTPAuthenticationError):
            return f"SMTP server {where} refuses the login of {settings.username!r}: {exc}"
        if isinstance(exc, aiosmtplib.SMTPRecipientsRefused):
            refusals = "; ".join(
                f"{refused.recipient}: {refused.code} {refused.message}"
                for refused in exc.recipients
            )
            return f"SMTP server {where} refuses {refusals}"
        return f"SMTP server {where}: {exc}"


class PrintingMailer:
    """Prints mails instead of sending them (``weerbaar sandbox --smtp-debug``)."""

    def __init__(self, sender: str) -> None:
        self._sender = sender

    async def send(self, mail: Mail) -> None:
        """Print ``mail`` as its MIME text."""
        print(message_of(mail, self._sender).as_string(), flush=True)
