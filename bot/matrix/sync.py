"""The sync loop: reads new room events and invites, and hands them on in order.

The sync token is stored only after every event of a batch has been handled, so a
crash re-delivers the batch; the dispatcher's handled-event records make that harmless.
On the very first start the bot skips the timeline: old commands are never replayed.
In encrypted rooms nio decrypts the timeline while reading the response; after each
sync the loop does the key housekeeping that nio's own sync_forever would do.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import Any

import nio

from bot.degraded.state import Reachability
from bot.matrix.client import MatrixClient, MatrixError
from bot.matrix.events import (
    IncomingMessage,
    IncomingReaction,
    incoming_message,
    thread_root_of,
)
from bot.matrix.outbox import Backoff
from bot.stopping import Stopped, StopSignal
from bot.storage.state import BotState

log = logging.getLogger(__name__)

SYNC_TOKEN_KEY = "sync_token"
# Synapse sends at most 10 timeline events per room unless asked for more; a burst of
# commands would then arrive as a "limited" timeline whose gap nio never reports.
TIMELINE_LIMIT = 200
GAP_PAGE_SIZE = 100
MAX_GAP_PAGES = 50
_QUIET = {"not_types": ["*"]}
SYNC_FILTER: dict[str, Any] = {
    "presence": _QUIET,
    "account_data": _QUIET,
    "room": {
        # Membership events stay in: the bot's own join marks where a room's history ends.
        "timeline": {"limit": TIMELINE_LIMIT},
        "state": {"lazy_load_members": True},
        "ephemeral": _QUIET,
        "account_data": _QUIET,
    },
}


def first_sync_filter() -> dict[str, Any]:
    """The filter of the very first sync, unique per call.

    Synapse caches /sync responses per device and request for a while; a bot started
    again with an empty database would get the cached answer of an earlier first sync,
    whose old token would then replay every command since. A nonce in the filter makes
    each first sync a new request. Its timeline is not handled, so one event is plenty.
    """
    nonce = f"@weerbaar-first-sync-{uuid.uuid4().hex}:invalid"
    room = {**SYNC_FILTER["room"], "timeline": {"limit": 1, "not_senders": [nonce]}}
    return {**SYNC_FILTER, "room": room}


MessageHandler = Callable[[IncomingMessage], Awaitable[None]]
ReactionHandler = Callable[[IncomingReaction], Awaitable[None]]
InviteHandler = Callable[[str, str | None], Awaitable[None]]
# Called with the room id and an encrypted event the bot has no room key for.
UndecryptableHandler = Callable[[str, nio.MegolmEvent], Awaitable[None]]


class SyncLoop:
    """Long-polls /sync and passes text messages and invites to their handlers."""

    def __init__(
        self,
        client: MatrixClient,
        state: BotState,
        on_message: MessageHandler,
        on_invite: InviteHandler,
        timeout_ms: int = 30_000,
        on_reaction: ReactionHandler | None = None,
        on_undecryptable: UndecryptableHandler | None = None,
        reachability: Reachability | None = None,
        on_recovered: Callable[[], None] = lambda: None,
    ) -> None:
        self._client = client
        self._reachability = reachability
        self._on_recovered = on_recovered
        self._state = state
        self._on_message = on_message
        self._on_invite = on_invite
        self._on_reaction = on_reaction
        self._on_undecryptable = on_undecryptable
        self._timeout_ms = timeout_ms
        self._backoff = Backoff()
        self._failing = False
        # Invites whose join or decline failed transiently, retried with every batch; a
        # failure on one room never holds back the batch (and with it every other room).
        self._pending_invites: dict[str, str | None] = {}
        self._retrying_invites: set[str] = set()  # logged once, not on every retry
        self.synced = asyncio.Event()
        self.last_success: float | None = None  # time.monotonic() of the last good sync

    async def run(self, stop: StopSignal) -> None:
        """Sync until ``stop`` is set; a batch already received is handled to its end."""
        with contextlib.suppress(Stopped):
            await self._sync_until(stop)

    async def _sync_until(self, stop: StopSignal) -> None:
        token = await self._state.get(SYNC_TOKEN_KEY)
        # Like nio's sync_forever, the first sync of a run does not wait for new events,
        # so `synced` soon means "caught up", also after a restart.
        timeout_ms = 0
        while True:
            try:
                token = await self._sync_once(token, timeout_ms, stop)
            except MatrixError as exc:
                if self._reachability is not None:
                    self._reachability.failed(exc, sync=True)
                await self._wait_after_failure(exc, stop)
                continue
            except Exception as exc:
                # A database hiccup must not end the loop; the batch is simply re-read.
                log.exception("sync batch failed")
                await self._wait_after_failure(exc, stop)
                continue
            if self._failing:
                self._failing = False
                log.info("sync recovered")
                self._on_recovered()
            if self._reachability is not None:
                self._reachability.answered()
            self._backoff.reset()
            self.last_success = time.monotonic()
            self.synced.set()
            timeout_ms = self._timeout_ms

    async def _sync_once(self, token: str | None, timeout_ms: int, stop: StopSignal) -> str:
        if token is None:
            response = await stop.race(
                self._client.sync(since=None, timeout_ms=0, sync_filter=first_sync_filter())
            )
        else:
            response = await stop.race(
                self._client.sync(since=token, timeout_ms=timeout_ms, sync_filter=SYNC_FILTER)
            )
        await self._handle_invites(response)
        if token is not None:  # the first sync only establishes where "now" is
            await self._handle_timelines(response, token)
        await self._state.set(SYNC_TOKEN_KEY, response.next_batch)
        # After the token is stored: a failure here retries the keys, not the batch.
        await stop.race(self._client.exchange_keys())
        return str(response.next_batch)

    async def _wait_after_failure(self, exc: Exception, stop: StopSignal) -> None:
        if not self._failing:
            self._failing = True
            log.warning("sync failing, will retry: %s", exc)
        retry_after = exc.retry_after_ms if isinstance(exc, MatrixError) else None
        await stop.sleep(self._backoff.next_delay(retry_after))

    async def _handle_invites(self, response: nio.SyncResponse) -> None:
        for room_id, info in response.rooms.invite.items():
            self._pending_invites[room_id] = next(
                (
                    event.sender
                    for event in info.invite_state
                    if isinstance(event, nio.InviteMemberEvent)
                    and event.state_key == self._client.user_id
                    and event.membership == "invite"
                ),
                None,
            )
        for room_id, inviter in list(self._pending_invites.items()):
            try:
                await self._on_invite(room_id, inviter)
            except MatrixError as exc:
                if exc.transient:
                    if room_id not in self._retrying_invites:
                        self._retrying_invites.add(room_id)
                        log.warning(
                            "answering the invitation to %s failed, will retry: %s", room_id, exc
                        )
                    continue
                log.warning("answering the invitation to %s failed for good: %s", room_id, exc)
            del self._pending_invites[room_id]
            self._retrying_invites.discard(room_id)

    async def _handle_timelines(self, response: nio.SyncResponse, since: str) -> None:
        for room_id, info in response.rooms.join.items():
            events = list(info.timeline.events)
            if info.timeline.limited:
                # Membership changes in the gap never reach nio's member list.
                self._client.forget_members(room_id)
            if info.timeline.limited and info.timeline.prev_batch and not self._joins_in(events):
                events = await self._fetch_gap(room_id, info.timeline.prev_batch, since) + events
            await self._load_members(room_id)
            for original in self._after_own_join(events):
                event = self._decrypted(room_id, original)
                if getattr(event, "sender", None) == self._client.user_id:
                    continue
                if isinstance(event, nio.MegolmEvent):
                    if self._on_undecryptable is not None:
                        await self._on_undecryptable(room_id, event)
                elif isinstance(event, nio.RoomMessageText):
                    content = event.source.get("content") or {}
                    message = incoming_message(event.event_id, room_id, event.sender, content)
                    if message.edits is not None:
                        message = await self._in_thread_of_edited(message)
                    await self._on_message(message)
                elif (
                    isinstance(event, nio.ReactionEvent)
                    and self._on_reaction is not None
                    and event.sender != self._client.user_id
                ):
                    await self._on_reaction(
                        IncomingReaction(
                            event_id=event.event_id,
                            room_id=room_id,
                            sender=event.sender,
                            reacts_to=event.reacts_to,
                            key=event.key,
                        )
                    )

    async def _in_thread_of_edited(self, edit: IncomingMessage) -> IncomingMessage:
        """``edit`` in the thread of the message it edits, if that is in one.

        An edit carries only its ``m.replace`` relation, yet belongs where the edited
        message is, so an answer to it must go into that thread. The homeserver is asked;
        a failure leaves the edit outside any thread rather than holding back the batch.
        """
        assert edit.edits is not None
        try:
            content = await self._client.event_content(edit.room_id, edit.edits)
        except MatrixError as exc:
            log.warning("cannot read the message %s edits: %s", edit.event_id, exc)
            return edit
        return replace(edit, thread_root=thread_root_of(content))

    async def _load_members(self, room_id: str) -> None:
        """Make the room's members known before its commands run (they are asked inside
        a transaction, where the homeserver is not called); a failure leaves them unknown
        rather than holding back the batch."""
        try:
            await self._client.load_members(room_id)
        except MatrixError as exc:
            log.warning("cannot load the members of %s: %s", room_id, exc)

    def _decrypted(self, room_id: str, event: Any) -> Any:
        """A still encrypted event decrypted now if possible, any other event unchanged.

        nio decrypts while reading a sync response, but skips a response it has seen
        before (a batch re-read after a failure); this catches those events.
        """
        if isinstance(event, nio.MegolmEvent):
            return self._client.decrypt(room_id, event) or event
        return event

    def _is_own_join(self, event: Any) -> bool:
        return (
            isinstance(event, nio.RoomMemberEvent)
            and event.state_key == self._client.user_id
            and event.membership == "join"
            and event.prev_membership != "join"
        )

    def _joins_in(self, events: list[Any]) -> bool:
        return any(self._is_own_join(event) for event in events)

    def _after_own_join(self, events: list[Any]) -> list[Any]:
        """Only what happened after the bot joined: history of a room is never replayed."""
        for index in range(len(events) - 1, -1, -1):
            if self._is_own_join(events[index]):
                return events[index + 1 :]
        return events

    async def _fetch_gap(self, room_id: str, prev_batch: str, since: str) -> list[Any]:
        """Events between the previous sync and a limited timeline, oldest first.

        Pagination stops at the previous sync's token or at the bot's own join, whichever
        comes first, so nothing from before the bot was in the room is returned.
        """
        older: list[Any] = []
        start = prev_batch
        for _ in range(MAX_GAP_PAGES):
            page = await self._client.messages_before(room_id, start, since, GAP_PAGE_SIZE)
            for event in page.chunk:
                if self._is_own_join(event):
                    return list(reversed(older))
                older.append(event)
            if not page.chunk or not page.end or page.end == start:
                break
            start = page.end
        else:
            log.warning("gap in %s longer than %d events; older ones skipped", room_id, len(older))
        return list(reversed(older))
