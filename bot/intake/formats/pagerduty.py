"""PagerDuty Events API v2: ``trigger``, ``acknowledge`` and ``resolve`` by ``dedup_key``.

Tools that speak this API (many monitoring systems do) can post to Weerbaar as if it
were PagerDuty. A trigger without a dedup key gets one, returned in the answer as
PagerDuty does.
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from bot.alerts.model import IncomingAlert, StoredText
from bot.config import AlertSourceSettings
from bot.intake.formats.common import (
    Acknowledge,
    IntakeAction,
    Receive,
    Resolve,
    clip,
    severity_from_word,
    supplier_for,
    valid_links,
)


class PagerDutyPayload(BaseModel):
    """What happened (required for ``trigger``)."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    summary: str = Field(min_length=1, max_length=1024)
    source: str = Field(min_length=1, max_length=255)
    severity: Literal["critical", "error", "warning", "info"]
    timestamp: datetime | None = None
    component: str | None = None
    group: str | None = None
    event_class: str | None = Field(default=None, alias="class")
    custom_details: dict[str, Any] | None = None


class PagerDutyLink(BaseModel):
    """A link shown with the alert."""

    model_config = ConfigDict(extra="ignore")

    href: str
    text: str = ""


class PagerDutyEvent(BaseModel):
    """One event sent to ``POST /v2/enqueue``."""

    model_config = ConfigDict(extra="ignore")

    routing_key: str = Field(min_length=1, max_length=64)
    event_action: Literal["trigger", "acknowledge", "resolve"]
    dedup_key: StoredText | None = Field(default=None, min_length=1, max_length=255)
    payload: PagerDutyPayload | None = None
    links: list[PagerDutyLink] = Field(default_factory=list, max_length=50)
    client: str | None = None
    client_url: str | None = None

    @model_validator(mode="after")
    def _complete(self) -> PagerDutyEvent:
        if self.event_action == "trigger" and self.payload is None:
            raise ValueError("a trigger needs a payload")
        if self.event_action != "trigger" and self.dedup_key is None:
            raise ValueError(f"{self.event_action} needs a dedup_key")
        return self


def to_actions(event: PagerDutyEvent, source: AlertSourceSettings) -> tuple[str, IntakeAction]:
    """The event's dedup key and what it asks for."""
    key = event.dedup_key or uuid.uuid4().hex
    if event.event_action == "acknowledge":
        return key, Acknowledge(key)
    if event.event_action == "resolve":
        return key, Resolve(key)
    payload = event.payload
    assert payload is not None  # checked by the model
    details = payload.custom_details or {}
    labels = {name: str(value) for name, value in details.items() if isinstance(value, str)}
    for name in ("component", "group", "source"):
        value = getattr(payload, name)
        if value is not None:
            labels.setdefault(name, value)
    text = json.dumps(details, indent=2, ensure_ascii=False, sort_keys=True) if details else ""
    return key, Receive(
        IncomingAlert(
            supplier=supplier_for(source, labels, "payload.custom_details"),
            title=clip(payload.summary, 500),
            severity=severity_from_word(payload.severity),
            details=clip(text, 20_000),
            links=valid_links(event.client_url, *(link.href for link in event.links)),
            external_id=key,
            source=source.name,
        )
    )
