"""Alerts on both databases: de-duplication, attaching to open situations, ack and resolve."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from bot.alerts.grouping import group_key
from bot.alerts.model import IncomingAlert, Severity
from bot.errors import AlertAlreadyAcknowledged, AlertAlreadyResolved
from bot.matrix.notices import ALERT_ID_FIELD
from bot.matrix.outbox import OutboxSender
from bot.situations.phases import Phase
from bot.storage.db import Database
from bot.storage.models import AlertRecord, OutboxRecord, TimerRecord
from tests.support.clock import stepping_clock
from tests.support.factories import make_factory
from tests.support.fakes import FlakyClient


def incoming(
    external_id: str | None = "fp-1", source: str = "prom", **fields: object
) -> IncomingAlert:
    values: dict[str, object] = {
        "supplier": "Acme Cloud",
        "title": "Payroll down",
        "severity": Severity.S2,
        "external_id": external_id,
        "source": source,
    }
    values.update(fields)
    return IncomingAlert.model_validate(values)


async def count(database: Database, model: type[AlertRecord] | type[OutboxRecord]) -> int:
    async with database.transaction() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def test_a_repeat_updates_count_and_last_seen_instead_of_a_new_alert(
    database: Database,
) -> None:
    factory = make_factory(database)
    async with factory.transaction() as services:
        first = await services.alerts.receive(incoming())
        first_seen = first.last_seen_at
    async with factory.transaction() as services:
        again = await services.alerts.receive(incoming())
        other_source = await services.alerts.receive(incoming(source="pagerduty"))
        without_id = await services.alerts.receive(incoming(external_id=None))
        without_id_again = await services.alerts.receive(incoming(external_id=None))
    assert again.id == first.id
    assert again.count == 2
    assert first_seen is not None and again.last_seen_at is not None
    assert again.last_seen_at > first_seen
    # the external id is unique per source only; alerts without one are never merged
    assert len({first.id, other_source.id, without_id.id, without_id_again.id}) == 4
    assert await count(database, AlertRecord) == 4
    assert await count(database, OutboxRecord) == 4  # a repeat is not announced again


async def test_a_resolved_alert_that_fires_again_is_a_new_alert(database: Database) -> None:
    factory = make_factory(database)
    async with factory.transaction() as services:
        first = await services.alerts.receive(incoming())
        await services.alerts.resolve(first.id, "prom")
        assert await services.alerts.find_unresolved("prom", "fp-1") is None
    async with factory.transaction() as services:
        second = await services.alerts.receive(incoming())
        assert await services.alerts.find_unresolved("prom", "fp-1") is second
    assert second.id != first.id and second.count == 1


async def test_a_separator_in_source_or_id_never_merges_two_identities(
    database: Database,
) -> None:
    # POST /alerts lets the sender name the source, so either half may hold the
    # key's separator: ("mon\x1fa", "b") and ("mon", "a\x1fb") are different alerts.
    factory = make_factory(database)
    async with factory.transaction() as services:
        in_id = await services.alerts.receive(incoming("a\x1fb", source="mon"))
        in_source = await services.alerts.receive(incoming("b", source="mon\x1fa"))
        plain = await services.alerts.receive(incoming("fp-1", source="prom"))
    assert in_source.id != in_id.id and in_source.count == 1 and in_id.count == 1
    # keys already stored keep matching: a source without the separator keeps its key
    assert (plain.dedup_key, in_id.dedup_key) == ("prom\x1ffp-1", "mon\x1fa\x1fb")
    async with factory.transaction() as services:
        again = await services.alerts.receive(incoming("b", source="mon\x1fa"))
        assert await services.alerts.find_unresolved("mon", "a\x1fb") is not None
    assert again.id == in_source.id and again.count == 2


async def test_acknowledge_and_resolve_record_who_and_when_and_refuse_twice(
    database: Database,
) -> None:
    factory = make_factory(database)
    async with factory.transaction() as services:
        alert = await services.alerts.receive(incoming())
    async with factory.transaction() as services:
        acked = await services.alerts.acknowledge(alert.id, "@alice:test")
        with pytest.raises(AlertAlreadyAcknowledged) as twice:
            await services.alerts.acknowledge(alert.id, "@bob:test")
    assert (acked.status, acked.acknowledged_by) == ("acknowledged", "@alice:test")
    assert acked.acknowledged_at is not None
    assert twice.value.params == {"alert_id": alert.id, "actor": "@alice:test"}
    async with factory.transaction() as services:
        resolved = await services.alerts.resolve(alert.id, "@bob:test")
        with pytest.raises(AlertAlreadyResolved):
            await services.alerts.resolve(alert.id, "@bob:test")
        with pytest.raises(AlertAlreadyResolved):
            await services.alerts.acknowledge(alert.id, "@bob:test")
    assert (resolved.status, resolved.resolved_by) == ("resolved", "@bob:test")
    assert resolved.resolved_at is not None and resolved.dedup_key is None


async def test_alerts_attach_to_the_suppliers_open_situation_and_are_logged(
    database: Database,
) -> None:
    factory = make_factory(database)
    async with factory.transaction() as services:
        first = await services.alerts.receive(incoming("a"))
        situation = await services.situations.open_for_alert(first, "@alice:test")
    async with factory.transaction() as services:
        same_supplier = await services.alerts.receive(incoming("b", supplier="ACME cloud"))
        other_supplier = await services.alerts.receive(incoming("c", supplier="Globex"))
        entries = await services.log.entries(situation.id)
        check = await services.log.verify(situation.id)
    assert same_supplier.situation_id == situation.id
    assert other_supplier.situation_id is None
    assert [entry.kind for entry in entries] == ["situation_opened", "alert_attached"]
    assert entries[1].payload["alert_id"] == same_supplier.id
    assert entries[1].actor == "prom"
    assert check.intact
    # once the situation is in evaluation, new alerts no longer attach to it
    async with factory.transaction() as services:
        await services.situations.change_phase(situation.id, Phase.CRISIS, "@a:test", "bad")
        await services.situations.change_phase(situation.id, Phase.EVALUATION, "@a:test", "over")
        later = await services.alerts.receive(incoming("d"))
    assert later.situation_id is None


async def test_state_changes_edit_the_original_notice(database: Database) -> None:
    clock = stepping_clock()
    factory = make_factory(database, clock=clock)
    async with factory.transaction() as services:
        alert = await services.alerts.receive(incoming())
    client = FlakyClient(failing_room="!none:test")
    sender = OutboxSender(database, client, clock)  # type: ignore[arg-type]
    await sender.deliver_pending()
    async with factory.transaction() as services:
        await services.alerts.acknowledge(alert.id, "@alice:test")
    await sender.deliver_pending()
    notice, edit = (content for _, _, content in client.sent)
    assert notice[ALERT_ID_FIELD] == alert.id
    assert edit["m.relates_to"] == {"rel_type": "m.replace", "event_id": "$event1"}
    new = edit["m.new_content"]
    assert new[ALERT_ID_FIELD] == alert.id
    assert "Acknowledged by @alice:test" in new["body"]
    assert edit["body"].startswith("* ")


async def test_an_edit_queued_before_the_notice_was_sent_still_points_at_it(
    database: Database,
) -> None:
    clock = stepping_clock()
    factory = make_factory(database, clock=clock)
    async with factory.transaction() as services:
        alert = await services.alerts.receive(incoming())
        await services.alerts.resolve(alert.id, "prom")
    client = FlakyClient(failing_room="!none:test")
    await OutboxSender(database, client, clock).deliver_pending()  # type: ignore[arg-type]
    _notice, edit = (content for _, _, content in client.sent)
    assert edit["m.relates_to"]["event_id"] == "$event1"
    assert "Resolved by prom" in edit["m.new_content"]["body"]
    assert "!ack" not in edit["m.new_content"]["body"]  # nothing left to do


async def test_an_exercise_alert_never_folds_into_a_real_one_with_the_same_id(
    database: Database,
) -> None:
    # A drill sent to the intake with a real alert's source and id must not count as a
    # repeat of the real alert (and so join the real situation), nor a real repeat
    # vanish into an exercise alert that is purged with the exercise.
    factory = make_factory(database)
    async with factory.transaction() as services:
        real = await services.alerts.receive(incoming())
        situation = await services.situations.track_alert(real.id, "@alice:test")
    async with factory.transaction() as services:
        drill = await services.alerts.receive(incoming(exercise=True))
        drill_again = await services.alerts.receive(incoming(exercise=True))
        real_again = await services.alerts.receive(incoming())
    assert drill.id != real.id and drill.exercise and drill.situation_id != situation.id
    assert (drill_again.id, drill_again.count) == (drill.id, 2)
    assert (real_again.id, real_again.count, real_again.exercise) == (real.id, 2, False)


CONCURRENT = 12


async def test_concurrent_transactions_lose_no_repeat_and_no_grouped_alert(
    database: Database,
) -> None:
    # On PostgreSQL intake requests run in parallel transactions; counts and a window's
    # list of alerts are read, changed and written back, so they must be locked.
    factory = make_factory(database)
    factory._alert_group_window = timedelta(minutes=5)
    async with factory.transaction() as services:
        first = await services.alerts.receive(incoming())  # posted, and opens the window

    async def receive(alert: IncomingAlert) -> int:
        async with factory.transaction() as services:
            return (await services.alerts.receive(alert)).id

    await asyncio.gather(*(receive(incoming()) for _ in range(CONCURRENT)))
    grouped = await asyncio.gather(
        *(receive(incoming(external_id=f"grouped-{n}")) for n in range(CONCURRENT))
    )
    async with database.transaction() as session:
        stored = await session.get(AlertRecord, first.id)
        window = await session.scalar(
            select(TimerRecord).where(TimerRecord.key == group_key(first.supplier))
        )
    assert stored is not None and stored.count == CONCURRENT + 1
    assert window is not None and sorted(window.payload["alert_ids"]) == sorted(grouped)
