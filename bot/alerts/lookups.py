"""The intake's look-ups for a whole batch of alerts at once.

Each statement costs a thread handoff on aiosqlite, far more than the look-up itself,
so a batch of intake requests reads what all its alerts need in three statements
(alerts by de-duplication key, open situations, suppliers' grouping windows) instead of
three per alert. Invariants, and why they hold:

- An answer is only given for what was preloaded; anything else is read as before, so
  a caller that never preloads (a chat command) sees no difference.
- The preloaded answers stay true for the rest of the transaction: the intake changes
  them only through ``AlertService`` and ``AlertGrouper``, which tell this object (a new
  alert, a resolved one, a new window); intake work changes no situation. Another
  writer cannot change alerts or windows either: SQLite serialises writers (BEGIN
  IMMEDIATE), and on PostgreSQL those rows are locked (FOR UPDATE) as the single look-ups
  locked them; a window's timer row is locked whether its window is open or not. A key
  with no row at all locks nothing, so before opening a window the grouper reads it again
  (``AlertGrouper.admit``). A situation another PostgreSQL transaction opens while a batch runs is
  seen by the next batch, as if the batch's alerts had arrived a few milliseconds sooner.
- A rolled-back savepoint may undo changes the answers reflect, so the batch calls
  ``forget()`` then and later look-ups go to the database again.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.alerts.grouping import group_key
from bot.scheduling.timers import Timers
from bot.situations.phases import QUIET_PHASES
from bot.storage.models import AlertRecord, SituationRecord, TimerRecord

_Situations = dict[tuple[str, bool], SituationRecord]


@dataclass(frozen=True)
class Needs:
    """What a batch's alerts will look up: de-duplication keys and supplier names."""

    dedup_keys: frozenset[str] = frozenset()
    suppliers: frozenset[str] = frozenset()

    def __or__(self, other: Needs) -> Needs:
        return Needs(self.dedup_keys | other.dedup_keys, self.suppliers | other.suppliers)


NO_NEEDS = Needs()


@dataclass
class AlertLookups:
    """Preloaded answers to the intake's per-alert look-ups, for one transaction."""

    session: AsyncSession
    timers: Timers
    # A key absent from these was not preloaded; None means "preloaded: there is none".
    _alerts: dict[str, AlertRecord | None] = field(default_factory=dict)
    _timers: dict[str, TimerRecord | None] = field(default_factory=dict)
    _situations: _Situations | None = None

    async def preload(self, needs: Needs) -> None:
        """Read in a few statements what alerts with ``needs`` will look up."""
        keys = sorted(needs.dedup_keys - self._alerts.keys())
        if keys:
            # Locked in key order, so two batches wanting the same alerts cannot deadlock.
            found = await self.session.scalars(
                select(AlertRecord)
                .where(AlertRecord.dedup_key.in_(keys))
                .order_by(AlertRecord.dedup_key)
                .with_for_update()
            )
            by_key = {alert.dedup_key: alert for alert in found}
            self._alerts.update({key: by_key.get(key) for key in keys})
        windows = {group_key(s, exercise) for s in needs.suppliers for exercise in (False, True)}
        timer_keys = sorted(windows - self._timers.keys())
        if timer_keys:
            by_timer = await self.timers.pending_of(timer_keys, lock=True)
            self._timers.update({key: by_timer.get(key) for key in timer_keys})
        if needs.suppliers and self._situations is None:
            self._situations = await self._open_situations()

    def forget(self) -> None:
        """Drop every preloaded answer: a rollback may have made some untrue."""
        self._alerts.clear()
        self._timers.clear()
        self._situations = None

    def alert(self, key: str) -> tuple[bool, AlertRecord | None]:
        """(preloaded, the unresolved alert with de-duplication ``key``)."""
        return key in self._alerts, self._alerts.get(key)

    def remember_alert(self, key: str, alert: AlertRecord | None) -> None:
        """``alert`` now holds ``key`` (None: no alert does), if ``key`` was preloaded."""
        if key in self._alerts:
            self._alerts[key] = alert

    def timer(self, key: str) -> tuple[bool, TimerRecord | None]:
        """(preloaded, the pending timer with ``key``)."""
        return key in self._timers, self._timers.get(key)

    def remember_timer(self, timer: TimerRecord) -> None:
        """``timer`` is pending now (a window was opened), if its key was preloaded."""
        if timer.key in self._timers:
            self._timers[timer.key] = timer

    def situation(self, supplier: str, exercise: bool) -> tuple[bool, SituationRecord | None]:
        """(preloaded, the supplier's newest open situation)."""
        if self._situations is None:
            return False, None
        return True, self._situations.get((supplier.lower(), exercise))

    async def _open_situations(self) -> _Situations:
        # Open situations are few (one per troubled supplier); newest first, so the
        # first per supplier wins as in AlertService.open_situation_of.
        found = await self.session.scalars(
            select(SituationRecord)
            .where(SituationRecord.phase.not_in([phase.value for phase in QUIET_PHASES]))
            .order_by(SituationRecord.opened_at.desc(), SituationRecord.id.desc())
        )
        situations: _Situations = {}
        for situation in found:
            situations.setdefault((situation.supplier.lower(), situation.is_exercise), situation)
        return situations
