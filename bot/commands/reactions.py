"""Reactions on alert notices: 👍 acknowledges the alert, ✅ resolves it; on a grouped
summary they act on every alert it covers.

The reacted-to event is matched to an alert through the outbox row its notice was sent
from, so no event has to be fetched from the homeserver. Each reaction is handled once
(claimed like a command); reactions from outside the taskforce change nothing.
"""

from __future__ import annotations

import logging

from sqlalchemy import select

from bot.commands.access import AccessPolicy, Role
from bot.commands.arguments import UsageError
from bot.commands.once import Event, run_once
from bot.errors import DomainError
from bot.matrix.events import IncomingReaction
from bot.services import ServiceFactory, Services
from bot.storage.models import AlertRecord, OutboxRecord

log = logging.getLogger(__name__)

ACKNOWLEDGE = "👍"
RESOLVE = "✅"
# Variation selectors and skin tones: 👍🏽 and ✅️ mean the same as 👍 and ✅.
_DECORATIONS = dict.fromkeys([0xFE0E, 0xFE0F, *range(0x1F3FB, 0x1F400)])


def plain_key(key: str) -> str:
    """The reaction without variation selector or skin tone."""
    return key.translate(_DECORATIONS).strip()


async def alert_of_notice(services: Services, event_id: str) -> AlertRecord | None:
    """The alert whose notice was delivered as ``event_id``."""
    return await services.session.scalar(
        select(AlertRecord)
        .join(OutboxRecord, OutboxRecord.id == AlertRecord.notice_outbox_id)
        .where(OutboxRecord.event_id == event_id)
    )


async def summary_of_event(services: Services, event_id: str) -> int | None:
    """The outbox row of the grouped summary delivered as ``event_id``, if it is one."""
    return await services.session.scalar(
        select(OutboxRecord.id)
        .join(AlertRecord, AlertRecord.summary_outbox_id == OutboxRecord.id)
        .where(OutboxRecord.event_id == event_id)
        .limit(1)
    )


class ReactionHandler:
    """Turns 👍 and ✅ on alert notices into acknowledge and resolve."""

    def __init__(self, factory: ServiceFactory, access: AccessPolicy) -> None:
        self._factory = factory
        self._access = access

    async def handle(self, reaction: IncomingReaction) -> None:
        """Act on ``reaction`` if it is one of ours, by a member, on an alert notice."""
        key = plain_key(reaction.key)
        if key not in (ACKNOWLEDGE, RESOLVE):
            return

        async def act(services: Services) -> None:
            alert = await alert_of_notice(services, reaction.reacts_to)
            if alert is None:
                await self._on_summary(services, reaction, key)
            elif key == ACKNOWLEDGE:
                await services.alerts.acknowledge(alert.id, reaction.sender)
            else:
                await services.alerts.resolve(alert.id, reaction.sender)

        async def unchanged(_services: Services, exc: DomainError | UsageError) -> None:
            # Already acknowledged or resolved: the notice already says so.
            log.info("reaction %s on %s: %s", key, reaction.reacts_to, exc)

        event = Event(reaction.event_id, reaction.room_id, reaction.sender)
        await run_once(self._factory, self._access, event, Role.MEMBER, act, on_error=unchanged)

    async def _on_summary(self, services: Services, reaction: IncomingReaction, key: str) -> None:
        """👍 or ✅ on a grouped summary: acknowledge or resolve every alert it covers."""
        summary = await summary_of_event(services, reaction.reacts_to)
        if summary is None:
            return
        alerts = await services.alerts.of_summary(summary)
        if key == ACKNOWLEDGE:
            await services.alerts.acknowledge_all(alerts, reaction.sender)
        else:
            await services.alerts.resolve_all(alerts, reaction.sender)
