"""A local HTTP server on 127.0.0.1 serving feed fixtures, including slow and huge ones."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
from collections.abc import Awaitable, Callable

from aiohttp import web

Route = Callable[[web.Request], Awaitable[web.StreamResponse]]


class FeedServer:
    """Serves ``bodies`` by path (changeable between polls) and a few misbehaving routes."""

    def __init__(self) -> None:
        self.bodies: dict[str, bytes] = {}
        self.status: dict[str, int] = {}
        self.hits: dict[str, int] = {}
        # Per path: the last request's query string and headers, and 304 answers given.
        self.queries: dict[str, dict[str, str]] = {}
        self.headers: dict[str, dict[str, str]] = {}
        self.not_modified: dict[str, int] = {}
        self._release = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self.port = 0

    def url(self, path: str) -> str:
        """The full URL of ``path`` on this server."""
        return f"http://127.0.0.1:{self.port}{path}"

    async def start(self) -> None:
        """Listen on a free loopback port."""
        app = web.Application()
        app.router.add_get("/slow", self._slow)
        app.router.add_get("/endless", self._endless)
        app.router.add_get("/{path:.*}", self._serve)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = self._runner.addresses[0][1]

    async def close(self) -> None:
        """Let hanging handlers finish, then stop."""
        self._release.set()
        if self._runner is not None:
            await self._runner.cleanup()

    async def _serve(self, request: web.Request) -> web.StreamResponse:
        path = request.path
        self.hits[path] = self.hits.get(path, 0) + 1
        self.queries[path] = dict(request.query)
        self.headers[path] = dict(request.headers)
        if path not in self.bodies:
            return web.Response(status=404)
        # A strong ETag of the body, honoured like a real server (RFC 9110 If-None-Match).
        etag = '"' + hashlib.sha256(self.bodies[path]).hexdigest()[:16] + '"'
        if request.headers.get("If-None-Match") == etag:
            self.not_modified[path] = self.not_modified.get(path, 0) + 1
            return web.Response(status=304, headers={"ETag": etag})
        return web.Response(
            body=self.bodies[path], status=self.status.get(path, 200), headers={"ETag": etag}
        )

    async def _slow(self, request: web.Request) -> web.StreamResponse:
        """Sends the headers and one byte, then nothing until the server closes."""
        response = web.StreamResponse()
        await response.prepare(request)
        await response.write(b"{")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._release.wait(), 30)
        return response

    async def _endless(self, request: web.Request) -> web.StreamResponse:
        """Streams without a Content-Length far more than any cap (bounded: 8 MiB)."""
        response = web.StreamResponse()
        await response.prepare(request)
        with contextlib.suppress(ConnectionError):  # the client hangs up at its cap
            for _ in range(128):
                if self._release.is_set():
                    break
                await response.write(b"<" * 65536)
        return response
