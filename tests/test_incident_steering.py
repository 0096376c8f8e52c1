"""Who steers an incident: roles go only to people who are there, and the taskforce's
configured coordinators can always take over, so a typo cannot lock an incident.

Runs against the real homeserver: carol and alice are taskforce members, bob is also a
configured taskforce coordinator.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select

from bot.app import Weerbaar
from bot.sandbox.world import SandboxWorld
from bot.storage.models import LogEntryRecord, SituationRecord
from tests.support.homeserver import bot_settings
from tests.support.incidents import escalate_new_alert
from tests.support.matrix_user import MatrixUser, body_of

ONLY_COORDINATOR = "Only this incident's coordinator"


async def role_entries(bot: Weerbaar, situation_id: int) -> int:
    """How many role assignments the situation's log holds."""
    async with bot.db.transaction() as session:
        count = await session.scalar(
            select(func.count())
            .select_from(LogEntryRecord)
            .where(
                LogEntryRecord.situation_id == situation_id,
                LogEntryRecord.kind == "role_assigned",
            )
        )
    return int(count or 0)


async def test_a_typo_cannot_lock_an_incident_and_coordinators_steer_everywhere(
    world: SandboxWorld,
    alice: MatrixUser,
    bob: MatrixUser,
    carol: MatrixUser,
    tmp_path: Path,
) -> None:
    members = [alice.user_id, bob.user_id, carol.user_id]
    settings = bot_settings(world, tmp_path / "bot", taskforce=members, coordinators=[bob.user_id])
    bot = Weerbaar(settings)
    await bot.start()
    try:
        await bot.sync.synced.wait()
        coordination = world.coordination_room
        room, number = await escalate_new_alert(bot, world, carol, "Steer BV", "portal down")
        for member in (alice, bob, carol):
            await member.join(room)

        typo = body_of(await carol.command(room, "!role @taskforec:localhost coordinator"))
        assert typo == (
            "@taskforec:localhost is not a member of this incident room or the taskforce; "
            "nothing was assigned."
        )
        assert await role_entries(bot, number) == 0

        appointed = body_of(await carol.command(room, f"!role {alice.user_id} coordinator"))
        assert f"{alice.user_id} is now coordinator" in appointed

        # The incident coordinator's rule holds for every steering command, wherever typed.
        phase = f"!phase {number} de_escalation supplier is back"
        assert ONLY_COORDINATOR in body_of(await carol.command(coordination, phase))
        owner = f"!owner {number} {carol.user_id}"
        assert ONLY_COORDINATOR in body_of(await carol.command(coordination, owner))
        assert ONLY_COORDINATOR in body_of(await carol.command(room, "!close done"))
        async with bot.db.transaction() as session:
            unchanged = await session.get(SituationRecord, number)
        assert unchanged is not None and unchanged.phase == "crisis"

        # A configured taskforce coordinator takes over without being handed the role.
        taken = body_of(await bob.command(room, f"!role {bob.user_id} coordinator"))
        assert f"{bob.user_id} is now coordinator" in taken
        assert f"Coordination handed over from {alice.user_id} to {bob.user_id}" in taken
        moved = body_of(await alice.command(coordination, phase))
        assert ONLY_COORDINATOR in moved  # alice handed over: she no longer steers
        assert "is now in phase de-escalation" in body_of(await bob.command(coordination, phase))
    finally:
        await bot.stop()
