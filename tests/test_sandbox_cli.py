"""`weerbaar sandbox` as an operator runs it: a process started from a shell, stopped by Ctrl-C."""

from __future__ import annotations

import asyncio
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import time
import zipfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.intake.client import send_alert
from bot.playbooks.shipped import SHIPPED_PLAYBOOKS_DIR
from tests.support.modes import loose_modes

# Started first on the parallel workers: four sandbox starts and a wheel build, about
# 50 s; scheduled last, the whole run waited for it.
pytestmark = pytest.mark.runs_long

WEERBAAR = Path(sys.executable).absolute().parent / "weerbaar"
REPOSITORY = Path(__file__).resolve().parent.parent
# Bounds, not expectations: a start takes a few seconds; these only stop a hung test.
START_TIMEOUT = 120.0
STOP_TIMEOUT = 60.0
READY_LINE = "Ctrl-C stops everything."
ALERT = {"supplier": "Acme", "title": "Outage", "severity": "S3", "details": ""}


@dataclass
class Sandbox:
    """A running sandbox: its process and what it printed once ready."""

    process: subprocess.Popen[str]
    output: Path

    def text(self) -> str:
        return self.output.read_text(encoding="utf-8")

    def field(self, name: str) -> str:
        match = re.search(rf"^  {name}:\s+(\S+)", self.text(), re.MULTILINE)
        assert match, self.text()
        return match.group(1)

    def directory(self) -> Path:
        match = re.search(r"sandbox is running in (\S+?)[ .]", self.text())
        assert match, self.text()
        return Path(match.group(1))

    def alert_command(self) -> str:
        line = next(line for line in self.text().splitlines() if " alert send " in line)
        return line.strip()

    def intake_port(self) -> int:
        toml = (self.directory() / "weerbaar.toml").read_text(encoding="utf-8")
        match = re.search(r"^port = (\d+)$", toml, re.MULTILINE)
        assert match, toml
        return int(match.group(1))


def clean_environment(**extra: str) -> dict[str, str]:
    """The test's environment without settings of its own, plus ``extra``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("WEERBAAR_")}
    env.update(extra)
    return env


@contextmanager
def running_sandbox(
    args: list[str], cwd: Path, log: Path, env: Mapping[str, str] | None = None
) -> Iterator[Sandbox]:
    """Start ``weerbaar sandbox ARGS`` in ``cwd``; on leaving, Ctrl-C it and expect exit 0."""
    with log.open("w", encoding="utf-8") as out:
        process = subprocess.Popen(
            [str(WEERBAAR), "sandbox", *args],
            cwd=cwd,
            stdout=out,
            stderr=subprocess.STDOUT,
            text=True,
            env=dict(env or clean_environment()),
            # An operator's usual umask, under which files are readable by all by default.
            umask=0o022,
        )
    sandbox = Sandbox(process, log)
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while READY_LINE not in sandbox.text():
            assert process.poll() is None, sandbox.text()
            assert time.monotonic() < deadline, sandbox.text()
            time.sleep(0.2)
        yield sandbox
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(STOP_TIMEOUT)
        finally:
            if process.poll() is None:
                process.kill()
    assert process.returncode == 0, sandbox.text()
    assert "Traceback" not in sandbox.text()


def signed_alert(port: int, source: str, secret: str) -> int:
    """Status of a signed generic alert to ``source``'s route."""
    url = f"http://127.0.0.1:{port}/alerts/generic/{source}"
    status, _ = asyncio.run(send_alert(url, secret.encode(), ALERT))
    return status


def test_second_start_in_the_same_directory_reuses_the_accounts(tmp_path: Path) -> None:
    directory = tmp_path / "sandbox"
    with running_sandbox(["--directory", str(directory)], tmp_path, tmp_path / "1.log") as first:
        password, room = first.field("password"), first.field("room")

    with running_sandbox(["--directory", str(directory)], tmp_path, tmp_path / "2.log") as second:
        assert "accounts of the previous start reused" in second.text()
        assert second.field("password") == password
        assert second.field("room") == room
        # The bot logged in again and works: the printed command reaches its intake, also
        # from a fresh shell (no venv on PATH, no settings in the environment).
        command = second.alert_command()
        executable = Path(shlex.split(command)[0])
        assert executable.is_absolute()
        assert executable.is_file()
        assert os.access(executable, os.X_OK)
        fresh = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
        sent = subprocess.run(
            ["bash", "-c", command], capture_output=True, text=True, env=fresh, timeout=60
        )
        assert sent.returncode == 0, sent.stderr
        assert sent.stdout.startswith("202 ")

    # The user's directory stays, and the sandbox says where its secrets are. Everything
    # in it (accounts, config, Synapse's database and media, the bot's database and crypto
    # store, the logs) is owner-only.
    assert (directory / "bot" / "crypto").is_dir()
    assert loose_modes(directory) == {}
    assert f"its passwords, tokens and pickle key are in {directory / 'sandbox.json'}" in (
        second.text()
    )


def test_config_file_and_environment_add_intake_sources_and_keep_leaves_the_directory(
    tmp_path: Path,
) -> None:
    extra = tmp_path / "extra.toml"
    extra.write_text(
        "[[intake.sources]]\n"
        'name = "from-file"\nkind = "generic"\nauth = "hmac"\nsecret = "file-secret-0123"\n',
        encoding="utf-8",
    )
    env = clean_environment(
        WEERBAAR_INTAKE__SOURCES='[{"name": "from-env", "kind": "generic", "auth": "hmac", '
        '"secret": "env-secret-0123"}]'
    )
    # Without --directory, in a temporary directory that --keep leaves.
    with running_sandbox(
        ["--config", str(extra), "--keep"], tmp_path, tmp_path / "s.log", env
    ) as sandbox:
        directory = sandbox.directory()
        port = sandbox.intake_port()
        assert signed_alert(port, "from-file", "file-secret-0123") == 202
        assert signed_alert(port, "from-env", "env-secret-0123") == 202
        assert signed_alert(port, "from-file", "env-secret-0123") == 401
    try:
        assert (directory / "sandbox.json").is_file()
        assert f"Kept {directory}" in sandbox.text()
    finally:
        shutil.rmtree(directory)


def test_temporary_directory_is_removed_and_shipped_playbooks_are_used(tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    # A scenario needs the playbooks: outside the repository only the shipped ones exist.
    args = ["--scenario", "forced-exit", "--speed", "1"]
    with running_sandbox(args, outside, tmp_path / "sandbox.log") as sandbox:
        directory = sandbox.directory()
        secrets = [directory / "sandbox.json", directory / "weerbaar.toml"]
        assert all(path.is_file() for path in secrets)
        toml = secrets[1].read_text(encoding="utf-8")
        assert f'playbooks_dir = "{SHIPPED_PLAYBOOKS_DIR.resolve()}"' in toml

    assert not directory.exists()
    assert f"Removed {directory}" in sandbox.text()


def test_wheel_ships_the_playbooks(tmp_path: Path) -> None:
    # A clean copy: pip builds in the source tree, whose build/ may hold stale files.
    source = tmp_path / "source"
    shutil.copytree(
        REPOSITORY,
        source,
        symlinks=True,
        ignore=shutil.ignore_patterns(".*", "build", "*.egg-info", "__pycache__", "data"),
    )
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(tmp_path), "."],
        cwd=source,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert built.returncode == 0, built.stderr
    (wheel,) = tmp_path.glob("weerbaar-*.whl")
    installed = tmp_path / "installed"
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(installed)
    # Run from outside the repository, the unpacked wheel first on the path.
    found = subprocess.run(
        [
            sys.executable,
            "-c",
            "from bot.playbooks.shipped import SHIPPED_PLAYBOOKS_DIR as d;"
            "from bot.playbooks.loader import load_playbook_dir;"
            "print(d); print(len(load_playbook_dir(d)));"
            "print(len(list((d / 'exercises').glob('*.yaml'))));"
            "from bot.sandbox.registry import SANDBOX_REGISTRY as r; print(r.is_file())",
        ],
        cwd=tmp_path,
        env=clean_environment(PYTHONPATH=str(installed)),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert found.returncode == 0, found.stderr
    where, playbooks, exercises, registry = found.stdout.split()
    assert registry == "True"  # the sandbox's supplier registry ships too
    assert Path(where) == installed / "bot" / "shipped_playbooks"
    assert int(playbooks) == len(list((REPOSITORY / "playbooks").glob("*.yaml")))
    assert int(exercises) == len(list((REPOSITORY / "playbooks" / "exercises").glob("*.yaml")))
