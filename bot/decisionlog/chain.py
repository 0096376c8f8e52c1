"""The hash chain that makes a situation's log tamper-evident."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any

GENESIS_HASH = "0" * 64


def entry_hash(
    *,
    prev_hash: str,
    situation_id: int,
    seq: int,
    kind: str,
    actor: str,
    occurred_at: datetime,
    recorded_at: datetime,
    payload: dict[str, Any],
) -> str:
    """SHA-256 over the previous hash and a canonical JSON form of the entry."""
    canonical = json.dumps(
        {
            "situation_id": situation_id,
            "seq": seq,
            "kind": kind,
            "actor": actor,
            "occurred_at": occurred_at.isoformat(),
            "recorded_at": recorded_at.isoformat(),
            "payload": payload,
        },
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    )
    return hashlib.sha256((prev_hash + canonical).encode("utf-8")).hexdigest()
