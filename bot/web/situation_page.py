"""A situation's page, read in time that grows with what the page shows, not the log.

A report reads the whole log; the page is opened in a crisis meeting and has to appear at
once, also for a situation with 10,000 log entries. So it reads the chain's state since
its checkpoint (``bot.decisionlog.checkpoints``), the step-settling entries (no more than
the playbooks have steps), the newest ``DECISIONS_SHOWN`` decisions, the newest
``TIMELINE_ROWS`` entries and alerts, and counts of the rest. The downloads hold it all.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from bot.decisionlog.checkpoints import Checkpoint
from bot.decisionlog.kinds import EntryKind
from bot.errors import SituationNotFound
from bot.i18n import Language
from bot.playbooks.catalog import PlaybookCatalog
from bot.playbooks.runs import load_runs
from bot.reports.view import (
    chain_part,
    decision_items,
    situation_part,
    step_rows,
    timeline_items,
)
from bot.services import Services
from bot.storage.models import AlertRecord, SituationRecord

TIMELINE_ROWS = 250
DECISIONS_SHOWN = 100
_SETTLING = (EntryKind.STEP_DONE, EntryKind.STEP_SKIPPED)


@dataclass(frozen=True)
class SituationPage:
    """What the page shows: parts of the report view, and how much more the log holds."""

    view: dict[str, Any]
    """``situation``, ``chain``, ``steps`` and the newest ``decisions``, as in a report."""
    checkpoint: Checkpoint | None
    """Where the chain check started; None when it verified every entry just now."""
    decisions_total: int
    timeline: list[dict[str, Any]]
    timeline_total: int


async def situation_page(
    services: Services,
    situation_id: int,
    catalog: PlaybookCatalog | None,
    lang: Language,
    timezone: str,
) -> SituationPage:
    """The page of ``situation_id``; raises SituationNotFound."""
    situation = await services.session.get(SituationRecord, situation_id)
    if situation is None:
        raise SituationNotFound(situation_id=situation_id)
    log = services.log
    chain, checkpoint = await log.verify_since_checkpoint(situation_id)
    decisions = await log.latest(situation_id, DECISIONS_SHOWN, kinds=[EntryKind.DECISION])
    newest = await log.latest(situation_id, TIMELINE_ROWS)
    corrected_by = await log.corrections_of(
        situation_id, {entry.seq for entry in (*decisions, *newest)}
    )
    settling = await log.of_kinds(situation_id, _SETTLING)
    runs = await load_runs(services.session, situation_id, catalog)
    alerts = list(
        await services.session.scalars(
            select(AlertRecord)
            .where(AlertRecord.situation_id == situation_id)
            .order_by(AlertRecord.received_at.desc(), AlertRecord.id.desc())
            .limit(TIMELINE_ROWS)
        )
    )
    alerts_total = await services.session.scalar(
        select(func.count()).where(AlertRecord.situation_id == situation_id)
    )
    view = {
        "situation": situation_part(situation, lang),
        "chain": chain_part(chain),
        "steps": step_rows(runs, settling, services.clock.now()),
        "decisions": decision_items(decisions, corrected_by),
    }
    rows = merged_timeline(timeline_items(newest, lang, timezone, corrected_by), alerts[::-1])
    return SituationPage(
        view=view,
        checkpoint=checkpoint,
        decisions_total=await log.count(situation_id, EntryKind.DECISION),
        timeline=rows[-TIMELINE_ROWS:],
        timeline_total=await log.count(situation_id) + (alerts_total or 0),
    )


def merged_timeline(
    entries: list[dict[str, Any]], alerts: list[AlertRecord]
) -> list[dict[str, Any]]:
    """Timeline rows of log entries and alerts (both oldest first) as one list by time.

    Log entries keep their order (their seq); an alert goes before the entries that
    happened at or after it arrived.
    """
    rows: list[tuple[datetime, int, dict[str, Any]]] = [
        (datetime.fromisoformat(entry["occurred_at"]), 1, {"kind": "log", **entry})
        for entry in entries
    ]
    for alert in alerts:
        moment = alert.received_at.isoformat()
        rows.append(
            (
                alert.received_at,
                0,
                {
                    "kind": "alert",
                    "occurred_at": moment,
                    "actor": alert.source,
                    "description": f"{alert.severity} {alert.supplier}: {alert.title}",
                    "state": alert.status,
                },
            )
        )
    # The sort is stable, so log entries with the same moment keep their seq order.
    rows.sort(key=lambda row: (row[0], row[1]))
    return [row[2] for row in rows]
