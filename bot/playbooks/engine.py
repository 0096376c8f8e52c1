"""The playbook engine: the state of one run, derived from its playbook and its events.

Pure: no database, no clock, no Matrix. A run is its playbook, the moment it was activated
and the ordered events people caused (a step done or skipped, a checklist item ticked, a
decision option chosen, a fact established). ``RunState.apply`` checks an event against the
current state and refuses it with a ``RunRefused`` error (nothing changes) or returns the
next state; replaying the stored events rebuilds the same state after a restart.

How a step's status follows from the playbook (see ``bot.playbooks.schema``):

- ``done`` / ``skipped``: someone said so (skipping needs a reason: a deviation);
- ``not_applicable``: it can never run: its condition is false, its required decision chose
  another option, or it is a branch step and every decision that could open it went another
  way (or became moot);
- ``pending``: a branch step whose option has not been chosen yet;
- ``blocked``: it waits for a decision (``requires_decision``) or for a fact its condition
  needs;
- ``active``: it can be worked on now; its deadline runs from activation.

A decision point is ``waiting`` until its ``after_step`` is done or skipped, then ``open``,
then ``decided``; it is ``not_applicable`` when its ``after_step`` is.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Literal

from bot.errors import (
    ChecklistItemAlreadyChecked,
    DecisionAlreadyTaken,
    DecisionNotApplicable,
    DecisionNotOpen,
    FactAlreadySet,
    InvalidFactValue,
    StepAlreadyDone,
    StepAlreadySkipped,
    StepNotApplicable,
    StepNotOpen,
    StepWaitsForDecision,
    StepWaitsForFact,
    UnknownChecklistItem,
    UnknownDecision,
    UnknownFact,
    UnknownOption,
    UnknownStep,
)
from bot.playbooks.schema import DecisionPoint, Playbook, Step

FactValue = bool | str


class StepStatus(StrEnum):
    """Where a step stands in a run."""

    PENDING = "pending"
    BLOCKED = "blocked"
    ACTIVE = "active"
    DONE = "done"
    SKIPPED = "skipped"
    NOT_APPLICABLE = "not_applicable"


OPEN_STEP_STATUSES = frozenset({StepStatus.ACTIVE, StepStatus.BLOCKED})
"""Steps someone should be working on (or unblocking); they count against their deadline."""

SETTLED_STEP_STATUSES = frozenset({StepStatus.DONE, StepStatus.SKIPPED, StepStatus.NOT_APPLICABLE})
"""Statuses a step never leaves."""


class DecisionStatus(StrEnum):
    """Where a decision point stands in a run."""

    WAITING = "waiting"
    OPEN = "open"
    DECIDED = "decided"
    NOT_APPLICABLE = "not_applicable"


# --- events -------------------------------------------------------------------------------


@dataclass(frozen=True)
class StepDone:
    """Someone finished a step."""

    step_id: str
    actor: str
    at: datetime
    note: str = ""


@dataclass(frozen=True)
class StepSkipped:
    """Someone deliberately did not do a step, and said why."""

    step_id: str
    actor: str
    at: datetime
    reason: str


@dataclass(frozen=True)
class ItemChecked:
    """Someone ticked checklist item ``item`` (0-based) of a step."""

    step_id: str
    item: int
    actor: str
    at: datetime


@dataclass(frozen=True)
class OptionChosen:
    """A decision point was decided for ``option_id``."""

    decision_id: str
    option_id: str
    actor: str
    at: datetime


@dataclass(frozen=True)
class FactSet:
    """A fact a condition needs was established."""

    fact_id: str
    value: FactValue
    actor: str
    at: datetime


RunEvent = StepDone | StepSkipped | ItemChecked | OptionChosen | FactSet


# --- views --------------------------------------------------------------------------------


WaitingKind = Literal["decision", "fact"]
"""What a blocked step can wait for; each has its text ``run.waits_for_<kind>``."""


@dataclass(frozen=True)
class Waiting:
    """What a blocked step waits for: ``kind`` is "decision" or "fact", ``id`` which one."""

    kind: WaitingKind
    id: str


@dataclass(frozen=True)
class StepView:
    """A step with its status and times in this run."""

    step: Step
    number: int
    """1-based position in the playbook; what people type in ``!step done 3``."""
    status: StepStatus
    due: datetime
    """Planned: activation plus the step's deadline."""
    waiting_for: Waiting | None
    checked: frozenset[int]
    settled_by: StepDone | StepSkipped | None

    @property
    def finished_at(self) -> datetime | None:
        """When the step was done or skipped (the actual time to set against ``due``)."""
        return None if self.settled_by is None else self.settled_by.at

    def overdue(self, now: datetime) -> bool:
        """Open and past its deadline."""
        return self.status in OPEN_STEP_STATUSES and now > self.due

    def late_by(self) -> timedelta | None:
        """How late it was done (negative: early); None while not done."""
        if not isinstance(self.settled_by, StepDone):
            return None
        return self.settled_by.at - self.due


@dataclass(frozen=True)
class DecisionView:
    """A decision point with its status in this run."""

    decision: DecisionPoint
    status: DecisionStatus
    due: datetime | None
    chosen: OptionChosen | None

    def overdue(self, now: datetime) -> bool:
        """Open and past its deadline."""
        return self.status == DecisionStatus.OPEN and self.due is not None and now > self.due


@dataclass(frozen=True)
class Agenda:
    """What needs attention now: open steps and decisions by deadline, facts to establish."""

    steps: tuple[StepView, ...]
    decisions: tuple[DecisionView, ...]
    facts: tuple[str, ...]


# --- the state ----------------------------------------------------------------------------


@dataclass
class _Record:
    done: dict[str, StepDone | StepSkipped] = field(default_factory=dict)
    checked: dict[str, dict[int, ItemChecked]] = field(default_factory=dict)
    chosen: dict[str, OptionChosen] = field(default_factory=dict)
    facts: dict[str, FactSet] = field(default_factory=dict)

    def copy(self) -> _Record:
        return _Record(
            dict(self.done),
            {step: dict(items) for step, items in self.checked.items()},
            dict(self.chosen),
            dict(self.facts),
        )


class RunState:
    """One run of a playbook: immutable; ``apply`` returns the next state or refuses."""

    def __init__(self, playbook: Playbook, started_at: datetime) -> None:
        self.playbook = playbook
        self.started_at = started_at
        self._record = _Record()
        self._numbers = {step.id: index for index, step in enumerate(playbook.steps, start=1)}
        # Which decisions can open each branch step.
        self._openers: dict[str, set[str]] = {}
        for decision in playbook.decisions:
            for option in decision.options:
                for step_id in option.next_steps:
                    self._openers.setdefault(step_id, set()).add(decision.id)
        self._step_status: dict[str, tuple[StepStatus, Waiting | None]] = {}
        self._decision_status: dict[str, DecisionStatus] = {}

    @classmethod
    def replay(
        cls, playbook: Playbook, started_at: datetime, events: Iterable[RunEvent]
    ) -> RunState:
        """The state after ``events``; raises RunRefused if one of them does not fit."""
        state = cls(playbook, started_at)
        for event in events:
            state._check(event)
            state._record_event(event)
        return state

    # --- changing -------------------------------------------------------------------------

    def apply(self, event: RunEvent) -> RunState:
        """The state after ``event``; raises a RunRefused error and changes nothing if it
        does not fit the run (a step that is not active, a decision not open, ...)."""
        self._check(event)
        following = RunState(self.playbook, self.started_at)
        following._record = self._record.copy()
        following._record_event(event)
        return following

    def _record_event(self, event: RunEvent) -> None:
        record = self._record
        match event:
            case StepDone() | StepSkipped():
                record.done[event.step_id] = event
            case ItemChecked():
                record.checked.setdefault(event.step_id, {})[event.item] = event
            case OptionChosen():
                record.chosen[event.decision_id] = event
            case FactSet():
                record.facts[event.fact_id] = event
        self._step_status.clear()
        self._decision_status.clear()

    def _check(self, event: RunEvent) -> None:
        match event:
            case StepDone():
                self._require_workable(event.step_id, allow_blocked=False)
            case StepSkipped():
                self._require_workable(event.step_id, allow_blocked=True)
            case ItemChecked():
                step = self._step(event.step_id)
                self._require_workable(step.id, allow_blocked=False)
                if not 0 <= event.item < len(step.checklist):
                    raise UnknownChecklistItem(
                        step=self._numbers[step.id], item=event.item + 1, count=len(step.checklist)
                    )
                if event.item in self._record.checked.get(step.id, {}):
                    raise ChecklistItemAlreadyChecked(
                        step=self._numbers[step.id], item=event.item + 1
                    )
            case OptionChosen():
                self._check_choice(event)
            case FactSet():
                self._check_fact(event)

    def _require_workable(self, step_id: str, *, allow_blocked: bool) -> None:
        step = self._step(step_id)
        status, waiting = self._status(step.id)
        number = self._numbers[step.id]
        if status == StepStatus.ACTIVE or (allow_blocked and status == StepStatus.BLOCKED):
            return
        if status == StepStatus.DONE:
            raise StepAlreadyDone(step=number)
        if status == StepStatus.SKIPPED:
            raise StepAlreadySkipped(step=number)
        if status == StepStatus.NOT_APPLICABLE:
            raise StepNotApplicable(step=number)
        if status == StepStatus.PENDING:
            raise StepNotOpen(step=number, decisions=sorted(self._openers[step.id]))
        assert waiting is not None  # BLOCKED always says what for
        if waiting.kind == "decision":
            raise StepWaitsForDecision(step=number, decision=waiting.id)
        raise StepWaitsForFact(step=number, fact=waiting.id)

    def _check_choice(self, event: OptionChosen) -> None:
        decision = self._decision(event.decision_id)
        options = [option.id for option in decision.options]
        if event.option_id not in options:
            raise UnknownOption(decision=decision.id, option=event.option_id, available=options)
        status = self._decision_state(decision.id)
        if status == DecisionStatus.DECIDED:
            raise DecisionAlreadyTaken(
                decision=decision.id, option=self._record.chosen[decision.id].option_id
            )
        if status == DecisionStatus.NOT_APPLICABLE:
            raise DecisionNotApplicable(decision=decision.id)
        if status == DecisionStatus.WAITING:
            assert decision.after_step is not None  # only then can a decision wait
            raise DecisionNotOpen(decision=decision.id, step=self._numbers[decision.after_step])

    def _check_fact(self, event: FactSet) -> None:
        facts = {fact.id: fact for fact in self.playbook.facts}
        fact = facts.get(event.fact_id)
        if fact is None:
            raise UnknownFact(fact=event.fact_id, available=sorted(facts))
        if event.fact_id in self._record.facts:
            raise FactAlreadySet(fact=fact.id, value=self._record.facts[fact.id].value)
        if fact.type == "boolean":
            valid = isinstance(event.value, bool)
            expected = "true/false"
        else:
            valid = (
                isinstance(event.value, str)
                and bool(event.value)
                and (not fact.choices or event.value in fact.choices)
            )
            expected = ", ".join(fact.choices) or "text"
        if not valid:
            raise InvalidFactValue(fact=fact.id, value=event.value, expected=expected)

    # --- reading --------------------------------------------------------------------------

    def resolve_step(self, reference: str) -> Step:
        """The step a person means by ``reference``: its number (``3``) or its id."""
        if reference.isdecimal():  # not isdigit: "²" is a digit that int() refuses
            number = int(reference)
            if 1 <= number <= len(self.playbook.steps):
                return self.playbook.steps[number - 1]
        elif reference in self._numbers:
            return self.playbook.get_step(reference)
        raise UnknownStep(
            step=reference,
            count=len(self.playbook.steps),
            available=[step.id for step in self.playbook.steps],
        )

    def step(self, step_id: str) -> StepView:
        """The view of one step (by id)."""
        step = self._step(step_id)
        status, waiting = self._status(step.id)
        return StepView(
            step=step,
            number=self._numbers[step.id],
            status=status,
            due=self.started_at + step.deadline,
            waiting_for=waiting,
            checked=frozenset(self._record.checked.get(step.id, {})),
            settled_by=self._record.done.get(step.id),
        )

    def steps(self) -> list[StepView]:
        """Every step in playbook order."""
        return [self.step(step.id) for step in self.playbook.steps]

    def decision(self, decision_id: str) -> DecisionView:
        """The view of one decision point (by id)."""
        decision = self._decision(decision_id)
        return DecisionView(
            decision=decision,
            status=self._decision_state(decision.id),
            due=None if decision.deadline is None else self.started_at + decision.deadline,
            chosen=self._record.chosen.get(decision.id),
        )

    def decisions(self) -> list[DecisionView]:
        """Every decision point in playbook order."""
        return [self.decision(decision.id) for decision in self.playbook.decisions]

    @property
    def facts(self) -> Mapping[str, FactValue]:
        """The facts established so far."""
        return {fact_id: event.value for fact_id, event in self._record.facts.items()}

    def agenda(self) -> Agenda:
        """Open steps by deadline, open decisions by deadline, and facts someone must give."""
        steps = sorted(
            (view for view in self.steps() if view.status in OPEN_STEP_STATUSES),
            key=lambda view: (view.due, view.number),
        )
        decisions = sorted(
            (view for view in self.decisions() if view.status == DecisionStatus.OPEN),
            key=lambda view: (view.due is None, view.due or self.started_at),
        )
        facts = tuple(
            dict.fromkeys(
                view.waiting_for.id
                for view in steps
                if view.waiting_for is not None and view.waiting_for.kind == "fact"
            )
        )
        return Agenda(tuple(steps), tuple(decisions), facts)

    @property
    def complete(self) -> bool:
        """Every step settled and every decision decided (or moot)."""
        return all(
            self._status(step.id)[0] in SETTLED_STEP_STATUSES for step in self.playbook.steps
        ) and all(
            self._decision_state(decision.id)
            in (DecisionStatus.DECIDED, DecisionStatus.NOT_APPLICABLE)
            for decision in self.playbook.decisions
        )

    # --- deriving statuses ----------------------------------------------------------------

    def _step(self, step_id: str) -> Step:
        try:
            return self.playbook.get_step(step_id)
        except KeyError:
            raise UnknownStep(
                step=step_id,
                count=len(self.playbook.steps),
                available=[step.id for step in self.playbook.steps],
            ) from None

    def _decision(self, decision_id: str) -> DecisionPoint:
        try:
            return self.playbook.get_decision(decision_id)
        except KeyError:
            available = [decision.id for decision in self.playbook.decisions]
            raise UnknownDecision(decision=decision_id, available=available) from None

    def _status(self, step_id: str) -> tuple[StepStatus, Waiting | None]:
        cached = self._step_status.get(step_id)
        if cached is None:
            cached = self._step_status[step_id] = self._derive_step(step_id)
        return cached

    def _decision_state(self, decision_id: str) -> DecisionStatus:
        cached = self._decision_status.get(decision_id)
        if cached is None:
            cached = self._decision_status[decision_id] = self._derive_decision(decision_id)
        return cached

    def _derive_decision(self, decision_id: str) -> DecisionStatus:
        if decision_id in self._record.chosen:
            return DecisionStatus.DECIDED
        after = self.playbook.get_decision(decision_id).after_step
        if after is None:
            return DecisionStatus.OPEN
        status = self._status(after)[0]
        if status == StepStatus.NOT_APPLICABLE:
            return DecisionStatus.NOT_APPLICABLE
        if status in (StepStatus.DONE, StepStatus.SKIPPED):
            return DecisionStatus.OPEN
        return DecisionStatus.WAITING

    def _derive_step(self, step_id: str) -> tuple[StepStatus, Waiting | None]:
        settled = self._record.done.get(step_id)
        if isinstance(settled, StepDone):
            return StepStatus.DONE, None
        if isinstance(settled, StepSkipped):
            return StepStatus.SKIPPED, None
        step = self.playbook.get_step(step_id)
        # A definite "no" wins over waiting: the step can never run.
        unopened = False
        openers = self._openers.get(step_id)
        if openers:
            opened = any(step_id in self._chosen_next_steps(decision_id) for decision_id in openers)
            if not opened:
                if all(
                    self._decision_state(decision_id)
                    in (DecisionStatus.DECIDED, DecisionStatus.NOT_APPLICABLE)
                    for decision_id in openers
                ):
                    return StepStatus.NOT_APPLICABLE, None
                unopened = True
        waiting: Waiting | None = None
        if step.requires_decision is not None:
            required = self._decision_state(step.requires_decision)
            if required == DecisionStatus.NOT_APPLICABLE:
                return StepStatus.NOT_APPLICABLE, None
            if required == DecisionStatus.DECIDED:
                chosen = self._record.chosen[step.requires_decision].option_id
                if step.requires_option is not None and chosen != step.requires_option:
                    return StepStatus.NOT_APPLICABLE, None
            else:
                waiting = Waiting("decision", step.requires_decision)
        if step.condition is not None:
            holds = step.condition.holds(self.facts)
            if holds is False:
                return StepStatus.NOT_APPLICABLE, None
            if holds is None and waiting is None:
                waiting = Waiting("fact", step.condition.fact)
        if unopened:
            return StepStatus.PENDING, None
        if waiting is not None:
            return StepStatus.BLOCKED, waiting
        return StepStatus.ACTIVE, None

    def _chosen_next_steps(self, decision_id: str) -> Sequence[str]:
        chosen = self._record.chosen.get(decision_id)
        if chosen is None:
            return ()
        for option in self.playbook.get_decision(decision_id).options:
            if option.id == chosen.option_id:
                return option.next_steps
        return ()


_TRUE = frozenset({"true", "yes", "ja", "waar", "j", "y"})
_FALSE = frozenset({"false", "no", "nee", "onwaar", "n"})


def parse_fact_value(playbook: Playbook, fact_id: str, text: str) -> FactValue:
    """The value typed for a fact: yes/no (ja/nee, true/false) for boolean facts, else the
    text itself. Anything that does not fit is left for ``apply`` to refuse."""
    for fact in playbook.facts:
        if fact.id == fact_id and fact.type == "boolean":
            word = text.strip().lower()
            if word in _TRUE:
                return True
            if word in _FALSE:
                return False
    return text.strip()
