"""Comparing databases row by row, and the configuration the backup commands read."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from bot.storage.backup import tables
from bot.storage.db import Database

CONFIG = """
taskforce = ["@alice:test"]
data_dir = "{data_dir}"
[matrix]
homeserver = "http://127.0.0.1:1"
user_id = "@weerbaar:test"
access_token = "syt_secret"
coordination_room = "!room:test"
[intake]
hmac_secret = "hmac"
[encryption]
enabled = false
"""


async def snapshot(database: Database) -> dict[str, list[dict[str, Any]]]:
    """Every row of every table, as Python values, for comparison."""
    result: dict[str, list[dict[str, Any]]] = {}
    async with database.engine.connect() as connection:
        for table in tables():
            rows = await connection.execute(select(table).order_by(*table.primary_key.columns))
            result[table.name] = [dict(row) for row in rows.mappings()]
    return result
