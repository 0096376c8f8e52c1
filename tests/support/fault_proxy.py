"""A reverse proxy on 127.0.0.1 in front of Synapse that fails sends to chosen rooms,
or every request while the homeserver is to look down.

Synapse's rate limit counts per user, so it cannot make one room fail while another
works; this proxy can. Every send through it is recorded in order, with the answer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import aiohttp
from aiohttp import web

# PUT /_matrix/client/{version}/rooms/{roomId}/send/{eventType}/{txnId}
_SEND_PATH = re.compile(r"/_matrix/client/[^/]+/rooms/(?P<room>[^/]+)/send/[^/]+/(?P<txn>[^/]+)$")
# Hop-by-hop headers and those aiohttp sets itself for the forwarded body.
_NOT_FORWARDED = {"host", "content-length", "transfer-encoding", "connection"}


@dataclass(frozen=True)
class SendAttempt:
    """One PUT .../send/... through the proxy and the status it got."""

    room_id: str
    txn_id: str
    status: int


class FaultProxy:
    """Forwards everything to ``upstream``; sends to a room in ``failing_rooms`` get a 503."""

    def __init__(self, upstream: str) -> None:
        self.upstream = upstream.rstrip("/")
        self.failing_rooms: set[str] = set()
        self.down = False
        self.sends: list[SendAttempt] = []
        self._runner: web.AppRunner | None = None
        self._session: aiohttp.ClientSession | None = None
        self.port = 0

    @property
    def url(self) -> str:
        """The homeserver URL to give the bot."""
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> None:
        """Listen on a free loopback port."""
        # No total timeout: /sync long-polls for 30 s.
        self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=None))
        app = web.Application(client_max_size=100 * 1024 * 1024)
        app.router.add_route("*", "/{path:.*}", self._forward)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = self._runner.addresses[0][1]

    async def close(self) -> None:
        """Close the upstream session, then stop listening.

        In that order: a forwarded long-poll (/sync holds for up to 30 s) is cut off at
        once, else the server's cleanup waits for it to end.
        """
        if self._session is not None:
            await self._session.close()
        if self._runner is not None:
            await self._runner.cleanup()

    async def go_down(self) -> None:
        """Answer every request 503 (as a reverse proxy before a dead homeserver does),
        and cut off the requests in flight, such as a long-polling /sync."""
        self.down = True
        assert self._session is not None
        await self._session.close()
        self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=None))

    def come_back(self) -> None:
        """Forward requests again."""
        self.down = False

    def attempts_in(self, room_id: str) -> list[SendAttempt]:
        """The sends to ``room_id`` so far, in order."""
        return [attempt for attempt in self.sends if attempt.room_id == room_id]

    async def _forward(self, request: web.Request) -> web.StreamResponse:
        if self.down:
            return web.json_response({"error": "homeserver down (test proxy)"}, status=503)
        send = _SEND_PATH.match(request.path) if request.method == "PUT" else None
        if send is not None and send["room"] in self.failing_rooms:
            self.sends.append(SendAttempt(send["room"], send["txn"], 503))
            return web.json_response(
                {"errcode": "M_UNKNOWN", "error": "injected by the test proxy"}, status=503
            )
        assert self._session is not None
        headers = {k: v for k, v in request.headers.items() if k.lower() not in _NOT_FORWARDED}
        async with self._session.request(
            request.method,
            self.upstream + request.rel_url.raw_path_qs,
            headers=headers,
            data=await request.read(),
            allow_redirects=False,
        ) as upstream:
            body = await upstream.read()
            if send is not None:
                self.sends.append(SendAttempt(send["room"], send["txn"], upstream.status))
            return web.Response(
                body=body,
                status=upstream.status,
                content_type=upstream.content_type,
            )
