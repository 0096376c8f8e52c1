"""P1: webhook accept latency under 200 concurrent senders, Weerbaar vs a bare endpoint.

Weerbaar's intake verifies the HMAC signature, records the receipt (replay protection),
stores and de-duplicates the alert, queues its room notice and commits, all before 202.
The bare endpoint is plain aiohttp that parses the same JSON and inserts the same alert
row into the same database. Both servers run in this process on 127.0.0.1; the senders
run in a second process, as real senders would, started (by the warm-up) before timing.

    .venv/bin/python -m bench.p1_webhook_latency [--requests 4000] [--concurrency 200]
        [--db postgresql+asyncpg://postgres@127.0.0.1:5432/test]  (default: SQLite file)

With --db a scratch database is created on that server for the run and dropped after.
"""

from __future__ import annotations

import argparse
import asyncio
import time

from aiohttp import web

from bench.harness import (
    SecondProcessDriver,
    bare_app,
    bench_factory,
    describe,
    intake_app,
    scratch_database,
    serve,
)
from bot.storage.db import Database

WARM_UP = 200


async def measure(
    label: str, app: web.Application, args: argparse.Namespace, first: int
) -> dict[str, float]:
    runner, port = await serve(app)
    url = f"http://127.0.0.1:{port}/alerts"
    driver = SecondProcessDriver()
    try:
        await driver.drive(url, WARM_UP, args.concurrency, first=first)
        began = time.perf_counter()
        latencies = await driver.drive(url, args.requests, args.concurrency, first=first + WARM_UP)
        return describe(label, latencies, time.perf_counter() - began)
    finally:
        driver.close()
        await runner.cleanup()


async def main(args: argparse.Namespace) -> None:
    async with scratch_database(args.db) as url:
        db = Database(url)
        print(f"P1 on {url.split('://')[0]}: {args.requests} requests, {args.concurrency} senders")
        bare = await measure("bare", bare_app(db), args, first=0)
        # Distinct external ids per run: the intake would fold repeats into one alert.
        ours = await measure("weerbaar", await intake_app(bench_factory(db)), args, first=10**6)
        print(
            f"    ratio: p50 {ours['p50_ms'] / bare['p50_ms']:.2f}x, "
            f"p99 {ours['p99_ms'] / bare['p99_ms']:.2f}x (target <= 1x), "
            f"throughput {ours['rps'] / bare['rps']:.2f}x"
        )
        await db.dispose()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=4000)
    parser.add_argument("--concurrency", type=int, default=200)
    parser.add_argument("--db", help="SQLAlchemy async URL (default: a SQLite file)")
    asyncio.run(main(parser.parse_args()))
