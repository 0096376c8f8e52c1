"""``!help``: every command with its usage, generated from the registry."""

from __future__ import annotations

from bot.commands.access import Role
from bot.commands.context import CommandContext
from bot.commands.registry import Command


async def show_help(context: CommandContext) -> None:
    """Reply with the list of commands in the asker's language."""
    plain, html = context.registry.help(context.lang)
    await context.reply(plain, html)


COMMANDS = [
    Command(
        name="help",
        alias="hulp",
        summary={"en": "list all commands", "nl": "alle opdrachten tonen"},
        handler=show_help,
        role=Role.OBSERVER,
    )
]
