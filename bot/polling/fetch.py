"""Fetching a feed from outside with a time limit and a size cap."""

from __future__ import annotations

import aiohttp

USER_AGENT = "Weerbaar feed poller"


class FeedError(Exception):
    """The feed could not be read or understood; the message says why in one line."""


async def fetch(url: str, *, timeout: float, max_bytes: int) -> bytes:
    """The body of ``url``; FeedError when slow, too large, not 200 or unreachable.

    The cap is checked against Content-Length and again while reading, so a server that
    lies about the length or streams forever cannot exhaust memory.
    """
    limits = aiohttp.ClientTimeout(total=timeout)
    try:
        async with (
            aiohttp.ClientSession(timeout=limits, headers={"User-Agent": USER_AGENT}) as http,
            http.get(url, allow_redirects=True, max_redirects=3) as response,
        ):
            if response.status != 200:
                raise FeedError(f"HTTP {response.status}")
            if response.content_length is not None and response.content_length > max_bytes:
                raise FeedError(f"larger than {max_bytes} bytes")
            body = bytearray()
            async for chunk in response.content.iter_chunked(64 * 1024):
                body += chunk
                if len(body) > max_bytes:
                    raise FeedError(f"larger than {max_bytes} bytes")
            return bytes(body)
    except TimeoutError:
        raise FeedError(f"no answer within {timeout:g} s") from None
    except aiohttp.ClientError as exc:
        raise FeedError(f"{type(exc).__name__}: {exc}"[:300]) from None
