"""Which instance is active: only one may sync, send and fire timers at a time.

On PostgreSQL two instances share the database; the active one holds a session-level
advisory lock on a connection of its own. If it dies, PostgreSQL drops the connection
and the lock with it, and the passive instance, which keeps trying, takes over. On
SQLite a second instance is refused at start-up: a file lock next to the database.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import logging
import os
from pathlib import Path
from typing import Protocol

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.storage.db import Database

log = logging.getLogger(__name__)

# Any fixed 64-bit number, unique to Weerbaar among the advisory locks of this database.
ADVISORY_LOCK_KEY = 0x5765657262616172  # "Weerbaar"


class AnotherInstanceRunning(Exception):
    """A second instance on SQLite; the message says what to do instead."""


class Leadership(Protocol):
    """Decides whether this instance is the active one."""

    async def try_acquire(self) -> bool:
        """One attempt, without waiting: whether this instance is now active."""
        ...

    async def acquire(self) -> None:
        """Return once this instance is active (may wait for the other to die)."""
        ...

    async def still_held(self) -> bool:
        """Whether this instance is still the active one."""
        ...

    async def release(self) -> None:
        """Give up being active."""
        ...


class PostgresLease:
    """Active while holding a PostgreSQL advisory lock on a dedicated connection."""

    def __init__(self, db: Database, retry_seconds: float) -> None:
        self._db = db
        self._retry_seconds = retry_seconds
        self._connection: AsyncConnection | None = None

    async def try_acquire(self) -> bool:
        """Try the lock once; a held lock means another instance is active."""
        try:
            return await self._try_lock()
        except Exception as exc:  # database unreachable: the next try may succeed
            log.warning("cannot reach the database to take the lease: %s", exc)
            await self._drop_connection()
            return False

    async def acquire(self) -> None:
        """Try the lock until it is ours."""
        waiting_logged = False
        while not await self.try_acquire():
            if not waiting_logged:
                log.info("another instance is active; waiting as passive instance")
                waiting_logged = True
            await asyncio.sleep(self._retry_seconds)

    async def _try_lock(self) -> bool:
        if self._connection is None:
            self._connection = await self._db.engine.connect()
        got = await self._connection.scalar(
            text("SELECT pg_try_advisory_lock(:key)"), {"key": ADVISORY_LOCK_KEY}
        )
        # Keep the connection out of any transaction so the lock is its only state.
        await self._connection.commit()
        return bool(got)

    async def still_held(self) -> bool:
        """False when the lease connection is gone (and with it the lock)."""
        if self._connection is None:
            return False
        try:
            held = await self._connection.scalar(
                text(
                    "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' "
                    "AND pid = pg_backend_pid() AND granted "
                    "AND ((classid::bigint << 32) | objid::bigint) = :key"
                ),
                {"key": ADVISORY_LOCK_KEY},
            )
            await self._connection.commit()
        except Exception as exc:
            log.warning("lost the lease connection: %s", exc)
            await self._drop_connection()
            return False
        return bool(held)

    async def release(self) -> None:
        """Unlock and close the dedicated connection."""
        if self._connection is not None:
            with contextlib.suppress(Exception):
                await self._connection.execute(
                    text("SELECT pg_advisory_unlock(:key)"), {"key": ADVISORY_LOCK_KEY}
                )
        await self._drop_connection()

    async def _drop_connection(self) -> None:
        if self._connection is not None:
            with contextlib.suppress(Exception):
                await self._connection.close()
            self._connection = None


class SqliteFileLock:
    """Exclusive use of a SQLite database by one process."""

    def __init__(self, database_file: Path) -> None:
        self.path = database_file.with_name(database_file.name + ".lock")
        self._fd: int | None = None

    async def try_acquire(self) -> bool:
        """Take the lock (True) or raise AnotherInstanceRunning: no passive role on SQLite."""
        await self.acquire()
        return True

    async def acquire(self) -> None:
        """Take the lock or raise AnotherInstanceRunning at once (no waiting on SQLite)."""
        if self._fd is not None:
            return
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise AnotherInstanceRunning(
                f"another weerbaar instance uses this SQLite database (lock {self.path}); "
                "run two instances only on PostgreSQL"
            ) from None
        self._fd = fd

    async def still_held(self) -> bool:
        """A file lock stays held for the life of the process."""
        return self._fd is not None

    async def release(self) -> None:
        """Unlock."""
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None


def leadership_for(db: Database, retry_seconds: float) -> Leadership:
    """The leadership that fits the database: a lease on PostgreSQL, a file lock on SQLite."""
    if db.is_sqlite:
        database = make_url(db.url).database
        if not database or database == ":memory:":
            raise AnotherInstanceRunning("an in-memory SQLite database cannot be shared")
        return SqliteFileLock(Path(database))
    return PostgresLease(db, retry_seconds)
