"""The timers of the decision log: reviews, actions due, the daily chain check."""

from __future__ import annotations

from bot.scheduling.kinds import NoPayload, Payload, TimerKind


class ForEntry(Payload):
    """The log entry (a decision to review, an action) the timer is about."""

    situation_id: int
    seq: int


REVIEW_TIMER = TimerKind("decision.review", ForEntry)
DUE_TIMER = TimerKind("action.due", ForEntry)
CHAIN_CHECK_TIMER = TimerKind("chain_check", NoPayload)
