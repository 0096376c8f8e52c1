"""``!drill plan``: planned drills, their reminders to the owner, and ``!drills`` showing them."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import InstrumentedAttribute

from bot.decisionlog.kinds import EntryKind
from bot.storage.db import Database
from bot.storage.models import PlannedDrillRecord, TimerRecord
from bot.suppliers.drills import reminder_moments
from tests.support.chat import ChatHarness
from tests.support.clock import START, ManualClock
from tests.support.factories import ALICE, BOB, CAROL, COORDINATION, make_factory
from tests.support.suppliers import (
    MANUAL_RUN,
    SECONDARY_DNS,
    example_registry,
    fallback_chat,
    import_registry,
)

# 2026-12-10 10:00 in Amsterdam (the harness's zone): 09:00 UTC.
DUE = datetime(2026, 12, 10, 9, 0, tzinfo=UTC)
ZONE = "Europe/Amsterdam"


def test_reminders_a_week_and_a_day_before_leave_out_the_passed_ones() -> None:
    assert reminder_moments(DUE, START, ZONE) == [
        (7, datetime(2026, 12, 3, 9, 0, tzinfo=UTC)),
        (1, datetime(2026, 12, 9, 9, 0, tzinfo=UTC)),
    ]
    assert reminder_moments(DUE, DUE - timedelta(days=3), ZONE) == [(1, DUE - timedelta(days=1))]
    # A reminder exactly at planning time has passed: it would say nothing new.
    assert reminder_moments(DUE, DUE - timedelta(days=1), ZONE) == []


@pytest.fixture
async def chat(tmp_path: Path) -> AsyncIterator[ChatHarness]:
    """Alice owns the manual bank run, Carol coordinates, Bob is only a member."""
    async with fallback_chat(tmp_path) as harness:
        yield harness


async def _count(chat: ChatHarness, column: InstrumentedAttribute[int]) -> int:
    async with chat.factory.db.transaction() as session:
        return int(await session.scalar(select(func.count(column))) or 0)


async def test_the_owner_plans_a_drill_and_is_reminded_a_week_and_a_day_before(
    chat: ChatHarness,
) -> None:
    reply = await chat.command(ALICE, COORDINATION, f"!drill plan {MANUAL_RUN} 2026-12-10 10:00")
    assert reply.splitlines() == [
        f"Drill 1 of {MANUAL_RUN} planned for Thu 10 Dec 10:00 "
        "(scenario supplier-ransomware-drill).",
        "Reminders to @alice:test: Thu 3 Dec 10:00, Wed 9 Dec 10:00.",
    ]
    plan = await chat.command(BOB, COORDINATION, "!drills")
    assert "drill planned Thu 10 Dec 10:00" in plan
    assert (
        f"Planned drills:\n- Thu 10 Dec 10:00: drill 1, {MANUAL_RUN} (supplier-ransomware-drill), "
        "planned by @alice:test"
    ) in plan

    chat.clock.moment = datetime(2026, 12, 3, 8, 59, tzinfo=UTC)
    assert await chat.bot.timers.fire_due() == 0
    chat.clock.advance(minutes=1)
    assert await chat.bot.timers.fire_due() == 1
    (week,) = await chat.posted()
    assert week.room_id == COORDINATION
    assert week.body.startswith(
        f"@alice:test: over 7 dagen de geplande oefening van terugvaloptie {MANUAL_RUN}, "
        "op do 10 dec 2026 10:00 (supplier-ransomware-drill)."
    )
    assert week.content["m.mentions"] == {"user_ids": [ALICE]}
    chat.clock.moment = datetime(2026, 12, 9, 9, 0, tzinfo=UTC)
    assert await chat.bot.timers.fire_due() == 1
    (day,) = await chat.posted()
    assert "over 1 dag de geplande oefening" in day.body


async def test_a_drill_days_away_gets_only_the_reminders_still_ahead(chat: ChatHarness) -> None:
    reply = await chat.command(
        CAROL, COORDINATION, f"!oefenen plan {SECONDARY_DNS} over 3d forced-exit"
    )
    assert reply.splitlines()[0].endswith("(scenario forced-exit).")
    assert reply.splitlines()[1] == "Herinnering aan @netwerkbeheer:example.org: wo 25 nov 10:00."
    assert await _count(chat, TimerRecord.id) >= 1
    tomorrow = await chat.command(CAROL, COORDINATION, f"!drill plan {SECONDARY_DNS} in 20h")
    assert tomorrow.splitlines()[1] == "No reminder left: the drill is within a day."
    assert await _count(chat, PlannedDrillRecord.id) == 2


async def test_a_drill_planned_in_an_incident_room_joins_its_hash_chained_log(
    chat: ChatHarness,
) -> None:
    room, situation = await chat.escalated(ALICE)
    reply = await chat.command(ALICE, room, f"!drill plan {MANUAL_RUN} 2026-12-10 10:00")
    async with chat.factory.transaction() as services:
        (entry,) = await services.log.of_kind(situation, EntryKind.DRILL_PLANNED)
        check = await services.log.verify(situation)
    assert reply.splitlines()[-1] == f"In the log of situation #{situation} as entry {entry.seq}."
    assert entry.actor == ALICE
    assert entry.payload == {
        "drill_id": 1,
        "fallback": MANUAL_RUN,
        "due_at": DUE.isoformat(),
        "scenario": "supplier-ransomware-drill",
    }
    assert check.intact
    shown = await chat.command(BOB, room, "!log 1")
    assert (
        f"Drill 1 of fallback option {MANUAL_RUN} planned for Thu 10 Dec 2026 10:00 "
        "(scenario supplier-ransomware-drill)"
    ) in shown


async def test_refusals_and_bad_input_store_nothing(chat: ChatHarness) -> None:
    refused = await chat.command(BOB, COORDINATION, f"!drill plan {MANUAL_RUN} in 10d")
    assert refused == (
        f"Refused: only the owner of {MANUAL_RUN} (@alice:test) or a coordinator plans a drill."
    )
    unknown = await chat.command(ALICE, COORDINATION, "!drill plan a/b/c in 10d")
    assert unknown.startswith("Fallback option a/b/c is not in the registry")
    bad = await chat.command(ALICE, COORDINATION, f"!drill plan {MANUAL_RUN} someday soon")
    assert "someday soon" in bad
    past = await chat.command(ALICE, COORDINATION, f"!drill plan {MANUAL_RUN} 2026-01-01 10:00")
    assert "already passed" in past
    # A scenario that does not exist would only fail at the drill's moment, when the
    # owner is told to start it; a mistyped moment ("in 10d 3h") would leave "3h" as one.
    typo = await chat.command(ALICE, COORDINATION, f"!drill plan {MANUAL_RUN} in 10d ransomwar")
    assert typo.startswith("Unknown scenario: no scenario 'ransomwar' in ")
    mistyped = await chat.command(ALICE, COORDINATION, f"!drill plan {MANUAL_RUN} in 10d 3h")
    assert mistyped.startswith("Unknown scenario: no scenario '3h' in ")
    missing = await chat.command(ALICE, COORDINATION, "!drill plan")
    assert missing.startswith("Usage: !drill plan <fallback-id> <moment> [scenario]")
    assert await _count(chat, PlannedDrillRecord.id) == 0


async def test_a_planned_drill_is_stored_with_its_reminders_and_survives_a_reimport(
    database: Database, tmp_path: Path
) -> None:
    clock = ManualClock()
    factory = make_factory(database, clock)
    registry = example_registry(tmp_path)
    await import_registry(factory, registry)
    async with factory.transaction() as services:
        drill = (await services.drills.plan(MANUAL_RUN, DUE, None, ALICE)).drill
    await import_registry(factory, registry)
    async with factory.transaction() as services:
        (stored,) = await services.drills.upcoming()
        pending = await services.timers.pending_of([f"drill:{drill.id}:7", f"drill:{drill.id}:1"])
    assert (stored.fallback_key, stored.due_at, stored.scenario, stored.planned_by) == (
        MANUAL_RUN,
        DUE,
        None,
        ALICE,
    )
    assert sorted(timer.due_at for timer in pending.values()) == [
        DUE - timedelta(days=7),
        DUE - timedelta(days=1),
    ]
    clock.moment = DUE + timedelta(minutes=1)
    async with factory.transaction() as services:
        assert list(await services.drills.upcoming()) == []


async def test_reminders_keep_the_drills_time_of_day_across_the_change_to_summer_time(
    chat: ChatHarness,
) -> None:
    # Summer time starts on 28 March 2027: a week before a drill on 1 April at 10:00 is
    # 25 March at 10:00 winter time (09:00 UTC), not 168 hours before (08:00 UTC).
    reply = await chat.command(ALICE, COORDINATION, f"!drill plan {MANUAL_RUN} 2027-04-01 10:00")
    assert reply.splitlines()[1] == (
        "Reminders to @alice:test: Thu 25 Mar 2027 10:00, Wed 31 Mar 2027 10:00."
    )
    chat.clock.moment = datetime(2027, 3, 25, 8, 59, tzinfo=UTC)
    assert await chat.bot.timers.fire_due() == 0
    chat.clock.advance(minutes=1)
    assert await chat.bot.timers.fire_due() == 1
