"""``!drill plan``: plan a drill of a fallback option; its owner is reminded before."""

from __future__ import annotations

from datetime import datetime

from bot.commands.arguments import WORD, Arg, Kind, Spec, Take
from bot.commands.context import CommandContext
from bot.commands.registry import Command
from bot.errors import InvalidMoment
from bot.suppliers.drills import reminder_moments


def _moment_then_scenario(context: CommandContext, text: str) -> tuple[datetime, str | None]:
    """``<moment> [scenario]``: a moment may be several words (``tomorrow 09:00``), so the
    whole text is read as one first; only when that fails is its last word the scenario."""
    try:
        return context.moment(text), None
    except InvalidMoment:
        words = text.split()
        if len(words) < 2:
            raise
    try:
        return context.moment(" ".join(words[:-1])), words[-1]
    except InvalidMoment:
        raise InvalidMoment(text=text) from None


MOMENT_THEN_SCENARIO = Kind(Take.REST, _moment_then_scenario)


async def plan(context: CommandContext, key: str, when: tuple[datetime, str | None]) -> None:
    """``<fallback-id> <moment> [scenario]``: store the drill and schedule the reminders.

    Without a scenario the first one covering the fallback is used; none: a tabletop. In an
    incident room (an exercise's) the plan also joins that situation's log.
    """
    services = context.services
    due_at, scenario = when
    if scenario is None and services.exercises is not None:
        covering = services.exercises.covering().get(key.lower(), [])
        scenario = covering[0] if covering else None
    situation = await services.situations.in_room(context.room_id)
    planned = await services.drills.plan(
        key.lower(),
        due_at,
        scenario,
        context.sender,
        situation.id if situation is not None else None,
    )
    drill = planned.drill
    option = await services.fallbacks.find(drill.fallback_key)
    owner = (option.owner if option is not None else None) or context.text("drills.no_owner")
    shown_scenario = (
        context.text("drill.scenario", scenario=scenario)
        if scenario
        else context.text("drill.tabletop_scenario")
    )
    lines = [
        context.text(
            "drill.planned",
            id=drill.id,
            fallback=drill.fallback_key,
            due=context.time(due_at, relative=True),
            scenario=shown_scenario,
        )
    ]
    moments = reminder_moments(due_at, drill.planned_at)
    if moments:
        shown = ", ".join(context.time(moment) for _, moment in moments)
        lines.append(context.text("drill.reminders", owner=owner, moments=shown))
    else:
        lines.append(context.text("drill.no_reminders"))
    if situation is not None and planned.log_seq is not None:
        lines.append(context.text("fallback.in_log", situation=situation.id, seq=planned.log_seq))
    await context.reply("\n".join(lines))


COMMANDS = [
    Command(
        name="drill",
        # "oefening" is !exercise's Dutch name already.
        alias="oefenen",
        summary={
            "en": "plan a drill of a fallback option (owner or coordinator)",
            "nl": "een oefening van een terugvaloptie plannen (eigenaar of coördinator)",
        },
        children=(
            Command(
                name="plan",
                alias="plan",
                summary={"en": "plan a drill", "nl": "een oefening plannen"},
                readme="plan a drill of a fallback option, by its owner or a coordinator: the "
                "owner is reminded (mentioned in the coordination room) a week and a day "
                "before; without a scenario, the first scenario covering it, else a tabletop; "
                "`!drills` lists planned drills; in an incident room (an exercise's) the plan also "
                "joins that situation's log",
                spec=Spec(
                    (
                        Arg("key", WORD, {"en": "<fallback-id>", "nl": "<terugval-id>"}),
                        Arg(
                            "when",
                            MOMENT_THEN_SCENARIO,
                            {"en": "<moment> [scenario]", "nl": "<moment> [scenario]"},
                        ),
                    ),
                ),
                handler=plan,
            ),
        ),
    ),
]
