"""At an exercise's end the bot asks, in its incident room, for each covered fallback's result."""

from __future__ import annotations

from pathlib import Path

from bot.exercises.fallback_results import ask_for_results
from tests.support.chat import chat_harness
from tests.support.factories import ALICE
from tests.support.suppliers import MANUAL_RUN, SECOND_SUPPLIER, example_registry, import_registry


async def test_the_question_names_each_fallback_and_the_answer_joins_the_log(
    tmp_path: Path,
) -> None:
    async with chat_harness(tmp_path) as chat:
        await import_registry(chat.factory, example_registry(tmp_path))
        room, situation = await chat.escalated(ALICE)
        await chat.posted()
        async with chat.factory.transaction() as services:
            record = await services.situations.get(situation)
            covers = (MANUAL_RUN, SECOND_SUPPLIER)
            assert await ask_for_results(services.outbox, record, covers, "nl")
            assert not await ask_for_results(services.outbox, record, (), "nl")
        (asked,) = await chat.posted()
        assert asked.room_id == room
        lines = asked.body.splitlines()
        # Marked as being about an exercise, like every message the bot posts about one.
        assert lines[0].startswith("OEFENING/EXERCISE — Deze oefening beoefende terugvalopties")
        assert lines[1:] == [
            f"!terugval getest {fallback} <gelukt|deels|mislukt> [--duur 3h] --waarom <toelichting>"
            for fallback in (MANUAL_RUN, SECOND_SUPPLIER)
        ]
        # Answered as asked, in that room: the test joins the situation's log.
        answer = await chat.command(
            ALICE, room, f"!terugval getest {MANUAL_RUN} gelukt --waarom ok"
        )
        assert f"In het log van situatie #{situation} als regel " in answer
        async with chat.factory.transaction() as services:
            (test,) = [t for t in await services.fallbacks.history(MANUAL_RUN) if t.situation_id]
        assert test.situation_id == situation and test.evidence is not None
