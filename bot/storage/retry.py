"""Running a transaction again when the database gave it up only because of another one.

PostgreSQL aborts one side of a deadlock (SQLSTATE 40P01) and, under stricter isolation,
a transaction that cannot be serialised (40001); SQLite answers "database is locked"
once its busy timeout has passed. Each says nothing about the work itself: run again, it
would very likely succeed. Everything else is a real error and is raised at once.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable
from typing import TypeVar

from sqlalchemy.exc import DBAPIError

log = logging.getLogger(__name__)

T = TypeVar("T")

RETRYABLE_SQLSTATES = frozenset({"40P01", "40001"})  # deadlock, serialization failure
ATTEMPTS = 5
BACKOFF_SECONDS = 0.01


def sqlstate(error: DBAPIError) -> str | None:
    """PostgreSQL's SQLSTATE of ``error`` (None from SQLite, which has none)."""
    return getattr(error.orig, "sqlstate", None)


def is_transient(error: BaseException) -> bool:
    """True when ``error`` aborted a transaction that may simply be run again."""
    if not isinstance(error, DBAPIError):
        return False
    if sqlstate(error) in RETRYABLE_SQLSTATES:
        return True
    return "database is locked" in str(error.orig)


async def retry_transient(
    run: Callable[[], Awaitable[T]], attempts: int = ATTEMPTS, backoff: float = BACKOFF_SECONDS
) -> T:
    """``run()`` (one whole transaction), again after a transient failure.

    At most ``attempts`` runs. The wait before each retry grows with the attempt and is
    jittered, so two transactions that deadlocked do not meet again in step.
    """
    for attempt in range(1, attempts + 1):
        try:
            return await run()
        except DBAPIError as exc:
            if attempt == attempts or not is_transient(exc):
                raise
            log.warning("transaction aborted (%s), attempt %d of %d", exc.orig, attempt, attempts)
        await asyncio.sleep(random.uniform(0.5, 1.5) * backoff * attempt)
    raise AssertionError("unreachable")  # pragma: no cover
