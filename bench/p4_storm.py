"""P4: a storm of 10,000 alerts over 50 suppliers against the whole bot.

The bot runs as ``weerbaar run`` does, in a process of its own (Matrix client, sync loop,
outbox sender, intake, timers) against a throwaway Synapse on 127.0.0.1; this process
sends the storm, waits for the last grouping window to close and the room posts to be
delivered, then prints: alerts persisted, room posts queued and delivered, the bot
process's peak RSS, and how often the timer scheduler skipped a run.

    .venv/bin/python -m bench.p4_storm [--alerts 10000] [--seconds 15] [--db URL]

With --db (a PostgreSQL server URL) a scratch database is created for the run and dropped.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import os
import signal
import sys
import tempfile
import time
from pathlib import Path

import aiohttp
from sqlalchemy import func, select

from bench.harness import (
    REPO,
    SECRET,
    SecondProcessDriver,
    bare_app,
    describe,
    drive,
    scratch_database,
    serve,
)
from bot.sandbox.ports import free_port
from bot.sandbox.synapse import ThrowawaySynapse
from bot.sandbox.world import create_world
from bot.storage.db import Database
from bot.storage.models import AlertRecord, OutboxRecord

SUPPLIERS = 50
GROUP_WINDOW = 60
CONCURRENCY = 200
# APScheduler's warning when a timer run is still busy at the next due time.
SKIPPED_RUN = "maximum number of running instances reached"


def peak_rss_mib(pid: int) -> float:
    """The high-water mark of a process's resident memory (Linux)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM")


async def wait_until_ready(url: str, process: asyncio.subprocess.Process, log: Path) -> None:
    """Until the bot is active, healthy and has synced (bounded: 120 s)."""
    deadline = time.monotonic() + 120
    async with aiohttp.ClientSession() as http:
        while time.monotonic() < deadline:
            if process.returncode is not None:
                raise RuntimeError(f"the bot exited; its log: {log}")
            try:
                async with http.get(url + "/healthz") as response:
                    report = await response.json()
                if report.get("healthy") and report.get("sync", {}).get("lag_seconds") is not None:
                    return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.2)
    raise RuntimeError(f"the bot did not get ready; its log: {log}")


async def delivered_and_queued(url: str, room: str) -> tuple[int, int]:
    db = Database(url)
    try:
        async with db.transaction() as session:
            queued = await session.scalar(
                select(func.count()).select_from(OutboxRecord).where(OutboxRecord.room_id == room)
            )
            delivered = await session.scalar(
                select(func.count())
                .select_from(OutboxRecord)
                .where(OutboxRecord.room_id == room, OutboxRecord.sent_at.is_not(None))
            )
    finally:
        await db.dispose()
    return int(delivered or 0), int(queued or 0)


async def bare_storm(args: argparse.Namespace) -> float:
    """The baseline: the same paced storm against a bare endpoint (one row per request,
    committed) served by this process and sent by a second one; returns its duration."""
    async with scratch_database(args.db) as url:
        db = Database(url)
        runner, port = await serve(bare_app(db))
        driver = SecondProcessDriver()
        try:
            began = time.perf_counter()
            latencies = await driver.drive(
                f"http://127.0.0.1:{port}/alerts",
                args.alerts,
                CONCURRENCY,
                rate=args.alerts / args.seconds,
            )
            sent = time.perf_counter() - began
            describe("bare", latencies, sent)
        finally:
            driver.close()
            await runner.cleanup()
            await db.dispose()
    return sent


async def main(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory() as scratch_dir:
        scratch = Path(scratch_dir)
        async with (
            ThrowawaySynapse(scratch / "synapse") as synapse,
            scratch_database(args.db) as url,
        ):
            # The bench signs with SECRET; everything else as the sandbox sets it up.
            world = dataclasses.replace(await create_world(synapse, ["storm"]), hmac_secret=SECRET)
            port = free_port()
            config = scratch / "bot.toml"
            config.write_text(
                world.config_toml(scratch / "data", REPO / "playbooks", port)
                + f'\n[storage]\nurl = "{url}"\n'
                + f"\n[alerts]\ngroup_window_seconds = {GROUP_WINDOW}\n"
            )
            log = scratch / "bot.log"
            with log.open("wb") as output:
                process = await asyncio.create_subprocess_exec(
                    sys.executable, "-m", "bot", "run", "-c", str(config),
                    stdout=output, stderr=output, env={**os.environ, "PYTHONUNBUFFERED": "1"},
                )  # fmt: skip
            try:
                intake = f"http://127.0.0.1:{port}"
                await wait_until_ready(intake, process, log)
                rate = args.alerts / args.seconds
                print(
                    f"P4 on {url.split('://')[0]}: {args.alerts} alerts, {SUPPLIERS} suppliers, "
                    f"{args.seconds} s ({rate:.0f}/s), grouping window {GROUP_WINDOW} s"
                )
                bare_sent = await bare_storm(args)
                began = time.perf_counter()
                latencies = await drive(
                    intake + "/alerts", args.alerts, CONCURRENCY, start_at=lambda i: i / rate
                )
                sent = time.perf_counter() - began
                describe("storm", latencies, sent)
                # The last grouping windows end and their summaries go out (bounded).
                await asyncio.sleep(GROUP_WINDOW + 5)
                for _ in range(60):
                    delivered, queued = await delivered_and_queued(url, world.coordination_room)
                    if delivered == queued:
                        break
                    await asyncio.sleep(1)
                rss = peak_rss_mib(process.pid)
            finally:
                process.send_signal(signal.SIGTERM)
                await asyncio.wait_for(process.wait(), 30)
            db = Database(url)
            async with db.transaction() as session:
                stored = await session.scalar(select(func.count()).select_from(AlertRecord))
            await db.dispose()
            skipped = log.read_text(errors="replace").count(SKIPPED_RUN)
    print(
        f"   sent in: {sent:.1f} s, bare {bare_sent:.1f} s, ratio {sent / bare_sent:.2f}x "
        "(target: within 15 s; the storm is paced over --seconds)"
    )
    print(f"persisted: {stored} of {args.alerts} alerts")
    print(f"    posts: {queued} room posts queued, {delivered} delivered to Synapse")
    print(f" peak RSS: {rss:.0f} MiB (the whole bot process; target < 150 MB)")
    print(f"  skipped: {skipped} timer runs (target 0)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--alerts", type=int, default=10_000)
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--db", help="SQLAlchemy async URL (default: a SQLite file)")
    asyncio.run(main(parser.parse_args()))
