"""What every format maps to: alerts to receive, and acknowledgements or resolutions."""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import HttpUrl, TypeAdapter, ValidationError

from bot.alerts.model import IncomingAlert, Severity
from bot.config import AlertSourceSettings


@dataclass(frozen=True)
class Receive:
    """A firing or triggered alert."""

    alert: IncomingAlert


@dataclass(frozen=True)
class Acknowledge:
    """The source says someone is working on the alert it knows as ``external_id``."""

    external_id: str


@dataclass(frozen=True)
class Resolve:
    """The source says the alert it knows as ``external_id`` is over."""

    external_id: str


IntakeAction = Receive | Acknowledge | Resolve


class MappingError(Exception):
    """The payload is valid for its format but cannot become an alert (e.g. no supplier)."""

    def __init__(self, field: str, problem: str) -> None:
        super().__init__(f"{field}: {problem}")
        self.field = field
        self.problem = problem


# Severity words used by Alertmanager rules and PagerDuty, on the taskforce's S1-S4 scale.
_SEVERITIES = {
    "s1": Severity.S1,
    "critical": Severity.S1,
    "s2": Severity.S2,
    "error": Severity.S2,
    "high": Severity.S2,
    "major": Severity.S2,
    "s3": Severity.S3,
    "warning": Severity.S3,
    "medium": Severity.S3,
    "minor": Severity.S3,
    "s4": Severity.S4,
    "info": Severity.S4,
    "low": Severity.S4,
}


def severity_from_word(word: str | None) -> Severity:
    """The S-level for a source's severity word; unknown or missing words are S3."""
    return _SEVERITIES.get((word or "").strip().lower(), Severity.S3)


_URL = TypeAdapter(HttpUrl)


def valid_links(*candidates: str | None) -> list[HttpUrl]:
    """The candidates that are http(s) URLs; others (empty, relative) are dropped."""
    links = []
    for candidate in candidates:
        if not candidate:
            continue
        try:
            links.append(_URL.validate_python(candidate))
        except ValidationError:
            continue
    return links[:20]


def supplier_for(source: AlertSourceSettings, labels: dict[str, str], where: str) -> str:
    """The supplier: the source's fixed one, or the configured label; MappingError if none."""
    if source.supplier:
        return source.supplier
    value = labels.get(source.supplier_label, "").strip()
    if not value:
        raise MappingError(where, f"no supplier: label {source.supplier_label!r} is missing")
    return value


def clip(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters, marked with an ellipsis when cut."""
    return text if len(text) <= limit else text[: limit - 1] + "…"
