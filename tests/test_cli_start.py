"""The command line loads only what the command run needs (issue #18: start time).

Every ``weerbaar`` process pays for what it imports, operators on every command and the
tests some sixty times. Timing is too noisy to assert on a shared machine, so these tests
name what a fresh interpreter has loaded instead.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.cli_config import clear_weerbaar_environment, storage_only_config

# Loaded by no command before it runs: transport, HTTP, scheduling, templates, migrations,
# settings and the database (together well over half a second of CPU per start).
HEAVY = [
    "aiohttp",
    "alembic",
    "apscheduler",
    "asyncio",
    "bot.config",
    "bot.i18n",
    "bot.playbooks",
    "bot.storage",
    "jinja2",
    "nio",
    "pydantic",
    "pydantic_settings",
    "sqlalchemy",
    "yaml",
]
# An offline command loads settings and the database, still none of these.
NOT_OFFLINE = [
    "aiohttp",
    "alembic",
    "apscheduler",
    "bot.playbooks.schema",
    "jinja2",
    "nio",
    "sqlalchemy.dialects.postgresql",  # the database is SQLite
    "yaml",
]
# Runs the command line in-process, then prints which of the named modules it loaded.
PROBE = """
import json, sys
from bot.cli import app
args, names = json.loads(sys.argv[1]), json.loads(sys.argv[2])
if args:
    try:
        app(args, prog_name="weerbaar")
    except SystemExit as exc:
        assert not exc.code, exc.code
print(json.dumps(sorted(name for name in names if name in sys.modules)))
"""


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    clear_weerbaar_environment(monkeypatch)


def loaded(args: list[str], names: list[str]) -> tuple[str, list[str]]:
    """Run ``weerbaar args`` in a fresh interpreter: its output, and which ``names`` it loaded."""
    result = subprocess.run(
        [sys.executable, "-c", PROBE, json.dumps(args), json.dumps(names)],
        capture_output=True,
        text=True,
        check=True,
    )
    output, _, last_line = result.stdout.rstrip("\n").rpartition("\n")
    return output, json.loads(last_line)


def test_loading_the_command_line_loads_no_heavy_library() -> None:
    assert loaded([], HEAVY) == ("", [])


def test_help_lists_every_command_without_loading_what_they_use() -> None:
    from bot.cli import app

    output, heavy = loaded(["--help"], HEAVY)
    assert heavy == []
    commands = [
        info.name or info.callback.__name__ for info in app.registered_commands if info.callback
    ]
    groups = [group.name for group in app.registered_groups]
    assert commands and groups
    missing = [name for name in commands + groups if f" {name} " not in output]
    assert missing == []
    # Help texts come from the docstrings, which the lazy imports leave in place.
    assert "Write a logical backup of the bot's database" in output


def test_an_offline_command_loads_settings_and_database_only(tmp_path: Path) -> None:
    config = str(storage_only_config(tmp_path / "bot.toml", tmp_path / "bot.db"))
    subprocess.run([sys.executable, "-m", "bot", "db", "upgrade", "-c", config], check=True)
    output, loaded_names = loaded(["outbox", "list", "-c", config], NOT_OFFLINE)
    assert output == "every message is delivered"
    assert loaded_names == []
