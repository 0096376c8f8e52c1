"""Walking a playbook in chat against real Synapse, with a bot restart half-way."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from bot.app import Weerbaar
from bot.sandbox.world import SandboxWorld
from bot.storage.models import LogEntryRecord, SituationRecord
from tests.support.homeserver import bot_settings
from tests.support.incidents import escalate_new_alert
from tests.support.intake import ALERT_PAYLOAD, post_alert
from tests.support.matrix_user import EventPredicate, MatrixUser, body_of


def phase_notice(phase: str) -> EventPredicate:
    """Matches the bot's notice of a phase change to ``phase`` (Dutch, the default)."""
    return lambda event: f"→ {phase}" in event.get("content", {}).get("body", "")


async def started_bot(world: SandboxWorld, data_dir: Path) -> Weerbaar:
    instance = Weerbaar(bot_settings(world, data_dir))
    await instance.start()
    await instance.sync.synced.wait()
    return instance


async def test_playbook_walk_through_survives_a_restart(
    world: SandboxWorld, alice: MatrixUser, bob: MatrixUser, tmp_path: Path
) -> None:
    data_dir = tmp_path / "bot"
    bot = await started_bot(world, data_dir)
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

    bot = await started_bot(world, data_dir)  # same database: the run goes on
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


async def test_answers_after_a_change_show_what_changed_and_what_is_due_now(
    bot: Weerbaar, world: SandboxWorld, alice: MatrixUser
) -> None:
    room, _ = await escalate_new_alert(bot, world, alice, "Acme Cloud", "outage")
    await alice.join(room)

    # A 20-step playbook: each answer after a change fits on a phone screen.
    started = body_of(await alice.command(room, "!playbook start cloud-saas-outage"))
    done = body_of(await alice.command(room, "!step done 1"))
    upcoming = body_of(await alice.command(room, "!next"))
    for answer in (started, done, upcoming):
        lines = answer.splitlines()
        assert len(lines) <= 15, answer
        assert "steps are waiting" in lines[-1] and "!steps" in lines[-1]
        assert "[blocked]" not in answer and "[ ]" not in answer  # no checklists here
    assert done.startswith("Step 1 (")
    # the whole list stays on !steps, checklists included
    everything = body_of(await alice.command(room, "!steps"))
    assert len(everything.splitlines()) > 20 and "[ ]" in everything


async def test_a_second_start_unknown_references_and_past_moments_say_what_works(
    bot: Weerbaar, world: SandboxWorld, alice: MatrixUser
) -> None:
    room, _ = await escalate_new_alert(bot, world, alice, "Acme Cloud", "outage")
    await alice.join(room)
    await alice.command(room, "!playbook start example-supplier-outage")

    again = body_of(await alice.command(room, "!draaiboek start example-supplier-outage"))
    assert again == (
        "Draaiboek example-supplier-outage loopt hier al (draaiboek 1); zie !stappen 1. "
        "Bewust een tweede keer starten: !draaiboek start example-supplier-outage --opnieuw"
    )
    second = body_of(await alice.command(room, "!playbook start example-supplier-outage --again"))
    assert second.startswith("Playbook Prolonged supplier outage (version 1.0) started")

    unknown_step = body_of(await alice.command(room, "!step done 1.99"))
    assert unknown_step.startswith("There is no step '99'. Steps: 1 to ")
    assert "or an id: assess, " in unknown_step
    unknown_decision = body_of(await alice.command(room, "!choose 1.nope x --why y"))
    assert unknown_decision.startswith("There is no decision 'nope'. Decisions: fallback-or-wait")
    unknown_option = body_of(await alice.command(room, "!choose 1.fallback-or-wait nope --why y"))
    assert "has no option 'nope'. Options: " in unknown_option

    past = body_of(
        await alice.command(room, "!decide Wait --why cheaper --review 2020-01-01 09:00")
    )
    assert past == "That moment (Wed 1 Jan 2020 09:00) has already passed."
