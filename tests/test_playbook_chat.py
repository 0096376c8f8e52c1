"""Walking a playbook in chat against real Synapse, with a bot restart half-way."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from bot.sandbox.world import SandboxWorld
from bot.storage.models import LogEntryRecord, SituationRecord
from tests.support.bot_lifecycle import start_bot
from tests.support.homeserver import bot_settings
from tests.support.intake import ALERT_PAYLOAD, post_alert
from tests.support.matrix_user import EventPredicate, MatrixUser, body_of


def phase_notice(phase: str) -> EventPredicate:
    """Matches the bot's notice of a phase change to ``phase`` (Dutch, the default)."""
    return lambda event: f"→ {phase}" in event.get("content", {}).get("body", "")


async def test_playbook_walk_through_survives_a_restart(
    world: SandboxWorld, alice: MatrixUser, bob: MatrixUser, tmp_path: Path
) -> None:
    data_dir = tmp_path / "bot"
    bot = await start_bot(bot_settings(world, data_dir))
    try:
        alert_id = await post_alert(bot, world, ALERT_PAYLOAD)
        await alice.command(world.coordination_room, f"!escalate {alert_id}")
        async with bot.db.transaction() as session:
            situation = await session.scalar(select(SituationRecord))
        assert situation is not None and situation.incident_room_id is not None
        room = situation.incident_room_id
        for member in (alice, bob):
            await member.join(room)

        appointed = body_of(await alice.command(room, f"!rol {alice.user_id} coordinator"))
        assert f"{alice.user_id} is nu coordinator" in appointed
        levels = await alice.room_state(room, "m.room.power_levels")
        assert levels["users"][alice.user_id] == 50

        started = body_of(await alice.command(room, "!playbook start example-supplier-outage"))
        assert "Playbook Prolonged supplier outage (version 1.0) started" in started
        assert "1. [active] Establish the situational picture" in started
        assert "!fact vital_process_affected <yes/no>" in started  # what unblocks a step

        checked = body_of(await bob.command(room, "!vink 1 2"))
        assert "Stap 1, punt 2 afgevinkt" in checked and "(1/3)" in checked
        done = body_of(await bob.command(room, "!step done 1 supplier confirmed"))
        assert "Step 1 (Establish the situational picture) done" in done
        assert "Not checked: 1, 3" in done
        assert "Decision fallback-or-wait [open]" in done
        refused = body_of(await bob.command(room, "!step done 1"))
        assert refused == "Step 1 is already done."
        assert "waits for decision" in body_of(await bob.command(room, "!step done 4"))
    finally:
        await bot.stop()

    bot = await start_bot(bot_settings(world, data_dir))  # same database: the run goes on
    try:
        steps = body_of(await alice.command(room, "!steps"))
        assert "1. [done] Establish the situational picture" in steps
        assert f"by {bob.user_id}" in steps  # who finished it
        assert "5. [awaiting decision] Activate the fallback option" in steps

        # The decision point is the coordinator's: bob may not take it, nothing is logged.
        refused = body_of(
            await bob.command(room, "!choose fallback-or-wait wait-for-supplier --why cheaper")
        )
        assert refused == (
            f"Decision fallback-or-wait is for this incident's coordinator ({alice.user_id}); "
            "nothing was recorded."
        )
        chosen = body_of(
            await alice.command(
                room, "!kies fallback-or-wait activate-fallback --waarom betalingen op tijd"
            )
        )
        assert "Terugvaloptie activeren" in chosen and "Nu open: 5. Terugvaloptie" in chosen
        fact = body_of(await alice.command(room, "!feit vital_process_affected nee"))
        assert "Feit vital_process_affected = False" in fact
        skipped = body_of(await bob.command(room, "!stap overslaan 2 telefonisch gedaan"))
        assert "Stap 2 (Afhankelijke organisaties informeren) overgeslagen" in skipped
        recorded = body_of(await bob.command(room, "!sitrap Leverancier herstelt, ETA 14:00"))
        assert "Situatierapport vastgelegd" in recorded and "gevraagd om" in recorded
        latest = body_of(await alice.command(room, "!sitrep"))
        assert f"{bob.user_id}):\nLeverancier herstelt, ETA 14:00" in latest
        upcoming = body_of(await bob.command(room, "!next"))
        assert "4. [active] Brief the board on the decision" in upcoming
        assert "owner liaison" in upcoming and "Activate the fallback option" in upcoming
        assert "Only this incident's coordinator" in body_of(await bob.command(room, "!close done"))
        closed = body_of(await alice.command(room, "!close crisis over"))
        assert "moved to evaluation" in closed
        assert "1 done (0 late), 1 skipped, 2 not applicable, 2 still open" in closed
        assert "Decisions recorded: 1" in closed

        # The pinned summary is kept current by edits of one message.
        edit = await alice.wait_for(
            room,
            lambda e: "Fase: evaluatie" in e["content"].get("m.new_content", {}).get("body", ""),
        )
        summary_id = edit["content"]["m.relates_to"]["event_id"]
        assert edit["content"]["m.relates_to"]["rel_type"] == "m.replace"
        pinned = await alice.room_state(room, "m.room.pinned_events")
        assert pinned["pinned"] == [summary_id]
        # One message per thing: the coordination room hears of the phase change, the
        # incident room only through the reply to !close (posted before the summary edit).
        notice = await alice.wait_for(world.coordination_room, phase_notice("evaluatie"))
        assert "crisis over" in body_of(notice)
        assert not [event for event in alice.seen[room] if phase_notice("evaluatie")(event)]
        assert "coordinator: " + alice.user_id in edit["content"]["m.new_content"]["body"]
        async with bot.db.transaction() as session:
            situation = await session.get(SituationRecord, situation.id)
            kinds = list(
                await session.scalars(
                    select(LogEntryRecord.kind)
                    .where(LogEntryRecord.situation_id == situation.id)  # type: ignore[union-attr]
                    .order_by(LogEntryRecord.seq)
                )
            )
        assert situation is not None and situation.phase == "evaluation"
        assert kinds[3:] == [
            "role_assigned",
            "playbook_started",
            "checklist_checked",
            "step_done",
            "decision",
            "option_chosen",
            "fact_set",
            "step_skipped",
            "sitrep",
            "phase_changed",
        ]
    finally:
        await bot.stop()
