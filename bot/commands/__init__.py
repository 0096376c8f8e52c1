"""Chat commands: thin adapters from typed text to the domain services."""

from bot.commands import (
    alerts,
    decisions,
    drills,
    exercises,
    fallbacks,
    help,
    incident,
    journal,
    playbooks,
    reports,
    situations,
    snooze,
    sources,
    suppliers,
    watch,
    web,
)
from bot.commands.registry import Registry


def build_registry() -> Registry:
    """The registry of every command, in the order help lists them."""
    return Registry(
        [
            *help.COMMANDS,
            *alerts.COMMANDS,
            *snooze.COMMANDS,
            *suppliers.COMMANDS,
            *fallbacks.COMMANDS,
            *drills.COMMANDS,
            *sources.COMMANDS,
            *situations.COMMANDS,
            *watch.COMMANDS,
            *web.COMMANDS,
            *playbooks.COMMANDS,
            *incident.COMMANDS,
            *decisions.COMMANDS,
            *journal.COMMANDS,
            *reports.COMMANDS,
            *exercises.COMMANDS,
        ]
    )
