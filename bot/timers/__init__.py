"""Timer handlers: what runs when a durable timer fires, one module per area.

Each domain area declares its timer kinds and their payload models (``<area>/timers.py``)
and schedules through them; the module of the same name here binds each kind to its
handler in a ``TIMERS`` table, and ``timer_handlers`` merges the tables as the command
registry merges the command groups. Handlers work on ``Services``, so they sit above the
services and the domain, as the chat commands do.
"""

from __future__ import annotations

from bot.scheduling.runner import TimerHandler
from bot.timers import alerts, decisionlog, drills, playbooks, situations, summary
from bot.timers.registry import handler_table


def timer_handlers() -> dict[str, TimerHandler]:
    """The handler of every timer kind, by the kind's stored name."""
    return handler_table(
        alerts.TIMERS,
        situations.TIMERS,
        decisionlog.TIMERS,
        playbooks.TIMERS,
        summary.TIMERS,
        drills.TIMERS,
    )
