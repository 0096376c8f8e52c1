"""Logging: one JSON object per line (or text for people), a request id, secrets redacted.

The standard library's logging, not structlog: every module already logs through
``logging.getLogger(__name__)`` with %-style arguments, and so do nio, aiohttp, Alembic and
APScheduler. A formatter on the root handler turns all of them into JSON lines without
touching a call site or adding a dependency; structlog would need its own configuration
and still a stdlib bridge for the libraries.

The request id follows one piece of work through the system: the dispatcher sets it to
the Matrix event id of the command (the id users see as "ref" in an error reply), the
intake to a generated id it also returns as ``X-Request-Id``. It lives in a context
variable, so concurrent commands and requests each keep their own.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import IO, TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from pydantic import BaseModel

LogFormat = Literal["json", "text"]

request_id: ContextVar[str | None] = ContextVar("weerbaar_request_id", default=None)

REDACTED = "[redacted]"
# Secrets shorter than this are not searched for: they would match ordinary text.
MIN_SECRET_LENGTH = 6


@contextmanager
def request_context(value: str) -> Iterator[None]:
    """Tag every log line written inside the block with request id ``value``."""
    token = request_id.set(value)
    try:
        yield
    finally:
        request_id.reset(token)


class _Redacting(logging.Formatter):
    """Replaces every configured secret value with ``[redacted]``."""

    def __init__(self, secrets: Sequence[str], fmt: str | None = None) -> None:
        super().__init__(fmt)
        # Longest first, so a secret containing another is redacted whole.
        self._secrets = sorted(
            {s for s in secrets if len(s) >= MIN_SECRET_LENGTH}, key=len, reverse=True
        )

    def redact(self, text: str) -> str:
        """``text`` without any secret value in it."""
        for secret in self._secrets:
            text = text.replace(secret, REDACTED)
        return text


class JsonFormatter(_Redacting):
    """One JSON object per line: ts, level, logger, message, request_id, exception."""

    def format(self, record: logging.LogRecord) -> str:
        """The record as one line of JSON."""
        entry: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": self.redact(record.getMessage()),
        }
        current = request_id.get()
        if current is not None:
            entry["request_id"] = current
        if record.exc_info:
            entry["exception"] = self.redact(self.formatException(record.exc_info))
        return json.dumps(entry, ensure_ascii=False)


class TextFormatter(_Redacting):
    """The classic one-line text format, with the request id when there is one."""

    def __init__(self, secrets: Sequence[str]) -> None:
        super().__init__(secrets, "%(asctime)s %(levelname)s %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        """The record as text."""
        line = super().format(record)
        current = request_id.get()
        if current is not None:
            line = f"{line} [{current}]"
        return self.redact(line)


def configure_logging(
    log_format: LogFormat,
    *,
    verbose: bool = False,
    secrets: Sequence[str] = (),
    stream: IO[str] | None = None,
) -> logging.Handler:
    """Send all logging to ``stream`` (stderr) in ``log_format``; returns the handler."""
    handler = logging.StreamHandler(stream or sys.stderr)
    formatter = JsonFormatter(secrets) if log_format == "json" else TextFormatter(secrets)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    for existing in list(root.handlers):
        root.removeHandler(existing)
    root.addHandler(handler)
    root.setLevel(logging.DEBUG if verbose else logging.INFO)
    # nio logs every request and response body at INFO; those can hold message text.
    logging.getLogger("nio").setLevel(logging.WARNING)
    # APScheduler reports every run of the once-a-second timer job at INFO.
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    return handler


def secret_values(settings: BaseModel) -> list[str]:
    """Every secret in ``settings``: SecretStr fields anywhere, and database passwords."""
    # Imported here: every ``weerbaar`` command imports this module, few need these.
    from pydantic import BaseModel, SecretStr
    from sqlalchemy.engine import make_url

    found: list[str] = []

    def walk(value: Any) -> None:
        if isinstance(value, SecretStr):
            found.append(value.get_secret_value())
        elif isinstance(value, BaseModel):
            for name in type(value).model_fields:
                walk(getattr(value, name))
        elif isinstance(value, list | tuple):
            for item in value:
                walk(item)
        elif isinstance(value, dict):  # e.g. exercise.players, keyed by role
            for item in value.values():
                walk(item)

    walk(settings)
    url = getattr(getattr(settings, "storage", None), "url", None)
    if url:
        password = make_url(url).password
        if password:
            found.append(str(password))
    return found
