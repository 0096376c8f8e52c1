"""The disclosure version of a report: what may be released under the Woo.

A pure transformation of the report before and after the view is built, so every format
renders the same redacted structure and no format has a path of its own to leak through:

- an entry marked not disclosable is left out of the view and stands in the timeline as
  a redaction line (its number, kind, date and the ground recorded with it);
- every Matrix id (in ``actor``-like fields and anywhere in text) of someone who holds
  no public role becomes that person's role, "taskforce member" or "external";
- the chain check stays the one of the FULL log, so the version can be tied to the record;
- an inventory lists every entry as disclosed, partly disclosed or withheld, with its ground.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Literal, cast

from bot import i18n
from bot.decisionlog.grounds import BY_KEY, PRIVACY, WooGround
from bot.decisionlog.kinds import EntryKind
from bot.decisionlog.payloads import ROLE_ASSIGNED, Grounded
from bot.i18n import Language
from bot.reports.data import People, SituationReport
from bot.reports.formats import ReportFormat
from bot.reports.tabular import cell
from bot.reports.view import build_view
from bot.storage.models import LogEntryRecord

# A Matrix user id: @localpart:server, the server a host name with an optional port.
MATRIX_ID = re.compile(r"@[\w.=\-/+]+:[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*(?::\d+)?")
# Values that are hashes of the record, never text about people.
_HASH_FIELDS = frozenset({"hash", "prev_hash", "head_hash"})
# Incident roles shown by their translated name; others (from playbooks) by their id.
_ROLE_LABELS = frozenset({"coordinator", "scribe", "comms", "liaison"})
Status = Literal["disclosed", "partly", "withheld"]
INVENTORY_COLUMNS = ("seq", "date", "kind", "status", "ground", "ground_label")


def disclosure_view(
    report: SituationReport,
    lang: Language,
    timezone: str,
    generated_at: datetime,
    people: People,
) -> dict[str, Any]:
    """The report view for a Woo request (see the module docstring)."""
    withheld = [entry for entry in report.entries if not entry.disclosable]
    public = replace(report, entries=[entry for entry in report.entries if entry.disclosable])
    view = build_view(public, lang, timezone, generated_at)
    names = _Pseudonyms(report.entries, people, lang)
    rows = {row["seq"]: row for row in view["timeline"]}
    inventory: list[dict[str, Any]] = []
    for entry in report.entries:
        if entry.disclosable:
            original = rows[entry.seq]
            rows[entry.seq] = names.walk(original)
            ground = PRIVACY if rows[entry.seq] != original else None
            status: Status = "partly" if ground else "disclosed"
        else:
            ground = _ground(entry)
            rows[entry.seq] = names.walk(_redacted(entry, ground, lang, timezone))
            status = "withheld"
        inventory.append(_inventory_row(entry, status, ground, lang))
    view = dict(names.walk({key: value for key, value in view.items() if key != "timeline"}))
    view["timeline"] = [rows[entry.seq] for entry in report.entries]
    view["summary"]["entries"] = len(report.entries)
    view["summary"]["undisclosable"] = len(withheld)
    view["edition"] = "disclosure"
    view["disclosure"] = {
        "public_roles": sorted(people.public_roles),
        "withheld": len(withheld),
        "partly": sum(1 for row in inventory if row["status"] == "partly"),
        "inventory": inventory,
    }
    return view


@dataclass(frozen=True)
class Rendered:
    """A report as written: the document, and with a disclosure its inventory (CSV)."""

    document: bytes
    inventory: bytes | None = None


def render_report(
    report: SituationReport,
    fmt: ReportFormat,
    lang: Language,
    timezone: str,
    generated_at: datetime,
    disclose_to: People | None = None,
) -> Rendered:
    """The internal version, or with ``disclose_to`` the disclosure version and inventory."""
    if disclose_to is None:
        view = build_view(report, lang, timezone, generated_at)
        return Rendered(fmt.render(view, lang, timezone))
    view = disclosure_view(report, lang, timezone, generated_at, disclose_to)
    return Rendered(fmt.render(view, lang, timezone), render_inventory_csv(view).encode())


def render_inventory_csv(view: dict[str, Any]) -> str:
    """The inventory (``inventarislijst``) of a disclosure view, one row per entry."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(INVENTORY_COLUMNS)
    for row in view["disclosure"]["inventory"]:
        writer.writerow([cell(row[column]) for column in INVENTORY_COLUMNS])
    return buffer.getvalue()


def _ground(entry: LogEntryRecord) -> WooGround | None:
    # Only the kinds whose payload is ``Grounded`` hold one; others have no such key.
    key = cast(Grounded, entry.payload).get("ground")
    return BY_KEY.get(key) if isinstance(key, str) else None


def ground_text(ground: WooGround | None, lang: Language) -> str:
    """The ground as shown in a report, or that none was recorded."""
    return ground.shown(lang) if ground else i18n.text("disclosure.no_ground", lang)


def _redacted(
    entry: LogEntryRecord, ground: WooGround | None, lang: Language, timezone: str
) -> dict[str, Any]:
    """The timeline row standing in for a withheld entry: nothing of its content."""
    return {
        "seq": entry.seq,
        "kind": entry.kind,
        "actor": entry.actor,
        "occurred_at": entry.occurred_at.isoformat(),
        "recorded_at": entry.recorded_at.isoformat(),
        "description": i18n.text(
            "disclosure.withheld",
            lang,
            seq=entry.seq,
            kind=entry.kind,
            date=i18n.format_time(entry.occurred_at, timezone, lang),
            ground=ground_text(ground, lang),
        ),
        "disclosable": False,
        "corrects_seq": entry.corrects_seq,
        "corrected_by": [],
        "payload": {},
        "prev_hash": entry.prev_hash,
        "hash": entry.hash,
    }


def _inventory_row(
    entry: LogEntryRecord, status: Status, ground: WooGround | None, lang: Language
) -> dict[str, Any]:
    return {
        "seq": entry.seq,
        "date": entry.occurred_at.isoformat(),
        "kind": entry.kind,
        "status": status,
        "ground": ground.citation(lang) if ground else None,
        "ground_label": ground_text(ground, lang) if status != "disclosed" else "",
    }


class _Pseudonyms:
    """Replaces the Matrix ids of people without a public role, anywhere in a view.

    Everyone who wrote an entry ran a command, so was in the taskforce then; roles come
    from the incident's ``role_assigned`` entries and the configured coordinators.
    """

    def __init__(self, entries: Iterable[LogEntryRecord], people: People, lang: Language) -> None:
        self._people = people
        self._lang = lang
        self._roles: dict[str, list[str]] = {}
        self._actors: set[str] = set()
        for entry in entries:
            self._actors.add(entry.actor)
            if entry.kind == EntryKind.ROLE_ASSIGNED.value and entry.disclosable:
                assigned = ROLE_ASSIGNED.of(entry)
                self._roles.setdefault(assigned["user"], []).append(assigned["role"])

    def walk(self, value: Any, key: str | None = None) -> Any:
        """``value`` with every Matrix id in its text replaced (hashes left alone)."""
        if isinstance(value, dict):
            return {name: self.walk(item, name) for name, item in value.items()}
        if isinstance(value, list):
            return [self.walk(item) for item in value]
        if isinstance(value, str) and key not in _HASH_FIELDS:
            return MATRIX_ID.sub(lambda match: self.name(match.group()), value)
        return value

    def name(self, user: str) -> str:
        """``user`` when they hold a public role, else their role in brackets."""
        held = list(self._roles.get(user, []))
        if self._people.taskforce.is_coordinator(user):
            held.append("coordinator")
        if self._people.public_roles & set(held):
            return user
        if held:
            role = held[0]
            shown = (
                i18n.text(f"disclosure.role.{role}", self._lang) if role in _ROLE_LABELS else role
            )
            return f"[{shown}]"
        if user in self._actors or self._people.taskforce.in_taskforce(user):
            return f"[{i18n.text('disclosure.member', self._lang)}]"
        return f"[{i18n.text('disclosure.external', self._lang)}]"
