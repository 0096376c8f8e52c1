"""The database handle: one async engine and a transaction helper."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine


class Database:
    """An async engine for SQLite (default) or PostgreSQL, with one transaction helper."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.is_sqlite = url.startswith("sqlite")
        connect_args: dict[str, Any] = {"timeout": 30} if self.is_sqlite else {}
        # A file database cannot go away under us; pinging it would cost a round trip
        # through aiosqlite's thread on every checkout.
        self.engine = create_async_engine(
            url, connect_args=connect_args, pool_pre_ping=not self.is_sqlite
        )
        if self.is_sqlite:
            _serialise_sqlite_writers(self.engine.sync_engine)
        self._sessions = async_sessionmaker(self.engine, expire_on_commit=False)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """A session inside one transaction: committed on success, rolled back on error."""
        async with self._sessions() as session, session.begin():
            yield session

    async def dispose(self) -> None:
        """Close all pooled connections."""
        await self.engine.dispose()


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
