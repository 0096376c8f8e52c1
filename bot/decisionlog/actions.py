"""Actions: a task with an owner and an optional deadline, reminded when it is due."""

from __future__ import annotations

from datetime import datetime

from bot.clock import Clock
from bot.decisionlog.kinds import EntryKind
from bot.decisionlog.log import SituationLog
from bot.decisionlog.payloads import ACTION, ACTION_DONE, ActionDonePayload, ActionPayload
from bot.decisionlog.timers import DUE_TIMER, ForEntry
from bot.errors import MomentInThePast, NotAnAction
from bot.scheduling.timers import Timers
from bot.situations.phases import timer_key_prefix
from bot.storage.models import LogEntryRecord


def due_timer_key(situation_id: int, seq: int) -> str:
    """The key of the reminder for action ``seq``; cancelled with the situation."""
    return f"{timer_key_prefix(situation_id)}action-due:{seq}"


class ActionService:
    """Assigns actions and marks them done, both as log entries."""

    def __init__(self, log: SituationLog, timers: Timers, clock: Clock) -> None:
        self._log = log
        self._timers = timers
        self._clock = clock

    async def assign(
        self, situation_id: int, actor: str, owner: str, text: str, due_at: datetime | None
    ) -> LogEntryRecord:
        """Record the action; with ``due_at`` the owner is reminded then unless it is done."""
        if due_at is not None and due_at <= self._clock.now():
            raise MomentInThePast(moment=due_at.isoformat())
        entry = await self._log.append(
            situation_id,
            EntryKind.ACTION,
            actor,
            ActionPayload(owner=owner, action=text, due_at=due_at.isoformat() if due_at else None),
        )
        if due_at is not None:
            await DUE_TIMER.schedule(
                self._timers,
                due_at,
                ForEntry(situation_id=situation_id, seq=entry.seq),
                key=due_timer_key(situation_id, entry.seq),
            )
        return entry

    async def complete(self, situation_id: int, seq: int, actor: str) -> LogEntryRecord:
        """Record that action ``seq`` is done and drop its reminder; NotAnAction otherwise."""
        action = await self._log.entry(situation_id, seq)
        if action is None or action.kind != EntryKind.ACTION:
            raise NotAnAction(situation_id=situation_id, seq=seq)
        await self._timers.cancel(due_timer_key(situation_id, seq))
        return await self._log.append(
            situation_id,
            EntryKind.ACTION_DONE,
            actor,
            ActionDonePayload(action_seq=seq, action=ACTION.of(action)["action"]),
        )

    async def is_done(self, situation_id: int, seq: int) -> bool:
        """Whether action ``seq`` has been marked done."""
        done = await self._log.of_kind(situation_id, EntryKind.ACTION_DONE)
        return any(ACTION_DONE.of(entry)["action_seq"] == seq for entry in done)
