"""Starting and stopping an in-process bot on one data directory, as a restart does."""

from __future__ import annotations

from sqlalchemy import func, select

from bot.app import Weerbaar
from bot.clock import Clock
from bot.config import Settings
from bot.storage.models import OutboxRecord
from tests.support.databases import prepare_bot_database
from tests.support.matrix_user import wait_until


async def start_bot(settings: Settings, clock: Clock | None = None) -> Weerbaar:
    """Start the bot and wait for its first sync.

    A new SQLite database starts as a copy of the migrated template (prepare_bot_database);
    ``clock`` replaces the system clock, as in Weerbaar.
    """
    await prepare_bot_database(settings)
    bot = Weerbaar(settings, clock=clock)
    await bot.start()
    await bot.sync.synced.wait()
    return bot


async def stop_bot(bot: Weerbaar) -> None:
    """Stop once every queued message is marked sent.

    A reply can be seen before the sender has recorded it; stopping in that moment
    cancels a SQLite write transaction, which can keep the database locked for the
    next instance on the same data directory.
    """

    async def drained() -> bool:
        async with bot.db.transaction() as session:
            pending = await session.scalar(
                select(func.count()).select_from(OutboxRecord).where(OutboxRecord.sent_at.is_(None))
            )
        return pending == 0

    await wait_until(drained)
    await bot.stop()
