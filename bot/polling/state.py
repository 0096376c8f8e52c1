"""What pollers remember between polls, and reporting a failing feed once."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.storage.models import PollStateRecord

log = logging.getLogger(__name__)


class PollNotifier(Protocol):
    """Tells the taskforce that a feed stopped or started working again."""

    async def feed_failed(self, source: str, error: str) -> None:
        """``source`` cannot be polled; said once until it recovers."""
        ...

    async def feed_recovered(self, source: str, failing_since: datetime) -> None:
        """``source`` works again after failing since ``failing_since``."""
        ...


class PollStates:
    """Reads and updates pollers' state within a transaction."""

    def __init__(self, session: AsyncSession, notifier: PollNotifier, clock: Clock) -> None:
        self._session = session
        self._notifier = notifier
        self._clock = clock

    async def state(self, source: str) -> dict[str, Any]:
        """What the last good poll of ``source`` remembered (empty before the first)."""
        record = await self._session.get(PollStateRecord, source)
        return dict(record.state) if record is not None else {}

    async def succeeded(self, source: str, state: dict[str, Any]) -> None:
        """Keep ``state``; a feed that was failing is announced as working again."""
        record = await self._record(source)
        record.state = state
        if record.failing_since is not None:
            log.info("feed %s works again (failing since %s)", source, record.failing_since)
            await self._notifier.feed_recovered(source, record.failing_since)
            record.failing_since, record.last_error = None, None

    async def failed(self, source: str, error: str) -> bool:
        """Note the failure; True when it is the first one and was reported."""
        record = await self._record(source)
        record.last_error = error
        if record.failing_since is not None:
            log.info("feed %s still failing: %s", source, error)
            return False
        record.failing_since = self._clock.now()
        log.warning("feed %s failing: %s", source, error)
        await self._notifier.feed_failed(source, error)
        return True

    async def _record(self, source: str) -> PollStateRecord:
        record = await self._session.get(PollStateRecord, source)
        if record is None:
            record = PollStateRecord(source=source, state={})
            self._session.add(record)
        return record
