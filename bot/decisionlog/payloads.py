"""What each kind of log entry holds: one ``TypedDict`` per ``EntryKind``, in one table.

The payload is part of an entry's hash, so these types describe the JSON as it is stored;
they change nothing in it. A key added to a kind after entries of it were written is
``NotRequired``: older chains hold entries without it, and readers fall back for them.

Writing: ``SituationLog.append`` checks every payload against its kind's type (strict:
no extra keys, no coercion) before it is hashed, because an entry can never be fixed
afterwards. Reading: ``DECISION.of(entry)`` returns the entry's payload as its type
instead of string keys and casts at each reader (``matching`` does the same for a
payload held apart from its record).

Adding a kind: a ``TypedDict`` here, an ``EntryType`` line, and that line in ``ENTRY_TYPES``
(``tests/test_log_payloads.py`` fails for a kind without one).
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import Any, Generic, NotRequired, TypeVar, cast

from pydantic import ConfigDict, TypeAdapter

# pydantic reads TypedDicts from typing_extensions only on Python < 3.12.
from typing_extensions import TypedDict

from bot.decisionlog.kinds import EntryKind
from bot.storage.models import LogEntryRecord

STRICT = ConfigDict(extra="forbid", strict=True)
"""How payloads are checked: no keys beyond their type's, no coercion (an int is no str,
a bool no int), so what is stored is exactly what the type says."""


class Payload(TypedDict):
    """Base of the payload types: carries the strict check (nested types included)."""


# mypy sees no class attributes on a TypedDict; pydantic reads this one (subclasses
# inherit it). ``with_config`` would do the same, but mypy cannot follow it.
Payload.__pydantic_config__ = STRICT  # type: ignore[attr-defined]


class Grounded(Payload, total=False):
    """A payload that may name the Woo ground its entry is withheld for (``WooGround.key``),
    stored under ``ground`` so the entry's hash covers it (``bot/decisionlog/grounds.py``)."""

    ground: str


# --- the situation and its phases ---------------------------------------------------------


class SituationOpenedPayload(Payload):
    """``situation_opened``: the alert that started the situation."""

    alert_id: int
    supplier: str
    title: str


# "from" is a keyword, so this one is declared in the functional form.
PhaseChangedPayload = TypedDict(
    "PhaseChangedPayload", {"from": str | None, "to": str, "reason": str}
)
"""``phase_changed``: from which phase to which (``Phase`` values), and why; the first
versions wrote no ``from`` when a situation was opened straight into crisis."""
# The functional form takes no base, so it gets the strict check this way.
PhaseChangedPayload.__pydantic_config__ = STRICT  # type: ignore[attr-defined]


class IncidentRoomOpenedPayload(Payload):
    """``incident_room_opened``: the room and the taskforce invited to it."""

    room_id: str
    invited: list[str]


class AlertAttachedPayload(Payload):
    """``alert_attached``: an alert that joined the open situation of its supplier."""

    alert_id: int
    supplier: str
    severity: str
    title: str


class RoleAssignedPayload(Payload):
    """``role_assigned``: ``user`` holds ``role`` now, in place of ``replaces``."""

    user: str
    role: str
    replaces: list[str]


class OwnerSetPayload(Payload):
    """``owner_set``: who is asked for updates now, and who was before."""

    owner: str
    previous: str


class SituationUpdatePayload(Payload):
    """``situation_update``: an update, and the phase the situation was in."""

    text: str
    phase: str


class Evidence(Payload, total=False):
    """What made an escalation rule fire; which keys depends on the rule."""

    alert_id: int
    severity: str
    title: str
    count: int
    hours: str
    processes: list[str]


class EscalationProposedPayload(Evidence):
    """``escalation_proposed``: the rule (an ``EscalationRule``) and its evidence."""

    rule: str


class SnoozedPayload(Payload):
    """``snoozed``: alerts of ``target`` held back until ``until`` (ISO-8601)."""

    target: str
    until: str
    reason: str


class SnoozeEndedPayload(Payload):
    """``snooze_ended``: the snooze of ``target`` ended; ``count`` alerts came meanwhile."""

    target: str
    count: int


class FallbackTestedPayload(Payload):
    """``fallback_tested``: fallback option ``fallback`` was tested (``kind``) with
    ``result`` (worked, partly, failed), taking ``duration_minutes`` if given."""

    fallback: str
    result: str
    kind: str
    duration_minutes: int | None
    notes: str


class DrillPlannedPayload(Payload):
    """``drill_planned``: drill ``drill_id`` of fallback option ``fallback`` planned for
    ``due_at`` (ISO), with exercise ``scenario`` or (None) as a tabletop."""

    drill_id: int
    fallback: str
    due_at: str
    scenario: str | None


class DrillCancelledPayload(Payload):
    """``drill_cancelled``: planned drill ``drill_id`` of fallback option ``fallback``
    (due ``due_at``, ISO) cancelled."""

    drill_id: int
    fallback: str
    due_at: str


class DrillMovedPayload(Payload):
    """``drill_moved``: planned drill ``drill_id`` of fallback option ``fallback`` moved
    from ``previous_due_at`` to ``due_at`` (both ISO)."""

    drill_id: int
    fallback: str
    previous_due_at: str
    due_at: str


# --- the record: decisions, actions, notes ------------------------------------------------


class Option(Payload):
    """One option weighed in a decision; ``why_not`` says why it was rejected."""

    option: str
    chosen: bool
    why_not: str | None


class DecisionPayload(Grounded):
    """``decision``: what, why, which options, on what information, who was present.

    The first decisions held only the decision and its rationale.
    """

    decision: str
    rationale: str
    options: NotRequired[list[Option]]
    decision_point: NotRequired[str | None]
    information: NotRequired[str | None]
    present: NotRequired[list[str]]
    review_at: NotRequired[str | None]


class ActionPayload(Payload):
    """``action``: a task with an owner and an optional deadline (ISO-8601)."""

    owner: str
    action: str
    due_at: str | None


class ActionDonePayload(Payload):
    """``action_done``: action entry ``action_seq`` is done."""

    action_seq: int
    action: str


class TextPayload(Grounded):
    """``note``, ``lesson``, ``sitrep``: a text (and the ground of a confidential one)."""

    text: str


class CorrectionPayload(Grounded):
    """``correction``: the text superseding the entry in ``corrects_seq``."""

    correction: str


# --- playbook runs (their state is replayed from these) -----------------------------------


class PlaybookStartedPayload(Payload):
    """``playbook_started``: the run and the snapshot of the playbook it follows."""

    run_id: int
    playbook_id: str
    playbook_version: str
    playbook_sha256: NotRequired[str]  # since playbook snapshots were kept
    first_step: str


class StepPayload(Payload):
    """The step an entry of a run is about, and its deadline as planned (ISO-8601)."""

    run_id: int
    step_id: str
    step_number: int
    planned_due: str


class StepDonePayload(StepPayload):
    """``step_done``: a step done, with an optional note."""

    note: NotRequired[str]


class StepSkippedPayload(StepPayload):
    """``step_skipped``: a step skipped on purpose, and why."""

    reason: str


class ChecklistCheckedPayload(StepPayload):
    """``checklist_checked``: checklist item ``item`` (1-based) of a step ticked."""

    item: int


class OptionChosenPayload(Payload):
    """``option_chosen``: a decision point decided; ``decision_entry`` is its decision."""

    run_id: int
    decision_id: str
    option_id: str
    decision_entry: int


class FactSetPayload(Payload):
    """``fact_set``: a fact the run's conditions depend on (a ``FactValue``)."""

    run_id: int
    fact_id: str
    value: bool | str


class ReminderSentPayload(Payload):
    """``reminder_sent``: who was reminded of what; ``run_id`` for a playbook's step or
    decision (``subject_id`` its id), none for a sitrep (``subject_id`` the situation)."""

    run_id: NotRequired[int]
    subject: str
    subject_id: str | int
    stage: str
    mentioned: list[str]


# --- the table ----------------------------------------------------------------------------

P = TypeVar("P", bound=Mapping[str, object], covariant=True)


class EntryType(Generic[P]):
    """A kind of log entry and the type of its payload."""

    def __init__(self, kind: EntryKind, payload: type[P]) -> None:
        self.kind = kind
        self.payload = payload

    def of(self, entry: LogEntryRecord) -> P:
        """The payload of ``entry``, which must be of this kind (ValueError otherwise).

        Not validated: what was written was checked then, and older entries may lack
        the keys that are ``NotRequired``.
        """
        if entry.kind != self.kind.value:
            raise ValueError(f"log entry {entry.seq} is {entry.kind}, not {self.kind.value}")
        return cast(P, entry.payload)

    def matching(self, kind: str, payload: Mapping[str, object]) -> P | None:
        """``payload`` as this type if ``kind`` is this type's kind, else None: for readers
        that sift entries of several kinds held apart from their records."""
        return cast(P, payload) if kind == self.kind.value else None


SITUATION_OPENED = EntryType(EntryKind.SITUATION_OPENED, SituationOpenedPayload)
PHASE_CHANGED = EntryType(EntryKind.PHASE_CHANGED, PhaseChangedPayload)
INCIDENT_ROOM_OPENED = EntryType(EntryKind.INCIDENT_ROOM_OPENED, IncidentRoomOpenedPayload)
PLAYBOOK_STARTED = EntryType(EntryKind.PLAYBOOK_STARTED, PlaybookStartedPayload)
DECISION = EntryType(EntryKind.DECISION, DecisionPayload)
ALERT_ATTACHED = EntryType(EntryKind.ALERT_ATTACHED, AlertAttachedPayload)
STEP_DONE = EntryType(EntryKind.STEP_DONE, StepDonePayload)
STEP_SKIPPED = EntryType(EntryKind.STEP_SKIPPED, StepSkippedPayload)
CHECKLIST_CHECKED = EntryType(EntryKind.CHECKLIST_CHECKED, ChecklistCheckedPayload)
OPTION_CHOSEN = EntryType(EntryKind.OPTION_CHOSEN, OptionChosenPayload)
FACT_SET = EntryType(EntryKind.FACT_SET, FactSetPayload)
REMINDER_SENT = EntryType(EntryKind.REMINDER_SENT, ReminderSentPayload)
ROLE_ASSIGNED = EntryType(EntryKind.ROLE_ASSIGNED, RoleAssignedPayload)
ACTION = EntryType(EntryKind.ACTION, ActionPayload)
ACTION_DONE = EntryType(EntryKind.ACTION_DONE, ActionDonePayload)
NOTE = EntryType(EntryKind.NOTE, TextPayload)
LESSON = EntryType(EntryKind.LESSON, TextPayload)
CORRECTION = EntryType(EntryKind.CORRECTION, CorrectionPayload)
OWNER_SET = EntryType(EntryKind.OWNER_SET, OwnerSetPayload)
SITUATION_UPDATE = EntryType(EntryKind.SITUATION_UPDATE, SituationUpdatePayload)
ESCALATION_PROPOSED = EntryType(EntryKind.ESCALATION_PROPOSED, EscalationProposedPayload)
SITREP = EntryType(EntryKind.SITREP, TextPayload)
SNOOZED = EntryType(EntryKind.SNOOZED, SnoozedPayload)
SNOOZE_ENDED = EntryType(EntryKind.SNOOZE_ENDED, SnoozeEndedPayload)
FALLBACK_TESTED = EntryType(EntryKind.FALLBACK_TESTED, FallbackTestedPayload)
DRILL_PLANNED = EntryType(EntryKind.DRILL_PLANNED, DrillPlannedPayload)
DRILL_CANCELLED = EntryType(EntryKind.DRILL_CANCELLED, DrillCancelledPayload)
DRILL_MOVED = EntryType(EntryKind.DRILL_MOVED, DrillMovedPayload)

ENTRY_TYPES: dict[EntryKind, EntryType[Any]] = {
    entry_type.kind: entry_type
    for entry_type in (
        SITUATION_OPENED,
        PHASE_CHANGED,
        INCIDENT_ROOM_OPENED,
        PLAYBOOK_STARTED,
        DECISION,
        ALERT_ATTACHED,
        STEP_DONE,
        STEP_SKIPPED,
        CHECKLIST_CHECKED,
        OPTION_CHOSEN,
        FACT_SET,
        REMINDER_SENT,
        ROLE_ASSIGNED,
        ACTION,
        ACTION_DONE,
        NOTE,
        LESSON,
        CORRECTION,
        OWNER_SET,
        SITUATION_UPDATE,
        ESCALATION_PROPOSED,
        SITREP,
        SNOOZED,
        SNOOZE_ENDED,
        FALLBACK_TESTED,
        DRILL_PLANNED,
        DRILL_CANCELLED,
        DRILL_MOVED,
    )
}
"""Every entry kind's type; ``SituationLog.append`` refuses a kind missing here."""


@cache
def _adapter(kind: EntryKind) -> TypeAdapter[Any]:
    return TypeAdapter(ENTRY_TYPES[kind].payload)  # built once per kind


def check_payload(kind: EntryKind, payload: Mapping[str, object]) -> None:
    """Raise ``pydantic.ValidationError`` unless ``payload`` fits ``kind``'s type
    (KeyError for a kind without a type)."""
    _adapter(kind).validate_python(payload)
