"""Checkpoints let a page verify only what was appended since the last full verification,
on SQLite and PostgreSQL; what that check cannot see is seen by the next full one."""

from __future__ import annotations

from bot.decisionlog.checkpoints import load_checkpoint
from bot.decisionlog.kinds import EntryKind
from bot.decisionlog.log import ChainProblem, SituationLog
from bot.storage.db import Database
from tests.support.clock import stepping_clock
from tests.support.factories import stored_situation
from tests.support.tampering import tamper

ACTOR = "@alice:test"


async def _append(database: Database, situation_id: int, *texts: str) -> None:
    async with database.transaction() as session:
        log = SituationLog(session, stepping_clock())
        for text in texts:
            await log.append(situation_id, EntryKind.NOTE, ACTOR, {"text": text})


async def _full(database: Database, situation_id: int) -> tuple[int | None, int]:
    async with database.transaction() as session:
        check = await SituationLog(session, stepping_clock()).verify_and_checkpoint(situation_id)
    return check.first_broken_seq, check.entries


async def _since(database: Database, situation_id: int) -> tuple[int | None, int | None]:
    """First broken seq, and the seq the check started after (None: verified in full)."""
    async with database.transaction() as session:
        check, point = await SituationLog(session, stepping_clock()).verify_since_checkpoint(
            situation_id
        )
    return check.first_broken_seq, None if point is None else point.seq


async def _edit(database: Database, situation_id: int, seq: int) -> None:
    await tamper(
        database,
        f"UPDATE log_entries SET actor = '@mallory:test' "
        f"WHERE situation_id = {situation_id} AND seq = {seq}",
    )


async def test_the_first_check_verifies_in_full_and_later_ones_start_at_its_checkpoint(
    database: Database,
) -> None:
    situation_id = await stored_situation(database)
    await _append(database, situation_id, "one", "two", "three")
    assert await _since(database, situation_id) == (None, None)
    await _append(database, situation_id, "four", "five")
    async with database.transaction() as session:
        check, point = await SituationLog(session, stepping_clock()).verify_since_checkpoint(
            situation_id
        )
        full = await SituationLog(session, stepping_clock()).verify(situation_id)
    assert point is not None and point.seq == 3
    # The same answer as recomputing everything: count and head.
    assert (check.intact, check.entries, check.head_hash) == (True, 5, full.head_hash)


async def test_an_entry_appended_after_the_checkpoint_and_altered_is_found(
    database: Database,
) -> None:
    situation_id = await stored_situation(database)
    await _append(database, situation_id, "one", "two")
    assert await _full(database, situation_id) == (None, 2)
    await _append(database, situation_id, "three", "four")
    await _edit(database, situation_id, 4)
    assert await _since(database, situation_id) == (4, 2)


async def test_an_altered_checkpoint_entry_sends_the_check_back_to_the_start(
    database: Database,
) -> None:
    situation_id = await stored_situation(database)
    await _append(database, situation_id, "one", "two", "three")
    assert await _full(database, situation_id) == (None, 3)
    await _edit(database, situation_id, 3)
    assert await _since(database, situation_id) == (3, None)
    async with database.transaction() as session:
        assert await load_checkpoint(session, situation_id) is None  # cleared by the break


async def test_an_alteration_before_the_checkpoint_waits_for_the_next_full_verification(
    database: Database,
) -> None:
    """The documented limit: the cheap check trusts entries the checkpoint vouched for."""
    situation_id = await stored_situation(database)
    await _append(database, situation_id, "one", "two", "three")
    assert await _full(database, situation_id) == (None, 3)
    await _edit(database, situation_id, 1)
    assert await _since(database, situation_id) == (None, 3)
    assert await _full(database, situation_id) == (1, 3)
    async with database.transaction() as session:
        check, point = await SituationLog(session, stepping_clock()).verify_since_checkpoint(
            situation_id
        )
    assert (check.first_broken_seq, check.problem, point) == (1, ChainProblem.ALTERED, None)
