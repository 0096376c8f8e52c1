"""Plain messages in a thread: the answers to the forms the bot asks there."""

from __future__ import annotations

from bot.commands.context import CommandContext
from bot.commands.decisions import continue_guided
from bot.commands.tabletop import continue_tabletop
from bot.matrix.events import IncomingMessage

# Each handler answers only in the threads of its own drafts (one draft per thread root).
THREAD_FORMS = (continue_guided, continue_tabletop)


async def continue_thread(context: CommandContext, message: IncomingMessage) -> None:
    """A plain message in a thread: the next answer of whichever form is asked there."""
    for handler in THREAD_FORMS:
        await handler(context, message)
