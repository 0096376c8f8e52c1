"""A broken chain is announced once per break: also when a command and the daily check
find it at the same moment, and also for a new situation given a purged one's id."""

from __future__ import annotations

import asyncio
from pathlib import Path

from bot.decisionlog.integrity import ChainGuard
from bot.decisionlog.kinds import EntryKind
from bot.decisionlog.log import ChainCheck, SituationLog
from bot.exercises.purge import purge_exercises
from bot.storage.db import Database
from bot.storage.models import SituationRecord
from tests.support.clock import stepping_clock
from tests.support.databases import WatchedPostgres, migrated_sqlite
from tests.support.factories import stored_situation
from tests.support.postgres import until_waiting_for_locks
from tests.support.tampering import tamper


class Announcements:
    """A chain notifier that writes down which break of which situation it was told."""

    def __init__(self) -> None:
        self.told: list[tuple[int, int | None]] = []

    async def chain_broken(
        self, situation: SituationRecord, check: ChainCheck, *, incident_room: bool
    ) -> None:
        """Note the situation and its first broken entry."""
        self.told.append((situation.id, check.first_broken_seq))


async def broken_log(database: Database, situation_id: int) -> None:
    """Three notes, the second of them altered behind the bot's back."""
    async with database.transaction() as session:
        log = SituationLog(session, stepping_clock())
        for text in ("one", "two", "three"):
            await log.append(situation_id, EntryKind.NOTE, "@alice:test", {"text": text})
    await tamper(
        database,
        "UPDATE log_entries SET actor = '@mallory:test' "
        f"WHERE situation_id = {situation_id} AND seq = 2",
    )


async def check(database: Database, situation_id: int, notifier: Announcements) -> None:
    """A chain check of its own transaction, as a reply or the daily check makes it."""
    async with database.transaction() as session:
        situation = await session.get(SituationRecord, situation_id)
        assert situation is not None
        guard = ChainGuard(session, SituationLog(session, stepping_clock()), notifier)
        await guard.check(situation)


async def test_a_break_found_by_two_checks_at_once_is_announced_once(
    watched_postgres: WatchedPostgres,
) -> None:
    # PostgreSQL, two transactions: a reply to !log and the daily check, at the same moment.
    database, admin = watched_postgres.database, watched_postgres.admin
    notifier = Announcements()
    situation_id = await stored_situation(database)
    await broken_log(database, situation_id)
    async with database.transaction() as session:
        situation = await session.get(SituationRecord, situation_id)
        assert situation is not None
        guard = ChainGuard(session, SituationLog(session, stepping_clock()), notifier)
        await guard.check(situation)
        daily = asyncio.create_task(check(database, situation_id, notifier))
        await until_waiting_for_locks(admin, unless_done=daily)
    await daily  # neither fails on the other's marker
    assert notifier.told == [(situation_id, 2)]


async def test_a_situation_given_a_purged_ones_id_has_its_own_break_announced(
    tmp_path: Path,
) -> None:
    # SQLite gives a new row the highest id plus one, so a purged newest situation's id
    # comes back; the announced-break marker of the purged one must not come with it.
    database = await migrated_sqlite(tmp_path / "test.db")
    notifier = Announcements()
    try:
        purged = await stored_situation(database, exercise=True)
        await broken_log(database, purged)
        await check(database, purged, notifier)
        async with database.transaction() as session:
            await purge_exercises(session, [purged], clock=stepping_clock())

        reborn = await stored_situation(database)
        assert reborn == purged
        await broken_log(database, reborn)
        await check(database, reborn, notifier)
        assert notifier.told == [(purged, 2), (reborn, 2)]
    finally:
        await database.dispose()
