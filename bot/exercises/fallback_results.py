"""At the end of an exercise that covered fallback options: ask for the result of each.

The question goes to the exercise's incident room, so the answers (``!fallback tested``
typed there) join the exercise situation's log, hash-chained with the drill, and the
exercise report (made from that log) is their evidence.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot import i18n
from bot.i18n import Language
from bot.matrix.content import text_content
from bot.services import Services


async def ask_for_results(
    services: Services, situation_id: int, covers: Sequence[str], lang: Language
) -> bool:
    """Ask in the incident room of ``situation_id`` for the result of each fallback in
    ``covers``; False when there is nothing to ask or the exercise never got a room."""
    situation = await services.situations.get(situation_id)
    if not covers or situation.incident_room_id is None:
        return False
    lines = [i18n.text("exercise.fallbacks.ask", lang)]
    lines += [i18n.text("exercise.fallbacks.line", lang, fallback=key) for key in covers]
    await services.outbox.post(
        situation.incident_room_id, text_content("\n".join(lines)), exercise=True
    )
    return True
