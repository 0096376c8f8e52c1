"""The migrations produce exactly the schema the models describe, on both databases."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from sqlalchemy import text

from bot.storage.db import Database
from bot.storage.migrate import is_current, pending_model_changes, upgrade


async def test_migrated_schema_matches_the_models(database: Database) -> None:
    assert await is_current(database)
    assert await pending_model_changes(database) == []


async def test_alerts_stored_before_room_keys_get_distinct_ones(blank_database: Database) -> None:
    await upgrade(blank_database, "0070")
    async with blank_database.transaction() as session:
        for supplier in ("a", "b"):
            await session.execute(
                text(
                    "INSERT INTO alerts (source, supplier, severity, title, details, links,"
                    " received_at) VALUES ('api', :supplier, 'high', 't', '', '[]', :at)"
                ),
                {"supplier": supplier, "at": datetime(2026, 12, 1, tzinfo=UTC)},
            )
    await upgrade(blank_database)
    async with blank_database.transaction() as session:
        keys = list(await session.scalars(text("SELECT room_key FROM alerts")))
    assert len(set(keys)) == 2
    assert all(re.fullmatch("[0-9a-f]{32}", key) for key in keys)
