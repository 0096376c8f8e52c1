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


class NotAnIncidentRoom(DomainError):
    key = "error.not_an_incident_room"


class UnknownPlaybook(DomainError):
    key = "error.unknown_playbook"


class InvalidTransition(DomainError):
    key = "error.invalid_transition"


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
