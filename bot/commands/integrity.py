"""The broken-chain warning that opens every reply reading a situation's log."""

from __future__ import annotations

from bot.commands.context import CommandContext
from bot.decisionlog.integrity import chain_broken_text
from bot.storage.models import SituationRecord


async def chain_warning(context: CommandContext, situation: SituationRecord) -> list[str]:
    """Verify the situation's chain: the warning line to put first (none when intact).

    The reply in the incident room tells the reader there, so the guard announces a new
    break in the coordination room only.
    """
    check = await context.services.chains.check(situation, reader_told=True)
    if check.intact:
        return []
    return [chain_broken_text(situation.id, check, context.lang)]
