"""The outbox sender on both databases: failure classes, dead rows, per-room backoff, logs."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from bot.cli import app
from bot.clock import SystemClock
from bot.matrix.client import MatrixError
from bot.matrix.outbox import MAX_CONTENT_BYTES, Backoff, Outbox, OutboxSender, content_size
from bot.metrics import Metrics
from bot.storage.db import Database
from bot.storage.migrate import upgrade
from bot.storage.models import OutboxRecord
from tests.support.cli_config import clear_weerbaar_environment, storage_only_config
from tests.support.matrix_user import wait_until
from tests.support.outbox import running

COORDINATION = "!coord:test"


def refusal(errcode: str, status: int, retry_after_ms: int | None = None) -> MatrixError:
    """The error MatrixClient raises for such an answer."""
    return MatrixError(
        "send", "refused", errcode=errcode, http_status=status, retry_after_ms=retry_after_ms
    )


class ScriptedClient:
    """Fails every send to a room with the error scripted for it; records the rest."""

    def __init__(self, failures: dict[str, MatrixError] | None = None) -> None:
        self.failures = failures or {}
        self.sent: list[tuple[str, str]] = []
        self.attempts: list[str] = []
        self.delivered = asyncio.Event()
        self.tried = asyncio.Event()

    async def send(
        self, room_id: str, event_type: str, content: dict[str, Any], txn_id: str
    ) -> str:
        self.attempts.append(room_id)
        self.tried.set()
        if room_id in self.failures:
            raise self.failures[room_id]
        self.sent.append((room_id, content["body"]))
        self.delivered.set()
        return f"$event{len(self.sent)}"


async def queue(database: Database, *messages: tuple[str, str]) -> None:
    async with database.transaction() as session:
        outbox = Outbox(session, SystemClock(), lambda rows: None)
        for room, body in messages:
            await outbox.post(room, {"msgtype": "m.notice", "body": body})


def sender_for(database: Database, client: ScriptedClient, **kwargs: Any) -> OutboxSender:
    return OutboxSender(
        database,
        client,  # type: ignore[arg-type]
        SystemClock(),
        coordination_room=COORDINATION,
        lang="en",
        **kwargs,
    )


@pytest.mark.parametrize(
    ("error", "transient"),
    [
        (MatrixError("send", "connection refused"), True),
        (refusal("M_UNKNOWN", 502), True),
        (refusal("M_LIMIT_EXCEEDED", 429, 100), True),
        (refusal("M_UNKNOWN_TOKEN", 401), True),
        (refusal("M_TOO_LARGE", 413), False),
        (refusal("M_FORBIDDEN", 403), False),
        (refusal("M_NOT_FOUND", 404), False),
    ],
)
def test_failures_are_told_transient_or_permanent(error: MatrixError, transient: bool) -> None:
    assert error.transient is transient


async def test_a_refused_message_is_set_aside_reported_once_and_its_room_moves_on(
    database: Database,
) -> None:
    await queue(database, ("!a:test", "too big"), ("!a:test", "next"), ("!b:test", "other"))
    client = ScriptedClient()
    sender = sender_for(database, client, metrics=(metrics := Metrics()))
    original_send = client.send

    async def refuse_the_big_one(
        room_id: str, event_type: str, content: dict[str, Any], txn_id: str
    ) -> str:
        if content["body"] == "too big":
            client.attempts.append(room_id)
            raise refusal("M_TOO_LARGE", 413)
        return await original_send(room_id, event_type, content, txn_id)

    client.send = refuse_the_big_one  # type: ignore[method-assign]

    assert await sender.deliver_pending() is None
    assert await sender.deliver_pending() is None  # the report, queued by the first pass
    bodies = [body for _, body in client.sent]
    assert bodies[:2] == ["next", "other"]
    reports = [body for room, body in client.sent if room == COORDINATION]
    assert len(reports) == 1 and "M_TOO_LARGE" in reports[0] and "!a:test" in reports[0]
    async with database.transaction() as session:
        dead = list(
            await session.scalars(select(OutboxRecord).where(OutboxRecord.dead_at.is_not(None)))
        )
    assert [row.content["body"] for row in dead] == ["too big"]
    assert dead[0].last_error is not None and "M_TOO_LARGE" in dead[0].last_error
    assert b"weerbaar_outbox_dead 1.0" in metrics.render()
    assert b"weerbaar_outbox_backlog 0.0" in metrics.render()

    assert await sender.deliver_pending() is None  # a dead row is not tried again
    assert client.attempts.count("!a:test") == 2


async def test_a_dead_message_in_the_coordination_room_is_only_logged(
    database: Database, caplog: pytest.LogCaptureFixture
) -> None:
    await queue(database, (COORDINATION, "lost"))
    client = ScriptedClient({COORDINATION: refusal("M_FORBIDDEN", 403)})
    with caplog.at_level(logging.ERROR, logger="bot.matrix.outbox"):
        await sender_for(database, client).deliver_pending()
        await sender_for(database, client).deliver_pending()
    assert client.attempts == [COORDINATION]  # no report queued to the broken room
    assert "set aside as dead" in caplog.text


async def test_a_backing_off_room_does_not_hold_back_other_rooms(database: Database) -> None:
    await queue(database, ("!slow:test", "s1"), ("!slow:test", "s2"))
    client = ScriptedClient({"!slow:test": refusal("M_LIMIT_EXCEEDED", 429, 600_000)})
    sender = sender_for(database, client)
    async with running(sender):
        await asyncio.wait_for(client.tried.wait(), 30)
        # Queued while the slow room waits out its ten minutes: delivered on the wake-up.
        await queue(database, ("!fast:test", "f1"))
        sender.wake()
        await asyncio.wait_for(client.delivered.wait(), 30)
    assert client.sent == [("!fast:test", "f1")]
    assert client.attempts.count("!slow:test") == 1  # retry_after_ms honoured for that room


async def test_rooms_waiting_out_an_unreachable_homeserver_are_tried_when_it_answers(
    database: Database,
) -> None:
    """After a long outage the backoff is up to a minute: the backlog goes out when a sync
    gets through again, not a minute later; a rate-limited room keeps its wait."""
    await queue(database, ("!down:test", "d1"), ("!limited:test", "l1"))
    client = ScriptedClient(
        {
            "!down:test": refusal("M_UNKNOWN", 503),
            "!limited:test": refusal("M_LIMIT_EXCEEDED", 429, 600_000),
        }
    )
    # A backoff as long as after many failures: ten minutes or more.
    sender = sender_for(database, client, room_backoff=lambda: Backoff(base=600.0))
    async with running(sender):
        await wait_until(lambda: set(client.attempts) == {"!down:test", "!limited:test"})
        del client.failures["!down:test"]  # the homeserver is back
        sender.homeserver_answers()
        await asyncio.wait_for(client.delivered.wait(), 30)
    assert client.sent == [("!down:test", "d1")]
    assert client.attempts.count("!limited:test") == 1  # its retry_after_ms still stands


async def test_failing_and_recovery_are_logged_once_each(
    database: Database, caplog: pytest.LogCaptureFixture
) -> None:
    await queue(database, ("!a:test", "a1"), ("!a:test", "a2"), ("!b:test", "b1"))
    client = ScriptedClient({"!a:test": refusal("M_LIMIT_EXCEEDED", 429, 1)})
    sender = sender_for(database, client)
    with caplog.at_level(logging.INFO, logger="bot.matrix.outbox"):
        for _ in range(3):
            delay = await sender.deliver_pending()
            assert delay is not None
            await asyncio.sleep(delay)
            await queue(database, ("!b:test", "more"))
        del client.failures["!a:test"]
        await sender.deliver_pending()
    failing = [r.message for r in caplog.records if "failing" in r.message]
    recovered = [r.message for r in caplog.records if "recovered" in r.message]
    assert failing == [
        "outbox delivery to !a:test failing, will retry: send failed: M_LIMIT_EXCEEDED: refused"
    ]
    assert len(recovered) == 1
    assert recovered[0].startswith("outbox delivery to !a:test recovered after ")
    assert recovered[0].endswith("; 2 message(s) waited")


async def test_a_message_is_shortened_below_what_an_encrypted_room_accepts(
    database: Database,
) -> None:
    # !log 48 after 48 notes of ~1,100 characters: under the old 60,000 bytes, but over
    # 64 KiB once Megolm-encrypted (base64, 4/3 of the plaintext, plus the envelope).
    body = "\n".join(f"{n}. " + "n" * 1_100 for n in range(48))
    async with database.transaction() as session:
        await Outbox(session, SystemClock(), lambda rows: None).post(
            "!a:test", {"msgtype": "m.notice", "body": body}
        )
    async with database.transaction() as session:
        rows = list(await session.scalars(select(OutboxRecord).order_by(OutboxRecord.id)))
    preview, document = rows
    assert document.attachment is not None and document.attachment.decode() == body
    encrypted_estimate = 4 * (content_size(preview.content) + 1_000) // 3 + 2_048
    assert encrypted_estimate < 65_536
    assert content_size({"body": body}) > MAX_CONTENT_BYTES


async def _one_dead_one_waiting(db_path: Path) -> tuple[int, int]:
    database = Database(f"sqlite+aiosqlite:///{db_path}")
    await upgrade(database)
    await queue(database, ("!a:test", "refused"), ("!b:test", "waiting"))
    client = ScriptedClient(
        {"!a:test": refusal("M_FORBIDDEN", 403), "!b:test": MatrixError("send", "down")}
    )
    await OutboxSender(database, client, SystemClock()).deliver_pending()  # type: ignore[arg-type]
    async with database.transaction() as session:
        ids = list(await session.scalars(select(OutboxRecord.id).order_by(OutboxRecord.id)))
    await database.dispose()
    return ids[0], ids[1]


async def _dead_ids(db_path: Path) -> list[int]:
    database = Database(f"sqlite+aiosqlite:///{db_path}")
    try:
        async with database.transaction() as session:
            return list(
                await session.scalars(
                    select(OutboxRecord.id).where(OutboxRecord.dead_at.is_not(None))
                )
            )
    finally:
        await database.dispose()


def test_weerbaar_outbox_list_retry_and_drop(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    clear_weerbaar_environment(monkeypatch)
    db_path = tmp_path / "cli.db"
    # The command line runs its own event loop, so this test is synchronous.
    dead, waiting = asyncio.run(_one_dead_one_waiting(db_path))
    config = storage_only_config(tmp_path / "weerbaar.toml", db_path)
    runner = CliRunner()

    result = runner.invoke(app, ["outbox", "list", "-c", str(config)])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith(f"{dead}\tdead\t!a:test\t") and "M_FORBIDDEN" in lines[0]
    assert lines[1].startswith(f"{waiting}\tretrying\t!b:test\t")

    assert runner.invoke(app, ["outbox", "retry", str(waiting), "-c", str(config)]).exit_code == 1
    result = runner.invoke(app, ["outbox", "retry", str(dead), "-c", str(config)])
    assert result.exit_code == 0, result.output
    assert asyncio.run(_dead_ids(db_path)) == []

    # Retried and refused again; a second refused message joins it, and goes.
    asyncio.run(_one_dead_one_waiting(db_path))
    refused_again, second = asyncio.run(_dead_ids(db_path))
    assert refused_again == dead
    result = runner.invoke(app, ["outbox", "drop", str(second), "-c", str(config)])
    assert result.exit_code == 0, result.output
    assert asyncio.run(_dead_ids(db_path)) == [dead]
    listed = runner.invoke(app, ["outbox", "list", "-c", str(config)]).output
    assert f"{second}\t" not in listed
    assert runner.invoke(app, ["outbox", "drop", str(second), "-c", str(config)]).exit_code == 1


async def test_a_room_whose_failing_message_was_set_aside_no_longer_backs_off(
    database: Database,
) -> None:
    """First no answer, then a refusal (the bot was kicked meanwhile): once the message is
    set aside nothing waits in that room, so the sender must not keep finding it due (a
    loop without pause, reading the table again and again)."""
    await queue(database, ("!a:test", "lost"))
    client = ScriptedClient({"!a:test": refusal("M_UNKNOWN", 503)})
    sender = sender_for(database, client, room_backoff=lambda: Backoff(base=0.0))
    assert await sender.deliver_pending() == 0.0  # due again at once
    client.failures["!a:test"] = refusal("M_FORBIDDEN", 403)
    await sender.deliver_pending()  # set aside; its report queued
    await sender.deliver_pending()  # the report delivered
    assert client.sent[-1][0] == COORDINATION
    assert await sender.deliver_pending() is None
