"""``weerbaar supplier import``: validate the registry file and replace the registry."""

from __future__ import annotations

from pathlib import Path

from bot.clock import SystemClock
from bot.config import LocalSettings
from bot.private_files import make_private_dir
from bot.storage.db import Database
from bot.storage.migrate import upgrade
from bot.suppliers.file import read_supplier_file
from bot.suppliers.registry import SupplierRegistry
from bot.yamlfiles.loader import FileIssue


async def import_suppliers(settings: LocalSettings, path: Path) -> tuple[int, list[FileIssue]]:
    """Import ``path``: (number of suppliers, no issues) or (0, every issue, nothing changed)."""
    registry_file, issues = read_supplier_file(path)
    if registry_file is None:
        return 0, issues
    make_private_dir(settings.data_dir)
    db = Database(settings.database_url)
    try:
        await upgrade(db)
        async with db.transaction() as session:
            count = await SupplierRegistry(session, SystemClock()).replace_all(
                registry_file.suppliers
            )
    finally:
        await db.dispose()
    return count, []
