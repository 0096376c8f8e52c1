"""Appending to, reading and verifying a situation's log."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.decisionlog.chain import GENESIS_HASH, entry_hash
from bot.errors import SituationNotFound
from bot.storage.models import LogEntryRecord, SituationRecord


class EntryKind(StrEnum):
    """What a log entry records."""

    SITUATION_OPENED = "situation_opened"
    PHASE_CHANGED = "phase_changed"
    INCIDENT_ROOM_OPENED = "incident_room_opened"
    PLAYBOOK_STARTED = "playbook_started"
    DECISION = "decision"
    ALERT_ATTACHED = "alert_attached"
    OWNER_SET = "owner_set"
    SITUATION_UPDATE = "situation_update"
    ESCALATION_PROPOSED = "escalation_proposed"


@dataclass(frozen=True)
class ChainCheck:
    """Outcome of recomputing a situation's hash chain."""

    entries: int
    head_hash: str
    first_broken_seq: int | None

    @property
    def intact(self) -> bool:
        """True when every entry's hash matches its content and predecessor."""
        return self.first_broken_seq is None


class SituationLog:
    """The append-only log of one or more situations within a transaction."""

    def __init__(self, session: AsyncSession, clock: Clock) -> None:
        self._session = session
        self._clock = clock

    async def append(
        self,
        situation_id: int,
        kind: EntryKind,
        actor: str,
        payload: dict[str, Any],
        occurred_at: datetime | None = None,
    ) -> LogEntryRecord:
        """Add an entry at the end of the situation's chain."""
        # Lock the situation row so two writers cannot both take the same sequence number
        # (PostgreSQL); SQLite already serialises writers. The unique (situation, seq)
        # constraint is the last line of defence.
        situation = await self._session.scalar(
            select(SituationRecord).where(SituationRecord.id == situation_id).with_for_update()
        )
        if situation is None:
            raise SituationNotFound(situation_id=situation_id)
        last = await self._session.scalar(
            select(LogEntryRecord)
            .where(LogEntryRecord.situation_id == situation_id)
            .order_by(LogEntryRecord.seq.desc())
            .limit(1)
        )
        seq = 1 if last is None else last.seq + 1
        prev_hash = GENESIS_HASH if last is None else last.hash
        recorded_at = self._clock.now()
        occurred = occurred_at or recorded_at
        entry = LogEntryRecord(
            situation_id=situation_id,
            seq=seq,
            kind=kind.value,
            actor=actor,
            occurred_at=occurred,
            recorded_at=recorded_at,
            payload=payload,
            prev_hash=prev_hash,
            hash=entry_hash(
                prev_hash=prev_hash,
                situation_id=situation_id,
                seq=seq,
                kind=kind.value,
                actor=actor,
                occurred_at=occurred,
                recorded_at=recorded_at,
                payload=payload,
            ),
        )
        self._session.add(entry)
        await self._session.flush()
        return entry

    async def entries(self, situation_id: int) -> list[LogEntryRecord]:
        """All entries of the situation, in order."""
        result = await self._session.scalars(
            select(LogEntryRecord)
            .where(LogEntryRecord.situation_id == situation_id)
            .order_by(LogEntryRecord.seq)
        )
        return list(result)

    async def verify(self, situation_id: int) -> ChainCheck:
        """Recompute the chain; report the first entry whose hash does not match."""
        entries = await self.entries(situation_id)
        prev_hash = GENESIS_HASH
        for expected_seq, entry in enumerate(entries, start=1):
            recomputed = entry_hash(
                prev_hash=prev_hash,
                situation_id=entry.situation_id,
                seq=entry.seq,
                kind=entry.kind,
                actor=entry.actor,
                occurred_at=entry.occurred_at,
                recorded_at=entry.recorded_at,
                payload=entry.payload,
            )
            broken = (
                entry.seq != expected_seq
                or entry.prev_hash != prev_hash
                or entry.hash != recomputed
            )
            if broken:
                return ChainCheck(len(entries), prev_hash, first_broken_seq=entry.seq)
            prev_hash = entry.hash
        return ChainCheck(len(entries), prev_hash, first_broken_seq=None)
