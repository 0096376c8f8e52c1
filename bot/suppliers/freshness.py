"""When a fallback option was last proven, and which ones to drill first (pure functions).

A fallback's *status* follows from its latest test and the freshness policy: the maximum
age of a test for the most severe criticality among the processes it protects. A failed
or partly working fallback stays *failed* until a later test worked. The drill plan ranks
what is overdue, never tested or failed by risk (see ``risk``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from typing import TypeVar

from bot.config import FallbackSettings
from bot.suppliers.criticality import Criticality


class DrillKind(StrEnum):
    """How a fallback was tested, from talking it through to really switching over."""

    TABLETOP = "tabletop"
    TECHNICAL = "technical"
    LIVE = "live switch-over"


class Outcome(StrEnum):
    """What a test showed."""

    WORKED = "worked"
    PARTLY = "partly"
    FAILED = "failed"


# The words people type or write in the registry for a result, in both languages.
RESULT_WORDS: dict[str, Outcome] = {
    "worked": Outcome.WORKED,
    "geslaagd": Outcome.WORKED,
    "gelukt": Outcome.WORKED,
    "partly": Outcome.PARTLY,
    "deels": Outcome.PARTLY,
    "failed": Outcome.FAILED,
    "mislukt": Outcome.FAILED,
}

# The words for a kind of test, in both languages ("live" is short for a switch-over).
KIND_WORDS: dict[str, DrillKind] = {
    "tabletop": DrillKind.TABLETOP,
    "tafeloefening": DrillKind.TABLETOP,
    "technical": DrillKind.TECHNICAL,
    "technisch": DrillKind.TECHNICAL,
    "live": DrillKind.LIVE,
    "live switch-over": DrillKind.LIVE,
    "omschakeling": DrillKind.LIVE,
}


def leading_result(text: str) -> Outcome | None:
    """The result ``text`` starts with (``geslaagd, 6 uur`` worked), or None."""
    first = text.strip().split(None, 1)[0] if text.strip() else ""
    return RESULT_WORDS.get(first.strip(",.;:").casefold())


class Status(StrEnum):
    """How fresh the proof of a fallback option is."""

    CURRENT = "current"
    DUE_SOON = "due_soon"
    OVERDUE = "overdue"
    NEVER_TESTED = "never_tested"
    FAILED = "failed"


# What the drill plan lists, most urgent first among equal risk.
NEEDS_DRILL = (Status.FAILED, Status.NEVER_TESTED, Status.OVERDUE)

# Every status, most urgent first: the drill plan's, then due soon, then current.
URGENCY = (*NEEDS_DRILL, Status.DUE_SOON, Status.CURRENT)


@dataclass(frozen=True)
class Trial:
    """One recorded test: its day and outcome."""

    tested_on: date
    result: Outcome


@dataclass(frozen=True)
class FreshnessPolicy:
    """How old the latest test may be per criticality, and how early "due soon" starts."""

    max_age: Mapping[Criticality, timedelta]
    due_soon: timedelta

    def governing(self, criticalities: Iterable[Criticality]) -> Criticality:
        """The criticality whose maximum age applies: the most severe; important if none."""
        present = set(criticalities)
        return next((level for level in Criticality if level in present), Criticality.IMPORTANT)


def configured_policy(settings: FallbackSettings) -> FreshnessPolicy:
    """The policy of the ``[fallbacks]`` settings."""
    return FreshnessPolicy(
        max_age={
            Criticality.VITAL: timedelta(days=settings.vital_days),
            Criticality.CRITICAL: timedelta(days=settings.critical_days),
            Criticality.IMPORTANT: timedelta(days=settings.important_days),
        },
        due_soon=timedelta(days=settings.due_soon_days),
    )


# Vital 180 days, critical 365, important 730; due soon within 30 days.
DEFAULT_POLICY = configured_policy(FallbackSettings())


def latest(tests: Sequence[Trial]) -> Trial | None:
    """The most recent test; of two on one day, the one recorded last."""
    found: Trial | None = None
    for test in tests:
        if found is None or test.tested_on >= found.tested_on:
            found = test
    return found


def status(
    tests: Sequence[Trial],
    criticalities: Iterable[Criticality],
    today: date,
    policy: FreshnessPolicy,
) -> Status:
    """The status of a fallback with ``tests`` (recorded order) protecting ``criticalities``."""
    last = latest(tests)
    if last is None:
        return Status.NEVER_TESTED
    if last.result is not Outcome.WORKED:
        return Status.FAILED
    age = today - last.tested_on
    max_age = policy.max_age[policy.governing(criticalities)]
    if age > max_age:
        return Status.OVERDUE
    if age > max_age - policy.due_soon:
        return Status.DUE_SOON
    return Status.CURRENT


# A vital process weighs three important ones.
WEIGHTS: dict[Criticality, int] = {
    Criticality.VITAL: 3,
    Criticality.CRITICAL: 2,
    Criticality.IMPORTANT: 1,
}


def risk(criticalities: Sequence[Criticality], organisations: int) -> int:
    """Weight of the most severe dependent process times number of them times organisations on
    the same supplier (its concentration). 0 when nothing depends on the service."""
    if not criticalities:
        return 0
    return max(WEIGHTS[level] for level in criticalities) * len(criticalities) * organisations


@dataclass(frozen=True)
class Candidate:
    """A fallback option as the drill plan weighs it."""

    key: str
    status: Status
    risk: int


C = TypeVar("C", bound=Candidate)


def not_current(candidates: Iterable[C]) -> list[C]:
    """The candidates whose status is not current, most urgent first (see ``URGENCY``);
    of equal status in the order given."""
    return sorted(
        (each for each in candidates if each.status is not Status.CURRENT),
        key=lambda each: URGENCY.index(each.status),
    )


def most_urgent(candidates: Sequence[C]) -> C:
    """The first candidate of the most urgent status; ``candidates`` must not be empty."""
    return min(candidates, key=lambda each: URGENCY.index(each.status))


def rank(candidates: Iterable[C]) -> list[C]:
    """The candidates that need a drill, highest risk first; then failed, never tested,
    overdue; then by id, so the order is stable."""
    return sorted(
        (each for each in candidates if each.status in NEEDS_DRILL),
        key=lambda each: (-each.risk, NEEDS_DRILL.index(each.status), each.key),
    )
