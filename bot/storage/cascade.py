"""Deleting rows together with every row that refers to them, found through foreign keys.

Used by the purges (retention, exercises): tables added later are covered without
changes there, because the references are read from the models' metadata.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from sqlalchemy import ColumnElement, Table, delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage.models import Base


async def delete_cascading(
    session: AsyncSession, table: Table, where: ColumnElement[bool], counts: Counter[str]
) -> None:
    """Delete ``table``'s rows matching ``where``, after every row referring to them.

    ``counts`` gets the number of deleted rows per table name.
    """
    for child in Base.metadata.sorted_tables:
        for key in child.foreign_keys:
            if key.column.table is table:
                referenced = select(key.column).where(where)
                await delete_cascading(session, child, key.parent.in_(referenced), counts)
    result: Any = await session.execute(delete(table).where(where))
    counts[table.name] += result.rowcount


def table_of(model: type[Base]) -> Table:
    """The table behind an ORM model."""
    return Base.metadata.tables[model.__tablename__]
