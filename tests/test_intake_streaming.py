"""Request bodies that reach the intake in pieces: raw HTTP/1.1 over loopback sockets.

A sender's TCP writes need not arrive together: the intake must read the whole body,
chunked or not, before it checks a signature over it, refuse an oversized body as soon as
it passes the cap, and answer a sender that stalls mid-body after the read timeout.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from sqlalchemy import func, select

from bot.app import Weerbaar
from bot.config import AlertSourceSettings, IntakeSettings
from bot.intake.client import signed_headers
from bot.sandbox.world import SandboxWorld
from bot.storage.models import AlertRecord, OutboxRecord
from tests.support.homeserver import bot_settings, running_bot
from tests.support.matrix_user import wait_until

TOKEN = "bearer-token-0123456789"
LIMIT = 4096
# Pacing only, no assertion on it: long enough that each write reaches the intake as a
# separate read.
PAUSE = 0.3
# The bot runs in the test's event loop: on a loaded machine that loop can stall for
# seconds, so a body that does arrive gets a deadline no stall reaches, and only the tests
# of the deadline itself (a sender that stalls for good) get a short one.
PATIENT_READ_TIMEOUT = 60.0
STALL_READ_TIMEOUT = 2.0
ANSWER_TIMEOUT = 90.0


@contextlib.asynccontextmanager
async def intake_bot(
    world: SandboxWorld, tmp_path: Path, read_timeout: float
) -> AsyncIterator[Weerbaar]:
    """A running bot with a small body cap, ``read_timeout`` and a bearer source."""
    intake = IntakeSettings(
        host="127.0.0.1",
        port=0,
        hmac_secret=world.hmac_secret,
        max_body_bytes=LIMIT,
        read_timeout_seconds=read_timeout,
        sources=[AlertSourceSettings(name="tok", kind="generic", auth="bearer", secret=TOKEN)],
    )
    async with running_bot(bot_settings(world, tmp_path / "bot", intake=intake)) as instance:
        yield instance


@pytest_asyncio.fixture(loop_scope="session")
async def streaming_bot(world: SandboxWorld, tmp_path: Path) -> AsyncIterator[Weerbaar]:
    """A bot whose read timeout a body that arrives never meets."""
    async with intake_bot(world, tmp_path, PATIENT_READ_TIMEOUT) as instance:
        yield instance


@pytest_asyncio.fixture(loop_scope="session")
async def impatient_bot(world: SandboxWorld, tmp_path: Path) -> AsyncIterator[Weerbaar]:
    """A bot with a short read timeout, for senders that stop mid-body."""
    async with intake_bot(world, tmp_path, STALL_READ_TIMEOUT) as instance:
        yield instance


def alert_body(title: str, padding: int = 0) -> bytes:
    """A generic alert; ``padding`` characters of details make it as large as a test needs."""
    alert = {"supplier": "Acme Cloud", "title": title, "details": "x" * padding}
    return json.dumps(alert).encode()


def split(body: bytes, parts: int) -> list[bytes]:
    size = -(-len(body) // parts)
    return [body[start : start + size] for start in range(0, len(body), size)]


def chunked(pieces: Sequence[bytes], *, last: bool = True) -> list[bytes]:
    """``pieces`` in chunked transfer coding; ``last`` adds the terminating chunk."""
    encoded = [b"%x\r\n%s\r\n" % (len(piece), piece) for piece in pieces]
    if last:
        encoded[-1] += b"0\r\n\r\n"
    return encoded


def request_head(path: str, headers: dict[str, str]) -> bytes:
    lines = [f"POST {path} HTTP/1.1", "Host: 127.0.0.1", "Connection: close"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


async def exchange(
    bot: Weerbaar, path: str, headers: dict[str, str], writes: Sequence[bytes]
) -> tuple[int, Any]:
    """Send the head, then each write after a pause; returns the status and JSON answer.

    The answer is read while writing goes on, so a refusal before the body's end is seen;
    a test that stops sending simply leaves the body unfinished.
    """
    reader, writer = await asyncio.open_connection("127.0.0.1", bot.intake_port)

    async def send() -> None:
        writer.write(request_head(path, headers))
        await writer.drain()
        for data in writes:
            await asyncio.sleep(PAUSE)
            writer.write(data)
            await writer.drain()

    sending = asyncio.create_task(send())
    try:
        # Bounded so an intake that never answers fails the test instead of hanging it.
        async with asyncio.timeout(ANSWER_TIMEOUT):
            status_line = await reader.readline()
            length = 0
            while (line := await reader.readline()) not in (b"\r\n", b""):
                name, _, value = line.decode().partition(":")
                if name.strip().lower() == "content-length":
                    length = int(value)
            answer = json.loads(await reader.readexactly(length))
    finally:
        sending.cancel()
        with contextlib.suppress(asyncio.CancelledError, ConnectionError):
            await sending
        writer.close()
    return int(status_line.split()[1]), answer


async def stored(bot: Weerbaar) -> tuple[list[str], int]:
    """Titles of the stored alerts and the number of queued room notices."""
    async with bot.db.transaction() as session:
        titles = list(await session.scalars(select(AlertRecord.title)))
        notices = await session.scalar(select(func.count()).select_from(OutboxRecord))
    return titles, notices or 0


async def test_signed_body_in_several_writes_is_stored(
    streaming_bot: Weerbaar, world: SandboxWorld
) -> None:
    body = alert_body("in pieces", padding=1000)
    headers = signed_headers(world.hmac_secret.encode(), body)
    headers["Content-Length"] = str(len(body))
    status, answer = await exchange(streaming_bot, "/alerts", headers, split(body, 3))
    assert status == 202, answer
    assert answer["status"] == "accepted"
    assert (await stored(streaming_bot))[0] == ["in pieces"]


async def test_bearer_body_in_several_writes_is_stored(streaming_bot: Weerbaar) -> None:
    body = alert_body("bearer in pieces", padding=1000)
    headers = {
        "Content-Type": "application/json",
        "Authorization": f"Bearer {TOKEN}",
        "Content-Length": str(len(body)),
    }
    status, answer = await exchange(streaming_bot, "/alerts/generic/tok", headers, split(body, 3))
    assert status == 202, answer
    assert (await stored(streaming_bot))[0] == ["bearer in pieces"]


async def test_chunked_body_is_stored(streaming_bot: Weerbaar, world: SandboxWorld) -> None:
    body = alert_body("chunked", padding=1000)
    headers = signed_headers(world.hmac_secret.encode(), body)
    headers["Transfer-Encoding"] = "chunked"
    status, answer = await exchange(streaming_bot, "/alerts", headers, chunked(split(body, 3)))
    assert status == 202, answer
    assert (await stored(streaming_bot))[0] == ["chunked"]


async def test_chunked_body_over_the_limit_is_refused_once_past_it(
    streaming_bot: Weerbaar, world: SandboxWorld
) -> None:
    body = alert_body("too large", padding=3 * LIMIT)
    headers = signed_headers(world.hmac_secret.encode(), body)
    headers["Transfer-Encoding"] = "chunked"
    # Only just past the cap, never finished: the answer must come without the rest.
    pieces = split(body[: LIMIT + 1], 3)
    status, answer = await exchange(streaming_bot, "/alerts", headers, chunked(pieces, last=False))
    assert (status, answer["error"]) == (413, "too_large"), answer
    assert await stored(streaming_bot) == ([], 0)


async def test_announced_body_over_the_limit_is_refused_while_arriving(
    streaming_bot: Weerbaar, world: SandboxWorld
) -> None:
    body = alert_body("too large", padding=3 * LIMIT)
    headers = signed_headers(world.hmac_secret.encode(), body)
    headers["Content-Length"] = str(len(body))
    status, answer = await exchange(streaming_bot, "/alerts", headers, split(body[:LIMIT], 2))
    assert (status, answer["error"]) == (413, "too_large"), answer
    assert await stored(streaming_bot) == ([], 0)


async def test_sender_that_stalls_mid_body_gets_408_and_nothing_is_stored(
    impatient_bot: Weerbaar, world: SandboxWorld
) -> None:
    body = alert_body("stalled", padding=1000)
    headers = signed_headers(world.hmac_secret.encode(), body)
    headers["Content-Length"] = str(len(body))
    status, answer = await exchange(impatient_bot, "/alerts", headers, [body[: len(body) // 2]])
    assert (status, answer["error"]) == (408, "timeout"), answer
    assert await stored(impatient_bot) == ([], 0)


async def test_stalled_chunked_sender_gets_408(
    impatient_bot: Weerbaar, world: SandboxWorld
) -> None:
    body = alert_body("stalled chunked", padding=1000)
    headers = signed_headers(world.hmac_secret.encode(), body)
    headers["Transfer-Encoding"] = "chunked"
    pieces = chunked(split(body, 2), last=False)[:1]
    status, answer = await exchange(impatient_bot, "/alerts", headers, pieces)
    assert (status, answer["error"]) == (408, "timeout"), answer
    assert await stored(impatient_bot) == ([], 0)


async def test_sender_that_hangs_up_mid_body_is_refused_quietly(
    streaming_bot: Weerbaar, world: SandboxWorld, caplog: pytest.LogCaptureFixture
) -> None:
    body = alert_body("hung up", padding=1000)
    headers = signed_headers(world.hmac_secret.encode(), body)
    headers["Content-Length"] = str(len(body))
    _, writer = await asyncio.open_connection("127.0.0.1", streaming_bot.intake_port)
    writer.write(request_head("/alerts", headers) + body[:100])
    await writer.drain()
    await asyncio.sleep(PAUSE)
    writer.close()
    refused = {"route": "/alerts", "status": "400"}

    def counted() -> float | None:
        registry = streaming_bot.metrics.registry
        return registry.get_sample_value("weerbaar_webhook_requests_total", refused)

    await wait_until(counted)
    assert not [record for record in caplog.records if record.levelno >= logging.ERROR]
    assert await stored(streaming_bot) == ([], 0)
