"""Every CLI verb given bad input fails with one line, a non-zero exit and no traceback."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.app import Weerbaar
from bot.sandbox.ports import free_port
from bot.sandbox.world import SandboxWorld
from tests.support.paths import PLAYBOOKS, REPO

# A port nothing listens on: an unreachable homeserver, intake or database.
DEAD_PORT = free_port()
FULL = f"""
taskforce = ["@alice:example.org"]
data_dir = "{{data}}"
playbooks_dir = "{PLAYBOOKS}"

[matrix]
homeserver = "http://127.0.0.1:{DEAD_PORT}"
user_id = "@weerbaar:example.org"
access_token = "syt_token"
coordination_room = "!room:example.org"

[intake]
port = {DEAD_PORT}
hmac_secret = "hmac-secret"

[encryption]
pickle_key = "pickle-key-0123456789"
"""
ALERT_SEND = [sys.executable, "-m", "bot", "alert", "send"]
DEAD_DATABASE = f'[storage]\nurl = "postgresql+asyncpg://postgres@127.0.0.1:{DEAD_PORT}/none"\n'

# (verb, arguments; {full}, {dead_db}, {bad}, {tmp} are filled in, expected exit status)
CASES = [
    ("run", ["run", "-c", "{tmp}/missing.toml"], 2),
    ("run", ["run", "-c", "{full}"], 1),
    ("sandbox", ["sandbox", "--speed", "0"], 2),
    ("db upgrade", ["db", "upgrade", "-c", "{dead_db}"], 1),
    ("db revision", ["db", "revision"], 2),
    ("backup", ["backup", "{tmp}/backup.jsonl.gz", "-c", "{dead_db}"], 1),
    ("restore", ["restore", "{tmp}/missing.jsonl.gz", "-c", "{full}"], 1),
    ("purge", ["purge", "-c", "{bad}"], 2),
    ("playbook validate", ["playbook", "validate", "{tmp}/missing"], 1),
    ("report", ["report", "not-a-number"], 2),
    ("report", ["report", "²"], 2),  # a digit int() cannot read
    ("report", ["report", "9" * 20], 2),  # beyond any row id
    ("log verify", ["log", "verify", "-c", "{dead_db}"], 1),
    ("alert send", ["alert", "send", "--supplier", "Acme", "--title", "T", "-c", "{full}"], 1),
    ("supplier import", ["supplier", "import", "{tmp}/missing.yaml", "-c", "{full}"], 1),
    ("exercise validate", ["exercise", "validate", "{tmp}/missing", "--playbooks", "{tmp}"], 1),
    ("exercise run", ["exercise", "run", "forced-exit", "-c", "{full}"], 1),
    ("exercise purge", ["exercise", "purge", "-c", "{full_dead_db}"], 1),
    ("weerbaar", ["--no-such-option"], 2),
]


def error_lines(stderr: str) -> list[str]:
    """stderr without JSON log lines and the validators' "N problem(s) found..." summary."""
    lines = []
    for line in stderr.splitlines():
        try:
            json.loads(line)
        except ValueError:
            if line.strip() and " problem(s) found" not in line:
                lines.append(line)
    return lines


@pytest.mark.parametrize(("verb", "arguments", "status"), CASES, ids=[c[0] for c in CASES])
def test_a_verb_with_bad_input_fails_with_one_line(
    verb: str, arguments: list[str], status: int, tmp_path: Path
) -> None:
    full = tmp_path / "full.toml"
    full.write_text(FULL.replace("{data}", str(tmp_path / "data")))
    files = {
        "full": full,
        "dead_db": tmp_path / "dead-db.toml",
        "full_dead_db": tmp_path / "full-dead-db.toml",
        "bad": tmp_path / "bad.toml",
    }
    files["dead_db"].write_text(DEAD_DATABASE)
    files["full_dead_db"].write_text(full.read_text() + DEAD_DATABASE)
    files["bad"].write_text("taskforce = [\n")
    values = {name: str(path) for name, path in files.items()} | {"tmp": str(tmp_path)}
    env = {k: v for k, v in os.environ.items() if not k.startswith("WEERBAAR_")}
    result = subprocess.run(
        [sys.executable, "-m", "bot", *(arg.format(**values) for arg in arguments)],
        capture_output=True,
        text=True,
        cwd=REPO,
        env={**env, "COLUMNS": "200"},
        timeout=120,
    )
    output = result.stdout + result.stderr
    assert "Traceback" not in output, output
    assert result.returncode == status, output
    (line,) = error_lines(result.stderr)
    assert line.startswith(("weerbaar", "/", str(tmp_path))), line


def test_alert_send_names_the_unreachable_intake_and_what_to_check(tmp_path: Path) -> None:
    config = tmp_path / "full.toml"
    config.write_text(FULL.replace("{data}", str(tmp_path / "data")))
    result = subprocess.run(
        [*ALERT_SEND, "--supplier", "A", "--title", "T", "-c", str(config)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert result.stderr.count("\n") == 1
    assert f"127.0.0.1:{DEAD_PORT}" in result.stderr and "check" in result.stderr


async def test_alert_send_prints_the_intakes_answer_as_json(
    bot: Weerbaar, world: SandboxWorld, tmp_path: Path
) -> None:
    config = tmp_path / "full.toml"
    text = FULL.replace("{data}", str(tmp_path / "data"))
    config.write_text(text.replace('"hmac-secret"', json.dumps(world.hmac_secret)))
    process = await asyncio.create_subprocess_exec(
        *ALERT_SEND,
        *["--supplier", "Acme", "--title", "Test"],
        *["--url", f"http://127.0.0.1:{bot.intake_port}/alerts", "-c", str(config)],
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    stdout, stderr = await process.communicate()
    assert process.returncode == 0, stderr.decode()
    status, _, answer = stdout.decode().strip().partition(" ")
    assert status == "202"
    assert json.loads(answer)["status"] == "accepted"
