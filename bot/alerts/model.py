"""The validated shape of an alert, whatever source it came from."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, HttpUrl


class Severity(StrEnum):
    """The taskforce's shared severity scale; S1 is the most severe."""

    S1 = "S1"
    S2 = "S2"
    S3 = "S3"
    S4 = "S4"


def without_nul(value: Any) -> Any:
    """``value`` without U+0000 if it is a string; anything else as it is.

    JSON may carry NUL characters, but PostgreSQL's text columns cannot hold them (the
    insert fails), so alert text loses them before it is stored: on both databases alike,
    and before de-duplication, so a resolve finds the alert its firing stored.
    """
    return value.replace("\x00", "") if isinstance(value, str) else value


StoredText = Annotated[str, BeforeValidator(without_nul)]
"""A string an alert stores: without NUL characters (removed before the length checks)."""


class IncomingAlert(BaseModel):
    """An alert as accepted from any source, before it is stored."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    supplier: StoredText = Field(min_length=1, max_length=200, description="Supplier concerned")
    title: StoredText = Field(min_length=1, max_length=500, description="One-line summary")
    severity: Severity = Field(default=Severity.S3, description="S1 (most severe) to S4")
    details: StoredText = Field(default="", max_length=20_000, description="Free-text details")
    links: list[HttpUrl] = Field(default_factory=list, max_length=20, description="Related URLs")
    external_id: StoredText | None = Field(
        default=None, max_length=500, description="The source's own id for this alert"
    )
    source: StoredText = Field(default="generic", min_length=1, max_length=64, description="Origin")
    exercise: bool = Field(
        default=False, description="Part of an exercise (oefening): kept apart from real alerts"
    )
