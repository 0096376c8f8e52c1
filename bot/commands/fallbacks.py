"""``!drills``: which fallback options to drill first; ``!fallback tested``: record a test."""

from __future__ import annotations

from bot.commands.access import Role
from bot.commands.arguments import TEXT, WORD, Arg, BadArgument, Flag, Kind, Spec, Take, choice
from bot.commands.context import CommandContext
from bot.commands.registry import Command
from bot.i18n import Term
from bot.playbooks.durations import parse_duration
from bot.storage.models import SituationRecord
from bot.suppliers.freshness import KIND_WORDS, RESULT_WORDS, DrillKind, Outcome

# The drill plan names this many fallback options (the most urgent).
TOP_DRILLS = 15


async def drills(context: CommandContext) -> None:
    """Reply with the fallback options that are failed, never tested or overdue, by risk."""
    services = context.services
    states = await services.fallbacks.states()
    ranked = await services.fallbacks.drills()
    covering = services.exercises.covering() if services.exercises is not None else {}
    today = services.fallbacks.today()
    planned = await services.drills.upcoming()
    # The soonest planned drill of each fallback (upcoming() is soonest first).
    next_drill: dict[str, str] = {}
    for drill in planned:
        next_drill.setdefault(drill.fallback_key, context.time(drill.due_at))
    text = context.text
    lines = [text("drills.title")]
    for rank, state in enumerate(ranked[:TOP_DRILLS], start=1):
        days = state.age_days(today)
        if days is None or state.last is None:
            age = text("drills.never")
        else:
            result = Term("fallback_result", state.last.result)
            # "0 days ago" reads as a glitch right after a drill.
            age = (
                text("drills.age", days=days, result=result)
                if days
                else text("drills.today", result=result)
            )
        lines.append(
            text(
                "drills.line",
                rank=rank,
                fallback=state.key,
                status=Term("fallback_status", state.status.value),
                risk=state.risk,
                supplier=state.supplier,
                service=state.service,
                description=state.option.description,
                owner=state.option.owner or text("drills.no_owner"),
                age=age,
                scenarios=covering.get(state.key) or text("drills.no_scenario"),
            )
        )
        if state.key in next_drill:
            lines[-1] += f"; {text('drills.planned_mark', due=next_drill[state.key])}"
    if not states:
        lines.append(text("drills.none_registered"))
    elif not ranked:
        lines.append(text("drills.empty"))
    if planned:
        lines.append(text("drills.planned_title"))
        lines += [
            text(
                "drills.planned_line",
                due=context.time(drill.due_at),
                id=drill.id,
                fallback=drill.fallback_key,
                scenario=drill.scenario or text("drill.tabletop_scenario"),
                actor=drill.planned_by,
            )
            for drill in planned
        ]
    await context.reply("\n".join(lines))


async def tested(
    context: CommandContext,
    key: str,
    result: Outcome,
    duration: int | None,
    kind: DrillKind | None,
    notes: str,
) -> None:
    """``<id> <result> [--duration 3h] [--kind …] --why <notes>``: record a test done today."""
    await context.reply(
        await record_test(context, key, result, duration, kind or DrillKind.TECHNICAL, notes)
    )


async def roles_held(context: CommandContext, situation: SituationRecord | None) -> list[str]:
    """The roles the sender holds in ``situation`` (none outside an incident room)."""
    if situation is None:
        return []
    holders = await context.services.roles.holders(situation.id)
    return [role for role, users in holders.items() if context.sender in users]


async def record_test(
    context: CommandContext,
    key: str,
    result: Outcome,
    duration: int | None,
    kind: DrillKind,
    notes: str,
) -> str:
    """Record a test of ``key`` done today by the context's sender; the reply saying so.

    In an incident room the test joins that situation's log; a failed or partly working
    result then opens an improvement action there, elsewhere one reminded in the
    coordination room. Shared by ``!fallback tested`` and the tabletop checklist.
    """
    services = context.services
    situation = await services.situations.in_room(context.room_id)
    held = await roles_held(context, situation)
    shown_result = context.text(f"fallback_result.{result.value}")
    recorded = await services.fallbacks.record_test(
        key.lower(),
        context.sender,
        result=result,
        kind=kind,
        duration_minutes=duration,
        notes=notes,
        situation_id=situation.id if situation is not None else None,
        roles_held=held,
        improvement=context.text(
            "fallback.improvement_action", fallback=key.lower(), result=shown_result, notes=notes
        ),
    )
    test = recorded.test
    lines = [
        context.text(
            "fallback.recorded",
            fallback=test.fallback_key,
            result=shown_result,
            kind=Term("fallback_kind", test.kind or DrillKind.TECHNICAL.value),
            duration=_duration(context, duration),
            actor=context.sender,
        )
    ]
    if situation is not None and recorded.log_seq is not None:
        lines.append(context.text("fallback.in_log", situation=situation.id, seq=recorded.log_seq))
    if recorded.action is not None:
        payload = recorded.action.payload
        lines.append(
            context.text(
                "fallback.improvement",
                seq=recorded.action.seq,
                owner=payload["owner"],
                due=context.time(services.fallbacks.improvement_due()),
            )
        )
    elif test.action_owner is not None and test.action_due_at is not None:
        lines.append(
            context.text(
                "fallback.improvement_kept",
                owner=test.action_owner,
                due=context.time(test.action_due_at),
                fallback=test.fallback_key,
            )
        )
    lines.append(context.text("fallback.status", status=Term("fallback_status", recorded.status)))
    return "\n".join(lines)


async def improved(context: CommandContext, key: str) -> None:
    """``<fallback-id>``: mark the fallback's open improvement actions done."""
    count = await context.services.fallbacks.improved(key.lower(), context.sender)
    await context.reply(
        context.text("fallback.improved", count=count, fallback=key.lower(), actor=context.sender)
    )


def _duration(context: CommandContext, minutes: int | None) -> str:
    if minutes is None:
        return context.text("fallback.no_duration")
    hours, rest = divmod(minutes, 60)
    return f"{hours}h{rest:02d}m" if hours else f"{rest}m"


def duration_minutes(word: str) -> int | None:
    """``word`` (``45m``, ``3h``, ``1h30m``) in whole minutes; None unless a positive duration."""
    try:
        minutes = int(parse_duration(word.strip().lower()).total_seconds() // 60)
    except ValueError:
        return None
    return minutes if minutes > 0 else None


def _minutes(context: CommandContext, word: str) -> int:
    minutes = duration_minutes(word)
    if minutes is None:
        raise BadArgument(context.text("usage.not_a_duration", word=word))
    return minutes


DURATION = Kind(Take.WORD, _minutes)
# A fallback option's stable id (supplier/service/fallback), as every fallback and drill
# command takes it.
FALLBACK_KEY = Arg("key", WORD, {"en": "<fallback-id>", "nl": "<terugval-id>"})
RESULT = choice(RESULT_WORDS, lambda word: RESULT_WORDS.get(word.lower()))
KIND = choice(("tabletop", "technical", "live"), lambda word: KIND_WORDS.get(word.lower()))

COMMANDS = [
    Command(
        name="drills",
        alias="oefenplan",
        readme="the drill plan: fallback options that failed, were never tested or are overdue "
        "under the `[fallbacks]` freshness policy, highest risk first (criticality of the "
        "dependent processes x their number x organisations on the same supplier), with "
        "owner, age of the last test and the exercise scenario that covers it",
        summary={
            "en": "which fallback options to drill first: failed, untested, overdue; by risk",
            "nl": "welke terugvalopties eerst te beoefenen: mislukt, ongetest, verlopen; op risico",
        },
        handler=drills,
        role=Role.OBSERVER,
    ),
    Command(
        name="fallback",
        alias="terugval",
        summary={
            "en": "record a test of a fallback option (owner or coordinator)",
            "nl": "een test van een terugvaloptie vastleggen (eigenaar of coördinator)",
        },
        children=(
            Command(
                name="tested",
                alias="getest",
                summary={"en": "record a test", "nl": "een test vastleggen"},
                readme="record a test of a fallback option done today, by its owner or a "
                "coordinator. In an incident room it joins that situation's log, and a failed or "
                "partly working result opens an improvement action there; typed elsewhere the "
                "action is kept with the test and reminded in the coordination room (deadline "
                "`fallbacks.improvement_days`; owner: the fallback's owner when a Matrix id, "
                "else who recorded the test)",
                spec=Spec(
                    (
                        FALLBACK_KEY,
                        Arg(
                            "result",
                            RESULT,
                            {"en": "<worked|partly|failed>", "nl": "<gelukt|deels|mislukt>"},
                        ),
                    ),
                    (
                        Flag(
                            "duration",
                            {"en": "--duration", "nl": "--duur"},
                            DURATION,
                            {"en": "<3h>", "nl": "<3h>"},
                        ),
                        Flag(
                            "kind",
                            {"en": "--kind", "nl": "--soort"},
                            KIND,
                            {
                                "en": "<tabletop|technical|live>",
                                "nl": "<tafeloefening|technisch|live>",
                            },
                        ),
                        Flag(
                            "notes",
                            {"en": "--why", "nl": "--waarom"},
                            TEXT,
                            {"en": "<notes>", "nl": "<toelichting>"},
                            required=True,
                        ),
                    ),
                ),
                handler=tested,
            ),
            Command(
                name="improved",
                alias="verbeterd",
                summary={
                    "en": "mark a fallback's improvement actions done",
                    "nl": "verbeteracties van een terugvaloptie afronden",
                },
                readme="mark every open improvement action of a fallback option done (in the "
                "situation's log when opened there), by the fallback's owner, the action's "
                "owner or a coordinator; the board's fallback report lists the open ones",
                spec=Spec((FALLBACK_KEY,)),
                handler=improved,
            ),
        ),
    ),
]
