"""A bot against the session's real Synapse: its settings and a running instance."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from bot.app import Weerbaar
from bot.clock import Clock
from bot.config import Settings
from bot.sandbox.world import SandboxWorld
from tests.support.bot_lifecycle import start_bot
from tests.support.paths import PLAYBOOKS


def bot_settings(world: SandboxWorld, data_dir: Path, **overrides: object) -> Settings:
    """Settings of a bot in ``world`` with its own database and crypto store in ``data_dir``.

    Each data directory logs in as its own device: a device's keys live in its crypto
    store, and a new store cannot take over a device whose keys are published already.
    A bot restarted on the same directory is the same device. Incident rooms are plain
    unless ``encryption`` is overridden: the scripted users here have no crypto store.
    """
    settings = world.settings(data_dir, PLAYBOOKS, **overrides)
    update: dict[str, object] = {}
    if "encryption" not in overrides:
        update["encryption"] = settings.encryption.model_copy(
            update={"encrypt_incident_rooms": False}
        )
    if "matrix" not in overrides:
        digest = hashlib.sha256(str(data_dir.resolve()).encode()).hexdigest()[:10].upper()
        update["matrix"] = settings.matrix.model_copy(
            update={"access_token": None, "device_id": f"WEERBAAR{digest}"}
        )
    return settings.model_copy(update=update)


@asynccontextmanager
async def running_bot(settings: Settings, clock: Clock | None = None) -> AsyncIterator[Weerbaar]:
    """A bot with ``settings`` (see bot_settings), started as start_bot does; stopped after."""
    instance = await start_bot(settings, clock)
    try:
        yield instance
    finally:
        await instance.stop()
