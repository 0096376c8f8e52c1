"""Shared pieces of the benchmarks: the real intake without a homeserver, and a load driver.

Everything listens on 127.0.0.1 only and every loop is bounded by a request count.
"""

from __future__ import annotations

import asyncio
import json
import multiprocessing
import statistics
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ProcessPoolExecutor
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import asyncpg
from aiohttp import web

from bot.alerts.model import IncomingAlert
from bot.clock import SystemClock
from bot.config import IntakeSettings
from bot.intake.client import signed_headers
from bot.intake.server import IntakeApp
from bot.matrix.notices import MatrixNotifier
from bot.metrics import Metrics
from bot.playbooks.catalog import DirectoryCatalog
from bot.services import ServiceFactory
from bot.storage.db import Database
from bot.storage.migrate import upgrade
from bot.storage.models import AlertRecord

SECRET = "bench-secret"
ROOM = "!coordination:bench"
REPO = Path(__file__).resolve().parent.parent


@asynccontextmanager
async def scratch_database(server_url: str | None) -> AsyncIterator[str]:
    """A migrated, empty database for one run, removed afterwards.

    ``server_url`` names a PostgreSQL server (any database on it: only used to create and
    drop the scratch one); without it a SQLite file in a temporary directory.
    """
    if server_url is None:
        with tempfile.TemporaryDirectory() as scratch:
            url = f"sqlite+aiosqlite:///{Path(scratch) / 'bench.db'}"
            await _migrate(url)
            yield url
        return
    admin = await asyncpg.connect(server_url.replace("postgresql+asyncpg", "postgresql"))
    name = f"weerbaar_bench_{uuid.uuid4().hex[:12]}"
    await admin.execute(f'CREATE DATABASE "{name}"')
    try:
        url = server_url.rsplit("/", 1)[0] + f"/{name}"
        await _migrate(url)
        yield url
    finally:
        await admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
        await admin.close()


async def _migrate(url: str) -> None:
    db = Database(url)
    await upgrade(db)
    await db.dispose()


def bench_factory(db: Database, group_window_seconds: int = 60) -> ServiceFactory:
    """The bot's own services on ``db``; room posts stay in the outbox (no homeserver)."""
    return ServiceFactory(
        db,
        SystemClock(),
        notifier_for=lambda outbox: MatrixNotifier(outbox, ROOM, "en"),
        taskforce=["@bench:local"],
        playbooks=DirectoryCatalog(REPO / "playbooks"),
        on_outbox_commit=lambda rows: None,
        alert_group_window=timedelta(seconds=group_window_seconds),
    )


async def serve(app: web.Application) -> tuple[web.AppRunner, int]:
    """Run ``app`` on a free loopback port."""
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    return runner, int(runner.addresses[0][1])


def bare_app(db: Database) -> web.Application:
    """The baseline: parse, validate, insert the row, commit, 202."""

    async def post(request: web.Request) -> web.Response:
        incoming = IncomingAlert.model_validate(json.loads(await request.read()))
        now = datetime.now(UTC)
        async with db.transaction() as session:
            alert = AlertRecord(
                source=incoming.source,
                supplier=incoming.supplier,
                severity=incoming.severity.value,
                title=incoming.title,
                details=incoming.details,
                links=[],
                external_id=incoming.external_id,
                received_at=now,
                last_seen_at=now,
                count=1,
                status="open",
            )
            session.add(alert)
            await session.flush()
            alert_id = alert.id
        return web.json_response({"id": alert_id, "status": "accepted"}, status=202)

    app = web.Application()
    app.router.add_post("/alerts", post)
    return app


async def intake_app(factory: ServiceFactory) -> web.Application:
    """Weerbaar's real intake application."""

    async def healthy() -> dict[str, Any]:
        return {"healthy": True}

    settings = IntakeSettings(host="127.0.0.1", port=0, hmac_secret=SECRET)
    return IntakeApp(settings, factory, healthy, Metrics()).build()


def alert_body(number: int, suppliers: int = 50) -> bytes:
    """A distinct generic alert; suppliers in turn."""
    return json.dumps(
        {
            "supplier": f"Supplier {number % suppliers:02d}",
            "title": f"Storm alert {number}",
            "severity": "S3",
            "external_id": f"bench-{number}",
            "source": "bench",
        }
    ).encode()


async def drive(
    url: str,
    count: int,
    concurrency: int,
    start_at: Callable[[int], float] | None = None,
    first: int = 0,
) -> list[float]:
    """POST ``count`` signed alerts with ``concurrency`` senders; latencies in seconds.

    ``start_at(i)`` (seconds after the start) paces request ``i``; unpaced otherwise.
    Every answer must be 202.
    """
    latencies: list[float] = []
    next_index = iter(range(first, first + count))
    began = time.perf_counter()
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector) as http:

        async def sender() -> None:
            for number in next_index:
                if start_at is not None:
                    delay = began + start_at(number - first) - time.perf_counter()
                    if delay > 0:
                        await asyncio.sleep(delay)
                body = alert_body(number)
                headers = signed_headers(SECRET.encode(), body)
                sent = time.perf_counter()
                async with http.post(url, data=body, headers=headers) as response:
                    await response.read()
                    if response.status != 202:
                        raise RuntimeError(f"{url}: HTTP {response.status}")
                latencies.append(time.perf_counter() - sent)

        await asyncio.gather(*(sender() for _ in range(concurrency)))
    return latencies


def _drive_in_this_process(
    url: str, count: int, concurrency: int, rate: float | None, first: int
) -> list[float]:
    start_at = None if rate is None else (lambda index: index / rate)
    return asyncio.run(drive(url, count, concurrency, start_at, first))


class SecondProcessDriver:
    """``drive`` run by a second process, as real senders are: the load generator's own
    work (building, signing, timing requests) does not compete for the measured server's
    event loop. The process starts with the first call: warm up with it before timing."""

    def __init__(self) -> None:
        context = multiprocessing.get_context("spawn")
        self._pool = ProcessPoolExecutor(max_workers=1, mp_context=context)

    async def drive(
        self, url: str, count: int, concurrency: int, *, rate: float | None = None, first: int = 0
    ) -> list[float]:
        """As ``drive``; ``rate`` paces it at that many requests per second."""
        return await asyncio.get_running_loop().run_in_executor(
            self._pool, _drive_in_this_process, url, count, concurrency, rate, first
        )

    def close(self) -> None:
        """End the second process."""
        self._pool.shutdown()


def percentile(values: list[float], fraction: float) -> float:
    """The ``fraction`` quantile (0..1) of ``values``."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def describe(label: str, latencies: list[float], elapsed: float) -> dict[str, float]:
    """Print and return p50/p99/mean in ms and requests per second."""
    figures = {
        "p50_ms": percentile(latencies, 0.50) * 1000,
        "p99_ms": percentile(latencies, 0.99) * 1000,
        "mean_ms": statistics.fmean(latencies) * 1000,
        "rps": len(latencies) / elapsed,
    }
    print(
        f"{label:>9}: n={len(latencies)} p50={figures['p50_ms']:.1f} ms "
        f"p99={figures['p99_ms']:.1f} ms mean={figures['mean_ms']:.1f} ms "
        f"{figures['rps']:.0f} req/s"
    )
    return figures
