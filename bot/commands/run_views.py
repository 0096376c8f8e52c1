"""How playbook runs read in chat: step lines, decisions, and what is due now."""

from __future__ import annotations

from datetime import datetime

from bot.commands.context import CommandContext
from bot.playbooks.engine import OPEN_STEP_STATUSES, DecisionView, StepDone, StepSkipped, StepView
from bot.playbooks.runs import Run
from bot.situations.roles import Holders


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
    context: CommandContext, view: DecisionView, holders: Holders, with_options: bool
) -> list[str]:
    """A decision point with its status, who decides, and its options or the choice."""
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
    elif with_options:
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
        lines.extend(decision_lines(context, point, holders, with_options=False))
    if run.state.complete:
        lines.append(context.text("run.complete"))
    return lines


def agenda(context: CommandContext, run: Run, holders: Holders, now: datetime) -> list[str]:
    """What is due now in a run and who owns it (``!next``)."""
    due = run.state.agenda()
    if not (due.steps or due.decisions):
        return [context.text("run.nothing_due", number=run.number)]
    lines = [run_header(context, run)]
    for view in due.steps:
        lines.append(step_line(context, view, holders, now))
        lines.extend(checklist_lines(context, view))
    for point in due.decisions:
        lines.extend(decision_lines(context, point, holders, with_options=True))
    facts = {fact.id: fact for fact in run.playbook.facts}
    for fact_id in due.facts:
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
    return lines
