"""The hash chain that makes a situation's log tamper-evident."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import datetime

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
    payload: Mapping[str, object],
    disclosable: bool = True,
    corrects_seq: int | None = None,
) -> str:
    """SHA-256 over the previous hash and a canonical JSON form of the entry.

    The disclosure flag and the corrected entry are hashed only when they differ from the
    defaults, so chains written before those fields existed still verify, while changing
    either one still changes the hash.
    """
    fields: dict[str, object] = {
        "situation_id": situation_id,
        "seq": seq,
        "kind": kind,
        "actor": actor,
        "occurred_at": occurred_at.isoformat(),
        "recorded_at": recorded_at.isoformat(),
        "payload": payload,
    }
    if not disclosable:
        fields["disclosable"] = False
    if corrects_seq is not None:
        fields["corrects_seq"] = corrects_seq
    canonical = json.dumps(
        fields,
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    )
    return hashlib.sha256((prev_hash + canonical).encode("utf-8")).hexdigest()
