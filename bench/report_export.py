"""Export a situation with 10,000 log entries in every format and print the timings.

    .venv/bin/python bench/report_export.py [--entries N]

Targets: md/html/json/csv under 1 s, pdf/odt under 10 s. Uses a throwaway SQLite file;
gathering (reading and verifying the chain) is timed separately from rendering.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.clock import Clock
from bot.decisionlog.kinds import EntryKind
from bot.decisionlog.log import SituationLog
from bot.reports.data import ReportService
from bot.reports.formats import FORMATS
from bot.reports.view import build_view
from bot.storage.db import Database
from bot.storage.migrate import upgrade
from bot.storage.models import SituationRecord

TARGETS = {"md": 1.0, "html": 1.0, "json": 1.0, "csv": 1.0, "pdf": 10.0, "odt": 10.0}


class TickingClock(Clock):
    """Thirty seconds per entry, so the report spans days like a real long incident."""

    def __init__(self) -> None:
        self.moment = datetime(2026, 11, 23, 6, 0, tzinfo=UTC)

    def now(self) -> datetime:
        self.moment += timedelta(seconds=30)
        return self.moment


async def fill(db: Database, entries: int) -> int:
    clock = TickingClock()
    async with db.transaction() as session:
        situation = SituationRecord(
            supplier="Acme Cloud",
            title="Payroll SaaS down",
            phase="crisis",
            opened_at=clock.now(),
            opened_by="@alice:example.org",
        )
        session.add(situation)
        await session.flush()
        log = SituationLog(session, clock)
        kinds = (EntryKind.NOTE, EntryKind.DECISION, EntryKind.ACTION, EntryKind.LESSON)
        for number in range(entries):
            kind = kinds[number % len(kinds)]
            payload: dict[str, object] = {"text": f"Observation {number}: status unchanged"}
            if kind is EntryKind.DECISION:
                payload = {
                    "decision": f"Decision {number}",
                    "rationale": "Because",
                    "options": [],
                    "decision_point": None,
                    "information": None,
                    "present": ["@alice:example.org"],
                    "review_at": None,
                }
            elif kind is EntryKind.ACTION:
                payload = {
                    "owner": "@bob:example.org",
                    "action": f"Action {number}",
                    "due_at": None,
                }
            await log.append(situation.id, kind, "@alice:example.org", payload)
        return situation.id


async def main(entries: int) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        db = Database(f"sqlite+aiosqlite:///{Path(scratch) / 'bench.db'}")
        await upgrade(db)
        situation_id = await fill(db, entries)
        started = time.perf_counter()
        async with db.transaction() as session:
            gathered = await ReportService(session, SituationLog(session, TickingClock())).gather(
                situation_id
            )
        gather_s = time.perf_counter() - started
        await db.dispose()
    started = time.perf_counter()
    view = build_view(gathered, "nl", "Europe/Amsterdam", datetime.now(UTC))
    view_s = time.perf_counter() - started
    print(f"{entries} entries; gather+verify {gather_s:.2f} s, view {view_s:.2f} s")
    failed = False
    for name, fmt in FORMATS.items():
        started = time.perf_counter()
        data = fmt.render(view, "nl", "Europe/Amsterdam")
        took = time.perf_counter() - started
        verdict = "ok" if took < TARGETS[name] else "SLOW"
        failed |= verdict != "ok"
        size = len(data) / 1e6
        print(f"{name:5} {took:6.2f} s  {size:6.2f} MB  target < {TARGETS[name]:.0f} s  {verdict}")
    if failed:
        raise SystemExit(1)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=10_000)
    asyncio.run(main(parser.parse_args().entries))
