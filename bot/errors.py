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


class AlertAlreadyAcknowledged(DomainError):
    key = "error.alert_already_acknowledged"


class AlertAlreadyResolved(DomainError):
    key = "error.alert_already_resolved"


class UnknownSupplier(DomainError):
    key = "error.unknown_supplier"


class SituationClosed(DomainError):
    key = "error.situation_closed"


class AlertAlreadyTracked(DomainError):
    key = "error.alert_already_tracked"


class SupplierHasOpenSituation(DomainError):
    key = "error.supplier_has_open_situation"
