"""Chat commands: thin adapters from typed text to the domain services."""

from bot.commands import decisions, help, journal, playbooks, reports, situations
from bot.commands.registry import Registry


def build_registry() -> Registry:
    """The registry of every command, in the order help lists them."""
    return Registry(
        [
            *help.COMMANDS,
            *situations.COMMANDS,
            *playbooks.COMMANDS,
            *decisions.COMMANDS,
            *journal.COMMANDS,
            *reports.COMMANDS,
        ]
    )
