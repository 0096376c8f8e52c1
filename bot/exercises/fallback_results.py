"""At the end of an exercise that covered fallback options: ask for the result of each.

The question goes to the exercise's incident room, so the answers (``!fallback tested``
typed there) join the exercise situation's log, hash-chained with the drill, and the
exercise report (made from that log) is their evidence.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot import i18n
from bot.clock import SystemClock
from bot.i18n import Language
from bot.matrix.content import text_content
from bot.matrix.outbox import Outbox, QueuedRow
from bot.storage.db import Database
from bot.storage.models import SituationRecord


async def ask_for_results(
    outbox: Outbox, situation: SituationRecord, covers: Sequence[str], lang: Language
) -> bool:
    """Ask in the incident room of ``situation`` for the result of each fallback in
    ``covers``; False when there is nothing to ask or the exercise never got a room."""
    if not covers or situation.incident_room_id is None:
        return False
    lines = [i18n.text("exercise.fallbacks.ask", lang)]
    lines += [i18n.text("exercise.fallbacks.line", lang, fallback=key) for key in covers]
    await outbox.post(situation.incident_room_id, text_content("\n".join(lines)), exercise=True)
    return True


async def ask_from_outside(
    database: Database, situation_id: int, covers: Sequence[str], lang: Language
) -> bool:
    """``ask_for_results`` from another process than the bot (``weerbaar exercise run``):
    the question is queued in the bot's outbox, which the running bot also polls."""
    async with database.transaction() as session:
        situation = await session.get(SituationRecord, situation_id)
        if situation is None:
            return False  # purged meanwhile
        return await ask_for_results(
            Outbox(session, SystemClock(), _found_by_polling), situation, covers, lang
        )


def _found_by_polling(_: Sequence[QueuedRow]) -> None:
    # Nothing to wake in this process: the bot's sender reads the outbox periodically.
    return None
