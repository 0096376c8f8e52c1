"""How playbook runs read in chat: step lines, decisions, and what is due now."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.commands.context import CommandContext
from bot.playbooks.engine import (
    OPEN_STEP_STATUSES,
    DecisionStatus,
    DecisionView,
    StepDone,
    StepSkipped,
    StepStatus,
    StepView,
)
from bot.playbooks.runs import Run
from bot.situations.roles import Holders

# "Due now" leaves out steps due later than this, and lists at most this many steps, so
# an answer after a change stays readable on a phone (about 15 lines).
DUE_HORIZON = timedelta(days=3)
DUE_STEPS = 6
# Steps that still have to happen: counted as waiting when "due now" does not list them.
UNSETTLED_STEP_STATUSES = frozenset({StepStatus.PENDING, StepStatus.BLOCKED, StepStatus.ACTIVE})


def owner_text(role: str, holders: Holders) -> str:
    """The owning role with the people holding it, e.g. ``comms (@bob:example.org)``."""
    people = holders.get(role)
    return f"{role} ({', '.join(people)})" if people else role


def run_header(context: CommandContext, run: Run) -> str:
    """``Playbook 2: <title> (version 1.0), started <time>``."""
    return context.text(
        "run.header",
        number=run.number,
        title=run.playbook.title.get(context.lang),
        version=run.playbook.version,
        started=context.time(run.state.started_at),
    )


def step_line(context: CommandContext, view: StepView, holders: Holders, now: datetime) -> str:
    """One step with status, owner, deadline, and how it ended or what it waits for."""
    extra = ""
    settled = view.settled_by
    if isinstance(settled, StepDone):
        time = context.time(settled.at)
        extra = context.text("run.done_at", time=time, actor=settled.actor)
    elif isinstance(settled, StepSkipped):
        extra = context.text("run.skipped_because", actor=settled.actor, reason=settled.reason)
    elif view.waiting_for is not None:
        extra = context.text(f"run.waits_for_{view.waiting_for.kind}", id=view.waiting_for.id)
    if view.overdue(now):
        extra += context.text("run.overdue")
    return context.text(
        "run.step_line",
        number=view.number,
        status=context.text(f"step.status.{view.status.value}"),
        title=view.step.title.get(context.lang),
        owner=owner_text(view.step.owner, holders),
        due=context.time(view.due, relative=True),
        extra=extra,
    )


def checklist_lines(context: CommandContext, view: StepView) -> list[str]:
    """The step's checklist, ticked items marked."""
    return [
        context.text(
            "run.checklist_item",
            mark="x" if index in view.checked else " ",
            item=index + 1,
            text=item.get(context.lang),
        )
        for index, item in enumerate(view.step.checklist)
    ]


def decision_lines(
    context: CommandContext, view: DecisionView, holders: Holders, full_options: bool
) -> list[str]:
    """A decision point with its status, who decides, and its options or the choice.

    ``full_options`` gives each option a line with its consequences (``!steps``);
    otherwise one line names the options and how to choose.
    """
    decision = view.decision
    due = (
        ""
        if view.due is None
        else context.text("run.decision_due", due=context.time(view.due, relative=True))
    )
    lines = [
        context.text(
            "run.decision_line",
            id=decision.id,
            status=context.text(f"decision.status.{view.status.value}"),
            role=owner_text(decision.decided_by, holders),
            due=due,
            question=decision.question.get(context.lang),
        )
    ]
    if view.chosen is not None:
        lines.append(
            context.text("run.chosen", option=view.chosen.option_id, actor=view.chosen.actor)
        )
    elif not full_options:
        lines.append(
            context.text(
                "run.options",
                id=decision.id,
                options=[option.id for option in decision.options],
            )
        )
    elif view.status == DecisionStatus.OPEN:
        lines.extend(
            context.text(
                "run.option_line",
                id=option.id,
                label=option.label.get(context.lang),
                consequences=option.consequences.get(context.lang),
            )
            for option in decision.options
        )
    return lines


def full_run(context: CommandContext, run: Run, holders: Holders, now: datetime) -> list[str]:
    """Every step and decision of a run (``!steps``)."""
    lines = [run_header(context, run)]
    for view in run.state.steps():
        lines.append(step_line(context, view, holders, now))
        if view.status in OPEN_STEP_STATUSES:
            lines.extend(checklist_lines(context, view))
    for point in run.state.decisions():
        lines.extend(decision_lines(context, point, holders, full_options=True))
    if run.state.complete:
        lines.append(context.text("run.complete"))
    return lines


def due_now(context: CommandContext, run: Run, holders: Holders, now: datetime) -> list[str]:
    """What can be done now in a run, kept short for a phone; the whole list is ``!steps``.

    Only active steps due within ``DUE_HORIZON`` are listed (at most ``DUE_STEPS``, without
    checklists), then open decisions and the facts blocked steps need; one line counts the
    steps that wait (blocked, not started, due later or beyond the cut).
    """
    agenda = run.state.agenda()
    actionable = [
        view
        for view in agenda.steps
        if view.status == StepStatus.ACTIVE and view.due <= now + DUE_HORIZON
    ][:DUE_STEPS]
    unsettled = [view for view in run.state.steps() if view.status in UNSETTLED_STEP_STATUSES]
    waiting = len(unsettled) - len(actionable)
    if not (actionable or agenda.decisions or agenda.facts):
        lines = [context.text("run.nothing_due", number=run.number)]
    else:
        lines = [run_header(context, run)]
    lines.extend(step_line(context, view, holders, now) for view in actionable)
    for point in agenda.decisions:
        lines.extend(decision_lines(context, point, holders, full_options=False))
    facts = {fact.id: fact for fact in run.playbook.facts}
    for fact_id in agenda.facts:
        fact = facts[fact_id]
        expected = context.text("run.yes_no")
        if fact.type == "string":
            expected = "|".join(fact.choices) or "..."
        lines.append(
            context.text(
                "run.fact_needed",
                question=fact.question.get(context.lang),
                id=fact.id,
                expected=expected,
            )
        )
    if waiting:
        lines.append(context.text("run.waiting", count=waiting))
    return lines
