"""Commands that need no homeserver run with a config holding only storage settings."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli import app
from tests.support.cli_config import clear_weerbaar_environment, storage_only_config
from tests.support.paths import PLAYBOOKS, REPO

runner = CliRunner()


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    clear_weerbaar_environment(monkeypatch)


def storage_only(tmp_path: Path, name: str) -> Path:
    """A config file with nothing but ``[storage]``: no matrix, intake or pickle key."""
    return storage_only_config(tmp_path / f"{name}.toml", tmp_path / f"{name}.db")


def weerbaar(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    assert "Traceback" not in result.output
    return result.exit_code, result.output


def test_every_offline_command_runs_with_only_storage_settings(tmp_path: Path) -> None:
    config = str(storage_only(tmp_path, "live"))
    backup = str(tmp_path / "backup.jsonl.gz")
    steps: list[tuple[list[str], int, str]] = [
        (["db", "upgrade", "-c", config], 0, "database is up to date"),
        (
            ["supplier", "import", str(REPO / "examples/suppliers.yaml"), "-c", config],
            0,
            "imported",
        ),
        (["log", "verify", "-c", config], 0, ""),
        (["report", "1", "-c", config], 1, "situation"),
        (["backup", backup, "-c", config], 0, "wrote"),
        (["purge", "--dry-run", "-c", config], 0, "nothing is purged"),
        (["outbox", "list", "-c", config], 0, "every message is delivered"),
        (["restore", backup, "-c", str(storage_only(tmp_path, "restored"))], 0, "restored"),
        (["playbook", "validate", str(PLAYBOOKS)], 0, "all playbooks are valid"),
        (
            ["exercise", "validate", str(PLAYBOOKS / "exercises"), "--playbooks", str(PLAYBOOKS)],
            0,
            "all scenarios are valid",
        ),
    ]
    for args, expected_exit, expected_text in steps:
        code, output = weerbaar(*args)
        assert "matrix" not in output and "pickle_key" not in output, (args, output)
        assert (code, expected_text in output) == (expected_exit, True), (args, output)


def test_an_offline_command_names_the_invalid_setting(tmp_path: Path) -> None:
    config = tmp_path / "bad.toml"
    config.write_text('[storage]\nauto_upgrade = "perhaps"\n')
    code, output = weerbaar("log", "verify", "-c", str(config))
    assert code == 2
    assert "setting storage.auto_upgrade" in output and "WEERBAAR_STORAGE__AUTO_UPGRADE" in output
