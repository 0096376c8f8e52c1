"""A task cancelled mid-transaction (the bot stopping) must not leave SQLite locked.

Stopping the bot cancels its workers wherever they are, often inside a transaction.
If that cancellation interrupts the commit or rollback, the connection keeps SQLite's
write lock and the next process on the same file waits for it until it gives up.
"""

from __future__ import annotations

import asyncio
import random
import sqlite3
import threading
from pathlib import Path
from typing import Any

from sqlalchemy import event, text

from bot.storage.db import Database
from bot.storage.state import BotState
from tests.support.databases import copy_migrated_sqlite

ROUNDS = 60


async def _busy_writer(state: BotState, worker: int) -> None:
    counter = 0
    while True:
        counter += 1
        await state.set(f"worker-{worker}", str(counter))
        await state.get(f"worker-{worker}")


def _write_lock_is_free(path: Path) -> bool:
    connection = sqlite3.connect(path, timeout=0.5, isolation_level=None)
    try:
        connection.execute("BEGIN IMMEDIATE")
        connection.execute("ROLLBACK")
        return True
    except sqlite3.OperationalError:
        return False
    finally:
        connection.close()


async def test_cancelled_transactions_release_the_sqlite_write_lock(tmp_path: Path) -> None:
    path = tmp_path / "weerbaar.db"
    await copy_migrated_sqlite(path)
    randomness = random.Random(20261204)
    locked_rounds = []
    for round_number in range(ROUNDS):
        db = Database(f"sqlite+aiosqlite:///{path}")
        state = BotState(db)
        workers = [asyncio.create_task(_busy_writer(state, n)) for n in range(3)]
        await asyncio.sleep(randomness.uniform(0, 0.02))
        for worker in workers:
            worker.cancel()
        await asyncio.gather(*workers, return_exceptions=True)
        await db.dispose()
        if not await asyncio.to_thread(_write_lock_is_free, path):
            locked_rounds.append(round_number)
    assert locked_rounds == [], f"write lock still held after rounds {locked_rounds}"


async def test_a_statement_cut_off_by_cancellation_leaves_no_write_lock(tmp_path: Path) -> None:
    """The deterministic case behind the random rounds above.

    A task cancelled while its statement runs has its connection invalidated and closed
    mid-transaction, while the task's frames still hold the statement's cursor.
    """
    path = tmp_path / "weerbaar.db"
    db = Database(f"sqlite+aiosqlite:///{path}")
    inside = threading.Event()
    release = threading.Event()

    def hold() -> int:
        # Runs on aiosqlite's thread: keeps the statement busy until the task is cancelled.
        inside.set()
        release.wait()
        return 1

    @event.listens_for(db.engine.sync_engine, "connect")
    def _add_hold(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.create_function("hold", 0, hold)

    async def writer() -> None:
        async with db.transaction() as session:
            await session.execute(text("SELECT hold()"))

    task = asyncio.create_task(writer())
    try:
        await asyncio.to_thread(inside.wait)
        task.cancel()
    finally:
        release.set()
    await asyncio.gather(task, return_exceptions=True)
    await db.dispose()
    # ``task`` is still referenced here, as a stopping bot still references its workers.
    assert await asyncio.to_thread(_write_lock_is_free, path)
