"""Every shipped scenario played through the real bot on a real Synapse, accelerated.

Scripted participants (alice plays the coordinator, bob every other role) post with their
own accounts; alerts go signed through the intake. The resulting exercise report must show
the decisions, the steps on time, late and missing, an intact hash chain and OEFENING marks.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import SecretStr
from sqlalchemy import func, select

from bot.app import Weerbaar
from bot.config import ExercisePlayerSettings, ExerciseSettings
from bot.decisionlog.audit import verify_situations
from bot.decisionlog.kinds import EntryKind
from bot.exercises.cli import play_exercise
from bot.exercises.evaluation import Outcome
from bot.exercises.loader import load_scenario
from bot.exercises.marking import EXERCISE_MARK
from bot.exercises.purge import purge_exercises
from bot.exercises.report import exercise_report
from bot.exercises.runner import PlayerAccount
from bot.matrix.outbox import MESSAGE_EVENT
from bot.playbooks.loader import load_playbook_dir
from bot.sandbox.world import SandboxWorld
from bot.storage.db import Database
from bot.storage.models import AlertRecord, LogEntryRecord, OutboxRecord, SituationRecord
from tests.support.homeserver import bot_settings, running_bot
from tests.support.matrix_user import MatrixUser, body_of, wait_until

# Started first on the parallel workers: whole scenarios played through the bot.
pytestmark = pytest.mark.runs_long

ROOT = Path(__file__).resolve().parent.parent
# At 1200x an exercise hour takes three seconds. The exercise clock stands still while the
# bot handles a command, and every "on time" act is at least eight exercise minutes (0.4 s)
# before its deadline, so scheduling jitter cannot flip an outcome.
SPEED = 1200.0

ON, LATE, MISSING = Outcome.ON_TIME, Outcome.LATE, Outcome.MISSING
EXPECTED = {
    "cloud-saas-outage": [ON, ON, LATE, MISSING],
    "supplier-ransomware": [ON, ON, LATE],
    "supplier-financial-distress": [ON, ON, ON, MISSING],
    "geopolitical-sanctions": [ON, ON, LATE],
    "forced-exit": [ON, ON, ON, LATE, MISSING],
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
async def test_a_shipped_scenario_plays_through_the_bot(
    name: str, world: SandboxWorld, bot: Weerbaar, alice: MatrixUser
) -> None:
    scenario = load_scenario(
        ROOT / "playbooks" / "exercises" / f"{name}.yaml", load_playbook_dir(ROOT / "playbooks")
    )
    coordinator, others = world.members
    players = {
        "coordinator": PlayerAccount(coordinator.user_id, coordinator.access_token),
        "*": PlayerAccount(others.user_id, others.access_token),
    }
    database = Database(bot.settings.database_url)
    try:
        # As `weerbaar exercise run` plays it (the report is checked below).
        result = await play_exercise(
            bot.settings, database, scenario, players, SPEED, "en", bot.intake_port
        )

        assert result.situation_id is not None
        outcomes = [assessment.outcome for assessment in result.assessments]
        assert outcomes == EXPECTED[name], [a.as_json() for a in result.assessments]

        async with database.transaction() as session:
            situation = await session.get(SituationRecord, result.situation_id)
            assert situation is not None and situation.is_exercise
            assert situation.phase == "evaluation"
            assert situation.incident_room_id is not None
            decisions = await session.scalar(
                select(func.count()).where(
                    LogEntryRecord.situation_id == situation.id,
                    LogEntryRecord.kind == EntryKind.DECISION.value,
                )
            )
            assert decisions and decisions >= 1
            alerts = list(await session.scalars(select(AlertRecord)))
            assert alerts and all(alert.exercise for alert in alerts)
            # Every message the bot wrote about the exercise carries the mark.
            rows = list(
                await session.scalars(
                    select(OutboxRecord).where(OutboxRecord.event_type == MESSAGE_EVENT)
                )
            )
            incident_room = situation.incident_room_id
        assert rows
        for row in rows:
            body = row.content.get("body", "")
            if row.room_id == incident_room or row.room_id == world.coordination_room:
                assert body.startswith(EXERCISE_MARK), (row.room_id, body)
        # A scenario covering fallback options asks for their results in its incident room,
        # as `!exercise start` does; the running bot sends what the runner queued.
        asked = [
            row
            for row in rows
            if row.room_id == incident_room and "drilled fallback options" in row.content["body"]
        ]
        assert [row.content["body"].splitlines()[1:] for row in asked] == [
            [
                f"!fallback tested {key} <worked|partly|failed> [--duration 3h] --why <notes>"
                for key in scenario.covers
            ]
        ] * bool(scenario.covers)
        # Queued by another process than the bot: its sender finds it by polling the outbox.
        asked_ids = [row.id for row in asked]

        async def sent() -> bool:
            async with database.transaction() as session:
                rows = await session.scalars(
                    select(OutboxRecord).where(OutboxRecord.id.in_(asked_ids))
                )
                return all(row.sent_at is not None for row in rows)

        await wait_until(sent)
        [(_, check)] = await verify_situations(database, result.situation_id)
        assert check.intact
    finally:
        await database.dispose()

    name_event = await alice.room_state(incident_room, "m.room.name")
    assert name_event["name"].startswith(EXERCISE_MARK)
    topic = (await alice.room_state(incident_room, "m.room.topic"))["topic"]
    assert topic.startswith(EXERCISE_MARK)

    report = await exercise_report(bot.settings, result, "en")
    assert "EXERCISE — this report is about an exercise" in report
    assert "| late |" in report or EXPECTED[name].count(LATE) == 0
    assert "on time" in report

    # Afterwards the exercise can be purged completely (the bot is still running).
    async with bot.db.transaction() as session:
        purged = await purge_exercises(session, clock=bot.clock)
    assert purged["situations"] == 1 and purged["log_entries"] > 0
    async with bot.db.transaction() as session:
        for model in (SituationRecord, AlertRecord, LogEntryRecord):
            assert await session.scalar(select(func.count()).select_from(model)) == 0


async def test_a_coordinator_starts_an_exercise_from_the_coordination_room(
    world: SandboxWorld, alice: MatrixUser, tmp_path: Path
) -> None:
    coordinator, others = world.members
    exercise = ExerciseSettings(
        scenarios_dir=ROOT / "playbooks" / "exercises",
        players={
            "coordinator": ExercisePlayerSettings(
                user_id=coordinator.user_id, access_token=SecretStr(coordinator.access_token)
            ),
            "*": ExercisePlayerSettings(
                user_id=others.user_id, access_token=SecretStr(others.access_token)
            ),
        },
    )
    settings = bot_settings(
        world, tmp_path / "bot", exercise=exercise, coordinators=[coordinator.user_id]
    )
    async with running_bot(settings) as instance:
        room = world.coordination_room
        unknown = await alice.command(room, "!exercise start no-such-drill")
        assert "Unknown scenario" in body_of(unknown) and "forced-exit" in body_of(unknown)

        reply = await alice.command(room, "!oefening start forced-exit --snelheid 1200")
        assert body_of(reply).startswith(f"{EXERCISE_MARK} — Oefening: gedwongen exit")
        assert "gestart door" in body_of(reply)
        finished = await alice.wait_for(
            room, lambda event: "afgelopen" in body_of(event), timeout=60
        )
        assert "3 op tijd, 1 te laat, 1 ontbreekt" in body_of(finished)
        async with instance.db.transaction() as session:
            situation = await session.scalar(select(SituationRecord))
        assert situation is not None and situation.is_exercise
        # The scope is declared: anywhere else the dispatcher refuses before anything starts.
        assert situation.incident_room_id is not None
        await alice.join(situation.incident_room_id)
        elsewhere = await alice.command(situation.incident_room_id, "!oefening start forced-exit")
        assert "!oefening typ je in de coördinatieruimte." in body_of(elsewhere)

        # A scenario that covers fallbacks asks for their results in its incident room.
        await alice.command(room, "!oefening start supplier-ransomware-drill --snelheid 1200")
        asked = await alice.wait_for_invite(timeout=60)
        await alice.join(asked)
        question = await alice.wait_for(
            asked, lambda event: "beoefende terugvalopties" in body_of(event), timeout=60
        )
        assert "!terugval getest acme-cloud/payroll/manual-bank-run <gelukt" in body_of(question)
