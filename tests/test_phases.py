"""The phase state machine, exhaustively: every pair of phases, allowed or refused."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.errors import InvalidTransition
from bot.i18n import Term, text
from bot.matrix.outbox import MESSAGE_EVENT
from bot.situations.phases import TRANSITIONS, Phase, allowed_moves, timer_key_prefix
from bot.storage.db import Database
from bot.storage.models import IncidentSummaryRecord, LogEntryRecord, OutboxRecord, SituationRecord
from tests.support.factories import COORDINATION, make_factory


def test_every_phase_can_reach_closed_and_closed_is_final() -> None:
    for start in Phase:
        reachable, frontier = {start}, [start]
        while frontier:
            for nxt in TRANSITIONS[frontier.pop()]:
                if nxt not in reachable:
                    reachable.add(nxt)
                    frontier.append(nxt)
        assert Phase.CLOSED in reachable
    assert allowed_moves(Phase.CLOSED) == []


async def test_each_move_is_allowed_exactly_when_the_table_says(database: Database) -> None:
    factory = make_factory(database)
    for current, target in itertools.product(Phase, Phase):
        async with factory.transaction() as services:
            situation = SituationRecord(
                supplier="Acme",
                title="t",
                phase=current.value,
                opened_at=datetime(2026, 1, 1, tzinfo=UTC),
                opened_by="@alice:test",
            )
            services.session.add(situation)
            await services.session.flush()
            situation_id = situation.id
        if target in TRANSITIONS[current]:
            async with factory.transaction() as services:
                moved = await services.situations.change_phase(
                    situation_id, target, "@alice:test", "because"
                )
            assert moved.phase == target.value
        else:
            with pytest.raises(InvalidTransition) as refused:
                async with factory.transaction() as services:
                    await services.situations.change_phase(
                        situation_id, target, "@alice:test", "because"
                    )
            assert refused.value.params["allowed"] == [
                Term("phase", p.value) for p in allowed_moves(current)
            ]
            # shown by name in both languages: no code such as de_escalation leaks
            for lang in ("nl", "en"):
                said = text(refused.value.key, lang, **refused.value.params)
                assert all(phase.value not in said for phase in Phase if "_" in phase.value)
            async with database.transaction() as session:
                unchanged = await session.get(SituationRecord, situation_id)
                assert unchanged is not None and unchanged.phase == current.value


async def test_a_move_is_logged_announced_and_quiet_phases_stop_timers(
    database: Database,
) -> None:
    factory = make_factory(database)
    async with factory.transaction() as services:
        situation = SituationRecord(
            supplier="Acme",
            title="t",
            phase=Phase.CRISIS.value,
            opened_at=datetime(2026, 1, 1, tzinfo=UTC),
            opened_by="@alice:test",
            incident_room_id="!incident:test",
        )
        services.session.add(situation)
        await services.session.flush()
        soon = factory.clock.now() + timedelta(hours=1)
        await services.timers.schedule("x", soon, {}, key=timer_key_prefix(situation.id) + "a")
        await services.timers.schedule("x", soon, {}, key="situation:999:a")
    async with factory.transaction() as services:
        await services.situations.change_phase(
            situation.id, Phase.EVALUATION, "@bob:test", "supplier back"
        )
        assert await services.timers.pending(timer_key_prefix(situation.id) + "a") is None
        assert await services.timers.pending("situation:999:a") is not None
    async with database.transaction() as session:
        entry = await session.scalar(select(LogEntryRecord))
        # The announcements; the move also posts and pins the incident room's summary.
        rooms = list(
            await session.scalars(
                select(OutboxRecord.room_id).where(
                    OutboxRecord.event_type == MESSAGE_EVENT,
                    OutboxRecord.id.not_in(select(IncidentSummaryRecord.outbox_id)),
                )
            )
        )
    assert entry is not None
    assert (entry.actor, entry.payload) == (
        "@bob:test",
        {"from": "crisis", "to": "evaluation", "reason": "supplier back"},
    )
    assert sorted(rooms) == sorted([COORDINATION, "!incident:test"])


def test_a_refused_move_names_the_phases_in_dutch() -> None:
    refused = InvalidTransition(
        situation_id=3,
        current=Term("phase", "de_escalation"),
        to=Term("phase", "de_escalation"),
        allowed=[Term("phase", "crisis"), Term("phase", "evaluation")],
    )
    assert text(refused.key, "nl", **refused.params) == (
        "Situatie #3 kan niet van afschaling naar afschaling. Mogelijk: crisis, evaluatie."
    )
    assert text(refused.key, "en", **refused.params) == (
        "Situation #3 cannot move from de-escalation to de-escalation. "
        "Possible: crisis, evaluation."
    )
