"""The durable outbox: every message is stored first, then delivered until confirmed.

Each row carries a transaction id; the homeserver de-duplicates ``PUT .../send/{txnId}``
per device, so a crash between sending and marking the row sent re-sends with the same
id after a restart and the room still shows the message once. Rows of one room are
delivered strictly in order: a row that fails for a passing reason (no answer, rate
limit, 5xx) holds back the rows behind it while its room backs off, without holding
back other rooms. A row the homeserver refuses for good (too large, forbidden) is set
aside as dead, reported once, and the rows behind it move on.

Besides messages the outbox carries *room operations* (creating an incident room,
pinning, power levels): changes on the homeserver that a command or timer decides
inside its transaction but that must not be made inside it. They are queued like
messages, in the same transaction as the decision, and the sender performs them in
room order with the same retries, so no transaction is ever open across a homeserver
call and a crash leaves either the decision with its queued operation or neither.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import random
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol, runtime_checkable

from sqlalchemy import func, inspect, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot import i18n
from bot.clock import Clock
from bot.degraded.state import Reachability, unreachable
from bot.exercises.marking import mark_content
from bot.i18n import Language
from bot.matrix.client import MatrixClient, MatrixError
from bot.matrix.content import text_content
from bot.metrics import Metrics
from bot.stopping import Stopped, StopSignal
from bot.storage.db import Database, after_commit
from bot.storage.models import OutboxRecord, SituationRecord

log = logging.getLogger(__name__)

MESSAGE_EVENT = "m.room.message"
# Synapse refuses events over 64 KiB (65,536 bytes), envelope included. In an encrypted
# room the content travels as Megolm ciphertext in base64: 4/3 of the ASCII JSON of
# {type, room_id, content} plus ~100 bytes of framing, and the event around it (keys,
# ids, hashes, signatures) takes up to ~2 KiB. 4/3 * (46,000 + 1,000) + 2,048 < 65,536,
# so this one limit holds in every room, encrypted or not.
MAX_CONTENT_BYTES = 46_000
# A character may take 12 bytes in escaped JSON (a surrogate pair), so the preview of
# one text stays far below the limit (see _preview for more than one).
PREVIEW_CHARACTERS = 3_000
ATTACHED_MARKER = "\n… (volledige tekst als bijlage / full text attached)"
# The event type of a queued room operation is this prefix and the operation's name.
OPERATION_PREFIX = "weerbaar.operation."

RoomOperation = Callable[[str, dict[str, Any]], Awaitable[str | None]]
"""Performs one queued operation in a room: (room id, payload) -> event id, if any.

A payload's ``outbox_id`` is replaced by ``event_id``, the event that row was delivered
as, before the operation sees it. Operations may be performed more than once (a crash
between performing and recording), so each must be idempotent.
"""


@dataclass(frozen=True)
class QueuedRow:
    """What the sender needs of one undelivered outbox row.

    Read from the table, or handed to the sender straight from the committing transaction
    (see ``Outbox``), which spares the sender a read of the table for each message.
    """

    id: int
    room_id: str
    txn_id: str
    event_type: str
    content: dict[str, Any]
    attachment: bytes | None
    replaces_outbox_id: int | None
    created_at: datetime

    @classmethod
    def of(cls, record: OutboxRecord) -> QueuedRow:
        """The row as stored in ``record``."""
        return cls(
            id=record.id,
            room_id=record.room_id,
            txn_id=record.txn_id,
            event_type=record.event_type,
            content=record.content,
            attachment=record.attachment,
            replaces_outbox_id=record.replaces_outbox_id,
            created_at=record.created_at,
        )


@runtime_checkable
class AbandonableOperation(Protocol):
    """A room operation that leaves state behind when the homeserver refuses it for good
    (a request marked as pending, say); ``abandon`` undoes that and tells the people
    concerned. It runs before the row is set aside and may run twice (a crash in between),
    so it must act only once; it returns whether it reported the failure itself."""

    async def __call__(self, room_id: str, payload: dict[str, Any]) -> str | None: ...

    async def abandon(self, room_id: str, payload: dict[str, Any], error: MatrixError) -> bool:
        """Undo what the queued operation left pending; True if it told people so."""
        ...


CommitHook = Callable[[Sequence[QueuedRow]], None]
"""Called with the rows a transaction queued, in order, once it has committed."""


class Outbox:
    """Queues messages inside the caller's transaction."""

    def __init__(self, session: AsyncSession, clock: Clock, on_commit: CommitHook) -> None:
        self._session = session
        self._clock = clock
        self._on_commit = on_commit
        self._queued: list[OutboxRecord] = []

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
        by the full text as a file, so nothing is ever dropped; the row returned is then
        the shortened message's. An edit (which holds its text twice) likewise becomes a
        shortened edit followed by the full new text as a file.
        """
        if event_type == MESSAGE_EVENT and (exercise or await self._is_exercise_room(room_id)):
            content = mark_content(content)
        if (
            event_type == MESSAGE_EVENT
            and attachment is None
            and content_size(content) > MAX_CONTENT_BYTES
        ):
            return await self._post_as_file(room_id, content, replaces)
        return await self._store(room_id, content, attachment, event_type, replaces)

    async def _store(
        self,
        room_id: str,
        content: dict[str, Any],
        attachment: bytes | None = None,
        event_type: str = MESSAGE_EVENT,
        replaces: int | None = None,
    ) -> OutboxRecord:
        """Add the row as given (marked and shortened already), handed over after commit."""
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
        if not self._queued:
            # Hand the rows over only after commit: before that they may still be undone.
            after_commit(self._session, self._committed)
        self._queued.append(record)
        return record

    async def operate(self, room_id: str, operation: str, payload: dict[str, Any]) -> OutboxRecord:
        """Queue the room operation ``operation`` for ``room_id``, performed after commit.

        It goes out in order with the room's messages: an operation queued after a message
        is performed after that message was delivered (so a payload may name it by
        ``outbox_id``).
        """
        return await self.post(room_id, payload, event_type=OPERATION_PREFIX + operation)

    async def _is_exercise_room(self, room_id: str) -> bool:
        return bool(
            await self._session.scalar(
                select(SituationRecord.is_exercise).where(
                    SituationRecord.incident_room_id == room_id
                )
            )
        )

    async def _post_as_file(
        self, room_id: str, content: dict[str, Any], replaces: int | None
    ) -> OutboxRecord:
        """The shortened message (or edit), then the full (new) text as a file; both stored
        as they are (measuring the preview again would split it again, without end)."""
        text = content.get("m.new_content", content) if replaces is not None else content
        body = str(text.get("body", ""))
        preview = await self._store(room_id, _preview(content), replaces=replaces)
        data = body.encode("utf-8")
        relation = {"m.relates_to": content["m.relates_to"]} if "m.relates_to" in content else {}
        await self._store(
            room_id,
            {
                "msgtype": "m.file",
                "body": "message.txt",
                "filename": "message.txt",
                "info": {"mimetype": "text/plain; charset=utf-8", "size": len(data)},
                **relation,
            },
            data,
        )
        # The message people read and react to, so what names it (an edit, a pin, an
        # alert's notice) names this one, not the file.
        return preview

    def _committed(self) -> None:
        # A row posted in a savepoint that was rolled back is no longer in the session
        # (SQLAlchemy makes it transient again): it was never committed, so never sent.
        rows = [QueuedRow.of(record) for record in self._queued if inspect(record).persistent]
        self._queued = []
        self._on_commit(rows)


def _preview(content: dict[str, Any]) -> dict[str, Any]:
    """``content`` shortened to fit: every text it carries cut short and its HTML left out,
    the text in the other languages of a notice marked for mail (``{lang: {"body",
    "formatted_body"}}``) as well, or those alone would keep it over the limit.

    Three texts of PREVIEW_CHARACTERS could still be over it (12 bytes a character at
    worst), so they are cut shorter until the whole fits; if what is left is no text, the
    homeserver refuses it and the row is set aside, but the command never fails here.
    """
    characters = PREVIEW_CHARACTERS
    preview = _shortened(content, characters)
    while content_size(preview) > MAX_CONTENT_BYTES and characters > 0:
        characters //= 2
        preview = _shortened(content, characters)
    return preview


def _shortened(content: dict[str, Any], characters: int) -> dict[str, Any]:
    shortened: dict[str, Any] = {}
    for key, value in content.items():
        if key in ("format", "formatted_body"):
            continue
        if key == "body":
            shortened[key] = str(value)[:characters] + ATTACHED_MARKER
        elif isinstance(value, dict):
            shortened[key] = _shortened(value, characters)
        else:
            shortened[key] = value
    return shortened


def content_size(content: dict[str, Any]) -> int:
    """Bytes of the content as compact JSON with non-ASCII escaped.

    That is how nio serialises the plaintext it encrypts, and never smaller than the
    UTF-8 JSON the homeserver counts in an unencrypted room.
    """
    return len(json.dumps(content, separators=(",", ":")))


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


@dataclass
class _RoomState:
    """Why and since when a room's deliveries fail, and when its next try is due."""

    failing_since: datetime
    reason: str
    backoff: Backoff
    due: float = 0.0  # event-loop time
    # The last try got no answer (no connection, timeout, 5xx), so its wait is only a
    # guess: an answer elsewhere ends it. A wait the homeserver asked for (429) stands.
    unanswered: bool = False


class OutboxSender:
    """Delivers queued messages in order, retrying until the homeserver confirms them."""

    def __init__(
        self,
        db: Database,
        client: MatrixClient,
        clock: Clock,
        metrics: Metrics | None = None,
        poll_interval: float = 5.0,
        *,
        coordination_room: str | None = None,
        lang: Language = "nl",
        operations: Mapping[str, RoomOperation] | None = None,
        reachability: Reachability | None = None,
        room_backoff: Callable[[], Backoff] = Backoff,
    ) -> None:
        self._db = db
        self._room_backoff = room_backoff
        self._reachability = reachability
        self._operations = dict(operations or {})
        self._metrics = metrics
        self._client = client
        self._clock = clock
        self._poll_interval = poll_interval
        self._coordination_room = coordination_room
        self._lang = lang
        self._wakeup = asyncio.Event()
        # Only rooms whose delivery is failing have an entry.
        self._rooms: dict[str, _RoomState] = {}
        # Rows handed over by committing transactions of this process, in commit order.
        self._handed: dict[int, QueuedRow] = {}
        # True while the table holds no undelivered row this sender has not been handed:
        # the last read of it settled every row it found, and no delivery has failed since.
        # Only then may the handed rows go out without reading the table first; rows other
        # processes queue are found by the read at least every ``poll_interval``.
        self._caught_up = False
        self._next_read = 0.0  # event-loop time
        # The rows the last read of the table found. A row's commit becomes visible to
        # other connections a moment before it is handed over (the hook runs once the
        # committing task resumes), so a read in between finds it too: the hand-over must
        # then not deliver it a second time.
        self._last_read: set[int] = set()
        # Passes of ``run`` that failed in a row (not a delivery: the database, say).
        self._failing_passes = Backoff()

    def wake(self, rows: Sequence[QueuedRow] = ()) -> None:
        """Tell the sender that new rows were committed (those of this process: ``rows``)."""
        for row in rows:
            if row.id not in self._last_read:
                self._handed[row.id] = row
        self._wakeup.set()

    def homeserver_answers(self) -> None:
        """The homeserver answers again (a sync succeeded after failing): rooms that back
        off only because it did not answer are tried now, not after their backoff (up to a
        minute after a long outage). A wait it asked for itself (a rate limit) stands."""
        for state in self._rooms.values():
            if state.unanswered:
                state.due = 0.0
        self._wakeup.set()

    async def run(self, stop: StopSignal) -> None:
        """Deliver until ``stop`` is set; a delivery already confirmed is recorded first.

        A failure of the database (a restart, a lost connection) never ends the loop: the
        pass is given up and, after a backoff, the table read again. A row sent but not
        recorded as sent is sent again with its transaction id, so it still shows once.
        """
        with contextlib.suppress(Stopped):
            while True:
                self._wakeup.clear()
                try:
                    delay: float | None = await self._deliver_next(stop)
                except Exception:
                    delay = self._pass_failed()
                else:
                    if self._failing_passes.failures:
                        log.info("outbox delivery works again")
                    self._failing_passes.reset()
                # A wake-up ends the wait at once, even while a room backs off: rows of
                # other rooms go out now, the backing-off room stays skipped until due.
                # Polling as well: another process may have queued rows.
                timeout = self._poll_interval if delay is None else min(delay, self._poll_interval)
                await stop.wait(self._wakeup, timeout)

    def _pass_failed(self) -> float:
        """Log a failed pass (the first of a series with its traceback); the seconds to
        wait before the next one, which reads the table (rows taken may be undelivered)."""
        if not self._failing_passes.failures:
            log.exception("outbox delivery failed, will retry")
        self._caught_up = False
        return self._failing_passes.next_delay()

    async def deliver_pending(self, stop: StopSignal | None = None) -> float | None:
        """Try every pending row of every room not backing off; returns the seconds until
        the next backing-off room is due, or None if none is.

        A stop abandons the request in flight (it is resent with the same transaction id
        next time) and raises Stopped; rows already confirmed stay recorded.
        """
        return await self._deliver_rows(await self._read_pending(), stop or StopSignal(), True)

    async def _deliver_next(self, stop: StopSignal) -> float | None:
        """One pass of ``run``: only the rows handed over while caught up, else the table."""
        if self._caught_up and asyncio.get_running_loop().time() < self._next_read:
            rows = list(self._handed.values())
            self._handed.clear()
            return await self._deliver_rows(rows, stop, False)
        return await self.deliver_pending(stop)

    async def _deliver_rows(
        self, pending: list[QueuedRow], stop: StopSignal, read: bool
    ) -> float | None:
        """Try ``pending`` (all rows of the table if ``read``) in order, skipping rooms
        that back off; returns the seconds until the next backing-off room is due."""
        self._caught_up = False  # until this pass has settled every row it took
        waiting = Counter(record.room_id for record in pending)
        now = asyncio.get_running_loop().time()
        held_rooms = {room for room, state in self._rooms.items() if state.due > now}
        settled = 0
        for record in pending:
            if record.room_id in held_rooms:
                continue
            try:
                event_id = await self._deliver(record, stop)
            except MatrixError as exc:
                if self._reachability is not None:
                    self._reachability.failed(exc, sync=False)
                if exc.transient:
                    held_rooms.add(record.room_id)
                    await self._record_failure(record, exc)
                else:
                    reported = await self._abandon(record, exc)
                    await self._set_aside(record, exc, reported=reported)
                    # The row its room waited for is gone: the room no longer backs off
                    # (its state would stay due for ever, and the loop never wait).
                    self._rooms.pop(record.room_id, None)
                    settled += 1
                continue
            if self._reachability is not None:
                self._reachability.answered()
            await self._record_success(record, event_id, waiting[record.room_id])
            settled += 1
        self._caught_up = settled == len(pending) and not self._rooms
        await self._update_gauges(len(pending) - settled, count_dead=read)
        dues = [state.due for state in self._rooms.values()]
        return max(0.0, min(dues) - asyncio.get_running_loop().time()) if dues else None

    async def _read_pending(self) -> list[QueuedRow]:
        """Every undelivered row in the table, in order; handed rows among them are
        delivered from here, not again from the hand-over."""
        self._next_read = asyncio.get_running_loop().time() + self._poll_interval
        async with self._db.transaction() as session:
            records = await session.scalars(
                select(OutboxRecord)
                .where(OutboxRecord.sent_at.is_(None), OutboxRecord.dead_at.is_(None))
                .order_by(OutboxRecord.id)
            )
            pending = [QueuedRow.of(record) for record in records]
        self._last_read = {row.id for row in pending}
        for row in pending:
            self._handed.pop(row.id, None)
        return pending

    async def _deliver(self, record: QueuedRow, stop: StopSignal) -> str | None:
        # Only the network requests give way to a stop; the database read runs through.
        content = dict(record.content)
        if record.event_type.startswith(OPERATION_PREFIX):
            return await self._perform(record, content, stop)
        if record.attachment is not None:
            content = await stop.race(
                self._client.attach(record.room_id, content, record.attachment)
            )
        if record.replaces_outbox_id is not None:
            content = await self._edit_target(record.replaces_outbox_id, content)
        return await stop.race(
            self._client.send(record.room_id, record.event_type, content, record.txn_id)
        )

    async def _perform(
        self, record: QueuedRow, payload: dict[str, Any], stop: StopSignal
    ) -> str | None:
        name = record.event_type.removeprefix(OPERATION_PREFIX)
        operation = self._operations.get(name)
        if operation is None:
            # Queued by a version that knew it, or a typo: retrying cannot help.
            raise MatrixError(name, "unknown room operation", http_status=400)
        if "outbox_id" in payload:
            event_id = await self._event_id_of(int(payload.pop("outbox_id")))
            if event_id is None:
                return None  # the message it concerns was set aside: nothing to act on
            payload["event_id"] = event_id
        try:
            return await stop.race(operation(record.room_id, payload))
        except (MatrixError, Stopped):
            raise
        except Exception as exc:
            # An operation also records its outcome (in its own transaction): a database
            # failure there may pass, so it is retried like a network failure, not lost.
            log.exception("room operation %s (outbox %d) failed", name, record.id)
            raise MatrixError(name, repr(exc)) from exc

    async def _event_id_of(self, outbox_id: int) -> str | None:
        """The event row ``outbox_id`` was delivered as; rows of a room go out in order,
        so it was delivered unless it is gone or dead."""
        async with self._db.transaction() as session:
            event_id: str | None = await session.scalar(
                select(OutboxRecord.event_id).where(OutboxRecord.id == outbox_id)
            )
        return event_id

    async def _edit_target(self, original_id: int, edit: dict[str, Any]) -> dict[str, Any]:
        """The edit pointed at the original's event; if that is gone or dead, the new
        content goes out as a message."""
        event_id = await self._event_id_of(original_id)
        if event_id is None:
            return dict(edit["m.new_content"])
        return {**edit, "m.relates_to": {"rel_type": "m.replace", "event_id": event_id}}

    async def _record_success(self, record: QueuedRow, event_id: str | None, waited: int) -> None:
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
        state = self._rooms.pop(record.room_id, None)
        if state is not None:
            failed_for = (sent_at - state.failing_since).total_seconds()
            log.info(
                "outbox delivery to %s recovered after %.0f s; %d message(s) waited",
                record.room_id,
                failed_for,
                waited,
            )

    async def _record_failure(self, record: QueuedRow, exc: MatrixError) -> None:
        async with self._db.transaction() as session:
            stored = await session.get(OutboxRecord, record.id)
            if stored is not None:
                stored.attempts += 1
                stored.last_error = str(exc)
        state = self._rooms.get(record.room_id)
        if state is None:
            # Log the change of state once, not every retry.
            state = _RoomState(self._clock.now(), str(exc), self._room_backoff())
            self._rooms[record.room_id] = state
            log.warning("outbox delivery to %s failing, will retry: %s", record.room_id, exc)
        delay = state.backoff.next_delay(exc.retry_after_ms)
        state.due = asyncio.get_running_loop().time() + delay
        state.unanswered = unreachable(exc)

    async def _abandon(self, record: QueuedRow, exc: MatrixError) -> bool:
        """Let an operation refused for good undo what it left pending; True if it
        reported the failure itself."""
        if not record.event_type.startswith(OPERATION_PREFIX):
            return False
        operation = self._operations.get(record.event_type.removeprefix(OPERATION_PREFIX))
        if not isinstance(operation, AbandonableOperation):
            return False
        return await operation.abandon(record.room_id, dict(record.content), exc)

    async def _set_aside(self, record: QueuedRow, exc: MatrixError, *, reported: bool) -> None:
        """Mark the row dead and, in the same transaction, queue its report, so it is
        reported exactly once; a dead row in the coordination room itself is only logged,
        and one whose operation ``reported`` the failure itself is not reported again."""
        report = (
            not reported
            and self._coordination_room is not None
            and record.room_id != self._coordination_room
        )
        async with self._db.transaction() as session:
            stored = await session.get(OutboxRecord, record.id)
            if stored is None:
                return
            stored.attempts += 1
            stored.last_error = str(exc)
            stored.dead_at = self._clock.now()
            if report and self._coordination_room is not None:
                notice = i18n.text_in_both(
                    "outbox.dead", self._lang, id=record.id, room=record.room_id, error=str(exc)
                )
                await Outbox(session, self._clock, self.wake).post(
                    self._coordination_room, text_content(notice)
                )
        if self._metrics is not None:
            self._metrics.outbox_dead.inc()
        log.error(
            "outbox message %d to %s set aside as dead (see `weerbaar outbox list`): %s",
            record.id,
            record.room_id,
            exc,
        )

    async def _update_gauges(self, backlog: int, *, count_dead: bool) -> None:
        # Dead rows are counted with each read of the table (`weerbaar outbox drop|retry`
        # in another process changes them); between reads only _set_aside adds to them.
        if self._metrics is None:
            return
        self._metrics.outbox_backlog.set(backlog)
        if not count_dead:
            return
        async with self._db.transaction() as session:
            dead = await session.scalar(
                select(func.count())
                .select_from(OutboxRecord)
                .where(OutboxRecord.dead_at.is_not(None))
            )
        self._metrics.outbox_dead.set(dead or 0)
