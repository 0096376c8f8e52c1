"""Comparing what a scenario expected with what the participants actually did (pure).

Times are compared in *scenario time*: at speed 60 one real second is one exercise minute,
so an entry logged 30 real seconds after the start happened at ``T+30m``. The exercise clock
stands still while the runner waits for the bot to handle a command (a *pause*): accelerated
600 times, half a second of homeserver latency would otherwise cost five exercise minutes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from bot.decisionlog.payloads import OPTION_CHOSEN, STEP_DONE
from bot.exercises.scenario import Inject
from bot.playbooks.durations import format_deadline


class Outcome(StrEnum):
    """How an expectation turned out."""

    ON_TIME = "on_time"
    LATE = "late"
    MISSING = "missing"
    OTHER_OPTION = "other_option"  # decided in time or late, but not as the scenario expected


@dataclass(frozen=True)
class LoggedAct:
    """What the comparison needs of a log entry."""

    kind: str
    actor: str
    occurred_at: datetime
    payload: Mapping[str, object]  # as stored; read through its kind's type (decisionlog.payloads)


@dataclass(frozen=True)
class Assessment:
    """One expectation against the log: outcome, when (scenario time) and by whom."""

    inject: Inject
    outcome: Outcome
    at: timedelta | None = None
    actor: str | None = None
    chosen: str | None = None

    @property
    def subject(self) -> str:
        """``step <id>`` or ``decision <id> = <option>``."""
        if self.inject.expect_step is not None:
            return f"step {self.inject.expect_step.step}"
        expected = self.inject.expect_decision
        assert expected is not None
        return f"decision {expected.decision} = {expected.option}"

    def as_json(self) -> dict[str, Any]:
        """A plain-data form for the JSON report."""
        return {
            "expected": self.subject,
            "deadline": format_deadline(self.inject.at),
            "outcome": self.outcome.value,
            "at": None if self.at is None else format_deadline(self.at),
            "actor": self.actor,
            "chosen": self.chosen,
        }


Pause = tuple[datetime, datetime]
"""A stretch of real time (start, end) during which the exercise clock stood still."""


def scenario_offset(
    moment: datetime, started_at: datetime, speed: float, pauses: Sequence[Pause] = ()
) -> timedelta:
    """Where a real moment falls in scenario time; a moment inside a pause is at its start."""
    paused = sum((min(end, moment) - begin for begin, end in pauses if begin < moment), timedelta())
    return (moment - started_at - paused) * speed


def assess(
    expectations: Iterable[Inject],
    acts: Sequence[LoggedAct],
    started_at: datetime,
    speed: float,
    pauses: Sequence[Pause] = (),
) -> list[Assessment]:
    """Every expectation with its outcome; the first matching act since ``started_at``
    counts.

    An act logged before the run started answers no inject of it: a run interrupted and
    played again continues in the exercise situation the first left open, whose log
    already holds that run's acts.
    """
    results: list[Assessment] = []
    ordered = sorted(
        (act for act in acts if act.occurred_at >= started_at), key=lambda act: act.occurred_at
    )
    for inject in expectations:
        act = _first_match(inject, ordered)
        if act is None:
            results.append(Assessment(inject, Outcome.MISSING))
            continue
        at = scenario_offset(act.occurred_at, started_at, speed, pauses)
        chosen = None
        outcome = Outcome.ON_TIME if at <= inject.at else Outcome.LATE
        if inject.expect_decision is not None:
            decided = OPTION_CHOSEN.matching(act.kind, act.payload)
            assert decided is not None  # _first_match takes only option_chosen acts for it
            chosen = decided["option_id"]
            if chosen != inject.expect_decision.option:
                outcome = Outcome.OTHER_OPTION
        results.append(Assessment(inject, outcome, at, act.actor, chosen))
    return results


def _first_match(inject: Inject, acts: Sequence[LoggedAct]) -> LoggedAct | None:
    for act in acts:
        if inject.expect_step is not None:
            done = STEP_DONE.matching(act.kind, act.payload)
            if done is not None and done["step_id"] == inject.expect_step.step:
                return act
        elif inject.expect_decision is not None:
            decided = OPTION_CHOSEN.matching(act.kind, act.payload)
            if decided is not None and decided["decision_id"] == inject.expect_decision.decision:
                return act
    return None
