"""Saying a broken hash chain out loud.

A situation's chain is verified whenever its log is read for people (``!log``,
``!report``, ``!close``) and daily for every open situation. A break is announced once
(to the coordination room, and to the incident room unless the reader there is already
told in the reply): the first broken entry is remembered in ``bot_state``, so the same
break is not announced again, while a different one, or one after a repair, is.
"""

from __future__ import annotations

from typing import Protocol

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot import i18n
from bot.decisionlog.log import ChainCheck, SituationLog
from bot.i18n import Language
from bot.situations.phases import Phase
from bot.storage.models import SituationRecord, StateRecord


class ChainNotifier(Protocol):
    """Announces a broken chain."""

    async def chain_broken(
        self, situation: SituationRecord, check: ChainCheck, *, incident_room: bool
    ) -> None:
        """Tell the coordination room (and the incident room if ``incident_room``)."""
        ...


def chain_broken_text(situation_id: int, check: ChainCheck, lang: Language) -> str:
    """The warning that ``situation_id``'s chain is broken (``check`` is not intact)."""
    assert check.problem is not None  # only called for a broken chain
    return i18n.text(
        "chain.broken",
        lang,
        id=situation_id,
        seq=check.first_broken_seq,
        problem=i18n.text(f"chain.problem.{check.problem.value}", lang),
    )


def _state_key(situation_id: int) -> str:
    return f"chain_broken:{situation_id}"


class ChainGuard:
    """Verifies situations' chains and announces each break once."""

    def __init__(self, session: AsyncSession, log: SituationLog, notifier: ChainNotifier) -> None:
        self._session = session
        self._log = log
        self._notifier = notifier

    async def check(self, situation: SituationRecord, *, reader_told: bool = False) -> ChainCheck:
        """Verify the situation's chain; announce a break not announced before.

        ``reader_told``: the check is for a reply in the incident room that starts with the
        break, so the incident room needs no separate notice.
        """
        check = await self._log.verify_and_checkpoint(situation.id)
        key = _state_key(situation.id)
        announced = await self._session.get(StateRecord, key)
        if check.intact:
            if announced is not None:
                await self._session.delete(announced)
            return check
        marker = str(check.first_broken_seq)
        if announced is not None and announced.value == marker:
            return check
        if announced is None:
            self._session.add(StateRecord(key=key, value=marker))
        else:
            announced.value = marker
        await self._notifier.chain_broken(situation, check, incident_room=not reader_told)
        return check

    async def check_open(self) -> list[ChainCheck]:
        """Verify every situation that is not closed (the daily check)."""
        situations = await self._session.scalars(
            select(SituationRecord)
            .where(SituationRecord.phase != Phase.CLOSED.value)
            .order_by(SituationRecord.id)
        )
        return [await self.check(situation) for situation in list(situations)]
