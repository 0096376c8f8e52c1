"""Messages too large for the homeserver, on both databases: the shortened message and the
file go out, and what names the message (reactions, edits) names the one people read."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.alerts.model import IncomingAlert, Severity
from bot.commands.access import AccessPolicy
from bot.commands.reactions import ACKNOWLEDGE, ReactionHandler
from bot.matrix.events import IncomingReaction
from bot.matrix.outbox import MAX_CONTENT_BYTES, OutboxSender, content_size
from bot.storage.db import Database
from bot.storage.models import AlertRecord, OutboxRecord
from tests.support.clock import stepping_clock
from tests.support.factories import ALICE, COORDINATION, make_factory
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


async def test_a_reaction_on_the_shortened_notice_of_a_large_alert_acts_on_it(
    database: Database,
) -> None:
    """The shortened message is the notice people read and react to (the file is not)."""
    clock = stepping_clock()
    factory = make_factory(database, clock=clock)
    async with factory.transaction() as services:
        alert_id = (await services.alerts.receive(big_alert(DUMP))).id
    client = FlakyClient(failing_room="!none:test")
    sender = OutboxSender(database, client, clock)  # type: ignore[arg-type]
    await sender.deliver_pending()
    (notice,) = [row for row in await rows_of(database) if row.content["msgtype"] == "m.notice"]
    assert notice.event_id is not None
    reaction = IncomingReaction("$reaction", COORDINATION, ALICE, notice.event_id, ACKNOWLEDGE)
    await ReactionHandler(factory, AccessPolicy([ALICE])).handle(reaction)
    async with database.transaction() as session:
        alert = await session.get(AlertRecord, alert_id)
        assert alert is not None and alert.acknowledged_by == ALICE


@pytest.mark.parametrize("details", [DUMP, EMOJI], ids=["dump", "emoji"])
async def test_an_edit_of_a_large_notice_fits_and_its_full_text_follows_as_a_file(
    database: Database, details: str
) -> None:
    """An edit carries the text twice (fallback and new content): a large one is shortened
    like a message, or the homeserver refuses it and the notice never shows the change."""
    clock = stepping_clock()
    factory = make_factory(database, clock=clock)
    async with factory.transaction() as services:
        alert_id = (await services.alerts.receive(big_alert(details))).id
    client = FlakyClient(failing_room="!none:test")
    sender = OutboxSender(database, client, clock)  # type: ignore[arg-type]
    await sender.deliver_pending()
    async with factory.transaction() as services:
        await services.alerts.acknowledge(alert_id, ALICE)
    await sender.deliver_pending()
    rows = await rows_of(database)
    assert [content_size(row.content) <= MAX_CONTENT_BYTES for row in rows] == [True] * len(rows)
    notice, _file, edit, _edited_file = rows
    assert edit.replaces_outbox_id == notice.id
    _room, _txn, sent = client.sent[2]
    assert sent["m.relates_to"] == {"rel_type": "m.replace", "event_id": notice.event_id}
    assert f"Acknowledged by {ALICE}" in client.attached[1].decode()
