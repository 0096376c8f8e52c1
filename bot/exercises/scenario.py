"""The exercise scenario format: a master scenario events list (MSEL) as YAML.

A scenario names the playbook it rehearses and lists timed injects at offsets from the start
of the exercise (``T+0m``, ``T+5m``). Each inject does exactly one thing:

- ``alert``: generic alert fields, POSTed signed to the intake (marked as exercise);
- ``message``: a role player (``who``, a role the runner maps to a scripted Matrix account)
  posts ``text`` (a chat command or plain text) in the ``coordination`` or ``incident`` room;
  ``{alert}`` in the text is replaced by the id of the latest alert of the exercise;
- ``phase``: a role player moves the situation to ``crisis`` (escalates the latest alert) or
  ``evaluation`` (closes it), through the same chat commands people use;
- ``expect_decision`` / ``expect_step``: what the participants should have done by ``at``;
  they are not played but compared with the log in the exercise report.

A scenario may declare which fallback options of the supplier registry it drills
(``covers: [acme-cloud/payroll/manual-bank-run]``); ``!drills`` shows it next to them.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import timedelta
from typing import Annotated, Any, Literal

from pydantic import Field, model_validator

from bot.playbooks.schema import Deadline, Identifier, LocalizedText, Playbook, _Model
from bot.suppliers.fallback_ids import FALLBACK_ID

FallbackId = Annotated[str, Field(pattern=f"^{FALLBACK_ID.pattern}$")]

# In a message's text, replaced by the id of the latest alert the exercise sent.
ALERT_PLACEHOLDER = "{alert}"

Room = Literal["coordination", "incident"]


class AlertInject(_Model):
    """Fields of a generic alert (as ``POST /alerts`` takes them); validated by the intake."""

    supplier: str = Field(min_length=1, max_length=200)
    title: str = Field(min_length=1, max_length=500)
    severity: Literal["S1", "S2", "S3", "S4"] = "S3"
    details: str = ""
    external_id: str | None = None

    def body(self) -> dict[str, Any]:
        """The JSON body for the intake, flagged as an exercise alert."""
        return {**self.model_dump(exclude_none=True), "exercise": True}


class MessageInject(_Model):
    """A role player posts ``text`` in a room."""

    who: Identifier
    text: str = Field(min_length=1)
    room: Room = "incident"


class PhaseInject(_Model):
    """A role player changes the phase with the chat command for it."""

    who: Identifier = "coordinator"
    to: Literal["crisis", "evaluation"]
    reason: str = "exercise"

    def command(self) -> tuple[Room, str]:
        """The room and the command text that make this change."""
        if self.to == "crisis":
            return "coordination", "!escalate {alert}"
        return "incident", f"!close {self.reason}"


class ExpectDecision(_Model):
    """The decision point ``decision`` should be decided, with ``option``, by ``at``."""

    decision: Identifier
    option: Identifier


class ExpectStep(_Model):
    """The step ``step`` should be done by ``at``."""

    step: Identifier


class Inject(_Model):
    """One line of the events list: at ``at`` exactly one thing happens or is expected."""

    at: Deadline
    alert: AlertInject | None = None
    message: MessageInject | None = None
    phase: PhaseInject | None = None
    expect_decision: ExpectDecision | None = None
    expect_step: ExpectStep | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> Inject:
        kinds = [name for name in _KINDS if getattr(self, name) is not None]
        if len(kinds) != 1:
            raise ValueError(f"an inject needs exactly one of {', '.join(_KINDS)}")
        return self

    @property
    def kind(self) -> str:
        """Which of the inject kinds this is."""
        return next(name for name in _KINDS if getattr(self, name) is not None)

    @property
    def is_expectation(self) -> bool:
        """Expectations are compared in the report, not played."""
        return self.expect_decision is not None or self.expect_step is not None

    @property
    def player(self) -> str | None:
        """The role that acts in this inject, if any."""
        if self.message is not None:
            return self.message.who
        if self.phase is not None:
            return self.phase.who
        return None


_KINDS = ("alert", "message", "phase", "expect_decision", "expect_step")


class Scenario(_Model):
    """An exercise for one playbook: what happens when, and what participants should do."""

    id: Identifier
    title: LocalizedText
    playbook: Identifier
    covers: tuple[FallbackId, ...] = ()
    injects: tuple[Inject, ...] = Field(min_length=1)

    def played(self) -> list[Inject]:
        """The injects the runner plays, in time order (stable for equal offsets)."""
        return sorted((i for i in self.injects if not i.is_expectation), key=lambda i: i.at)

    def expectations(self) -> list[Inject]:
        """The expected decisions and steps, in time order."""
        return sorted((i for i in self.injects if i.is_expectation), key=lambda i: i.at)

    def players(self) -> list[str]:
        """Roles that act in the scenario, in order of first appearance."""
        return list(dict.fromkeys(i.player for i in self.played() if i.player is not None))

    def duration(self) -> timedelta:
        """Offset of the last inject or deadline."""
        return max(inject.at for inject in self.injects)


def alert_order_problems(scenario: Scenario) -> list[tuple[tuple[Any, ...], str]]:
    """Injects played before the first alert that need one, as (field path, message).

    ``{alert}``, the incident room and a phase change all act on the latest alert, so the
    runner could only stop there, halfway through the exercise. Injects are played by
    offset and, at equal offsets, in file order (``Scenario.played``).
    """
    alerts = [
        (inject.at, index)
        for index, inject in enumerate(scenario.injects)
        if inject.alert is not None
    ]
    first = min(alerts, default=None)
    before = "comes before the first alert inject"
    problems: list[tuple[tuple[Any, ...], str]] = []
    for index, inject in enumerate(scenario.injects):
        if first is not None and (inject.at, index) > first:
            continue
        if inject.message is not None and ALERT_PLACEHOLDER in inject.message.text:
            problems.append((("injects", index, "message", "text"), f"{{alert}} {before}"))
        elif inject.message is not None and inject.message.room == "incident":
            message = f"a message in the incident room {before}"
            problems.append((("injects", index, "message", "room"), message))
        elif inject.phase is not None:
            problems.append((("injects", index, "phase"), f"a phase change {before}"))
    return problems


def duplicate_covers(scenario: Scenario) -> list[tuple[tuple[Any, ...], str]]:
    """Fallback ids ``scenario`` covers more than once (each would be asked for again at
    the exercise's end, and the scenario named again next to it in ``!drills``)."""
    first: dict[str, int] = {}
    problems: list[tuple[tuple[Any, ...], str]] = []
    for index, key in enumerate(scenario.covers):
        if key in first:
            message = f"fallback option {key!r} is covered already (covers[{first[key]}])"
            problems.append((("covers", index), message))
        first.setdefault(key, index)
    return problems


def unknown_fallbacks(
    scenario: Scenario, fallback_ids: Collection[str]
) -> list[tuple[tuple[Any, ...], str]]:
    """Fallback ids ``scenario`` covers that the registry does not have."""
    return [
        (("covers", index), f"the supplier registry has no fallback option {key!r}")
        for index, key in enumerate(scenario.covers)
        if key not in fallback_ids
    ]


def reference_problems(scenario: Scenario, playbook: Playbook) -> list[tuple[tuple[Any, ...], str]]:
    """Ids in ``scenario`` the playbook does not have, as (field path, message)."""
    problems: list[tuple[tuple[Any, ...], str]] = []
    steps = {step.id for step in playbook.steps}
    decisions = {decision.id: decision for decision in playbook.decisions}
    roles = {role.id for role in playbook.roles}
    for index, inject in enumerate(scenario.injects):
        player = inject.player
        if player is not None and player not in roles:
            field = "message" if inject.message is not None else "phase"
            problems.append(
                ((("injects", index, field, "who")), f"playbook has no role {player!r}")
            )
        if inject.expect_step is not None and inject.expect_step.step not in steps:
            problems.append(
                (
                    ("injects", index, "expect_step", "step"),
                    f"playbook {playbook.id!r} has no step {inject.expect_step.step!r}",
                )
            )
        expected = inject.expect_decision
        if expected is None:
            continue
        decision = decisions.get(expected.decision)
        if decision is None:
            problems.append(
                (
                    ("injects", index, "expect_decision", "decision"),
                    f"playbook {playbook.id!r} has no decision point {expected.decision!r}",
                )
            )
        elif expected.option not in {option.id for option in decision.options}:
            problems.append(
                (
                    ("injects", index, "expect_decision", "option"),
                    f"decision point {decision.id!r} has no option {expected.option!r}",
                )
            )
    return problems
