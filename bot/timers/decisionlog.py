"""Timer handlers: remind the incident room of decisions to review and actions due."""

from __future__ import annotations

import logging

from bot import i18n
from bot.decisionlog.log import EntryKind
from bot.matrix.content import text_content
from bot.services import Services
from bot.storage.models import TimerRecord

log = logging.getLogger(__name__)


async def review_due(services: Services, timer: TimerRecord) -> None:
    """Ask the room to review a decision whose review moment has come."""
    await _remind(services, timer, "decision.review_due")


async def action_due(services: Services, timer: TimerRecord) -> None:
    """Tell the room (and the owner, by name) that an action is due and not done."""
    await _remind(services, timer, "action.due")


async def _remind(services: Services, timer: TimerRecord, key: str) -> None:
    situation_id, seq = timer.payload["situation_id"], timer.payload["seq"]
    situation = await services.situations.get(situation_id)
    entry = await services.log.entry(situation_id, seq)
    if situation.incident_room_id is None or entry is None:
        log.warning("reminder %s for situation %s has nowhere to go", timer.key, situation_id)
        return
    if entry.kind == EntryKind.ACTION and await services.actions.is_done(situation_id, seq):
        return
    # A timer is not tied to a command, so it has no language of its own: say it in both.
    message = i18n.text_in_both(key, "nl", seq=seq, **entry.payload)
    await services.outbox.post(situation.incident_room_id, text_content(message))
