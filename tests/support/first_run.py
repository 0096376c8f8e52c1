"""deploy/README.md's first run on this machine: the bot's container mapped onto a directory.

Without a container engine the bot runs in the test's process, with the container's
paths mapped to a copy of deploy/ and the compose services' host names to the test's
homeserver; tests and the first-run walk-through share these helpers.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

from tests.support.deploy_files import DEPLOY, compose, dockerfile_instructions
from tests.support.paths import PLAYBOOKS


def image_environment() -> dict[str, str]:
    """The Dockerfile's ENV settings followed by the compose file's bot environment."""
    env: dict[str, str] = {}
    for keyword, args in dockerfile_instructions():
        if keyword == "ENV":
            for pair in shlex.split(args):
                name, _, value = pair.partition("=")
                env[name] = value
    bot = compose()["services"]["bot"]
    env.update({name: str(value) for name, value in bot["environment"].items()})
    return env


def container_paths(deploy_dir: Path) -> dict[str, Path]:
    """Where each path the bot sees in its container lives in this test."""
    paths = {"/run/secrets": deploy_dir / "secrets", "/etc/weerbaar/playbooks": PLAYBOOKS}
    for volume in compose()["services"]["bot"]["volumes"]:
        source, target = volume.split(":")[:2]
        paths[target] = deploy_dir / source  # a bind mount, or a named volume's directory
    return paths


def bot_environment(deploy_dir: Path, homeserver_url: str, intake_port: int) -> dict[str, str]:
    """The bot container's environment as written, its paths mapped into ``deploy_dir``.

    The compose services' names resolve only inside the compose network, and tests
    listen on the loopback interface only: the homeserver and intake address are the
    test's. Everything else is exactly the image's and the compose file's.
    """
    paths = container_paths(deploy_dir)
    env = {}
    for name, value in image_environment().items():
        for container_path, here in paths.items():
            value = value.replace(container_path, str(here))
        env[name] = value
    assert env["WEERBAAR_MATRIX__HOMESERVER"] == "http://synapse:8008"
    env["WEERBAAR_MATRIX__HOMESERVER"] = homeserver_url
    env["WEERBAAR_INTAKE__HOST"] = "127.0.0.1"
    env["WEERBAAR_INTAKE__PORT"] = str(intake_port)
    return env


def fill_in_config(deploy_dir: Path, taskforce: list[str], user_id: str, room_id: str) -> None:
    """Step 7 after its ``cp``: set the taskforce, the bot's id and the room in weerbaar.toml."""
    target = deploy_dir / "weerbaar.toml"
    text = target.read_text() if target.exists() else (DEPLOY / "weerbaar.example.toml").read_text()
    members = ", ".join(f'"{member}"' for member in taskforce)
    for name, value in [
        ("taskforce", f"[{members}]"),
        ("user_id", f'"{user_id}"'),
        ("coordination_room", f'"{room_id}"'),
    ]:
        text, count = re.subn(rf"(?m)^{name} = .*$", f"{name} = {value}", text)
        assert count == 1, name
    target.write_text(text)
