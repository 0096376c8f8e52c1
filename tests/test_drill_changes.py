"""``!drill cancel`` / ``!drill move``, and the due-moment timer that tells the owner how to
start the drill."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg
import pytest

from bot.decisionlog.kinds import EntryKind
from bot.errors import UnknownDrill
from bot.storage.db import Database
from bot.storage.models import PlannedDrillRecord
from tests.support.chat import ChatHarness
from tests.support.clock import ManualClock
from tests.support.databases import ReusedPostgresDatabase
from tests.support.factories import ALICE, BOB, CAROL, COORDINATION, make_factory
from tests.support.postgres import until_waiting_for_locks
from tests.support.suppliers import (
    MANUAL_RUN,
    SECONDARY_DNS,
    example_registry,
    fallback_chat,
    import_registry,
)

# 2026-12-10 10:00 and 2026-12-20 10:00 in Amsterdam (the harness's zone).
DUE = datetime(2026, 12, 10, 9, 0, tzinfo=UTC)
MOVED = datetime(2026, 12, 20, 9, 0, tzinfo=UTC)
KEYS = ("drill:1:7", "drill:1:1", "drill:1:due")


@pytest.fixture
async def chat(tmp_path: Path) -> AsyncIterator[ChatHarness]:
    """Alice owns the manual bank run, Carol coordinates, Bob is only a member."""
    async with fallback_chat(tmp_path) as harness:
        yield harness


async def _pending(chat: ChatHarness) -> dict[str, datetime]:
    async with chat.factory.transaction() as services:
        pending = await services.timers.pending_of(KEYS)
    return {key: timer.due_at for key, timer in pending.items()}


async def test_a_moved_drill_moves_its_reminders_and_due_moment(chat: ChatHarness) -> None:
    await chat.command(ALICE, COORDINATION, f"!drill plan {MANUAL_RUN} 2026-12-10 10:00")
    assert await _pending(chat) == {
        "drill:1:7": DUE - timedelta(days=7),
        "drill:1:1": DUE - timedelta(days=1),
        "drill:1:due": DUE,
    }
    reply = await chat.command(CAROL, COORDINATION, "!drill move 1 2026-12-20 10:00")
    assert reply.splitlines() == [
        f"Drill 1 of {MANUAL_RUN} moved to Sun 20 Dec 10:00 by @carol:test.",
        "Reminders to @alice:test: Sun 13 Dec 10:00, Sat 19 Dec 10:00.",
    ]
    assert await _pending(chat) == {
        "drill:1:7": MOVED - timedelta(days=7),
        "drill:1:1": MOVED - timedelta(days=1),
        "drill:1:due": MOVED,
    }
    plan = await chat.command(BOB, COORDINATION, "!drills")
    assert f"- Sun 20 Dec 10:00: drill 1, {MANUAL_RUN}" in plan

    # Moved to within a day: the reminders whose moment passed are withdrawn, not sent.
    soon = await chat.command(ALICE, COORDINATION, "!oefenen verplaats 1 over 20h")
    assert soon.splitlines()[1] == "Geen herinnering meer: de oefening is binnen een dag."
    assert list(await _pending(chat)) == ["drill:1:due"]


async def test_a_cancelled_drill_leaves_the_plan_and_sends_nothing(chat: ChatHarness) -> None:
    await chat.command(ALICE, COORDINATION, f"!drill plan {MANUAL_RUN} 2026-12-10 10:00")
    reply = await chat.command(ALICE, COORDINATION, "!oefenen annuleer 1")
    assert reply == (
        f"Oefening 1 van {MANUAL_RUN} op do 10 dec 10:00 geannuleerd door @alice:test; "
        "de herinneringen vervallen."
    )
    assert await _pending(chat) == {}
    assert "drill 1," not in await chat.command(BOB, COORDINATION, "!drills")
    # Kept as history, marked: a cancelled drill is neither moved nor cancelled again.
    async with chat.factory.db.transaction() as session:
        drill = await session.get(PlannedDrillRecord, 1)
        assert drill is not None
        assert (drill.cancelled_by, drill.cancelled_at) == (ALICE, chat.clock.moment)
    moved = await chat.command(CAROL, COORDINATION, "!drill move 1 2026-12-20 10:00")
    assert moved == "No drill 1 is planned; !drills shows their numbers."
    chat.clock.moment = DUE + timedelta(minutes=1)
    assert await chat.bot.timers.fire_due() == 0
    again = await chat.command(ALICE, COORDINATION, "!drill cancel 1")
    assert again == "No drill 1 is planned; !drills shows their numbers."


async def test_refusals_and_bad_input_change_nothing(chat: ChatHarness) -> None:
    await chat.command(ALICE, COORDINATION, f"!drill plan {MANUAL_RUN} 2026-12-10 10:00")
    before = await _pending(chat)
    refused = await chat.command(BOB, COORDINATION, "!drill move 1 2026-12-20 10:00")
    assert refused == (
        f"Refused: only the owner of {MANUAL_RUN} (@alice:test) or a coordinator cancels or "
        "moves a drill."
    )
    assert (await chat.command(BOB, COORDINATION, "!drill cancel 1")) == refused
    unknown = await chat.command(ALICE, COORDINATION, "!drill move 9 2026-12-20 10:00")
    assert unknown == "No drill 9 is planned; !drills shows their numbers."
    past = await chat.command(ALICE, COORDINATION, "!drill move 1 2026-01-01 10:00")
    assert "already passed" in past
    nonsense = await chat.command(ALICE, COORDINATION, "!drill move 1 someday")
    assert "someday" in nonsense
    missing = await chat.command(ALICE, COORDINATION, "!drill cancel")
    assert missing.startswith("Usage: !drill cancel <drill-id>")
    usage = await chat.command(ALICE, COORDINATION, "!oefenen verplaats 1")
    assert usage.startswith("Gebruik: !oefenen verplaats <oefening-id> <moment>")
    # A drill whose moment has passed is history: it is no longer changed.
    chat.clock.moment = DUE + timedelta(minutes=1)
    assert (await chat.command(CAROL, COORDINATION, "!drill cancel 1")).startswith("No drill 1")
    assert await _pending(chat) == before


async def test_changes_typed_in_an_incident_room_join_its_log(chat: ChatHarness) -> None:
    room, situation = await chat.escalated(ALICE)
    await chat.command(ALICE, room, f"!drill plan {MANUAL_RUN} 2026-12-10 10:00")
    moved = await chat.command(ALICE, room, "!drill move 1 2026-12-20 10:00")
    cancelled = await chat.command(CAROL, room, "!drill cancel 1")
    async with chat.factory.transaction() as services:
        (move,) = await services.log.of_kind(situation, EntryKind.DRILL_MOVED)
        (cancel,) = await services.log.of_kind(situation, EntryKind.DRILL_CANCELLED)
        check = await services.log.verify(situation)
    assert check.intact
    assert moved.splitlines()[-1] == f"In the log of situation #{situation} as entry {move.seq}."
    assert cancelled.splitlines()[-1] == (
        f"In the log of situation #{situation} as entry {cancel.seq}."
    )
    assert move.payload == {
        "drill_id": 1,
        "fallback": MANUAL_RUN,
        "previous_due_at": DUE.isoformat(),
        "due_at": MOVED.isoformat(),
    }
    assert (cancel.actor, cancel.payload) == (
        CAROL,
        {"drill_id": 1, "fallback": MANUAL_RUN, "due_at": MOVED.isoformat()},
    )
    shown = await chat.command(BOB, room, "!log 5")
    assert (
        f"Drill 1 of fallback option {MANUAL_RUN} moved from Thu 10 Dec 2026 10:00 to "
        "Sun 20 Dec 2026 10:00"
    ) in shown
    assert f"Drill 1 of fallback option {MANUAL_RUN} on Sun 20 Dec 2026 10:00 cancelled" in shown


async def test_at_the_due_moment_the_owner_is_told_how_to_start_the_drill(
    chat: ChatHarness,
) -> None:
    await chat.command(ALICE, COORDINATION, f"!drill plan {MANUAL_RUN} 2026-12-10 10:00")
    await chat.command(CAROL, COORDINATION, f"!drill plan {SECONDARY_DNS} 2026-12-10 10:00")
    chat.clock.moment = DUE - timedelta(minutes=1)
    await chat.bot.timers.fire_due()
    await chat.posted()  # the reminders a week and a day before
    chat.clock.moment = DUE
    assert await chat.bot.timers.fire_due() == 2
    scenario, tabletop = sorted(await chat.posted(), key=lambda posted: posted.body)
    assert scenario.body == (
        f"@alice:test: de geplande oefening 1 van terugvaloptie {MANUAL_RUN} is nu. "
        "Start de oefening met: !oefening start supplier-ransomware-drill"
    )
    assert scenario.content["m.mentions"] == {"user_ids": [ALICE]}
    assert tabletop.body == (
        f"@netwerkbeheer:example.org: de geplande oefening 2 van terugvaloptie {SECONDARY_DNS} "
        f"is nu. Start de tafeloefening met: !oefenen tafel {SECONDARY_DNS}"
    )
    assert {scenario.room_id, tabletop.room_id} == {COORDINATION}


async def test_move_and_cancel_are_stored_on_both_databases(
    database: Database, tmp_path: Path
) -> None:
    """The chat tests above run on SQLite; the same service calls on PostgreSQL too."""
    clock = ManualClock()
    factory = make_factory(database, clock)
    await import_registry(factory, example_registry(tmp_path))
    async with factory.transaction() as services:
        drill = (await services.drills.plan(MANUAL_RUN, DUE, None, ALICE)).drill
        await services.drills.move(drill.id, MOVED, ALICE)
    keys = [f"drill:{drill.id}:{suffix}" for suffix in ("7", "1", "due")]
    async with factory.transaction() as services:
        pending = await services.timers.pending_of(keys)
        (upcoming,) = await services.drills.upcoming()
    assert upcoming.due_at == MOVED
    assert {key: timer.due_at for key, timer in pending.items()} == {
        keys[0]: MOVED - timedelta(days=7),
        keys[1]: MOVED - timedelta(days=1),
        keys[2]: MOVED,
    }

    async with factory.transaction() as services:
        await services.drills.cancel(drill.id, ALICE)
    async with factory.transaction() as services:
        assert await services.timers.pending_of(keys) == {}
        assert list(await services.drills.upcoming()) == []
        stored = await services.session.get(PlannedDrillRecord, drill.id)
    assert stored is not None
    assert (stored.cancelled_by, stored.cancelled_at, stored.due_at) == (ALICE, clock.now(), MOVED)


async def test_a_drill_cancelled_twice_at_once_is_cancelled_once(
    reused_postgres: ReusedPostgresDatabase, tmp_path: Path
) -> None:
    # The owner cancels the same drill twice at the same moment (two devices, or a retry):
    # the second must hear that it is no longer planned, not be told it cancelled it again
    # (a second cancellation in the log, the first one's moment overwritten).
    url = await reused_postgres.emptied()
    database = Database(url)
    admin = await asyncpg.connect(url.replace("postgresql+asyncpg", "postgresql"))
    clock = ManualClock()
    factory = make_factory(database, clock)

    async def cancel_again(drill_id: int) -> None:
        clock.advance(minutes=1)
        async with factory.transaction() as services:
            await services.drills.cancel(drill_id, ALICE)

    try:
        await import_registry(factory, example_registry(tmp_path))
        async with factory.transaction() as services:
            drill = (await services.drills.plan(MANUAL_RUN, DUE, None, ALICE)).drill
        async with factory.transaction() as services:
            await services.drills.cancel(drill.id, ALICE)
            cancelled_at = clock.now()
            other = asyncio.create_task(cancel_again(drill.id))
            # Until it has finished or waits for this transaction's locks.
            await until_waiting_for_locks(admin, unless_done=other)
        with pytest.raises(UnknownDrill):
            await other
        async with factory.transaction() as services:
            stored = await services.session.get(PlannedDrillRecord, drill.id)
        assert stored is not None and stored.cancelled_at == cancelled_at
    finally:
        await admin.close()
        await database.dispose()
