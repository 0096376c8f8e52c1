"""Playbook runs on a real database: state from the log, restarts, reminders, several runs."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.errors import (
    AmbiguousRun,
    DecisionForCoordinator,
    DecisionRoleRefused,
    DecisionRoleVacant,
    RoleChangeRefused,
    StepAlreadyDone,
    StepWaitsForDecision,
)
from bot.matrix.outbox import MESSAGE_EVENT
from bot.playbooks.engine import DecisionStatus, StepStatus
from bot.playbooks.runs import load_runs
from bot.scheduling.runner import TimerRunner
from bot.situations.phases import Phase
from bot.storage.db import Database
from bot.storage.models import OutboxRecord, PlaybookDefinitionRecord, TimerRecord
from bot.timers import timer_handlers
from tests.support.clock import ManualClock
from tests.support.factories import (
    ALICE,
    BOB,
    CAROL,
    COORDINATION,
    PLAYBOOK,
    factory_for,
    kinds,
    open_incident,
)


async def incident_messages(database: Database) -> list[str]:
    async with database.transaction() as session:
        rows = await session.scalars(
            select(OutboxRecord)
            .where(OutboxRecord.room_id != COORDINATION)
            .where(OutboxRecord.event_type == MESSAGE_EVENT)
            # Edits of the pinned summary follow every change; tests/test_summary_pin.py
            # checks them.
            .where(OutboxRecord.replaces_outbox_id.is_(None))
            .order_by(OutboxRecord.id)
        )
        return [row.content["body"] for row in rows]


async def test_a_walk_through_is_logged_and_survives_a_restart(database: Database) -> None:
    clock = ManualClock()
    factory = factory_for(database, clock)
    situation_id = await open_incident(factory)
    async with factory.transaction() as services:
        run = await services.playbook_runs.start(situation_id, PLAYBOOK, ALICE)
        clock.advance(minutes=20)
        await services.playbook_runs.check_item(situation_id, None, "1", 2, BOB)
        with pytest.raises(StepWaitsForDecision):
            await services.playbook_runs.complete_step(situation_id, None, "4", BOB, "")
        clock.advance(minutes=50)
        await services.playbook_runs.complete_step(situation_id, None, "assess", BOB, "clear")
        _, entry, opened = await services.playbook_runs.choose(
            situation_id, None, "fallback-or-wait", "activate-fallback", ALICE, "pay on time"
        )
        await services.playbook_runs.set_fact(
            situation_id, None, "vital_process_affected", False, ALICE
        )
        await services.playbook_runs.skip_step(situation_id, None, "2", BOB, "done by phone")
    assert run.number == 1
    assert [view.step.id for view in opened] == ["activate-fallback"]
    assert entry.payload["decision_point"] == f"{PLAYBOOK}/fallback-or-wait"
    assert [option["chosen"] for option in entry.payload["options"]] == [True, False]

    # A new factory on the same database: the state is rebuilt from the log alone.
    restarted = factory_for(database, clock)
    async with restarted.transaction() as services:
        (again,) = await services.playbook_runs.runs(situation_id)
        with pytest.raises(StepAlreadyDone):
            await services.playbook_runs.complete_step(situation_id, None, "1", BOB, "")
        check = await services.log.verify(situation_id)
    statuses = {view.step.id: view.status for view in again.state.steps()}
    assert statuses == {
        "assess": StepStatus.DONE,
        "inform-dependents": StepStatus.SKIPPED,
        "alert-sector": StepStatus.NOT_APPLICABLE,
        "brief-board": StepStatus.ACTIVE,
        "activate-fallback": StepStatus.ACTIVE,
        "monitor-recovery": StepStatus.NOT_APPLICABLE,
    }
    assert again.state.decision("fallback-or-wait").status == DecisionStatus.DECIDED
    assess = again.state.step("assess")
    assert assess.checked == {1}
    assert assess.late_by() == timedelta(minutes=10)
    assert check.intact
    assert (await kinds(database, situation_id))[3:] == [
        "playbook_started",
        "checklist_checked",
        "step_done",
        "decision",
        "option_chosen",
        "fact_set",
        "step_skipped",
    ]


async def test_overdue_step_reminds_once_then_escalates_once(database: Database) -> None:
    clock = ManualClock()
    factory = factory_for(database, clock)
    runner = TimerRunner(factory, timer_handlers())
    situation_id = await open_incident(factory)
    async with factory.transaction() as services:
        await services.roles.assign(situation_id, None, CAROL, "coordinator", ALICE)
        await services.roles.assign(situation_id, None, BOB, "comms", CAROL)
        await services.playbook_runs.start(situation_id, PLAYBOOK, ALICE)
        with pytest.raises(RoleChangeRefused):
            await services.roles.assign(situation_id, None, ALICE, "coordinator", BOB)

    clock.advance(minutes=61)  # assess (coordinator, T+1h) is overdue
    assert await runner.fire_due() == 1
    clock.advance(minutes=60)  # T+2h: inform-dependents (comms) overdue; assess escalates
    assert await runner.fire_due() == 2
    assert await runner.fire_due() == 0
    clock.advance(minutes=31)  # inform-dependents escalates
    async with factory.transaction() as services:
        await services.playbook_runs.complete_step(situation_id, None, "1", CAROL, "")
    assert await runner.fire_due() == 1
    summary, *messages = await incident_messages(database)
    assert summary.startswith("📌 Situation #1")  # posted when the room was opened
    assert len(messages) == 4, messages
    assert messages[0].startswith(f"⏰ {CAROL}: step 1 (Establish the situational picture)")
    assert "⚠️ @carol:test: step 1" in messages[1]  # escalation to the coordinator
    assert messages[2].startswith(f"⏰ {BOB}: step 2")  # reminder to the owner (comms)
    assert messages[3].startswith(f"⚠️ {CAROL}: step 2")
    async with database.transaction() as session:
        reminders = list(
            await session.scalars(
                select(OutboxRecord)
                .where(OutboxRecord.room_id != COORDINATION)
                .where(OutboxRecord.content["body"].as_string().startswith("⏰"))
                .order_by(OutboxRecord.id)
            )
        )
    assert reminders[1].content["m.mentions"] == {"user_ids": [BOB]}
    assert (await kinds(database, situation_id)).count("reminder_sent") == 4


async def test_a_step_done_in_time_is_not_reminded_and_closing_stops_timers(
    database: Database,
) -> None:
    clock = ManualClock()
    factory = factory_for(database, clock)
    runner = TimerRunner(factory, timer_handlers())
    situation_id = await open_incident(factory)
    async with factory.transaction() as services:
        await services.playbook_runs.start(situation_id, PLAYBOOK, ALICE)
        await services.playbook_runs.complete_step(situation_id, None, "1", ALICE, "")
    clock.advance(minutes=61)
    assert await runner.fire_due() == 0  # its timer was cancelled
    async with factory.transaction() as services:
        await services.situations.change_phase(situation_id, Phase.EVALUATION, ALICE, "over")
    clock.advance(days=2)
    assert await runner.fire_due() == 0
    assert not [m for m in await incident_messages(database) if m.startswith(("⏰", "⚠️"))]
    async with database.transaction() as session:
        pending = list(
            await session.scalars(
                select(TimerRecord).where(
                    TimerRecord.fired_at.is_(None), TimerRecord.cancelled_at.is_(None)
                )
            )
        )
    assert pending == []


async def test_a_branch_opened_after_its_deadline_is_reminded_at_once(database: Database) -> None:
    clock = ManualClock()
    factory = factory_for(database, clock)
    runner = TimerRunner(factory, timer_handlers())
    situation_id = await open_incident(factory)
    async with factory.transaction() as services:
        await services.playbook_runs.start(situation_id, PLAYBOOK, ALICE)
        await services.playbook_runs.complete_step(situation_id, None, "1", ALICE, "")
        for step in ("2", "3", "4"):
            await services.playbook_runs.skip_step(situation_id, None, step, ALICE, "n/a")
    clock.advance(hours=9)  # activate-fallback (T+8h) passes while it is not open
    await runner.fire_due()
    before = len(await incident_messages(database))
    async with factory.transaction() as services:
        await services.playbook_runs.choose(
            situation_id, None, "fallback-or-wait", "activate-fallback", ALICE, "late call"
        )
    assert await runner.fire_due() == 1
    messages = await incident_messages(database)
    assert len(messages) == before + 1
    assert "step 5 (Activate the fallback option)" in messages[-1]


async def test_several_runs_in_one_incident(database: Database) -> None:
    clock = ManualClock()
    factory = factory_for(database, clock)
    situation_id = await open_incident(factory)
    async with factory.transaction() as services:
        await services.playbook_runs.start(situation_id, PLAYBOOK, ALICE)
        await services.playbook_runs.start(situation_id, PLAYBOOK, BOB)
        with pytest.raises(AmbiguousRun):
            await services.playbook_runs.complete_step(situation_id, None, "1", ALICE, "")
        await services.playbook_runs.complete_step(situation_id, 2, "1", ALICE, "")
        first, second = await services.playbook_runs.runs(situation_id)
    assert first.state.step("assess").status == StepStatus.ACTIVE
    assert second.state.step("assess").status == StepStatus.DONE


RANSOMWARE = "supplier-ransomware"
DAVE = "@dave:test"


async def test_only_the_deciding_role_or_the_coordinator_may_choose(database: Database) -> None:
    clock = ManualClock()
    factory = factory_for(database, clock)
    situation_id = await open_incident(factory)
    async with factory.transaction() as services:
        await services.roles.assign(situation_id, None, CAROL, "coordinator", ALICE)
        await services.playbook_runs.start(situation_id, RANSOMWARE, CAROL)
        await services.playbook_runs.complete_step(situation_id, None, "triage", CAROL, "")
        # "isolation" belongs to the ciso; nobody holds that role yet.
        with pytest.raises(DecisionRoleVacant) as vacant:
            await services.playbook_runs.choose(
                situation_id, None, "isolation", "cut-all", BOB, "safest"
            )
        assert vacant.value.params == {
            "decision": "isolation",
            "role": "ciso",
            "coordinator": [CAROL],
        }
        await services.roles.assign(situation_id, None, BOB, "ciso", CAROL, extra_roles=["ciso"])
        with pytest.raises(DecisionRoleRefused) as refused:
            await services.playbook_runs.choose(
                situation_id, None, "isolation", "cut-all", DAVE, "safest"
            )
        assert refused.value.params["holders"] == [BOB]
        assert refused.value.params["coordinator"] == [CAROL]
    before = await kinds(database, situation_id)
    async with factory.transaction() as services:
        # The ciso decides their own point.
        _, entry, _ = await services.playbook_runs.choose(
            situation_id, None, "isolation", "cut-all", BOB, "safest"
        )
    assert entry.actor == BOB
    async with factory.transaction() as services:
        await services.playbook_runs.complete_step(situation_id, None, "supplier-facts", CAROL, "")
        # "restore-route" is the coordinator's own: the ciso may not take it.
        with pytest.raises(DecisionForCoordinator) as coordinator_only:
            await services.playbook_runs.choose(
                situation_id, None, "restore-route", "own-backups", BOB, "faster"
            )
        assert coordinator_only.value.params == {
            "decision": "restore-route",
            "coordinator": [CAROL],
        }
    # The refusals wrote nothing: only the ciso's decision (and a step) were added.
    assert (await kinds(database, situation_id))[len(before) :] == [
        "decision",
        "option_chosen",
        "step_done",
    ]
    async with factory.transaction() as services:
        (run,) = await services.playbook_runs.runs(situation_id)
        assert run.state.decision("restore-route").status == DecisionStatus.OPEN
        # The coordinator may always decide.
        await services.playbook_runs.choose(
            situation_id, None, "restore-route", "own-backups", CAROL, "faster"
        )


async def test_without_a_coordinator_anyone_may_choose(database: Database) -> None:
    clock = ManualClock()
    factory = factory_for(database, clock)
    situation_id = await open_incident(factory)
    async with factory.transaction() as services:
        await services.playbook_runs.start(situation_id, RANSOMWARE, ALICE)
        await services.playbook_runs.complete_step(situation_id, None, "triage", ALICE, "")
        run, _, _ = await services.playbook_runs.choose(
            situation_id, None, "isolation", "cut-all", BOB, "safest"
        )
    assert run.state.decision("isolation").status == DecisionStatus.DECIDED


async def test_runs_of_one_playbook_version_share_its_parse_and_a_changed_snapshot_is_read_anew(
    database: Database,
) -> None:
    factory = factory_for(database, ManualClock())
    situation_id = await open_incident(factory)
    async with factory.transaction() as services:
        await services.playbook_runs.start(situation_id, PLAYBOOK, ALICE)
        await services.playbook_runs.start(situation_id, PLAYBOOK, ALICE)
        one, other = await load_runs(services.session, situation_id, None)
    assert one.state.playbook is other.state.playbook
    # A snapshot row edited behind the bot's back is not answered from the cache.
    async with database.transaction() as session:
        stored = await session.get(PlaybookDefinitionRecord, other.record.id)
        assert stored is not None
        stored.definition = {**stored.definition, "version": "99.0"}
    async with factory.transaction() as services:
        _, again = await load_runs(services.session, situation_id, None)
    assert again.state.playbook.version == "99.0"
    assert one.state.playbook.version != "99.0"


async def test_a_decision_opened_after_its_deadline_is_reminded_at_once(
    database: Database,
) -> None:
    clock = ManualClock()
    factory = factory_for(database, clock)
    runner = TimerRunner(factory, timer_handlers())
    situation_id = await open_incident(factory)
    async with factory.transaction() as services:
        await services.playbook_runs.start(situation_id, PLAYBOOK, ALICE)
    clock.advance(hours=5)  # fallback-or-wait (T+4h) passes while assess is still open
    await runner.fire_due()
    assert not [m for m in await incident_messages(database) if "fallback-or-wait" in m]
    async with factory.transaction() as services:
        await services.playbook_runs.complete_step(situation_id, None, "assess", ALICE, "late")
        (run,) = await services.playbook_runs.runs(situation_id)
    assert run.state.decision("fallback-or-wait").status == DecisionStatus.OPEN
    await runner.fire_due()
    reminders = [m for m in await incident_messages(database) if "fallback-or-wait" in m]
    assert len(reminders) == 1, reminders
    assert reminders[0].startswith("⏰")


async def test_a_run_changed_after_closing_reminds_nobody(database: Database) -> None:
    clock = ManualClock()
    factory = factory_for(database, clock)
    runner = TimerRunner(factory, timer_handlers())
    situation_id = await open_incident(factory)
    async with factory.transaction() as services:
        await services.playbook_runs.start(situation_id, PLAYBOOK, ALICE)
        await services.playbook_runs.complete_step(situation_id, None, "assess", ALICE, "")
        await services.situations.change_phase(situation_id, Phase.EVALUATION, ALICE, "over")
    clock.advance(hours=9)
    async with factory.transaction() as services:
        # The decision taken in the meeting, recorded for the evaluation afterwards.
        await services.playbook_runs.choose(
            situation_id, None, "fallback-or-wait", "activate-fallback", ALICE, "for the record"
        )
        await services.playbook_runs.start(situation_id, PLAYBOOK, ALICE)
    clock.advance(days=2)
    await runner.fire_due()
    await runner.fire_due()
    assert not [m for m in await incident_messages(database) if m.startswith(("⏰", "⚠️"))]
    assert "reminder_sent" not in await kinds(database, situation_id)
