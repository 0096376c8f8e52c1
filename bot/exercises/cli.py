"""What ``weerbaar exercise run`` does, outside the running bot."""

from __future__ import annotations

from collections.abc import Mapping

from bot.config import Settings
from bot.exercises.fallback_results import ask_from_outside
from bot.exercises.report import exercise_report
from bot.exercises.runner import ExerciseResult, ExerciseRunner, ExerciseTarget, PlayerAccount
from bot.exercises.scenario import Scenario
from bot.i18n import Language
from bot.storage.db import Database


def configured_players(settings: Settings) -> dict[str, PlayerAccount]:
    """The player accounts of the ``[exercise.players]`` config section."""
    return {
        role: PlayerAccount(player.user_id, player.access_token.get_secret_value())
        for role, player in settings.exercise.players.items()
    }


def target_for(
    settings: Settings, database: Database, intake_port: int | None = None
) -> ExerciseTarget:
    """Where the configured bot listens (``intake_port`` when it picked a free one)."""
    intake = settings.intake
    return ExerciseTarget(
        homeserver=settings.matrix.homeserver,
        coordination_room=settings.matrix.coordination_room,
        intake_url=f"http://{intake.host}:{intake_port or intake.port}/alerts",
        hmac_secret=intake.hmac_secret.get_secret_value().encode(),
        database=database,
    )


async def run_exercise(
    settings: Settings,
    scenario: Scenario,
    players: Mapping[str, PlayerAccount],
    speed: float,
    lang: Language,
    intake_port: int | None = None,
) -> str:
    """Play ``scenario`` against the configured bot; returns the exercise report (Markdown)."""
    database = Database(settings.database_url)
    try:
        result = await play_exercise(
            settings, database, scenario, players, speed, lang, intake_port
        )
    finally:
        await database.dispose()
    return await exercise_report(settings, result, lang)


async def play_exercise(
    settings: Settings,
    database: Database,
    scenario: Scenario,
    players: Mapping[str, PlayerAccount],
    speed: float,
    lang: Language,
    intake_port: int | None = None,
) -> ExerciseResult:
    """Play ``scenario`` against the configured bot, then (as ``!exercise start`` does) ask
    in its incident room for the result of each fallback option it covers."""
    target = target_for(settings, database, intake_port)
    result = await ExerciseRunner(scenario, target, players, speed).run()
    if result.situation_id is not None:
        await ask_from_outside(database, result.situation_id, scenario.covers, lang)
    return result
