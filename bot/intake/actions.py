"""Carrying out what an intake request asks, inside its transaction."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import inspect

from bot.alerts.lookups import Needs
from bot.alerts.service import AlertStatus, dedup_key
from bot.intake.formats.common import Acknowledge, IntakeAction, Receive, Resolve
from bot.services import Services
from bot.storage.models import AlertRecord


@dataclass(frozen=True)
class Outcome:
    """What became of one action: the alert concerned and what happened to it."""

    alert: AlertRecord | None
    status: str  # accepted | updated | acknowledged | resolved | ignored

    @property
    def alert_id(self) -> int | None:
        """The alert's id; set once its batch has flushed (read it after the commit)."""
        if self.alert is None:
            return None
        # From the identity key, not the attribute: a later unit's rolled-back savepoint
        # may have expired the alert, and after the commit nothing can load it again.
        identity = inspect(self.alert).identity
        return None if identity is None else int(identity[0])

    def as_json(self) -> dict[str, int | str | None]:
        """The outcome in an intake answer."""
        return {"id": self.alert_id, "status": self.status}


async def apply(services: Services, action: IntakeAction, source: str) -> Outcome:
    """Receive, acknowledge or resolve; a source's word on an unknown alert is ignored."""
    if isinstance(action, Receive):
        # Inserted with the batch's other alerts when it settles (one statement).
        alert = await services.alerts.receive(action.alert, flush=False)
        return Outcome(alert, "accepted" if alert.count == 1 else "updated")
    found = await services.alerts.find_unresolved(source, action.external_id)
    if found is None:
        # E.g. a resolved notice for an alert that fired before the bot knew the source;
        # refusing it would only make the sender retry forever.
        return Outcome(None, "ignored")
    if isinstance(action, Acknowledge):
        if found.status != AlertStatus.OPEN:
            return Outcome(found, "ignored")
        await services.alerts.acknowledge(found.id, source)
        return Outcome(found, "acknowledged")
    assert isinstance(action, Resolve)
    await services.alerts.resolve(found.id, source)
    return Outcome(found, "resolved")


def needs(actions: Sequence[IntakeAction], source: str) -> Needs:
    """What ``apply`` will look up for ``actions`` from ``source``, to read in advance."""
    keys: set[str] = set()
    suppliers: set[str] = set()
    for action in actions:
        if isinstance(action, Receive):
            alert = action.alert
            key = dedup_key(alert.source, alert.external_id, alert.exercise)
            suppliers.add(action.alert.supplier)
        else:
            key = dedup_key(source, action.external_id)
        if key is not None:
            keys.add(key)
    return Needs(frozenset(keys), frozenset(suppliers))
