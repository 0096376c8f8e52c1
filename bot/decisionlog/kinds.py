"""The kinds of log entry; what each one holds is in ``bot/decisionlog/payloads.py``."""

from __future__ import annotations

from enum import StrEnum


class EntryKind(StrEnum):
    """What a log entry records."""

    SITUATION_OPENED = "situation_opened"
    PHASE_CHANGED = "phase_changed"
    INCIDENT_ROOM_OPENED = "incident_room_opened"
    PLAYBOOK_STARTED = "playbook_started"
    DECISION = "decision"
    ALERT_ATTACHED = "alert_attached"
    # Playbook runs (bot/playbooks/runs.py): a run's state is replayed from these.
    STEP_DONE = "step_done"
    STEP_SKIPPED = "step_skipped"
    CHECKLIST_CHECKED = "checklist_checked"
    OPTION_CHOSEN = "option_chosen"
    FACT_SET = "fact_set"
    REMINDER_SENT = "reminder_sent"
    ROLE_ASSIGNED = "role_assigned"
    ACTION = "action"
    ACTION_DONE = "action_done"
    NOTE = "note"
    LESSON = "lesson"
    CORRECTION = "correction"
    OWNER_SET = "owner_set"
    SITUATION_UPDATE = "situation_update"
    ESCALATION_PROPOSED = "escalation_proposed"
    SITREP = "sitrep"
    SNOOZED = "snoozed"
    SNOOZE_ENDED = "snooze_ended"
    # A test of a fallback option typed in the incident room (bot/suppliers/fallbacks.py).
    FALLBACK_TESTED = "fallback_tested"
    # A drill planned with !drill plan in the incident room (bot/suppliers/drills.py).
    DRILL_PLANNED = "drill_planned"
    # A planned drill cancelled or moved with !drill cancel/move in the incident room.
    DRILL_CANCELLED = "drill_cancelled"
    DRILL_MOVED = "drill_moved"
