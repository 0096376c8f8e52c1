"""The timers of playbook runs: a reminder at a deadline, then one escalation."""

from __future__ import annotations

from bot.scheduling.kinds import Payload, TimerKind


class ForStep(Payload):
    """A step of a run."""

    situation_id: int
    run_id: int
    step_id: str


class ForDecision(Payload):
    """A decision point of a run."""

    situation_id: int
    run_id: int
    decision_id: str


STEP_REMINDER = TimerKind("playbook.step_reminder", ForStep)
STEP_ESCALATION = TimerKind("playbook.step_escalation", ForStep)
DECISION_REMINDER = TimerKind("playbook.decision_reminder", ForDecision)
DECISION_ESCALATION = TimerKind("playbook.decision_escalation", ForDecision)
