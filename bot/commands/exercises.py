"""``!exercise start <scenario>`` (``!oefening start``): play a scenario through this bot."""

from __future__ import annotations

from bot.commands.access import Role
from bot.commands.context import CommandContext
from bot.commands.registry import Command, UsageError, split_option, split_words
from bot.errors import NoExercisePlayers

DEFAULT_SPEED = 1.0


async def exercise(context: CommandContext, arguments: str) -> None:
    """Start the scenario in the background; its alerts and room are marked OEFENING."""
    before, speed_text = split_option(arguments, "--speed", "--snelheid")
    words = split_words(before)
    if len(words) != 2 or words[0] not in ("start", "begin"):
        raise UsageError()
    try:
        speed = DEFAULT_SPEED if speed_text is None else float(speed_text)
    except ValueError:
        raise UsageError() from None
    if not 0 < speed <= 10_000:
        raise UsageError()
    starter = context.services.exercises
    if starter is None:
        raise NoExercisePlayers()  # not inside a running bot
    scenario = starter.launch(words[1], speed, context.room_id, context.lang)
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
        usage={
            "en": "start <scenario> [--speed <factor>]",
            "nl": "start <scenario> [--snelheid <factor>]",
        },
        summary={
            "en": "play an exercise scenario through the bot (marked EXERCISE)",
            "nl": "een oefenscenario door de bot laten spelen (gemarkeerd OEFENING)",
        },
        handler=exercise,
        role=Role.COORDINATOR,
    )
]
