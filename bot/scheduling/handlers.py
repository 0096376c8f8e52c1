"""Which handler fires which kind of timer. Each area adds its kinds here."""

from __future__ import annotations

from bot.alerts.grouping import GROUP_TIMER
from bot.alerts.snooze import SNOOZE_END_TIMER
from bot.decisionlog.actions import DUE_TIMER
from bot.decisionlog.decisions import REVIEW_TIMER
from bot.matrix.summary import SUMMARY_REFRESH
from bot.scheduling.chains import CHAIN_CHECK_TIMER, chain_check_due
from bot.scheduling.reminders import REMINDER_HANDLERS
from bot.scheduling.runner import TimerHandler
from bot.scheduling.sitreps import sitrep_due
from bot.services import Services
from bot.situations.sitreps import SITREP_TIMER
from bot.situations.watch import CHECKIN_TIMER, OVERDUE_TIMER
from bot.storage.models import TimerRecord
from bot.timers import decisionlog as reminders
from bot.timers.alerts import end_snooze, post_group_summary
from bot.timers.situations import checkin_due, checkin_overdue


async def summary_refresh(services: Services, timer: TimerRecord) -> None:
    """Timer handler for refresh timers that earlier versions scheduled: bring it up to date."""
    await services.summaries.refresh(int(timer.payload["situation_id"]))


def timer_handlers() -> dict[str, TimerHandler]:
    """Handlers by timer kind (check-ins, reminders, escalation proposals)."""
    return {
        GROUP_TIMER: post_group_summary,
        SNOOZE_END_TIMER: end_snooze,
        **REMINDER_HANDLERS,
        SUMMARY_REFRESH: summary_refresh,
        REVIEW_TIMER: reminders.review_due,
        DUE_TIMER: reminders.action_due,
        CHECKIN_TIMER: checkin_due,
        OVERDUE_TIMER: checkin_overdue,
        SITREP_TIMER: sitrep_due,
        CHAIN_CHECK_TIMER: chain_check_due,
    }
