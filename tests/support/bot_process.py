"""The bot as a real operating-system process, for tests that kill it."""

from __future__ import annotations

import asyncio
import hashlib
import os
import re
import signal
import sys
import time
from pathlib import Path
from typing import Any

import aiohttp

from bot.sandbox.world import SandboxWorld
from tests.support.paths import PLAYBOOKS

STARTUP_TIMEOUT = 60.0


def write_config(
    world: SandboxWorld,
    directory: Path,
    port: int,
    extra_toml: str = "",
    own_device: bool = True,
) -> Path:
    """A config file for a bot process in ``world``; ``extra_toml`` adds sections.

    With ``own_device`` the process logs in with the password as a device of its own
    directory (a crypto store cannot take over a device whose keys another store
    published); without, it uses the world's access token and device.
    """
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"weerbaar-{port}.toml"
    text = world.config_toml(directory / "data", PLAYBOOKS, port)
    if own_device:
        digest = hashlib.sha256(str(directory.resolve()).encode()).hexdigest()[:10].upper()
        text = re.sub(r"(?m)^access_token = .*\n", "", text)
        text = re.sub(r"(?m)^device_id = .*$", f'device_id = "WEERBAAR{digest}"', text)
    path.write_text(text + "\n" + extra_toml)
    return path


class BotProcess:
    """``python -m bot run -c CONFIG`` with its output in a log file."""

    def __init__(self, config: Path, port: int, env: dict[str, str] | None = None) -> None:
        self.config = config
        self.env = env or {}
        self.port = port
        self.log = config.with_suffix(".log")
        self.process: asyncio.subprocess.Process | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> None:
        """Start the process (appending to its log)."""
        with self.log.open("ab") as output:
            self.process = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "bot",
                "run",
                "-c",
                str(self.config),
                stdout=output,
                stderr=output,
                env={**os.environ, "PYTHONUNBUFFERED": "1", **self.env},
            )

    async def health(self) -> dict[str, Any] | None:
        """The /healthz report, or None while the intake does not answer."""
        try:
            async with (
                aiohttp.ClientSession() as session,
                session.get(self.url + "/healthz", timeout=aiohttp.ClientTimeout(total=2)) as resp,
            ):
                report: dict[str, Any] = await resp.json()
                return report
        except (aiohttp.ClientError, TimeoutError):
            return None

    async def wait_for_role(self, role: str, timeout: float = STARTUP_TIMEOUT) -> None:
        """Wait until the process reports ``role`` (active/passive) and is healthy."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.process is not None
            if self.process.returncode is not None:
                raise AssertionError(f"bot exited: {self.log.read_text()[-3000:]}")
            report = await self.health() or {}
            synced = role == "passive" or report.get("sync", {}).get("lag_seconds") is not None
            if report.get("role") == role and report.get("healthy") and synced:
                return
            await asyncio.sleep(0.1)
        raise AssertionError(f"bot not {role} within {timeout} s: {self.log.read_text()[-3000:]}")

    async def kill(self) -> None:
        """SIGKILL: no clean-up of any kind, like a crash or a power cut."""
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        await self.process.wait()

    async def stop(self) -> None:
        """SIGTERM and wait (a no-op when already gone)."""
        if self.process is not None and self.process.returncode is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(self.process.wait(), 20)
            except TimeoutError:
                self.process.kill()
                await self.process.wait()
