"""The timers of the alerts area: a supplier's grouping window, a snooze's end."""

from __future__ import annotations

from bot.scheduling.kinds import Payload, TimerKind


class GroupWindow(Payload):
    """A supplier's grouping window; ``alert_ids`` grows as its alerts arrive."""

    supplier: str
    alert_ids: list[int]
    window_seconds: int


class SnoozeEnd(Payload):
    """The snooze that runs out."""

    snooze_id: int


GROUP_TIMER = TimerKind("alert_group", GroupWindow)
SNOOZE_END_TIMER = TimerKind("alert_snooze_end", SnoozeEnd)
