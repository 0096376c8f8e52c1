"""Appending to, reading and verifying a situation's log."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import event, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.decisionlog.chain import GENESIS_HASH, entry_hash
from bot.decisionlog.checkpoints import (
    Checkpoint,
    clear_checkpoint,
    load_checkpoint,
    save_checkpoint,
)
from bot.decisionlog.grounds import Withheld, ground_field
from bot.decisionlog.kinds import EntryKind
from bot.decisionlog.payloads import CorrectionPayload, check_payload
from bot.errors import LogEntryNotFound, SituationNotFound
from bot.storage.models import LogEntryRecord, SituationRecord


class AppendOnlyError(RuntimeError):
    """Code tried to change or remove a log entry; entries are corrected by new ones."""


@event.listens_for(LogEntryRecord, "before_update")
@event.listens_for(LogEntryRecord, "before_delete")
def _refuse_change(_mapper: object, _connection: object, entry: LogEntryRecord) -> None:
    # The database refuses too (triggers in migration 0040); this names the culprit early.
    raise AppendOnlyError(
        f"log entry {entry.situation_id}/{entry.seq} is append-only; record a correction"
    )


class ChainProblem(StrEnum):
    """Why verification stopped at an entry."""

    MISSING = "missing"  # the entry with this number is gone (deleted, or renumbered)
    ALTERED = "altered"  # its content no longer matches its hash (edited or moved)
    UNLINKED = "unlinked"  # it does not point at the hash of the entry before it


@dataclass(frozen=True)
class ChainCheck:
    """Outcome of recomputing a situation's hash chain.

    ``head_hash`` is the hash of the last entry that verified; on an intact chain it is
    the hash of the last entry, the value printed in every report.
    """

    entries: int
    head_hash: str
    first_broken_seq: int | None
    problem: ChainProblem | None = None

    @property
    def intact(self) -> bool:
        """True when every entry's hash matches its content and predecessor."""
        return self.first_broken_seq is None


class SituationLog:
    """The append-only log of one or more situations within a transaction.

    ``touched`` collects the situations that got an entry: every change a situation's
    incident summary shows is logged, so it names the summaries to bring up to date.
    """

    def __init__(self, session: AsyncSession, clock: Clock) -> None:
        self._session = session
        self._clock = clock
        self.touched: set[int] = set()

    async def append(
        self,
        situation_id: int,
        kind: EntryKind,
        actor: str,
        payload: Mapping[str, object],
        occurred_at: datetime | None = None,
        *,
        disclosable: bool = True,
        corrects_seq: int | None = None,
    ) -> LogEntryRecord:
        """Add an entry at the end of the situation's chain.

        ``occurred_at`` is when it happened (a decision taken before it was written down);
        the log stamps ``recorded_at`` itself. ``disclosable`` says whether the entry may
        be released under freedom-of-information law. ``payload`` must fit the kind's type
        (``bot/decisionlog/payloads.py``; ValidationError otherwise, nothing written): an
        entry is never changed, so a malformed one could never be put right.
        """
        check_payload(kind, payload)
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
            payload=dict(payload),  # the same keys in the same order: the same JSON
            disclosable=disclosable,
            corrects_seq=corrects_seq,
            prev_hash=prev_hash,
        )
        entry.hash = _recompute(entry, prev_hash)
        self._session.add(entry)
        await self._session.flush()
        self.touched.add(situation_id)
        return entry

    async def correct(
        self,
        situation_id: int,
        seq: int,
        actor: str,
        correction: str,
        *,
        withheld: Withheld | None = None,
    ) -> LogEntryRecord:
        """Record ``correction`` as a new entry superseding entry ``seq``.

        ``withheld``: the correction is not disclosable (for the ground it names).

        Raises LogEntryNotFound when the situation has no entry ``seq``.
        """
        if await self.entry(situation_id, seq) is None:
            raise LogEntryNotFound(situation_id=situation_id, seq=seq)
        payload: CorrectionPayload = {
            "correction": correction,
            **ground_field(withheld),
        }
        return await self.append(
            situation_id,
            EntryKind.CORRECTION,
            actor,
            payload,
            disclosable=withheld is None,
            corrects_seq=seq,
        )

    async def entry(self, situation_id: int, seq: int) -> LogEntryRecord | None:
        """Entry ``seq`` of the situation, if there is one."""
        return await self._session.scalar(
            select(LogEntryRecord).where(
                LogEntryRecord.situation_id == situation_id, LogEntryRecord.seq == seq
            )
        )

    async def of_kind(self, situation_id: int, kind: EntryKind) -> list[LogEntryRecord]:
        """The situation's entries of one kind, in order."""
        return await self.of_kinds(situation_id, [kind])

    async def of_kinds(
        self, situation_id: int, kinds: Collection[EntryKind]
    ) -> list[LogEntryRecord]:
        """The situation's entries of any of ``kinds``, in order."""
        result = await self._session.scalars(
            select(LogEntryRecord)
            .where(
                LogEntryRecord.situation_id == situation_id,
                LogEntryRecord.kind.in_([kind.value for kind in kinds]),
            )
            .order_by(LogEntryRecord.seq)
        )
        return list(result)

    async def latest(
        self, situation_id: int, count: int, kinds: Collection[EntryKind] = ()
    ) -> list[LogEntryRecord]:
        """The last ``count`` entries of the situation (of ``kinds``, if given), oldest first."""
        query = select(LogEntryRecord).where(LogEntryRecord.situation_id == situation_id)
        if kinds:
            query = query.where(LogEntryRecord.kind.in_([kind.value for kind in kinds]))
        result = await self._session.scalars(query.order_by(LogEntryRecord.seq.desc()).limit(count))
        return list(reversed(list(result)))

    async def count(self, situation_id: int, kind: EntryKind | None = None) -> int:
        """How many entries the situation has (of ``kind``, if given)."""
        query = select(func.count()).where(LogEntryRecord.situation_id == situation_id)
        if kind is not None:
            query = query.where(LogEntryRecord.kind == kind.value)
        return await self._session.scalar(query) or 0

    async def corrections_of(
        self, situation_id: int, seqs: Collection[int]
    ) -> dict[int, list[int]]:
        """For each of ``seqs`` that was corrected, the seqs of its corrections, in order."""
        rows = await self._session.execute(
            select(LogEntryRecord.corrects_seq, LogEntryRecord.seq)
            .where(
                LogEntryRecord.situation_id == situation_id,
                LogEntryRecord.corrects_seq.in_(list(seqs)),
            )
            .order_by(LogEntryRecord.seq)
        )
        corrected_by: dict[int, list[int]] = {}
        for corrected, seq in rows:
            if corrected is not None:  # always: NULL is in no list; this tells the type
                corrected_by.setdefault(corrected, []).append(seq)
        return corrected_by

    async def entries(self, situation_id: int) -> list[LogEntryRecord]:
        """All entries of the situation, in order."""
        result = await self._session.scalars(
            select(LogEntryRecord)
            .where(LogEntryRecord.situation_id == situation_id)
            .order_by(LogEntryRecord.seq)
        )
        return list(result)

    async def verify(self, situation_id: int) -> ChainCheck:
        """Recompute the chain; report the first entry that is missing or does not match."""
        return verify_chain(await self.entries(situation_id))

    async def verify_and_checkpoint(self, situation_id: int) -> ChainCheck:
        """``verify``, recording how far the chain is intact for ``verify_since_checkpoint``.

        A broken chain clears the checkpoint, so later checks verify in full until the
        break is repaired.
        """
        check = await self.verify(situation_id)
        if check.intact and check.entries:
            point = Checkpoint(check.entries, check.head_hash, self._clock.now())
            await save_checkpoint(self._session, situation_id, point)
        elif not check.intact:
            await clear_checkpoint(self._session, situation_id)
        return check

    async def verify_since_checkpoint(
        self, situation_id: int
    ) -> tuple[ChainCheck, Checkpoint | None]:
        """The chain's state, recomputing only the entries after its checkpoint.

        Returns the check and the checkpoint it started from; None when it verified in full
        (no checkpoint yet, or the checkpointed entry no longer matches, which a full
        verification then locates). See ``bot.decisionlog.checkpoints`` for what this
        does not see until the next full verification.
        """
        point = await load_checkpoint(self._session, situation_id)
        anchor = None if point is None else await self.entry(situation_id, point.seq)
        if (
            point is None
            or anchor is None
            or anchor.hash != point.hash
            or _recompute(anchor, anchor.prev_hash) != anchor.hash
        ):
            return await self.verify_and_checkpoint(situation_id), None
        newer = await self._session.scalars(
            select(LogEntryRecord)
            .where(LogEntryRecord.situation_id == situation_id, LogEntryRecord.seq > point.seq)
            .order_by(LogEntryRecord.seq)
        )
        return verify_chain(list(newer), after=(point.seq, point.hash)), point

    async def situation_ids(self) -> list[int]:
        """Every situation, in order of id (for verifying all chains)."""
        return list(await self._session.scalars(select(SituationRecord.id).order_by("id")))


def verify_chain(
    entries: list[LogEntryRecord], *, after: tuple[int, str] = (0, GENESIS_HASH)
) -> ChainCheck:
    """Check ``entries`` (one situation, ordered by seq) against their hashes.

    ``after`` is the seq and hash of the entry before the first of ``entries``, when they
    continue a chain already verified up to there.
    """
    verified, prev_hash = after
    for expected_seq, entry in enumerate(entries, start=verified + 1):
        problem = None
        if entry.seq != expected_seq:
            problem = ChainProblem.MISSING
        elif entry.hash != _recompute(entry, prev_hash):
            problem = ChainProblem.ALTERED
        elif entry.prev_hash != prev_hash:
            problem = ChainProblem.UNLINKED
        if problem is not None:
            return ChainCheck(verified + len(entries), prev_hash, expected_seq, problem)
        prev_hash = entry.hash
    return ChainCheck(verified + len(entries), prev_hash, first_broken_seq=None)


def _recompute(entry: LogEntryRecord, prev_hash: str) -> str:
    return entry_hash(
        prev_hash=prev_hash,
        situation_id=entry.situation_id,
        seq=entry.seq,
        kind=entry.kind,
        actor=entry.actor,
        occurred_at=entry.occurred_at,
        recorded_at=entry.recorded_at,
        payload=entry.payload,
        disclosable=entry.disclosable,
        corrects_seq=entry.corrects_seq,
    )
