"""``!drill tabletop``: the checklist asked in a thread, recorded as a tabletop test."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.decisionlog.kinds import EntryKind
from bot.storage.models import FallbackTestRecord, TabletopDraftRecord
from tests.support.chat import ChatHarness, Posted
from tests.support.factories import ALICE, BOB, CAROL, COORDINATION
from tests.support.suppliers import (
    MANUAL_RUN,
    SECONDARY_DNS,
    example_registry,
    fallback_chat,
    import_registry,
)


@pytest.fixture
async def chat(tmp_path: Path) -> AsyncIterator[ChatHarness]:
    """Alice owns the manual bank run, Carol coordinates, Bob is only a member."""
    async with fallback_chat(tmp_path) as harness:
        yield harness


def _thread_of(posted: Posted) -> str:
    relates = posted.content["m.relates_to"]
    assert relates["rel_type"] == "m.thread"
    return str(relates["event_id"])


async def _count(chat: ChatHarness, model: type[FallbackTestRecord | TabletopDraftRecord]) -> int:
    async with chat.factory.db.transaction() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def test_the_owner_answers_the_checklist_in_a_thread_and_the_test_is_recorded(
    chat: ChatHarness,
) -> None:
    tests_before = await _count(chat, FallbackTestRecord)
    (first,) = await chat.say(ALICE, COORDINATION, f"!drill tabletop {MANUAL_RUN}")
    assert first.body == (
        f"Tabletop drill of {MANUAL_RUN}. Who switches over to this fallback option? "
        "(answer in this thread; 'stop' cancels)"
    )
    root = _thread_of(first)
    assert first.reply_to == root  # rooted at the command's own event

    async def answer(text: str, sender: str = ALICE) -> list[str]:
        return [posted.body for posted in await chat.say(sender, COORDINATION, text, root)]

    assert await answer("payroll team lead") == [
        "How long does the switch-over take? (e.g. 45m, 3h or an explanation)"
    ]
    # Only who started the checklist answers it; others in the thread are not asked.
    assert await answer("me!", sender=BOB) == []
    assert await answer("2h") == ["What data is needed for it?"]
    assert await answer("the salary file of the last run") == ["Who is informed?"]
    assert await answer("HR and the bank") == [
        "Does the fallback option work this way? worked, partly or failed"
    ]
    assert await answer("maybe") == [
        "maybe is not a result; answer worked, partly or failed.",
        "Does the fallback option work this way? worked, partly or failed",
    ]
    (recorded,) = await chat.say(ALICE, COORDINATION, "partly", root)
    assert _thread_of(recorded) == root
    lines = recorded.body.splitlines()
    assert lines[0] == (
        f"Test of {MANUAL_RUN} recorded: partly worked (tabletop, 2h00m) by @alice:test."
    )
    assert lines[1].startswith("Improvement action for @alice:test, due ")
    assert lines[-1] == "Status now: FAILED."
    async with chat.factory.transaction() as services:
        test = (await services.fallbacks.history(MANUAL_RUN))[-1]
    assert (test.kind, test.result, test.duration_minutes, test.recorded_by) == (
        "tabletop",
        "partly",
        120,
        ALICE,
    )
    assert test.notes == (
        "Tabletop drill. Who switches over: payroll team lead. Duration: 2h. Data needed: "
        "the salary file of the last run. Informed: HR and the bank."
    )
    assert await _count(chat, FallbackTestRecord) == tests_before + 1
    assert await _count(chat, TabletopDraftRecord) == 0
    # The thread is done: a further message there is not an answer.
    assert await answer("worked") == []
    plan = await chat.command(BOB, COORDINATION, "!drills")
    assert f"{MANUAL_RUN}: FAILED" in plan and "last test today (partly worked)" in plan


async def test_a_checklist_in_progress_survives_a_restart(tmp_path: Path) -> None:
    async with fallback_chat(tmp_path) as before:
        (first,) = await before.say(ALICE, COORDINATION, f"!drill tabletop {MANUAL_RUN}")
        root = _thread_of(first)
        await before.say(ALICE, COORDINATION, "payroll team lead", root)
    # A new bot on the same database: the draft is read back and asked on where it stood.
    async with fallback_chat(tmp_path) as after:
        await after.posted()  # what the first bot queued
        (asked,) = await after.say(ALICE, COORDINATION, "45m", root)
        assert asked.body == "What data is needed for it?"
        for text in ("the salary file", "HR"):
            await after.say(ALICE, COORDINATION, text, root)
        (recorded,) = await after.say(ALICE, COORDINATION, "worked", root)
        assert recorded.body.startswith(f"Test of {MANUAL_RUN} recorded: worked (tabletop, 45m)")
        async with after.factory.transaction() as services:
            test = (await services.fallbacks.history(MANUAL_RUN))[-1]
        assert test.notes is not None and "Who switches over: payroll team lead." in test.notes


async def test_in_dutch_a_coordinator_stops_the_checklist_and_nothing_is_recorded(
    chat: ChatHarness,
) -> None:
    tests_before = await _count(chat, FallbackTestRecord)
    (first,) = await chat.say(CAROL, COORDINATION, f"!oefenen tafel {SECONDARY_DNS}")
    assert first.body.startswith(
        f"Tafeloefening van {SECONDARY_DNS}. Wie schakelt over op deze terugvaloptie?"
    )
    root = _thread_of(first)
    (second,) = await chat.say(CAROL, COORDINATION, "netwerkbeheer", root)
    assert second.body.startswith("Hoe lang duurt de omschakeling?")
    # The draft is stored, so a restart of the bot does not lose the answers so far.
    async with chat.factory.transaction() as services:
        draft = await services.tabletops.find(COORDINATION, root)
    assert draft is not None
    assert (draft.answers, draft.asking, draft.lang) == (
        {"switches": "netwerkbeheer"},
        "duration",
        "nl",
    )
    (stopped,) = await chat.say(CAROL, COORDINATION, "stop", root)
    assert stopped.body == "Tafeloefening niet vastgelegd (afgebroken)."
    assert await _count(chat, TabletopDraftRecord) == 0
    assert await _count(chat, FallbackTestRecord) == tests_before


async def test_refusals_and_bad_input_start_nothing(chat: ChatHarness) -> None:
    refused = await chat.command(BOB, COORDINATION, f"!drill tabletop {MANUAL_RUN}")
    assert refused == (
        f"Refused: only the owner of {MANUAL_RUN} (@alice:test) or a coordinator records a test."
    )
    unknown = await chat.command(ALICE, COORDINATION, "!drill tabletop a/b/c")
    assert unknown.startswith("Fallback option a/b/c is not in the registry")
    usage = await chat.command(ALICE, COORDINATION, "!oefenen tafel")
    assert usage.startswith("Gebruik: !oefenen tafel <terugval-id>")
    assert await _count(chat, TabletopDraftRecord) == 0


async def test_a_tabletop_in_an_incident_room_joins_its_log(chat: ChatHarness) -> None:
    room, situation = await chat.escalated(ALICE)
    (first,) = await chat.say(ALICE, room, f"!drill tabletop {MANUAL_RUN}")
    root = _thread_of(first)
    for text in ("payroll team lead", "half a day", "salary file", "HR"):
        await chat.say(ALICE, room, text, root)
    (recorded,) = await chat.say(ALICE, room, "gelukt", root)
    async with chat.factory.transaction() as services:
        (entry,) = await services.log.of_kind(situation, EntryKind.FALLBACK_TESTED)
        assert (await services.log.verify(situation)).intact
    assert recorded.body.splitlines()[0] == (
        f"Test of {MANUAL_RUN} recorded: worked (tabletop, duration unknown) by @alice:test."
    )
    assert f"In the log of situation #{situation} as entry {entry.seq}." in recorded.body
    assert entry.payload["kind"] == "tabletop"
    assert "Duration: half a day." in entry.payload["notes"]


async def test_an_option_that_left_the_registry_meanwhile_ends_the_checklist_with_why(
    chat: ChatHarness, tmp_path: Path
) -> None:
    (first,) = await chat.say(ALICE, COORDINATION, f"!drill tabletop {MANUAL_RUN}")
    root = _thread_of(first)
    for text in ("payroll team lead", "2h", "salary file", "HR"):
        await chat.say(ALICE, COORDINATION, text, root)
    registry = example_registry(tmp_path, owner=ALICE)
    registry.write_text(
        registry.read_text().replace(f"id: {MANUAL_RUN}", "id: acme-cloud/payroll/other-run")
    )
    await import_registry(chat.factory, registry)
    (answered,) = await chat.say(ALICE, COORDINATION, "worked", root)
    assert answered.body.startswith(f"Fallback option {MANUAL_RUN} is not in the registry")
    assert _thread_of(answered) == root
    assert await _count(chat, TabletopDraftRecord) == 0
