"""Sending a signed alert to an intake: used by ``weerbaar alert send`` and the tests."""

from __future__ import annotations

import json
import time
from typing import Any

import aiohttp

from bot.intake.signature import SIGNATURE_HEADER, TIMESTAMP_HEADER, sign


def signed_headers(secret: bytes, body: bytes, timestamp: int | None = None) -> dict[str, str]:
    """Headers that make ``body`` acceptable to an intake sharing ``secret``."""
    moment = int(time.time()) if timestamp is None else timestamp
    return {
        "Content-Type": "application/json",
        TIMESTAMP_HEADER: str(moment),
        SIGNATURE_HEADER: sign(secret, moment, body),
    }


async def send_alert(url: str, secret: bytes, alert: dict[str, Any]) -> tuple[int, Any]:
    """POST ``alert`` signed to ``url``; returns the status and the decoded JSON reply."""
    body = json.dumps(alert).encode()
    async with (
        aiohttp.ClientSession() as session,
        session.post(url, data=body, headers=signed_headers(secret, body)) as response,
    ):
        return response.status, await response.json(content_type=None)
