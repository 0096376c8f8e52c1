"""``weerbaar sandbox``: a throwaway homeserver, the bot and a taskforce user to log in as."""

from __future__ import annotations

import asyncio
import secrets
import signal
import tempfile
from pathlib import Path

from pydantic import SecretStr

from bot.app import Weerbaar
from bot.config import ExercisePlayerSettings, ExerciseSettings, Settings
from bot.exercises.cli import configured_players, run_exercise
from bot.exercises.loader import find_scenario
from bot.exercises.scenario import Scenario
from bot.playbooks.loader import load_playbook_dir
from bot.sandbox.synapse import ThrowawaySynapse
from bot.sandbox.world import create_world

TASKFORCE_LOCALPART = "taskforce"
# Scripted participants of ``--scenario``: one plays the coordinator, one every other role.
PLAYER_LOCALPARTS = {"coordinator": "oefenleider", "*": "rolspeler"}


async def run_sandbox(
    directory: Path | None,
    playbooks_dir: Path,
    scenario: str | None = None,
    speed: float = 60.0,
) -> None:
    """Run until Ctrl-C, printing how to log in; everything stops cleanly afterwards.

    ``playbooks_dir`` must be absolute: the bot reads it while the sandbox runs. With
    ``scenario`` (a name in ``playbooks_dir/exercises``) scripted participants play it at
    ``speed`` while the newcomer watches; the exercise report is written next to the config.
    """
    # A wrong scenario name fails here, before anything is started.
    drill = (
        None
        if scenario is None
        else find_scenario(scenario, playbooks_dir / "exercises", load_playbook_dir(playbooks_dir))
    )
    base = directory or Path(tempfile.mkdtemp(prefix="weerbaar-sandbox-"))
    base.mkdir(parents=True, exist_ok=True)
    password = secrets.token_urlsafe(12)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    async with ThrowawaySynapse(base / "synapse") as synapse:
        localparts = [TASKFORCE_LOCALPART, *(PLAYER_LOCALPARTS.values() if drill else ())]
        world = await create_world(synapse, localparts, password)
        data_dir = base / "bot"
        players = dict(zip(PLAYER_LOCALPARTS, world.members[1:], strict=False))
        exercise = ExerciseSettings(
            scenarios_dir=playbooks_dir / "exercises",
            players={
                role: ExercisePlayerSettings(
                    user_id=account.user_id, access_token=SecretStr(account.access_token)
                )
                for role, account in players.items()
            },
        )
        settings = world.settings(data_dir, playbooks_dir, exercise=exercise)
        bot = Weerbaar(settings)
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
            if drill is not None:
                report = base / "exercise-report.md"
                await _play(settings, bot.intake_port, drill, speed, report, stop)
            await stop.wait()
        finally:
            await bot.stop()


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
    await asyncio.to_thread(report.write_text, playing.result(), encoding="utf-8")
    print(f"Exercise finished; report: {report}. Ctrl-C stops everything.", flush=True)
