"""A broken hash chain is said out loud: first in every reply that reads the log, and once
in the coordination room per break (also found by the daily check), against real Synapse."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select, update

from bot.app import Weerbaar
from bot.sandbox.world import SandboxWorld
from bot.storage.models import OutboxRecord, TimerRecord
from bot.timers.decisionlog import CHAIN_CHECK_KEY
from tests.support.homeserver import bot_settings, running_bot
from tests.support.incidents import escalate_new_alert
from tests.support.matrix_user import MatrixUser, body_of, wait_until
from tests.support.tampering import tamper

BROKEN_EN = "CHAIN BROKEN at entry 2"
BROKEN_NL = "KETEN GEBROKEN bij regel 2"


async def chain_notices(bot: Weerbaar, room: str) -> list[str]:
    """Bodies of the broken-chain notices queued for ``room`` (sent or not; not replies)."""
    async with bot.db.transaction() as session:
        rows = await session.scalars(select(OutboxRecord).where(OutboxRecord.room_id == room))
        bodies = [
            str(row.content.get("body", "")) for row in rows if "m.relates_to" not in row.content
        ]
    return [body for body in bodies if BROKEN_EN in body or BROKEN_NL in body]


async def rearmed(bot: Weerbaar) -> bool:
    """Whether the daily chain check has run and is due again only later."""
    async with bot.db.transaction() as session:
        timer = await session.scalar(select(TimerRecord).where(TimerRecord.key == CHAIN_CHECK_KEY))
    return timer is not None and timer.fired_at is None and timer.due_at > bot.clock.now()


async def test_a_tampered_log_is_said_first_and_announced_once(
    world: SandboxWorld, alice: MatrixUser, tmp_path: Path
) -> None:
    async with running_bot(bot_settings(world, tmp_path / "bot", language="en")) as bot:
        coordination = world.coordination_room
        room, number = await escalate_new_alert(bot, world, alice, "Chain BV", "ledger down")
        await alice.join(room)
        await alice.command(room, "!note supplier called back")
        intact = body_of(await alice.command(room, "!report"))
        assert intact.startswith(f"Decision log of situation #{number}, ")

        # Someone edits a row behind the bot's back (the ORM refuses; raw SQL does not).
        await tamper(
            bot.db,
            "UPDATE log_entries SET actor = '@someone:else' "
            f"WHERE situation_id = {number} AND seq = 2",
        )
        log = body_of(await alice.command(room, "!log"))
        assert log.startswith(
            f"⚠️ Decision log of situation #{number}: {BROKEN_EN} (content altered)"
        )
        report = body_of(await alice.command(room, "!report"))
        assert report.startswith(f"⚠️ Decision log of situation #{number}: {BROKEN_EN}")
        assert "chain head" not in report  # no head is vouched for on a broken chain

        # The daily check finds the same break: it is not announced again.
        async with bot.db.transaction() as session:
            await session.execute(
                update(TimerRecord)
                .where(TimerRecord.key == CHAIN_CHECK_KEY)
                .values(due_at=bot.clock.now())
            )
        # The running bot fires due timers every second itself, so either this call or its
        # scheduler runs the check, once: the timer re-armed for tomorrow shows that it ran.
        await bot.timers.fire_due()
        await wait_until(lambda: rearmed(bot), what="the chain check re-armed")
        notice = await alice.wait_for(
            coordination, lambda e: BROKEN_EN in e["content"].get("body", "")
        )
        assert f"situation #{number}" in notice["content"]["body"]
        assert len(await chain_notices(bot, coordination)) == 1
        # The incident room heard it in the replies, not in a separate notice.
        assert await chain_notices(bot, room) == []
        assert await rearmed(bot)  # still only due tomorrow
