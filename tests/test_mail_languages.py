"""Each notice the e-mail fallback mails reaches a Dutch and an English recipient in their
own language only, while the room keeps the bot's (issue 21)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from bot.alerts.model import IncomingAlert, Severity
from bot.decisionlog.payloads import Evidence
from bot.degraded.fallback import notice_of
from bot.degraded.mail import Notice
from bot.i18n import Language
from bot.matrix.notices import (
    MAIL_FIELD,
    MAIL_TEXT_FIELD,
    MAIL_TRANSLATIONS_FIELD,
    MatrixNotifier,
)
from bot.services import Services
from bot.situations.watch import Proposal
from bot.storage.db import Database
from bot.storage.models import FallbackTestRecord, OutboxRecord, PlannedDrillRecord
from tests.support.clock import START, ManualClock
from tests.support.factories import ALERT, ALICE, BOB, COORDINATION, factory_for, open_incident

Post = Callable[[MatrixNotifier, Services, int], Awaitable[None]]


@dataclass(frozen=True)
class Case:
    """A notice the notifier posts, and a fragment only its Dutch or English text has."""

    post: Post
    dutch: str
    english: str


async def grouped(notifier: MatrixNotifier, services: Services, situation_id: int) -> None:
    alerts = [
        await services.alerts.receive(ALERT),
        await services.alerts.receive(
            IncomingAlert(supplier="Acme", title="Slow", severity=Severity.S3, source="test")
        ),
    ]
    await notifier.alerts_grouped("Acme", alerts, 60)


async def escalation(notifier: MatrixNotifier, services: Services, situation_id: int) -> None:
    situation = await services.situations.get(situation_id)
    evidence = Evidence(alert_id=1, severity="S1", title="Outage")
    await notifier.escalation_proposed(situation, Proposal("severity", evidence, alert_id=1))


async def lauwe_fase(notifier: MatrixNotifier, services: Services, situation_id: int) -> None:
    alert = await services.alerts.receive(ALERT)
    evidence = Evidence(processes=["payroll"])
    await notifier.lauwe_fase_proposed(alert, None, Proposal("vital_process", evidence, None))


async def checkin(notifier: MatrixNotifier, services: Services, situation_id: int) -> None:
    await notifier.checkin_requested(await services.situations.get(situation_id), BOB)


async def overdue(notifier: MatrixNotifier, services: Services, situation_id: int) -> None:
    situation = await services.situations.get(situation_id)
    await notifier.checkin_overdue(situation, BOB, START)


async def drill(notifier: MatrixNotifier, services: Services, situation_id: int) -> None:
    planned = PlannedDrillRecord(
        fallback_key="paper-orders",
        due_at=START + timedelta(days=7),
        scenario=None,
        planned_by=ALICE,
        planned_at=START,
    )
    await notifier.drill_reminder(planned, BOB, 7)


async def improvement(notifier: MatrixNotifier, services: Services, situation_id: int) -> None:
    test = FallbackTestRecord(
        fallback_key="paper-orders",
        tested_on=date(2026, 11, 1),
        result="failed",
        notes="forms missing",
        recorded_by=ALICE,
        recorded_at=START,
        source="chat",
        action_owner=BOB,
    )
    await notifier.improvement_due(test)


CASES = {
    "grouped alerts": Case(grouped, "nieuwe meldingen voor Acme", "new alerts for Acme"),
    "escalation proposal": Case(escalation, "overweeg escalatie", "consider escalating"),
    "lauwe-fase proposal": Case(lauwe_fase, "open direct de lauwe fase", "warm-up phase"),
    "check-in": Case(checkin, "Antwoord met !bijwerken", "Answer with !update"),
    "check-in overdue": Case(overdue, "van ma 23 nov 2026 09:00", "at Mon 23 Nov 2026 09:00"),
    "drill reminder": Case(drill, "tafeloefening, geen scenario", "tabletop, no scenario"),
    "improvement due": Case(improvement, "is nu verlopen", "is due now"),
}


async def mailed(database: Database, post: Post) -> tuple[OutboxRecord, dict[Language, Notice]]:
    """The last notice ``post`` queues in the room (in English), as mailed in each language."""
    factory = factory_for(database, ManualClock())
    situation_id = await open_incident(factory)
    async with factory.transaction() as services:
        await post(MatrixNotifier(services.outbox, COORDINATION, "en"), services, situation_id)
    async with database.transaction() as session:
        row = await session.scalar(select(OutboxRecord).order_by(OutboxRecord.id.desc()))
    assert row is not None and row.content.get(MAIL_FIELD)
    return row, {lang: notice_of(row, lang) for lang in ("nl", "en")}


@pytest.mark.parametrize("kind", CASES)
async def test_each_mailed_notice_is_in_its_recipients_language(
    database: Database, kind: str
) -> None:
    case = CASES[kind]
    row, notices = await mailed(database, case.post)
    dutch, english = notices["nl"], notices["en"]
    assert case.dutch in dutch.text and case.english not in dutch.text
    assert case.english in english.text and case.dutch not in english.text
    if "formatted_body" in row.content:
        assert case.dutch in dutch.html and case.english not in dutch.html
        assert case.english in english.html and case.dutch not in english.html
    # The room keeps the bot's language.
    assert case.english in row.content["body"] and case.dutch not in row.content["body"]


def test_a_translation_cannot_undo_the_withholding() -> None:
    # A notice that withholds its body, with a translation that (wrongly) words no note.
    row = OutboxRecord(
        id=1,
        room_id=COORDINATION,
        content={
            "msgtype": "m.notice",
            "body": "Reminder: the secret",
            MAIL_FIELD: True,
            MAIL_TEXT_FIELD: "withheld",
            MAIL_TRANSLATIONS_FIELD: {"nl": {"body": "Herinnering: het geheim"}},
        },
    )
    notice = notice_of(row, "nl")
    assert notice.text == "withheld" and "geheim" not in notice.html
