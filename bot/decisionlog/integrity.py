"""Saying a broken hash chain out loud.

A situation's chain is verified whenever its log is read for people (``!log``,
``!report``, ``!close``) and daily for every open situation. A break is announced once
(to the coordination room, and to the incident room unless the reader there is already
told in the reply): the first broken entry is remembered in ``bot_state``, so the same
break is not announced again, while a different one, or one after a repair, is.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Protocol

from sqlalchemy import ColumnElement, delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot import i18n
from bot.decisionlog.checkpoints import checkpoint_key
from bot.decisionlog.log import ChainCheck, SituationLog
from bot.i18n import Language
from bot.situations.phases import Phase
from bot.storage.models import SituationRecord, StateRecord
from bot.storage.state import change_state


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


def chain_state_of(situation_ids: Collection[int]) -> ColumnElement[bool]:
    """The ``bot_state`` rows about these situations' chains: checkpoint, announced break.

    A purge deletes them with the log: SQLite gives a new situation the highest id again,
    and it must inherit neither a checkpoint nor a break marked as already announced.
    """
    keys = [key for i in situation_ids for key in (checkpoint_key(i), _state_key(i))]
    return StateRecord.key.in_(keys)


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
        if check.intact:
            await self._session.execute(delete(StateRecord).where(StateRecord.key == key))
            return check
        # Marked and told in one step: a command and the daily check that find the same
        # break at once (PostgreSQL) announce it once, and neither fails on the marker.
        if await change_state(self._session, key, str(check.first_broken_seq)):
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
