"""The job scheduler reports an overrunning job once, not once per skipped run."""

from __future__ import annotations

import asyncio
import logging

import pytest
from apscheduler.events import EVENT_JOB_MAX_INSTANCES

from bot.scheduling.runner import JobScheduler
from tests.support.matrix_user import wait_until

SKIPS_TO_SEE = 5


async def test_an_overrunning_job_is_logged_once_when_it_starts_and_once_when_it_recovers(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO)
    release = asyncio.Event()

    async def slow_job() -> None:
        await release.wait()

    scheduler = JobScheduler()
    scheduler.add_job(slow_job, "interval", seconds=0.05, id="slow", max_instances=1)
    scheduler.start()
    skipped: list[object] = []
    scheduler.add_listener(skipped.append, EVENT_JOB_MAX_INSTANCES)
    try:
        await wait_until(lambda: len(skipped) >= SKIPS_TO_SEE)
        release.set()
        await wait_until(lambda: "caught up" in caplog.text)
    finally:
        await scheduler.stop()
    messages = [record.getMessage() for record in caplog.records]
    assert [m for m in messages if "maximum number of running instances" in m] == []
    assert len([m for m in messages if "still running when due again" in m]) == 1
    caught_up = [m for m in messages if "caught up" in m]
    assert len(caught_up) == 1
    assert int(caught_up[0].split("; ")[1].split()[0]) >= SKIPS_TO_SEE
