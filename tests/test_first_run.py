"""deploy/README.md's first run as written: compose's secrets and environment start the bot.

Without a container engine the bot runs in this process, with the container's paths
mapped to a temporary directory and the compose services' host names to the test's
homeserver and database; with one, the image itself is built and checked.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import uuid
from pathlib import Path

import aiohttp
import pytest

from bot.app import Weerbaar
from bot.config import load_settings
from bot.sandbox.world import SandboxWorld
from tests.support.deploy_files import compose, dockerfile_instructions, first_run_step
from tests.support.first_run import bot_environment, fill_in_config
from tests.support.paths import REPO
from tests.support.postgres import fresh_postgres_database

BOT = compose()["services"]["bot"]


def run_secrets_step(deploy_dir: Path) -> Path:
    """Step 1 exactly as written, in a copy of deploy/; returns the secrets directory."""
    subprocess.run(["sh", "-e", "-c", first_run_step(1)], cwd=deploy_dir, check=True)
    return deploy_dir / "secrets"


def test_the_first_run_creates_every_secret_the_bot_is_given(tmp_path: Path) -> None:
    secrets = run_secrets_step(tmp_path)
    declared = compose()["secrets"]
    for name in BOT["secrets"]:
        assert (tmp_path / declared[name]["file"]).resolve().parent == secrets.resolve()
        assert (secrets / name).is_file(), f"step 1 of deploy/README.md does not create {name}"
    pickle_key = (secrets / "weerbaar_encryption__pickle_key").read_text().strip()
    assert len(pickle_key) >= 32


async def bot_token(world: SandboxWorld, device_id: str) -> str:
    """Step 5: log in as the bot with a fixed device id and keep the access token."""
    body = {
        "type": "m.login.password",
        "identifier": {"type": "m.id.user", "user": world.bot.user_id},
        "password": world.bot.password,
        "device_id": device_id,
        "initial_device_display_name": "Weerbaar",
    }
    async with (
        aiohttp.ClientSession() as session,
        session.post(world.homeserver_url + "/_matrix/client/v3/login", json=body) as response,
    ):
        assert response.status == 200, await response.text()
        token: str = (await response.json())["access_token"]
        return token


async def test_the_compose_secrets_and_environment_start_the_bot(
    world: SandboxWorld, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    secrets = run_secrets_step(tmp_path)
    # A device of its own: a new crypto store cannot take over the keys another test's
    # bot published for the fixed device WEERBAAR.
    device_id = f"WEERBAAR{uuid.uuid4().hex[:8].upper()}"
    (secrets / "weerbaar_matrix__access_token").write_text(await bot_token(world, device_id))
    fill_in_config(
        tmp_path,
        [member.user_id for member in world.members],
        world.bot.user_id,
        world.coordination_room,
    )
    (tmp_path / "weerbaar-data").mkdir()
    env = bot_environment(tmp_path, world.homeserver_url, 0)
    for name in list(os.environ):
        if name.startswith("WEERBAAR_") or name == "CREDENTIALS_DIRECTORY":
            monkeypatch.delenv(name)
    for name, value in env.items():
        monkeypatch.setenv(name, value)

    storage = secrets / "weerbaar_storage__url"
    assert storage.read_text().startswith("postgresql+asyncpg://weerbaar:")
    async with fresh_postgres_database("weerbaar_first_run") as url:
        storage.write_text(url + "\n")
        settings = load_settings()
        assert settings.encryption.enabled
        assert settings.data_dir == tmp_path / "weerbaar-data"
        bot = Weerbaar(settings)
        await bot.start()
        try:
            await bot.sync.synced.wait()
            assert bot.client.nio.device_id == device_id
        finally:
            await bot.stop()
    assert (settings.crypto_store_dir).is_dir()


# --- The image, where a container engine runs ---------------------------------------------


def container_engine() -> str | None:
    """podman or docker if its engine answers, else None."""
    for name in ("podman", "docker"):
        if (
            shutil.which(name)
            and subprocess.run([name, "info"], capture_output=True).returncode == 0
        ):
            return name
    return None


def no_engine_reason() -> str:
    found = [name for name in ("podman", "docker") if shutil.which(name)]
    if not found:
        return "no container engine: neither podman nor docker is installed"
    return f"{' and '.join(found)} installed but no engine answers `{found[0]} info`"


ENGINE = container_engine()


@pytest.mark.skipif(ENGINE is None, reason=no_engine_reason())
def test_the_image_builds_and_reports_its_version_and_health() -> None:
    assert ENGINE is not None
    tag = f"weerbaar-test:{uuid.uuid4().hex[:8]}"
    subprocess.run(
        [ENGINE, "build", "-f", "deploy/Dockerfile", "-t", tag, "."], cwd=REPO, check=True
    )
    try:
        version = subprocess.run(
            [ENGINE, "run", "--rm", "--entrypoint", "weerbaar", tag, "--version"],
            capture_output=True,
            text=True,
            check=True,
        )
        assert version.stdout.startswith("weerbaar ")
        (check,) = [args for keyword, args in dockerfile_instructions() if keyword == "HEALTHCHECK"]
        command = json.loads(check.split("CMD", 1)[1])
        # No bot runs in this container: the check must fail, and fail cleanly (exit 1).
        health = subprocess.run(
            [ENGINE, "run", "--rm", "--entrypoint", command[0], tag, *command[1:]],
            capture_output=True,
            text=True,
        )
        assert health.returncode == 1 and "Connection refused" in health.stderr
    finally:
        subprocess.run([ENGINE, "rmi", "-f", tag], capture_output=True)
