"""What commands answer, through the production dispatcher without a homeserver.

The same paths against real Synapse (delivery, rooms, invites) are in
test_walking_skeleton.py and the other chat modules.
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest_asyncio
from sqlalchemy import func, select

from bot.commands import build_registry
from bot.decisionlog.kinds import EntryKind
from bot.storage.models import AlertRecord, LogEntryRecord, SituationRecord
from bot.suppliers.file import read_supplier_file
from tests.support.chat import ChatHarness, chat_harness, number_after
from tests.support.factories import ALERT, ALICE, BOB, CAROL, COORDINATION
from tests.support.paths import REPO

MALLORY = "@mallory:test"


@pytest_asyncio.fixture(loop_scope="session")
async def chat(tmp_path: Path) -> AsyncIterator[ChatHarness]:
    """A harness for taskforce alice and bob."""
    async with chat_harness(tmp_path) as harness:
        yield harness


async def test_one_escalation_posts_one_message_in_the_language_of_the_command(
    chat: ChatHarness,
) -> None:
    for command, opened in (
        ("!escaleer", "Crisisruimte geopend"),
        ("!escalate", "Incident room opened"),
    ):
        alert_id = await chat.alert(ALERT.model_copy(update={"supplier": f"Supplier {command}"}))
        posted = await chat.say(ALICE, COORDINATION, f"{command} {alert_id}")
        messages = [message for message in posted if message.room_id == COORDINATION]
        # one message there: the announcement, answering the command, saying the phase too
        assert len(messages) == 1, [message.body for message in messages]
        (announcement,) = messages
        assert announcement.reply_to is not None
        assert announcement.body.startswith(opened) and "crisis" in announcement.body


async def test_help_lists_every_command_in_both_languages(chat: ChatHarness) -> None:
    registry = build_registry()
    english = await chat.command(ALICE, COORDINATION, "!help")
    dutch = await chat.command(ALICE, COORDINATION, "!hulp")
    for command in registry.commands:
        assert command.usage_line("en") in english
        assert command.summary["en"] in english
        assert command.usage_line("nl") in dutch
        assert command.summary["nl"] in dutch
    assert english.startswith("Weerbaar commands:")
    assert dutch.startswith("Opdrachten van Weerbaar:")


async def test_non_member_is_refused_and_nothing_changes(chat: ChatHarness) -> None:
    alert_id = await chat.alert()
    reply = await chat.command(MALLORY, COORDINATION, f"!escalate {alert_id}")
    assert "Refused" in reply and MALLORY in reply
    async with chat.bot.db.transaction() as session:
        assert await session.scalar(select(func.count()).select_from(SituationRecord)) == 0
        alert = await session.get(AlertRecord, alert_id)
        assert alert is not None and alert.situation_id is None


async def test_bad_commands_get_usage_and_change_nothing(chat: ChatHarness) -> None:
    room = COORDINATION
    assert "Unknown command !frobnicate" in await chat.command(ALICE, room, "!frobnicate")
    assert (await chat.command(ALICE, room, "!escalate")).startswith("Usage: !escalate <alert-id>")
    # The usage, then which argument did not fit and why, in the command's language.
    assert await chat.command(ALICE, room, "!escaleer abc") == (
        "Gebruik: !escaleer <melding-id>\n<melding-id>: geen nummer: abc"
    )
    assert "does not exist" in await chat.command(ALICE, room, "!escalate 999")
    assert "only works in an incident room" in await chat.command(ALICE, room, "!decide x --why y")


async def test_unknown_playbook_lists_the_available_ones(chat: ChatHarness) -> None:
    room, _ = await chat.escalated()
    reply = await chat.command(ALICE, room, "!playbook start no-such-playbook")
    assert "Unknown playbook 'no-such-playbook'" in reply
    assert "example-supplier-outage" in reply
    # A subcommand is named in the command's language; its own usage says what is missing.
    assert await chat.command(ALICE, room, "!stap af 3") == (
        "Gebruik: !stap klaar <n> [notitie] | overslaan <n> <reden>\nkies klaar|overslaan"
    )
    assert await chat.command(ALICE, room, "!step skip 3") == (
        "Usage: !step skip <n> <reason>\n<reason>: missing"
    )
    async with chat.bot.db.transaction() as session:
        kinds = list(await session.scalars(select(LogEntryRecord.kind)))
    assert "playbook_started" not in kinds


async def test_an_observer_may_read_but_not_act(tmp_path: Path) -> None:
    # alice is only an observer for this bot
    async with chat_harness(tmp_path, taskforce=[BOB], observers=[ALICE]) as chat:
        room = COORDINATION
        assert (await chat.command(ALICE, room, "!help")).startswith("Weerbaar commands:")
        alert_id = await chat.alert()
        refused = await chat.command(ALICE, room, f"!escalate {alert_id}")
        assert refused == "Refused: !escalate needs the role member."
        refused = await chat.command(ALICE, room, "!exercise start supplier-outage")
        assert refused == "Refused: !exercise needs the role coordinator."
        async with chat.bot.db.transaction() as session:
            assert await session.scalar(select(func.count()).select_from(SituationRecord)) == 0


async def test_answers_after_a_change_show_what_changed_and_what_is_due_now(
    chat: ChatHarness,
) -> None:
    room, _ = await chat.escalated(alert=ALERT.model_copy(update={"supplier": "Acme Cloud"}))

    # A 20-step playbook: each answer after a change fits on a phone screen.
    started = await chat.command(ALICE, room, "!playbook start cloud-saas-outage")
    done = await chat.command(ALICE, room, "!step done 1")
    upcoming = await chat.command(ALICE, room, "!next")
    for answer in (started, done, upcoming):
        lines = answer.splitlines()
        assert len(lines) <= 15, answer
        assert "steps are waiting" in lines[-1] and "!steps" in lines[-1]
        assert "[blocked]" not in answer and "[ ]" not in answer  # no checklists here
    assert done.startswith("Step 1 (")
    # the whole list stays on !steps, checklists included
    everything = await chat.command(ALICE, room, "!steps")
    assert len(everything.splitlines()) > 20 and "[ ]" in everything


async def test_a_second_start_unknown_references_and_past_moments_say_what_works(
    chat: ChatHarness,
) -> None:
    room, _ = await chat.escalated()
    await chat.command(ALICE, room, "!playbook start example-supplier-outage")

    again = await chat.command(ALICE, room, "!draaiboek start example-supplier-outage")
    assert again == (
        "Draaiboek example-supplier-outage loopt hier al (draaiboek 1); zie !stappen 1. "
        "Bewust een tweede keer starten: !draaiboek start example-supplier-outage --opnieuw"
    )
    second = await chat.command(ALICE, room, "!playbook start example-supplier-outage --again")
    assert second.startswith("Playbook Prolonged supplier outage (version 1.0) started")

    unknown_step = await chat.command(ALICE, room, "!step done 1.99")
    assert unknown_step.startswith("There is no step '99'. Steps: 1 to ")
    assert "or an id: assess, " in unknown_step
    unknown_decision = await chat.command(ALICE, room, "!choose 1.nope x --why y")
    assert unknown_decision.startswith("There is no decision 'nope'. Decisions: fallback-or-wait")
    unknown_option = await chat.command(ALICE, room, "!choose 1.fallback-or-wait nope --why y")
    assert "has no option 'nope'. Options: " in unknown_option

    past = await chat.command(ALICE, room, "!decide Wait --why cheaper --review 2020-01-01 09:00")
    assert past == "That moment (Wed 1 Jan 2020 09:00) has already passed."


ONLY_COORDINATOR = "Only this incident's coordinator"


async def role_entries(chat: ChatHarness, situation_id: int) -> int:
    """How many role assignments the situation's log holds."""
    async with chat.bot.db.transaction() as session:
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
    tmp_path: Path,
) -> None:
    """Roles go only to people who are there; configured coordinators can always take over.

    carol and alice are taskforce members, bob is also a configured taskforce coordinator.
    """
    async with chat_harness(tmp_path, taskforce=[ALICE, BOB, CAROL], coordinators=[BOB]) as chat:
        coordination = COORDINATION
        room, number = await chat.escalated(CAROL)

        typo = await chat.command(CAROL, room, "!role @taskforec:localhost coordinator")
        assert typo == (
            "@taskforec:localhost is not a member of this incident room or the taskforce; "
            "nothing was assigned."
        )
        assert await role_entries(chat, number) == 0

        appointed = await chat.command(CAROL, room, f"!role {ALICE} coordinator")
        assert f"{ALICE} is now coordinator" in appointed

        # The incident coordinator's rule holds for every steering command, wherever typed.
        phase = f"!phase {number} de_escalation supplier is back"
        assert ONLY_COORDINATOR in await chat.command(CAROL, coordination, phase)
        owner = f"!owner {number} {CAROL}"
        assert ONLY_COORDINATOR in await chat.command(CAROL, coordination, owner)
        assert ONLY_COORDINATOR in await chat.command(CAROL, room, "!close done")
        async with chat.bot.db.transaction() as session:
            unchanged = await session.get(SituationRecord, number)
        assert unchanged is not None and unchanged.phase == "crisis"

        # A configured taskforce coordinator takes over without being handed the role.
        taken = await chat.command(BOB, room, f"!role {BOB} coordinator")
        assert f"{BOB} is now coordinator" in taken
        assert f"Coordination handed over from {ALICE} to {BOB}" in taken
        moved = await chat.command(ALICE, coordination, phase)
        assert ONLY_COORDINATOR in moved  # alice handed over: she no longer steers
        assert "phase crisis → de-escalation, by @bob:test" in await chat.command(
            BOB, coordination, phase
        )


async def test_supplier_and_concentration_commands(chat: ChatHarness) -> None:
    registry_file, _ = read_supplier_file(REPO / "examples" / "suppliers.yaml")
    assert registry_file is not None
    async with chat.factory.transaction() as services:
        await services.suppliers.replace_all(registry_file.suppliers)
    room = COORDINATION

    shown = await chat.command(ALICE, room, "!leverancier acme")
    assert shown.startswith("Leverancier Acme Cloud (ook bekend als: Acme, Acme Cloud B.V.)")
    assert "contract loopt tot 2027-06-30" in shown
    assert "afhankelijk: Gemeente Utrecht / Salarisbetaling (vitaal)" in shown
    assert (
        "terugvaloptie acme-cloud/payroll/manual-bank-run: Handmatige betaalrun via de bank; "
        "eigenaar @salarisadministratie:example.org; VERLOPEN (laatste test 2025-03-01: "
        "geslaagd)"
    ) in shown
    assert "Overstap naar tweede leverancier; eigenaar coordinator; NOOIT GETEST" in shown

    picture = await chat.command(ALICE, room, "!concentration")
    lines = picture.splitlines()
    assert lines[1] == "1. Initech DNS: 2 vital, 0 critical, 0 important"
    assert lines[2] == "2. Acme Cloud: 1 vital, 1 critical, 1 important"
    # On 2026-11-23 the two never tested, then the vital one tested 632 days ago (max 180).
    assert lines[3:] == [
        "Fallback options not current: 3",
        "- Acme Cloud / Payroll SaaS: Overstap naar tweede leverancier "
        "(acme-cloud/payroll/second-supplier): NEVER TESTED",
        "- Initech DNS / Managed DNS: Secundaire DNS bij een andere provider "
        "(initech-dns/managed-dns/secondary-dns): NEVER TESTED",
        "- Acme Cloud / Payroll SaaS: Handmatige betaalrun via de bank "
        "(acme-cloud/payroll/manual-bank-run): OVERDUE (last test 2025-03-01: worked)",
    ]

    unknown = await chat.command(ALICE, room, "!supplier Hooli")
    assert unknown == "Supplier Hooli is not in the registry."


async def test_phases_owner_updates_and_the_picture_in_chat(chat: ChatHarness) -> None:
    room = COORDINATION
    filed = await chat.command(ALICE, room, "!alert Hooli Payroll exports fail")
    alert_id = number_after("Alert #", filed)
    tracked = await chat.command(ALICE, room, f"!track {alert_id}")
    situation_id = number_after("Situation #", tracked)
    moved = await chat.say(
        ALICE, room, f"!fase {situation_id} lauwe-fase leverancier reageert niet"
    )
    # One message in the room where it was typed: the reply says what the notice would.
    (reply,) = moved
    assert reply.reply_to is not None and reply.room_id == room
    assert reply.body.startswith(f"Situatie #{situation_id} (Hooli): fase signaal → lauwe fase")
    assert "leverancier reageert niet" in reply.body

    refused = await chat.command(ALICE, room, f"!phase {situation_id} signal back to signal")
    assert refused == (
        f"Situation #{situation_id} cannot move from warm-up phase to signal. "
        "Possible: crisis, de-escalation, evaluation."
    )
    unknown = await chat.command(ALICE, room, f"!phase {situation_id} rood want het is ernstig")
    assert unknown.startswith("Usage: !phase <situation> <phase> <reason>")
    assert "Unknown phase 'rood'" in unknown
    missing_reason = await chat.command(ALICE, room, f"!fase {situation_id} crisis")
    assert missing_reason.startswith("Gebruik: !fase <situatie> <fase> <reden>")

    owner = await chat.command(ALICE, room, f"!owner {situation_id} {BOB}")
    assert owner == f"{BOB} now owns situation #{situation_id} and gets its check-ins."
    update = await chat.command(
        BOB, room, f"!bijwerken {situation_id} Leverancier belt om 14:00 terug"
    )
    assert update.startswith(f"Update voor situatie #{situation_id} vastgelegd")
    assert "Volgende check-in: " in update

    picture = await chat.command(BOB, room, "!status")
    assert picture.startswith("Situational picture: ")
    lines = picture.splitlines()
    assert "warm-up phase (1)" in lines
    line = next(line for line in lines if line.startswith(f"- #{situation_id} Hooli"))
    assert f"owner {BOB}" in line
    assert f"by {BOB}" in line and re.search(r"next check-in (\w{3} \d+ \w{3} )?\d\d:\d\d", line)
    beeld = await chat.command(ALICE, room, "!beeld")
    assert beeld.startswith("Situatiebeeld: ") and "lauwe fase (1)" in beeld


async def test_an_exercise_is_marked_in_the_picture_and_in_the_coordination_room(
    chat: ChatHarness,
) -> None:
    # The coordination room is no exercise's room: the picture and the answers there must
    # tell the exercise from the real situation next to it.
    real = await chat.alert()
    drill = await chat.alert(ALERT.model_copy(update={"supplier": "Drillco", "exercise": True}))
    tracked_real = await chat.command(ALICE, COORDINATION, f"!track {real}")
    tracked_drill = await chat.command(ALICE, COORDINATION, f"!track {drill}")
    assert not tracked_real.startswith("OEFENING/EXERCISE")
    assert tracked_drill.startswith("OEFENING/EXERCISE — ")
    for command in ("!phase 2 lauwe-fase drill", f"!owner 2 {BOB}", "!update 2 all quiet"):
        assert (await chat.command(ALICE, COORDINATION, command)).startswith(
            "OEFENING/EXERCISE — "
        ), command
    picture = await chat.command(BOB, COORDINATION, "!status")
    (real_line,) = [line for line in picture.splitlines() if "Acme: Outage" in line]
    (drill_line,) = [line for line in picture.splitlines() if "Drillco: Outage" in line]
    assert real_line.startswith("- #1 Acme") and "OEFENING" not in real_line
    assert drill_line.startswith("- OEFENING/EXERCISE — #2 Drillco")


async def test_ack_by_supplier_keeps_a_drill_and_the_real_alerts_apart(
    chat: ChatHarness,
) -> None:
    # A drill player acknowledging "Acme" in the exercise's room must not acknowledge the
    # real Acme alerts, nor a member doing so in the coordination room the drill's.
    drill = ALERT.model_copy(update={"exercise": True})
    room, _ = await chat.escalated(ALICE, drill)
    real = await chat.alert()
    drill_again = await chat.alert(drill)
    in_drill = await chat.command(BOB, room, "!ack Acme")
    assert in_drill.startswith("OEFENING/EXERCISE") and f"#{drill_again}" in in_drill
    assert f"#{real}" not in in_drill
    in_coordination = await chat.command(BOB, COORDINATION, "!ack Acme")
    assert f"#{real}" in in_coordination and "OEFENING" not in in_coordination


async def test_actions_notes_lessons_corrections_and_the_log(chat: ChatHarness) -> None:
    room, _ = await chat.escalated()
    action = await chat.command(
        ALICE, room, f"!actie {BOB} Bel de leverancier uiterlijk 2099-01-01 09:00"
    )
    assert "Actie vastgelegd" in action and "Deadline: do 1 jan 2099 09:00." in action
    seq = number_after("logregel ", action)
    assert "Action " in await chat.command(BOB, room, f"!done {seq}")
    assert "Note recorded" in await chat.command(ALICE, room, "!note Supplier <b>called</b>")
    assert "Leerpunt" in await chat.command(ALICE, room, "!les Contactlijst was verouderd")
    corrected = await chat.command(ALICE, room, f"!correct {seq} Owner was bob --confidential")
    assert f"Correction of log entry {seq}" in corrected
    usage = await chat.command(ALICE, room, "!action nobody do it")
    assert usage.startswith("Usage: !action @owner")

    shown = await chat.command(BOB, room, "!log 5")
    lines = shown.splitlines()
    assert lines[0].startswith("Latest 5 log entries")
    assert "Action for" in lines[1] and "Bel de leverancier" in lines[1]
    assert "Note: Supplier <b>called</b>" in shown
    assert "Lesson: Contactlijst was verouderd" in shown
    assert lines[-1].endswith("Correction: Owner was bob (not disclosable)")

    answers = await chat.replies(BOB, room, "!report json")
    (uploaded,) = [answer for answer in answers if answer.content["msgtype"] == "m.file"]
    assert uploaded.content["info"]["mimetype"] == "application/json"
    assert uploaded.attachment is not None
    report = json.loads(uploaded.attachment)
    assert [lesson["text"] for lesson in report["lessons"]] == ["Contactlijst was verouderd"]
    assert report["chain"]["intact"] and report["actions"][0]["status"] == "done"
    assert "md|html|json|csv|pdf|odt" in await chat.command(BOB, room, "!report docx")


async def test_a_command_is_counted_before_its_answer_can_be_sent(chat: ChatHarness) -> None:
    """Whoever sees the answer (and then reads /metrics) sees the command counted."""
    registry = chat.bot.metrics.registry
    counted_at_wake: list[dict[tuple[str, str], float | None]] = []
    seen = [("help", "ok"), ("help", "usage"), ("unknown", "unknown"), ("help", "refused")]

    def wake(rows: object = ()) -> None:
        counted_at_wake.append(
            {
                (command, outcome): registry.get_sample_value(
                    "weerbaar_commands_total", {"command": command, "outcome": outcome}
                )
                for command, outcome in seen
            }
        )

    chat.bot.sender.wake = wake  # type: ignore[method-assign]
    await chat.command(ALICE, COORDINATION, "!help")
    await chat.command(ALICE, COORDINATION, "!help too many words")
    await chat.command(ALICE, COORDINATION, "!nosuchcommand")
    await chat.command(MALLORY, COORDINATION, "!help")
    # one wake per answer, each with that answer's command already counted
    assert [counts[key] for counts, key in zip(counted_at_wake, seen, strict=True)] == [1.0] * 4


async def test_a_command_in_a_reply_is_run_without_the_quoted_fallback(chat: ChatHarness) -> None:
    room, situation_id = await chat.escalated()
    quoted = await chat.say(ALICE, room, "!log 1")
    posted = await chat.say_content(
        BOB,
        room,
        {
            "msgtype": "m.text",
            "body": f"> <@weerbaar:test> {quoted[0].body.splitlines()[0]}\n\n!note power is back",
            "m.relates_to": {"m.in_reply_to": {"event_id": "$quoted"}},
        },
    )
    assert posted[0].room_id == room and posted[0].body.startswith("Note recorded"), posted
    async with chat.factory.transaction() as services:
        (note,) = await services.log.of_kind(situation_id, EntryKind.NOTE)
    assert note.payload["text"] == "power is back"


async def test_a_mention_pill_names_the_user_it_links(chat: ChatHarness) -> None:
    room, _ = await chat.escalated()
    posted = await chat.say_content(
        ALICE,
        room,
        {
            "msgtype": "m.text",
            "body": "!role Bob scribe",
            "format": "org.matrix.custom.html",
            "formatted_body": f'!role <a href="https://matrix.to/#/{BOB}">Bob</a> scribe',
            "m.mentions": {"user_ids": [BOB]},
        },
    )
    assert posted[0].body.startswith(f"{BOB} is now scribe"), [m.body for m in posted]


async def test_a_superscript_digit_is_refused_as_a_number_not_an_internal_error(
    chat: ChatHarness,
) -> None:
    room, _ = await chat.escalated()
    await chat.command(ALICE, room, "!playbook start example-supplier-outage")
    # "²" is a digit to str.isdigit but no number to int(); a phone keyboard offers it.
    # Twenty digits is a number no row id can be (SQLite's end at 2**63, PostgreSQL's 2**31).
    huge = "9" * 20
    for where, command in (
        (room, "!log ²"),
        (room, "!step done ²"),
        (COORDINATION, "!ack ²"),
        (COORDINATION, f"!ack {huge}"),
        (COORDINATION, f"!status {huge}"),
    ):
        answer = await chat.command(ALICE, where, command)
        assert not answer.startswith("Something went wrong"), (command, answer)


async def test_a_command_word_ends_at_a_line_break(chat: ChatHarness) -> None:
    room, situation_id = await chat.escalated()
    answer = await chat.command(BOB, room, "!notitie\nstroom is terug\nom 14:00")
    assert answer.startswith("Notitie vastgelegd"), answer
    async with chat.factory.transaction() as services:
        (note,) = await services.log.of_kind(situation_id, EntryKind.NOTE)
    assert note.payload["text"] == "stroom is terug\nom 14:00"
