"""``weerbaar sandbox``: a throwaway homeserver, the bot and a taskforce user to log in as."""

from __future__ import annotations

import asyncio
import secrets
import signal
import tempfile
from pathlib import Path

from bot.app import Weerbaar
from bot.sandbox.synapse import ThrowawaySynapse
from bot.sandbox.world import create_world

TASKFORCE_LOCALPART = "taskforce"


async def run_sandbox(directory: Path | None, playbooks_dir: Path) -> None:
    """Run until Ctrl-C, printing how to log in; everything stops cleanly afterwards.

    ``playbooks_dir`` must be absolute: the bot reads it while the sandbox runs.
    """
    base = directory or Path(tempfile.mkdtemp(prefix="weerbaar-sandbox-"))
    base.mkdir(parents=True, exist_ok=True)
    password = secrets.token_urlsafe(12)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    async with ThrowawaySynapse(base / "synapse") as synapse:
        world = await create_world(synapse, [TASKFORCE_LOCALPART], password)
        data_dir = base / "bot"
        bot = Weerbaar(world.settings(data_dir, playbooks_dir))
        await bot.start()
        try:
            assert bot.intake_port is not None
            config_file = base / "weerbaar.toml"
            config_file.write_text(world.config_toml(data_dir, playbooks_dir, bot.intake_port))
            print(
                "\n".join(
                    [
                        "",
                        "Weerbaar sandbox is running. Log in with any Matrix client:",
                        f"  homeserver: {synapse.url}",
                        f"  user:       {world.members[0].user_id}",
                        f"  password:   {password}",
                        f"  room:       {world.coordination_room} (coordination room)",
                        "Send an alert from another terminal:",
                        f"  weerbaar alert send -c {config_file} --supplier Acme --title 'Outage'",
                        "Then type !hulp or !help in the room. Ctrl-C stops everything.",
                        "",
                    ]
                ),
                flush=True,
            )
            await stop.wait()
        finally:
            await bot.stop()
