"""Records at rest: every file a command writes is owner-only whatever the umask."""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.app import warn_if_exposed
from bot.cli import app
from bot.config import Settings, load_settings_as
from bot.reports.formats import FORMATS
from bot.storage.db import Database
from tests.support.backup import CONFIG
from tests.support.cli_config import clear_weerbaar_environment
from tests.support.clock import ManualClock
from tests.support.databases import copy_migrated_sqlite
from tests.support.factories import factory_for, open_incident
from tests.support.modes import Umask, loose_modes
from tests.support.paths import REPO


@pytest.fixture
def usual_umask() -> Iterator[None]:
    """The common umask 022, under which files are made readable by everyone by default."""
    with Umask(0o022):
        yield


def invoke(*args: str) -> str:
    """Run a ``weerbaar`` command in this process; its output, after checking it succeeded."""
    result = CliRunner().invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def config_for(tmp_path: Path, name: str) -> Path:
    """A config whose data directory (not yet created) is ``tmp_path/name/data``."""
    config = tmp_path / f"{name}.toml"
    config.write_text(CONFIG.format(data_dir=tmp_path / name / "data"))
    return config


async def open_a_situation(data_dir: Path) -> None:
    database = Database(f"sqlite+aiosqlite:///{data_dir / 'weerbaar.db'}")
    try:
        await open_incident(factory_for(database, ManualClock()))
    finally:
        await database.dispose()


def test_every_file_the_commands_write_is_owner_only(
    tmp_path: Path, usual_umask: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    clear_weerbaar_environment(monkeypatch)
    source = config_for(tmp_path, "source")
    data = tmp_path / "source" / "data"
    invoke("db", "upgrade", "-c", str(source))
    invoke("supplier", "import", str(REPO / "examples" / "suppliers.yaml"), "-c", str(source))
    asyncio.run(open_a_situation(data))
    out = tmp_path / "source" / "out"
    out.mkdir(mode=0o700)
    for name in FORMATS:
        invoke("report", "1", "-f", name, "-o", str(out / f"report.{name}"), "-c", str(source))
    # Overwriting a report that was readable by everyone tightens it.
    (out / "report.md").chmod(0o644)
    invoke("report", "1", "-o", str(out / "report.md"), "-c", str(source))
    invoke("backup", str(out / "backup.jsonl.gz"), "-c", str(source))
    invoke("log", "verify", "-c", str(source))
    target = config_for(tmp_path, "target")
    invoke("restore", str(out / "backup.jsonl.gz"), "-c", str(target))
    invoke("log", "verify", "-c", str(target))

    written = {p.name for p in (tmp_path / "source").rglob("*")}
    assert {"weerbaar.db", "backup.jsonl.gz", "report.pdf", "report.odt"} <= written
    assert (tmp_path / "target" / "data" / "weerbaar.db").is_file()
    assert loose_modes(tmp_path / "source") == {}
    assert loose_modes(tmp_path / "target") == {}


def test_the_sqlite_journal_files_are_owner_only_while_in_use(
    tmp_path: Path, usual_umask: None
) -> None:
    """SQLite's -wal and -shm exist only while a connection is open: look at them then."""

    async def look() -> dict[str, str]:
        database = Database(f"sqlite+aiosqlite:///{tmp_path / 'data' / 'weerbaar.db'}")
        try:
            await open_incident(factory_for(database, ManualClock()))
            async with database.transaction():
                names = {p.name for p in (tmp_path / "data").iterdir()}
                assert {"weerbaar.db-wal", "weerbaar.db-shm"} <= names
                return loose_modes(tmp_path)
        finally:
            await database.dispose()

    async def prepare() -> None:
        await copy_migrated_sqlite(tmp_path / "data" / "weerbaar.db")

    asyncio.run(prepare())
    assert asyncio.run(look()) == {}


def test_start_warns_once_about_a_data_directory_others_can_read(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = tmp_path / "data"
    data.mkdir(mode=0o755)
    os.chmod(data, 0o755)
    (data / "weerbaar.db").write_bytes(b"")
    os.chmod(data / "weerbaar.db", 0o644)
    config = tmp_path / "weerbaar.toml"
    config.write_text(CONFIG.format(data_dir=data))
    clear_weerbaar_environment(monkeypatch)
    settings = load_settings_as(Settings, config)
    with caplog.at_level(logging.WARNING, logger="bot.app"):
        warn_if_exposed(settings)
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert str(data) in warnings[0] and str(data / "weerbaar.db") in warnings[0]

    caplog.clear()
    os.chmod(data, 0o700)
    os.chmod(data / "weerbaar.db", 0o600)
    warn_if_exposed(settings)
    assert [r for r in caplog.records if r.levelno == logging.WARNING] == []
