"""Grouping alerts against storms: one post per supplier, then one summary per window.

The first new alert for a supplier is posted on its own and opens a window (a durable
timer keyed by supplier). Alerts arriving while it is open are only collected; when the
window ends they are posted as one summary, and a new window opens so that an ongoing
storm yields one summary per window. A window that ends empty simply closes.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from bot.alerts.timers import GROUP_TIMER, GroupWindow
from bot.clock import Clock
from bot.scheduling.timers import Timers
from bot.storage.models import AlertRecord, TimerRecord
from bot.suppliers.names import normalise

if TYPE_CHECKING:  # lookups reads the windows by group_key, defined here
    from bot.alerts.lookups import AlertLookups


def group_key(supplier: str, exercise: bool = False) -> str:
    """The timer key of a supplier's window; exercise alerts have windows of their own,
    so a real alert is never held back in (and summarised as part of) a drill's storm."""
    kind = "exercise-group" if exercise else "group"
    return f"alerts:{kind}:{normalise(supplier)}"[:255]


class AlertGrouper:
    """Decides which new alerts get a post of their own."""

    def __init__(
        self, timers: Timers, clock: Clock, window: timedelta, lookups: AlertLookups
    ) -> None:
        self._timers = timers
        self._lookups = lookups
        self._clock = clock
        self.window = window
        # Alerts admitted into a pending window whose ids are not written into it yet, by
        # timer key: a window's timer is then rewritten once per batch, not per alert.
        self._unsettled: dict[str, tuple[TimerRecord, list[AlertRecord]]] = {}

    @property
    def unsettled(self) -> bool:
        """Whether some admitted alerts are not yet written into their window."""
        return bool(self._unsettled)

    def settle(self) -> None:
        """Append the admitted alerts' ids to their windows (the alerts must be flushed)."""
        for timer, alerts in self._unsettled.values():
            window = GROUP_TIMER.read(timer)
            ids = [*window.alert_ids, *(alert.id for alert in alerts)]
            GROUP_TIMER.rewrite(timer, window.model_copy(update={"alert_ids": ids}))
        self._unsettled.clear()

    def discard_unsettled(self) -> None:
        """Forget the admitted alerts not yet written: a rollback removed them."""
        self._unsettled.clear()

    async def admit(self, alert: AlertRecord) -> bool:
        """True when ``alert`` is to be posted now; otherwise it waits for the summary."""
        if self.window <= timedelta(0):
            return True
        key = group_key(alert.supplier, alert.exercise)
        # Locked: concurrent intake transactions (PostgreSQL) each append to the list of
        # the window's alerts; unlocked, one would overwrite the other's append.
        _, pending = self._lookups.timer(key)
        if pending is None:
            # Read (again) before opening a window: a preloaded "none" for a key without a
            # row locked nothing, and another instance may have opened the window since
            # (PostgreSQL); opening it again would drop the alerts collected in it. Once
            # per window: the opened one is remembered.
            pending = await self._timers.pending(key, lock=True)
            if pending is not None:
                self._lookups.remember_timer(pending)
        if pending is None:
            await self.open_window(alert.supplier, alert.exercise)
            return True
        # Its id is written into the window by ``settle``, with the batch's others.
        self._unsettled.setdefault(key, (pending, []))[1].append(alert)
        return False

    async def open_window(self, supplier: str, exercise: bool = False) -> None:
        """Collect the supplier's next alerts (its exercise alerts with ``exercise``) until
        one window from now."""
        key = group_key(supplier, exercise)
        # A fresh window starts empty, as rewriting the payload made it before deferral.
        self._unsettled.pop(key, None)
        window = GroupWindow(
            supplier=supplier, alert_ids=[], window_seconds=int(self.window.total_seconds())
        )
        timer = await GROUP_TIMER.schedule(
            self._timers, self._clock.now() + self.window, window, key=key
        )
        self._lookups.remember_timer(timer)
