"""The outbox sender delivering in the background while a test runs."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from bot.matrix.outbox import OutboxSender
from bot.stopping import StopSignal


@asynccontextmanager
async def running(sender: OutboxSender) -> AsyncIterator[None]:
    """Run ``sender`` until the block ends; it then finishes what it is doing and stops."""
    stop = StopSignal()
    task = asyncio.create_task(sender.run(stop))
    try:
        yield
    finally:
        stop.set()
        await task
