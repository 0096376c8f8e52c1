"""The database handle: one async engine and a transaction helper."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from contextvars import Context, ContextVar, copy_context
from pathlib import Path
from typing import Any

from sqlalchemy import event, make_url
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.pool import Pool, QueuePool
from sqlalchemy.sql.compiler import InsertmanyvaluesSentinelOpts

from bot.private_files import create_private_file

log = logging.getLogger(__name__)


def dialect_insert(session: AsyncSession) -> Any:
    """``insert`` of the session's database: both dialects know ``on_conflict_do_*``."""
    # Imported here: the engine loads only its own dialect, and PostgreSQL's costs every
    # SQLite user (the command line's offline commands) a tenth of a second.
    from sqlalchemy.dialects import postgresql, sqlite

    return postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert


def after_commit(session: AsyncSession, callback: Callable[[], None]) -> None:
    """Call ``callback`` once, when ``session``'s outermost transaction commits.

    Never on a rollback, and not when a savepoint is released: SQLAlchemy's after_commit
    fires for a savepoint too, whose work the outer transaction may still undo. Callbacks
    run in the order they were registered, synchronously inside the commit, so one
    registered first has run before any later one can wake another task.
    """
    sync_session = session.sync_session
    called = False

    def committed(_session: Any) -> None:
        nonlocal called
        # While a savepoint's commit is dispatched, it is still the session's transaction.
        if called or sync_session.in_nested_transaction():
            return
        called = True
        callback()

    event.listen(sync_session, "after_commit", committed)


class _Open:
    """Marks the task (and the tasks it starts) as being inside a transaction until closed.

    A task started inside a transaction inherits the marker, but sees it closed once the
    transaction ends, so a long-running task is not taken to be inside it for ever.
    """

    def __init__(self) -> None:
        self.open = True


_TRANSACTION: ContextVar[_Open | None] = ContextVar("weerbaar_transaction", default=None)


def transaction_open() -> bool:
    """Whether the running code is inside a ``Database.transaction()`` block."""
    marker = _TRANSACTION.get()
    return marker is not None and marker.open


def detached_context() -> Context:
    """The current context outside any transaction: for a task started inside one that
    does its own work (and homeserver calls) while that transaction is still open."""
    context = copy_context()
    context.run(_TRANSACTION.set, None)
    return context


class Database:
    """An async engine for SQLite (default) or PostgreSQL, with one transaction helper."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.is_sqlite = url.startswith("sqlite")
        connect_args: dict[str, Any] = (
            {"timeout": 30, "factory": _RollbackOnClose} if self.is_sqlite else {}
        )
        # A file database cannot go away under us; pinging it would cost a round trip
        # through aiosqlite's thread on every checkout.
        self.engine = create_async_engine(
            url, connect_args=connect_args, pool_pre_ping=not self.is_sqlite
        )
        if self.is_sqlite:
            _create_sqlite_file(url)
            _serialise_sqlite_writers(self.engine.sync_engine)
            _insert_many_rows_at_once(self.engine.sync_engine)
        self._sessions = async_sessionmaker(self.engine, expire_on_commit=False)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """A session inside one transaction: committed on success, rolled back on error.

        Commit, rollback and close run to their end even when the task is cancelled: an
        aiosqlite connection whose rollback was cut short goes back to the pool while its
        thread still holds SQLite's write lock, and every later writer on the file waits
        for it in vain. The cancellation is passed on once the connection is clean.
        """
        session = self._sessions()
        marker = _Open()
        token = _TRANSACTION.set(marker)
        try:
            await session.begin()
            yield session
            await _to_the_end(session.commit())
        except BaseException:
            await _to_the_end(session.rollback())
            raise
        finally:
            marker.open = False
            _TRANSACTION.reset(token)
            await _to_the_end(session.close())

    async def dispose(self, timeout: float = 10.0) -> None:
        """Close all pooled connections, once none is checked out (waiting up to ``timeout``).

        Disposing closes only the connections in the pool; one still checked out would be
        cut off later by garbage collection, mid-transaction, and on SQLite could keep the
        write lock. Waiting for it to come back avoids that.
        """
        pool = self.engine.pool
        returned = asyncio.Event()
        # Pool events run on the event loop's thread (SQLAlchemy's greenlet bridge).
        event.listen(pool, "checkin", lambda *_: returned.set())
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while _checked_out(pool) > 0 and loop.time() < deadline:
            returned.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(returned.wait(), deadline - loop.time())
        if _checked_out(pool) > 0:
            log.error(
                "disposing the database with %d connection(s) still in use",
                _checked_out(pool),
            )
        await self.engine.dispose()


async def _to_the_end(work: Awaitable[None]) -> None:
    """Await ``work`` to completion even if cancelled meanwhile; then re-raise the cancel."""
    task = asyncio.ensure_future(work)
    cancelled = False
    while not task.done():
        try:
            await asyncio.shield(task)
        except asyncio.CancelledError:
            cancelled = True
    if cancelled:
        raise asyncio.CancelledError
    task.result()


def _checked_out(pool: Pool) -> int:
    """Connections in use; pools that hand out no tracked connections count none."""
    return pool.checkedout() if isinstance(pool, QueuePool) else 0


class _RollbackOnClose(sqlite3.Connection):
    """A SQLite connection that rolls back its open transaction when closed.

    Invariant: closing a connection releases SQLite's write lock. Plain ``close()`` does
    not guarantee that: a cancelled task makes SQLAlchemy invalidate its connection, which
    closes it mid-transaction while the cancelled task's frames still hold its cursor.
    With a statement still unfinalized, SQLite turns the close into a "zombie" connection
    that keeps the transaction, and so the write lock, until that cursor is garbage.
    ROLLBACK ends the transaction whatever statements are still pending.
    """

    def close(self) -> None:
        """Roll back any open transaction, then close."""
        try:
            if self.in_transaction:
                self.rollback()
        finally:
            super().close()


def sqlite_file(url: str) -> Path | None:
    """The file of a SQLite database URL; None for PostgreSQL or an in-memory database."""
    if not url.startswith("sqlite"):
        return None
    database = make_url(url).database
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return Path(database)


def _create_sqlite_file(url: str) -> None:
    """Create the database file owner-only before SQLite does, under any umask.

    SQLite gives the journal, the WAL and the shared-memory file the mode of the database
    file, so these are owner-only as well.
    """
    path = sqlite_file(url)
    if path is not None:
        create_private_file(path)


def _insert_many_rows_at_once(sync_engine: Any) -> None:
    # A flush of many new rows (a batch of intake alerts) is one multi-row INSERT ...
    # RETURNING on PostgreSQL, but SQLAlchemy sends SQLite one INSERT per row, each a
    # round trip through aiosqlite's thread, because RETURNING's row order is not
    # promised there. It need not be: SQLite gives the rows of one INSERT ascending
    # rowids in VALUES order (max(rowid) + 1 each, the tables have no AUTOINCREMENT), so
    # SQLAlchemy may match returned rows to objects by sorting on the id, as it does on
    # PostgreSQL. tests/test_intake_batching.py checks the order on both databases.
    sync_engine.dialect.insertmanyvalues_implicit_sentinel = (
        InsertmanyvaluesSentinelOpts.ANY_AUTOINCREMENT
    )


def _serialise_sqlite_writers(sync_engine: Any) -> None:
    # SQLite upgrades a deferred read transaction to a write lock lazily and then fails
    # at once with "database is locked" instead of waiting; BEGIN IMMEDIATE takes the
    # write lock up front, so concurrent transactions queue on the busy timeout instead.
    @event.listens_for(sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()

    @event.listens_for(sync_engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")
