"""Producing a report outside the running bot, straight from the database."""

from __future__ import annotations

from bot.clock import SystemClock
from bot.config import LocalSettings
from bot.decisionlog.log import SituationLog
from bot.errors import SituationNotFound
from bot.i18n import Language
from bot.reports.data import ReportService
from bot.reports.formats import ReportFormat
from bot.reports.view import build_view
from bot.retention.exports import Exports
from bot.storage.db import Database


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
