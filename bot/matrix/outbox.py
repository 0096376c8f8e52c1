"""The durable outbox: every message is stored first, then delivered until confirmed.

Each row carries a transaction id; the homeserver de-duplicates ``PUT .../send/{txnId}``
per device, so a crash between sending and marking the row sent re-sends with the same
id after a restart and the room still shows the message once. Rows of one room are
delivered strictly in order: a failing row holds back the rows behind it.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import random
import uuid
from collections.abc import Callable
from typing import Any

from sqlalchemy import event, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.exercises.marking import mark_content
from bot.matrix.client import MatrixClient, MatrixError
from bot.metrics import Metrics
from bot.stopping import Stopped, StopSignal
from bot.storage.db import Database
from bot.storage.models import OutboxRecord, SituationRecord

log = logging.getLogger(__name__)

MESSAGE_EVENT = "m.room.message"
# Synapse refuses events over 64 KiB, envelope (ids, hashes, signatures) included.
MAX_CONTENT_BYTES = 60_000
PREVIEW_CHARACTERS = 4_000
ATTACHED_MARKER = "\n… (volledige tekst als bijlage / full text attached)"


class Outbox:
    """Queues messages inside the caller's transaction."""

    def __init__(self, session: AsyncSession, clock: Clock, on_commit: Callable[[], None]) -> None:
        self._session = session
        self._clock = clock
        self._on_commit = on_commit
        self._hooked = False

    async def post(
        self,
        room_id: str,
        content: dict[str, Any],
        *,
        attachment: bytes | None = None,
        event_type: str = MESSAGE_EVENT,
        replaces: int | None = None,
        exercise: bool = False,
    ) -> OutboxRecord:
        """Queue ``content`` for ``room_id``; it is sent once the transaction commits.

        Messages about an exercise (``exercise``, or any message in the incident room of an
        exercise situation) are marked OEFENING/EXERCISE here, the one place all pass through.

        With ``replaces`` (an outbox id in the same room) ``content`` is an edit built by
        ``edit_content``; the sender points it at the delivered event of that row.
        A text message too large for the homeserver becomes a shortened message followed
        by the full text as a file, so nothing is ever dropped.
        """
        if event_type == MESSAGE_EVENT and (exercise or await self._is_exercise_room(room_id)):
            content = mark_content(content)
        if (
            event_type == MESSAGE_EVENT
            and attachment is None
            and replaces is None
            and content_size(content) > MAX_CONTENT_BYTES
        ):
            return await self._post_as_file(room_id, content)
        record = OutboxRecord(
            room_id=room_id,
            txn_id=uuid.uuid4().hex,
            event_type=event_type,
            content=content,
            attachment=attachment,
            created_at=self._clock.now(),
            attempts=0,
            replaces_outbox_id=replaces,
        )
        self._session.add(record)
        await self._session.flush()
        if not self._hooked:
            # Wake the sender only after commit: before that it could not see the row.
            event.listen(self._session.sync_session, "after_commit", self._wake, once=True)
            self._hooked = True
        return record

    async def _is_exercise_room(self, room_id: str) -> bool:
        return bool(
            await self._session.scalar(
                select(SituationRecord.is_exercise).where(
                    SituationRecord.incident_room_id == room_id
                )
            )
        )

    async def _post_as_file(self, room_id: str, content: dict[str, Any]) -> OutboxRecord:
        body = str(content.get("body", ""))
        preview = {
            key: value
            for key, value in content.items()
            if key not in ("body", "format", "formatted_body")
        }
        preview["body"] = body[:PREVIEW_CHARACTERS] + ATTACHED_MARKER
        await self.post(room_id, preview)
        data = body.encode("utf-8")
        relation = {"m.relates_to": content["m.relates_to"]} if "m.relates_to" in content else {}
        return await self.post(
            room_id,
            {
                "msgtype": "m.file",
                "body": "message.txt",
                "filename": "message.txt",
                "info": {"mimetype": "text/plain; charset=utf-8", "size": len(data)},
                **relation,
            },
            attachment=data,
        )

    def _wake(self, _session: Any) -> None:
        self._on_commit()


def content_size(content: dict[str, Any]) -> int:
    """Bytes of the content as the homeserver will count them (compact UTF-8 JSON)."""
    return len(json.dumps(content, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))


class Backoff:
    """Capped exponential backoff with full jitter."""

    def __init__(self, base: float = 0.5, cap: float = 60.0) -> None:
        self.base = base
        self.cap = cap
        self.failures = 0

    def next_delay(self, retry_after_ms: int | None = None) -> float:
        """Seconds to wait before the next try; honours the server's retry_after_ms."""
        self.failures += 1
        if retry_after_ms is not None:
            return retry_after_ms / 1000
        ceiling = min(self.cap, self.base * 2 ** (self.failures - 1))
        return random.uniform(ceiling / 2, ceiling)

    def reset(self) -> None:
        """Forget earlier failures after a success."""
        self.failures = 0


class OutboxSender:
    """Delivers queued messages in order, retrying until the homeserver confirms them."""

    def __init__(
        self,
        db: Database,
        client: MatrixClient,
        clock: Clock,
        metrics: Metrics | None = None,
        poll_interval: float = 5.0,
    ) -> None:
        self._db = db
        self._metrics = metrics
        self._client = client
        self._clock = clock
        self._poll_interval = poll_interval
        self._wakeup = asyncio.Event()
        self._backoff = Backoff()
        self._failing = False

    def wake(self) -> None:
        """Tell the sender that new rows were committed."""
        self._wakeup.set()

    async def run(self, stop: StopSignal) -> None:
        """Deliver until ``stop`` is set; a delivery already confirmed is recorded first."""
        with contextlib.suppress(Stopped):
            while True:
                self._wakeup.clear()
                delay = await self.deliver_pending(stop)
                if delay is None:
                    # Poll as well as wait for a wake-up: another process may have queued rows.
                    await stop.wait(self._wakeup, self._poll_interval)
                else:
                    await stop.sleep(delay)

    async def deliver_pending(self, stop: StopSignal | None = None) -> float | None:
        """Try every pending row once; returns a retry delay if a delivery failed.

        A stop abandons the request in flight (it is resent with the same transaction id
        next time) and raises Stopped; rows already confirmed stay recorded.
        """
        stop = stop or StopSignal()
        async with self._db.transaction() as session:
            pending = list(
                await session.scalars(
                    select(OutboxRecord)
                    .where(OutboxRecord.sent_at.is_(None))
                    .order_by(OutboxRecord.id)
                )
            )
        blocked_rooms: set[str] = set()
        retry_delay: float | None = None
        delivered = 0
        for record in pending:
            if record.room_id in blocked_rooms:
                continue
            try:
                event_id = await self._deliver(record, stop)
            except MatrixError as exc:
                blocked_rooms.add(record.room_id)
                await self._record_failure(record, exc)
                delay = self._backoff.next_delay(exc.retry_after_ms)
                retry_delay = delay if retry_delay is None else min(retry_delay, delay)
                continue
            await self._record_success(record, event_id)
            delivered += 1
        if self._metrics is not None:
            self._metrics.outbox_backlog.set(len(pending) - delivered)
        return retry_delay

    async def _deliver(self, record: OutboxRecord, stop: StopSignal) -> str:
        # Only the network requests give way to a stop; the database read runs through.
        content = dict(record.content)
        if record.attachment is not None:
            content = await stop.race(
                self._client.attach(record.room_id, content, record.attachment)
            )
        if record.replaces_outbox_id is not None:
            content = await self._edit_target(record.replaces_outbox_id, content)
        return await stop.race(
            self._client.send(record.room_id, record.event_type, content, record.txn_id)
        )

    async def _edit_target(self, original_id: int, edit: dict[str, Any]) -> dict[str, Any]:
        """The edit pointed at the original's event; rows of a room go out in order, so it
        was delivered unless it is gone, and then the new content goes out as a message."""
        async with self._db.transaction() as session:
            event_id = await session.scalar(
                select(OutboxRecord.event_id).where(OutboxRecord.id == original_id)
            )
        if event_id is None:
            return dict(edit["m.new_content"])
        return {**edit, "m.relates_to": {"rel_type": "m.replace", "event_id": event_id}}

    async def _record_success(self, record: OutboxRecord, event_id: str) -> None:
        sent_at = self._clock.now()
        if self._metrics is not None:
            latency = (sent_at - record.created_at).total_seconds()
            self._metrics.outbox_delivery_seconds.observe(latency)
        async with self._db.transaction() as session:
            stored = await session.get(OutboxRecord, record.id)
            if stored is not None:
                stored.sent_at = sent_at
                stored.event_id = event_id
                stored.attempts += 1
                stored.attachment = None  # delivered: the bytes live in the media repository
        self._backoff.reset()
        if self._failing:
            self._failing = False
            log.info("outbox delivery recovered")

    async def _record_failure(self, record: OutboxRecord, exc: MatrixError) -> None:
        async with self._db.transaction() as session:
            stored = await session.get(OutboxRecord, record.id)
            if stored is not None:
                stored.attempts += 1
                stored.last_error = str(exc)
        if not self._failing:
            # Log the change of state once, not every retry.
            self._failing = True
            log.warning("outbox delivery failing, will retry: %s", exc)
