"""Verified-through checkpoints: saying cheaply that a long chain is still intact.

Verifying a chain in full reads and hashes every entry, over a second for 10,000. Each
full verification that finds a chain intact therefore records how far it got (seq, hash,
when) in ``bot_state``. A later check verifies only what was appended since: the
checkpointed entry must still match its hash, and every newer entry must link to it and
match its own. That catches any entry appended since and a change to the checkpointed
entry itself; a change further back is caught by the next full verification (daily for
every open situation, and on every ``!log``, ``!report`` and ``!close``), which is why a
reader of a checked-since result is told when the checkpoint was made.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage.models import StateRecord
from bot.storage.state import put_state


@dataclass(frozen=True)
class Checkpoint:
    """The last entry a full verification found intact, and when it ran."""

    seq: int
    hash: str
    verified_at: datetime


def checkpoint_key(situation_id: int) -> str:
    """The ``bot_state`` key of the situation's checkpoint."""
    return f"chain_verified:{situation_id}"


async def load_checkpoint(session: AsyncSession, situation_id: int) -> Checkpoint | None:
    """The situation's checkpoint, if a full verification has recorded one."""
    stored = await session.scalar(
        select(StateRecord.value).where(StateRecord.key == checkpoint_key(situation_id))
    )
    if stored is None:
        return None
    seq, entry_hash, verified_at = stored.split(" ")
    return Checkpoint(int(seq), entry_hash, datetime.fromisoformat(verified_at))


async def save_checkpoint(session: AsyncSession, situation_id: int, point: Checkpoint) -> None:
    """Record ``point`` as the situation's checkpoint, replacing an older one."""
    value = f"{point.seq} {point.hash} {point.verified_at.isoformat()}"
    # Pages and the daily check may record one at the same moment.
    await put_state(session, checkpoint_key(situation_id), value)


async def clear_checkpoint(session: AsyncSession, situation_id: int) -> None:
    """Forget the checkpoint: the chain no longer verifies up to it."""
    await session.execute(
        delete(StateRecord).where(StateRecord.key == checkpoint_key(situation_id))
    )
