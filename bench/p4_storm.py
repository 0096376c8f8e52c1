"""P4: a storm of 10,000 alerts over 50 suppliers in 60 s against Weerbaar's intake.

The intake and the timers (storm grouping) run in a child process, as the bot would; this
process sends the storm over 127.0.0.1, waits for the last grouping window to close, then
prints: alerts persisted, room posts queued (outbox rows), and the child's peak RSS.

    .venv/bin/python -m bench.p4_storm [--alerts 10000] [--seconds 60] [--db URL]

With --db (a PostgreSQL server URL) a scratch database is created for the run and dropped.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from pathlib import Path

from sqlalchemy import func, select

from bench.harness import bench_factory, describe, drive, intake_app, scratch_database, serve
from bot.scheduling.runner import TimerRunner, start_scheduler
from bot.storage.db import Database
from bot.storage.models import AlertRecord, OutboxRecord
from bot.timers import timer_handlers

SUPPLIERS = 50
GROUP_WINDOW = 60
CONCURRENCY = 200


async def child(url: str) -> None:
    """Intake plus timer scheduler until the parent closes our stdin."""
    db = Database(url)
    factory = bench_factory(db, GROUP_WINDOW)
    runner, port = await serve(await intake_app(factory))
    scheduler = start_scheduler(TimerRunner(factory, timer_handlers()))
    print(port, flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)
    scheduler.shutdown(wait=False)
    await runner.cleanup()
    await db.dispose()


def peak_rss_mib(pid: int) -> float:
    """The high-water mark of a process's resident memory (Linux)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM")


async def parent(args: argparse.Namespace) -> None:
    async with scratch_database(args.db) as url:
        db = Database(url)
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bench.p4_storm", "--serve", "--db", url,
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
        )  # fmt: skip
        assert process.stdin is not None
        assert process.stdout is not None
        port = int(await asyncio.wait_for(process.stdout.readline(), 60))
        rate = args.alerts / args.seconds
        print(f"P4 on {url.split('://')[0]}: {args.alerts} alerts, {SUPPLIERS} suppliers, "
              f"{args.seconds} s ({rate:.0f}/s), grouping window {GROUP_WINDOW} s")  # fmt: skip
        began = time.perf_counter()
        latencies = await drive(
            f"http://127.0.0.1:{port}/alerts",
            args.alerts,
            CONCURRENCY,
            start_at=lambda index: index / rate,
        )
        sent = time.perf_counter() - began
        describe("storm", latencies, sent)
        # Let the last grouping windows end and their summaries be queued (bounded).
        await asyncio.sleep(GROUP_WINDOW + 15)
        rss = peak_rss_mib(process.pid)
        process.stdin.close()
        await asyncio.wait_for(process.wait(), 30)
        async with db.transaction() as session:
            stored = await session.scalar(select(func.count()).select_from(AlertRecord))
            posts = await session.scalar(select(func.count()).select_from(OutboxRecord))
        await db.dispose()
        print(f"   sent in: {sent:.1f} s")
        print(f"persisted: {stored} of {args.alerts} alerts")
        print(f"    posts: {posts} room posts (outbox rows) for {args.alerts} alerts")
        print(f" peak RSS: {rss:.0f} MiB (intake + timers process; target < 150 MB)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--alerts", type=int, default=10_000)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--db", help="SQLAlchemy async URL (default: a SQLite file)")
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    asyncio.run(child(arguments.db) if arguments.serve else parent(arguments))
