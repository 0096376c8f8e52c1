"""Walking a playbook in the incident room: start, steps, done/skip, check, next, choose, fact.

Steps are referred to by their number (as ``!steps`` shows them) or id; with several
playbooks running, the run's number goes in front: ``2.3`` is step 3 of playbook 2,
``2.fallback-or-wait`` a decision of playbook 2.
"""

from __future__ import annotations

from bot.commands.access import Role
from bot.commands.arguments import STEP, TEXT, WORD, Arg, Flag, Spec, StepRef, count
from bot.commands.context import CommandContext
from bot.commands.registry import Command, Scope
from bot.commands.run_views import due_now, full_run, owner_text
from bot.errors import PlaybookAlreadyRunning
from bot.playbooks.engine import parse_fact_value
from bot.playbooks.runs import Run

# Large enough for any run or checklist; a bigger number is a typing error.
MAX_NUMBER = 999
_STEP = Arg("reference", STEP, {"en": "<n>", "nl": "<n>"})


async def start(context: CommandContext, playbook_id: str, again: bool) -> None:
    """Start the named playbook in this room's situation and show what is due.

    A playbook with an unfinished run here is refused unless ``--again`` says a second
    run is meant (two runs of one playbook double every reminder).
    """
    services = context.services
    situation_id = context.incident.id
    if not again:
        for running in await services.playbook_runs.runs(situation_id):
            if running.playbook.id == playbook_id and not running.state.complete:
                raise PlaybookAlreadyRunning(playbook=playbook_id, number=running.number)
    run = await services.playbook_runs.start(situation_id, playbook_id, context.sender)
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


async def steps(context: CommandContext, run_number: int | None) -> None:
    """Every step of every run (or of run ``<n>``) with status, owner and deadline."""
    services = context.services
    situation_id = context.incident.id
    runs = await services.playbook_runs.runs(situation_id)
    if run_number is not None:
        runs = [await services.playbook_runs.pick(situation_id, run_number)]
    if not runs:
        await context.reply(context.text("run.none"))
        return
    holders = await services.roles.holders(situation_id)
    now = services.playbook_runs.clock.now()
    lines: list[str] = []
    for run in runs:
        lines.extend(full_run(context, run, holders, now))
    await context.reply("\n".join(lines))


async def next_due(context: CommandContext) -> None:
    """What is due now in each run under way, and who owns it."""
    services = context.services
    situation_id = context.incident.id
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


async def step_done(context: CommandContext, reference: StepRef, note: str | None) -> None:
    """``done <n> [note]``: mark a step done; unticked checklist items are named."""
    services = context.services
    situation_id = context.incident.id
    run, view = await services.playbook_runs.complete_step(
        situation_id, reference.run, reference.ref, context.sender, note or ""
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
    await _after_step(context, situation_id, run, lines)


async def step_skip(context: CommandContext, reference: StepRef, reason: str) -> None:
    """``skip <n> <reason>``: skip a step on purpose, logged as a deviation."""
    services = context.services
    situation_id = context.incident.id
    run, view = await services.playbook_runs.skip_step(
        situation_id, reference.run, reference.ref, context.sender, reason
    )
    lines = [
        context.text(
            "run.step_skipped",
            number=view.number,
            title=view.step.title.get(context.lang),
            actor=context.sender,
            reason=reason,
        )
    ]
    await _after_step(context, situation_id, run, lines)


async def _after_step(
    context: CommandContext, situation_id: int, run: Run, lines: list[str]
) -> None:
    """Answer a settled step with ``lines`` and what is due now; refresh the summary."""
    services = context.services
    holders = await services.roles.holders(situation_id)
    lines.extend(due_now(context, run, holders, services.playbook_runs.clock.now()))
    await context.reply("\n".join(lines))


async def check(context: CommandContext, reference: StepRef, item: int) -> None:
    """Tick checklist item ``<item>`` of step ``<n>``."""
    services = context.services
    situation_id = context.incident.id
    _run, view = await services.playbook_runs.check_item(
        situation_id, reference.run, reference.ref, item, context.sender
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


async def choose(
    context: CommandContext, decision_ref: StepRef, option_id: str, rationale: str
) -> None:
    """Decide ``<decision> <option> --why <rationale>``: logs the decision, opens the branch."""
    services = context.services
    situation_id = context.incident.id
    run, entry, opened = await services.playbook_runs.choose(
        situation_id, decision_ref.run, decision_ref.ref, option_id, context.sender, rationale
    )
    decision = run.playbook.get_decision(decision_ref.ref)
    option = next(option for option in decision.options if option.id == option_id)
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


async def fact(context: CommandContext, fact_ref: StepRef, value: str) -> None:
    """Record ``<fact> <value>`` that conditions of steps depend on."""
    fact_id = fact_ref.ref
    services = context.services
    situation_id = context.incident.id
    run = await services.playbook_runs.pick(situation_id, fact_ref.run)
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


COMMANDS = [
    Command(
        name="playbook",
        alias="draaiboek",
        summary={
            "en": "start a playbook in this incident room and show what is due",
            "nl": "een draaiboek starten in deze crisisruimte en tonen wat nu moet",
        },
        scope=Scope.INCIDENT_ROOM,
        children=(
            Command(
                name="start",
                alias="start",
                summary={
                    "en": "start a playbook in this incident room and show what is due",
                    "nl": "een draaiboek starten in deze crisisruimte en tonen wat nu moet",
                },
                handler=start,
                spec=Spec(
                    (Arg("playbook_id", WORD, {"en": "<playbook-id>", "nl": "<draaiboek-id>"}),),
                    (Flag("again", {"en": "--again", "nl": "--opnieuw"}),),
                ),
                readme="in an incident room: start a playbook and show what is due now; a "
                "playbook that already runs there is refused unless `--again` asks for a "
                "second run",
            ),
        ),
    ),
    Command(
        name="steps",
        alias="stappen",
        spec=Spec(
            (
                Arg(
                    "run_number",
                    count(1, MAX_NUMBER),
                    {"en": "playbook-number", "nl": "draaiboeknummer"},
                    optional=True,
                ),
            )
        ),
        summary={
            "en": "all steps with status, owner and deadline",
            "nl": "alle stappen met status, eigenaar en deadline",
        },
        handler=steps,
        role=Role.OBSERVER,
        scope=Scope.INCIDENT_ROOM,
        readme="every step of every running playbook (or of playbook n): status, owner (and "
        "who holds that role), deadline, checklist, decisions",
    ),
    Command(
        name="next",
        alias="volgende",
        summary={
            "en": "what is due now and who owns it",
            "nl": "wat nu moet en wie eigenaar is",
        },
        handler=next_due,
        role=Role.OBSERVER,
        scope=Scope.INCIDENT_ROOM,
        readme="what is due now in each playbook (active steps due within three days, at most "
        "six, without checklists) and who owns it; open decisions with their option ids; facts "
        "the bot needs; how many more steps wait. `!step done`/`skip` and `!fact` answer with "
        "the same short view",
    ),
    Command(
        name="step",
        alias="stap",
        summary={
            "en": "mark a step done, or skip it with a reason",
            "nl": "een stap afronden, of overslaan met een reden",
        },
        scope=Scope.INCIDENT_ROOM,
        children=(
            Command(
                name="done",
                alias="klaar",
                summary={"en": "mark a step done", "nl": "een stap afronden"},
                handler=step_done,
                spec=Spec(
                    (_STEP, Arg("note", TEXT, {"en": "note", "nl": "notitie"}, optional=True))
                ),
                readme="mark step n done (number or step id; `2.3` = step 3 of playbook 2 when "
                "several run)",
            ),
            Command(
                name="skip",
                alias="overslaan",
                summary={
                    "en": "skip a step on purpose, with a reason",
                    "nl": "een stap bewust overslaan, met een reden",
                },
                handler=step_skip,
                spec=Spec((_STEP, Arg("reason", TEXT, {"en": "<reason>", "nl": "<reden>"}))),
                readme="skip a step on purpose; the reason is logged as a deviation",
            ),
        ),
    ),
    Command(
        name="check",
        alias="vink",
        spec=Spec((_STEP, Arg("item", count(1, MAX_NUMBER), {"en": "<item>", "nl": "<punt>"}))),
        summary={
            "en": "check an item of a step's checklist",
            "nl": "een punt van de checklist van een stap afvinken",
        },
        handler=check,
        scope=Scope.INCIDENT_ROOM,
        readme="tick checklist item of step n",
    ),
    Command(
        name="choose",
        alias="kies",
        spec=Spec(
            (
                Arg("decision_ref", STEP, {"en": "<decision>", "nl": "<beslispunt>"}),
                Arg("option_id", WORD, {"en": "<option>", "nl": "<optie>"}),
            ),
            (
                Flag(
                    "rationale",
                    {"en": "--why", "nl": "--waarom"},
                    TEXT,
                    {"en": "<rationale>", "nl": "<reden>"},
                    required=True,
                ),
            ),
        ),
        summary={
            "en": "decide a playbook decision point; opens the branch of the option",
            "nl": "een beslispunt van het draaiboek besluiten; opent de vervolgstappen",
        },
        handler=choose,
        scope=Scope.INCIDENT_ROOM,
        readme="decide a playbook decision point: recorded as a decision with every option, "
        "opens the option's branch steps; only whoever holds the point's deciding role, or the "
        "incident coordinator, may decide (anyone while neither is appointed)",
    ),
    Command(
        name="fact",
        alias="feit",
        spec=Spec(
            (
                Arg("fact_ref", STEP, {"en": "<fact>", "nl": "<feit>"}),
                Arg("value", TEXT, {"en": "<value>", "nl": "<waarde>"}),
            )
        ),
        summary={
            "en": "record a fact that decides whether steps apply",
            "nl": "een feit vastleggen dat bepaalt of stappen van toepassing zijn",
        },
        handler=fact,
        scope=Scope.INCIDENT_ROOM,
        readme="record a fact a step's condition needs (`ja`/`nee`, `yes`/`no`, or one of the "
        "choices)",
    ),
]
