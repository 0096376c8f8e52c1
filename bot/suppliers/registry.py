"""Looking suppliers up by name or alias."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage.models import SupplierRecord


def normalise(name: str) -> str:
    """The form names are compared in: case and surrounding space do not matter."""
    return " ".join(name.split()).casefold()


class SupplierRegistry:
    """Reads the supplier registry within a transaction."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def find(self, name: str) -> SupplierRecord | None:
        """The supplier called ``name`` or known by it as an alias."""
        wanted = normalise(name)
        # The registry is small (tens to hundreds of suppliers); matching aliases in Python
        # keeps the lookup the same on SQLite and PostgreSQL.
        for supplier in await self._session.scalars(select(SupplierRecord)):
            if wanted in {normalise(supplier.name), *map(normalise, supplier.aliases)}:
                return supplier
        return None
