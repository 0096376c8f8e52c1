"""Producing a report outside the running bot, straight from the database."""

from __future__ import annotations

from bot.clock import SystemClock
from bot.config import Settings
from bot.decisionlog.log import SituationLog
from bot.errors import SituationNotFound
from bot.i18n import Language
from bot.reports.data import ReportService
from bot.reports.markdown import render_markdown
from bot.retention.exports import Exports
from bot.storage.db import Database


async def write_report(settings: Settings, situation_id: int, lang: Language) -> str:
    """The Markdown decision log of ``situation_id``; LookupError when it does not exist."""
    db = Database(settings.database_url)
    try:
        async with db.transaction() as session:
            service = ReportService(session, SituationLog(session, SystemClock()))
            try:
                gathered = await service.gather(situation_id)
            except SituationNotFound:
                raise LookupError(f"situation {situation_id} does not exist") from None
            document = render_markdown(gathered, lang, settings.timezone)
            await Exports(session, SystemClock()).record(situation_id, "command line", "md")
            return document
    finally:
        await db.dispose()
