"""The migrations produce exactly the schema the models describe, on both databases."""

from __future__ import annotations

from bot.storage.db import Database
from bot.storage.migrate import is_current, pending_model_changes


async def test_migrated_schema_matches_the_models(database: Database) -> None:
    assert await is_current(database)
    assert await pending_model_changes(database) == []
