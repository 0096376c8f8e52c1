"""GLEIF LEI records (``https://api.gleif.org/api/v1/lei-records?filter[lei]=...``).

One JSON:API request returns the records of every registered LEI; then one request per
LEI asks for its ultimate parent
(``/lei-records/{lei}/ultimate-parent-relationship``, a ``relationship-records``
resource whose ``relationship.endNode.id`` is the parent's LEI; 404 when no parent is
reported). GLEIF allows 60 requests a minute, which a registry of up to about 60 LEIs
polled hourly stays well within.

The state remembers each record's legal name, entity status, registration status and
ultimate parent; a change becomes an alert: S2 when the entity became inactive or merged
into another (registration status MERGED or expiry for a corporate action) or when a new
ultimate parent appears or the parent changes (a merger or acquisition), S3 otherwise.
An LEI seen for the first time, and a field remembered for the first time, are only
remembered, so a restart or an upgrade repeats nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from pydantic import BaseModel, ConfigDict, Field

from bot.alerts.model import IncomingAlert, Severity
from bot.polling.documents import read_json
from bot.polling.fetch import FeedError

WATCHED = ("legal_name", "entity_status", "registration_status", "ultimate_parent")
LABELS = {
    "legal_name": "legal name",
    "entity_status": "entity status",
    "registration_status": "registration status",
    "ultimate_parent": "ultimate parent",
}
# The relationship GLEIF reports between an entity and its ultimate accounting parent.
ULTIMATELY_CONSOLIDATED_BY = "IS_ULTIMATELY_CONSOLIDATED_BY"
NO_PARENT = ""


class _Lenient(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)


class _Name(_Lenient):
    name: str = Field(max_length=500)


class _Expiration(_Lenient):
    reason: str | None = None


class _Entity(_Lenient):
    legal_name: _Name = Field(alias="legalName")
    status: str = Field(max_length=40)
    expiration: _Expiration = Field(default_factory=_Expiration)


class _Registration(_Lenient):
    status: str = Field(max_length=40)


class _Attributes(_Lenient):
    lei: str
    entity: _Entity
    registration: _Registration


class _Record(_Lenient):
    attributes: _Attributes


class _Document(_Lenient):
    data: list[_Record]


class _Node(_Lenient):
    id: str = Field(max_length=40)
    type: str = Field(max_length=40)


class _Relationship(_Lenient):
    start_node: _Node = Field(alias="startNode")
    end_node: _Node = Field(alias="endNode")
    type: str = Field(max_length=80)
    status: str = Field(max_length=40)


class _RelationshipAttributes(_Lenient):
    relationship: _Relationship


class _RelationshipRecord(_Lenient):
    attributes: _RelationshipAttributes


class _RelationshipDocument(_Lenient):
    data: _RelationshipRecord


@dataclass(frozen=True)
class LeiRecord:
    """What is watched of one LEI record."""

    lei: str
    legal_name: str
    entity_status: str
    registration_status: str
    expiry_reason: str | None
    ultimate_parent: str = NO_PARENT

    def watched(self) -> dict[str, str]:
        """The values compared between polls."""
        return {field: str(getattr(self, field)) for field in WATCHED}


def records_url(base: str, leis: list[str]) -> str:
    """One request for every registered LEI (the API pages at 200; registries are smaller)."""
    query = {"filter[lei]": ",".join(leis), "page[size]": "200"}
    return f"{base.rstrip('/')}/lei-records?{urlencode(query)}"


def parent_url(base: str, lei: str) -> str:
    """The ultimate-parent relationship of ``lei``."""
    return f"{base.rstrip('/')}/lei-records/{lei}/ultimate-parent-relationship"


def parse_parent(body: bytes, lei: str) -> str:
    """The LEI of ``lei``'s ultimate parent, or NO_PARENT; FeedError when not a record.

    Only an active ultimate-consolidation relationship starting at ``lei`` counts; a lapsed
    or retired one means no current parent.
    """
    document = read_json(body, _RelationshipDocument, "a GLEIF relationship record")
    relation = document.data.attributes.relationship
    if relation.start_node.id != lei or relation.type != ULTIMATELY_CONSOLIDATED_BY:
        raise FeedError(f"not the ultimate parent of {lei}: {relation.type[:80]}")
    if relation.status != "ACTIVE" or relation.end_node.type != "LEI":
        return NO_PARENT
    return relation.end_node.id


def parse_records(body: bytes) -> list[LeiRecord]:
    """The records of a JSON:API answer; FeedError when it is not one."""
    document = read_json(body, _Document, "GLEIF LEI records")
    return [
        LeiRecord(
            lei=record.attributes.lei,
            legal_name=record.attributes.entity.legal_name.name,
            entity_status=record.attributes.entity.status,
            registration_status=record.attributes.registration.status,
            expiry_reason=record.attributes.entity.expiration.reason,
        )
        for record in document.data
    ]


def changed_records(
    records: list[LeiRecord], state: dict[str, Any]
) -> tuple[list[tuple[LeiRecord, dict[str, str]]], dict[str, Any]]:
    """(record, what it was) for records that changed, and the state after them.

    An LEI missing from the answer keeps its remembered values, so a record that comes
    back is compared with what it was.
    """
    changed = []
    after = dict(state)
    for record in records:
        before = state.get(record.lei)
        now = record.watched()
        # Only fields remembered before are compared: one watched since an upgrade
        # (the ultimate parent) is learnt silently, like a new LEI.
        if isinstance(before, dict) and any(
            before[key] != now[key] for key in WATCHED if key in before
        ):
            changed.append((record, before))
        after[record.lei] = now
    return changed, after


def record_alert(
    record: LeiRecord, before: dict[str, str], supplier: str, source: str
) -> IncomingAlert:
    """The alert for ``supplier`` about what changed in its LEI record."""
    now = record.watched()
    changes = [
        f"{LABELS[field]} {_shown(before[field])} → {_shown(now[field])}"
        for field in WATCHED
        if field in before and before[field] != now[field]
    ]
    new_parent = (
        "ultimate_parent" in before
        and before["ultimate_parent"] != now["ultimate_parent"] != NO_PARENT
    )
    gone = (
        record.entity_status == "INACTIVE"
        or record.registration_status == "MERGED"
        or record.expiry_reason == "CORPORATE_ACTION"
    )
    links = [f"https://search.gleif.org/#/record/{record.lei}"]
    if new_parent:
        links.append(f"https://search.gleif.org/#/record/{record.ultimate_parent}")
    return IncomingAlert.model_validate(
        {
            "supplier": supplier,
            "title": f"LEI record changed: {'; '.join(changes)}"[:500],
            "severity": Severity.S2 if gone or new_parent else Severity.S3,
            "details": f"GLEIF record of {record.legal_name} (LEI {record.lei}): "
            + "; ".join(changes)
            + (f". Expiry reason: {record.expiry_reason}." if record.expiry_reason else "."),
            "links": links,
            "external_id": f"gleif:{record.lei}:{'|'.join(now.values())}"[:500],
            "source": source,
        }
    )


def _shown(value: str) -> str:
    return value if value != NO_PARENT else "none"
