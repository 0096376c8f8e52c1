"""Benchmark: validate 100 playbooks, then walk a 50-step playbook through chat commands.

The commands go through the real dispatcher, services and SQLite database (replies land in
the outbox); only the homeserver is left out, so the figures are the bot's own cost.

    .venv/bin/python bench/bench_playbooks.py
"""

from __future__ import annotations

import asyncio
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml

from bot.alerts.model import IncomingAlert, Severity
from bot.clock import SystemClock
from bot.commands import build_registry
from bot.commands.access import AccessPolicy
from bot.commands.dispatcher import CommandDispatcher
from bot.matrix.events import IncomingMessage
from bot.matrix.notices import MatrixNotifier
from bot.metrics import Metrics
from bot.playbooks.catalog import DirectoryCatalog
from bot.playbooks.loader import validate_paths
from bot.services import ServiceFactory
from bot.storage.db import Database
from bot.storage.migrate import upgrade

STEPS = 50
PLAYBOOKS = 100
USER = "@alice:bench"


def playbook(ident: str, steps: int) -> dict[str, Any]:
    """A valid playbook with ``steps`` steps, checklists and one decision with a branch."""

    def text(words: str) -> dict[str, str]:
        return {"nl": words, "en": words}

    return {
        "id": ident,
        "version": "1",
        "title": text(f"Bench {ident}"),
        "scenario": text("benchmark"),
        "triggers": [{"description": text("bench")}],
        "roles": [{"id": "coordinator", "name": text("Coordinator")}],
        "recovery_targets": {
            "max_tolerable_outage": "3d",
            "rto": "1d",
            "rpo": "4h",
            "minimum_service_level": text("-"),
        },
        "decisions": [
            {
                "id": "go",
                "question": text("Go?"),
                "decided_by": "coordinator",
                "after_step": "s1",
                "options": [
                    {"id": "yes", "label": text("yes"), "consequences": text("-"),
                     "next_steps": [f"s{steps}"]},
                    {"id": "no", "label": text("no"), "consequences": text("-")},
                ],
            }
        ],
        "steps": [
            {
                "id": f"s{i}",
                "title": text(f"Step {i}"),
                "owner": "coordinator",
                "deadline": f"T+{i}h",
                "checklist": [text("check a"), text("check b")],
            }
            for i in range(1, steps + 1)
        ],
    }  # fmt: skip


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


async def main() -> None:
    with tempfile.TemporaryDirectory() as scratch:
        directory = Path(scratch) / "playbooks"
        directory.mkdir()
        for index in range(PLAYBOOKS):
            path = directory / f"bench-{index:03}.yaml"
            path.write_text(yaml.safe_dump(playbook(f"bench-{index:03}", STEPS)), "utf-8")
        started = time.perf_counter()
        issues = validate_paths([directory])
        elapsed = time.perf_counter() - started
        assert not issues, issues
        print(f"validate {PLAYBOOKS} playbooks of {STEPS} steps: {elapsed * 1000:.0f} ms")

        db = Database(f"sqlite+aiosqlite:///{scratch}/bench.db")
        await upgrade(db)
        factory = ServiceFactory(
            db,
            SystemClock(),
            notifier_for=lambda outbox: MatrixNotifier(outbox, "!coordination:bench", "en"),
            taskforce=[USER],
            playbooks=DirectoryCatalog(directory),
            on_outbox_commit=lambda rows: None,
        )
        async with factory.transaction() as services:
            alert = await services.alerts.receive(
                IncomingAlert(supplier="Acme", title="Outage", severity=Severity.S2, source="b")
            )
            situation = await services.situations.escalate_alert(alert.id, USER)
        # No homeserver: the room the outbox sender would open is recorded directly.
        room = "!incident:bench"
        async with factory.transaction() as services:
            await services.situations.attach_incident_room(situation.id, alert.id, room, USER, None)
        dispatcher = CommandDispatcher(
            build_registry(), factory, AccessPolicy([USER]), "en", "UTC", Metrics()
        )
        commands = ["!playbook start bench-000"]
        for i in range(1, STEPS):
            commands += [f"!check {i} 1", f"!step done {i}"]
            if i == 1:
                commands.append("!choose go yes --why bench")
        commands += [f"!step done {STEPS}", "!steps", "!next"]
        timings: list[float] = []
        for number, body in enumerate(commands):
            started = time.perf_counter()
            await dispatcher.handle(IncomingMessage(f"$bench{number}", room, USER, body))
            timings.append(time.perf_counter() - started)
        async with factory.transaction() as services:
            (run,) = await services.playbook_runs.runs(situation.id)
            assert run.state.complete, "the walk-through did not finish the playbook"
        await db.dispose()
    total = sum(timings)
    print(
        f"{len(commands)} commands for a {STEPS}-step playbook: total {total:.2f} s, "
        f"p50 {statistics.median(timings) * 1000:.1f} ms, "
        f"p95 {percentile(timings, 0.95) * 1000:.1f} ms, max {max(timings) * 1000:.1f} ms"
    )


if __name__ == "__main__":
    asyncio.run(main())
