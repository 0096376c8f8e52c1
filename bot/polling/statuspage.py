"""Atlassian Statuspage ``/api/v2/summary.json``: component changes and incidents.

Only changes become alerts: a component leaving ``operational`` (resolved when it
returns or is gone from the page), and an incident appearing (resolved when it is
resolved or gone). A component that moves from one non-operational status to another
(degraded → major outage) resolves the alert of the old status and raises one for the
new, so the open alert always shows the current status and its severity, and a
worsening is posted; so does an incident whose impact changes (minor → critical).
Between polls the state remembers each component's status and the open incidents with
their impact, so a page that says the same thing every minute posts nothing new.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from bot.alerts.model import IncomingAlert, Severity
from bot.polling.documents import read_json

OPERATIONAL = "operational"
COMPONENT_SEVERITY = {
    "major_outage": Severity.S1,
    "partial_outage": Severity.S2,
    "degraded_performance": Severity.S3,
    "under_maintenance": Severity.S4,
}
IMPACT_SEVERITY = {
    "critical": Severity.S1,
    "major": Severity.S2,
    "minor": Severity.S3,
    "none": Severity.S4,
    "maintenance": Severity.S4,
}
CLOSED_INCIDENT = frozenset({"resolved", "postmortem", "completed"})


class _Lenient(BaseModel):
    # Statuspage adds fields over time; only the ones used are required.
    model_config = ConfigDict(extra="ignore")


class Component(_Lenient):
    id: str = Field(min_length=1, max_length=100)
    name: str = Field(max_length=500)
    status: str = Field(max_length=50)
    group: bool = False


class IncidentUpdate(_Lenient):
    body: str = ""


class Incident(_Lenient):
    id: str = Field(min_length=1, max_length=100)
    name: str = Field(max_length=500)
    status: str = Field(max_length=50)
    impact: str = "none"
    shortlink: str | None = None
    incident_updates: list[IncidentUpdate] = Field(default_factory=list)


class Summary(_Lenient):
    components: list[Component] = Field(default_factory=list)
    incidents: list[Incident] = Field(default_factory=list)


@dataclass
class Changes:
    """What one poll found new: alerts to receive, external ids to resolve, the new state.

    The resolutions are applied before the alerts, so an id in both ends the old alert
    and raises a new one.
    """

    alerts: list[IncomingAlert] = field(default_factory=list)
    resolved: list[str] = field(default_factory=list)
    state: dict[str, Any] = field(default_factory=dict)


def parse_summary(body: bytes) -> Summary:
    """The summary document; FeedError when it is not one."""
    return read_json(body, Summary, "a Statuspage summary")


def summary_changes(summary: Summary, state: dict[str, Any], source: str, supplier: str) -> Changes:
    """Compare ``summary`` with what the previous poll saw (``state``)."""
    seen_components: dict[str, str] = state.get("components", {})
    seen_incidents: dict[str, str] = state.get("incidents", {})
    # Absent from a state kept before impacts were remembered: learnt without an alert.
    seen_impacts: dict[str, str] = state.get("impacts", {})
    changes = Changes()
    components = {c.id: c for c in summary.components if not c.group}
    for component in components.values():
        before = seen_components.get(component.id, OPERATIONAL)
        if component.status == before:
            continue
        external_id = f"component:{component.id}"
        if before != OPERATIONAL:
            # The alert of the old status ends; a repeat of its id would only be counted,
            # keeping the old title and severity and posting nothing.
            changes.resolved.append(external_id)
        if component.status == OPERATIONAL:
            continue
        words = component.status.replace("_", " ")
        changes.alerts.append(
            IncomingAlert(
                supplier=supplier,
                title=f"{component.name}: {words}"[:500],
                severity=COMPONENT_SEVERITY.get(component.status, Severity.S3),
                details=f"Statuspage component {component.name} is {words} (was {before}).",
                external_id=external_id,
                source=source,
            )
        )
    # A component the page no longer lists will never return to operational: its alert
    # ends now, as an incident's does when it is gone.
    changes.resolved += [
        f"component:{gone}"
        for gone, status in seen_components.items()
        if gone not in components and status != OPERATIONAL
    ]
    incidents = {i.id: i for i in summary.incidents if i.status not in CLOSED_INCIDENT}
    for incident in incidents.values():
        before = seen_impacts.get(incident.id, incident.impact)
        if incident.id in seen_incidents:
            if incident.impact == before:
                continue
            # A raised (or lowered) impact, like a component's new status: the old
            # alert ends and one at the new severity is posted.
            changes.resolved.append(f"incident:{incident.id}")
        latest = incident.incident_updates[0].body if incident.incident_updates else ""
        links = [incident.shortlink] if incident.shortlink else []
        changes.alerts.append(
            IncomingAlert.model_validate(
                {
                    "supplier": supplier,
                    "title": incident.name[:500] or incident.id,
                    "severity": IMPACT_SEVERITY.get(incident.impact, Severity.S3),
                    "details": f"[{incident.status}] {latest}"[:20_000],
                    "links": _valid_links(links),
                    "external_id": f"incident:{incident.id}",
                    "source": source,
                }
            )
        )
    changes.resolved += [f"incident:{gone}" for gone in seen_incidents if gone not in incidents]
    changes.state = {
        "components": {c.id: c.status for c in components.values()},
        "incidents": {i.id: i.status for i in incidents.values()},
        "impacts": {i.id: i.impact for i in incidents.values()},
    }
    return changes


def _valid_links(links: list[str]) -> list[str]:
    # A bad shortlink must not cost the incident its alert.
    return [link for link in links if link.startswith(("https://", "http://"))][:1]
