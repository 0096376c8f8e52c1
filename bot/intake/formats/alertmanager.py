"""Prometheus Alertmanager's webhook (payload version 4): a group of firing/resolved alerts.

Each alert's ``fingerprint`` (a hash of its labels) is its external id, so a re-sent
notification updates the alert and a ``resolved`` one resolves it.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from bot.alerts.model import IncomingAlert, StoredText
from bot.config import ALERTMANAGER_MAX_ALERTS, AlertSourceSettings
from bot.intake.formats.common import (
    IntakeAction,
    Receive,
    Resolve,
    clip,
    severity_from_word,
    supplier_for,
    valid_links,
)


class AlertmanagerAlert(BaseModel):
    """One alert of the group."""

    model_config = ConfigDict(extra="ignore")

    status: Literal["firing", "resolved"]
    labels: dict[str, str] = Field(min_length=1)
    annotations: dict[str, str] = Field(default_factory=dict)
    startsAt: datetime
    endsAt: datetime | None = None
    generatorURL: str = ""
    fingerprint: StoredText = Field(default="", max_length=200)  # an external id

    def external_id(self) -> str:
        """The fingerprint, or the same kind of hash of the labels when it is missing."""
        if self.fingerprint:
            return self.fingerprint
        canonical = json.dumps(self.labels, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(canonical.encode()).hexdigest()[:16]


class AlertmanagerWebhook(BaseModel):
    """The body Alertmanager POSTs to a ``webhook_config`` receiver."""

    model_config = ConfigDict(extra="ignore")

    version: Literal["4"]
    groupKey: str
    truncatedAlerts: int = Field(default=0, ge=0)
    status: Literal["firing", "resolved"]
    receiver: str
    groupLabels: dict[str, str] = Field(default_factory=dict)
    commonLabels: dict[str, str] = Field(default_factory=dict)
    commonAnnotations: dict[str, str] = Field(default_factory=dict)
    externalURL: str = ""
    alerts: list[AlertmanagerAlert] = Field(min_length=1, max_length=ALERTMANAGER_MAX_ALERTS)


# Alertmanager's always-firing alert proving the pipeline works (kube-prometheus and
# most setups ship it): the request counts as contact, the alert itself is not stored.
WATCHDOG_ALERTNAME = "Watchdog"


def to_actions(webhook: AlertmanagerWebhook, source: AlertSourceSettings) -> list[IntakeAction]:
    """A Receive per firing alert and a Resolve per resolved one, in payload order.

    The ``Watchdog`` alert maps to nothing: it is a heartbeat, not a problem.
    """
    actions: list[IntakeAction] = []
    for index, alert in enumerate(webhook.alerts):
        if {**webhook.commonLabels, **alert.labels}.get("alertname") == WATCHDOG_ALERTNAME:
            continue
        if alert.status == "resolved":
            actions.append(Resolve(alert.external_id()))
            continue
        labels = {**webhook.commonLabels, **alert.labels}
        annotations = {**webhook.commonAnnotations, **alert.annotations}
        title = annotations.get("summary") or labels.get("alertname") or "Alertmanager alert"
        actions.append(
            Receive(
                IncomingAlert(
                    supplier=supplier_for(source, labels, f"alerts.{index}.labels"),
                    title=clip(title, 500),
                    severity=severity_from_word(labels.get("severity")),
                    details=clip(annotations.get("description", ""), 20_000),
                    links=valid_links(alert.generatorURL, annotations.get("runbook_url")),
                    external_id=alert.external_id(),
                    source=source.name,
                )
            )
        )
    return actions
