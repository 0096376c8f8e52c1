"""A logical backup of the bot's database that restores on SQLite or PostgreSQL alike.

The file is gzip-compressed JSON lines, optionally encrypted in the age format to the
operators' public keys (:mod:`bot.storage.backup_encryption`). The first line is a header
naming the format, the schema revision, the row count per table and the SHA-256 of
everything after it; each further line is ``{"table": ..., "row": {...}}``, tables in
dependency order (parents first) and rows by primary key, so a restore inserts them as
they come.

A restore goes only into an empty database at the backup's schema revision (an
unmigrated one is first migrated to it), checks the checksum before writing anything,
inserts everything in one transaction, moves PostgreSQL's id sequences past the restored
ids, and verifies every situation's hash chain before it commits.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
import os
import tempfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import IO, Any

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import (
    Connection,
    Date,
    DateTime,
    Integer,
    LargeBinary,
    Table,
    TypeDecorator,
    func,
    inspect,
    select,
    text,
)
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from bot.clock import SystemClock
from bot.decisionlog.log import SituationLog
from bot.private_files import open_private
from bot.storage.backup_encryption import AgeError, decrypt, encrypt, is_encrypted
from bot.storage.db import Database
from bot.storage.migrate import alembic_config, upgrade
from bot.storage.models import Base, SituationRecord, TimerRecord

FORMAT = "weerbaar-backup"
FORMAT_VERSION = 1
# Rows inserted per statement on restore: large enough to be quick, small enough to keep
# PostgreSQL's bind-parameter limit far away.
INSERT_BATCH = 500
# Columns a later migration dropped, by table. A backup from before the drop still carries
# them; the restore leaves them out (NULL at the backup's revision), since the upgrade
# after the restore drops them anyway.
DROPPED_COLUMNS: dict[str, frozenset[str]] = {"poll_state": frozenset({"last_success_at"})}
# What reading a damaged file raises: gzip's own errors (OSError, EOFError for a truncated
# file), zlib.error for a corrupted deflate stream (not an OSError), and ValueError for a
# line that is no JSON, or no UTF-8 any more (UnicodeDecodeError is not a JSONDecodeError).
DAMAGE_ERRORS = (OSError, EOFError, zlib.error, ValueError)


class BackupError(Exception):
    """A backup cannot be written or restored; the message says why and what to do."""


@dataclass
class BackupSummary:
    """What a backup holds or a restore put back."""

    revision: str
    rows: dict[str, int]
    situations_verified: int = 0
    pending_timers: int = 0
    broken_chains: list[int] = field(default_factory=list)

    @property
    def total_rows(self) -> int:
        """Rows over all tables."""
        return sum(self.rows.values())


def tables() -> list[Table]:
    """Every table of the bot, parents before the tables that refer to them."""
    return list(Base.metadata.sorted_tables)


async def write_backup(
    db: Database, path: Path, recipients: list[Any] | None = None
) -> BackupSummary:
    """Write all tables of ``db`` to ``path`` from one consistent snapshot, owner-only;
    encrypted for ``recipients`` (age public keys) when any are given."""
    rows: dict[str, int] = {}
    digest = hashlib.sha256()
    # The body goes to a scratch file first: the header, written first, carries its hash.
    with tempfile.TemporaryFile() as body:
        async with db.engine.connect() as connection:
            if not db.is_sqlite:  # SQLite's write-locked transaction is already a snapshot
                await connection.execution_options(isolation_level="REPEATABLE READ")
            async with connection.begin():
                revision = await _revision(connection)
                if revision is None:
                    raise BackupError("the database has no schema: nothing to back up")
                for table in tables():
                    rows[table.name] = 0
                    primary_key = list(table.primary_key.columns)
                    result = await connection.stream(select(table).order_by(*primary_key))
                    async for row in result.mappings():
                        line = _line({"table": table.name, "row": _encode(dict(row))})
                        digest.update(line)
                        body.write(line)
                        rows[table.name] += 1
        header = {
            "format": FORMAT,
            "version": FORMAT_VERSION,
            "revision": revision,
            "created_at": datetime.now(UTC).isoformat(),
            "rows": rows,
            "sha256": digest.hexdigest(),
        }
        # Written beside ``path`` and renamed over it only when complete: a backup that
        # fails midway (a full disk) leaves the previous file of that name whole.
        partial = path.with_name(f"{path.name}.partial")
        try:
            with open_private(partial) as file:
                if not recipients:
                    _pack(file, header, body)
                else:
                    # Compressed before encrypted (ciphertext does not compress), in an
                    # unnamed scratch file: owner-only, and gone when closed.
                    with tempfile.TemporaryFile() as packed:
                        _pack(packed, header, body)
                        encrypt(packed, file, recipients)
                file.flush()
                os.fsync(file.fileno())
            os.replace(partial, path)
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
    return BackupSummary(revision=revision, rows=rows)


def _pack(out: IO[bytes], header: dict[str, Any], body: IO[bytes]) -> None:
    """Write the header line and then ``body`` to ``out``, gzip-compressed."""
    body.seek(0)
    with gzip.GzipFile(fileobj=out, mode="wb") as packed:
        packed.write(_line(header))
        while chunk := body.read(1 << 20):
            packed.write(chunk)


async def restore_backup(
    db: Database, path: Path, identities: list[Any] | None = None
) -> BackupSummary:
    """Restore ``path`` into the empty database ``db``; BackupError says why it refused.

    An encrypted backup needs one of the ``identities`` (age private keys) it was made for.
    """
    with _plain_backup(path, identities or []) as source:
        return await _restore(db, path, source)


@contextmanager
def _plain_backup(path: Path, identities: list[Any]) -> Iterator[IO[bytes]]:
    """The backup's gzip stream: the file itself, or decrypted into an unnamed scratch file."""
    try:
        file = path.open("rb")
    except OSError as exc:
        raise BackupError(f"cannot read {path}: {exc}") from None
    with file:
        if not is_encrypted(file):
            yield file
            return
        if not identities:
            raise BackupError(f"{path} is encrypted: pass the key file with --identity FILE")
        with tempfile.TemporaryFile() as plain:
            try:
                decrypt(file, plain, identities)
            except AgeError as exc:
                raise BackupError(f"{path}: {exc}; nothing restored") from None
            yield plain


async def _restore(db: Database, path: Path, source: IO[bytes]) -> BackupSummary:
    header = _check_file(source, path)
    revision = header["revision"]
    await _prepare_schema(db, revision)
    async with db.engine.connect() as connection, connection.begin():
        await _refuse_unless_empty(connection)
        by_name = {table.name: table for table in tables()}
        batch: list[dict[str, Any]] = []
        current: Table | None = None
        for name, row in _body_rows(source):
            table = by_name.get(name)
            if table is None:
                raise BackupError(f"the backup holds table {name!r}, unknown at this revision")
            if table is not current:
                await _insert(connection, current, batch)
                current, batch = table, []
            batch.append(_decode(table, row))
            if len(batch) >= INSERT_BATCH:
                await _insert(connection, current, batch)
                batch = []
        await _insert(connection, current, batch)
        if not db.is_sqlite:
            await _reset_sequences(connection)
        summary = BackupSummary(revision=revision, rows=dict(header["rows"]))
        await _verify(connection, summary)
        if summary.broken_chains:
            await connection.rollback()
            broken = ", ".join(str(sid) for sid in summary.broken_chains)
            raise BackupError(f"the log of situation(s) {broken} does not verify; nothing restored")
    return summary


def read_header(source: IO[bytes], path: Path) -> dict[str, Any]:
    """The header of the backup ``path`` open in ``source`` (format, revision, rows per
    table, checksum)."""
    try:
        source.seek(0)
        with gzip.GzipFile(fileobj=source, mode="rb") as handle:
            header = json.loads(handle.readline())
    except DAMAGE_ERRORS as exc:
        raise BackupError(f"{path} is not a Weerbaar backup: {exc}") from None
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise BackupError(f"{path} is not a Weerbaar backup")
    if header.get("version") != FORMAT_VERSION:
        raise BackupError(f"{path} has backup format {header.get('version')}, not {FORMAT_VERSION}")
    return header


def _check_file(source: IO[bytes], path: Path) -> dict[str, Any]:
    """The header, after checking the body's checksum and row counts; reads the file once."""
    header = read_header(source, path)
    digest = hashlib.sha256()
    counts: dict[str, int] = {}
    try:
        source.seek(0)
        with gzip.GzipFile(fileobj=source, mode="rb") as handle:
            handle.readline()
            for line in handle:
                digest.update(line)
                name = json.loads(line)["table"]
                counts[name] = counts.get(name, 0) + 1
    except (*DAMAGE_ERRORS, KeyError, TypeError) as exc:
        raise BackupError(f"{path} is damaged: {exc}") from None
    if digest.hexdigest() != header.get("sha256"):
        raise BackupError(f"{path} is damaged: its checksum does not match; nothing restored")
    expected = {name: count for name, count in header["rows"].items() if count}
    if counts != expected:
        raise BackupError(f"{path} is damaged: row counts differ from its header")
    return header


def _body_rows(source: IO[bytes]) -> Iterator[tuple[str, dict[str, Any]]]:
    source.seek(0)
    with gzip.GzipFile(fileobj=source, mode="rb") as handle:
        handle.readline()
        for line in handle:
            record = json.loads(line)
            yield record["table"], record["row"]


async def _prepare_schema(db: Database, revision: str) -> None:
    """Migrate an unmigrated database to ``revision``; refuse one at another revision."""
    async with db.engine.connect() as connection:
        current = await _revision(connection)
    if current == revision:
        return
    if current is not None:
        raise BackupError(
            f"the database is at schema revision {current}, the backup at {revision}: "
            "restore into a new, empty database (the bot upgrades it after the restore)"
        )
    known = ScriptDirectory.from_config(alembic_config()).get_revision(revision)
    if known is None:
        raise BackupError(
            f"the backup is at schema revision {revision}, which this version of Weerbaar "
            "does not know: restore with the version that wrote it, or a newer one"
        )
    await upgrade(db, revision)


async def _present_tables(connection: AsyncConnection) -> list[Table]:
    """The bot's tables that exist in the database: a backup of an older revision is
    restored into that revision's schema, which lacks the tables added since."""
    names = set(await connection.run_sync(lambda sync: inspect(sync).get_table_names()))
    return [table for table in tables() if table.name in names]


async def _refuse_unless_empty(connection: AsyncConnection) -> None:
    filled = []
    for table in await _present_tables(connection):
        count = await connection.scalar(select(func.count()).select_from(table))
        if count:
            filled.append(f"{table.name} ({count} rows)")
    if filled:
        raise BackupError(
            "restore only goes into an empty database; this one holds data in " + ", ".join(filled)
        )


async def _insert(connection: AsyncConnection, table: Table | None, rows: list[Any]) -> None:
    if table is not None and rows:
        await connection.execute(table.insert(), rows)


async def _reset_sequences(connection: AsyncConnection) -> None:
    """Let PostgreSQL hand out ids after the restored ones (explicit ids skip the sequence)."""
    for table in await _present_tables(connection):
        for column in table.primary_key.columns:
            if isinstance(column.type, Integer) and column.autoincrement in (True, "auto"):
                sequence = await connection.scalar(
                    text("SELECT pg_get_serial_sequence(:table, :column)"),
                    {"table": table.name, "column": column.name},
                )
                if sequence is not None:
                    highest = await connection.scalar(select(func.max(column)))
                    await connection.execute(
                        text("SELECT setval(:sequence, :value, :called)"),
                        {
                            "sequence": sequence,
                            "value": highest or 1,
                            "called": highest is not None,
                        },
                    )


async def _verify(connection: AsyncConnection, summary: BackupSummary) -> None:
    """Recompute every situation's hash chain and count the timers still to fire."""
    # A session joined to the restore's transaction: it sees the rows before the commit.
    session = AsyncSession(bind=connection)
    try:
        log = SituationLog(session, SystemClock())
        ids = list(await session.scalars(select(SituationRecord.id).order_by(SituationRecord.id)))
        for situation_id in ids:
            if not (await log.verify(situation_id)).intact:
                summary.broken_chains.append(situation_id)
        summary.situations_verified = len(ids)
        pending = (
            select(func.count())
            .select_from(TimerRecord)
            .where(TimerRecord.fired_at.is_(None), TimerRecord.cancelled_at.is_(None))
        )
        summary.pending_timers = await session.scalar(pending) or 0
    finally:
        await session.close()


async def _revision(connection: AsyncConnection) -> str | None:
    def _current(sync_connection: Connection) -> str | None:
        return MigrationContext.configure(sync_connection).get_current_revision()

    return await connection.run_sync(_current)


def _line(record: dict[str, Any]) -> bytes:
    return (json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")


def _encode(row: dict[str, Any]) -> dict[str, Any]:
    """JSON-safe values: timestamps and dates as ISO 8601, binary as base64."""
    encoded = {}
    for name, value in row.items():
        if isinstance(value, datetime | date):
            value = value.isoformat()
        elif isinstance(value, bytes):
            value = base64.b64encode(value).decode("ascii")
        encoded[name] = value
    return encoded


def _decode(table: Table, row: dict[str, Any]) -> dict[str, Any]:
    """Values back in the column's Python type, by the column types of this revision."""
    decoded = {}
    dropped = DROPPED_COLUMNS.get(table.name, frozenset())
    for name, value in row.items():
        if name in dropped:
            continue
        if name not in table.columns:
            raise BackupError(f"the backup has column {table.name}.{name}, unknown here")
        column_type = table.columns[name].type
        if isinstance(column_type, TypeDecorator):
            column_type = column_type.impl_instance
        if value is not None:
            if isinstance(column_type, DateTime):
                value = datetime.fromisoformat(value)
            elif isinstance(column_type, Date):
                value = date.fromisoformat(value)
            elif isinstance(column_type, LargeBinary):
                value = base64.b64decode(value)
        decoded[name] = value
    return decoded
