"""The timers of the drill plan: reminders before a planned drill and at its due moment,
the weekly digest."""

from __future__ import annotations

from datetime import datetime

from bot.scheduling.kinds import Payload, TimerKind


class ForDrill(Payload):
    """A reminder ``days`` before planned drill ``drill_id``."""

    drill_id: int
    days: int


DRILL_REMINDER = TimerKind("drill.reminder", ForDrill)


class DrillDue(Payload):
    """Planned drill ``drill_id`` is due now."""

    drill_id: int


DRILL_DUE = TimerKind("drill.due", DrillDue)


class DigestState(Payload):
    """What the previous weekly digest saw: when it ran and which options were overdue."""

    since: datetime
    overdue: list[str]


DIGEST_TIMER = TimerKind("drill.digest", DigestState)


class ForTest(Payload):
    """The fallback test whose improvement action (kept on the test) is due."""

    test_id: int


IMPROVEMENT_DUE = TimerKind("fallback.improvement_due", ForTest)
