"""Recording decisions in a situation's log: what, why, which options, who was there."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from bot.clock import Clock
from bot.decisionlog.grounds import Withheld, ground_field
from bot.decisionlog.kinds import EntryKind
from bot.decisionlog.log import SituationLog
from bot.decisionlog.payloads import DecisionPayload, Option
from bot.decisionlog.timers import REVIEW_TIMER, ForEntry
from bot.errors import IncompleteDecision, MomentInThePast
from bot.scheduling.timers import Timers
from bot.situations.phases import timer_key_prefix
from bot.storage.models import LogEntryRecord


def review_timer_key(situation_id: int, seq: int) -> str:
    """The key of the reminder to review decision ``seq``; cancelled with the situation."""
    return f"{timer_key_prefix(situation_id)}decision-review:{seq}"


def option(text: str, *, chosen: bool = False, why_not: str | None = None) -> Option:
    """One option that was weighed, in the form ``DecisionService.decide`` takes."""
    return {"option": text, "chosen": chosen, "why_not": why_not}


class DecisionService:
    """Records what was decided, why, on what information, by whom and with whom present."""

    def __init__(self, log: SituationLog, timers: Timers, clock: Clock) -> None:
        self._log = log
        self._timers = timers
        self._clock = clock

    async def decide(
        self,
        situation_id: int,
        decided_by: str,
        decision: str,
        rationale: str,
        *,
        options: Sequence[Mapping[str, object]] = (),
        decision_point: str | None = None,
        information: str | None = None,
        present: Sequence[str] = (),
        review_at: datetime | None = None,
        decided_at: datetime | None = None,
        withheld: Withheld | None = None,
    ) -> LogEntryRecord:
        """Record a decision; the log stamps when it was written down.

        ``options`` are dicts ``{"option": str, "chosen": bool, "why_not": str | None}``;
        ``decided_at`` is when it was taken if earlier than now; with ``review_at`` the
        bot reminds the room to review it then. ``withheld``: not disclosable (for the
        ground it names). Raises IncompleteDecision without a
        decision or rationale and MomentInThePast for a review moment already gone.
        """
        required = (("decision", decision), ("rationale", rationale))
        missing = [name for name, value in required if not value.strip()]
        if missing:
            raise IncompleteDecision(missing=missing)
        if review_at is not None and review_at <= self._clock.now():
            raise MomentInThePast(moment=review_at.isoformat())
        payload: DecisionPayload = {
            "decision": decision.strip(),
            "rationale": rationale.strip(),
            "options": [_checked_option(each) for each in options],
            "decision_point": decision_point,
            "information": information,
            "present": sorted(set(present)),
            "review_at": review_at.isoformat() if review_at else None,
            **ground_field(withheld),
        }
        entry = await self._log.append(
            situation_id,
            EntryKind.DECISION,
            decided_by,
            payload,
            occurred_at=decided_at,
            disclosable=withheld is None,
        )
        if review_at is not None:
            await REVIEW_TIMER.schedule(
                self._timers,
                review_at,
                ForEntry(situation_id=situation_id, seq=entry.seq),
                key=review_timer_key(situation_id, entry.seq),
            )
        return entry


def _checked_option(value: Mapping[str, object]) -> Option:
    text, chosen, why_not = value.get("option"), value.get("chosen", False), value.get("why_not")
    if not isinstance(text, str) or not text.strip():
        raise ValueError(f"an option needs a non-empty 'option' text: {value!r}")
    if not isinstance(chosen, bool) or not (why_not is None or isinstance(why_not, str)):
        raise ValueError(f"option 'chosen' must be a bool and 'why_not' a str or None: {value!r}")
    return option(text.strip(), chosen=chosen, why_not=why_not.strip() if why_not else None)
