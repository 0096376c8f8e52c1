"""The outbox hands committed rows to the sender, which then need not read the table.

On SQLite and PostgreSQL, with a client that records sends instead of a homeserver.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

import pytest
from sqlalchemy import event, select
from sqlalchemy.exc import OperationalError

from bot.clock import SystemClock
from bot.matrix.outbox import CommitHook, Outbox, OutboxSender, QueuedRow
from bot.storage.db import Database
from bot.storage.models import OutboxRecord
from tests.support.fakes import FlakyClient
from tests.support.matrix_user import wait_until
from tests.support.outbox import running

ROOM = "!a:test"


def count_table_reads(database: Database) -> list[str]:
    """Records every query for undelivered rows (the sender's read of the table)."""
    reads: list[str] = []

    @event.listens_for(database.engine.sync_engine, "before_cursor_execute")
    def _record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT") and "sent_at IS NULL" in statement:
            reads.append(statement)

    return reads


async def post(database: Database, hook: CommitHook, *bodies: str, room: str = ROOM) -> None:
    async with database.transaction() as session:
        outbox = Outbox(session, SystemClock(), hook)
        for body in bodies:
            await outbox.post(room, {"msgtype": "m.notice", "body": body})


def bodies(client: FlakyClient) -> list[str]:
    return [content["body"] for _, _, content in client.sent]


async def test_a_commit_hands_over_its_rows_in_order_and_a_rollback_nothing(
    database: Database,
) -> None:
    handed: list[Sequence[QueuedRow]] = []
    await post(database, handed.append, "one", "two")

    async def fail_after_posting() -> None:
        async with database.transaction() as session:
            await Outbox(session, SystemClock(), handed.append).post(ROOM, {"body": "undone"})
            raise RuntimeError("the command failed")

    with pytest.raises(RuntimeError):
        await fail_after_posting()

    assert len(handed) == 1
    assert [row.content["body"] for row in handed[0]] == ["one", "two"]
    assert handed[0][0].id < handed[0][1].id


async def test_a_released_savepoint_hands_over_nothing_before_the_commit(
    database: Database,
) -> None:
    """A command's reply is posted in a savepoint; it must not go out before the claim and
    the effects it answers are committed (else a crash or rollback leaves a sent reply)."""
    handed: list[Sequence[QueuedRow]] = []

    async def reply_then_fail() -> None:
        async with database.transaction() as session:
            outbox = Outbox(session, SystemClock(), handed.append)
            async with session.begin_nested():
                await outbox.post(ROOM, {"body": "reply"})
            assert handed == []  # the savepoint is released, nothing is committed yet
            raise RuntimeError("the commit of the command failed")

    with pytest.raises(RuntimeError):
        await reply_then_fail()
    assert handed == []

    async with database.transaction() as session:
        outbox = Outbox(session, SystemClock(), handed.append)
        async with session.begin_nested():
            await outbox.post(ROOM, {"body": "reply"})
        assert handed == []
    assert [[row.content["body"] for row in rows] for rows in handed] == [["reply"]]


async def test_a_row_of_a_rolled_back_savepoint_is_not_handed_over(database: Database) -> None:
    """A refused action's savepoint is undone; its answer, posted after, is committed."""
    handed: list[Sequence[QueuedRow]] = []

    async with database.transaction() as session:
        outbox = Outbox(session, SystemClock(), handed.append)
        await outbox.post(ROOM, {"body": "before"})
        savepoint = await session.begin_nested()
        await outbox.post(ROOM, {"body": "undone"})
        await savepoint.rollback()  # the action was refused
        await outbox.post(ROOM, {"body": "refusal"})

    (rows,) = handed
    assert [row.content["body"] for row in rows] == ["before", "refusal"]
    async with database.transaction() as session:
        stored = await session.scalars(select(OutboxRecord.id).order_by(OutboxRecord.id))
        assert [row.id for row in rows] == list(stored)


async def test_handed_rows_go_out_without_reading_the_table(database: Database) -> None:
    client = FlakyClient(failing_room="!none:test")
    sender = OutboxSender(database, client, SystemClock(), poll_interval=60)  # type: ignore[arg-type]
    reads = count_table_reads(database)
    async with running(sender):
        await wait_until(lambda: reads, what="the first read of the table")
        for number in range(5):
            await post(database, sender.wake, f"m{number}")

            def delivered(count: int = number + 1) -> bool:
                return len(client.sent) == count

            await wait_until(delivered, what=f"m{number} delivered")

    assert bodies(client) == [f"m{number}" for number in range(5)]
    assert len(reads) == 1  # only the read at start: every later row was handed over


async def test_rows_queued_by_another_process_are_found_while_handed_rows_keep_coming(
    database: Database,
) -> None:
    client = FlakyClient(failing_room="!none:test")
    sender = OutboxSender(database, client, SystemClock(), poll_interval=0.2)  # type: ignore[arg-type]
    reads = count_table_reads(database)
    async with running(sender):
        await wait_until(lambda: reads, what="the first read of the table")
        await post(database, lambda rows: None, "from the command line", room="!b:test")
        for number in range(200):
            if "from the command line" in bodies(client):
                break
            # Steady traffic of this process keeps waking the sender before every poll.
            await post(database, sender.wake, f"m{number}")
            await asyncio.sleep(0.01)
        else:
            pytest.fail("a row queued by another process starved behind handed rows")


async def test_a_handed_row_waits_behind_a_failed_row_of_its_room(database: Database) -> None:
    client = FlakyClient(failing_room=ROOM)  # fails once with retry_after_ms=1
    sender = OutboxSender(database, client, SystemClock(), poll_interval=60)  # type: ignore[arg-type]
    reads = count_table_reads(database)
    async with running(sender):
        await wait_until(lambda: reads, what="the first read of the table")
        await post(database, sender.wake, "first")
        await post(database, sender.wake, "second")
        await post(database, sender.wake, "elsewhere", room="!b:test")
        await wait_until(lambda: len(client.sent) == 3, what="all three delivered")

    assert [
        body for room, _, body in ((r, t, c["body"]) for r, t, c in client.sent) if room == ROOM
    ] == [
        "first",
        "second",
    ]
    assert sorted(bodies(client)) == ["elsewhere", "first", "second"]  # each exactly once
    assert len(reads) > 1  # after the failure the sender read the table again


async def test_a_row_handed_over_after_a_read_found_it_goes_out_once(database: Database) -> None:
    # The commit is visible to the sender's read a moment before the committing task
    # resumes and hands the row over: here the hand-over comes after the read delivered it.
    client = FlakyClient(failing_room="!none:test")
    sender = OutboxSender(database, client, SystemClock(), poll_interval=60)  # type: ignore[arg-type]
    handed: list[QueuedRow] = []
    await post(database, handed.extend, "late hand-over")
    await sender.deliver_pending()
    sender.wake(handed)
    async with running(sender):
        await post(database, sender.wake, "next")
        await wait_until(lambda: "next" in bodies(client), what="the next row delivered")

    assert bodies(client) == ["late hand-over", "next"]


class DatabaseDown:
    """The sender's view of ``database``, unreachable for its next ``failures`` transactions
    (PostgreSQL restarting, say)."""

    def __init__(self, database: Database, failures: int) -> None:
        self._database = database
        self.failures = failures

    def transaction(self) -> Any:
        if self.failures:
            self.failures -= 1
            raise OperationalError("SELECT", {}, ConnectionRefusedError("database restarting"))
        return self._database.transaction()


async def test_the_sender_keeps_delivering_after_the_database_was_unreachable(
    database: Database,
) -> None:
    client = FlakyClient(failing_room="!none:test")
    down = DatabaseDown(database, failures=1)
    sender = OutboxSender(down, client, SystemClock())  # type: ignore[arg-type]
    async with running(sender):
        await wait_until(lambda: down.failures == 0)
        await post(database, sender.wake, "after the outage")
        await wait_until(lambda: bodies(client) == ["after the outage"])
