"""Running one configured feed: fetch, compare with the last poll, store what is new.

Fetching happens outside any transaction (it may take up to the timeout); what the poll
found is then stored in one transaction with the poller's new state, so a crash never
loses a change or posts one twice. A failing feed is reported once until it recovers.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, date, datetime
from typing import Any, Protocol

from apscheduler.schedulers.base import BaseScheduler
from pydantic import ValidationError

from bot.alerts.model import IncomingAlert, Severity
from bot.config import PollerSettings
from bot.polling import bodacc, csaf, edgar, gleif, kev
from bot.polling.feeds import feed_changes, parse_feed
from bot.polling.fetch import FeedError, Fetched, StatusError, Validators, fetch, user_agent
from bot.polling.statuspage import Changes, parse_summary, summary_changes
from bot.services import ServiceFactory, Services
from bot.suppliers.names import normalise

log = logging.getLogger(__name__)


class Matchable(Protocol):
    """An advisory or catalogue entry that names vendors and products, not a supplier."""

    @property
    def names(self) -> tuple[str, ...]:
        """The vendor and product names it concerns."""
        ...

    def alert(self, supplier: str, matched: str, source: str) -> IncomingAlert:
        """The alert for ``supplier``, named in it as ``matched``."""
        ...


@dataclass
class Collected:
    """What a poll found: ready alerts and resolutions, and items still to match."""

    changes: Changes
    to_match: Sequence[Matchable] = field(default_factory=list)
    # The alerts are insolvency notices: a new one about a supplier that a vital process
    # depends on proposes the lauwe fase at once.
    insolvency: bool = False


class FeedPoller:
    """Polls one feed; ``poll`` never raises, so the scheduler keeps calling it."""

    def __init__(self, factory: ServiceFactory, settings: PollerSettings) -> None:
        self._factory = factory
        self.settings = settings

    async def poll(self) -> None:
        """One poll: new observations become alerts, a failure is reported once."""
        name = self.settings.name
        try:
            async with self._factory.transaction() as services:
                state = await services.polls.state(name)
            try:
                collected = await self._collect(state)
            except FeedError as exc:
                async with self._factory.transaction() as services:
                    await services.polls.failed(name, str(exc))
                return
            async with self._factory.transaction() as services:
                await self._store(services, collected)
        except Exception:  # a bug or a database outage must not stop future polls
            log.exception("poller %s failed", name)

    async def _get(self, url: str) -> bytes:
        fetched = await self._fetch(url, None)
        assert fetched.body is not None  # only a conditional request can be answered 304
        return fetched.body

    async def _fetch(self, url: str, validators: Validators | None) -> Fetched:
        settings = self.settings
        return await fetch(
            url,
            timeout=settings.timeout_seconds,
            max_bytes=settings.max_bytes,
            agent=user_agent(settings.contact),
            validators=validators,
        )

    async def _collect(self, state: dict[str, Any]) -> Collected:
        settings = self.settings
        try:
            if settings.kind == "csaf":
                return await self._collect_csaf(state)
            if settings.kind == "cisa_kev":
                return await self._collect_kev(state)
            if settings.kind == "bodacc":
                return await self._collect_bodacc(state)
            if settings.kind == "sec_edgar":
                return await self._collect_edgar(state)
            if settings.kind == "gleif":
                return await self._collect_gleif(state)
            body = await self._get(settings.url)
            supplier = settings.supplier or ""
            if settings.kind == "statuspage":
                changes = summary_changes(parse_summary(body), state, settings.name, supplier)
            else:
                entries = parse_feed(body)
                severity = Severity(settings.severity)
                changes = feed_changes(entries, state, settings.name, supplier, severity)
            return Collected(changes)
        except ValidationError as exc:
            raise FeedError(f"malformed entry: {str(exc).splitlines()[0][:200]}") from None

    async def _collect_csaf(self, state: dict[str, Any]) -> Collected:
        listed: list[csaf.Listed] = []
        for kind, url in csaf.index_urls(await self._get(self.settings.url)):
            body = await self._get(url)
            listed += (
                csaf.parse_changes_csv(body, url) if kind == "directory" else csaf.parse_rolie(body)
            )
        since = state.get("since")
        if not isinstance(since, str):  # first poll: only note where the provider is
            newest = max((item.changed for item in listed), default=datetime.now(UTC))
            return Collected(Changes(state={"since": newest.isoformat()}))
        batch = csaf.changed_since(
            listed, datetime.fromisoformat(since), self.settings.max_advisories
        )
        advisories = []
        for item in batch:
            try:
                advisories.append(csaf.parse_advisory(await self._get(item.url), item.url))
            except FeedError as exc:
                # One broken advisory must not hold back the provider's others.
                log.warning("poller %s skips advisory %s: %s", self.settings.name, item.url, exc)
        watermark = batch[-1].changed.isoformat() if batch else since
        return Collected(Changes(state={"since": watermark}), advisories)

    async def _collect_kev(self, state: dict[str, Any]) -> Collected:
        # The catalogue is over a megabyte and changes a few times a week: ask conditionally.
        validators = Validators(**state.get("http", {}))
        fetched = await self._fetch(self.settings.url, validators)
        if fetched.body is None:
            return Collected(Changes(state=state))
        entries = kev.parse_catalogue(fetched.body)
        new = kev.new_entries(entries, state)
        after = {**kev.remembered(entries, state), "http": asdict(fetched.validators)}
        return Collected(Changes(state=after), new)

    async def _collect_bodacc(self, state: dict[str, Any]) -> Collected:
        sirens = await self._identified("siren")
        if not sirens:  # nothing to ask about; the watermark waits for the first SIREN
            return Collected(Changes(state=state))
        today = self._factory.clock.now().date()
        since = date.fromisoformat(state["since"]) if "since" in state else today
        notices: list[bodacc.Notice] = []
        for page in range(self.settings.max_pages):
            url = bodacc.records_url(self.settings.url, sorted(sirens), since, page * bodacc.PAGE)
            batch = bodacc.parse_page(await self._get(url))
            notices += batch
            if len(batch) < bodacc.PAGE:
                break
        found, after = bodacc.new_notices(notices, state, sirens, today)
        alerts = [
            bodacc.notice_alert(notice, supplier, self.settings.name) for notice, supplier in found
        ]
        return Collected(Changes(alerts=alerts, state=after), insolvency=True)

    async def _identified(self, kind: str) -> dict[str, str]:
        async with self._factory.transaction() as services:
            return await services.suppliers.with_identifier(kind)

    async def _collect_edgar(self, state: dict[str, Any]) -> Collected:
        # Asked one CIK after the other: SEC's fair-access policy allows 10 requests/s.
        alerts, after = [], {}
        for cik, supplier in sorted((await self._identified("cik")).items()):
            try:
                body = await self._get(edgar.submissions_url(self.settings.url, cik))
            except StatusError as exc:
                if exc.status != 404:
                    raise
                # EDGAR has no submissions for this CIK (a typo in the registry, a company
                # gone): skip it, not the other suppliers' filings. What was remembered of
                # it is kept, so a CIK that comes back repeats and misses nothing.
                log.warning("poller %s skips CIK %s: %s", self.settings.name, cik, exc)
                if cik in state:
                    after[cik] = state[cik]
                continue
            found, after[cik] = edgar.new_filings(edgar.parse_filings(body, cik), state, cik)
            alerts += [edgar.filing_alert(f, supplier, cik, self.settings.name) for f in found]
        return Collected(Changes(alerts=alerts, state=after))

    async def _collect_gleif(self, state: dict[str, Any]) -> Collected:
        leis = await self._identified("lei")
        if not leis:
            return Collected(Changes(state=state))
        body = await self._get(gleif.records_url(self.settings.url, sorted(leis)))
        records = [
            replace(record, ultimate_parent=await self._ultimate_parent(record.lei))
            for record in gleif.parse_records(body)
            if record.lei in leis
        ]
        changed, after = gleif.changed_records(records, state)
        alerts = [
            gleif.record_alert(record, before, leis[record.lei], self.settings.name)
            for record, before in changed
        ]
        return Collected(Changes(alerts=alerts, state=after))

    async def _ultimate_parent(self, lei: str) -> str:
        # Asked one LEI after the other, within GLEIF's 60 requests a minute for a registry
        # of up to about 60 LEIs polled hourly.
        try:
            body = await self._get(gleif.parent_url(self.settings.url, lei))
        except StatusError as exc:
            if exc.status == 404:  # GLEIF's answer for "no ultimate parent reported"
                return gleif.NO_PARENT
            raise
        return gleif.parse_parent(body, lei)

    async def _store(self, services: Services, collected: Collected) -> None:
        name = self.settings.name
        # Resolutions first: a component whose status changed resolves its old alert and
        # raises a new one under the same id (see ``Changes``).
        for external_id in collected.changes.resolved:
            alert = await services.alerts.find_unresolved(name, external_id)
            if alert is not None:
                await services.alerts.resolve(alert.id, name)
        for incoming in collected.changes.alerts:
            # The registry's spelling, as the intake stores it: a feed configured with an
            # alias or another case must still meet its supplier's snooze and situation.
            supplier = await services.suppliers.canonical(incoming.supplier)
            stored = await services.alerts.receive(
                incoming.model_copy(update={"supplier": supplier})
            )
            if collected.insolvency and stored.count == 1:  # a repeat was proposed already
                await services.watch.propose_lauwe_fase(stored)
        for item in collected.to_match:
            for supplier, matched in await _suppliers_named(services, item.names):
                await services.alerts.receive(item.alert(supplier, matched, name))
        await services.polls.succeeded(name, collected.changes.state)
        await services.heartbeats.contact(name)


async def _suppliers_named(services: Services, names: Sequence[str]) -> list[tuple[str, str]]:
    """Registry suppliers among ``names`` (vendor or product): (supplier, name used).

    Every supplier a name means, once, with the first name that matched it.
    """
    found: dict[str, tuple[str, str]] = {}
    for name in names:
        for supplier in await services.suppliers.in_catalogue(name):
            found.setdefault(normalise(supplier.name), (supplier.name, name))
    return list(found.values())


def register_pollers(
    scheduler: BaseScheduler, factory: ServiceFactory, pollers: Sequence[PollerSettings]
) -> list[FeedPoller]:
    """One scheduler job per configured feed, first run now, never overlapping itself."""
    started = []
    for settings in pollers:
        poller = FeedPoller(factory, settings)
        scheduler.add_job(
            poller.poll,
            "interval",
            seconds=settings.interval_seconds,
            id=f"poll-{settings.name}",
            max_instances=1,
            coalesce=True,
            next_run_time=datetime.now(UTC),
        )
        started.append(poller)
    return started
