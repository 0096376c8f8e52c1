"""A kind of durable timer: the name stored with each timer and the model of its payload.

Each domain area declares its kinds in its ``timers.py``; it schedules through the kind,
so the payload is checked where it is written, and the handler (``bot/timers``) reads it
back through the same model. Names and payload keys are what the database holds: changing
one would orphan the timers already pending.
"""

from __future__ import annotations

from datetime import datetime
from typing import Generic, TypeVar

from pydantic import BaseModel, ConfigDict

from bot.scheduling.timers import Timers
from bot.storage.models import TimerRecord


class Payload(BaseModel):
    """Base of timer payloads; keys a newer version added are ignored on read."""

    model_config = ConfigDict(frozen=True, extra="ignore")


class NoPayload(Payload):
    """A timer that needs nothing but its kind."""


P = TypeVar("P", bound=Payload)


class TimerKind(Generic[P]):
    """A timer kind named ``name`` whose payload is a ``payload`` model."""

    def __init__(self, name: str, payload: type[P]) -> None:
        self.name = name
        self.payload = payload

    async def schedule(
        self, timers: Timers, due_at: datetime, payload: P, *, key: str | None = None
    ) -> TimerRecord:
        """Schedule this kind with ``payload`` at ``due_at`` (see ``Timers.schedule``)."""
        return await timers.schedule(self.name, due_at, payload.model_dump(mode="json"), key)

    def rewrite(self, timer: TimerRecord, payload: P) -> None:
        """Replace the payload of ``timer``, a pending timer of this kind read for update
        (``Timers.pending(key, lock=True)``)."""
        # A new dict: the JSON column tracks assignment, not changes inside the old one.
        timer.payload = payload.model_dump(mode="json")

    def read(self, timer: TimerRecord) -> P:
        """The payload of ``timer``, validated (ValidationError when it does not fit)."""
        return self.payload.model_validate(timer.payload)
