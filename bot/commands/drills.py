"""``!drill``: plan, cancel and move a drill of a fallback option (its owner is reminded
before and at the due moment), or walk through a tabletop drill in a thread."""

from __future__ import annotations

from datetime import datetime

from bot.commands.arguments import ID, MOMENT, Arg, Kind, Spec, Take
from bot.commands.context import CommandContext
from bot.commands.fallbacks import FALLBACK_KEY
from bot.commands.registry import Command
from bot.commands.tabletop import tabletop
from bot.errors import InvalidMoment
from bot.i18n import Language
from bot.storage.models import FallbackOptionRecord, PlannedDrillRecord, SituationRecord
from bot.suppliers.drills import Planned, reminder_moments


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

    Without a scenario the first one covering the fallback is used; none: a tabletop. A
    scenario named must be one that can be started (its owner is told to start it at the
    drill's moment). In an incident room (an exercise's) the plan also joins that
    situation's log.
    """
    services = context.services
    due_at, scenario = when
    if services.exercises is not None:
        if scenario is None:
            covering = services.exercises.covering().get(key.lower(), [])
            scenario = covering[0] if covering else None
        else:
            # Refused now rather than at the drill's moment; a mistyped moment's last
            # word ("in 10d 3h") would otherwise be taken for a scenario too.
            services.exercises.find(scenario)
    situation = await services.situations.in_room(context.room_id)
    planned = await services.drills.plan(
        key.lower(),
        due_at,
        scenario,
        context.sender,
        situation.id if situation is not None else None,
    )
    drill = planned.drill
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
    lines.append(_reminders(context, drill, await services.fallbacks.find(drill.fallback_key)))
    await context.reply("\n".join(lines + _in_log(context, situation, planned)))


async def cancel(context: CommandContext, drill_id: int) -> None:
    """``<drill-id>``: cancel a planned drill and its reminders."""
    situation = await context.services.situations.in_room(context.room_id)
    changed = await context.services.drills.cancel(
        drill_id, context.sender, situation.id if situation is not None else None
    )
    drill = changed.drill
    lines = [
        context.text(
            "drill.cancelled",
            id=drill.id,
            fallback=drill.fallback_key,
            due=context.time(drill.due_at),
            actor=context.sender,
        )
    ]
    await context.reply("\n".join(lines + _in_log(context, situation, changed)))


async def move(context: CommandContext, drill_id: int, due_at: datetime) -> None:
    """``<drill-id> <moment>``: move a planned drill; its reminders move with it."""
    situation = await context.services.situations.in_room(context.room_id)
    changed = await context.services.drills.move(
        drill_id, due_at, context.sender, situation.id if situation is not None else None
    )
    drill = changed.drill
    lines = [
        context.text(
            "drill.moved",
            id=drill.id,
            fallback=drill.fallback_key,
            due=context.time(due_at, relative=True),
            actor=context.sender,
        ),
        _reminders(context, drill, await context.services.fallbacks.find(drill.fallback_key)),
    ]
    await context.reply("\n".join(lines + _in_log(context, situation, changed)))


def _reminders(
    context: CommandContext, drill: PlannedDrillRecord, option: FallbackOptionRecord | None
) -> str:
    """The line naming the reminders still ahead of ``drill`` (planned or moved now)."""
    owner = (option.owner if option is not None else None) or context.text("drills.no_owner")
    moments = reminder_moments(drill.due_at, context.services.clock.now(), context.timezone)
    if not moments:
        return context.text("drill.no_reminders")
    shown = ", ".join(context.time(moment) for _, moment in moments)
    return context.text("drill.reminders", owner=owner, moments=shown)


def _in_log(
    context: CommandContext, situation: SituationRecord | None, planned: Planned
) -> list[str]:
    """The line saying where the change joined the situation's log, if it did."""
    if situation is None or planned.log_seq is None:
        return []
    return [context.text("fallback.in_log", situation=situation.id, seq=planned.log_seq)]


DRILL_ID: dict[Language, str] = {"en": "<drill-id>", "nl": "<oefening-id>"}

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
                "before and told at its moment how to start it; without a scenario, the first "
                "scenario covering it, else a tabletop; `!drills` lists planned drills; in an "
                "incident room (an exercise's) the plan also joins that situation's log",
                spec=Spec(
                    (
                        FALLBACK_KEY,
                        Arg(
                            "when",
                            MOMENT_THEN_SCENARIO,
                            {"en": "<moment> [scenario]", "nl": "<moment> [scenario]"},
                        ),
                    ),
                ),
                handler=plan,
            ),
            Command(
                name="cancel",
                alias="annuleer",
                summary={"en": "cancel a planned drill", "nl": "een geplande oefening annuleren"},
                readme="cancel a planned drill (its id is in `!drills`), by the option's owner "
                "or a coordinator: its reminders are withdrawn and it is kept as cancelled; in "
                "an incident room the cancellation joins that situation's log",
                spec=Spec((Arg("drill_id", ID, DRILL_ID),)),
                handler=cancel,
            ),
            Command(
                name="move",
                alias="verplaats",
                summary={"en": "move a planned drill", "nl": "een geplande oefening verplaatsen"},
                readme="move a planned drill to another moment, by the option's owner or a "
                "coordinator: its reminders move with it (one already past is not sent); in an "
                "incident room the move joins that situation's log",
                spec=Spec(
                    (
                        Arg("drill_id", ID, DRILL_ID),
                        Arg("due_at", MOMENT, {"en": "<moment>", "nl": "<moment>"}),
                    )
                ),
                handler=move,
            ),
            Command(
                name="tabletop",
                alias="tafel",
                summary={
                    "en": "walk through a tabletop drill in a thread",
                    "nl": "een tafeloefening doorlopen in een thread",
                },
                readme="walk through a tabletop drill of a fallback option, by its owner or a "
                "coordinator: the bot asks in a thread who switches over, how long it takes, "
                "what data is needed, who is informed and the result, then records a test of "
                "kind tabletop with the answers, as `!fallback tested` does; `stop` in the "
                "thread cancels",
                spec=Spec((FALLBACK_KEY,)),
                handler=tabletop,
            ),
        ),
    ),
]
