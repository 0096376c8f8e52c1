"""Walking a playbook in the incident room: start, steps, done/skip, check, next, choose, fact.

Steps are referred to by their number (as ``!steps`` shows them) or id; with several
playbooks running, the run's number goes in front: ``2.3`` is step 3 of playbook 2,
``2.fallback-or-wait`` a decision of playbook 2.
"""

from __future__ import annotations

import re

from bot.commands.access import Role
from bot.commands.context import CommandContext
from bot.commands.registry import Command, UsageError, split_option, split_words
from bot.commands.run_views import due_now, full_run, owner_text
from bot.errors import PlaybookAlreadyRunning
from bot.matrix.summary import refresh_summary
from bot.playbooks.engine import parse_fact_value

_RUN_PREFIX = re.compile(r"(\d+)\.(.+)")
_AGAIN = frozenset({"--again", "--opnieuw"})


def split_run(reference: str) -> tuple[int | None, str]:
    """``2.3`` -> (2, "3"); ``3`` -> (None, "3")."""
    match = _RUN_PREFIX.fullmatch(reference)
    if match is None:
        return None, reference
    return int(match.group(1)), match.group(2)


async def _situation_id(context: CommandContext) -> int:
    situation = await context.services.situations.by_incident_room(context.room_id)
    return situation.id


async def playbook(context: CommandContext, arguments: str) -> None:
    """Start the named playbook in this room's situation and show what is due.

    A playbook with an unfinished run here is refused unless ``--again`` says a second
    run is meant (two runs of one playbook double every reminder).
    """
    words = split_words(arguments)
    again = [word for word in words if word in _AGAIN]
    words = [word for word in words if word not in _AGAIN]
    if len(words) != 2 or words[0] != "start":
        raise UsageError()
    services = context.services
    situation_id = await _situation_id(context)
    if not again:
        for running in await services.playbook_runs.runs(situation_id):
            if running.playbook.id == words[1] and not running.state.complete:
                raise PlaybookAlreadyRunning(playbook=words[1], number=running.number)
    run = await services.playbook_runs.start(situation_id, words[1], context.sender)
    holders = await services.roles.holders(situation_id)
    lines = [
        context.text(
            "playbook.started",
            title=run.playbook.title.get(context.lang),
            version=run.playbook.version,
            actor=context.sender,
        ),
        *due_now(context, run, holders, run.state.started_at)[1:],
    ]
    await context.reply("\n".join(lines))
    await refresh_summary(services, situation_id)


async def steps(context: CommandContext, arguments: str) -> None:
    """Every step of every run (or of run ``<n>``) with status, owner and deadline."""
    words = split_words(arguments)
    if len(words) > 1 or (words and not words[0].isdigit()):
        raise UsageError()
    services = context.services
    situation_id = await _situation_id(context)
    runs = await services.playbook_runs.runs(situation_id)
    if words:
        runs = [await services.playbook_runs.pick(situation_id, int(words[0]))]
    if not runs:
        await context.reply(context.text("run.none"))
        return
    holders = await services.roles.holders(situation_id)
    now = services.playbook_runs.clock.now()
    lines: list[str] = []
    for run in runs:
        lines.extend(full_run(context, run, holders, now))
    await context.reply("\n".join(lines))


async def next_due(context: CommandContext, arguments: str) -> None:
    """What is due now in each run under way, and who owns it."""
    if arguments.strip():
        raise UsageError()
    services = context.services
    situation_id = await _situation_id(context)
    runs = await services.playbook_runs.runs(situation_id)
    if not runs:
        await context.reply(context.text("run.none"))
        return
    holders = await services.roles.holders(situation_id)
    now = services.playbook_runs.clock.now()
    lines = [context.text("run.next_header")]
    for run in runs:
        lines.extend(due_now(context, run, holders, now))
    await context.reply("\n".join(lines))


async def step(context: CommandContext, arguments: str) -> None:
    """``done <n> [note]`` or ``skip <n> <reason>``."""
    action, _, rest = arguments.strip().partition(" ")
    reference, _, text = rest.strip().partition(" ")
    text = text.strip()
    if not reference:
        raise UsageError()
    run_number, step_ref = split_run(reference)
    services = context.services
    situation_id = await _situation_id(context)
    if action in ("done", "klaar"):
        run, view = await services.playbook_runs.complete_step(
            situation_id, run_number, step_ref, context.sender, text
        )
        assert view.finished_at is not None
        lines = [
            context.text(
                "run.step_done",
                number=view.number,
                title=view.step.title.get(context.lang),
                actor=context.sender,
                time=context.time(view.finished_at),
            )
        ]
        unchecked = [str(i + 1) for i in range(len(view.step.checklist)) if i not in view.checked]
        if unchecked:
            lines.append(context.text("run.unchecked", items=unchecked))
    elif action in ("skip", "overslaan"):
        if not text:
            raise UsageError()
        run, view = await services.playbook_runs.skip_step(
            situation_id, run_number, step_ref, context.sender, text
        )
        lines = [
            context.text(
                "run.step_skipped",
                number=view.number,
                title=view.step.title.get(context.lang),
                actor=context.sender,
                reason=text,
            )
        ]
    else:
        raise UsageError()
    holders = await services.roles.holders(situation_id)
    lines.extend(due_now(context, run, holders, services.playbook_runs.clock.now()))
    await context.reply("\n".join(lines))
    await refresh_summary(services, situation_id)


async def check(context: CommandContext, arguments: str) -> None:
    """Tick checklist item ``<item>`` of step ``<n>``."""
    words = split_words(arguments)
    if len(words) != 2 or not words[1].isdigit():
        raise UsageError()
    run_number, step_ref = split_run(words[0])
    item = int(words[1])
    services = context.services
    situation_id = await _situation_id(context)
    _run, view = await services.playbook_runs.check_item(
        situation_id, run_number, step_ref, item, context.sender
    )
    await context.reply(
        context.text(
            "run.item_checked",
            number=view.number,
            item=item,
            text=view.step.checklist[item - 1].get(context.lang),
            done=len(view.checked),
            count=len(view.step.checklist),
        )
    )
    await refresh_summary(services, situation_id)


async def choose(context: CommandContext, arguments: str) -> None:
    """Decide ``<decision> <option> --why <rationale>``: logs the decision, opens the branch."""
    before, rationale = split_option(arguments, "--why", "--waarom")
    words = split_words(before)
    if len(words) != 2 or not rationale:
        raise UsageError()
    run_number, decision_id = split_run(words[0])
    services = context.services
    situation_id = await _situation_id(context)
    run, entry, opened = await services.playbook_runs.choose(
        situation_id, run_number, decision_id, words[1], context.sender, rationale
    )
    decision = run.playbook.get_decision(decision_id)
    option = next(option for option in decision.options if option.id == words[1])
    lines = [
        context.text(
            "run.option_chosen",
            decision=decision.question.get(context.lang),
            option=option.label.get(context.lang),
            seq=entry.seq,
            rationale=rationale,
        )
    ]
    if opened:
        holders = await services.roles.holders(situation_id)
        lines.append(
            context.text(
                "run.opened_steps",
                steps=[
                    f"{view.number}. {view.step.title.get(context.lang)} "
                    f"({owner_text(view.step.owner, holders)})"
                    for view in opened
                ],
            )
        )
    await context.reply("\n".join(lines))
    await refresh_summary(services, situation_id)


async def fact(context: CommandContext, arguments: str) -> None:
    """Record ``<fact> <value>`` that conditions of steps depend on."""
    reference, _, value = arguments.strip().partition(" ")
    if not reference or not value.strip():
        raise UsageError()
    run_number, fact_id = split_run(reference)
    services = context.services
    situation_id = await _situation_id(context)
    run = await services.playbook_runs.pick(situation_id, run_number)
    parsed = parse_fact_value(run.playbook, fact_id, value)
    run = await services.playbook_runs.set_fact(
        situation_id, run.number, fact_id, parsed, context.sender
    )
    holders = await services.roles.holders(situation_id)
    lines = [
        context.text("run.fact_set", id=fact_id, value=parsed, actor=context.sender),
        *due_now(context, run, holders, services.playbook_runs.clock.now()),
    ]
    await context.reply("\n".join(lines))
    await refresh_summary(services, situation_id)


COMMANDS = [
    Command(
        name="playbook",
        alias="draaiboek",
        usage={"en": "start <playbook-id> [--again]", "nl": "start <draaiboek-id> [--opnieuw]"},
        summary={
            "en": "start a playbook in this incident room and show what is due",
            "nl": "een draaiboek starten in deze crisisruimte en tonen wat nu moet",
        },
        handler=playbook,
    ),
    Command(
        name="steps",
        alias="stappen",
        usage={"en": "[playbook-number]", "nl": "[draaiboeknummer]"},
        summary={
            "en": "all steps with status, owner and deadline",
            "nl": "alle stappen met status, eigenaar en deadline",
        },
        handler=steps,
        role=Role.OBSERVER,
    ),
    Command(
        name="next",
        alias="volgende",
        usage={"en": "", "nl": ""},
        summary={
            "en": "what is due now and who owns it",
            "nl": "wat nu moet en wie eigenaar is",
        },
        handler=next_due,
        role=Role.OBSERVER,
    ),
    Command(
        name="step",
        alias="stap",
        usage={
            "en": "done <n> [note] | skip <n> <reason>",
            "nl": "klaar <n> [notitie] | overslaan <n> <reden>",
        },
        summary={
            "en": "mark a step done, or skip it with a reason",
            "nl": "een stap afronden, of overslaan met een reden",
        },
        handler=step,
    ),
    Command(
        name="check",
        alias="vink",
        usage={"en": "<n> <item>", "nl": "<n> <punt>"},
        summary={
            "en": "check an item of a step's checklist",
            "nl": "een punt van de checklist van een stap afvinken",
        },
        handler=check,
    ),
    Command(
        name="choose",
        alias="kies",
        usage={
            "en": "<decision> <option> --why <rationale>",
            "nl": "<beslispunt> <optie> --waarom <reden>",
        },
        summary={
            "en": "decide a playbook decision point; opens the branch of the option",
            "nl": "een beslispunt van het draaiboek besluiten; opent de vervolgstappen",
        },
        handler=choose,
    ),
    Command(
        name="fact",
        alias="feit",
        usage={"en": "<fact> <value>", "nl": "<feit> <waarde>"},
        summary={
            "en": "record a fact that decides whether steps apply",
            "nl": "een feit vastleggen dat bepaalt of stappen van toepassing zijn",
        },
        handler=fact,
    ),
]
