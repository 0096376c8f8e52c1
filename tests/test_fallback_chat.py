"""``!drills`` and ``!fallback tested`` through the production dispatcher (no homeserver)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.decisionlog.actions import due_timer_key
from bot.decisionlog.kinds import EntryKind
from bot.storage.models import FallbackTestRecord
from tests.support.chat import ChatHarness
from tests.support.factories import ALICE, BOB, CAROL, COORDINATION
from tests.support.suppliers import (
    MANUAL_RUN,
    SECOND_SUPPLIER,
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


async def _tests(chat: ChatHarness) -> int:
    async with chat.factory.db.transaction() as session:
        return int(await session.scalar(select(func.count(FallbackTestRecord.id))) or 0)


async def test_drills_ranks_what_needs_a_drill_in_both_languages(chat: ChatHarness) -> None:
    # On 2026-11-23 every option has risk 12 (vital 3 x 2 processes x 2 organisations);
    # the never tested ones come before the overdue one (tested 632 days ago, vital: 180).
    english = await chat.command(BOB, COORDINATION, "!drills")
    assert english.startswith("Drill plan: fallback options to drill first")
    order = [english.index(key) for key in (SECOND_SUPPLIER, SECONDARY_DNS, MANUAL_RUN)]
    assert order == sorted(order)
    assert f"1. {SECOND_SUPPLIER}: NEVER TESTED, risk 12" in english
    assert f"3. {MANUAL_RUN}: OVERDUE, risk 12" in english
    assert (
        "owner @alice:test; last test 632 days ago (worked); scenario supplier-ransomware-drill"
        in english
    )
    assert (
        "owner @netwerkbeheer:example.org; last test never; scenario none: drill it as a tabletop"
        in english
    )
    dutch = await chat.command(BOB, COORDINATION, "!oefenplan")
    assert dutch.startswith("Oefenplan: terugvalopties om eerst te beoefenen")
    assert f"1. {SECOND_SUPPLIER}: NOOIT GETEST, risico 12" in dutch
    assert "laatste test 632 dagen geleden (geslaagd)" in dutch


async def test_usage_errors_say_what_is_wrong_and_record_nothing(chat: ChatHarness) -> None:
    missing = await chat.command(ALICE, COORDINATION, f"!fallback tested {MANUAL_RUN} worked")
    assert missing.startswith("Usage: !fallback tested <fallback-id> <worked|partly|failed>")
    assert "--why" in missing.splitlines()[1]
    word = await chat.command(ALICE, COORDINATION, f"!fallback tested {MANUAL_RUN} ok --why x")
    assert "ok" in word and "worked" in word
    duration = await chat.command(
        ALICE, COORDINATION, f"!terugval getest {MANUAL_RUN} gelukt --duur lang --waarom x"
    )
    assert "lang is geen duur; gebruik bijvoorbeeld 45m, 3h of 1h30m" in duration
    unknown = await chat.command(ALICE, COORDINATION, "!fallback tested a/b/c worked --why x")
    assert (
        unknown
        == "Fallback option a/b/c is not in the registry; !drills and !supplier show the ids."
    )
    assert await _tests(chat) == 1  # only the one imported from the registry


async def test_only_the_owner_or_a_coordinator_records_a_test(chat: ChatHarness) -> None:
    refused = await chat.command(BOB, COORDINATION, f"!fallback tested {MANUAL_RUN} worked --why x")
    assert refused == (
        f"Refused: only the owner of {MANUAL_RUN} (@alice:test) or a coordinator records a test."
    )
    weigering = await chat.command(
        BOB, COORDINATION, f"!terugval getest {MANUAL_RUN} gelukt --waarom x"
    )
    assert weigering.startswith(f"Geweigerd: alleen de eigenaar van {MANUAL_RUN}")
    assert await _tests(chat) == 1
    # The second supplier is owned by the role "coordinator": Carol is one.
    done = await chat.command(
        CAROL, COORDINATION, f"!fallback tested {SECOND_SUPPLIER} worked --duration 1h30m --why ok"
    )
    assert done.splitlines()[0] == (
        f"Test of {SECOND_SUPPLIER} recorded: worked (technical test, 1h30m) by @carol:test."
    )
    assert done.splitlines()[-1] == "Status now: current."


async def test_a_worked_test_takes_it_off_the_drill_plan(chat: ChatHarness) -> None:
    reply = await chat.command(
        ALICE,
        COORDINATION,
        f"!terugval getest {MANUAL_RUN} gelukt --soort tafeloefening --waarom bank belde terug",
    )
    assert reply.splitlines() == [
        f"Test van {MANUAL_RUN} vastgelegd: geslaagd (tafeloefening, duur onbekend) door "
        "@alice:test.",
        "Status nu: actueel.",
    ]
    assert MANUAL_RUN not in await chat.command(BOB, COORDINATION, "!drills")


async def test_failed_outside_an_incident_room_opens_an_action_reminded_in_coordination(
    chat: ChatHarness,
) -> None:
    # Carol (a coordinator) records it; the option's owner Alice owns the action.
    reply = await chat.command(
        CAROL, COORDINATION, f"!fallback tested {MANUAL_RUN} failed --why bank unreachable"
    )
    lines = reply.splitlines()
    assert lines[1] == (
        "Improvement action for @alice:test, due Wed 23 Dec 10:00; reminded in the "
        f"coordination room. Done? !fallback improved {MANUAL_RUN}"
    )
    assert lines[-1] == "Status now: FAILED."
    assert "@alice:test (2026-12-23)" in await _open_actions(chat)

    # A minute before the deadline (10:00 Amsterdam) only other timers (the weekly digest)
    # fire; at the deadline Alice is mentioned in the coordination room.
    chat.clock.moment = datetime(2026, 12, 23, 8, 59, tzinfo=UTC)
    await chat.bot.timers.fire_due()
    assert not any("verbeteractie" in each.body for each in await chat.posted())
    chat.clock.advance(minutes=1)
    assert await chat.bot.timers.fire_due() == 1
    (due,) = await chat.posted()
    assert due.room_id == COORDINATION
    assert due.body == (
        f"@alice:test: de verbeteractie van terugvaloptie {MANUAL_RUN} is nu verlopen: bank "
        "unreachable (test van 2026-11-23: mislukt). Klaar? !terugval verbeterd "
        f"{MANUAL_RUN}"
    )
    assert due.content["m.mentions"] == {"user_ids": [ALICE]}


async def test_an_improvement_action_is_marked_done_by_its_owner_not_by_others(
    chat: ChatHarness,
) -> None:
    # Carol records the test; the action is the option's owner's (Alice), and Bob, only a
    # member, may not close it.
    await chat.command(CAROL, COORDINATION, f"!fallback tested {MANUAL_RUN} partly --why slow")
    refused = await chat.command(BOB, COORDINATION, f"!fallback improved {MANUAL_RUN}")
    assert refused.startswith(f"Refused: only the owner of {MANUAL_RUN} (@alice:test)")
    done = await chat.command(ALICE, COORDINATION, f"!terugval verbeterd {MANUAL_RUN}")
    assert done == f"1 verbeteractie van {MANUAL_RUN} afgerond door @alice:test."
    assert await _open_actions(chat) == ""
    again = await chat.command(ALICE, COORDINATION, f"!fallback improved {MANUAL_RUN}")
    assert again == f"Fallback option {MANUAL_RUN} has no open improvement action."
    # Done before its deadline: the reminder is gone.
    chat.clock.advance(days=31)
    await chat.bot.timers.fire_due()
    assert not any("verbeteractie" in each.body for each in await chat.posted())


async def test_improved_also_completes_the_action_in_a_situation_log(chat: ChatHarness) -> None:
    room, situation = await chat.escalated(ALICE)
    await chat.command(ALICE, room, f"!fallback tested {MANUAL_RUN} failed --why x")
    await chat.command(CAROL, COORDINATION, f"!fallback tested {MANUAL_RUN} failed --why y")
    done = await chat.command(CAROL, COORDINATION, f"!fallback improved {MANUAL_RUN}")
    assert done == f"2 improvement actions of {MANUAL_RUN} marked done by @carol:test."
    async with chat.factory.transaction() as services:
        (completed,) = await services.log.of_kind(situation, EntryKind.ACTION_DONE)
    assert completed.actor == CAROL
    assert await _open_actions(chat) == ""


async def test_in_an_incident_room_the_test_is_logged_and_failure_opens_an_action(
    chat: ChatHarness,
) -> None:
    room, situation = await chat.escalated(ALICE)
    reply = await chat.command(
        ALICE, room, f"!fallback tested {MANUAL_RUN} partly --duration 3h --why bank slow"
    )
    lines = reply.splitlines()
    assert lines[0] == (
        f"Test of {MANUAL_RUN} recorded: partly worked (technical test, 3h00m) by @alice:test."
    )
    async with chat.factory.transaction() as services:
        tested = (await services.log.of_kind(situation, EntryKind.FALLBACK_TESTED))[0]
        action = (await services.log.of_kind(situation, EntryKind.ACTION))[0]
        reminder = await services.timers.pending(due_timer_key(situation, action.seq))
        history = await services.fallbacks.history(MANUAL_RUN)
    assert lines[1] == f"In the log of situation #{situation} as entry {tested.seq}."
    assert lines[2].startswith(f"Improvement action {action.seq} for @alice:test, due ")
    assert tested.payload["result"] == "partly" and tested.payload["duration_minutes"] == 180
    assert action.payload["owner"] == ALICE
    assert action.payload["action"] == (
        f"Improve fallback option {MANUAL_RUN} (partly worked): bank slow"
    )
    assert reminder is not None
    assert reminder.due_at == chat.clock.now() + timedelta(days=30)
    assert history[-1].action_seq == action.seq
    assert history[-1].evidence == f"situation {situation} log {tested.seq}"
    assert lines[-1] == "Status now: FAILED."


async def _open_actions(chat: ChatHarness) -> str:
    """The open improvement actions of the manual run, as the board's overview shows them."""
    async with chat.factory.transaction() as services:
        lines = await services.fallbacks.overview()
    shown = {
        ", ".join(line.open_actions)
        for line in lines
        if line.fallback is not None and line.fallback.key == MANUAL_RUN
    }
    (actions,) = shown  # the same on every process line of the option
    return actions


async def test_concentration_shows_the_freshness_the_drill_plan_uses(
    chat: ChatHarness, tmp_path: Path
) -> None:
    # The registry file never saw a test of the secondary DNS; the bot recorded one today.
    await chat.command(CAROL, COORDINATION, f"!fallback tested {SECONDARY_DNS} worked --why ok")
    # The file now says the manual run was tested 200 days ago: a year had not passed, but
    # the processes it protects are vital, and the policy gives those 180 days.
    newer = tmp_path / "newer"
    newer.mkdir()
    path = example_registry(newer)
    path.write_text(path.read_text().replace("2025-03-01", "2026-05-07"))
    await import_registry(chat.factory, path)

    dutch = (await chat.command(BOB, COORDINATION, "!concentratie")).splitlines()
    assert dutch[3:] == [
        "Terugvalopties die niet actueel zijn: 2",
        f"- Acme Cloud / Payroll SaaS: Overstap naar tweede leverancier ({SECOND_SUPPLIER}): "
        "NOOIT GETEST",
        f"- Acme Cloud / Payroll SaaS: Handmatige betaalrun via de bank ({MANUAL_RUN}): "
        "VERLOPEN (laatste test 2026-05-07: geslaagd)",
    ]
    # The same status as the drill plan's, and as the supplier's own page.
    assert f"{MANUAL_RUN}: OVERDUE" in await chat.command(BOB, COORDINATION, "!drills")
    assert (
        f"terugvaloptie {SECONDARY_DNS}: Secundaire DNS bij een andere provider; eigenaar "
        "@netwerkbeheer:example.org; actueel (laatste test 2026-11-23: geslaagd)"
    ) in await chat.command(BOB, COORDINATION, "!leverancier Initech DNS")

    # Within thirty days of the 180, both tests of today are due soon, and listed again.
    await chat.command(ALICE, COORDINATION, f"!fallback tested {MANUAL_RUN} worked --why ok")
    chat.clock.advance(days=151)
    english = await chat.command(BOB, COORDINATION, "!concentration")
    assert english.splitlines()[3:] == [
        "Fallback options not current: 3",
        f"- Acme Cloud / Payroll SaaS: Overstap naar tweede leverancier ({SECOND_SUPPLIER}): "
        "NEVER TESTED",
        f"- Acme Cloud / Payroll SaaS: Handmatige betaalrun via de bank ({MANUAL_RUN}): "
        "due soon (last test 2026-11-23: worked)",
        f"- Initech DNS / Managed DNS: Secundaire DNS bij een andere provider ({SECONDARY_DNS}): "
        "due soon (last test 2026-11-23: worked)",
    ]


async def test_a_test_just_after_midnight_is_on_that_day_where_the_taskforce_is(
    chat: ChatHarness,
) -> None:
    # 23:30 UTC on Monday 23 November is 00:30 on Tuesday 24 November in Amsterdam.
    chat.clock.moment = datetime(2026, 11, 23, 23, 30, tzinfo=UTC)
    reply = await chat.command(
        CAROL, COORDINATION, f"!fallback tested {MANUAL_RUN} failed --why bank unreachable"
    )
    assert "due Thu 24 Dec 00:30" in reply
    assert "@alice:test (2026-12-24)" in await _open_actions(chat)
    # That morning the drill plan says it was tested today, not a day ago.
    chat.clock.moment = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)
    assert "last test today (failed)" in await chat.command(BOB, COORDINATION, "!drills")


async def test_an_improvement_deadline_keeps_the_time_of_day_across_the_end_of_summer_time(
    chat: ChatHarness,
) -> None:
    # 10:00 summer time on 10 October 2026; 30 days on is 9 November, in winter time.
    chat.clock.moment = datetime(2026, 10, 10, 8, 0, tzinfo=UTC)
    reply = await chat.command(
        CAROL, COORDINATION, f"!fallback tested {MANUAL_RUN} failed --why bank unreachable"
    )
    assert "due Mon 9 Nov 10:00" in reply.splitlines()[1]
