"""Domain services on a test database, and the situations most tests start from."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from bot.alerts.model import IncomingAlert, Severity
from bot.clock import Clock
from bot.matrix.notices import MatrixNotifier
from bot.matrix.outbox import Outbox
from bot.playbooks.catalog import DirectoryCatalog
from bot.playbooks.runs import PlaybookPolicy
from bot.services import ServiceFactory
from bot.storage.db import Database
from bot.storage.models import LogEntryRecord, SituationRecord
from tests.support.clock import ManualClock, stepping_clock
from tests.support.fakes import escalate_with_room
from tests.support.paths import PLAYBOOKS

COORDINATION = "!coordination:test"
PLAYBOOK = "example-supplier-outage"
ALICE, BOB, CAROL = "@alice:test", "@bob:test", "@carol:test"

ALERT = IncomingAlert(supplier="Acme", title="Outage", severity=Severity.S1, source="test")


def english_notices(outbox: Outbox) -> MatrixNotifier:
    """Notices in English, alerts to COORDINATION."""
    return MatrixNotifier(outbox, COORDINATION, "en")


def make_factory(db: Database, clock: Clock | None = None) -> ServiceFactory:
    """Services on ``db`` for taskforce alice and bob, notices to COORDINATION in English."""
    return ServiceFactory(
        db,
        clock or stepping_clock(),
        notifier_for=english_notices,
        taskforce=["@alice:test", "@bob:test"],
        playbooks=DirectoryCatalog(PLAYBOOKS),
        on_outbox_commit=lambda rows: None,
    )


def factory_for(
    database: Database, clock: ManualClock, sitrep_interval: timedelta | None = None
) -> ServiceFactory:
    """Services for alice, bob and carol whose playbook steps escalate after 30 minutes
    (and incidents ask for a sitrep every ``sitrep_interval``, if given)."""
    return ServiceFactory(
        database,
        clock,
        notifier_for=english_notices,
        taskforce=[ALICE, BOB, CAROL],
        playbooks=DirectoryCatalog(PLAYBOOKS),
        on_outbox_commit=lambda rows: None,
        playbook_policy=PlaybookPolicy(escalate_after=timedelta(minutes=30), language="en"),
        sitrep_interval=sitrep_interval,
    )


async def open_incident(factory: ServiceFactory) -> int:
    """The id of a situation escalated from a new ALERT, with its incident room open."""
    async with factory.transaction() as services:
        alert = await services.alerts.receive(ALERT)
    return (await escalate_with_room(factory, alert.id, ALICE)).id


async def kinds(database: Database, situation_id: int) -> list[str]:
    """The kinds of a situation's log entries, in order."""
    async with database.transaction() as session:
        return list(
            await session.scalars(
                select(LogEntryRecord.kind)
                .where(LogEntryRecord.situation_id == situation_id)
                .order_by(LogEntryRecord.seq)
            )
        )


async def stored_situation(database: Database, *, exercise: bool = False) -> int:
    """The id of a bare situation stored directly, without the services."""
    async with database.transaction() as session:
        situation = SituationRecord(
            supplier="Acme",
            title="Outage",
            phase="crisis",
            opened_at=datetime(2026, 1, 1, tzinfo=UTC),
            opened_by="@alice:test",
            is_exercise=exercise,
        )
        session.add(situation)
        await session.flush()
        return situation.id
