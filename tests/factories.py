"""A service factory on a test database, shared by the storage-level tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.clock import Clock
from bot.matrix.notices import MatrixNotifier
from bot.playbooks.catalog import DirectoryCatalog
from bot.services import ServiceFactory
from bot.storage.db import Database
from tests.conftest import PLAYBOOKS

COORDINATION = "!coordination:test"


class SteppingClock:
    """A clock that advances one second per reading, so ordering is visible."""

    def __init__(self) -> None:
        self.moment = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)

    def now(self) -> datetime:
        self.moment += timedelta(seconds=1)
        return self.moment


def make_factory(db: Database, clock: Clock | None = None) -> ServiceFactory:
    """Services on ``db`` with a taskforce of alice and bob and the shipped playbooks."""
    return ServiceFactory(
        db,
        clock or SteppingClock(),
        notifier_for=lambda outbox: MatrixNotifier(outbox, COORDINATION, "en"),
        taskforce=["@alice:test", "@bob:test"],
        playbooks=DirectoryCatalog(PLAYBOOKS),
        on_outbox_commit=lambda: None,
    )
