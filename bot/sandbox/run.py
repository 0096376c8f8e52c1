"""``weerbaar sandbox``: a throwaway homeserver, the bot and a taskforce user to log in as."""

from __future__ import annotations

import asyncio
import shlex
import shutil
import signal
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bot.app import Weerbaar
from bot.config import LocalSettings, Settings, load_settings_as
from bot.degraded.mail import PrintingMailer
from bot.exercises.cli import configured_players, run_exercise
from bot.exercises.loader import find_scenario
from bot.exercises.scenario import Scenario
from bot.playbooks.loader import load_playbook_dir
from bot.private_files import write_private_text
from bot.sandbox.accounts import STATE_FILE, localpart_of, open_world
from bot.sandbox.ports import free_port
from bot.sandbox.registry import seed_registry
from bot.sandbox.synapse import RegisteredUser, ThrowawaySynapse
from bot.sandbox.world import SandboxWorld

TASKFORCE_LOCALPART = "taskforce"
# Scripted participants of ``--scenario``: one plays the coordinator, one every other role.
PLAYER_LOCALPARTS = {"coordinator": "oefenleider", "*": "rolspeler"}


async def run_sandbox(
    directory: Path | None,
    playbooks_dir: Path,
    scenario: str | None = None,
    speed: float = 60.0,
    config: Path | None = None,
    keep: bool = False,
    smtp_debug: bool = False,
) -> None:
    """Run until Ctrl-C, printing how to log in; everything stops cleanly afterwards.

    ``playbooks_dir`` must be absolute: the bot reads it while the sandbox runs. The
    settings of ``config`` and the ``WEERBAAR_*`` environment lie over the generated ones.
    With ``scenario`` (a name in the scenarios directory) scripted participants play it at
    ``speed`` while the newcomer watches; the exercise report is written next to the config.
    A temporary directory (no ``directory``) is removed afterwards unless ``keep``.
    With ``smtp_debug`` the e-mail fallback prints its mails instead of sending them (to
    ``[email]`` of ``config``, else to an address made up for each taskforce member).
    """
    generated: dict[str, Any] = {
        "playbooks_dir": playbooks_dir,
        "exercise": {"scenarios_dir": playbooks_dir / "exercises"},
    }
    # A bad config file or scenario name fails here, before anything is started.
    local = load_settings_as(LocalSettings, config, generated)
    drill = (
        None
        if scenario is None
        else find_scenario(
            scenario, local.exercise.scenarios_dir, load_playbook_dir(local.playbooks_dir)
        )
    )
    temporary = directory is None
    base = Path(tempfile.mkdtemp(prefix="weerbaar-sandbox-")) if directory is None else directory
    base = base.resolve()
    try:
        await _run(base, generated, config, drill, speed, smtp_debug)
    finally:
        if temporary and not keep:
            shutil.rmtree(base, ignore_errors=True)
            print(f"Removed {base} with its passwords, tokens and pickle key.", flush=True)
        else:
            print(
                f"Kept {base}; its passwords, tokens and pickle key are in "
                f"{base / STATE_FILE} and {base / 'weerbaar.toml'}.",
                flush=True,
            )


async def _run(
    base: Path,
    generated: dict[str, Any],
    config: Path | None,
    drill: Scenario | None,
    speed: float,
    smtp_debug: bool = False,
) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    # Starting Synapse creates ``base`` too.
    async with ThrowawaySynapse(base / "synapse") as synapse:
        localparts = [TASKFORCE_LOCALPART, *(PLAYER_LOCALPARTS.values() if drill else ())]
        world, reused = await open_world(synapse, base / STATE_FILE, localparts)
        players = dict(zip(PLAYER_LOCALPARTS, world.members[1:], strict=False))
        generated = {
            **world.values(base / "bot", generated["playbooks_dir"]),
            "exercise": {
                **generated["exercise"],
                "players": {
                    role: {"user_id": account.user_id, "access_token": account.access_token}
                    for role, account in players.items()
                },
            },
        }
        if smtp_debug:
            generated["email"] = printed_email(world.members)
        # The web view needs its public address before the intake listens: pick the port.
        port = free_port()
        generated["intake"] = {**generated["intake"], "port": port}
        generated["web"] = {"enabled": True, "base_url": f"http://127.0.0.1:{port}"}
        settings = load_settings_as(Settings, config, generated)
        mailer = None
        if smtp_debug and settings.email is not None:
            mailer = PrintingMailer(settings.email.from_address)
        bot = Weerbaar(settings, mailer=mailer)
        await bot.start()
        try:
            await seed_registry(bot.factory)
            assert bot.intake_port is not None
            config_file = base / "weerbaar.toml"
            write_private_text(
                config_file,
                world.config_toml(settings.data_dir, settings.playbooks_dir, bot.intake_port),
            )
            print(_instructions(base, world, synapse.url, config_file, reused), flush=True)
            if drill is not None:
                report = base / "exercise-report.md"
                await _play(settings, bot.intake_port, drill, speed, report, stop)
            await stop.wait()
        finally:
            await bot.stop()


def printed_email(members: Sequence[RegisteredUser]) -> dict[str, Any]:
    """``[email]`` settings for ``--smtp-debug``: mails are printed, never sent, so the
    server and the ``.invalid`` addresses (RFC 2606: never deliverable) are placeholders."""
    return {
        "host": "localhost",
        "security": "none",
        "from_address": "weerbaar@sandbox.invalid",
        "recipients": [
            {
                "user_id": member.user_id,
                "address": f"{localpart_of(member.user_id)}@sandbox.invalid",
            }
            for member in members
        ],
    }


def _instructions(
    base: Path, world: SandboxWorld, homeserver: str, config_file: Path, reused: bool
) -> str:
    """How to log in and send an alert; the commands work pasted into a fresh shell."""
    weerbaar = _weerbaar_command()
    return "\n".join(
        [
            "",
            f"Weerbaar sandbox is running in {base}"
            + (" (accounts of the previous start reused)." if reused else "."),
            "Log in with any Matrix client:",
            f"  homeserver: {homeserver}",
            f"  user:       {world.members[0].user_id}",
            f"  password:   {world.members[0].password}",
            f"  room:       {world.coordination_room} (coordination room)",
            "Send an alert from another terminal:",
            f"  {weerbaar} alert send -c {shlex.quote(str(config_file))}"
            " --supplier Acme --title Outage",
            "Then type !hulp or !help in the room; !webbeeld or !web sends you a link to the",
            "situational picture in the browser. The example supplier registry is loaded:",
            "!drills shows which fallback options to drill, !report fallbacks the board's",
            "overview. Ctrl-C stops everything.",
            "",
        ]
    )


def _weerbaar_command() -> str:
    """This installation's ``weerbaar`` by absolute path: a fresh shell has no venv active."""
    # Not resolved: a venv's python is a symlink out of the venv, its scripts are not.
    script = Path(sys.executable).absolute().parent / "weerbaar"
    if script.is_file():
        return shlex.quote(str(script))
    return f"{shlex.quote(str(Path(sys.executable).absolute()))} -m bot"


async def _play(
    settings: Settings,
    intake_port: int,
    scenario: Scenario,
    speed: float,
    report: Path,
    stop: asyncio.Event,
) -> None:
    """Play the scenario (stopped early by Ctrl-C) and write its report."""
    print(f"Playing exercise {scenario.id} at speed {speed:g}x ...", flush=True)
    playing = asyncio.create_task(
        run_exercise(
            settings, scenario, configured_players(settings), speed, settings.language, intake_port
        )
    )
    stopping = asyncio.create_task(stop.wait())
    await asyncio.wait({playing, stopping}, return_when=asyncio.FIRST_COMPLETED)
    stopping.cancel()
    if not playing.done():
        playing.cancel()
        return
    await asyncio.to_thread(write_private_text, report, playing.result())
    print(f"Exercise finished; report: {report}. Ctrl-C stops everything.", flush=True)
