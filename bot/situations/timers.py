"""The timers of situations: lauwe-fase check-ins and sitrep requests."""

from __future__ import annotations

from bot.scheduling.kinds import Payload, TimerKind


class ForSituation(Payload):
    """The situation the timer is about."""

    situation_id: int


CHECKIN_TIMER = TimerKind("lauwe_checkin", ForSituation)
OVERDUE_TIMER = TimerKind("lauwe_checkin_overdue", ForSituation)
SITREP_TIMER = TimerKind("incident.sitrep_due", ForSituation)
