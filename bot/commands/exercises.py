"""``!exercise start <scenario>`` (``!oefening start``): play a scenario through this bot."""

from __future__ import annotations

from bot.commands.access import Role
from bot.commands.arguments import WORD, Arg, Flag, Spec, factor
from bot.commands.context import CommandContext
from bot.commands.registry import Command, Scope
from bot.errors import NoExercisePlayers

DEFAULT_SPEED = 1.0
MAX_SPEED = 10_000


async def start(context: CommandContext, scenario_name: str, speed: float | None) -> None:
    """Start the scenario in the background; its alerts and room are marked OEFENING."""
    speed = speed or DEFAULT_SPEED
    starter = context.services.exercises
    if starter is None:
        raise NoExercisePlayers()  # not inside a running bot
    scenario = starter.launch(scenario_name, speed, context.room_id, context.lang)
    await context.reply(
        context.text(
            "exercise.started",
            scenario=scenario.title.get(context.lang),
            actor=context.sender,
            speed=f"{speed:g}",
        ),
        exercise=True,
    )


COMMANDS = [
    Command(
        name="exercise",
        alias="oefening",
        summary={
            "en": "play an exercise scenario through the bot (marked EXERCISE)",
            "nl": "een oefenscenario door de bot laten spelen (gemarkeerd OEFENING)",
        },
        role=Role.COORDINATOR,
        scope=Scope.COORDINATION_ROOM,
        children=(
            Command(
                name="start",
                alias="start",
                summary={
                    "en": "coordinators, in the coordination room: play an exercise scenario "
                    "through the bot",
                    "nl": "coördinatoren, in de coördinatieruimte: een oefenscenario door de "
                    "bot laten spelen",
                },
                handler=start,
                spec=Spec(
                    (Arg("scenario_name", WORD, {"en": "<scenario>", "nl": "<scenario>"}),),
                    (
                        Flag(
                            "speed",
                            {"en": "--speed", "nl": "--snelheid"},
                            factor(0, MAX_SPEED),
                            {"en": "<factor>", "nl": "<factor>"},
                        ),
                    ),
                ),
                readme="coordinators, in the coordination room: play an exercise scenario "
                "through the bot with the configured player accounts; the bot posts the "
                "expected-versus-done summary when it ends",
            ),
        ),
    )
]
