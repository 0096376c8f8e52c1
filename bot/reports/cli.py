"""Producing a report outside the running bot, straight from the database."""

from __future__ import annotations

from bot.clock import SystemClock
from bot.config import LocalSettings
from bot.decisionlog.actions import ActionService
from bot.decisionlog.log import SituationLog
from bot.errors import SituationNotFound
from bot.i18n import Language
from bot.reports.data import ReportService
from bot.reports.fallbacks import fallback_view
from bot.reports.formats import ReportFormat
from bot.reports.view import build_view
from bot.retention.exports import Exports
from bot.scheduling.timers import Timers
from bot.situations.roles import ListedTaskforce
from bot.storage.db import Database
from bot.suppliers.fallbacks import FallbackService
from bot.suppliers.registry import SupplierRegistry


async def write_report(
    settings: LocalSettings, situation_id: int, fmt: ReportFormat, lang: Language
) -> bytes:
    """The report of ``situation_id`` in ``fmt``; LookupError when it does not exist."""
    db = Database(settings.database_url)
    clock = SystemClock()
    try:
        async with db.transaction() as session:
            service = ReportService(session, SituationLog(session, clock))
            try:
                gathered = await service.gather(situation_id)
            except SituationNotFound:
                raise LookupError(f"situation {situation_id} does not exist") from None
            await Exports(session, clock).record(situation_id, "command line", fmt.name)
    finally:
        await db.dispose()
    view = build_view(gathered, lang, settings.timezone, clock.now())
    return fmt.render(view, lang, settings.timezone)


async def write_fallback_report(
    settings: LocalSettings, fmt: ReportFormat, lang: Language
) -> bytes:
    """The board's overview of fallback options (``weerbaar report fallbacks``) in ``fmt``."""
    db = Database(settings.database_url)
    clock = SystemClock()
    try:
        async with db.transaction() as session:
            log = SituationLog(session, clock)
            fallbacks = FallbackService(
                session,
                SupplierRegistry(session, clock),
                clock,
                settings.fallbacks,
                # Only reading here: nobody records a test, so nobody needs a role.
                ListedTaskforce(()),
                log,
                ActionService(log, Timers(session, clock), clock),
            )
            lines = await fallbacks.overview()
            today = fallbacks.today()
    finally:
        await db.dispose()
    return fmt.render(fallback_view(lines, today, lang), lang, settings.timezone)
