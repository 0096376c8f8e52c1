"""Playbook runs in a situation: starting them and recording what people do in them.

Where the state lives: the events of a run (step done or skipped, checklist item ticked,
option chosen, fact established) are entries in the situation's hash-chained log, and
nowhere else. A run's state is rebuilt by replaying them through the pure engine
(``bot.playbooks.engine``). One source of truth means the audit trail and the state cannot
disagree, a restart needs nothing but the database, and the report reads planned against
actual times from the same entries. The run row holds what does not change: which playbook,
who started it and when, and (in ``playbook_run_definitions``) a snapshot of the playbook so
an edited YAML file does not change a run already under way.

Deadlines: every step gets a reminder timer at its planned deadline (and every decision with
a deadline one at that deadline), keyed under the situation's timer prefix so closing the
situation cancels them. The timer handlers (``bot.timers.playbooks``) check the run's
state when they fire, so a step finished in time is never reminded about; a branch step or
decision point that opens only after its deadline has its reminder armed again.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter, OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.decisionlog.decisions import DecisionService
from bot.decisionlog.kinds import EntryKind
from bot.decisionlog.log import SituationLog
from bot.decisionlog.payloads import (
    CHECKLIST_CHECKED,
    FACT_SET,
    OPTION_CHOSEN,
    STEP_DONE,
    STEP_SKIPPED,
    ChecklistCheckedPayload,
    FactSetPayload,
    OptionChosenPayload,
    PlaybookStartedPayload,
    StepDonePayload,
    StepPayload,
    StepSkippedPayload,
)
from bot.errors import AmbiguousRun, NoRunningPlaybook, UnknownRun
from bot.i18n import Language
from bot.playbooks.catalog import PlaybookCatalog
from bot.playbooks.engine import (
    OPEN_STEP_STATUSES,
    DecisionStatus,
    FactSet,
    FactValue,
    ItemChecked,
    OptionChosen,
    RunEvent,
    RunState,
    StepDone,
    StepSkipped,
    StepStatus,
    StepView,
)
from bot.playbooks.schema import Playbook
from bot.playbooks.timers import DECISION_REMINDER, STEP_REMINDER, ForDecision, ForStep
from bot.scheduling.timers import Timers
from bot.situations.phases import timer_key_prefix
from bot.situations.roles import IncidentRoles
from bot.storage.models import LogEntryRecord, PlaybookDefinitionRecord, PlaybookRunRecord

RUN_EVENT_KINDS = (
    EntryKind.STEP_DONE,
    EntryKind.STEP_SKIPPED,
    EntryKind.CHECKLIST_CHECKED,
    EntryKind.OPTION_CHOSEN,
    EntryKind.FACT_SET,
)


@dataclass(frozen=True)
class PlaybookPolicy:
    """How reminders behave: when an overdue item goes to the coordinator, and the language
    and time zone of reminders (they are not answers to a command)."""

    escalate_after: timedelta = timedelta(hours=1)
    language: Language = "nl"
    timezone: str = "Europe/Amsterdam"


@dataclass(frozen=True)
class Run:
    """A playbook run with its current state; ``number`` counts runs within the situation."""

    record: PlaybookRunRecord
    number: int
    state: RunState

    @property
    def playbook(self) -> Playbook:
        """The playbook as it was when the run started."""
        return self.state.playbook


def timer_key(situation_id: int, run_id: int, what: str, ident: str, stage: str) -> str:
    """The key of a run's reminder or escalation timer (under the situation's prefix)."""
    return f"{timer_key_prefix(situation_id)}run:{run_id}:{what}:{ident}:{stage}"


class PlaybookRunService:
    """Starts playbook runs and records steps, checklist items, choices and facts."""

    def __init__(
        self,
        session: AsyncSession,
        log: SituationLog,
        decisions: DecisionService,
        catalog: PlaybookCatalog,
        timers: Timers,
        clock: Clock,
        policy: PlaybookPolicy,
        roles: IncidentRoles,
    ) -> None:
        self.policy = policy
        self._roles = roles
        self.clock = clock
        self._session = session
        self._log = log
        self._decisions = decisions
        self._catalog = catalog
        self._timers = timers
        self._clock = clock

    # --- starting -------------------------------------------------------------------------

    async def start(self, situation_id: int, playbook_id: str, actor: str) -> Run:
        """Activate the playbook; raises UnknownPlaybook when there is no such playbook."""
        playbook = self._catalog.get(playbook_id)
        started_at = self._clock.now()
        first_step = playbook.main_line_steps()[0]
        run = PlaybookRunRecord(
            situation_id=situation_id,
            playbook_id=playbook.id,
            playbook_version=playbook.version,
            started_by=actor,
            started_at=started_at,
            current_step=first_step.id,
        )
        self._session.add(run)
        await self._session.flush()
        definition = playbook.model_dump(mode="json")
        digest = _sha256(definition)
        self._session.add(
            PlaybookDefinitionRecord(run_id=run.id, definition=definition, sha256=digest)
        )
        await self._log.append(
            situation_id,
            EntryKind.PLAYBOOK_STARTED,
            actor,
            PlaybookStartedPayload(
                run_id=run.id,
                playbook_id=playbook.id,
                playbook_version=playbook.version,
                playbook_sha256=digest,
                first_step=first_step.id,
            ),
            occurred_at=started_at,
        )
        for step in playbook.steps:
            await STEP_REMINDER.schedule(
                self._timers,
                started_at + step.deadline,
                ForStep(situation_id=situation_id, run_id=run.id, step_id=step.id),
                key=timer_key(situation_id, run.id, "step", step.id, "reminder"),
            )
        for decision in playbook.decisions:
            if decision.deadline is not None:
                await DECISION_REMINDER.schedule(
                    self._timers,
                    started_at + decision.deadline,
                    ForDecision(situation_id=situation_id, run_id=run.id, decision_id=decision.id),
                    key=timer_key(situation_id, run.id, "decision", decision.id, "reminder"),
                )
        runs = await self.runs(situation_id)
        return runs[-1]

    # --- reading --------------------------------------------------------------------------

    async def runs(self, situation_id: int) -> list[Run]:
        """Every run of the situation, oldest first, with its state rebuilt from the log."""
        return await load_runs(self._session, situation_id, self._catalog)

    async def pick(self, situation_id: int, number: int | None) -> Run:
        """Run ``number``; without a number the only run still under way (or the only run)."""
        runs = await self.runs(situation_id)
        if not runs:
            raise NoRunningPlaybook()
        if number is not None:
            if not 1 <= number <= len(runs):
                raise UnknownRun(run=number, runs=_describe(runs))
            return runs[number - 1]
        if len(runs) == 1:
            return runs[0]
        under_way = [run for run in runs if not run.state.complete]
        if len(under_way) == 1:
            return under_way[0]
        raise AmbiguousRun(runs=_describe(under_way or runs))

    async def run_by_id(self, situation_id: int, run_id: int) -> Run | None:
        """The run with database id ``run_id`` (timers refer to runs by id)."""
        for run in await self.runs(situation_id):
            if run.record.id == run_id:
                return run
        return None

    # --- recording ------------------------------------------------------------------------

    async def complete_step(
        self, situation_id: int, run_number: int | None, step_ref: str, actor: str, note: str
    ) -> tuple[Run, StepView]:
        """Mark a step done (it must be active)."""
        run = await self.pick(situation_id, run_number)
        step = run.state.resolve_step(step_ref)
        event = StepDone(step.id, actor, self._clock.now(), note)
        view = run.state.step(step.id)
        after = await self._record(
            run,
            event,
            EntryKind.STEP_DONE,
            StepDonePayload(**_step_payload(run, view), note=note),
        )
        await self._stop_step_timers(run, step.id)
        await self._arm_opened(run, after.state, event.at)
        return after, after.state.step(step.id)

    async def skip_step(
        self, situation_id: int, run_number: int | None, step_ref: str, actor: str, reason: str
    ) -> tuple[Run, StepView]:
        """Skip a step on purpose, with a reason (a deviation from the playbook)."""
        run = await self.pick(situation_id, run_number)
        step = run.state.resolve_step(step_ref)
        event = StepSkipped(step.id, actor, self._clock.now(), reason)
        view = run.state.step(step.id)
        after = await self._record(
            run,
            event,
            EntryKind.STEP_SKIPPED,
            StepSkippedPayload(**_step_payload(run, view), reason=reason),
        )
        await self._stop_step_timers(run, step.id)
        await self._arm_opened(run, after.state, event.at)
        return after, after.state.step(step.id)

    async def check_item(
        self, situation_id: int, run_number: int | None, step_ref: str, item: int, actor: str
    ) -> tuple[Run, StepView]:
        """Tick checklist item ``item`` (1-based, as shown) of a step."""
        run = await self.pick(situation_id, run_number)
        step = run.state.resolve_step(step_ref)
        event = ItemChecked(step.id, item - 1, actor, self._clock.now())
        view = run.state.step(step.id)
        after = await self._record(
            run,
            event,
            EntryKind.CHECKLIST_CHECKED,
            ChecklistCheckedPayload(**_step_payload(run, view), item=item),
        )
        return after, after.state.step(step.id)

    async def choose(
        self,
        situation_id: int,
        run_number: int | None,
        decision_id: str,
        option_id: str,
        actor: str,
        rationale: str,
    ) -> tuple[Run, LogEntryRecord, list[StepView]]:
        """Decide a decision point: recorded as a decision (with every option weighed) and as
        the run's choice; returns the run, the decision entry and the steps it opened.

        Only the holders of the point's deciding role, or the coordinator, may decide
        (a DecisionRoleRefused error otherwise, and nothing is written)."""
        run = await self.pick(situation_id, run_number)
        now = self._clock.now()
        event = OptionChosen(decision_id, option_id, actor, now)
        after = run.state.apply(event)  # refuses before anything is written
        decision = run.playbook.get_decision(decision_id)
        await self._roles.require_decider(situation_id, actor, decision.decided_by, decision.id)
        chosen = next(option for option in decision.options if option.id == option_id)
        entry = await self._decisions.decide(
            situation_id,
            actor,
            f"{decision.question.en} → {chosen.label.en}",
            rationale,
            options=[
                {
                    "option": option.label.en,
                    "chosen": option.id == option_id,
                    "why_not": None,
                }
                for option in decision.options
            ],
            decision_point=f"{run.playbook.id}/{decision.id}",
            decided_at=now,
        )
        await self._log.append(
            situation_id,
            EntryKind.OPTION_CHOSEN,
            actor,
            OptionChosenPayload(
                run_id=run.record.id,
                decision_id=decision.id,
                option_id=option_id,
                decision_entry=entry.seq,
            ),
            occurred_at=now,
        )
        await self._timers.cancel(
            timer_key(situation_id, run.record.id, "decision", decision.id, "reminder")
        )
        await self._timers.cancel(
            timer_key(situation_id, run.record.id, "decision", decision.id, "escalation")
        )
        opened = await self._arm_opened(run, after, now)
        return Run(run.record, run.number, after), entry, opened

    async def set_fact(
        self,
        situation_id: int,
        run_number: int | None,
        fact_id: str,
        value: FactValue,
        actor: str,
    ) -> Run:
        """Establish a fact that conditions of the run's steps depend on."""
        run = await self.pick(situation_id, run_number)
        event = FactSet(fact_id, value, actor, self._clock.now())
        return await self._record(
            run,
            event,
            EntryKind.FACT_SET,
            FactSetPayload(run_id=run.record.id, fact_id=fact_id, value=value),
        )

    async def _record(
        self, run: Run, event: RunEvent, kind: EntryKind, payload: Mapping[str, object]
    ) -> Run:
        after = run.state.apply(event)  # raises RunRefused: nothing is written
        await self._log.append(
            run.record.situation_id, kind, event.actor, payload, occurred_at=event.at
        )
        return Run(run.record, run.number, after)

    async def _arm_opened(self, run: Run, after: RunState, now: datetime) -> list[StepView]:
        """Arm the reminders of what ``after`` opened in ``run``; returns the opened steps.

        A branch step opens when its option is chosen, a decision point when its
        ``after_step`` is settled. Its reminder fired (or will) while it was not open and
        did nothing: arm it again, at once if the deadline has already passed.
        """
        situation_id, run_id = run.record.situation_id, run.record.id
        opened = [
            view
            for view in after.steps()
            if run.state.step(view.step.id).status == StepStatus.PENDING
            and view.status in OPEN_STEP_STATUSES
        ]
        for view in opened:
            await STEP_REMINDER.schedule(
                self._timers,
                max(view.due, now),
                ForStep(situation_id=situation_id, run_id=run_id, step_id=view.step.id),
                key=timer_key(situation_id, run_id, "step", view.step.id, "reminder"),
            )
        for point in after.decisions():
            if (
                point.due is not None
                and point.status == DecisionStatus.OPEN
                and run.state.decision(point.decision.id).status == DecisionStatus.WAITING
            ):
                await DECISION_REMINDER.schedule(
                    self._timers,
                    max(point.due, now),
                    ForDecision(
                        situation_id=situation_id, run_id=run_id, decision_id=point.decision.id
                    ),
                    key=timer_key(situation_id, run_id, "decision", point.decision.id, "reminder"),
                )
        return opened

    async def _stop_step_timers(self, run: Run, step_id: str) -> None:
        situation_id = run.record.situation_id
        for stage in ("reminder", "escalation"):
            await self._timers.cancel(
                timer_key(situation_id, run.record.id, "step", step_id, stage)
            )


async def load_runs(
    session: AsyncSession, situation_id: int, catalog: PlaybookCatalog | None
) -> list[Run]:
    """Every run of the situation, oldest first, its state replayed from the log.

    A run is replayed against the playbook snapshot taken when it started; runs from
    before snapshots were kept follow the ``catalog``'s current file (and are left out
    without a catalog, e.g. when a report is written outside the bot).
    """
    return (await load_runs_of(session, [situation_id], catalog))[situation_id]


async def load_runs_of(
    session: AsyncSession, situation_ids: Sequence[int], catalog: PlaybookCatalog | None
) -> dict[int, list[Run]]:
    """``load_runs`` for many situations at once, in three queries whatever their number."""
    by_situation: dict[int, list[Run]] = {situation_id: [] for situation_id in situation_ids}
    records = list(
        await session.scalars(
            select(PlaybookRunRecord)
            .where(PlaybookRunRecord.situation_id.in_(situation_ids))
            .order_by(PlaybookRunRecord.id)
        )
    )
    if not records:
        return by_situation
    entries = await session.scalars(
        select(LogEntryRecord)
        .where(
            LogEntryRecord.situation_id.in_({record.situation_id for record in records}),
            LogEntryRecord.kind.in_([kind.value for kind in RUN_EVENT_KINDS]),
        )
        .order_by(LogEntryRecord.situation_id, LogEntryRecord.seq)
    )
    events: dict[int, list[RunEvent]] = {}
    for entry in entries:
        run_id, event = _event_of(entry)
        events.setdefault(run_id, []).append(event)
    # A run's snapshot has the run's id as its key.
    snapshots = {
        stored.run_id: stored.definition
        for stored in await session.scalars(
            select(PlaybookDefinitionRecord).where(
                PlaybookDefinitionRecord.run_id.in_([record.id for record in records])
            )
        )
    }
    numbers: Counter[int] = Counter()
    for record in records:  # by id: a run's number counts its situation's earlier runs
        numbers[record.situation_id] += 1
        number = numbers[record.situation_id]
        if record.id in snapshots:
            playbook = _snapshot_playbook(snapshots[record.id])
        elif catalog is not None:
            playbook = catalog.get(record.playbook_id)
        else:
            continue
        state = RunState.replay(playbook, record.started_at, events.get(record.id, ()))
        by_situation[record.situation_id].append(Run(record, number, state))
    return by_situation


def _step_payload(run: Run, view: StepView) -> StepPayload:
    return StepPayload(
        run_id=run.record.id,
        step_id=view.step.id,
        step_number=view.number,
        planned_due=view.due.isoformat(),
    )


# Parsed snapshots by the hash of their content, newest use last.
_PARSED_SNAPSHOTS: OrderedDict[str, Playbook] = OrderedDict()
_SNAPSHOTS_KEPT = 32


def _snapshot_playbook(definition: dict[str, Any]) -> Playbook:
    """The playbook of a run's snapshot, validated once per content in this process.

    Validating costs milliseconds and the picture replays every open run, while runs share
    a few playbook versions. The key is the hash of the content as read (not the stored
    hash), so a changed row is validated anew; the model is frozen, so sharing is safe.
    """
    digest = _sha256(definition)
    playbook = _PARSED_SNAPSHOTS.get(digest)
    if playbook is None:
        playbook = Playbook.model_validate(definition)
        _PARSED_SNAPSHOTS[digest] = playbook
        if len(_PARSED_SNAPSHOTS) > _SNAPSHOTS_KEPT:
            _PARSED_SNAPSHOTS.popitem(last=False)
    else:
        _PARSED_SNAPSHOTS.move_to_end(digest)
    return playbook


def _sha256(definition: dict[str, Any]) -> str:
    canonical = json.dumps(definition, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _describe(runs: Sequence[Run]) -> list[str]:
    return [f"{run.number} ({run.record.playbook_id})" for run in runs]


def _event_of(entry: LogEntryRecord) -> tuple[int, RunEvent]:
    """The run (its id) an entry belongs to, and the event it records."""
    at, actor = entry.occurred_at, entry.actor
    match EntryKind(entry.kind):
        case EntryKind.STEP_DONE:
            done = STEP_DONE.of(entry)
            return done["run_id"], StepDone(done["step_id"], actor, at, done.get("note", ""))
        case EntryKind.STEP_SKIPPED:
            skipped = STEP_SKIPPED.of(entry)
            event = StepSkipped(skipped["step_id"], actor, at, skipped["reason"])
            return skipped["run_id"], event
        case EntryKind.CHECKLIST_CHECKED:
            checked = CHECKLIST_CHECKED.of(entry)
            item = ItemChecked(checked["step_id"], checked["item"] - 1, actor, at)
            return checked["run_id"], item
        case EntryKind.OPTION_CHOSEN:
            chosen = OPTION_CHOSEN.of(entry)
            option = OptionChosen(chosen["decision_id"], chosen["option_id"], actor, at)
            return chosen["run_id"], option
        case EntryKind.FACT_SET:
            fact = FACT_SET.of(entry)
            return fact["run_id"], FactSet(fact["fact_id"], fact["value"], actor, at)
    raise ValueError(f"log entry {entry.seq} is not a run event: {entry.kind}")
