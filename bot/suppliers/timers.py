"""The timers of the drill plan: reminders before a planned drill."""

from __future__ import annotations

from bot.scheduling.kinds import Payload, TimerKind


class ForDrill(Payload):
    """A reminder ``days`` before planned drill ``drill_id``."""

    drill_id: int
    days: int


DRILL_REMINDER = TimerKind("drill.reminder", ForDrill)
