"""Domain errors. Adapters turn them into user text through the i18n catalogue (``key``)."""

from __future__ import annotations

from typing import Any, ClassVar


class DomainError(Exception):
    """A request the domain refuses; ``key`` names the message, ``params`` fill it in."""

    key: ClassVar[str] = "error.domain"

    def __init__(self, **params: Any) -> None:
        super().__init__(f"{self.key}: {params}")
        self.params = params


class AlertNotFound(DomainError):
    key = "error.alert_not_found"


class SituationNotFound(DomainError):
    key = "error.situation_not_found"


class AlreadyEscalated(DomainError):
    key = "error.already_escalated"


class IncidentRoomBeingOpened(DomainError):
    key = "error.incident_room_being_opened"


class NotAnIncidentRoom(DomainError):
    key = "error.not_an_incident_room"


class NotCoordinationRoom(DomainError):
    key = "error.not_coordination_room"


class FormInThread(DomainError):
    key = "error.form_in_thread"


class UnknownPlaybook(DomainError):
    key = "error.unknown_playbook"


class InvalidTransition(DomainError):
    key = "error.invalid_transition"


class AlertAlreadyAcknowledged(DomainError):
    key = "error.alert_already_acknowledged"


class AlertAlreadyResolved(DomainError):
    key = "error.alert_already_resolved"


class SnoozeNeedsSourceId(DomainError):
    """An alert without the source's own id: its repeats cannot be recognised."""

    key = "error.snooze_needs_source_id"


class NotSnoozed(DomainError):
    key = "error.not_snoozed"


class UnknownSupplier(DomainError):
    key = "error.unknown_supplier"


class UnknownFallback(DomainError):
    key = "error.unknown_fallback"


class FallbackTestRefused(DomainError):
    """Only a fallback option's owner or a coordinator records its tests."""

    key = "error.fallback_test_refused"


class ImprovementRefused(DomainError):
    """Only a fallback option's owner, an improvement action's owner or a coordinator
    marks its improvement actions done."""

    key = "error.improvement_refused"


class NoOpenImprovement(DomainError):
    """The fallback option has no improvement action that is not done."""

    key = "error.no_open_improvement"


class DrillPlanRefused(DomainError):
    """Only a fallback option's owner or a coordinator plans its drills."""

    key = "error.drill_plan_refused"


class DrillChangeRefused(DomainError):
    """Only a fallback option's owner or a coordinator cancels or moves its drills."""

    key = "error.drill_change_refused"


class UnknownDrill(DomainError):
    """No drill with this id is planned (now or later)."""

    key = "error.unknown_drill"


# --- playbook runs ------------------------------------------------------------------------


class RunRefused(DomainError):
    """A command does not fit the state of a playbook run; nothing changed."""

    key = "error.run_refused"


class UnknownStep(RunRefused):
    key = "error.unknown_step"


class StepAlreadyDone(RunRefused):
    key = "error.step_already_done"


class StepAlreadySkipped(RunRefused):
    key = "error.step_already_skipped"


class StepNotApplicable(RunRefused):
    key = "error.step_not_applicable"


class StepNotOpen(RunRefused):
    key = "error.step_not_open"


class StepWaitsForDecision(RunRefused):
    key = "error.step_waits_for_decision"


class StepWaitsForFact(RunRefused):
    key = "error.step_waits_for_fact"


class UnknownChecklistItem(RunRefused):
    key = "error.unknown_checklist_item"


class ChecklistItemAlreadyChecked(RunRefused):
    key = "error.checklist_item_already_checked"


class UnknownDecision(RunRefused):
    key = "error.unknown_decision"


class UnknownOption(RunRefused):
    key = "error.unknown_option"


class PlaybookAlreadyRunning(RunRefused):
    key = "error.playbook_already_running"


class DecisionAlreadyTaken(RunRefused):
    key = "error.decision_already_taken"


class DecisionNotOpen(RunRefused):
    key = "error.decision_not_open"


class DecisionNotApplicable(RunRefused):
    key = "error.decision_not_applicable"


class UnknownFact(RunRefused):
    key = "error.unknown_fact"


class FactAlreadySet(RunRefused):
    key = "error.fact_already_set"


class InvalidFactValue(RunRefused):
    key = "error.invalid_fact_value"


class NoRunningPlaybook(DomainError):
    key = "error.no_running_playbook"


class AmbiguousRun(DomainError):
    key = "error.ambiguous_run"


class UnknownRun(DomainError):
    key = "error.unknown_run"


class UnknownIncidentRole(DomainError):
    key = "error.unknown_incident_role"


class RoleChangeRefused(DomainError):
    key = "error.role_change_refused"


class RoleHolderUnknown(DomainError):
    """A role was given to someone neither in the incident room nor in the taskforce."""

    key = "error.role_holder_unknown"


class DecisionRoleRefused(DomainError):
    """The sender does not hold the role that decides a decision point (nor coordinates)."""

    key = "error.decision_role_refused"


class DecisionForCoordinator(DecisionRoleRefused):
    """The decision point is the coordinator's, and the sender is not the coordinator."""

    key = "error.decision_for_coordinator"


class DecisionRoleVacant(DecisionRoleRefused):
    """Nobody holds the deciding role, so only the coordinator may decide."""

    key = "error.decision_role_vacant"


class LogEntryNotFound(DomainError):
    key = "error.log_entry_not_found"


class IncompleteDecision(DomainError):
    key = "error.incomplete_decision"


class MomentInThePast(DomainError):
    key = "error.moment_in_the_past"


class NotAnAction(DomainError):
    key = "error.not_an_action"


class InvalidMoment(DomainError):
    key = "error.invalid_moment"


class SituationClosed(DomainError):
    key = "error.situation_closed"


class AlertAlreadyTracked(DomainError):
    key = "error.alert_already_tracked"


class SupplierHasOpenSituation(DomainError):
    key = "error.supplier_has_open_situation"


class NoExercisePlayers(DomainError):
    """No exercise can start: no player accounts (or no running bot to play against)."""

    key = "exercise.no_players"
