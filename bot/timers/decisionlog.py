"""Timer handlers of the decision log: decisions to review, actions due, the chain check."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from bot import i18n
from bot.decisionlog.kinds import EntryKind
from bot.decisionlog.timers import CHAIN_CHECK_TIMER, DUE_TIMER, REVIEW_TIMER, ForEntry
from bot.i18n import Language
from bot.matrix.content import text_content
from bot.matrix.notices import MAIL_TEXT_FIELD, timer_notice
from bot.scheduling.kinds import NoPayload
from bot.services import Services
from bot.storage.models import TimerRecord
from bot.timers.registry import Timer

log = logging.getLogger(__name__)

CHAIN_CHECK_KEY = "chain-check"
CHAIN_CHECK_INTERVAL = timedelta(days=1)


async def review_due(services: Services, entry: ForEntry, timer: TimerRecord) -> None:
    """Ask the room to review a decision whose review moment has come."""
    await _remind(services, entry, timer, "decision.review_due")


async def action_due(services: Services, entry: ForEntry, timer: TimerRecord) -> None:
    """Tell the room (and the owner, by name) that an action is due and not done."""
    await _remind(services, entry, timer, "action.due")


async def _remind(services: Services, about: ForEntry, timer: TimerRecord, key: str) -> None:
    situation_id, seq = about.situation_id, about.seq
    situation = await services.situations.get(situation_id)
    entry = await services.log.entry(situation_id, seq)
    if situation.incident_room_id is None or entry is None:
        log.warning("reminder %s for situation %s has nowhere to go", timer.key, situation_id)
        return
    if entry.kind == EntryKind.ACTION and await services.actions.is_done(situation_id, seq):
        return

    def compose(lang: Language) -> dict[str, Any]:
        content = text_content(i18n.text(key, lang, seq=seq, **entry.payload))
        if not entry.disclosable:
            # The room is the taskforce's own; a mail may travel anywhere.
            content[MAIL_TEXT_FIELD] = i18n.text(
                "reminder.withheld", lang, seq=seq, id=situation_id
            )
        return content

    # A deadline: in both languages, mailed too while Matrix is unreachable.
    await services.outbox.post(situation.incident_room_id, timer_notice(compose))


async def arm_chain_check(services: Services) -> None:
    """Make sure the daily check is pending (the first start, or after a failed run)."""
    if await services.timers.pending(CHAIN_CHECK_KEY) is None:
        await _schedule_next_check(services)


async def chain_check_due(services: Services, _: NoPayload, __: TimerRecord) -> None:
    """Verify every open situation's chain, then schedule the next check a day later."""
    await services.chains.check_open()
    await _schedule_next_check(services)


async def _schedule_next_check(services: Services) -> None:
    # One keyed timer: scheduling again re-arms the fired one instead of adding another.
    await CHAIN_CHECK_TIMER.schedule(
        services.timers,
        services.clock.now() + CHAIN_CHECK_INTERVAL,
        NoPayload(),
        key=CHAIN_CHECK_KEY,
    )


TIMERS = (
    Timer(REVIEW_TIMER, review_due),
    Timer(DUE_TIMER, action_due),
    Timer(CHAIN_CHECK_TIMER, chain_check_due),
)
