"""Messages too large for the homeserver, on both databases: the shortened message and the
file go out, and what names the message (reactions, edits) names the one people read."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.alerts.model import IncomingAlert, Severity
from bot.matrix.outbox import MAX_CONTENT_BYTES, OutboxSender, content_size
from bot.storage.db import Database
from bot.storage.models import OutboxRecord
from tests.support.clock import stepping_clock
from tests.support.factories import make_factory
from tests.support.fakes import FlakyClient

# What a monitoring source puts in an alert's details: a JSON dump, full of quotes (each
# `&quot;` in the HTML) and with some non-ASCII (six bytes each in escaped JSON).
DUMP_LINE = '{"host": "db-01", "check": "latentie > 5 s", "status": "kritiek", "café": "ja"}\n'
DUMP = (DUMP_LINE * (20_000 // len(DUMP_LINE) + 1))[:20_000]
# Emoji: twelve bytes each in escaped JSON, so even the shortened texts need cutting.
EMOJI = "🔥" * 20_000


def big_alert(details: str) -> IncomingAlert:
    return IncomingAlert(
        supplier="Acme Cloud", title="Database down", severity=Severity.S1, details=details
    )


async def rows_of(database: Database) -> list[OutboxRecord]:
    async with database.transaction() as session:
        return list(await session.scalars(select(OutboxRecord).order_by(OutboxRecord.id)))


@pytest.mark.parametrize("details", [DUMP, EMOJI], ids=["dump", "emoji"])
async def test_a_large_alert_notice_marked_for_mail_fits_and_is_delivered(
    database: Database, details: str
) -> None:
    """An S1 notice also carries its text in the other language for the fallback mail;
    the shortened message must not keep that full text, or it is refused as too large."""
    clock = stepping_clock()
    factory = make_factory(database, clock=clock)
    async with factory.transaction() as services:
        await services.alerts.receive(big_alert(details))
    client = FlakyClient(failing_room="!none:test")
    await OutboxSender(database, client, clock).deliver_pending()  # type: ignore[arg-type]
    rows = await rows_of(database)
    assert [row.dead_at for row in rows] == [None, None]
    assert all(content_size(row.content) <= MAX_CONTENT_BYTES for row in rows)
    assert details in client.attached[0].decode()  # the full text, as a file
