"""GLEIF LEI records (``https://api.gleif.org/api/v1/lei-records?filter[lei]=...``).

One JSON:API request returns the records of every registered LEI. The state remembers
each record's legal name, entity status and registration status; a change becomes an
alert: S2 when the entity became inactive or merged into another (registration status
MERGED or expiry for a corporate action), S3 otherwise. An LEI seen for the first time
is only remembered.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from pydantic import BaseModel, ConfigDict, Field

from bot.alerts.model import IncomingAlert, Severity
from bot.polling.documents import read_json

WATCHED = ("legal_name", "entity_status", "registration_status")
LABELS = {
    "legal_name": "legal name",
    "entity_status": "entity status",
    "registration_status": "registration status",
}


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


@dataclass(frozen=True)
class LeiRecord:
    """What is watched of one LEI record."""

    lei: str
    legal_name: str
    entity_status: str
    registration_status: str
    expiry_reason: str | None

    def watched(self) -> dict[str, str]:
        """The values compared between polls."""
        return {field: str(getattr(self, field)) for field in WATCHED}


def records_url(base: str, leis: list[str]) -> str:
    """One request for every registered LEI (the API pages at 200; registries are smaller)."""
    query = {"filter[lei]": ",".join(leis), "page[size]": "200"}
    return f"{base.rstrip('/')}/lei-records?{urlencode(query)}"


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
        if isinstance(before, dict) and before != now:
            changed.append((record, before))
        after[record.lei] = now
    return changed, after


def record_alert(
    record: LeiRecord, before: dict[str, str], supplier: str, source: str
) -> IncomingAlert:
    """The alert for ``supplier`` about what changed in its LEI record."""
    now = record.watched()
    changes = [
        f"{LABELS[field]} {before.get(field, '?')} → {now[field]}"
        for field in WATCHED
        if before.get(field) != now[field]
    ]
    gone = (
        record.entity_status == "INACTIVE"
        or record.registration_status == "MERGED"
        or record.expiry_reason == "CORPORATE_ACTION"
    )
    return IncomingAlert.model_validate(
        {
            "supplier": supplier,
            "title": f"LEI record changed: {'; '.join(changes)}"[:500],
            "severity": Severity.S2 if gone else Severity.S3,
            "details": f"GLEIF record of {record.legal_name} (LEI {record.lei}): "
            + "; ".join(changes)
            + (f". Expiry reason: {record.expiry_reason}." if record.expiry_reason else "."),
            "links": [f"https://search.gleif.org/#/record/{record.lei}"],
            "external_id": f"gleif:{record.lei}:{'|'.join(now.values())}"[:500],
            "source": source,
        }
    )
