"""What an ongoing outage has done so far, kept across restarts of the bot.

A bot restarted while the homeserver is still down must not announce the outage a
second time, and its summary after recovery must cover the whole outage. So from
entering degraded mode until leaving it, the bot's state holds one JSON record: when
the outage began, the first mail failure (reported once), and per recipient whether
the opening mail went out, when the last mail did (batching) and what was mailed.
After leaving it, the record stays (with ``until``) until every recipient has had the
closing mail, so a restart meanwhile still sends it, once.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage.state import BotState, put_state

OUTAGE_KEY = "degraded.outage"


@dataclass
class Mailed:
    """What one recipient was sent during the outage."""

    opened: bool = False  # the opening mail went out
    closed: bool = False  # the closing mail went out
    last_mail: datetime | None = None
    count: int = 0  # notices mailed
    alert_ids: set[int] = field(default_factory=set)

    def to_json(self) -> dict[str, Any]:
        """The JSON form (see ``Outage.dumps``)."""
        return {
            "opened": self.opened,
            "closed": self.closed,
            "last_mail": None if self.last_mail is None else self.last_mail.isoformat(),
            "count": self.count,
            "alert_ids": sorted(self.alert_ids),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Mailed:
        """The recipient's record from its JSON form."""
        last = data.get("last_mail")
        return cls(
            opened=bool(data.get("opened")),
            closed=bool(data.get("closed")),
            last_mail=None if last is None else datetime.fromisoformat(last),
            count=int(data.get("count", 0)),
            alert_ids={int(i) for i in data.get("alert_ids", [])},
        )


@dataclass
class Outage:
    """An outage in degraded mode, as far as the mails are concerned."""

    since: datetime
    mail_error: str | None = None  # the first failure, reported once in the summary
    recipients: dict[str, Mailed] = field(default_factory=dict)  # by address
    # Set when the outage ended (its summary was posted): only closing mails are left.
    until: datetime | None = None

    def of(self, address: str) -> Mailed:
        """The record of ``address`` (a fresh one if it was not mailed yet)."""
        return self.recipients.setdefault(address, Mailed())

    def dumps(self) -> str:
        """The record as stored."""
        return json.dumps(
            {
                "since": self.since.isoformat(),
                "until": None if self.until is None else self.until.isoformat(),
                "mail_error": self.mail_error,
                "recipients": {a: r.to_json() for a, r in self.recipients.items()},
            }
        )

    @classmethod
    def loads(cls, text: str) -> Outage:
        """The record from its stored form."""
        data = json.loads(text)
        until = data.get("until")
        return cls(
            since=datetime.fromisoformat(data["since"]),
            until=None if until is None else datetime.fromisoformat(until),
            mail_error=data.get("mail_error"),
            recipients={a: Mailed.from_json(r) for a, r in data.get("recipients", {}).items()},
        )


class OutageStore:
    """Reads and writes the ongoing outage's record in the bot's state."""

    def __init__(self, state: BotState) -> None:
        self._state = state

    async def load(self) -> Outage | None:
        """The outage the bot was in when it stopped, if any."""
        text = await self._state.get(OUTAGE_KEY)
        return Outage.loads(text) if text else None

    async def save(self, outage: Outage) -> None:
        """Store ``outage`` as it is now."""
        await self._state.set(OUTAGE_KEY, outage.dumps())

    async def save_in(self, session: AsyncSession, outage: Outage) -> None:
        """Store ``outage`` as part of the transaction of ``session``."""
        await put_state(session, OUTAGE_KEY, outage.dumps())

    async def clear(self) -> None:
        """The outage is over: nothing to resume."""
        await self._state.set(OUTAGE_KEY, "")
