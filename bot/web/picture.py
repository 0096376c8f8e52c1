"""What the web view's pages show, read from the database in the request's transaction.

The picture reuses the lauwe fase's ``WatchService.picture`` (owner, last update, next
check-in) and adds per situation the open decision points and step progress of its
playbook runs (replayed like everywhere else) and its unacknowledged alerts.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func, select

from bot.alerts.service import AlertStatus
from bot.playbooks.catalog import PlaybookCatalog
from bot.playbooks.engine import DecisionStatus, StepStatus
from bot.playbooks.runs import load_runs_of
from bot.services import Services
from bot.situations.phases import Phase
from bot.situations.watch import SituationPicture
from bot.storage.models import AlertRecord, LogEntryRecord, SituationRecord

# The picture's columns: every phase a situation is open in, in lifecycle order.
COLUMNS = tuple(phase for phase in Phase if phase != Phase.CLOSED)
ALERT_STATES = tuple(status.value for status in AlertStatus)
_SETTLED = frozenset({StepStatus.DONE, StepStatus.SKIPPED, StepStatus.NOT_APPLICABLE})
RECENT_ALERTS = 200


@dataclass(frozen=True)
class Card:
    """One open situation on the picture."""

    line: SituationPicture
    open_decisions: int
    steps_settled: int
    steps_total: int
    unacknowledged: int

    @property
    def situation(self) -> SituationRecord:
        """The situation shown."""
        return self.line.situation

    @property
    def age(self) -> timedelta:
        """How long the situation has been open."""
        return self.line.age


async def picture(services: Services, catalog: PlaybookCatalog | None) -> dict[Phase, list[Card]]:
    """Every open situation as a card, by phase (every column present, maybe empty)."""
    lines = await services.watch.picture()
    ids = [line.situation.id for line in lines]
    unacknowledged = Counter(
        dict(
            (situation_id, count)
            for situation_id, count in await services.session.execute(
                select(AlertRecord.situation_id, func.count())
                .where(
                    AlertRecord.situation_id.in_(ids), AlertRecord.status == AlertStatus.OPEN.value
                )
                .group_by(AlertRecord.situation_id)
            )
        )
    )
    runs_of = await load_runs_of(services.session, ids, catalog)
    columns: dict[Phase, list[Card]] = {phase: [] for phase in COLUMNS}
    for line in lines:
        runs = runs_of[line.situation.id]
        steps = [view for run in runs for view in run.state.steps()]
        decisions = [view for run in runs for view in run.state.decisions()]
        columns[Phase(line.situation.phase)].append(
            Card(
                line=line,
                open_decisions=sum(1 for d in decisions if d.status == DecisionStatus.OPEN),
                steps_settled=sum(1 for view in steps if view.status in _SETTLED),
                steps_total=len(steps),
                unacknowledged=unacknowledged[line.situation.id],
            )
        )
    return columns


async def exercise_running(services: Services) -> bool:
    """Whether any exercise situation is open (pages without situations still say so)."""
    return bool(
        await services.session.scalar(
            select(
                select(SituationRecord.id)
                .where(
                    SituationRecord.is_exercise.is_(True),
                    SituationRecord.phase != Phase.CLOSED.value,
                )
                .exists()
            )
        )
    )


@dataclass(frozen=True)
class AlertFilter:
    """The alerts page's filter; empty fields match everything."""

    supplier: str = ""
    source: str = ""
    state: str = ""


async def recent_alerts(services: Services, wanted: AlertFilter) -> list[AlertRecord]:
    """The newest alerts matching ``wanted``."""
    query = select(AlertRecord)
    if wanted.supplier:
        query = query.where(AlertRecord.supplier == wanted.supplier)
    if wanted.source:
        query = query.where(AlertRecord.source == wanted.source)
    if wanted.state:
        query = query.where(AlertRecord.status == wanted.state)
    query = query.order_by(AlertRecord.received_at.desc(), AlertRecord.id.desc())
    return list(await services.session.scalars(query.limit(RECENT_ALERTS)))


async def alert_choices(services: Services) -> tuple[list[str], list[str]]:
    """The suppliers and sources alerts came from, for the filter's choices."""
    suppliers = await services.session.scalars(
        select(AlertRecord.supplier).distinct().order_by(AlertRecord.supplier)
    )
    sources = await services.session.scalars(
        select(AlertRecord.source).distinct().order_by(AlertRecord.source)
    )
    return list(suppliers), list(sources)


async def fingerprint(services: Services) -> str:
    """Changes whenever the picture may have: a log entry, an alert or an alert's state.

    Every phase change, update and decision is a log entry, so the newest entry's id
    covers them; alerts change state without a log entry in unattached alerts. A short
    hex text, so a page can carry the one it shows in the address of its stream.
    """
    log = await services.session.scalar(select(func.max(LogEntryRecord.id)))
    situations = await services.session.scalar(select(func.count(SituationRecord.id)))
    alerts = (
        await services.session.execute(
            select(
                func.max(AlertRecord.id),
                func.max(AlertRecord.last_seen_at),
                func.max(AlertRecord.acknowledged_at),
                func.max(AlertRecord.resolved_at),
            )
        )
    ).one()
    return hashlib.sha256(repr((log, situations, *alerts)).encode()).hexdigest()[:32]
