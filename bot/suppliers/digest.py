"""The weekly drill digest: what became overdue, what is planned, what was tested."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.storage.models import FallbackTestRecord, PlannedDrillRecord
from bot.suppliers.fallbacks import FallbackState
from bot.suppliers.freshness import Status


def next_digest(now: datetime, weekday: int, at: time, timezone: str) -> datetime:
    """The first ``weekday`` (1 = Monday) at ``at`` in ``timezone`` after ``now``, in UTC.

    A time the clock shows twice that day (the clocks go back) is its first showing, a
    time it skips (they jump forward) is read an hour later; "after" is decided on
    instants, so a digest sent late in a repeated hour is not due again the same night.
    """
    zone = ZoneInfo(timezone)
    local = now.astimezone(zone)
    day = local.date() + timedelta(days=(weekday - 1 - local.weekday()) % 7)
    moment = datetime.combine(day, at, tzinfo=zone).astimezone(UTC)
    # Not against ``local``: datetimes sharing a tzinfo compare by wall-clock reading.
    if moment <= now:
        moment = datetime.combine(day + timedelta(days=7), at, tzinfo=zone).astimezone(UTC)
    return moment


def overdue_keys(states: Sequence[FallbackState]) -> list[str]:
    """The ids of the options that are overdue now, sorted."""
    return sorted(state.key for state in states if state.status is Status.OVERDUE)


@dataclass(frozen=True)
class Digest:
    """One weekly digest: options overdue since the last one, every upcoming drill, and
    the tests recorded since the last one."""

    became_overdue: list[FallbackState]
    planned: list[PlannedDrillRecord]
    tested: list[FallbackTestRecord]


def compose(
    previous_overdue: Collection[str],
    states: Sequence[FallbackState],
    planned: Sequence[PlannedDrillRecord],
    tested: Sequence[FallbackTestRecord],
    since: datetime,
) -> Digest | None:
    """The digest since ``since``, or None when nothing changed: no option became
    overdue, no drill was planned and no test was recorded since then."""
    became = [
        state
        for state in states
        if state.status is Status.OVERDUE and state.key not in previous_overdue
    ]
    newly_planned = [drill for drill in planned if drill.planned_at > since]
    if not (became or newly_planned or tested):
        return None
    return Digest(became, list(planned), list(tested))
