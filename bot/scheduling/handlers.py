"""Which handler fires which kind of timer. Each area adds its kinds here."""

from __future__ import annotations

from bot.decisionlog import reminders
from bot.decisionlog.actions import DUE_TIMER
from bot.decisionlog.decisions import REVIEW_TIMER
from bot.scheduling.runner import TimerHandler


def timer_handlers() -> dict[str, TimerHandler]:
    """Handlers by timer kind (check-ins, reminders, escalation proposals)."""
    return {REVIEW_TIMER: reminders.review_due, DUE_TIMER: reminders.action_due}
