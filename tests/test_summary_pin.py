"""The pinned incident summary follows every change it shows (issue 18 item 4).

The summary is refreshed at one choke point: the log marks each situation it appends to,
and the transaction edits each marked situation's summary once before it commits. These
tests drive the services on the database and read the edits queued in the outbox.
"""

from __future__ import annotations

from sqlalchemy import select

from bot.situations.phases import Phase
from bot.storage.db import Database
from bot.storage.models import IncidentSummaryRecord, OutboxRecord
from tests.support.clock import ManualClock
from tests.support.factories import ALICE, BOB, PLAYBOOK, factory_for, open_incident


async def _pin_versions(database: Database, situation_id: int) -> list[str]:
    """The summary as posted, then as each queued edit shows it."""
    async with database.transaction() as session:
        summary = await session.get(IncidentSummaryRecord, situation_id)
        assert summary is not None
        rows = await session.scalars(
            select(OutboxRecord)
            .where(
                (OutboxRecord.id == summary.outbox_id)
                | (OutboxRecord.replaces_outbox_id == summary.outbox_id)
            )
            .order_by(OutboxRecord.id)
        )
        return [row.content.get("m.new_content", row.content)["body"] for row in rows]


async def test_the_pin_is_posted_when_the_room_opens(database: Database) -> None:
    factory = factory_for(database, ManualClock())
    situation_id = await open_incident(factory)
    (posted,) = await _pin_versions(database, situation_id)
    assert "Phase: crisis" in posted


async def test_every_kind_of_change_shows_in_the_pin(database: Database) -> None:
    clock = ManualClock()
    factory = factory_for(database, clock)
    situation_id = await open_incident(factory)

    async with factory.transaction() as services:
        await services.roles.assign(situation_id, None, BOB, "scribe", ALICE)
    assert f"scribe: {BOB}" in (await _pin_versions(database, situation_id))[-1]

    async with factory.transaction() as services:
        await services.playbook_runs.start(situation_id, PLAYBOOK, ALICE)
    assert (
        "1. Establish the situational picture" in (await _pin_versions(database, situation_id))[-1]
    )

    async with factory.transaction() as services:
        await services.playbook_runs.complete_step(situation_id, None, "assess", BOB, "")
    after_step = (await _pin_versions(database, situation_id))[-1]
    assert "Establish the situational picture" not in after_step  # done: off the agenda
    assert "fallback-or-wait" in after_step  # and opened the decision after it

    async with factory.transaction() as services:
        await services.playbook_runs.choose(
            situation_id, None, "fallback-or-wait", "activate-fallback", ALICE, "pay on time"
        )
    assert "fallback-or-wait" not in (await _pin_versions(database, situation_id))[-1]

    async with factory.transaction() as services:
        await services.situations.change_phase(situation_id, Phase.DE_ESCALATION, ALICE, "calm")
    assert "Phase: de-escalation" in (await _pin_versions(database, situation_id))[-1]


async def test_one_edit_per_transaction_and_none_for_changes_it_does_not_show(
    database: Database,
) -> None:
    factory = factory_for(database, ManualClock())
    situation_id = await open_incident(factory)
    async with factory.transaction() as services:
        await services.roles.assign(situation_id, None, BOB, "scribe", ALICE)
        await services.roles.assign(situation_id, None, ALICE, "comms", ALICE)
    assert len(await _pin_versions(database, situation_id)) == 2

    async with factory.transaction() as services:
        await services.decisions.decide(situation_id, ALICE, "Call the supplier", "no news")
    assert len(await _pin_versions(database, situation_id)) == 2
