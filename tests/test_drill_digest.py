"""The weekly drill digest: when it runs, what it says, and that it keeps quiet."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, time
from pathlib import Path

import pytest

from bot.config import FallbackSettings
from bot.suppliers.digest import compose, next_digest
from bot.suppliers.timers import DIGEST_TIMER, DigestState
from bot.suppliers.weekly import DIGEST_KEY
from tests.support.chat import ChatHarness, chat_harness
from tests.support.clock import START
from tests.support.factories import ALICE, BOB, CAROL, COORDINATION
from tests.support.suppliers import MANUAL_RUN, SECONDARY_DNS, example_registry, import_registry

ZONE = "Europe/Amsterdam"


def test_the_next_digest_is_the_next_configured_day_and_time_in_the_zone() -> None:
    # START is Monday 23 November 2026, 10:00 in Amsterdam (UTC+1).
    assert next_digest(START, 1, time(9, 0), ZONE) == datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
    assert next_digest(START, 1, time(11, 0), ZONE) == datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
    assert next_digest(START, 3, time(9, 0), ZONE) == datetime(2026, 11, 25, 8, 0, tzinfo=UTC)
    assert next_digest(START, 7, time(18, 30), ZONE) == datetime(2026, 11, 29, 17, 30, tzinfo=UTC)
    # Exactly at the digest's moment: the next one is a week later.
    at = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
    assert next_digest(at, 1, time(9, 0), ZONE) == datetime(2026, 12, 7, 8, 0, tzinfo=UTC)
    # Across the change to summer time 09:00 stays 09:00 where the taskforce is.
    march = datetime(2027, 3, 25, 12, 0, tzinfo=UTC)
    assert next_digest(march, 1, time(9, 0), ZONE) == datetime(2027, 3, 29, 7, 0, tzinfo=UTC)


@pytest.fixture
async def chat(tmp_path: Path) -> AsyncIterator[ChatHarness]:
    """Alice owns the manual bank run, Carol coordinates; digest on Mondays at 09:00."""
    async with chat_harness(tmp_path, taskforce=[ALICE, BOB], coordinators=[CAROL]) as harness:
        await import_registry(harness.factory, example_registry(tmp_path))
        async with harness.factory.transaction() as services:
            await services.digest.arm()
        yield harness


async def _fire_at(chat: ChatHarness, moment: datetime) -> list[str]:
    chat.clock.moment = moment
    await chat.bot.timers.fire_due()
    return [posted.body for posted in await chat.posted()]


async def test_quiet_week_then_a_digest_of_what_was_planned_and_tested(
    chat: ChatHarness,
) -> None:
    # Nothing changed since the bot started: no post, but the next digest is armed.
    assert await _fire_at(chat, datetime(2026, 11, 30, 8, 0, tzinfo=UTC)) == []
    async with chat.factory.transaction() as services:
        timer = await services.timers.pending(DIGEST_KEY)
    assert timer is not None and timer.due_at == datetime(2026, 12, 7, 8, 0, tzinfo=UTC)

    chat.clock.advance(hours=1)
    await chat.command(ALICE, COORDINATION, f"!drill plan {MANUAL_RUN} 2026-12-20 10:00")
    await chat.command(CAROL, COORDINATION, f"!fallback tested {SECONDARY_DNS} partly --why slow")
    (digest,) = await _fire_at(chat, datetime(2026, 12, 7, 8, 0, tzinfo=UTC))
    assert digest.splitlines() == [
        "Weekoverzicht oefenplan (!oefenplan toont alles)",
        "Gepland:",
        f"- zo 20 dec 2026 10:00: {MANUAL_RUN}",
        "Getest sinds vorige week:",
        f"- {SECONDARY_DNS}: deels geslaagd (2026-11-30)",
    ]
    # The week after: the drill is still planned, but nothing new happened (only the
    # drill's own reminder, a week before it, is posted).
    (reminder,) = await _fire_at(chat, datetime(2026, 12, 14, 8, 0, tzinfo=UTC))
    assert reminder.startswith("@alice:test: over 7 dagen")


async def test_what_became_overdue_since_the_last_digest(chat: ChatHarness) -> None:
    async with chat.factory.transaction() as services:
        states = await services.fallbacks.states()
    # The manual run is overdue; seen as overdue last time, it is no news.
    assert compose([MANUAL_RUN], states, [], [], START) is None
    digest = compose([], states, [], [], START)
    assert digest is not None
    assert [state.key for state in digest.became_overdue] == [MANUAL_RUN]


async def test_day_zero_turns_the_digest_off(tmp_path: Path) -> None:
    async with (
        chat_harness(
            tmp_path, taskforce=[ALICE], fallbacks=FallbackSettings(digest_day=0)
        ) as harness,
        harness.factory.transaction() as services,
    ):
        await DIGEST_TIMER.schedule(
            services.timers, START, DigestState(since=START, overdue=[]), key=DIGEST_KEY
        )
        await services.digest.arm()
        assert await services.timers.pending(DIGEST_KEY) is None


async def test_a_late_digest_on_the_night_the_clocks_go_back_is_not_sent_again(
    tmp_path: Path,
) -> None:
    # Digest on Sundays at 02:30. On 25 October 2026 the clocks go back at 03:00 CEST to
    # 02:00 CET, so 02:30 is shown twice: 00:30 and 01:30 UTC. The bot was down at the
    # first 02:30 and fires the digest at 02:05 CET (01:05 UTC), after it.
    settings = FallbackSettings(digest_day=7, digest_time=time(2, 30))
    async with chat_harness(tmp_path, taskforce=[ALICE], fallbacks=settings) as harness:
        harness.clock.moment = datetime(2026, 10, 20, 12, 0, tzinfo=UTC)
        async with harness.factory.transaction() as services:
            await services.digest.arm()
            timer = await services.timers.pending(DIGEST_KEY)
        assert timer is not None and timer.due_at == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)

        harness.clock.moment = datetime(2026, 10, 25, 1, 5, tzinfo=UTC)
        assert await harness.bot.timers.fire_due() == 1
        # It ran once for this Sunday; the next is a week later, not again right away.
        assert await harness.bot.timers.fire_due() == 0
        async with harness.factory.transaction() as services:
            timer = await services.timers.pending(DIGEST_KEY)
        assert timer is not None and timer.due_at == datetime(2026, 11, 1, 1, 30, tzinfo=UTC)


async def test_a_digest_that_came_due_while_the_bot_was_down_is_sent_after_the_start(
    chat: ChatHarness,
) -> None:
    chat.clock.advance(hours=1)
    await chat.command(CAROL, COORDINATION, f"!fallback tested {SECONDARY_DNS} partly --why slow")
    # Down over Monday 30 November 09:00 (08:00 UTC); started again at 10:30. The start
    # arms the digest before it fires what came due meanwhile, as `weerbaar run` does.
    chat.clock.moment = datetime(2026, 11, 30, 9, 30, tzinfo=UTC)
    async with chat.factory.transaction() as services:
        await services.digest.arm()
    await chat.bot.timers.fire_due()
    (digest,) = [posted.body for posted in await chat.posted()]
    assert digest.startswith("Weekoverzicht oefenplan")
    async with chat.factory.transaction() as services:
        timer = await services.timers.pending(DIGEST_KEY)
    assert timer is not None and timer.due_at == datetime(2026, 12, 7, 8, 0, tzinfo=UTC)
