"""The e-mail fallback: entering, batching, retrying and the summary after (issue 21)."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import asyncpg
import pytest
from sqlalchemy import select

from bot.alerts.model import IncomingAlert, Severity
from bot.config import EmailRecipient, EmailSettings
from bot.decisionlog.grounds import Withheld
from bot.degraded.fallback import Fallback
from bot.degraded.mail import Mail, Mailer, PrintingMailer, SmtpMailer, compose
from bot.degraded.state import Reachability
from bot.matrix.client import MatrixError
from bot.sandbox.run import printed_email
from bot.sandbox.synapse import RegisteredUser
from bot.scheduling.runner import TimerRunner
from bot.storage.db import Database
from bot.storage.models import OutboxRecord
from bot.timers import timer_handlers
from tests.support.clock import ManualClock
from tests.support.factories import (
    ALICE,
    BOB,
    CAROL,
    COORDINATION,
    PLAYBOOK,
    factory_for,
    open_incident,
)
from tests.support.mail import RecordingMailer, smtp_server
from tests.support.postgres import until_waiting_for_locks

NO_ANSWER = MatrixError("sync", "connection refused")
RECIPIENTS = [
    EmailRecipient(user_id=ALICE, address="alice@example.org", language="nl"),
    EmailRecipient(user_id=BOB, address="bob@example.org", language="en"),
]


def alert(supplier: str, severity: Severity, *, exercise: bool = False) -> IncomingAlert:
    return IncomingAlert(
        supplier=supplier, title=f"{supplier} down", severity=severity, source="test"
    ).model_copy(update={"exercise": exercise} if exercise else {})


class Setup:
    def __init__(self, database: Database, sender: Mailer | None = None) -> None:
        self.database = database
        self.clock = ManualClock()
        self.factory = factory_for(database, self.clock)
        self.mailer = RecordingMailer()
        self.sender: Mailer = sender or self.mailer  # what the fallback mails through
        self.restart()

    def restart(self) -> None:
        """A new bot process: nothing in memory, the same database, mailer and clock."""
        database = self.database
        self.reachability = Reachability(timedelta(seconds=120), self.clock)
        self.fallback = Fallback(
            database,
            self.reachability,
            self.sender,
            RECIPIENTS,
            clock=self.clock,
            batch=timedelta(seconds=60),
            coordination_room=COORDINATION,
            taskforce=[ALICE, BOB, CAROL],
            lang="en",
            timezone="UTC",
            on_outbox_commit=lambda rows: None,
        )

    async def receive(self, *alerts: IncomingAlert) -> list[int]:
        ids = []
        async with self.factory.transaction() as services:
            for incoming in alerts:
                ids.append((await services.alerts.receive(incoming)).id)
        return ids

    async def go_down(self) -> None:
        self.reachability.failed(NO_ANSWER, sync=True)
        self.clock.advance(seconds=120)
        await self.fallback.tick()


async def test_entering_mails_everyone_once_with_the_waiting_alerts(database: Database) -> None:
    setup = Setup(database)
    s1, s3 = await setup.receive(alert("Acme", Severity.S1), alert("Bolt", Severity.S3))
    await setup.fallback.tick()
    assert setup.mailer.mails == []  # reachable: nothing mailed
    await setup.go_down()
    alice, bob = setup.mailer.mails
    assert alice.to == "alice@example.org" and "Matrix onbereikbaar sinds" in alice.subject
    assert "meldingen komen nu per e-mail" in alice.text
    assert bob.to == "bob@example.org" and "Matrix unreachable since" in bob.subject
    for mail in (alice, bob):
        assert f"#{s1}" in mail.text and "Acme down" in mail.text and "<hr>" in mail.html
        assert f"#{s3}" not in mail.text and "Bolt" not in mail.text  # S3 is not mailed
    assert "Reageer in Matrix zodra het terug is" in alice.text
    assert "Respond in Matrix once it is back" in bob.text
    await setup.fallback.tick()
    assert len(setup.mailer.mails) == 2  # nothing new


async def test_notices_are_batched_per_recipient(database: Database) -> None:
    setup = Setup(database)
    await setup.go_down()
    first, second = await setup.receive(alert("Acme", Severity.S1), alert("Bolt", Severity.S2))
    setup.clock.advance(seconds=30)
    await setup.fallback.tick()
    assert len(setup.mailer.mails) == 2  # only the entering mails: the batch is not over
    setup.clock.advance(seconds=30)
    await setup.fallback.tick()
    batch = setup.mailer.mails[2:]
    assert [mail.to for mail in batch] == ["alice@example.org", "bob@example.org"]
    assert batch[0].subject == "Weerbaar: 2 meldingen terwijl Matrix onbereikbaar is"
    assert batch[1].subject == "Weerbaar: 2 notices while Matrix is unreachable"
    assert f"#{first}, #{second}" in batch[1].text
    setup.clock.advance(seconds=60)
    await setup.fallback.tick()
    assert len(setup.mailer.mails) == 4  # each notice mailed once
    assert "Also sent by e-mail" not in batch[1].text
    async with database.transaction() as session:
        rows = (await session.scalars(select(OutboxRecord).order_by(OutboxRecord.id))).all()
    marked = [row.content["body"] for row in rows if "Also sent by e-mail" in row.content["body"]]
    assert len(marked) == 2 and all(body.count("Also sent by e-mail") == 1 for body in marked)


async def test_exercise_alerts_are_marked_in_the_subject(database: Database) -> None:
    setup = Setup(database)
    await setup.go_down()
    await setup.receive(alert("Acme", Severity.S1, exercise=True))
    setup.clock.advance(seconds=60)
    await setup.fallback.tick()
    assert all(mail.subject.startswith("OEFENING/EXERCISE") for mail in setup.mailer.mails[2:])


async def test_an_exercise_notice_is_marked_in_every_recipients_language(
    database: Database,
) -> None:
    # Alice reads Dutch, the room English: her mail holds the Dutch text of each notice,
    # and in a batch with a real alert she must still see which notice is the exercise.
    setup = Setup(database)
    await setup.go_down()
    await setup.receive(alert("Drill", Severity.S1, exercise=True), alert("Acme", Severity.S1))
    setup.clock.advance(seconds=60)
    await setup.fallback.tick()
    for mail in setup.mailer.mails[2:]:
        (drill,) = [part for part in mail.text.split("\n\n") if "Drill down" in part]
        (real,) = [part for part in mail.text.split("\n\n") if "Acme down" in part]
        assert drill.startswith("OEFENING/EXERCISE") and "OEFENING" not in real
        assert mail.html.count("OEFENING/EXERCISE") == 1


async def test_failing_mail_is_retried_with_backoff_and_reported_once(database: Database) -> None:
    setup = Setup(database)
    setup.mailer.failing = True
    (alert_id,) = await setup.receive(alert("Acme", Severity.S1))
    await setup.go_down()
    assert setup.mailer.mails == [] and setup.mailer.attempts == 1
    await setup.fallback.tick()
    assert setup.mailer.attempts == 1  # backing off
    setup.mailer.failing = False
    setup.clock.advance(seconds=10)
    await setup.fallback.tick()
    assert [mail.to for mail in setup.mailer.mails] == ["alice@example.org", "bob@example.org"]
    assert all(f"#{alert_id}" in mail.text for mail in setup.mailer.mails)
    setup.reachability.answered()
    await setup.fallback.tick()
    summary = await last_coordination_text(database)
    assert summary.count("E-mail could not be sent") == 1


async def test_recovery_posts_one_summary_and_sends_the_closing_mail(database: Database) -> None:
    setup = Setup(database)
    await setup.go_down()
    first, _ = await setup.receive(alert("Acme", Severity.S1), alert("Bolt", Severity.S4))
    setup.clock.advance(seconds=60)
    await setup.fallback.tick()
    setup.clock.advance(seconds=5)
    setup.reachability.answered()
    await setup.fallback.tick()
    closing = setup.mailer.mails[-2:]
    assert [mail.subject for mail in closing] == [
        "Weerbaar: Matrix weer bereikbaar",
        "Weerbaar: Matrix reachable again",
    ]
    summary = await last_coordination_text(database)
    assert "Matrix was unreachable from" in summary and "2 alerts arrived" in summary
    assert f"E-mailed to {ALICE}: 1 message (alerts #{first})" in summary
    assert f"Not reached (no e-mail address): {CAROL}" in summary
    setup.clock.advance(seconds=600)
    await setup.fallback.tick()
    assert len(setup.mailer.mails) == 6  # entering, one batch, closing: for both
    assert await last_coordination_text(database) == summary  # said once


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
async def test_smtp_mailer_sends_text_and_html_with_login() -> None:
    with smtp_server() as server:
        settings = server.settings()
        await SmtpMailer(settings).check()
        await SmtpMailer(settings).send(Mail("alice@example.org", "Onderwerp", "tekst", "<p>x</p>"))
        (message,) = server.messages
        assert message["To"] == "alice@example.org" and message["Subject"] == "Onderwerp"
        plain, html = message.get_body(("plain",)), message.get_body(("html",))
        assert plain is not None and plain.get_content().strip() == "tekst"
        assert html is not None and "<p>x</p>" in html.get_content()


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
async def test_an_address_the_server_refuses_does_not_hold_back_the_others(
    database: Database,
) -> None:
    with smtp_server() as server:
        server.refuse("alice@example.org")  # e.g. her mailbox was closed
        settings = server.settings()
        setup = Setup(database, SmtpMailer(settings))
        (first,) = await setup.receive(alert("Acme", Severity.S1))
        await setup.go_down()
        setup.clock.advance(seconds=600)
        (second,) = await setup.receive(alert("Bolt", Severity.S1))
        for _ in range(3):
            setup.clock.advance(seconds=60)
            await setup.fallback.tick()
        # Bob, listed after her, gets the opening mail and the later alert all the same.
        assert [message["To"] for message in server.messages] == ["bob@example.org"] * 2
        opening, batch = (message.get_body(("plain",)) for message in server.messages)
        assert opening is not None and f"#{first}" in opening.get_content()
        assert batch is not None and f"#{second}" in batch.get_content()
        setup.reachability.answered()
        await setup.fallback.tick()
    summary = await last_coordination_text(database)
    assert f"E-mailed to {BOB}: 2 messages" in summary
    assert f"E-mailed to {ALICE}: 0 messages" in summary
    assert summary.count("E-mail could not be sent") == 1 and "alice@example.org" in summary


async def test_a_notice_committed_after_a_later_one_is_still_mailed(database: Database) -> None:
    """On PostgreSQL an outbox id is taken at insert, not at commit: a notice whose
    transaction commits last may carry a lower id than one already mailed."""
    if database.is_sqlite:
        pytest.skip("SQLite queues writers: ids are committed in order")
    setup = Setup(database)
    await setup.go_down()
    setup.clock.advance(seconds=60)
    watcher = await asyncpg.connect(database.url.replace("postgresql+asyncpg", "postgresql"))
    try:
        async with setup.factory.transaction() as slow:  # e.g. a webhook still busy
            first = (await slow.alerts.receive(alert("Acme", Severity.S1))).id
            await slow.session.flush()
            (second,) = await setup.receive(alert("Bolt", Severity.S1))
            ticking = asyncio.create_task(setup.fallback.tick())
            await until_waiting_for_locks(watcher, unless_done=ticking)
        await ticking
    finally:
        await watcher.close()
    for _ in range(3):
        setup.clock.advance(seconds=60)
        await setup.fallback.tick()
    for address in ("alice@example.org", "bob@example.org"):
        mailed = "\n".join(mail.text for mail in setup.mailer.mails if mail.to == address)
        assert f"#{first}" in mailed and f"#{second}" in mailed


async def test_a_tick_gives_way_to_a_transaction_still_writing_the_outbox(
    database: Database,
) -> None:
    """The tick's wait for the outbox's writers is bounded: every outbox writer after it
    queues behind it, so waiting on and on would stall them all (or deadlock)."""
    if database.is_sqlite:
        pytest.skip("SQLite queues writers: the tick takes no lock on the outbox")
    setup = Setup(database)
    await setup.go_down()
    setup.clock.advance(seconds=60)
    async with setup.factory.transaction() as slow:  # a transaction that takes its time
        held = (await slow.alerts.receive(alert("Acme", Severity.S1))).id
        await slow.session.flush()
        # It returns while the writer is still open: it did not wait for its commit.
        await asyncio.wait_for(setup.fallback.tick(), timeout=10)
    setup.clock.advance(seconds=60)
    await setup.fallback.tick()
    for address in ("alice@example.org", "bob@example.org"):
        mailed = "\n".join(mail.text for mail in setup.mailer.mails if mail.to == address)
        assert f"#{held}" in mailed


async def last_coordination_text(database: Database) -> str:
    async with database.transaction() as session:
        row = await session.scalar(
            select(OutboxRecord)
            .where(OutboxRecord.room_id == COORDINATION)
            .order_by(OutboxRecord.id.desc())
            .limit(1)
        )
    assert row is not None
    return str(row.content["body"])


async def test_smtp_debug_prints_the_mails_to_made_up_addresses(
    capsys: pytest.CaptureFixture[str],
) -> None:
    sandbox_members = [
        RegisteredUser(user_id="@taskforce:localhost", password="", access_token="", device_id="")
    ]
    settings = EmailSettings.model_validate(printed_email(sandbox_members))
    assert [r.address for r in settings.recipients] == ["taskforce@sandbox.invalid"]
    mail = compose("taskforce@sandbox.invalid", "en", [], ("Weerbaar: test", "Matrix is down"))
    await PrintingMailer(settings.from_address).send(mail)
    printed = capsys.readouterr().out
    assert "To: taskforce@sandbox.invalid" in printed and "Subject: Weerbaar: test" in printed
    assert "Matrix is down" in printed


async def test_playbook_reminders_in_incident_rooms_are_mailed(database: Database) -> None:
    setup = Setup(database)
    runner = TimerRunner(setup.factory, timer_handlers())
    situation_id = await open_incident(setup.factory)
    async with setup.factory.transaction() as services:
        await services.roles.assign(situation_id, None, CAROL, "coordinator", ALICE)
        await services.playbook_runs.start(situation_id, PLAYBOOK, ALICE)
    await setup.go_down()
    setup.clock.advance(minutes=61)  # step 1 (coordinator, T+1h) is overdue
    assert await runner.fire_due() == 1
    await setup.fallback.tick()
    alice, bob = setup.mailer.mails[-2:]
    assert f"⏰ {CAROL}: stap 1 (Beeld vormen)" in alice.text and "step 1" not in alice.text
    assert f"⏰ {CAROL}: step 1 (Establish the situational picture)" in bob.text
    assert "stap 1" not in bob.text
    async with database.transaction() as session:
        rows = list(await session.scalars(select(OutboxRecord)))
    assert not any("stap 1" in row.content.get("body", "") for row in rows)  # the room: English


async def test_decision_reminders_are_mailed_without_confidential_content(
    database: Database,
) -> None:
    setup = Setup(database)
    runner = TimerRunner(setup.factory, timer_handlers())
    situation_id = await open_incident(setup.factory)
    review_at = setup.clock.now() + timedelta(hours=1)
    async with setup.factory.transaction() as services:
        public = await services.decisions.decide(
            situation_id,
            ALICE,
            "Switch to the paper fallback",
            "the portal is down",
            review_at=review_at,
        )
        secret = await services.decisions.decide(
            situation_id, ALICE, "Pay the ransom through broker X", "no other way",
            review_at=review_at, withheld=Withheld(),
        )  # fmt: skip
    await setup.go_down()
    setup.clock.advance(hours=1)
    assert await runner.fire_due() == 2
    setup.clock.advance(seconds=60)
    await setup.fallback.tick()
    alice, bob = setup.mailer.mails[-2:]
    for mail in (alice, bob):
        assert "Switch to the paper fallback" in mail.text  # a disclosable decision
        assert "broker X" not in mail.text and "broker X" not in mail.html
    # Each in the recipient's language only, the withholding note too.
    assert f"Herinnering: besluit {public.seq} herzien" in alice.text
    assert f"logregel {secret.seq} van situatie #{situation_id}" in alice.text
    assert "Reminder" not in alice.text
    assert f"Reminder: review decision {public.seq}" in bob.text
    assert f"log entry {secret.seq} of situation #{situation_id}" in bob.text
    assert "Herinnering" not in bob.text
    assert public.seq != secret.seq
    async with database.transaction() as session:
        bodies = [
            row.content.get("body", "") for row in await session.scalars(select(OutboxRecord))
        ]
    assert any("broker X" in body for body in bodies)  # the incident room still has it


async def test_a_restart_during_the_outage_resumes_it_without_announcing_it_again(
    database: Database,
) -> None:
    setup = Setup(database)
    await setup.go_down()
    (before,) = await setup.receive(alert("Acme", Severity.S1))
    setup.clock.advance(seconds=60)
    await setup.fallback.tick()
    assert len(setup.mailer.mails) == 4  # opening, then the first batch
    setup.restart()
    await setup.fallback.resume()
    assert setup.reachability.degraded
    (after,) = await setup.receive(alert("Bolt", Severity.S2))
    await setup.fallback.tick()
    assert len(setup.mailer.mails) == 4  # batching survives the restart too
    setup.clock.advance(seconds=60)
    await setup.fallback.tick()
    batch = setup.mailer.mails[4:]
    assert len(batch) == 2 and all(f"#{after}" in m.text and "Acme" not in m.text for m in batch)
    assert not any("unreachable since" in m.subject.lower() for m in batch)
    setup.reachability.answered()
    await setup.fallback.tick()
    summary = await last_coordination_text(database)
    assert f"E-mailed to {ALICE}: 2 messages (alerts #{before}, #{after})" in summary
    assert "2 alerts arrived" in summary
    setup.restart()
    await setup.fallback.resume()
    assert not setup.reachability.degraded  # over: nothing left to resume


async def test_a_restart_before_the_closing_mail_went_out_still_sends_it_once(
    database: Database,
) -> None:
    setup = Setup(database)
    await setup.go_down()
    assert len(setup.mailer.mails) == 2  # the opening mails
    setup.mailer.failing = True  # the SMTP server is down when Matrix comes back
    setup.clock.advance(seconds=60)
    setup.reachability.answered()
    await setup.fallback.tick()
    summary = await last_coordination_text(database)
    setup.restart()  # and the bot restarts before the mail server is back
    setup.mailer.failing = False
    await setup.fallback.resume()
    assert not setup.reachability.degraded  # the outage is over: not resumed
    await setup.fallback.tick()
    setup.clock.advance(seconds=600)
    await setup.fallback.tick()
    closing = setup.mailer.mails[2:]
    # Otherwise they would believe Matrix still down: each gets the closing mail once.
    assert [(mail.to, mail.subject) for mail in closing] == [
        ("alice@example.org", "Weerbaar: Matrix weer bereikbaar"),
        ("bob@example.org", "Weerbaar: Matrix reachable again"),
    ]
    assert await last_coordination_text(database) == summary  # the summary said once
    setup.restart()
    await setup.fallback.resume()
    await setup.fallback.tick()
    assert len(setup.mailer.mails) == 4  # nothing left once sent


async def test_a_restart_before_the_opening_mail_went_out_still_sends_it_once(
    database: Database,
) -> None:
    setup = Setup(database)
    setup.mailer.failing = True
    await setup.go_down()
    assert setup.mailer.mails == []
    setup.restart()
    setup.mailer.failing = False
    await setup.fallback.resume()
    await setup.fallback.tick()
    alice, bob = setup.mailer.mails
    assert "Matrix onbereikbaar sinds" in alice.subject
    assert "Matrix unreachable since" in bob.subject
    setup.reachability.answered()
    await setup.fallback.tick()
    assert "E-mail could not be sent" in await last_coordination_text(database)


async def test_due_sitrep_requests_are_mailed(database: Database) -> None:
    setup = Setup(database)
    setup.factory = factory_for(database, setup.clock, sitrep_interval=timedelta(hours=2))
    runner = TimerRunner(setup.factory, timer_handlers())
    situation_id = await open_incident(setup.factory)
    async with setup.factory.transaction() as services:
        await services.roles.assign(situation_id, None, CAROL, "coordinator", ALICE)
    await setup.go_down()
    setup.clock.advance(hours=2)
    assert await runner.fire_due() == 1
    setup.clock.advance(seconds=60)
    await setup.fallback.tick()
    alice, bob = setup.mailer.mails[-2:]
    assert "situatierapport" in alice.text and "situation report" not in alice.text
    assert "situation report" in bob.text and "situatierapport" not in bob.text
    assert CAROL in alice.text and CAROL in bob.text


async def test_alerts_are_mailed_in_each_recipients_language(database: Database) -> None:
    setup = Setup(database)  # the room's notices are in English
    (alert_id,) = await setup.receive(alert("Acme", Severity.S1))
    await setup.go_down()
    alice, bob = setup.mailer.mails
    assert f"Escaleren: !escaleer {alert_id}" in alice.text and "!escalate" not in alice.text
    assert "!escaleer" in alice.html and "Acme down" in alice.text
    assert f"To escalate: !escalate {alert_id}" in bob.text and "!escaleer" not in bob.text
    async with database.transaction() as session:
        rows = list(await session.scalars(select(OutboxRecord)))
    assert all("!escaleer" not in row.content["body"] for row in rows)  # the room: English
