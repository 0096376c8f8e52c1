"""No homeserver call happens inside a database transaction (issue 14: no transaction
stays open across a homeserver call); the guard that enforces it."""

from __future__ import annotations

import asyncio

import pytest

from bot.matrix.client import CallInsideTransaction, MatrixClient
from bot.storage.db import Database, detached_context, transaction_open


async def test_the_marker_is_set_inside_a_transaction_only() -> None:
    database = Database("sqlite+aiosqlite://")
    seen: list[bool] = []

    async def watch_after_close(started: asyncio.Event) -> None:
        await started.wait()
        seen.append(transaction_open())

    closed = asyncio.Event()
    assert not transaction_open()
    async with database.transaction():
        assert transaction_open()
        # Started inside, running on after the transaction ended: not inside it any more.
        task = asyncio.create_task(watch_after_close(closed))
    assert not transaction_open()
    closed.set()
    await task
    assert seen == [False]
    with pytest.raises(ZeroDivisionError):
        async with database.transaction():
            raise ZeroDivisionError
    assert not transaction_open()
    await database.dispose()


async def test_a_homeserver_call_inside_a_transaction_is_refused_before_it_is_made() -> None:
    database = Database("sqlite+aiosqlite://")
    # Nothing listens on this port: a call that got through would fail differently.
    client = MatrixClient("http://127.0.0.1:9", "@bot:test", "DEVICE")
    async with database.transaction():
        with pytest.raises(CallInsideTransaction):
            await client.joined_members("!room:test")
        with pytest.raises(CallInsideTransaction):
            await client.upload(b"x", "text/plain", "x.txt")
    await client.close()
    await database.dispose()


async def test_a_task_started_detached_is_outside_the_transaction_at_once() -> None:
    database = Database("sqlite+aiosqlite://")

    async def observe() -> bool:
        return transaction_open()

    async with database.transaction():
        inherited = asyncio.create_task(observe())
        detached = asyncio.create_task(observe(), context=detached_context())
        # Both run while the transaction is still open.
        assert await inherited is True
        assert await detached is False
        assert transaction_open()  # the caller's own context is untouched
    await database.dispose()
