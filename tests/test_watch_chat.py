"""!track, !phase, !owner, !update and !status against real Synapse; a check-in across a restart."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from sqlalchemy import select

from bot.commands import build_registry
from bot.commands.access import Role
from bot.commands.arguments import parse_phase
from bot.sandbox.world import SandboxWorld
from bot.situations.phases import Phase
from bot.situations.watch import checkin_key
from bot.storage.models import OutboxRecord, TimerRecord
from tests.support.chat import number_after
from tests.support.clock import ManualClock
from tests.support.homeserver import bot_settings, running_bot
from tests.support.matrix_user import MatrixUser, body_of


async def open_lauwe_situation(user: MatrixUser, room: str, supplier: str) -> int:
    filed = await user.command(room, f"!alert {supplier} Payroll exports fail")
    alert_id = number_after("Alert #", body_of(filed))
    tracked = await user.command(room, f"!track {alert_id}")
    situation_id = number_after("Situation #", body_of(tracked))
    moved = await user.command(room, f"!fase {situation_id} lauwe-fase leverancier reageert niet")
    assert body_of(moved).startswith(f"Situatie #{situation_id} ({supplier}): fase signaal → lauwe")
    return situation_id


def test_phase_names_in_both_languages() -> None:
    assert parse_phase("lauwe-fase") is parse_phase("LAUWE_FASE") is Phase.LAUWE_FASE
    assert parse_phase("afschaling") is parse_phase("de-escalation") is Phase.DE_ESCALATION
    assert parse_phase("gesloten") is parse_phase("closed") is Phase.CLOSED
    assert parse_phase("signaal") is Phase.SIGNAL and parse_phase("evaluatie") is Phase.EVALUATION
    assert parse_phase("rood") is None
    resolved = build_registry().resolve("beeld")
    assert resolved is not None and resolved[0].role is Role.OBSERVER


async def test_a_checkin_due_while_the_bot_was_down_fires_once_on_start(
    world: SandboxWorld, alice: MatrixUser, tmp_path: Path
) -> None:
    room = world.coordination_room
    clock = ManualClock()
    settings = bot_settings(world, tmp_path / "bot")
    async with running_bot(settings, clock=clock):
        situation_id = await open_lauwe_situation(alice, room, "Umbrella")

    clock.advance(hours=5)  # the check-in came due while no bot was running
    async with running_bot(settings, clock=clock) as second:
        asked = await alice.wait_for(
            room,
            lambda e: body_of(e).startswith(
                f"{alice.user_id}: check-in voor situatie #{situation_id}"
            ),
        )
        assert asked["content"]["m.mentions"] == {"user_ids": [alice.user_id]}
        assert await second.timers.fire_due() == 0
        async with second.db.transaction() as session:
            bodies = list(await session.scalars(select(OutboxRecord.content)))
            timer = await session.scalar(
                select(TimerRecord).where(TimerRecord.key == checkin_key(situation_id))
            )
        checkins = [b for b in bodies if "check-in voor situatie" in b["body"]]
        assert len(checkins) == 1
        # the cadence goes on from the moment it fired
        assert timer is not None and timer.fired_at is None
        assert timer.due_at == clock.now() + timedelta(
            minutes=settings.lauwe_fase.checkin_interval_minutes
        )
