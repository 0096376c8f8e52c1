"""A backup from before a column was dropped still restores (issue 18 item 9)."""

from __future__ import annotations

import gzip
import hashlib
import json
from pathlib import Path

from sqlalchemy import select

from bot.storage.backup import FORMAT, FORMAT_VERSION, restore_backup
from bot.storage.db import Database
from bot.storage.migrate import upgrade
from bot.storage.models import PollStateRecord


def _backup_at_0110(path: Path) -> None:
    """A backup file as revision 0110 wrote it: poll_state still had last_success_at."""
    row = {
        "source": "statuspage",
        "state": {"watermark": "w1"},
        "last_success_at": "2026-12-01T10:00:00+00:00",
        "failing_since": None,
        "last_error": None,
    }
    body = (json.dumps({"table": "poll_state", "row": row}) + "\n").encode("utf-8")
    header = {
        "format": FORMAT,
        "version": FORMAT_VERSION,
        "revision": "0110",
        "created_at": "2026-12-01T10:00:00+00:00",
        "rows": {"poll_state": 1},
        "sha256": hashlib.sha256(body).hexdigest(),
    }
    with gzip.open(path, "wb") as out:
        out.write((json.dumps(header) + "\n").encode("utf-8") + body)


async def test_a_backup_with_last_success_at_restores_and_upgrades(tmp_path: Path) -> None:
    path = tmp_path / "old.jsonl.gz"
    _backup_at_0110(path)
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'restored.db'}")
    try:
        summary = await restore_backup(db, path)
        assert summary.revision == "0110"
        await upgrade(db)
        async with db.engine.connect() as connection:
            rows = (await connection.execute(select(PollStateRecord.__table__))).mappings().all()
        assert [(row["source"], row["state"]) for row in rows] == [
            ("statuspage", {"watermark": "w1"})
        ]
    finally:
        await db.dispose()
