"""Fetching a feed from outside with a time limit, a size cap and conditional requests."""

from __future__ import annotations

from dataclasses import dataclass

import aiohttp

USER_AGENT = "Weerbaar feed poller"


class FeedError(Exception):
    """The feed could not be read or understood; the message says why in one line."""


class StatusError(FeedError):
    """The server answered with a status other than 200 (or 304 to a conditional request).

    Kept apart because for some resources an answer such as 404 is information (GLEIF
    answers 404 for an entity without a reported ultimate parent), not a broken feed.
    """

    def __init__(self, status: int) -> None:
        self.status = status
        super().__init__(f"HTTP {status}")


@dataclass(frozen=True)
class Validators:
    """What the server said identifies its last answer (ETag, Last-Modified)."""

    etag: str | None = None
    last_modified: str | None = None

    def headers(self) -> dict[str, str]:
        """The conditional request headers these validators allow."""
        headers = {}
        if self.etag:
            headers["If-None-Match"] = self.etag
        if self.last_modified:
            headers["If-Modified-Since"] = self.last_modified
        return headers


@dataclass(frozen=True)
class Fetched:
    """A body, or None when the server answered 304 Not Modified; the new validators."""

    body: bytes | None
    validators: Validators


def user_agent(contact: str | None) -> str:
    """The User-Agent: sources such as SEC EDGAR ask for a contact in it."""
    return f"{USER_AGENT} ({contact})" if contact else USER_AGENT


async def fetch(
    url: str,
    *,
    timeout: float,
    max_bytes: int,
    agent: str = USER_AGENT,
    validators: Validators | None = None,
) -> Fetched:
    """The body of ``url``; FeedError when slow, too large, not 200/304 or unreachable.

    The cap is checked against Content-Length and again while reading, so a server that
    lies about the length or streams forever cannot exhaust memory. With ``validators``
    the request is conditional, and 304 comes back as a Fetched without a body.
    """
    limits = aiohttp.ClientTimeout(total=timeout)
    headers = {"User-Agent": agent, **(validators.headers() if validators else {})}
    try:
        async with (
            aiohttp.ClientSession(timeout=limits, headers=headers) as http,
            http.get(url, allow_redirects=True, max_redirects=3) as response,
        ):
            answered = Validators(
                response.headers.get("ETag"), response.headers.get("Last-Modified")
            )
            if response.status == 304 and validators is not None:
                return Fetched(None, validators)
            if response.status != 200:
                raise StatusError(response.status)
            if response.content_length is not None and response.content_length > max_bytes:
                raise FeedError(f"larger than {max_bytes} bytes")
            body = bytearray()
            async for chunk in response.content.iter_chunked(64 * 1024):
                body += chunk
                if len(body) > max_bytes:
                    raise FeedError(f"larger than {max_bytes} bytes")
            return Fetched(bytes(body), answered)
    except TimeoutError:
        raise FeedError(f"no answer within {timeout:g} s") from None
    except aiohttp.ClientError as exc:
        raise FeedError(f"{type(exc).__name__}: {exc}"[:300]) from None
