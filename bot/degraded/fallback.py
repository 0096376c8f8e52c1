"""Degraded mode at work: mails while the homeserver is unreachable, a summary after.

On entering, every recipient gets one mail saying so, with the notices already waiting.
Then the room notices marked for mail (``MAIL_FIELD``: S1/S2 alerts, escalation and
lauwe-fase proposals, check-ins, reminders) still undelivered in the outbox go out by
mail, each in its recipient's language, at most one mail per recipient per ``batch``.
The outbox is the record of what must be mailed: each recipient's cursor (the last
outbox id mailed to them) is stored in the bot's state after the mail was accepted, so
nothing is mailed twice or lost across a failing SMTP server or a restart. What the
outage has mailed so far is stored too (bot/degraded/record.py): a bot restarted during
the outage resumes it instead of announcing it again. On leaving, one closing mail and
one summary of the whole outage in the coordination room, queued behind the backlog so
it comes last.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal

from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from bot import i18n
from bot.clock import Clock
from bot.config import EmailRecipient
from bot.degraded.mail import Mail, Mailer, MailError, Notice, compose
from bot.degraded.record import Outage, OutageStore
from bot.degraded.state import Entered, Left, Reachability
from bot.exercises.marking import EXERCISE_MARK, mark_content
from bot.i18n import Language, format_time
from bot.matrix.content import text_content
from bot.matrix.notices import (
    ALERT_ID_FIELD,
    ALERT_IDS_FIELD,
    MAIL_FIELD,
    MAIL_TEXT_FIELD,
    MAIL_TRANSLATIONS_FIELD,
)
from bot.matrix.outbox import MESSAGE_EVENT, Backoff, CommitHook, Outbox
from bot.metrics import Metrics
from bot.stopping import Stopped, StopSignal
from bot.storage.db import Database
from bot.storage.models import AlertRecord, OutboxRecord
from bot.storage.retry import sqlstate
from bot.storage.state import BotState

log = logging.getLogger(__name__)

CURSOR_KEY = "degraded.mailed_up_to:{address}"
TICK_SECONDS = 1.0
# How long (ms) a tick waits for the outbox's writers on PostgreSQL before it gives way;
# LOCK_NOT_AVAILABLE is the SQLSTATE of that wait timing out.
OUTBOX_LOCK_MS = 250
LOCK_NOT_AVAILABLE = "55P03"


def _backoff() -> Backoff:
    return Backoff(base=5.0, cap=300.0)


@dataclass
class _Recipient:
    """One address and the entering or closing text it still needs.

    While the server refuses this address (and takes the others) it is retried on its
    own backoff, from ``refused_until``; the other recipients are not held back.
    """

    settings: EmailRecipient
    headline: tuple[str, str] | None = None
    refused_until: datetime | None = None
    backoff: Backoff = field(default_factory=_backoff)


class Fallback:
    """Mails the taskforce while ``reachability`` says degraded; summarises after."""

    def __init__(
        self,
        db: Database,
        reachability: Reachability,
        mailer: Mailer,
        recipients: Sequence[EmailRecipient],
        *,
        clock: Clock,
        batch: timedelta,
        coordination_room: str,
        taskforce: Sequence[str],
        lang: Language,
        timezone: str,
        on_outbox_commit: CommitHook,
        metrics: Metrics | None = None,
    ) -> None:
        self._db = db
        self._state = BotState(db)
        self._reachability = reachability
        self._mailer = mailer
        self._recipients = [_Recipient(recipient) for recipient in recipients]
        self._clock = clock
        self._batch = batch
        self._room = coordination_room
        self._taskforce = list(taskforce)
        self._lang = lang
        self._timezone = timezone
        self._on_outbox_commit = on_outbox_commit
        self._metrics = metrics
        self._backoff = _backoff()
        self._retry_at: datetime | None = None
        self._outages = OutageStore(self._state)
        self._outage: Outage | None = None  # while degraded; stored on every change
        self._ended: Outage | None = None  # over, while closing mails are still due

    async def outage_stored(self) -> bool:
        """Whether the bot stopped during an outage that is not over."""
        outage = await self._outages.load()
        return outage is not None and outage.until is None

    async def resume(self) -> None:
        """Continue the outage the bot was in when it stopped, if any: still degraded,
        without announcing it again (only recipients the opening mail missed get it).
        An outage that was over already only owes the closing mails not yet sent."""
        outage = await self._outages.load()
        if outage is None:
            return
        if outage.until is not None:
            self._ended = outage
            for recipient in self._recipients:
                if not outage.of(recipient.settings.address).closed:
                    recipient.headline = self._left_headline(outage.since, outage.until, recipient)
            return
        log.warning("resuming degraded mode: homeserver unreachable since %s", outage.since)
        self._reachability.resume(outage.since)
        self._outage = outage
        self._set_gauge(outage.since)
        for recipient in self._recipients:
            if not outage.of(recipient.settings.address).opened:
                recipient.headline = self._entered_headline(outage.since, recipient)

    async def run(self, stop: StopSignal) -> None:
        """Check every second until ``stop`` is set."""
        try:
            while True:
                try:
                    await self.tick()
                except Exception:
                    # A database hiccup must not end the fallback; the next tick tries again.
                    log.exception("e-mail fallback tick failed")
                await stop.sleep(TICK_SECONDS)
        except Stopped:
            return

    async def tick(self) -> None:
        """Act on the transitions since the last tick, then send the mails that are due."""
        for transition in self._reachability.check():
            if isinstance(transition, Entered):
                await self._entered(transition)
            else:
                await self._left(transition)
        await self._send_due()

    async def _entered(self, entered: Entered) -> None:
        log.warning("homeserver unreachable since %s: degraded mode, mailing", entered.since)
        self._set_gauge(entered.since)
        self._ended = None  # closing mails still due would now be wrong: replaced below
        self._outage = Outage(entered.since)
        await self._outages.save(self._outage)
        for recipient in self._recipients:
            recipient.headline = self._entered_headline(entered.since, recipient)

    def _entered_headline(self, since: datetime, recipient: _Recipient) -> tuple[str, str]:
        lang = recipient.settings.language
        when = format_time(since, self._timezone, lang, self._clock.now())
        return (
            i18n.text("degraded.entered.subject", lang, since=when),
            i18n.text("degraded.entered.body", lang, since=when),
        )

    async def _left(self, left: Left) -> None:
        log.info("homeserver reachable again after %s: degraded mode ends", left.until - left.since)
        self._set_gauge(None)
        # Left always follows Entered or a resumed outage, so there is a record.
        ended = self._outage or Outage(left.since)
        ended.until = left.until
        # Stored with the summary, in one transaction: a restart neither posts it again
        # nor forgets the closing mails.
        await self._post_summary(left, ended)
        self._outage, self._ended = None, ended
        for recipient in self._recipients:
            recipient.headline = self._left_headline(left.since, left.until, recipient)
        await self._closing_mailed()

    def _left_headline(
        self, since: datetime, until: datetime, recipient: _Recipient
    ) -> tuple[str, str]:
        lang = recipient.settings.language
        return (
            i18n.text("degraded.left.subject", lang),
            i18n.text(
                "degraded.left.body",
                lang,
                since=format_time(since, self._timezone, lang, until),
                until=format_time(until, self._timezone, lang, until),
            ),
        )

    async def _closing_mailed(self, address: str | None = None) -> None:
        """Note that ``address`` had the closing mail; forget the outage once all did."""
        ended = self._ended
        if ended is None:
            return
        if address is not None:
            ended.of(address).closed = True
        if all(ended.of(r.settings.address).closed for r in self._recipients):
            self._ended = None
            await self._outages.clear()
        elif address is not None:
            await self._outages.save(ended)

    async def _send_due(self) -> None:
        now = self._clock.now()
        if self._retry_at is not None and now < self._retry_at:
            return
        outage = self._outage if self._reachability.degraded else None
        mailed: dict[int, Notice] = {}
        try:
            for recipient in self._recipients:
                address = recipient.settings.address
                # The closing mail (no outage any more) is not held back by batching.
                record = None if outage is None else outage.of(address)
                if record and record.last_mail and now < record.last_mail + self._batch:
                    continue
                if recipient.refused_until is not None and now < recipient.refused_until:
                    continue
                notices = await self._waiting(recipient.settings) if record is not None else []
                if notices is None:
                    continue  # the outbox's writers are still busy: at the next tick
                if recipient.headline is None and not notices:
                    continue
                mail = compose(address, recipient.settings.language, notices, recipient.headline)
                outcome = await self._send(mail, recipient)
                if outcome == "failed":
                    return  # the server is failing: try everyone again after the backoff
                if outcome == "refused":
                    continue  # only this address: the next recipients' mails still go
                recipient.headline = None
                if notices:
                    cursor = CURSOR_KEY.format(address=address)
                    await self._state.set(cursor, str(notices[-1].outbox_id))
                if outage is not None and record is not None:
                    record.opened, record.last_mail = True, now
                    record.count += len(notices)
                    record.alert_ids.update(i for notice in notices for i in notice.alert_ids)
                    # Before the next mail: a restart must not send this one again.
                    await self._outages.save(outage)
                elif outage is None:
                    await self._closing_mailed(address)
                mailed.update((notice.outbox_id, notice) for notice in notices)
        finally:
            # After every recipient's mail, so none of them gets the note in its text.
            await self._mark_mailed(list(mailed.values()))

    async def _send(
        self, mail: Mail, recipient: _Recipient
    ) -> Literal["sent", "refused", "failed"]:
        """Send ``mail``: "failed" backs off the whole fallback, "refused" (the server
        refused this recipient's address only) backs off just ``recipient``."""
        try:
            await self._mailer.send(mail)
        except MailError as exc:
            backoff = recipient.backoff if exc.refused else self._backoff
            retry_at = self._clock.now() + timedelta(seconds=backoff.next_delay())
            if exc.refused:
                recipient.refused_until = retry_at
            else:
                self._retry_at = retry_at
            outage = self._outage
            # Reported once per outage (its summary says it); outside one, once per streak.
            if backoff.failures == 1 if outage is None else outage.mail_error is None:
                log.error("e-mail fallback failing, will retry: %s", exc)
            if outage is not None and outage.mail_error is None:
                outage.mail_error = str(exc)
                await self._outages.save(outage)
            self._count("failed")
            return "refused" if exc.refused else "failed"
        if self._backoff.failures or recipient.backoff.failures:
            log.info("e-mail fallback works again")
        self._backoff.reset()
        self._retry_at = None
        recipient.backoff.reset()
        recipient.refused_until = None
        self._count("sent")
        return "sent"

    async def _mark_mailed(self, notices: Sequence[Notice]) -> None:
        """Add to each still undelivered notice that it went out by mail too (once). The
        sender may already hold the row's old content: then the room shows it unmarked."""
        note = i18n.text("degraded.mailed_note", self._lang)
        async with self._db.transaction() as session:
            for notice in notices:
                row = await session.get(OutboxRecord, notice.outbox_id)
                if row is None or row.sent_at is not None or note in row.content["body"]:
                    continue
                content = dict(row.content)
                content["body"] = f"{content['body']}\n{note}"
                if "formatted_body" in content:
                    escaped = i18n.html_escape(note)
                    content["formatted_body"] = (
                        f"{content['formatted_body']}<p><em>{escaped}</em></p>"
                    )
                row.content = content

    async def _waiting(self, recipient: EmailRecipient) -> list[Notice] | None:
        """The undelivered room notices marked for mail that ``recipient`` has not had,
        in their language; None when the outbox's writers did not finish in time."""
        cursor = int(await self._state.get(CURSOR_KEY.format(address=recipient.address)) or 0)
        try:
            async with self._db.transaction() as session:
                if not self._db.is_sqlite:
                    # PostgreSQL hands out ids at insert, so a transaction committing after
                    # this read could add a row below the cursor, never to be mailed. SHARE
                    # waits for the transactions writing the outbox and holds off new ones
                    # until this read is done: every id up to the highest seen is settled.
                    # (SQLite queues writers, so ids commit in order there.) The wait is
                    # bounded: new writers queue behind it, and one of them may hold a row
                    # that a writer it waits for needs (a deadlock); it gives way instead.
                    await session.execute(text(f"SET LOCAL lock_timeout = {OUTBOX_LOCK_MS}"))
                    await session.execute(text("LOCK TABLE outbox IN SHARE MODE"))
                rows = await session.scalars(
                    select(OutboxRecord)
                    .where(
                        # Any room: playbook reminders wait in incident rooms.
                        OutboxRecord.id > cursor,
                        OutboxRecord.sent_at.is_(None),
                        OutboxRecord.dead_at.is_(None),
                        OutboxRecord.event_type == MESSAGE_EVENT,
                    )
                    .order_by(OutboxRecord.id)
                )
                return [
                    notice_of(row, recipient.language)
                    for row in rows
                    if row.content.get(MAIL_FIELD)
                ]
        except DBAPIError as exc:
            if sqlstate(exc) != LOCK_NOT_AVAILABLE:
                raise
            return None

    async def _post_summary(self, left: Left, outage: Outage) -> None:
        lang = self._lang
        since = format_time(left.since, self._timezone, lang, left.until)
        until = format_time(left.until, self._timezone, lang, left.until)
        async with self._db.transaction() as session:
            arrived = await session.scalar(
                select(func.count())
                .select_from(AlertRecord)
                .where(AlertRecord.received_at >= left.since, AlertRecord.received_at <= left.until)
            )
            lines = [
                i18n.text("degraded.summary", lang, since=since, until=until, count=arrived or 0)
            ]
            for recipient in self._recipients:
                record = outage.of(recipient.settings.address)
                alert_ids = sorted(record.alert_ids)
                alerts = (
                    i18n.text(
                        "degraded.summary.alerts", lang, ids=", ".join(f"#{i}" for i in alert_ids)
                    )
                    if alert_ids
                    else ""
                )
                lines.append(
                    i18n.text(
                        "degraded.summary.mailed",
                        lang,
                        recipient=recipient.settings.user_id,
                        count=record.count,
                        alerts=alerts,
                    )
                )
            addressed = {recipient.settings.user_id for recipient in self._recipients}
            unreached = [member for member in self._taskforce if member not in addressed]
            if unreached:
                lines.append(
                    i18n.text("degraded.summary.unreached", lang, members=", ".join(unreached))
                )
            if outage.mail_error is not None:
                lines.append(
                    i18n.text("degraded.summary.mail_failed", lang, error=outage.mail_error)
                )
            outbox = Outbox(session, self._clock, self._on_outbox_commit)
            await outbox.post(self._room, text_content("\n".join(lines)))
            await self._outages.save_in(session, outage)

    def _set_gauge(self, since: datetime | None) -> None:
        if self._metrics is not None:
            self._metrics.matrix_unreachable_since.set(0 if since is None else since.timestamp())

    def _count(self, outcome: str) -> None:
        if self._metrics is not None:
            self._metrics.fallback_mails.labels(outcome=outcome).inc()


def notice_of(row: OutboxRecord, lang: Language) -> Notice:
    """The mailable form of an outbox row in ``lang`` (its text in ``lang`` where it has
    one, else as the room has it): its text, HTML, alert ids and exercise mark."""
    content: dict[str, Any] = row.content
    texts = content.get(MAIL_TRANSLATIONS_FIELD, {}).get(lang, content)
    # The content decides the withholding, so a translation can never undo it.
    withheld = content.get(MAIL_TEXT_FIELD)
    if withheld is not None:
        withheld = texts.get(MAIL_TEXT_FIELD, withheld)
    text = str(withheld if withheld is not None else texts.get("body", ""))
    html = None if withheld is not None else texts.get("formatted_body")
    ids = content.get(ALERT_IDS_FIELD) or (
        [content[ALERT_ID_FIELD]] if ALERT_ID_FIELD in content else []
    )
    mailed = {
        "body": text,
        "formatted_body": str(html) if html else f"<p>{i18n.html_escape(text)}</p>",
    }
    exercise = str(content.get("body", "")).startswith(EXERCISE_MARK)
    if exercise:
        # The outbox marked the room's text only; a translation or a withheld text gets
        # the mark here, so an exercise notice is never mailed without it (also next to a
        # real one in the same mail).
        mailed = mark_content(mailed)
    return Notice(
        outbox_id=row.id,
        text=mailed["body"],
        html=mailed["formatted_body"],
        alert_ids=tuple(int(i) for i in ids),
        exercise=exercise,
    )
