"""``weerbaar backup`` / ``restore``: a logical backup that round-trips on and across backends."""

from __future__ import annotations

import asyncio
import gzip
import json
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from datetime import timedelta
from pathlib import Path
from typing import Any

import pyrage
import pytest
import pytest_asyncio
from sqlalchemy import func, inspect, select
from typer.testing import CliRunner

from bot.cli import app
from bot.decisionlog.kinds import EntryKind
from bot.scheduling.runner import TimerRunner
from bot.storage.backup import BackupError, restore_backup, tables, write_backup
from bot.storage.db import Database
from bot.storage.migrate import upgrade
from bot.storage.models import LogEntryRecord, OutboxRecord, SituationRecord, TimerRecord
from bot.suppliers.file import read_supplier_file
from tests.support.backup import CONFIG, snapshot
from tests.support.cli_config import clear_weerbaar_environment
from tests.support.clock import ManualClock
from tests.support.databases import migrated_sqlite
from tests.support.factories import ALERT, ALICE, PLAYBOOK, factory_for
from tests.support.paths import REPO
from tests.support.postgres import fresh_postgres_database

# Started first on the parallel workers: backups and restores on both databases.
pytestmark = pytest.mark.runs_long


async def fill(database: Database) -> ManualClock:
    """Alerts, two situations with playbook runs and decisions, timers, outbox, registry."""
    clock = ManualClock()
    factory = factory_for(database, clock)
    suppliers, issues = read_supplier_file(REPO / "examples" / "suppliers.yaml")
    assert suppliers is not None and not issues
    async with factory.transaction() as services:
        await services.suppliers.replace_all(suppliers.suppliers)
    for supplier in ("Acme", "Initech"):
        async with factory.transaction() as services:
            situation_id = await open_incident_in(services, supplier)
        async with factory.transaction() as services:
            await services.playbook_runs.start(situation_id, PLAYBOOK, ALICE)
            await services.decisions.decide(
                situation_id, ALICE, "Switch to the fallback", "Outage > 4h; ünïcode ✓"
            )
            await services.timers.schedule(
                "remind", clock.now() + timedelta(hours=2), {"room": "!r:test", "text": "x"}
            )
            await services.handled_events.claim(f"$event{situation_id}", "!r:test")
            await services.outbox.post("!r:test", {"msgtype": "m.notice", "body": "y" * 70_000})
        clock.advance(minutes=5)
    async with factory.transaction() as services:
        await services.alerts.receive(ALERT.model_copy(update={"external_id": "loose-1"}))
    return clock


@pytest_asyncio.fixture(loop_scope="session")
async def sqlite_target(tmp_path: Path) -> AsyncIterator[Database]:
    """A brand-new SQLite file with no schema at all."""
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'restored.db'}")
    yield db
    await db.dispose()


async def test_round_trip_restores_every_row_and_the_log_verifies(
    database: Database, tmp_path: Path
) -> None:
    clock = await fill(database)
    backup = tmp_path / "weerbaar.jsonl.gz"
    written = await write_backup(database, backup)
    assert written.rows["log_entries"] > 6 and written.rows["timers"] >= 2
    assert written.rows["playbook_run_definitions"] == 2
    before = await snapshot(database)

    # Into a fresh database of the same kind: empty it by dropping and re-creating.
    target = await fresh_same_backend(database, tmp_path)
    try:
        summary = await restore_backup(target, backup)
        assert summary.situations_verified == 2 and summary.broken_chains == []
        assert summary.pending_timers >= 2
        assert await snapshot(target) == before
        await check_restored_database_works(target, clock)
    finally:
        await target.dispose()


async def fresh_same_backend(database: Database, tmp_path: Path) -> Database:
    if database.is_sqlite:
        return Database(f"sqlite+aiosqlite:///{tmp_path / 'fresh.db'}")
    return await new_postgres_database()


@pytest_asyncio.fixture(autouse=True, loop_scope="session")
async def _scratch_databases() -> AsyncIterator[AsyncExitStack]:
    """Restore targets on PostgreSQL live until the test ends, then are dropped."""
    async with AsyncExitStack() as stack:
        _SCRATCH.append(stack)
        try:
            yield stack
        finally:
            _SCRATCH.remove(stack)


_SCRATCH: list[AsyncExitStack] = []


async def new_postgres_database() -> Database:
    """An empty PostgreSQL database, dropped when the test ends."""
    url = await _SCRATCH[-1].enter_async_context(fresh_postgres_database("weerbaar_restore"))
    return Database(url)


async def check_restored_database_works(db: Database, clock: ManualClock) -> None:
    """New rows get fresh ids (sequences moved on), appends extend the chain, timers fire."""
    factory = factory_for(db, clock)
    async with factory.transaction() as services:
        highest = await services.session.scalar(select(func.max(SituationRecord.id)))
        assert highest is not None
        situation_id = await open_incident_in(services, "Globex")
        assert situation_id > highest
        entry = await services.log.append(highest, EntryKind.NOTE, ALICE, {"text": "after restore"})
        assert entry.seq > 1
        assert (await services.log.verify(highest)).intact
    fired: list[str] = []

    async def remind(services: Any, timer: TimerRecord) -> None:
        fired.append(timer.payload["text"])

    clock.advance(hours=3)
    assert await TimerRunner(factory, {"remind": remind}).fire_due() >= 2
    assert fired.count("x") == 2


async def open_incident_in(services: Any, supplier: str) -> int:
    alert = await services.alerts.receive(ALERT.model_copy(update={"supplier": supplier}))
    situation = await services.situations.escalate_alert(alert.id, ALICE)
    return int(situation.id)


async def test_backup_from_sqlite_restores_into_postgresql(tmp_path: Path) -> None:
    from tests.support.postgres import postgres_unavailable

    reason = await postgres_unavailable()
    if reason:
        pytest.skip(reason)
    source = await migrated_sqlite(tmp_path / "source.db")
    target = await new_postgres_database()
    try:
        clock = await fill(source)
        backup = tmp_path / "cross.jsonl.gz"
        await write_backup(source, backup)
        summary = await restore_backup(target, backup)
        assert summary.broken_chains == [] and summary.situations_verified == 2
        assert await snapshot(target) == await snapshot(source)
        await check_restored_database_works(target, clock)
    finally:
        await source.dispose()
        await target.dispose()


async def test_restore_refuses_a_database_that_holds_data(
    database: Database, tmp_path: Path
) -> None:
    await fill(database)
    backup = tmp_path / "b.jsonl.gz"
    await write_backup(database, backup)
    before = await snapshot(database)
    with pytest.raises(BackupError, match=r"only goes into an empty database.*situations \(2"):
        await restore_backup(database, backup)
    assert await snapshot(database) == before


async def test_restore_refuses_another_schema_revision(
    database: Database, tmp_path: Path, sqlite_target: Database
) -> None:
    await fill(database)
    backup = tmp_path / "b.jsonl.gz"
    await write_backup(database, backup)
    await upgrade(sqlite_target, "0002")
    with pytest.raises(BackupError, match="schema revision 0002, the backup at"):
        await restore_backup(sqlite_target, backup)


async def test_restore_refuses_a_damaged_file_and_changes_nothing(
    database: Database, tmp_path: Path, sqlite_target: Database
) -> None:
    await fill(database)
    backup = tmp_path / "b.jsonl.gz"
    await write_backup(database, backup)
    with gzip.open(backup, "rb") as handle:
        lines = handle.readlines()
    tampered = [line.replace(b"Switch to the fallback", b"Stay put") for line in lines]
    assert tampered != lines
    with gzip.open(backup, "wb") as handle:
        handle.writelines(tampered)
    with pytest.raises(BackupError, match="checksum does not match"):
        await restore_backup(sqlite_target, backup)
    (tmp_path / "junk.gz").write_bytes(b"not a backup")
    with pytest.raises(BackupError, match="not a Weerbaar backup"):
        await restore_backup(sqlite_target, tmp_path / "junk.gz")


async def test_restore_refuses_a_corrupted_file_with_one_line(
    database: Database, tmp_path: Path, sqlite_target: Database
) -> None:
    """Bit rot is refused as damage, not a traceback: in the compressed stream, or in a
    line that still decompresses but is no longer UTF-8."""
    await fill(database)
    backup = tmp_path / "b.jsonl.gz"
    await write_backup(database, backup)
    with gzip.open(backup, "rb") as handle:
        header, *body = handle.readlines()
    not_utf8 = tmp_path / "not-utf8.jsonl.gz"
    with gzip.open(not_utf8, "wb") as handle:
        handle.writelines([header, body[0].replace(b'"table"', b'"t\xffble"'), *body[1:]])
    with pytest.raises(BackupError, match="is damaged"):
        await restore_backup(sqlite_target, not_utf8)
    # Right after gzip's 10-byte header: a deflate block of the invalid type 3.
    packed = bytearray(backup.read_bytes())
    packed[10] = 0xFF
    bad_block = tmp_path / "bad-block.jsonl.gz"
    bad_block.write_bytes(bytes(packed))
    with pytest.raises(BackupError, match="is not a Weerbaar backup"):
        await restore_backup(sqlite_target, bad_block)
    async with sqlite_target.engine.connect() as connection:
        assert await connection.run_sync(lambda sync: inspect(sync).get_table_names()) == []


async def test_restore_refuses_a_truncated_encrypted_file_as_damaged(
    database: Database, tmp_path: Path, sqlite_target: Database
) -> None:
    await fill(database)
    key = pyrage.x25519.Identity.generate()
    backup = tmp_path / "b.jsonl.gz.age"
    await write_backup(database, backup, [key.to_public()])
    whole = backup.read_bytes()
    backup.write_bytes(whole[: len(whole) // 2])  # e.g. an interrupted copy off-site
    with pytest.raises(BackupError, match="damaged or truncated; nothing restored"):
        await restore_backup(sqlite_target, backup, [key])


async def test_a_backup_that_fails_midway_leaves_the_previous_file_whole(
    database: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Re-run on the same day (same file name), a backup that fails on a full disk must
    not leave a cut-off file in place of the good one (which rsync would copy off-site)."""
    await fill(database)
    key = pyrage.x25519.Identity.generate()
    backup = tmp_path / "weerbaar-2026-11-23.jsonl.gz.age"
    await write_backup(database, backup, [key.to_public()])
    good = backup.read_bytes()

    def disk_full(plain: Any, out: Any, to: Any) -> None:
        out.write(good[:100])
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("bot.storage.backup.encrypt", disk_full)
    with pytest.raises(OSError, match="No space left"):
        await write_backup(database, backup, [key.to_public()])
    assert backup.read_bytes() == good
    assert not backup.with_name(f"{backup.name}.partial").exists()  # nothing left behind


async def test_a_forged_log_entry_with_a_fixed_checksum_is_still_refused(
    database: Database, tmp_path: Path, sqlite_target: Database
) -> None:
    """Re-computing the file checksum does not help: the hash chain catches the edit."""
    import hashlib

    await fill(database)
    backup = tmp_path / "b.jsonl.gz"
    await write_backup(database, backup)
    with gzip.open(backup, "rb") as handle:
        header, *body = handle.readlines()
    body = [line.replace(b"Switch to the fallback", b"Stay put") for line in body]
    meta = json.loads(header)
    meta["sha256"] = hashlib.sha256(b"".join(body)).hexdigest()
    with gzip.open(backup, "wb") as handle:
        handle.write(json.dumps(meta).encode() + b"\n")
        handle.writelines(body)
    with pytest.raises(BackupError, match=r"situation\(s\) 1, 2 does not verify"):
        await restore_backup(sqlite_target, backup)
    async with sqlite_target.transaction() as session:
        assert await session.scalar(select(func.count()).select_from(LogEntryRecord)) == 0
        assert await session.scalar(select(func.count()).select_from(OutboxRecord)) == 0


async def test_the_file_is_json_lines_with_a_header(database: Database, tmp_path: Path) -> None:
    await fill(database)
    backup = tmp_path / "b.jsonl.gz"
    await write_backup(database, backup)
    with gzip.open(backup, "rt", encoding="utf-8") as handle:
        header = json.loads(handle.readline())
        records = [json.loads(line) for line in handle]
    assert header["format"] == "weerbaar-backup" and header["revision"]
    assert len(header["sha256"]) == 64
    order = [table.name for table in tables()]
    seen = [record["table"] for record in records]
    assert seen == sorted(seen, key=order.index)  # parents before children
    assert order.index("situations") < order.index("log_entries")


@pytest.fixture(autouse=True)
def only_the_config_file(monkeypatch: pytest.MonkeyPatch) -> None:
    """No WEERBAAR_* variable of the test's environment applies to the commands."""
    clear_weerbaar_environment(monkeypatch)


async def weerbaar(*args: str) -> tuple[int, str]:
    """Run ``weerbaar`` with ``args`` in this process; exit status and output.

    The commands run their own event loop: they are kept off the test's loop, in a thread.
    (The installed console script itself runs backup and restore in test_readme_commands.py.)
    """
    result = await asyncio.to_thread(CliRunner().invoke, app, list(args))
    return result.exit_code, result.output


async def test_the_command_line_backs_up_and_restores(tmp_path: Path) -> None:
    source_dir, target_dir = tmp_path / "source", tmp_path / "target"
    source_dir.mkdir()
    source = await migrated_sqlite(source_dir / "weerbaar.db")
    await fill(source)
    await source.dispose()
    configs = {}
    for name, data_dir in (("source", source_dir), ("target", target_dir)):
        configs[name] = tmp_path / f"{name}.toml"
        configs[name].write_text(CONFIG.format(data_dir=data_dir))
    backup = tmp_path / "cli.jsonl.gz"
    code, output = await weerbaar("backup", str(backup), "-c", str(configs["source"]))
    assert code == 0, output
    assert f"wrote {backup}" in output
    code, output = await weerbaar("restore", str(backup), "-c", str(configs["target"]))
    assert code == 0, output
    assert "the log of all 2 situation(s) verifies" in output
    code, output = await weerbaar("restore", str(backup), "-c", str(configs["target"]))
    assert code == 1
    assert "restore only goes into an empty database" in output


def storage_config(path: Path, url: str) -> Path:
    """A config file holding only the database URL, as for the offline commands."""
    path.write_text(f'[storage]\nurl = "{url}"\n')
    return path


async def test_the_restored_database_verifies_with_the_same_chain_heads(
    database: Database, tmp_path: Path
) -> None:
    await fill(database)
    source = storage_config(tmp_path / "source.toml", database.url)
    code, before = await weerbaar("log", "verify", "-c", str(source))
    assert code == 0, before
    heads = before.splitlines()
    # Two situations, each with a chain of several entries: the heads say something.
    assert len(heads) == 2 and all("intact, head" in line for line in heads), before
    assert all(int(line.split(": ")[1].split()[0]) > 3 for line in heads), before

    backup = tmp_path / "weerbaar.jsonl.gz"
    code, output = await weerbaar("backup", str(backup), "-c", str(source))
    assert code == 0, output
    target_db = await fresh_same_backend(database, tmp_path)
    await target_db.dispose()
    target = storage_config(tmp_path / "target.toml", target_db.url)
    code, output = await weerbaar("restore", str(backup), "-c", str(target))
    assert code == 0, output

    code, after = await weerbaar("log", "verify", "-c", str(target))
    assert code == 0, after
    assert after == before


def age_key_file(path: Path) -> str:
    """Write a new age private key to ``path`` as ``age-keygen -o`` does; its public key."""
    identity = pyrage.x25519.Identity.generate()
    public = str(identity.to_public())
    path.write_text(f"# created: now\n# public key: {public}\n{identity}\n")
    return public


async def test_an_encrypted_backup_restores_with_the_same_chain_heads(
    database: Database, tmp_path: Path
) -> None:
    await fill(database)
    source = storage_config(tmp_path / "source.toml", database.url)
    code, before = await weerbaar("log", "verify", "-c", str(source))
    assert code == 0 and "intact, head" in before, before
    mine, theirs = tmp_path / "mine.txt", tmp_path / "theirs.txt"
    recipients = [age_key_file(mine), age_key_file(theirs)]

    backup = tmp_path / "weerbaar.jsonl.gz.age"
    code, output = await weerbaar(
        "backup", str(backup), "-c", str(source), "-r", recipients[0], "--recipient", recipients[1]
    )
    assert code == 0, output
    assert "encrypted for 2 recipient(s)" in output and "not encrypted" not in output
    assert backup.stat().st_mode & 0o777 == 0o600
    sealed = backup.read_bytes()
    assert sealed.startswith(b"age-encryption.org/v1\n")
    assert b"Switch to the fallback" not in sealed and b"weerbaar-backup" not in sealed
    # The standard age format: any one recipient's key opens it, to the plain backup.
    plain = pyrage.decrypt(
        sealed, [pyrage.x25519.Identity.from_str(theirs.read_text().split()[-1])]
    )
    assert json.loads(gzip.decompress(plain).splitlines()[0])["format"] == "weerbaar-backup"

    target_db = await fresh_same_backend(database, tmp_path)
    await target_db.dispose()
    target = storage_config(tmp_path / "target.toml", target_db.url)
    code, output = await weerbaar("restore", str(backup), "-c", str(target))
    assert code == 1 and "is encrypted: pass the key file with --identity" in output, output
    stranger = tmp_path / "stranger.txt"
    age_key_file(stranger)
    code, output = await weerbaar("restore", str(backup), "-i", str(stranger), "-c", str(target))
    assert code == 1 and "cannot decrypt" in output and "nothing restored" in output, output
    code, output = await weerbaar(
        "restore", str(backup), "--identity", str(mine), "-c", str(target)
    )
    assert code == 0, output

    code, after = await weerbaar("log", "verify", "-c", str(target))
    assert code == 0, after
    assert after == before


async def test_an_unencrypted_backup_says_so_and_bad_keys_are_refused(
    database: Database, tmp_path: Path
) -> None:
    source = storage_config(tmp_path / "source.toml", database.url)
    backup = tmp_path / "plain.jsonl.gz"
    code, output = await weerbaar("backup", str(backup), "-c", str(source))
    assert code == 0, output
    warnings = [line for line in output.splitlines() if "not encrypted" in line]
    assert warnings == [
        f"weerbaar: warning: {backup} is not encrypted; encrypt it with --recipient "
        "before it leaves this machine"
    ]

    refused = tmp_path / "refused.age"
    code, output = await weerbaar(
        "backup", str(refused), "-c", str(source), "--recipient", "age1notakey"
    )
    assert code == 2 and "--recipient 'age1notakey' is not an age public key" in output, output
    assert not refused.exists()
    code, output = await weerbaar(
        "restore", str(backup), "--identity", str(source), "-c", str(source)
    )
    assert code == 2 and f"{source} holds no age private key" in output, output
