"""Migrated, empty databases for tests, migrated once per session (per xdist worker).

Running the migrations from empty costs about a second per database; most tests only
need the schema at head. Each process therefore migrates once, from empty (so the
migrations still run from scratch every session, besides ``tests/test_migrations.py``):

- SQLite: into a template file, of which every test gets a byte copy.
- PostgreSQL: into one database per process, which every test gets emptied (see
  :class:`ReusedPostgresDatabase` for why emptying is safe and how it was chosen).

A database that a test means to migrate itself stays blank: the ``blank_database`` fixture.
"""

from __future__ import annotations

import asyncio
import atexit
import functools
import shutil
import tempfile
import threading
import uuid
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import pytest

from bot.config import Settings
from bot.private_files import create_private_file
from bot.storage.db import Database, sqlite_file
from bot.storage.migrate import upgrade
from tests.support.postgres import POSTGRES_URL, postgres_unavailable

_TEMPLATE_LOCK = threading.Lock()


async def _migrate(url: str) -> None:
    database = Database(url)
    try:
        await upgrade(database)
    finally:
        await database.dispose()


@functools.cache
def _make_sqlite_template() -> Path:
    directory = Path(tempfile.mkdtemp(prefix="weerbaar-template-"))
    atexit.register(shutil.rmtree, directory, True)
    path = directory / "template.db"
    asyncio.run(_migrate(f"sqlite+aiosqlite:///{path}"))
    # The last connection's close checkpointed the WAL into the file: the file is all.
    assert not path.with_name(path.name + "-wal").exists()
    return path


def _sqlite_template() -> Path:
    """This process's migrated, empty SQLite file; made by the first caller."""
    with _TEMPLATE_LOCK:
        return _make_sqlite_template()


def _copy_template(path: Path) -> None:
    if path.exists():  # a test reopening its database must keep what it wrote there
        raise FileExistsError(f"{path} exists: a migrated copy would replace it")
    template = _sqlite_template()
    create_private_file(path)
    # Copied into the private file, so the copy keeps its mode.
    shutil.copyfile(template, path)


async def copy_migrated_sqlite(path: Path) -> None:
    """Write a migrated, empty SQLite database to ``path`` (owner-only, as the bot's)."""
    # In a thread: the first caller migrates the template on an event loop of its own.
    await asyncio.to_thread(_copy_template, path)


async def migrated_sqlite(path: Path) -> Database:
    """A migrated, empty SQLite database at ``path``."""
    await copy_migrated_sqlite(path)
    return Database(f"sqlite+aiosqlite:///{path}")


async def prepare_bot_database(settings: Settings) -> None:
    """Give a bot whose SQLite file does not exist yet a migrated one, before it is built.

    A started bot then finds its schema at head and its migration step has nothing to do.
    A file that exists already (a restart) and PostgreSQL are left alone.
    """
    path = sqlite_file(settings.database_url)
    if path is not None and not path.exists():
        await copy_migrated_sqlite(path)


# Everything a test could change in the schema of ``public`` (tests/support/tampering.py
# disables the decision log's triggers), and the migration the database is at.
_SCHEMA_FINGERPRINT = """
SELECT md5(string_agg(item, E'\\n' ORDER BY item)) FROM (
  SELECT format('class %s %s', c.oid::regclass, c.relkind) AS item
    FROM pg_class c WHERE c.relnamespace = 'public'::regnamespace
  UNION ALL
  SELECT format('column %s %s %s %s %s', a.attrelid::regclass, a.attname,
                format_type(a.atttypid, a.atttypmod), a.attnotnull,
                pg_get_expr(d.adbin, d.adrelid))
    FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
    LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
   WHERE c.relnamespace = 'public'::regnamespace AND a.attnum > 0 AND NOT a.attisdropped
  UNION ALL
  SELECT format('constraint %s %s %s', conrelid::regclass, conname, pg_get_constraintdef(oid))
    FROM pg_constraint WHERE connamespace = 'public'::regnamespace
  UNION ALL
  SELECT format('index %s', pg_get_indexdef(i.indexrelid))
    FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid
   WHERE c.relnamespace = 'public'::regnamespace
  UNION ALL
  SELECT format('trigger %s %s', pg_get_triggerdef(oid), tgenabled)
    FROM pg_trigger WHERE NOT tgisinternal
  UNION ALL
  SELECT format('function %s %s', oid::regprocedure, md5(prosrc))
    FROM pg_proc WHERE pronamespace = 'public'::regnamespace
  UNION ALL
  SELECT format('version %s', version_num) FROM alembic_version
) AS schema
"""


class ReusedPostgresDatabase:
    """One migrated PostgreSQL database per process, emptied for each test that uses it.

    Chosen by measurement on the 2-core CI box (under load, per test): a fresh database
    plus the migrations cost 1-2.5 s; ``CREATE DATABASE ... TEMPLATE`` of a migrated one
    0.8-1.3 s, plus 0.1-1.3 s to drop it; ``TRUNCATE`` of all tables 0.5-1 s (each table
    and index gets new files); ``DELETE`` from every table and restarting every sequence
    0.01-0.04 s, plus about 0.01 s for the schema check below. So: ``DELETE``.

    Why a test cannot tell it from a fresh database (:meth:`emptied`, before each test):

    - connections a previous test left open are terminated first, with their locks and
      advisory locks;
    - every table but ``alembic_version`` is emptied, with ``session_replication_role =
      replica`` so that no trigger fires: neither the decision log's append-only guard nor
      the foreign keys' (every row goes, so none is left dangling);
    - every sequence restarts, so ids start at 1 again (all of them belong to tables);
    - a test that changed the schema (a tampering test disables the log's triggers) is
      caught by comparing a fingerprint of the catalogue with the one taken right after
      migrating; the database is then dropped and migrated anew.
    """

    def __init__(self, prefix: str) -> None:
        self.name = f"{prefix}_{uuid.uuid4().hex[:12]}"
        self.url = POSTGRES_URL.rsplit("/", 1)[0] + f"/{self.name}"
        # asyncpg's own URLs, without SQLAlchemy's driver name.
        self._admin_url = POSTGRES_URL.replace("postgresql+asyncpg", "postgresql")
        self._plain_url = self.url.replace("postgresql+asyncpg", "postgresql")
        self._fingerprint: str | None = None
        self._emptying = ""

    async def emptied(self) -> str:
        """The URL of the database, migrated and empty; skips without PostgreSQL."""
        if self._fingerprint is None:
            reason = await postgres_unavailable()
            if reason:
                pytest.skip(reason)
            await self._create()
            return self.url
        connection = await asyncpg.connect(self._plain_url)
        try:
            await connection.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
            changed = await connection.fetchval(_SCHEMA_FINGERPRINT) != self._fingerprint
            if not changed:
                async with connection.transaction():
                    await connection.execute("SET LOCAL session_replication_role = replica")
                    await connection.execute(self._emptying)
        finally:
            await connection.close()
        if changed:
            await self.drop()
            await self._create()
        return self.url

    async def _create(self) -> None:
        admin = await asyncpg.connect(self._admin_url)
        try:
            await admin.execute(f'CREATE DATABASE "{self.name}"')
        finally:
            await admin.close()
        await _migrate(self.url)
        connection = await asyncpg.connect(self._plain_url)
        try:
            self._fingerprint = await connection.fetchval(_SCHEMA_FINGERPRINT)
            tables = await connection.fetch(
                "SELECT quote_ident(tablename) FROM pg_tables"
                " WHERE schemaname = 'public' AND tablename <> 'alembic_version'"
            )
            sequences = await connection.fetch(
                "SELECT quote_ident(sequencename) FROM pg_sequences WHERE schemaname = 'public'"
            )
        finally:
            await connection.close()
        self._emptying = "; ".join(
            [f"DELETE FROM {table}" for (table,) in tables]
            + [f"ALTER SEQUENCE {sequence} RESTART" for (sequence,) in sequences]
        )

    async def drop(self) -> None:
        """Drop the database, if it was made."""
        if self._fingerprint is None:
            return
        admin = await asyncpg.connect(self._admin_url)
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
        finally:
            await admin.close()
        self._fingerprint = None


@dataclass(frozen=True)
class WatchedPostgres:
    """A PostgreSQL database shared as two instances share it, and a plain connection
    beside it to watch its sessions (``until_waiting_for_locks``)."""

    database: Database
    admin: asyncpg.Connection
