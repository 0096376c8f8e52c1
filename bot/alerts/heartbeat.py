"""Sources that fall silent: last contact per intake source and poller, silence and return.

A monitoring pipeline that dies looks exactly like a quiet supplier, so every contact
(an alert, a resolve, an explicit heartbeat, a good poll) is noted, and a source that
declared ``expect_every`` and stays quiet longer gets one "silent" alert of the bot's
own; its next contact resolves that alert and is announced once as a return.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot import i18n
from bot.alerts.model import IncomingAlert, Severity
from bot.alerts.service import AlertService, AlertStatus
from bot.clock import Clock
from bot.config import Settings
from bot.i18n import Language
from bot.playbooks.durations import format_duration
from bot.storage.models import SourceContactRecord

log = logging.getLogger(__name__)

# The source of the bot's own "silent" alerts; the supplier is the silent source.
HEARTBEAT_SOURCE = "heartbeat"
# The default intake source (POST /alerts, signed with the intake's own secret).
DEFAULT_SOURCE = "generic"
# Last contact is kept to this precision (see Heartbeats.contact).
CONTACT_PRECISION = timedelta(seconds=1)


@dataclass(frozen=True)
class Expectation:
    """A configured source or poller, and how often it must be heard from (None: never)."""

    source: str
    kind: str
    every: timedelta | None


@dataclass(frozen=True)
class HeartbeatPolicy:
    """The configured sources and the language and time zone of the silence alerts."""

    expectations: tuple[Expectation, ...] = ()
    language: Language = "nl"
    timezone: str = "UTC"


def heartbeat_policy(settings: Settings) -> HeartbeatPolicy:
    """Every intake source (the default one first) and poller, from the settings."""
    intake = settings.intake
    expectations = [
        Expectation(DEFAULT_SOURCE, "generic", intake.expect_every),
        *(Expectation(s.name, s.kind, s.expect_every) for s in intake.sources),
        *(Expectation(p.name, f"poller {p.kind}", p.expect_every) for p in settings.pollers),
    ]
    # A configured source named like the default one replaces it.
    unique = {expectation.source: expectation for expectation in expectations}
    return HeartbeatPolicy(tuple(unique.values()), settings.language, settings.timezone)


class SourceNotifier(Protocol):
    """Tells the taskforce that a silent source was heard from again."""

    async def source_back(self, source: str, silent_since: datetime, now: datetime) -> None:
        """``source`` spoke again (at ``now``) after being silent since ``silent_since``."""
        ...


@dataclass(frozen=True)
class SourceView:
    """One source as ``!sources`` and ``/metrics`` show it."""

    expectation: Expectation
    last_contact_at: datetime | None
    silent_since: datetime | None


class Heartbeats:
    """Notes contacts and finds silent sources, within one transaction."""

    def __init__(
        self,
        session: AsyncSession,
        alerts: AlertService,
        notifier: SourceNotifier,
        clock: Clock,
        policy: HeartbeatPolicy,
    ) -> None:
        self._session = session
        self._alerts = alerts
        self._notifier = notifier
        self._clock = clock
        self.policy = policy
        # The session's identity map holds unchanged rows weakly, so without a reference
        # of our own every request of a batch would read its source's row again.
        self._held: dict[str, SourceContactRecord] = {}

    async def contact(self, source: str) -> None:
        """``source`` was heard from now; a silent one is announced back, its alert resolved.

        Announced back once, also when it reaches two instances at once (PostgreSQL): the
        row of a silent source is read again, locked, so the second finds it back already.
        A source the check on the other instance marks silent meanwhile is announced back
        too: the contact is noted only while the row is not marked silent.
        """
        now = self._clock.now()
        record = await self._record(source, now)
        if record.silent_since is None:
            # Every request of a busy source writing this row would queue its transaction
            # behind the others' (a row lock on PostgreSQL); a second is precise enough.
            if (
                record.last_contact_at is not None
                and now - record.last_contact_at < CONTACT_PRECISION
            ):
                return
            if await self._note_unless_silent(source, now):
                return
        record = await self._record(source, now, lock=True)
        silent_since = record.silent_since
        if silent_since is None:
            record.last_contact_at = now
            return
        record.last_contact_at = now
        if record.silent_alert_id is not None:
            alert = await self._alerts.get(record.silent_alert_id)
            if alert.status != AlertStatus.RESOLVED:
                await self._alerts.resolve(alert.id, source)
        record.silent_since, record.silent_alert_id = None, None
        log.info("source %s is back (silent since %s)", source, silent_since)
        await self._notifier.source_back(source, silent_since, now)

    async def check(self) -> list[str]:
        """Announce every expected source quiet for longer than it may be; returns their names.

        A source already announced is not announced again until it has been back, so a
        check that runs often posts one alert per silence.
        """
        now = self._clock.now()
        newly_silent = []
        for expectation in self.policy.expectations:
            if expectation.every is None:
                continue
            record = await self._record(expectation.source, now)
            if not self._silent_for(record, expectation.every, now):
                continue
            # Read again, locked: a contact the other instance has written but not yet
            # committed (PostgreSQL) is waited for instead of being called a silence.
            record = await self._record(expectation.source, now, lock=True)
            if not self._silent_for(record, expectation.every, now):
                continue
            heard = record.last_contact_at or record.watched_since
            record.silent_since = heard
            alert = await self._alerts.receive(self._silence_alert(expectation, heard, now))
            record.silent_alert_id = alert.id
            log.warning("source %s silent since %s", expectation.source, heard)
            newly_silent.append(expectation.source)
        return newly_silent

    async def overview(self) -> list[SourceView]:
        """Every configured source with its last contact and silence, in configuration order."""
        records = {
            record.source: record
            for record in await self._session.scalars(select(SourceContactRecord))
        }
        views = []
        for expectation in self.policy.expectations:
            record = records.get(expectation.source)
            views.append(
                SourceView(
                    expectation,
                    record.last_contact_at if record is not None else None,
                    record.silent_since if record is not None else None,
                )
            )
        return views

    @staticmethod
    def _silent_for(record: SourceContactRecord, every: timedelta, now: datetime) -> bool:
        """Whether ``record``'s source is newly silent: not marked, quiet for ``every``."""
        heard = record.last_contact_at or record.watched_since
        return record.silent_since is None and now - heard >= every

    async def _note_unless_silent(self, source: str, now: datetime) -> bool:
        """Note the contact in one statement, only while the row is not marked silent;
        whether it was. On PostgreSQL the condition is checked again after waiting for a
        check holding the row, so a silence it commits meanwhile is not overwritten."""
        # The held record gets the value too, and loses it with a rolled-back savepoint.
        noted = await self._session.execute(
            update(SourceContactRecord)
            .where(
                SourceContactRecord.source == source,
                SourceContactRecord.silent_since.is_(None),
            )
            .values(last_contact_at=now)
        )
        return bool(noted.rowcount == 1)  # type: ignore[attr-defined]

    def _silence_alert(
        self, expectation: Expectation, heard: datetime, now: datetime
    ) -> IncomingAlert:
        lang, zone = self.policy.language, self.policy.timezone
        since = i18n.format_time(heard, zone, lang, now)
        assert expectation.every is not None  # only expected sources fall silent
        every = format_duration(expectation.every)
        return IncomingAlert(
            supplier=expectation.source,
            title=i18n.text("heartbeat.silent", lang, source=expectation.source, since=since),
            severity=Severity.S2,
            details=i18n.text("heartbeat.silent_details", lang, every=every),
            external_id=f"silent:{expectation.source}",
            source=HEARTBEAT_SOURCE,
        )

    async def _record(
        self, source: str, now: datetime, *, lock: bool = False
    ) -> SourceContactRecord:
        # Locked, the row is read afresh: another transaction may have changed it since.
        record = await self._session.get(
            SourceContactRecord, source, with_for_update=lock, populate_existing=lock
        )
        if record is None:
            record = SourceContactRecord(source=source, watched_since=now)
            self._session.add(record)
            # Flushed so a second contact in the same transaction (a batch) finds it.
            await self._session.flush()
        # Only held: each use still goes through session.get, which reads the row again
        # when a rolled-back savepoint expired it.
        self._held[source] = record
        return record
