"""Remembering accepted webhook signatures, so a replayed request is refused.

Each statement costs a round trip (on aiosqlite a thread handoff), so a batch of intake
requests reads which of its signatures were used before in one statement and writes
its new ones in one more, when the transaction settles. Invariants, and why they hold:

- A signature is accepted at most once. Within a transaction, a second claim of one
  signature is refused from memory. Against another transaction, the new receipts are
  inserted without ``ON CONFLICT``: a concurrent first use (PostgreSQL; SQLite lets one
  writer in at a time, so there it is always seen by the look-up) makes the insert fail
  with an ``IntegrityError`` once that one has committed, failing this transaction
  rather than letting both through. The intake then runs its requests again one by one
  and the look-up sees the other's receipt.
- A receipt is kept only if its request's changes are: it is written in the same
  transaction (or savepoint) as the request's work, before it ends.
- A rolled-back savepoint may undo receipts this object counts as used, so the batch
  calls ``forget()`` then, and later claims read the database again.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import delete, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage.models import WebhookReceiptRecord

_SIGNATURE = WebhookReceiptRecord.signature


class Receipts:
    """The webhook receipts as one transaction sees them, with its own new ones."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session
        # Signatures whose stored state was read; of those, the ones in use (stored or
        # claimed here). A signature not read yet is looked up when claimed.
        self._read: set[str] = set()
        self._used: set[str] = set()
        self._unsettled: dict[str, datetime] = {}

    async def preload(self, signatures: Iterable[str]) -> None:
        """Read in one statement which of ``signatures`` were used before."""
        wanted = sorted(set(signatures) - self._read)
        if not wanted:
            return
        # Without autoflush: receipts depend on nothing pending in the session, and a
        # batch's new alerts are inserted together when it settles, not one per look-up.
        found = await self._session.scalars(
            select(_SIGNATURE).where(_SIGNATURE.in_(wanted)).execution_options(autoflush=False)
        )
        self._used.update(found)
        self._read.update(wanted)

    async def claim(self, signature: str, now: datetime) -> bool:
        """Accept ``signature`` (written at ``settle``); False when used before (a replay)."""
        await self.preload([signature])  # no statement when the batch read it already
        if signature in self._used:
            return False
        self._used.add(signature)
        self._unsettled[signature] = now
        return True

    async def settle(self) -> None:
        """Write the receipts claimed since the last settle, in one statement.

        Raises ``IntegrityError`` when another transaction stored one of them first.
        """
        if not self._unsettled:
            return
        rows = [{"signature": s, "received_at": at} for s, at in self._unsettled.items()]
        await self._session.execute(
            insert(WebhookReceiptRecord).values(rows).execution_options(autoflush=False)
        )
        self._unsettled.clear()

    def forget(self) -> None:
        """Drop everything read and claimed: a rollback may have undone some of it."""
        self._read.clear()
        self._used.clear()
        self._unsettled.clear()

    async def purge(self, before: datetime) -> None:
        """Drop receipts received before ``before``.

        By then the timestamp check refuses a replay anyway, so purging only now and then
        (as the intake does, to save a statement per request) keeps some a little longer,
        harmlessly. Signatures this object read as used stay refused, for the same reason.
        """
        await self._session.execute(
            delete(WebhookReceiptRecord)
            .where(WebhookReceiptRecord.received_at < before)
            .execution_options(autoflush=False)
        )
