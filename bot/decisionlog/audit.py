"""Verifying the hash chains straight from the database, outside the running bot."""

from __future__ import annotations

from bot.clock import SystemClock
from bot.decisionlog.log import ChainCheck, SituationLog
from bot.errors import SituationNotFound
from bot.storage.db import Database


async def verify_situations(db: Database, situation_id: int | None) -> list[tuple[int, ChainCheck]]:
    """The chain check of one situation, or of every situation when ``situation_id`` is None.

    Raises SituationNotFound for an unknown ``situation_id``.
    """
    async with db.transaction() as session:
        log = SituationLog(session, SystemClock())
        if situation_id is None:
            ids = await log.situation_ids()
        elif situation_id in await log.situation_ids():
            ids = [situation_id]
        else:
            raise SituationNotFound(situation_id=situation_id)
        return [(each, await log.verify(each)) for each in ids]


def describe_check(situation_id: int, check: ChainCheck) -> str:
    """One line for people reading ``weerbaar log verify`` output."""
    if check.intact:
        return f"situation {situation_id}: {check.entries} entries, intact, head {check.head_hash}"
    return (
        f"situation {situation_id}: BROKEN at entry {check.first_broken_seq} "
        f"({check.problem}); {check.entries} entries; last good hash {check.head_hash}"
    )
