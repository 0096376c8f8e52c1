"""The one-time login link of the web view, for ``!web`` and ``weerbaar web link``."""

from __future__ import annotations

from datetime import datetime, timedelta
from urllib.parse import urlencode

from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import WebSettings
from bot.web.credentials import LINK, WebCredentials


class WebViewOff(Exception):
    """The web view is switched off or has no public address to link to."""


async def login_link(
    session: AsyncSession, settings: WebSettings, user_id: str, now: datetime
) -> str:
    """A new one-time login link for ``user_id``, valid for ``settings.link_minutes``."""
    if not settings.enabled or settings.base_url is None:
        raise WebViewOff()
    secret = await WebCredentials(session).issue(
        LINK, user_id, now, timedelta(minutes=settings.link_minutes)
    )
    return f"{settings.base_url}{settings.path_prefix}/login?{urlencode({'token': secret})}"
