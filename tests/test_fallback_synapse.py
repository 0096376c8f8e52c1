"""The drill plan against real Synapse: ``!drills``, a test recorded in chat, a planned
drill reminded to its owner."""

from __future__ import annotations

from pathlib import Path

from bot.app import Weerbaar
from bot.sandbox.world import SandboxWorld
from tests.support.clock import ManualClock
from tests.support.homeserver import bot_settings, running_bot
from tests.support.matrix_user import MatrixUser, answer_in_thread, body_of
from tests.support.reports import pdf_text
from tests.support.suppliers import (
    MANUAL_RUN,
    SECOND_SUPPLIER,
    SECONDARY_DNS,
    example_registry,
    import_registry,
)


async def test_drills_and_a_recorded_test_in_the_coordination_room(
    bot: Weerbaar, world: SandboxWorld, alice: MatrixUser, tmp_path: Path
) -> None:
    owner = world.members[0].user_id
    await import_registry(bot.factory, example_registry(tmp_path, owner=owner))
    room = world.coordination_room

    plan = body_of(await alice.command(room, "!oefenplan"))
    assert plan.startswith("Oefenplan: terugvalopties om eerst te beoefenen")
    # Equal risk (12): never tested before overdue, then by id.
    assert f"1. {SECOND_SUPPLIER}: NOOIT GETEST" in plan
    assert f"2. {SECONDARY_DNS}: NOOIT GETEST" in plan
    assert f"3. {MANUAL_RUN}: VERLOPEN" in plan
    assert f"eigenaar {owner}" in plan

    recorded = body_of(
        await alice.command(
            room, f"!fallback tested {MANUAL_RUN} worked --duration 4h --why paid on time"
        )
    )
    assert recorded.startswith(f"Test of {MANUAL_RUN} recorded: worked (technical test, 4h00m)")
    again = body_of(await alice.command(room, "!drills"))
    assert MANUAL_RUN not in again
    assert f"2. {SECONDARY_DNS}: NEVER TESTED" in again


async def test_the_fallback_overview_is_uploaded_in_the_coordination_room(
    bot: Weerbaar, world: SandboxWorld, alice: MatrixUser, tmp_path: Path
) -> None:
    await import_registry(bot.factory, example_registry(tmp_path))
    room = world.coordination_room

    caption = await alice.command(room, "!rapport terugvalopties pdf")
    assert body_of(caption).startswith("Overzicht van de terugvalopties per ")
    document = await alice.wait_for(room, lambda e: e["content"].get("msgtype") == "m.file")
    assert document["content"]["info"]["mimetype"] == "application/pdf"
    assert document["content"]["body"].endswith(".pdf")
    flat = pdf_text(await alice.download(document["content"]["url"]))
    assert "Terugvalopties van vitale en kritieke processen" in flat
    assert flat.count("NOOIT GETEST") == 4 and "VERLOPEN2025-03-01" in flat.replace(" ", "")

    refused = body_of(await alice.command(room, "!report fallbacks --woo"))
    assert "--woo is for a situation's report" in refused
    # The after-action report itself still belongs to an incident room.
    elsewhere = body_of(await alice.command(room, "!report pdf"))
    assert "incident room" in elsewhere


async def test_a_planned_drill_reminds_its_owner_in_the_coordination_room(
    world: SandboxWorld, alice: MatrixUser, tmp_path: Path
) -> None:
    clock = ManualClock()
    async with running_bot(bot_settings(world, tmp_path / "bot"), clock=clock) as bot:
        owner = alice.user_id
        await import_registry(bot.factory, example_registry(tmp_path, owner=owner))
        room = world.coordination_room
        planned = body_of(await alice.command(room, f"!oefenen plan {MANUAL_RUN} over 8d"))
        assert planned.startswith(f"Oefening 1 van {MANUAL_RUN} gepland op ")
        assert f"Herinnering aan {owner}: " in planned

        # A week before the drill: the running bot's scheduler fires the reminder.
        clock.advance(days=1)
        reminder = await alice.wait_for(
            room, lambda event: body_of(event).startswith(f"{owner}: over 7 dagen")
        )
        assert MANUAL_RUN in body_of(reminder)
        assert reminder["content"]["m.mentions"] == {"user_ids": [owner]}


async def test_a_tabletop_drill_is_walked_through_in_a_thread_and_recorded(
    bot: Weerbaar, world: SandboxWorld, alice: MatrixUser, tmp_path: Path
) -> None:
    await import_registry(bot.factory, example_registry(tmp_path, owner=alice.user_id))
    room = world.coordination_room

    root = await alice.send(room, f"!oefenen tafel {MANUAL_RUN}")
    question = await alice.wait_for(
        room, lambda event: event["content"].get("m.relates_to", {}).get("event_id") == root
    )
    assert question["content"]["m.relates_to"]["rel_type"] == "m.thread"
    assert body_of(question).startswith(f"Tafeloefening van {MANUAL_RUN}. Wie schakelt over")
    asked = await answer_in_thread(alice, room, root, "de salarisadministrateur")
    assert body_of(asked).startswith("Hoe lang duurt de omschakeling?")
    asked = await answer_in_thread(alice, room, root, "1h")
    assert body_of(asked) == "Welke gegevens zijn ervoor nodig?"
    asked = await answer_in_thread(alice, room, root, "het betaalbestand")
    assert body_of(asked) == "Wie wordt geïnformeerd?"
    asked = await answer_in_thread(alice, room, root, "de bank")
    assert body_of(asked).startswith("Werkt de terugvaloptie zo?")
    done = await answer_in_thread(alice, room, root, "gelukt")
    assert done["content"]["m.relates_to"]["event_id"] == root
    assert body_of(done).startswith(
        f"Test van {MANUAL_RUN} vastgelegd: geslaagd (tafeloefening, 1h00m)"
    )

    # Overdue before, current now: it leaves the drill plan.
    plan = body_of(await alice.command(room, "!drills"))
    assert MANUAL_RUN not in plan
    async with bot.factory.transaction() as services:
        test = (await services.fallbacks.history(MANUAL_RUN))[-1]
    assert (test.kind, test.result) == ("tabletop", "worked")
    assert "Gegevens nodig: het betaalbestand." in test.notes
