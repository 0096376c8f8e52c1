"""Timer handlers of situations: lauwe-fase check-ins, and sitrep requests in incidents."""

from __future__ import annotations

from typing import Any

from bot import i18n
from bot.i18n import Language, format_time
from bot.matrix.content import text_content
from bot.matrix.notices import timer_notice
from bot.services import Services
from bot.situations.phases import QUIET_PHASES, Phase
from bot.situations.roles import COORDINATOR
from bot.situations.sitreps import SCRIBE, sitrep_owners
from bot.situations.timers import CHECKIN_TIMER, OVERDUE_TIMER, SITREP_TIMER, ForSituation
from bot.storage.models import TimerRecord
from bot.timers.registry import Timer


async def checkin_due(services: Services, about: ForSituation, _: TimerRecord) -> None:
    """A situation's check-in came due: ask its owner for an update."""
    await services.watch.checkin_due(about.situation_id)


async def checkin_overdue(services: Services, about: ForSituation, _: TimerRecord) -> None:
    """A check-in went unanswered for the grace period: remind the owner once."""
    await services.watch.checkin_overdue(about.situation_id)


async def sitrep_due(services: Services, about: ForSituation, timer: TimerRecord) -> None:
    """Mention the scribe (else the coordinator) for a sitrep; set the next reminder."""
    situation = await services.situations.get(about.situation_id)
    room = situation.incident_room_id
    if room is None or Phase(situation.phase) in QUIET_PHASES:
        return
    fired_at = timer.fired_at
    assert fired_at is not None  # the runner stamps it before calling the handler
    mentioned = sitrep_owners(await services.roles.holders(situation.id))
    last = await services.sitreps.latest(situation.id)

    def compose(lang: Language) -> dict[str, Any]:
        who = ", ".join(mentioned) or i18n.text(
            "sitrep.nobody", lang, scribe=SCRIBE, coordinator=COORDINATOR
        )
        since = (
            i18n.text("sitrep.none_yet", lang)
            if last is None
            else format_time(
                last.occurred_at,
                services.playbook_runs.policy.timezone,
                lang,
                services.clock.now(),
            )
        )
        return text_content(i18n.text("sitrep.reminder", lang, who=who, last=since))

    # A check-in: in both languages, mailed too while Matrix is unreachable.
    await services.outbox.post(room, timer_notice(compose, mentions=mentioned))
    await services.sitreps.reminded(situation.id, mentioned, fired_at)


TIMERS = (
    Timer(CHECKIN_TIMER, checkin_due),
    Timer(OVERDUE_TIMER, checkin_overdue),
    Timer(SITREP_TIMER, sitrep_due),
)
