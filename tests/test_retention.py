"""Retention: closed situations are purged after the period, only once exported since closing."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from bot.cli import app
from bot.decisionlog.kinds import EntryKind
from bot.retention.exercises import purge_old_exercises
from bot.retention.purge import purge_closed
from bot.services import ServiceFactory
from bot.situations.phases import Phase
from bot.storage.db import Database
from bot.storage.models import (
    AlertRecord,
    HandledEventRecord,
    LogEntryRecord,
    OutboxRecord,
    PlaybookRunRecord,
    SituationExportRecord,
    SituationRecord,
    TimerRecord,
)
from bot.suppliers.freshness import DrillKind, Outcome
from tests.support.backup import CONFIG, snapshot
from tests.support.chat import chat_harness
from tests.support.clock import ManualClock
from tests.support.databases import migrated_sqlite
from tests.support.factories import ALERT, ALICE, PLAYBOOK, factory_for
from tests.support.fakes import escalate_with_room
from tests.support.suppliers import MANUAL_RUN, example_registry, import_registry

RETENTION = timedelta(days=30)


async def open_situation(factory: ServiceFactory, supplier: str, exercise: bool = False) -> int:
    """An escalated situation with a playbook run, a decision and a handled command."""
    async with factory.transaction() as services:
        incoming = ALERT.model_copy(update={"supplier": supplier, "exercise": exercise})
        alert = await services.alerts.receive(incoming)
    situation = await escalate_with_room(factory, alert.id, ALICE)
    async with factory.transaction() as services:
        await services.playbook_runs.start(situation.id, PLAYBOOK, ALICE)
        await services.decisions.decide(situation.id, ALICE, "Fallback", "Outage")
        assert situation.incident_room_id is not None
        await services.handled_events.claim(f"$cmd-{supplier}", situation.incident_room_id)
        await services.outbox.post(situation.incident_room_id, {"body": "in the room"})
        return situation.id


async def close(factory: ServiceFactory, situation_id: int) -> None:
    async with factory.transaction() as services:
        await services.situations.change_phase(situation_id, Phase.EVALUATION, ALICE, "over")
        await services.situations.change_phase(situation_id, Phase.CLOSED, ALICE, "evaluated")


async def export(factory: ServiceFactory, situation_id: int) -> None:
    async with factory.transaction() as services:
        await services.exports.record(situation_id, ALICE, "md")


async def world_of_situations(
    database: Database,
) -> tuple[ManualClock, ServiceFactory, dict[str, int]]:
    """old_exported, old_exported_before_closing, recent (closed), open; plus a loose alert."""
    clock = ManualClock()
    factory = factory_for(database, clock)
    ids = {name: await open_situation(factory, name) for name in ("Acme", "Initech", "Umbrella")}
    ids["Open"] = await open_situation(factory, "Globex")
    await close(factory, ids["Acme"])
    clock.advance(minutes=1)
    await export(factory, ids["Acme"])
    await export(factory, ids["Initech"])  # an export while still open does not count
    clock.advance(minutes=1)
    await close(factory, ids["Initech"])
    clock.advance(days=40)
    await close(factory, ids["Umbrella"])  # closed 0 days ago: within the period
    async with factory.transaction() as services:
        await services.alerts.receive(ALERT.model_copy(update={"supplier": "Loose"}))
    return clock, factory, ids


async def count(database: Database, model: Any, *where: Any) -> int:
    async with database.transaction() as session:
        return int(await session.scalar(select(func.count()).select_from(model).where(*where)) or 0)


async def test_purge_refuses_everything_while_one_candidate_is_not_exported(
    database: Database,
) -> None:
    clock, _, ids = await world_of_situations(database)
    before = await snapshot(database)
    async with database.transaction() as session:
        outcome = await purge_closed(session, clock.now(), RETENTION)
    assert [c.situation_id for c in outcome.candidates] == [ids["Acme"], ids["Initech"]]
    (refused,) = outcome.unexported
    assert refused.situation_id == ids["Initech"]
    assert (
        "Initech" in refused.describe() and "not exported since it was closed" in refused.describe()
    )
    assert outcome.deleted_rows == {}
    assert await snapshot(database) == before


async def test_purge_deletes_exported_situations_with_everything_of_theirs(
    database: Database,
) -> None:
    clock, factory, ids = await world_of_situations(database)
    await export(factory, ids["Initech"])
    async with database.transaction() as session:
        dry = await purge_closed(session, clock.now(), RETENTION, dry_run=True)
    assert len(dry.candidates) == 2 and dry.deleted_rows == {}
    async with database.transaction() as session:
        rooms = dict(
            (
                await session.execute(select(SituationRecord.id, SituationRecord.incident_room_id))
            ).all()
        )
    outbox_before = await count(database, OutboxRecord)

    async with database.transaction() as session:
        outcome = await purge_closed(session, clock.now(), RETENTION)
    assert outcome.unexported == [] and outcome.deleted_rows["situations"] == 2

    purged = [ids["Acme"], ids["Initech"]]
    kept = [ids["Umbrella"], ids["Open"]]
    for model, column in (
        (SituationRecord, SituationRecord.id),
        (LogEntryRecord, LogEntryRecord.situation_id),
        (AlertRecord, AlertRecord.situation_id),
        (PlaybookRunRecord, PlaybookRunRecord.situation_id),
        (SituationExportRecord, SituationExportRecord.situation_id),
    ):
        assert await count(database, model, column.in_(purged)) == 0, model
        assert await count(database, model, column.in_(kept)) > 0 or model is SituationExportRecord
    purged_rooms = [rooms[i] for i in purged]
    assert await count(database, OutboxRecord, OutboxRecord.room_id.in_(purged_rooms)) == 0
    assert (
        await count(database, HandledEventRecord, HandledEventRecord.room_id.in_(purged_rooms)) == 0
    )
    for situation_id in purged:
        prefix = f"situation:{situation_id}:"
        assert await count(database, TimerRecord, TimerRecord.key.startswith(prefix)) == 0
    assert await count(database, OutboxRecord) == outbox_before - outcome.deleted_rows["outbox"]
    assert await count(database, AlertRecord, AlertRecord.supplier == "Loose") == 1
    async with factory.transaction() as services:
        for situation_id in kept:
            assert (await services.log.verify(situation_id)).intact
        # The notices of the kept situations' alerts are still there to be edited.
        notices = await services.session.scalars(
            select(AlertRecord.notice_outbox_id).where(AlertRecord.situation_id.in_(kept))
        )
        for notice in notices:
            assert notice is None or await services.session.get(OutboxRecord, notice) is not None


async def test_the_command_line_purges_after_weerbaar_report(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    db = await migrated_sqlite(data_dir / "weerbaar.db")
    clock = ManualClock()
    # The command line uses the real clock: the situation lived and closed ten years ago.
    clock.moment -= timedelta(days=3650)
    factory = factory_for(db, clock)
    situation_id = await open_situation(factory, "Acme")
    await close(factory, situation_id)
    await db.dispose()
    config = tmp_path / "weerbaar.toml"
    config.write_text(CONFIG.format(data_dir=data_dir) + "[retention]\nclosed_after_days = 30\n")
    runner = CliRunner()

    def invoke(*args: str) -> Any:
        return runner.invoke(app, [*args, "-c", str(config)])

    refused = await asyncio.to_thread(invoke, "purge")
    assert refused.exit_code == 1
    assert f"situation {situation_id} (Acme: Outage)" in refused.output
    assert "not exported since it was closed" in refused.output
    # The Woo version withholds confidential entries: it is no archive copy of the log.
    woo = await asyncio.to_thread(
        invoke, "report", str(situation_id), "--disclosure", "-o", str(tmp_path / "woo.md")
    )
    assert woo.exit_code == 0, woo.output
    still = await asyncio.to_thread(invoke, "purge")
    assert still.exit_code == 1 and "not exported since it was closed" in still.output
    report = await asyncio.to_thread(
        invoke, "report", str(situation_id), "-o", str(tmp_path / "r.md")
    )
    assert report.exit_code == 0, report.output
    dry = await asyncio.to_thread(invoke, "purge", "--dry-run")
    assert dry.exit_code == 0 and "would purge 1 situation(s)" in dry.output
    done = await asyncio.to_thread(invoke, "purge")
    assert done.exit_code == 0 and "purged 1 situation(s)" in done.output
    again = await asyncio.to_thread(invoke, "purge")
    assert "purged 0 situation(s)" in again.output


async def test_an_entry_written_after_the_export_holds_the_purge_back(
    database: Database,
) -> None:
    """A closed situation's room still takes notes, lessons and corrections (the
    evaluation often comes later): an export made before them does not hold them."""
    clock = ManualClock()
    factory = factory_for(database, clock)
    situation_id = await open_situation(factory, "Acme")
    await close(factory, situation_id)
    clock.advance(minutes=1)
    await export(factory, situation_id)
    clock.advance(days=2)
    async with factory.transaction() as services:
        await services.log.append(
            situation_id, EntryKind.LESSON, ALICE, {"text": "Keep a paper contact list"}
        )
    clock.advance(days=40)
    async with database.transaction() as session:
        outcome = await purge_closed(session, clock.now(), RETENTION)
    (refused,) = outcome.unexported
    assert refused.situation_id == situation_id and outcome.deleted_rows == {}
    assert "not exported since its last entry" in refused.describe()
    await export(factory, situation_id)
    async with database.transaction() as session:
        outcome = await purge_closed(session, clock.now(), RETENTION)
    assert not outcome.unexported and outcome.deleted_rows["situations"] == 1


async def test_a_woo_report_in_chat_is_no_export_a_purge_counts(tmp_path: Path) -> None:
    """``!report --woo`` withholds the confidential entries: purging after it alone would
    leave nothing but the redacted version of the log."""
    async with chat_harness(tmp_path) as chat:
        room, situation_id = await chat.escalated()
        await chat.command(ALICE, room, '!note Call with counsel --confidential "5.1(2)(b)"')
        await close(chat.factory, situation_id)
        await chat.replies(ALICE, room, "!report --woo")
        chat.clock.advance(days=40)
        async with chat.factory.transaction() as services:
            outcome = await purge_closed(services.session, chat.clock.now(), RETENTION)
        assert [c.situation_id for c in outcome.unexported] == [situation_id]
        await chat.replies(ALICE, room, "!report")
        async with chat.factory.transaction() as services:
            outcome = await purge_closed(services.session, chat.clock.now(), RETENTION)
        assert not outcome.unexported and outcome.deleted_rows["situations"] == 1


@pytest.mark.parametrize("exercise", [False, True], ids=["closed", "exercise"])
async def test_improvement_actions_in_a_purged_log_stay_with_their_fallback(
    database: Database, tmp_path: Path, exercise: bool
) -> None:
    """A failed fallback test typed in an incident room (a drill, mostly) opens its
    improvement action in that log; purging the situation, closed or exercise, must not
    turn a done one into an open one for ever, nor lose an open one (the board's
    overview, ``!fallback improved``)."""
    clock = ManualClock()
    factory = factory_for(database, clock)
    await import_registry(factory, example_registry(tmp_path))
    ids = {name: await open_situation(factory, name, exercise) for name in ("Done", "Open")}
    async with factory.transaction() as services:
        for name, situation_id in ids.items():
            recorded = await services.fallbacks.record_test(
                MANUAL_RUN,
                ALICE,
                result=Outcome.FAILED,
                kind=DrillKind.TECHNICAL,
                duration_minutes=None,
                notes="",
                situation_id=situation_id,
                roles_held=(),
                improvement=f"improve after {name}",
            )
            assert recorded.action is not None
            if name == "Done":
                await services.actions.complete(situation_id, recorded.action.seq, ALICE)
    for situation_id in ids.values():
        await close(factory, situation_id)
    clock.advance(minutes=1)
    for situation_id in ids.values():
        await export(factory, situation_id)
    clock.advance(days=40)
    purge = purge_old_exercises if exercise else purge_closed
    async with database.transaction() as session:
        outcome = await purge(session, clock.now(), RETENTION)
    assert outcome.deleted_rows["situations"] == 2
    async with factory.transaction() as services:
        lines = await services.fallbacks.overview()
        shown = {action for line in lines for action in line.open_actions}
        (still_open,) = shown  # the open one only, by its owner and deadline
        assert still_open.startswith(f"{ALICE} (")
        assert await services.fallbacks.improved(MANUAL_RUN, ALICE) == 1
    async with factory.transaction() as services:
        assert all(not line.open_actions for line in await services.fallbacks.overview())


async def world_of_exercises(
    database: Database,
) -> tuple[ManualClock, ServiceFactory, dict[str, int]]:
    """Exercises old_exported, old_unexported, recent; a real situation as old, never closed."""
    clock = ManualClock()
    factory = factory_for(database, clock)
    ids = {"Real": await open_situation(factory, "Real")}
    for name in ("Exported", "Unexported"):
        ids[name] = await open_situation(factory, name, exercise=True)
    await export(factory, ids["Exported"])  # as `weerbaar exercise run` does with its report
    clock.advance(days=40)
    ids["Recent"] = await open_situation(factory, "Recent", exercise=True)
    return clock, factory, ids


async def remaining(database: Database) -> list[str]:
    async with database.transaction() as session:
        return list(await session.scalars(select(SituationRecord.supplier).order_by("id")))


async def test_exercise_purge_refuses_while_an_old_exercise_report_was_never_exported(
    database: Database,
) -> None:
    clock, _, ids = await world_of_exercises(database)
    before = await snapshot(database)
    async with database.transaction() as session:
        outcome = await purge_old_exercises(session, clock.now(), RETENTION)
    assert [c.situation_id for c in outcome.candidates] == [ids["Exported"], ids["Unexported"]]
    (refused,) = outcome.unexported
    assert outcome.refused and refused.situation_id == ids["Unexported"]
    assert refused.describe().startswith(f"exercise situation {ids['Unexported']} (Unexported")
    assert "not exported since it was opened" in refused.describe()
    assert outcome.deleted_rows == {}
    assert await snapshot(database) == before


async def test_exercise_purge_deletes_old_exported_exercises_only(database: Database) -> None:
    clock, factory, ids = await world_of_exercises(database)
    await export(factory, ids["Unexported"])
    async with database.transaction() as session:
        outcome = await purge_old_exercises(session, clock.now(), RETENTION)
    assert not outcome.refused and outcome.deleted_rows["situations"] == 2
    assert outcome.deleted_rows["log_entries"] > 0 and outcome.deleted_rows["alerts"] == 2
    assert await remaining(database) == ["Real", "Recent"]
    gone = [ids["Exported"], ids["Unexported"]]
    assert await count(database, AlertRecord, AlertRecord.situation_id.in_(gone)) == 0
    assert await count(database, AlertRecord, AlertRecord.supplier == "Recent") == 1
    async with factory.transaction() as services:
        for situation_id in (ids["Real"], ids["Recent"]):
            assert (await services.log.verify(situation_id)).intact


async def test_a_forced_exercise_purge_logs_its_reason(
    database: Database, caplog: pytest.LogCaptureFixture
) -> None:
    clock, _, ids = await world_of_exercises(database)
    reason = "evaluation done on paper, see minutes 2026-11"
    async with database.transaction() as session:
        dry = await purge_old_exercises(
            session, clock.now(), RETENTION, dry_run=True, force_reason=reason
        )
    assert not dry.refused and dry.deleted_rows == {}
    assert await remaining(database) == ["Real", "Exported", "Unexported", "Recent"]
    with caplog.at_level(logging.WARNING, logger="bot.retention.exercises"):
        async with database.transaction() as session:
            outcome = await purge_old_exercises(
                session, clock.now(), RETENTION, force_reason=reason
            )
    assert outcome.deleted_rows["situations"] == 2
    assert await remaining(database) == ["Real", "Recent"]
    (record,) = caplog.records
    assert str(ids["Unexported"]) in record.getMessage() and reason in record.getMessage()


async def test_closed_exercises_are_left_to_their_own_policy(database: Database) -> None:
    """An exercise has its own period (retention.exercise_after_days; unset: kept): one
    closed long ago, its report exported before it was closed, neither holds back the
    purge of real closed situations nor is purged by their policy."""
    clock = ManualClock()
    factory = factory_for(database, clock)
    real = await open_situation(factory, "Real")
    drill = await open_situation(factory, "Drill", exercise=True)
    await export(factory, drill)  # the exercise's report, before anyone closed it
    for situation_id in (real, drill):
        await close(factory, situation_id)
    clock.advance(minutes=1)
    await export(factory, real)
    clock.advance(days=40)
    async with database.transaction() as session:
        outcome = await purge_closed(session, clock.now(), RETENTION)
    assert [candidate.situation_id for candidate in outcome.candidates] == [real]
    assert not outcome.unexported and outcome.deleted_rows["situations"] == 1
    assert await remaining(database) == ["Drill"]


async def test_the_command_line_purges_old_exercises(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    db = await migrated_sqlite(data_dir / "weerbaar.db")
    clock = ManualClock()
    # The command line uses the real clock: the exercises ran ten years ago.
    clock.moment -= timedelta(days=3650)
    factory = factory_for(db, clock)
    drill = await open_situation(factory, "Drill", exercise=True)
    other = await open_situation(factory, "Other", exercise=True)
    await db.dispose()
    config = tmp_path / "weerbaar.toml"
    config.write_text(CONFIG.format(data_dir=data_dir) + "[retention]\nexercise_after_days = 30\n")
    runner = CliRunner()

    def invoke(*args: str) -> Any:
        return runner.invoke(app, [*args, "-c", str(config)])

    refused = await asyncio.to_thread(invoke, "purge")
    assert refused.exit_code == 1, refused.output
    assert "no exercise situation purged" in refused.output and "--force REASON" in refused.output
    assert f"exercise situation {drill} (Drill: Outage)" in refused.output
    no_reason = await asyncio.to_thread(invoke, "purge", "--force", " ")
    assert no_reason.exit_code == 2 and "--force needs a reason" in no_reason.output
    report = await asyncio.to_thread(invoke, "report", str(drill), "-o", str(tmp_path / "r.md"))
    assert report.exit_code == 0, report.output
    still = await asyncio.to_thread(invoke, "purge", "--dry-run")
    assert still.exit_code == 1 and f"exercise situation {other} (Other" in still.output
    forced = await asyncio.to_thread(invoke, "purge", "--force", "drill of 2016, no report kept")
    assert forced.exit_code == 0, forced.output
    assert "forced: drill of 2016, no report kept" in forced.output
    assert "purged 2 exercise situation(s)" in forced.output
    again = await asyncio.to_thread(invoke, "purge")
    assert again.exit_code == 0 and "purged 0 exercise situation(s)" in again.output
