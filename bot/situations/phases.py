"""The phases of a situation and which moves between them are allowed."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum


class Phase(StrEnum):
    """The phases a situation moves through."""

    SIGNAL = "signal"
    LAUWE_FASE = "lauwe_fase"
    CRISIS = "crisis"
    DE_ESCALATION = "de_escalation"
    EVALUATION = "evaluation"
    CLOSED = "closed"


# signal -> lauwe fase -> crisis -> de-escalation -> evaluation -> closed, plus the moves a
# taskforce really makes: a signal that is a false alarm is closed, a signal serious
# enough goes straight to crisis, a lauwe fase that calms down de-escalates, a
# de-escalation that flares up returns to crisis, and a crisis can be closed for
# evaluation directly (`!close`).
TRANSITIONS: Mapping[Phase, frozenset[Phase]] = {
    Phase.SIGNAL: frozenset({Phase.LAUWE_FASE, Phase.CRISIS, Phase.CLOSED}),
    Phase.LAUWE_FASE: frozenset({Phase.CRISIS, Phase.DE_ESCALATION, Phase.EVALUATION}),
    Phase.CRISIS: frozenset({Phase.DE_ESCALATION, Phase.EVALUATION}),
    Phase.DE_ESCALATION: frozenset({Phase.CRISIS, Phase.EVALUATION}),
    Phase.EVALUATION: frozenset({Phase.CLOSED}),
    Phase.CLOSED: frozenset(),
}

# Entering these phases stops the situation's timers (check-ins, reminders).
QUIET_PHASES = frozenset({Phase.EVALUATION, Phase.CLOSED})


def allowed_moves(current: Phase) -> list[Phase]:
    """The phases ``current`` may move to, in lifecycle order."""
    return [phase for phase in Phase if phase in TRANSITIONS[current]]


def timer_key_prefix(situation_id: int) -> str:
    """Every timer that belongs to a situation has a key starting with this."""
    return f"situation:{situation_id}:"
