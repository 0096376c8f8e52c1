"""Getting a running bot to an incident room, as a taskforce member would."""

from __future__ import annotations

from sqlalchemy import select

from bot.app import Weerbaar
from bot.intake.client import send_alert
from bot.sandbox.world import SandboxWorld
from bot.storage.models import SituationRecord
from tests.support.matrix_user import MatrixUser


async def escalate_new_alert(
    bot: Weerbaar, world: SandboxWorld, member: MatrixUser, supplier: str, title: str
) -> tuple[str, int]:
    """Post a signed alert, have ``member`` escalate it; returns (incident room, situation)."""
    status, answer = await send_alert(
        f"http://127.0.0.1:{bot.intake_port}/alerts",
        world.hmac_secret.encode(),
        {"supplier": supplier, "title": title},
    )
    assert status == 202, answer
    await member.command(world.coordination_room, f"!escalate {answer['id']}")
    async with bot.db.transaction() as session:
        situation = await session.scalar(
            select(SituationRecord).where(SituationRecord.supplier == supplier)
        )
    assert situation is not None and situation.incident_room_id is not None
    return situation.incident_room_id, situation.id
