"""One-time login links and browser sessions of the web view.

A secret is 32 random bytes (URL-safe text) handed out once; the database holds only its
SHA-256, so a copy of the database opens no session. A link works once and for minutes;
the session it starts lasts hours and ends at ``/logout``, or when its holder leaves the
taskforce (``end_outside``), so coming back takes a new link. Whether the holder is still
in the taskforce is also checked by the caller at every request.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage.models import WebCredentialRecord

LINK = "link"
SESSION = "session"


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


class WebCredentials:
    """Issues, redeems and ends web view credentials inside the caller's transaction."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def issue(self, kind: str, user_id: str, now: datetime, valid: timedelta) -> str:
        """A new secret of ``kind`` for ``user_id``; returned once, stored hashed."""
        # Expired credentials are of no use to anyone: drop them on the way.
        await self._session.execute(
            delete(WebCredentialRecord).where(WebCredentialRecord.expires_at <= now)
        )
        secret = secrets.token_urlsafe(32)
        self._session.add(
            WebCredentialRecord(
                secret_hash=_digest(secret),
                kind=kind,
                user_id=user_id,
                created_at=now,
                expires_at=now + valid,
            )
        )
        await self._session.flush()
        return secret

    async def holder(self, kind: str, secret: str, now: datetime) -> str | None:
        """The user a live credential of ``kind`` belongs to, or None."""
        return await self._session.scalar(
            select(WebCredentialRecord.user_id).where(
                WebCredentialRecord.secret_hash == _digest(secret),
                WebCredentialRecord.kind == kind,
                WebCredentialRecord.expires_at > now,
                WebCredentialRecord.ended_at.is_(None),
            )
        )

    async def redeem_link(self, secret: str, now: datetime) -> str | None:
        """Use a login link: its user, or None when unknown, expired or used before.

        The conditional update makes the use single even with two concurrent requests:
        only one of them changes the row.
        """
        user = await self.holder(LINK, secret, now)
        if user is None:
            return None
        used = await self._session.execute(
            update(WebCredentialRecord)
            .where(
                WebCredentialRecord.secret_hash == _digest(secret),
                WebCredentialRecord.ended_at.is_(None),
            )
            .values(ended_at=now)
        )
        return user if used.rowcount == 1 else None  # type: ignore[attr-defined]

    async def end(self, kind: str, secret: str, now: datetime) -> None:
        """End a credential (logout); unknown secrets change nothing."""
        await self._session.execute(
            update(WebCredentialRecord)
            .where(
                WebCredentialRecord.secret_hash == _digest(secret),
                WebCredentialRecord.kind == kind,
                WebCredentialRecord.ended_at.is_(None),
            )
            .values(ended_at=now)
        )

    async def end_outside(self, in_taskforce: Callable[[str], bool], now: datetime) -> list[str]:
        """End every live link and session of a holder no longer ``in_taskforce``; those
        holders, sorted.

        Refusing them at each request is not enough: added back within the session's
        hours, an old cookie (on a lost device, say) would open the picture again.
        """
        holders = await self._session.scalars(
            select(WebCredentialRecord.user_id)
            .where(WebCredentialRecord.ended_at.is_(None), WebCredentialRecord.expires_at > now)
            .distinct()
        )
        outside = sorted(user for user in holders if not in_taskforce(user))
        if outside:
            await self._session.execute(
                update(WebCredentialRecord)
                .where(
                    WebCredentialRecord.user_id.in_(outside),
                    WebCredentialRecord.ended_at.is_(None),
                )
                .values(ended_at=now)
            )
        return outside
