"""PostgreSQL for tests: at WEERBAAR_TEST_POSTGRES_URL (127.0.0.1:5432 by default), or skipped."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import asyncpg
import pytest

POSTGRES_URL = os.environ.get(
    "WEERBAAR_TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
)


async def postgres_unavailable() -> str | None:
    """Why PostgreSQL cannot be used, or None when it can."""
    url = POSTGRES_URL.replace("postgresql+asyncpg", "postgresql")
    try:
        connection = await asyncpg.connect(url, timeout=3)
    except (OSError, asyncpg.PostgresError) as exc:
        return f"PostgreSQL not reachable at {POSTGRES_URL} ({exc}); set WEERBAAR_TEST_POSTGRES_URL"
    await connection.close()
    return None


@asynccontextmanager
async def fresh_postgres_database(prefix: str) -> AsyncIterator[str]:
    """The URL of a new, empty PostgreSQL database, dropped afterwards; skips without one."""
    reason = await postgres_unavailable()
    if reason:
        pytest.skip(reason)
    admin_url = POSTGRES_URL.replace("postgresql+asyncpg", "postgresql")
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    admin = await asyncpg.connect(admin_url)
    await admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield POSTGRES_URL.rsplit("/", 1)[0] + f"/{name}"
    finally:
        await admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
        await admin.close()


async def until_waiting_for_locks(
    admin: asyncpg.Connection, count: int = 1, *, unless_done: asyncio.Task[Any] | None = None
) -> None:
    """Return once ``count`` sessions of ``admin``'s database wait for a lock, or as soon as
    ``unless_done`` has finished; AssertionError when neither happens within about 10 s."""
    for _ in range(2000):
        if unless_done is not None and unless_done.done():
            return
        waiting = await admin.fetchval(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        if waiting >= count:
            return
        await asyncio.sleep(0.005)
    raise AssertionError(f"{count} session(s) never waited for a lock")
