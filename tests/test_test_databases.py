"""The tests' migrated databases are indistinguishable from freshly migrated ones."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from bot.decisionlog.kinds import EntryKind
from bot.decisionlog.log import SituationLog
from bot.storage.db import Database
from bot.storage.migrate import is_current
from bot.storage.models import Base
from tests.support.clock import stepping_clock
from tests.support.databases import ReusedPostgresDatabase, migrated_sqlite
from tests.support.factories import stored_situation
from tests.support.tampering import tamper

_TABLES = sorted(Base.metadata.tables)


async def _row_counts(database: Database) -> dict[str, int]:
    async with database.engine.connect() as connection:
        return {
            table: (await connection.execute(text(f"SELECT count(*) FROM {table}"))).scalar_one()
            for table in _TABLES
        }


async def _fill(database: Database) -> None:
    """Rows in the tables the tests touch most, the append-only log among them."""
    situation = await stored_situation(database)
    async with database.transaction() as session:
        await SituationLog(session, stepping_clock()).append(
            situation, EntryKind.NOTE, "@alice:test", {"text": "n1"}
        )
        await session.execute(text("INSERT INTO bot_state (key, value) VALUES ('a', 'b')"))


async def _guards_the_log(database: Database) -> bool:
    """Whether deleting a stored log entry is refused (row triggers need a row)."""
    await _fill(database)
    try:
        async with database.engine.begin() as connection:
            await connection.execute(text("DELETE FROM log_entries"))
    except DBAPIError as exc:
        return "append-only" in str(exc)
    return False


async def test_a_sqlite_copy_is_migrated_empty_and_private(tmp_path: Path) -> None:
    database = await migrated_sqlite(tmp_path / "copy.db")
    try:
        assert await is_current(database)
        assert set((await _row_counts(database)).values()) == {0}
        assert await _guards_the_log(database)
    finally:
        await database.dispose()
    assert stat.S_IMODE((tmp_path / "copy.db").stat().st_mode) == 0o600


@pytest.fixture
def reused() -> ReusedPostgresDatabase:
    return ReusedPostgresDatabase("weerbaar_reuse")


async def test_a_reused_postgres_database_comes_back_empty_with_ids_from_one(
    reused: ReusedPostgresDatabase,
) -> None:
    try:
        first = Database(await reused.emptied())
        await _fill(first)
        # A connection left open inside a transaction, as a careless test might.
        leftover = await first.engine.connect()
        await leftover.execute(text("SELECT * FROM situations FOR UPDATE"))

        second = Database(await reused.emptied())
        try:
            assert set((await _row_counts(second)).values()) == {0}
            assert await is_current(second)
            assert await stored_situation(second) == 1
            assert await _guards_the_log(second)
        finally:
            await second.dispose()
        await leftover.invalidate()
        await first.dispose()
    finally:
        await reused.drop()


async def test_a_reused_postgres_database_whose_schema_changed_is_made_anew(
    reused: ReusedPostgresDatabase,
) -> None:
    try:
        first = Database(await reused.emptied())
        await _fill(first)
        await tamper(first, "DELETE FROM log_entries")  # switches the log's guard off
        await first.dispose()

        second = Database(await reused.emptied())
        try:
            assert set((await _row_counts(second)).values()) == {0}
            assert await _guards_the_log(second)
        finally:
            await second.dispose()
    finally:
        await reused.drop()
