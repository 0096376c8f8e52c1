"""!track, !phase, !owner, !update and !status against real Synapse; a check-in across a restart."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select

from bot.app import Weerbaar
from bot.commands import build_registry
from bot.commands.access import Role
from bot.commands.arguments import parse_phase
from bot.sandbox.world import SandboxWorld
from bot.situations.phases import Phase
from bot.situations.watch import checkin_key
from bot.storage.models import OutboxRecord, TimerRecord
from tests.support.clock import ManualClock
from tests.support.homeserver import bot_settings
from tests.support.matrix_user import MatrixUser, body_of


def number_after(prefix: str, text: str) -> int:
    found = re.search(re.escape(prefix) + r"(\d+)", text)
    assert found, f"{prefix!r} not in {text!r}"
    return int(found.group(1))


async def open_lauwe_situation(user: MatrixUser, room: str, supplier: str) -> int:
    filed = await user.command(room, f"!alert {supplier} Payroll exports fail")
    alert_id = number_after("Alert #", body_of(filed))
    tracked = await user.command(room, f"!track {alert_id}")
    situation_id = number_after("Situation #", body_of(tracked))
    moved = await user.command(room, f"!fase {situation_id} lauwe-fase leverancier reageert niet")
    assert body_of(moved).startswith(f"Situatie #{situation_id} staat nu in fase lauwe fase")
    return situation_id


def test_phase_names_in_both_languages() -> None:
    assert parse_phase("lauwe-fase") is parse_phase("LAUWE_FASE") is Phase.LAUWE_FASE
    assert parse_phase("afschaling") is parse_phase("de-escalation") is Phase.DE_ESCALATION
    assert parse_phase("gesloten") is parse_phase("closed") is Phase.CLOSED
    assert parse_phase("signaal") is Phase.SIGNAL and parse_phase("evaluatie") is Phase.EVALUATION
    assert parse_phase("rood") is None
    resolved = build_registry().resolve("beeld")
    assert resolved is not None and resolved[0].role is Role.OBSERVER


async def test_phases_owner_updates_and_the_picture_in_chat(
    bot: Weerbaar, world: SandboxWorld, alice: MatrixUser, bob: MatrixUser
) -> None:
    room = world.coordination_room
    situation_id = await open_lauwe_situation(alice, room, "Hooli")
    await bob.wait_for(
        room,
        lambda e: (
            body_of(e).startswith(f"Situatie #{situation_id} (Hooli): fase signaal → lauwe")
            and "leverancier reageert niet" in body_of(e)
        ),
    )

    refused = await alice.command(room, f"!phase {situation_id} signal back to signal")
    assert body_of(refused) == (
        f"Situation #{situation_id} cannot move from warm-up phase to signal. "
        "Possible: crisis, de-escalation, evaluation."
    )
    unknown = await alice.command(room, f"!phase {situation_id} rood want het is ernstig")
    assert body_of(unknown).startswith("Usage: !phase <situation> <phase> <reason>")
    assert "Unknown phase 'rood'" in body_of(unknown)
    missing_reason = await alice.command(room, f"!fase {situation_id} crisis")
    assert body_of(missing_reason).startswith("Gebruik: !fase <situatie> <fase> <reden>")

    owner = await alice.command(room, f"!owner {situation_id} {bob.user_id}")
    assert (
        body_of(owner)
        == f"{bob.user_id} now owns situation #{situation_id} and gets its check-ins."
    )
    update = await bob.command(room, f"!bijwerken {situation_id} Leverancier belt om 14:00 terug")
    assert body_of(update).startswith(f"Update voor situatie #{situation_id} vastgelegd")
    assert "Volgende check-in: " in body_of(update)

    picture = body_of(await bob.command(room, "!status"))
    assert picture.startswith("Situational picture: ")
    lines = picture.splitlines()
    assert "warm-up phase (1)" in lines
    line = next(line for line in lines if line.startswith(f"- #{situation_id} Hooli"))
    assert f"owner {bob.user_id}" in line
    assert f"by {bob.user_id}" in line and re.search(
        r"next check-in (\w{3} \d+ \w{3} )?\d\d:\d\d", line
    )
    beeld = body_of(await alice.command(room, "!beeld"))
    assert beeld.startswith("Situatiebeeld: ") and "lauwe fase (1)" in beeld


async def test_a_checkin_due_while_the_bot_was_down_fires_once_on_start(
    world: SandboxWorld, alice: MatrixUser, tmp_path: Path
) -> None:
    room = world.coordination_room
    clock = ManualClock()
    settings = bot_settings(world, tmp_path / "bot")
    first = Weerbaar(settings, clock=clock)
    await first.start()
    await first.sync.synced.wait()
    try:
        situation_id = await open_lauwe_situation(alice, room, "Umbrella")
    finally:
        await first.stop()

    clock.advance(hours=5)  # the check-in came due while no bot was running
    second = Weerbaar(settings, clock=clock)
    await second.start()
    try:
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
    finally:
        await second.stop()
