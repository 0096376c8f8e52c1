"""The append-only log: guarded in code and database, tamper-evident, corrected by new entries."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import text, update
from sqlalchemy.exc import DBAPIError
from typer.testing import CliRunner

from bot.cli import app
from bot.decisionlog.audit import verify_situations
from bot.decisionlog.grounds import Withheld
from bot.decisionlog.kinds import EntryKind
from bot.decisionlog.log import AppendOnlyError, ChainProblem, SituationLog
from bot.errors import LogEntryNotFound, SituationNotFound
from bot.storage.db import Database
from bot.storage.models import LogEntryRecord
from tests.support.cli_config import clear_weerbaar_environment, storage_only_config
from tests.support.clock import stepping_clock
from tests.support.databases import migrated_sqlite
from tests.support.factories import stored_situation
from tests.support.tampering import tamper


async def _log_with_entries(database: Database, count: int = 5) -> int:
    situation_id = await stored_situation(database)
    clock = stepping_clock()
    async with database.transaction() as session:
        log = SituationLog(session, clock)
        for number in range(1, count + 1):
            await log.append(situation_id, EntryKind.NOTE, "@alice:test", {"text": f"n{number}"})
    return situation_id


async def _check(database: Database, situation_id: int) -> tuple[int | None, ChainProblem | None]:
    [(_, check)] = await verify_situations(database, situation_id)
    return check.first_broken_seq, check.problem


async def test_an_untouched_log_verifies(database: Database) -> None:
    situation_id = await _log_with_entries(database)
    [(checked, check)] = await verify_situations(database, situation_id)
    assert checked == situation_id and check.intact and check.entries == 5


async def test_an_edited_entry_is_found(database: Database) -> None:
    situation_id = await _log_with_entries(database)
    await tamper(
        database,
        'UPDATE log_entries SET payload = \'{"text": "rewritten"}\' '
        f"WHERE situation_id = {situation_id} AND seq = 3",
    )
    assert await _check(database, situation_id) == (3, ChainProblem.ALTERED)


async def test_a_flipped_disclosure_flag_or_changed_actor_is_found(database: Database) -> None:
    situation_id = await _log_with_entries(database)
    await tamper(
        database,
        f"UPDATE log_entries SET disclosable = false WHERE situation_id = {situation_id} "
        "AND seq = 4",
    )
    assert await _check(database, situation_id) == (4, ChainProblem.ALTERED)
    other = await _log_with_entries(database)
    await tamper(
        database,
        f"UPDATE log_entries SET actor = '@mallory:test' WHERE situation_id = {other} AND seq = 2",
    )
    assert await _check(database, other) == (2, ChainProblem.ALTERED)


async def test_a_deleted_entry_is_found(database: Database) -> None:
    situation_id = await _log_with_entries(database)
    await tamper(
        database, f"DELETE FROM log_entries WHERE situation_id = {situation_id} AND seq = 2"
    )
    assert await _check(database, situation_id) == (2, ChainProblem.MISSING)


async def test_reordered_entries_are_found(database: Database) -> None:
    situation_id = await _log_with_entries(database)
    where = f"WHERE situation_id = {situation_id}"
    await tamper(
        database,
        f"UPDATE log_entries SET seq = -1 {where} AND seq = 2",
        f"UPDATE log_entries SET seq = 2 {where} AND seq = 3",
        f"UPDATE log_entries SET seq = 3 {where} AND seq = -1",
    )
    assert await _check(database, situation_id) == (2, ChainProblem.ALTERED)


async def test_a_relinked_entry_is_found(database: Database) -> None:
    situation_id = await _log_with_entries(database)
    await tamper(
        database,
        f"UPDATE log_entries SET prev_hash = '{'f' * 64}' "
        f"WHERE situation_id = {situation_id} AND seq = 5",
    )
    assert await _check(database, situation_id) == (5, ChainProblem.UNLINKED)


async def _execute(database: Database, statement: str) -> None:
    async with database.engine.begin() as connection:
        await connection.execute(text(statement))


async def test_the_database_refuses_updates_and_deletes(database: Database) -> None:
    situation_id = await _log_with_entries(database, 2)
    statements = [
        f"UPDATE log_entries SET actor = 'x' WHERE situation_id = {situation_id}",
        f"DELETE FROM log_entries WHERE situation_id = {situation_id}",
    ]
    if not database.is_sqlite:
        statements.append("TRUNCATE log_entries CASCADE")
    for statement in statements:
        with pytest.raises(DBAPIError, match="append-only"):
            await _execute(database, statement)
    assert await _check(database, situation_id) == (None, None)


async def _change_through_the_orm(database: Database, situation_id: int, how: str) -> None:
    async with database.transaction() as session:
        entry = await SituationLog(session, stepping_clock()).entry(situation_id, 1)
        assert entry is not None
        if how == "edit":
            entry.payload = {"text": "changed"}
        elif how == "delete":
            await session.delete(entry)
        else:  # bulk statements bypass the ORM events, not the database
            await session.execute(update(LogEntryRecord).values(actor="x"))
        await session.flush()


@pytest.mark.parametrize(
    ("how", "error"),
    [("edit", AppendOnlyError), ("delete", AppendOnlyError), ("bulk", DBAPIError)],
)
async def test_the_service_api_cannot_change_or_remove_an_entry(
    database: Database, how: str, error: type[Exception]
) -> None:
    situation_id = await _log_with_entries(database, 1)
    with pytest.raises(error):
        await _change_through_the_orm(database, situation_id, how)
    assert await _check(database, situation_id) == (None, None)


async def test_a_correction_is_a_new_entry_pointing_at_the_old_one(database: Database) -> None:
    situation_id = await _log_with_entries(database, 2)
    clock = stepping_clock()
    async with database.transaction() as session:
        log = SituationLog(session, clock)
        fixed = await log.correct(situation_id, 2, "@bob:test", "it was n-two", withheld=Withheld())
        with pytest.raises(LogEntryNotFound):
            await log.correct(situation_id, 99, "@bob:test", "nothing there")
        entries = await log.entries(situation_id)
    assert [entry.seq for entry in entries] == [1, 2, 3]
    assert entries[1].payload == {"text": "n2"}  # the original stays as it was
    assert (fixed.kind, fixed.corrects_seq, fixed.disclosable) == ("correction", 2, False)
    assert await _check(database, situation_id) == (None, None)


async def test_decided_at_and_recorded_at_are_both_kept(database: Database) -> None:
    situation_id = await stored_situation(database)
    clock = stepping_clock()
    decided = datetime(2026, 11, 23, 8, 15, tzinfo=UTC)
    async with database.transaction() as session:
        entry = await SituationLog(session, clock).append(
            situation_id, EntryKind.NOTE, "@alice:test", {"text": "late"}, occurred_at=decided
        )
    assert entry.occurred_at == decided
    assert entry.recorded_at - decided > timedelta(minutes=30)


async def test_verify_all_situations_and_unknown_one(database: Database) -> None:
    first = await _log_with_entries(database, 2)
    second = await _log_with_entries(database, 3)
    checks = await verify_situations(database, None)
    assert [(sid, check.entries) for sid, check in checks] == [(first, 2), (second, 3)]
    with pytest.raises(SituationNotFound):
        await verify_situations(database, 999)


async def _two_logs_one_broken(db_path: Path) -> tuple[int, int]:
    database = await migrated_sqlite(db_path)
    intact = await _log_with_entries(database, 2)
    broken = await _log_with_entries(database, 4)
    await tamper(database, f"DELETE FROM log_entries WHERE situation_id = {broken} AND seq = 3")
    await database.dispose()
    return intact, broken


def test_weerbaar_log_verify_names_the_broken_entry(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    clear_weerbaar_environment(monkeypatch)
    db_path = tmp_path / "cli.db"
    # The command line runs its own event loop, so this test is synchronous.
    intact, broken = asyncio.run(_two_logs_one_broken(db_path))
    config = storage_only_config(tmp_path / "weerbaar.toml", db_path)
    runner = CliRunner()

    result = runner.invoke(app, ["log", "verify", "-c", str(config)])
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert lines[0].startswith(f"situation {intact}: 2 entries, intact, head ")
    assert lines[1].startswith(f"situation {broken}: BROKEN at entry 3 (missing)")

    result = runner.invoke(app, ["log", "verify", str(intact), "-c", str(config)])
    assert result.exit_code == 0 and "intact" in result.output
    result = runner.invoke(app, ["log", "verify", "77", "-c", str(config)])
    assert result.exit_code == 1 and "does not exist" in result.output
