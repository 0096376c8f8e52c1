"""Handling one Matrix event exactly once: authorise, claim, run in a savepoint, answer.

Commands, thread replies and reactions all go through ``run_once``, so each of them is
claimed in the same transaction as its effects: a crash leaves all of them or none.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from bot.commands.access import AccessPolicy, Role
from bot.commands.arguments import UsageError
from bot.errors import DomainError
from bot.services import ServiceFactory, Services
from bot.storage.db import after_commit

log = logging.getLogger(__name__)

Action = Callable[[Services], Awaitable[None]]
Refusal = Callable[[Services, Role | None], Awaitable[None]]
ErrorReply = Callable[[Services, DomainError | UsageError], Awaitable[None]]
OutcomeHook = Callable[[str], None]


@dataclass(frozen=True)
class Event:
    """Who sent which event where."""

    event_id: str
    room_id: str
    sender: str


async def run_once(
    factory: ServiceFactory,
    access: AccessPolicy,
    event: Event,
    needs: Role,
    action: Action,
    *,
    refuse: Refusal | None = None,
    on_error: ErrorReply | None = None,
    on_outcome: OutcomeHook = lambda _outcome: None,
) -> str:
    """Run ``action`` for ``event`` once, if its sender holds ``needs``; the outcome.

    Without ``refuse`` an unauthorised event is ignored (and not claimed); with it, the
    refusal is claimed and answered once. A DomainError or UsageError undoes the action's
    savepoint and goes to ``on_error``. Outcomes: ok, duplicate, refused, usage, error.
    ``on_outcome`` hears the outcome once, before any answer can be sent.
    """
    role = access.role_of(event.sender)
    allowed = role is not None and role >= needs
    if not allowed and refuse is None:
        log.info("ignored %s from %s: not allowed", event.event_id, event.sender)
        on_outcome("refused")
        return "refused"
    outcome = "error"
    try:
        async with factory.transaction() as services:
            # Heard at commit, by a hook registered before anything is queued: commit hooks
            # run in order, so the outcome is known before the outbox is woken to send the
            # answer (whoever sees the answer sees it counted).
            after_commit(services.session, lambda: on_outcome(outcome))
            outcome = await _claim_and_act(services, event, role, allowed, action, refuse, on_error)
    except Exception:
        log.exception("event %s failed", event.event_id)
        on_outcome("error")  # rolled back: the commit hook never ran
        return "error"
    return outcome


async def _claim_and_act(
    services: Services,
    event: Event,
    role: Role | None,
    allowed: bool,
    action: Action,
    refuse: Refusal | None,
    on_error: ErrorReply | None,
) -> str:
    if not await services.handled_events.claim(event.event_id, event.room_id):
        return "duplicate"
    if not allowed:
        assert refuse is not None
        await refuse(services, role)
        return "refused"
    try:
        # A savepoint: a refused action leaves nothing behind but its answer.
        async with services.session.begin_nested():
            await action(services)
    except (DomainError, UsageError) as exc:
        if on_error is not None:
            await on_error(services, exc)
        return "usage" if isinstance(exc, UsageError) else "refused"
    return "ok"
