"""Removing whole situations' logs on purpose: the only way past the append-only guard.

Migrations 0040 and 0070 make the database refuse UPDATE and DELETE on log_entries (only
exercise entries may be deleted). Retention (a closed situation past its period, and
exported) must still remove entire real logs; it does so here, inside its own
transaction, so the guard is lifted for exactly that transaction and stands again when
it commits or rolls back.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

# Must match the newest guard, created by migration 0070 (exercise entries may go).
_SQLITE_DELETE_GUARD = (
    "CREATE TRIGGER log_entries_no_delete BEFORE DELETE ON log_entries "
    "WHEN (SELECT is_exercise FROM situations WHERE id = OLD.situation_id) IS NOT 1 "
    "BEGIN SELECT RAISE(ABORT, 'log_entries is append-only: DELETE refused'); END"
)


@asynccontextmanager
async def log_deletion_allowed(session: AsyncSession) -> AsyncIterator[None]:
    """Within the caller's transaction, allow DELETE on log_entries; UPDATE stays refused."""
    dialect = session.get_bind().dialect.name
    if dialect == "sqlite":
        # SQLite's DDL is transactional: a rollback brings the trigger back too.
        await session.execute(text("DROP TRIGGER log_entries_no_delete"))
        yield
        await session.execute(text(_SQLITE_DELETE_GUARD))
    elif dialect == "postgresql":
        # Also transactional; the trigger guards UPDATE too, which nothing here issues.
        await session.execute(text("ALTER TABLE log_entries DISABLE TRIGGER log_entries_no_change"))
        yield
        await session.execute(text("ALTER TABLE log_entries ENABLE TRIGGER log_entries_no_change"))
    else:
        raise RuntimeError(f"no append-only guard known for {dialect}")
