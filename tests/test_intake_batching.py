"""Group commit of intake work against one transaction per request, on both databases."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
import pytest_asyncio
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import event, func, select

from bot.alerts.lookups import NO_NEEDS, Needs
from bot.alerts.model import IncomingAlert
from bot.intake.actions import Outcome, apply, needs
from bot.intake.batching import GroupCommit, apply_alone
from bot.intake.formats.common import Acknowledge, IntakeAction, Receive, Resolve
from bot.services import ServiceFactory, Services
from bot.storage.db import Database
from bot.storage.models import (
    AlertRecord,
    OutboxRecord,
    TimerRecord,
    WebhookReceiptRecord,
)
from tests.support.databases import ReusedPostgresDatabase
from tests.support.intake import intake_factory

Work = Callable[[Services], Awaitable[list[Outcome]]]


class Replayed(Exception):
    """The request's signature was used before (the HTTP layer answers 409)."""


class Broken(Exception):
    """A request that fails after it has written."""


def make_factory(database: Database) -> ServiceFactory:
    return intake_factory(database, alert_group_window=timedelta(minutes=1))


@dataclass(frozen=True)
class Request:
    """An intake request as the HTTP layer applies it: its receipt, then its action."""

    kind: str  # receive | acknowledge | resolve
    key: str | None
    supplier: int
    signature: int
    breaks: bool
    declares: bool  # whether it says in advance what it looks up (the intake always does)

    def work(self, run: str) -> Work:
        """The request's work; ``run`` keeps sources and signatures apart per run."""

        async def work(services: Services) -> list[Outcome]:
            if not await services.receipts.claim(self.receipt(run), services.clock.now()):
                raise Replayed
            outcome = await apply(services, self.action(run), run)
            if self.breaks:
                raise Broken
            return [outcome]

        return work

    def needs(self, run: str) -> Needs:
        """What the batch reads in advance for this request (nothing when undeclared)."""
        return needs([self.action(run)], run) if self.declares else NO_NEEDS

    def receipt(self, run: str) -> str:
        """The request's signature; ``run`` keeps them apart per run."""
        return f"{run}-{self.signature}"

    def declared_receipt(self, run: str) -> str | None:
        """The signature the batch reads in advance (None when undeclared)."""
        return self.receipt(run) if self.declares else None

    def action(self, source: str) -> IntakeAction:
        if self.kind == "receive" or self.key is None:
            alert = {
                # Per run: grouping windows (one per supplier) must not be shared.
                "supplier": f"{source} supplier {self.supplier}",
                "title": "Down",
                "severity": "S3",
                "external_id": self.key,
                "source": source,
            }
            return Receive(IncomingAlert.model_validate(alert))
        if self.kind == "acknowledge":
            return Acknowledge(self.key)
        return Resolve(self.key)


REQUESTS = st.builds(
    Request,
    kind=st.sampled_from(["receive", "receive", "acknowledge", "resolve"]),
    key=st.sampled_from([None, "k1", "k2", "k3"]),
    supplier=st.integers(0, 2),
    # Few signatures: replays, also of a first use in the same batch, are common.
    signature=st.integers(0, 6),
    breaks=st.integers(0, 7).map(lambda n: n == 0),
    declares=st.integers(0, 3).map(lambda n: n != 0),
)

Result = tuple[str, int | None, str]  # exception name or "ok", alert rank, status


async def snapshot(database: Database, run: str) -> tuple[list[tuple[object, ...]], int, int, int]:
    """The run's alerts (ids as creation ranks) and how many receipts, posts and timers exist."""
    async with database.transaction() as session:
        alerts = (
            await session.execute(
                select(
                    AlertRecord.external_id,
                    AlertRecord.supplier,
                    AlertRecord.count,
                    AlertRecord.status,
                    AlertRecord.notice_outbox_id.is_not(None),
                )
                .where(AlertRecord.source == run)
                .order_by(AlertRecord.id)
            )
        ).all()
        receipts = await session.scalar(
            select(func.count())
            .select_from(WebhookReceiptRecord)
            .where(WebhookReceiptRecord.signature.startswith(f"{run}-"))
        )
        posts = await session.scalar(select(func.count()).select_from(OutboxRecord))
        timers = await session.scalar(select(func.count()).select_from(TimerRecord))
    rows = [(key, supplier.removeprefix(run), *rest) for key, supplier, *rest in alerts]
    return rows, int(receipts or 0), int(posts or 0), int(timers or 0)


async def ranks(database: Database, run: str) -> dict[int, int]:
    async with database.transaction() as session:
        ids = await session.scalars(
            select(AlertRecord.id).where(AlertRecord.source == run).order_by(AlertRecord.id)
        )
        return {alert_id: rank for rank, alert_id in enumerate(ids)}


async def windows(
    database: Database, run: str, rank: dict[int, int]
) -> list[tuple[str, list[int]]]:
    """The run's grouping windows: supplier and the creation ranks of the alerts they hold."""
    async with database.transaction() as session:
        timers = await session.scalars(select(TimerRecord).where(TimerRecord.kind == "alert_group"))
        held = [
            (str(timer.payload["supplier"]), [rank[i] for i in timer.payload["alert_ids"]])
            for timer in timers
            if str(timer.payload["supplier"]).startswith(run)
        ]
    return sorted((supplier.removeprefix(run), ids) for supplier, ids in held)


def results(
    outcomes: Sequence[list[Outcome] | BaseException], rank: dict[int, int]
) -> list[Result]:
    """Outcomes with alert ids replaced by creation ranks, comparable across runs."""
    described: list[Result] = []
    for outcome in outcomes:
        if isinstance(outcome, BaseException):
            described.append((type(outcome).__name__, None, ""))
        else:
            [only] = outcome
            alert = None if only.alert_id is None else rank[only.alert_id]
            described.append(("ok", alert, only.status))
    return described


async def one_by_one(
    factory: ServiceFactory, work: Sequence[Work]
) -> list[list[Outcome] | BaseException]:
    """The reference: each request in a transaction of its own, in order, every look-up
    a query of its own (nothing read in advance)."""
    outcomes: list[list[Outcome] | BaseException] = []
    for item in work:
        try:
            outcomes.append(await apply_alone(factory, item))
        except Exception as exc:
            outcomes.append(exc)
    return outcomes


async def batched(
    factory: ServiceFactory,
    work: Sequence[tuple[Work, Needs, str | None]],
    max_size: int,
    pauses: set[int],
) -> list[list[Outcome] | BaseException]:
    """All requests submitted concurrently in order, with what they look up and the
    signature they claim; the loop gets a turn before each index in ``pauses``, so
    batches are cut at arbitrary places."""
    batches: GroupCommit[list[Outcome]] = GroupCommit(factory, max_size=max_size, max_wait=0)
    tasks = []
    for index, (item, wanted, receipt) in enumerate(work):
        if index in pauses:
            await asyncio.sleep(0)
        tasks.append(asyncio.create_task(batches.submit(item, wanted, receipt)))
    try:
        return list(await asyncio.gather(*tasks, return_exceptions=True))
    finally:
        await batches.close()


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    requests=st.lists(REQUESTS, min_size=1, max_size=14),
    max_size=st.integers(1, 16),
    pauses=st.sets(st.integers(0, 14)),
)
async def test_batches_give_the_rows_and_outcomes_of_one_transaction_per_request(
    database: Database, requests: list[Request], max_size: int, pauses: set[int]
) -> None:
    factory = make_factory(database)
    alone_run, batch_run = f"a{uuid.uuid4().hex[:8]}", f"b{uuid.uuid4().hex[:8]}"

    _, _, posts_before, timers_before = await snapshot(database, alone_run)
    expected = await one_by_one(factory, [request.work(alone_run) for request in requests])
    alone_rows, alone_receipts, posts_between, timers_between = await snapshot(database, alone_run)

    work = [
        (r.work(batch_run), r.needs(batch_run), r.declared_receipt(batch_run)) for r in requests
    ]
    got = await batched(factory, work, max_size, pauses)
    batch_rows, batch_receipts, posts_after, timers_after = await snapshot(database, batch_run)

    assert results(got, await ranks(database, batch_run)) == results(
        expected, await ranks(database, alone_run)
    )
    assert batch_rows == alone_rows
    # Written once per batch (bot/alerts/grouping.py), the windows hold the same alerts.
    assert await windows(database, batch_run, await ranks(database, batch_run)) == await windows(
        database, alone_run, await ranks(database, alone_run)
    )
    assert batch_receipts == alone_receipts
    assert posts_after - posts_between == posts_between - posts_before
    assert timers_after - timers_between == timers_between - timers_before


async def test_a_failing_request_in_a_batch_fails_only_itself(database: Database) -> None:
    factory = make_factory(database)
    run = f"r{uuid.uuid4().hex[:8]}"
    seen: list[Services] = []

    def watched(work: Work) -> Work:
        async def run_it(services: Services) -> list[Outcome]:
            seen.append(services)
            return await work(services)

        return run_it

    first = Request("receive", "k1", 0, signature=1, breaks=False, declares=True)
    replay = Request("receive", "k2", 0, signature=1, breaks=False, declares=True)  # same signature
    broken = Request("receive", "k3", 0, signature=2, breaks=True, declares=True)
    repeat = Request("receive", "k1", 0, signature=3, breaks=False, declares=True)
    batches: GroupCommit[list[Outcome]] = GroupCommit(factory)
    try:
        got = await asyncio.gather(
            *(
                batches.submit(watched(r.work(run)), r.needs(run), r.receipt(run))
                for r in (first, replay, broken, repeat)
            ),
            return_exceptions=True,
        )
    finally:
        await batches.close()

    # Run without savepoints, the batch stops at the replay and is rolled back; then all
    # four run again in one transaction, each in a savepoint of its own.
    assert len(seen) == 6 and len({id(services) for services in seen[2:]}) == 1
    assert isinstance(got[1], Replayed) and isinstance(got[2], Broken)
    assert [o.status for o in got[0]] == ["accepted"]  # type: ignore[union-attr]
    assert [o.status for o in got[3]] == ["updated"]  # type: ignore[union-attr]
    rows, receipts, _, _ = await snapshot(database, run)
    # k2 and k3 were rolled back alone; k1 counted both of its requests.
    assert [row[:3] for row in rows] == [("k1", " supplier 0", 2)]
    assert receipts == 2


async def test_when_the_batch_commit_fails_each_request_gets_its_own_outcome(
    database: Database, caplog: pytest.LogCaptureFixture
) -> None:
    factory = make_factory(database)
    run = f"f{uuid.uuid4().hex[:8]}"
    sabotaged: list[bool] = []

    async def sabotage(services: Services) -> list[Outcome]:
        # In the batch (run without savepoints, then with), break the connection: all
        # after it fails, and the commit with it. Run again alone, this one is harmless.
        if len(sabotaged) < 2:
            sabotaged.append(True)
            connection = await services.session.connection()
            await connection.invalidate()
        return []

    first = Request("receive", "k1", 0, signature=1, breaks=False, declares=True)
    replay = Request("receive", "k2", 0, signature=1, breaks=False, declares=True)
    repeat = Request("receive", "k1", 0, signature=3, breaks=False, declares=True)
    batches: GroupCommit[list[Outcome]] = GroupCommit(factory)
    try:
        got = await asyncio.gather(
            batches.submit(first.work(run)),
            batches.submit(sabotage),
            batches.submit(replay.work(run)),
            batches.submit(repeat.work(run)),
            return_exceptions=True,
        )
    finally:
        await batches.close()

    assert sabotaged == [True, True]
    assert "group commit of 4 requests failed" in caplog.text
    assert [o.status for o in got[0]] == ["accepted"]  # type: ignore[union-attr]
    assert got[1] == []
    assert isinstance(got[2], Replayed)
    assert [o.status for o in got[3]] == ["updated"]  # type: ignore[union-attr]
    rows, receipts, _, _ = await snapshot(database, run)
    assert [row[:3] for row in rows] == [("k1", " supplier 0", 2)]
    assert receipts == 2


async def test_a_batch_without_failures_uses_no_savepoints_and_one_insert(
    database: Database,
) -> None:
    factory = make_factory(database)
    run = f"s{uuid.uuid4().hex[:8]}"
    savepoints: list[str] = []
    inserts: list[str] = []
    receipts_read_and_written: list[str] = []

    @event.listens_for(database.engine.sync_engine, "before_cursor_execute")
    def _record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if "SAVEPOINT" in statement.upper():
            savepoints.append(statement)
        if statement.startswith("INSERT INTO alerts"):
            inserts.append(statement)
        if "webhook_receipts" in statement:
            receipts_read_and_written.append(statement.split()[0])

    requests = [
        Request("receive", f"k{n}", 0, signature=n, breaks=False, declares=True) for n in range(5)
    ]
    batches: GroupCommit[list[Outcome]] = GroupCommit(factory)
    try:
        got = await asyncio.gather(
            *(batches.submit(r.work(run), r.needs(run), r.receipt(run)) for r in requests)
        )
    finally:
        await batches.close()

    assert [[o.status for o in outcomes] for outcomes in got] == [["accepted"]] * 5
    assert savepoints == []
    # The first alert is posted on its own (the post shows its id), so it is inserted at
    # once; the other four, held for the supplier's summary, are inserted together, with
    # ids in arrival order on SQLite too (bot/storage/db.py).
    assert len(inserts) == 2
    # The five signatures are looked up together and their receipts inserted together.
    assert receipts_read_and_written == ["SELECT", "INSERT"]
    rows, receipts, _, _ = await snapshot(database, run)
    assert len(rows) == 5 and receipts == 5
    assert [row[0] for row in rows] == [f"k{n}" for n in range(5)]
    # Each request is answered with its own alert's id: ids ascend in arrival order.
    ids = [outcomes[0].alert_id for outcomes in got]
    assert ids == list((await ranks(database, run)).keys())


@pytest_asyncio.fixture(loop_scope="session")
async def postgres(reused_postgres: ReusedPostgresDatabase) -> AsyncIterator[Database]:
    """A migrated PostgreSQL database: only there can two intake transactions overlap."""
    db = Database(await reused_postgres.emptied())
    try:
        yield db
    finally:
        await db.dispose()


async def test_one_signature_used_by_two_transactions_at_once_is_accepted_once(
    postgres: Database,
) -> None:
    """Two intake processes (two group commits) get the same signed request at once."""
    factory = make_factory(postgres)
    run = f"p{uuid.uuid4().hex[:8]}"
    # Both have looked the signature up, found it unused and claimed it before either
    # commits; only the first run of each waits (the run again after a failure does not).
    both_claimed = asyncio.Barrier(2)
    waited: set[int] = set()

    def racing(request: Request) -> Work:
        async def work(services: Services) -> list[Outcome]:
            outcomes = await request.work(run)(services)
            if request.supplier not in waited:
                waited.add(request.supplier)
                await asyncio.wait_for(both_claimed.wait(), timeout=10)
            return outcomes

        return work

    # Other alerts and suppliers, so they lock no common rows but the receipt's.
    requests = [
        Request("receive", f"k{n}", n, signature=1, breaks=False, declares=True) for n in (0, 1)
    ]
    processes = [GroupCommit[list[Outcome]](factory) for _ in requests]
    try:
        got = await asyncio.gather(
            *(
                process.submit(racing(r), r.needs(run), r.receipt(run))
                for process, r in zip(processes, requests, strict=True)
            ),
            return_exceptions=True,
        )
    finally:
        for process in processes:
            await process.close()

    assert waited == {0, 1}
    accepted = [outcome for outcome in got if not isinstance(outcome, BaseException)]
    refused = [outcome for outcome in got if isinstance(outcome, BaseException)]
    assert len(accepted) == 1 and [type(error) for error in refused] == [Replayed]
    rows, receipts, _, _ = await snapshot(postgres, run)
    assert len(rows) == 1 and receipts == 1
