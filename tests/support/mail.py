"""Mail fakes and a real SMTP server on loopback for the e-mail fallback's tests."""

from __future__ import annotations

import email
import email.policy
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from pydantic import SecretStr

from bot.config import EmailRecipient, EmailSettings
from bot.degraded.mail import Mail, MailError
from bot.sandbox.ports import free_port


@dataclass
class RecordingMailer:
    """Keeps the mails it is given; fails while ``failing`` is set."""

    mails: list[Mail] = field(default_factory=list)
    failing: bool = False
    attempts: int = 0

    async def send(self, mail: Mail) -> None:
        """Record ``mail``, or raise MailError while failing."""
        self.attempts += 1
        if self.failing:
            raise MailError("SMTP server 127.0.0.1:1 (none): connection refused")
        self.mails.append(mail)


class _Inbox:
    """aiosmtpd handler keeping every accepted message, parsed; refuses the addresses in
    ``refused`` as a server refuses a mailbox that does not exist."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.refused: set[str] = set()

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: Any
    ) -> str:  # aiosmtpd's hook name
        if address in self.refused:
            return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(
        self, server: Any, session: Any, envelope: Any
    ) -> str:  # aiosmtpd's hook name
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        self.messages.append(message)
        return "250 OK"


@dataclass
class SmtpServer:
    """A running aiosmtpd server with login ``user``/``secret`` required."""

    port: int
    inbox: _Inbox
    controller: Controller | None = None  # None while down

    @property
    def messages(self) -> list[EmailMessage]:
        """Every message accepted so far."""
        return self.inbox.messages

    def settings(self, recipients: list[EmailRecipient] | None = None) -> EmailSettings:
        """The bot's e-mail settings for this server: plain SMTP with its login."""
        return EmailSettings(
            host="127.0.0.1",
            port=self.port,
            security="none",
            username=USERNAME,
            password=SecretStr(PASSWORD),
            from_address="weerbaar@example.org",
            recipients=recipients or [],
        )

    def refuse(self, address: str) -> None:
        """Refuse mail to ``address`` (550) while taking mail to every other address."""
        self.inbox.refused.add(address)

    def go_down(self) -> None:
        """Stop listening: connections are refused until ``come_back``."""
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    def come_back(self) -> None:
        """Listen (again) on the same port, keeping the messages accepted before."""
        # A stopped controller's loop is closed: a new one takes over the port.
        self.controller = Controller(
            self.inbox,
            hostname="127.0.0.1",
            port=self.port,
            authenticator=_authenticate,
            auth_required=True,
            auth_require_tls=False,
        )
        self.controller.start()


USERNAME, PASSWORD = "weerbaar", "secret"


def _authenticate(
    server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any
) -> AuthResult:
    ok = isinstance(auth_data, LoginPassword) and (
        auth_data.login.decode(),
        auth_data.password.decode(),
    ) == (USERNAME, PASSWORD)
    return AuthResult(success=ok, handled=False)  # False: aiosmtpd answers 535 itself


@contextmanager
def smtp_server() -> Iterator[SmtpServer]:
    """A real SMTP server on 127.0.0.1 that requires a login (plain text: loopback only)."""
    server = SmtpServer(free_port(), _Inbox())
    server.come_back()
    try:
        yield server
    finally:
        server.go_down()
