"""Producing a report outside the running bot, straight from the database."""

from __future__ import annotations

from bot.clock import SystemClock
from bot.config import LocalSettings
from bot.decisionlog.actions import ActionService
from bot.decisionlog.log import SituationLog
from bot.errors import SituationNotFound
from bot.i18n import Language
from bot.reports.data import People, ReportService
from bot.reports.disclosure import Rendered, render_report
from bot.reports.fallbacks import fallback_view
from bot.reports.formats import ReportFormat
from bot.retention.exports import Exports
from bot.scheduling.timers import Timers
from bot.situations.roles import ListedTaskforce
from bot.storage.db import Database
from bot.suppliers.fallbacks import FallbackService
from bot.suppliers.improvements import Improvements
from bot.suppliers.registry import SupplierRegistry


async def write_report(
    settings: LocalSettings,
    situation_id: int,
    fmt: ReportFormat,
    lang: Language,
    *,
    disclosure: bool = False,
) -> Rendered:
    """The report of ``situation_id`` in ``fmt``; LookupError when it does not exist.

    With ``disclosure`` the version for a Woo request, with its inventory; only the
    internal version is recorded as the export retention waits for. Offline the
    taskforce list is not known: people who wrote entries count as its members.
    """
    db = Database(settings.database_url)
    clock = SystemClock()
    try:
        async with db.transaction() as session:
            people = People(ListedTaskforce(()), frozenset(settings.disclosure.public_roles))
            service = ReportService(session, SituationLog(session, clock), people=people)
            try:
                gathered = await service.gather(situation_id)
            except SituationNotFound:
                raise LookupError(f"situation {situation_id} does not exist") from None
            if not disclosure:  # the Woo version withholds entries: no archive copy
                await Exports(session, clock).record(situation_id, "command line", fmt.name)
    finally:
        await db.dispose()
    return render_report(
        gathered, fmt, lang, settings.timezone, clock.now(), people if disclosure else None
    )


async def write_fallback_report(
    settings: LocalSettings, fmt: ReportFormat, lang: Language
) -> bytes:
    """The board's overview of fallback options (``weerbaar report fallbacks``) in ``fmt``."""
    db = Database(settings.database_url)
    clock = SystemClock()
    try:
        async with db.transaction() as session:
            log = SituationLog(session, clock)
            timers = Timers(session, clock)
            fallbacks = FallbackService(
                session,
                SupplierRegistry(session, clock),
                clock,
                settings.fallbacks,
                # Only reading here: nobody records a test, so nobody needs a role.
                ListedTaskforce(()),
                log,
                ActionService(log, timers, clock),
                Improvements(session, timers, clock),
                settings.timezone,
            )
            lines = await fallbacks.overview()
            today = fallbacks.today()
    finally:
        await db.dispose()
    return fmt.render(fallback_view(lines, today, lang, settings.timezone), lang, settings.timezone)
