"""Rules that span fields of a playbook: references, duplicate ids, cycles and time limits.

Field types are checked by the pydantic models; these checks run once those pass, and return
every problem found with the path of the field at fault.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from bot.playbooks.durations import format_deadline
from bot.yamlfiles.paths import FieldPath, format_path

if TYPE_CHECKING:
    from bot.playbooks.schema import LegalClock, Playbook

LEGAL_CLOCK_LIMITS: Mapping[LegalClock, timedelta] = {
    "nis2_early_warning": timedelta(hours=24),
    "nis2_notification": timedelta(hours=72),
    # Due one month after the notification. The notification is sent after activation and no
    # month is shorter than 28 days, so a step due by T+28d can never be late.
    "nis2_final_report": timedelta(days=28),
    "gdpr_breach_notification": timedelta(hours=72),
}
"""The latest deadline a step with that legal clock may have."""

# A node of the dependency graph: ("step" | "decision", id).
_Node = tuple[str, str]


@dataclass(frozen=True)
class ConsistencyIssue:
    """One broken rule, at the path of the field that breaks it."""

    loc: FieldPath
    message: str


def consistency_issues(playbook: Playbook) -> list[ConsistencyIssue]:
    """Every cross-field problem in ``playbook``, in a stable order."""
    issues = [
        *_duplicate_ids(playbook),
        *_role_references(playbook),
        *_fact_references(playbook),
        *_fallback_references(playbook),
        *_step_and_decision_references(playbook),
        *_start_of_playbook(playbook),
        *_time_limits(playbook),
        *_fallback_test_records(playbook),
    ]
    if not issues:
        # Cycle search assumes every reference resolves.
        issues.extend(_cycles(playbook))
    return issues


def _duplicates(kind: str, entries: Iterable[tuple[FieldPath, str]]) -> Iterator[ConsistencyIssue]:
    first: dict[str, FieldPath] = {}
    for loc, ident in entries:
        if ident in first:
            yield ConsistencyIssue(
                loc, f"duplicate {kind} id {ident!r} (first used at {format_path(first[ident])})"
            )
        else:
            first[ident] = loc


def _duplicate_ids(pb: Playbook) -> Iterator[ConsistencyIssue]:
    yield from _duplicates("role", ((("roles", i, "id"), r.id) for i, r in enumerate(pb.roles)))
    yield from _duplicates("fact", ((("facts", i, "id"), f.id) for i, f in enumerate(pb.facts)))
    yield from _duplicates(
        "fallback option",
        ((("fallback_options", i, "id"), f.id) for i, f in enumerate(pb.fallback_options)),
    )
    yield from _duplicates("step", ((("steps", i, "id"), s.id) for i, s in enumerate(pb.steps)))
    yield from _duplicates(
        "decision", ((("decisions", i, "id"), d.id) for i, d in enumerate(pb.decisions))
    )
    yield from _duplicates(
        "template",
        (
            (("steps", i, "templates", j, "id"), t.id)
            for i, s in enumerate(pb.steps)
            for j, t in enumerate(s.templates)
        ),
    )
    for i, decision in enumerate(pb.decisions):
        yield from _duplicates(
            "option",
            ((("decisions", i, "options", j, "id"), o.id) for j, o in enumerate(decision.options)),
        )


def _unknown(kind: str, ident: str, declared: Iterable[str]) -> str:
    # dict.fromkeys: a duplicate id (reported on its own) should not be listed twice here.
    names = ", ".join(dict.fromkeys(declared)) or "none"
    return f"unknown {kind} {ident!r} (declared {kind}s: {names})"


def _role_references(pb: Playbook) -> Iterator[ConsistencyIssue]:
    roles = [r.id for r in pb.roles]
    for i, step in enumerate(pb.steps):
        if step.owner not in roles:
            yield ConsistencyIssue(("steps", i, "owner"), _unknown("role", step.owner, roles))
    for i, decision in enumerate(pb.decisions):
        if decision.decided_by not in roles:
            yield ConsistencyIssue(
                ("decisions", i, "decided_by"), _unknown("role", decision.decided_by, roles)
            )


def _fact_references(pb: Playbook) -> Iterator[ConsistencyIssue]:
    facts = {f.id: f for f in pb.facts}
    for i, declared in enumerate(pb.facts):
        if declared.choices and declared.type != "string":
            yield ConsistencyIssue(("facts", i, "choices"), "only string facts can have choices")
    for i, step in enumerate(pb.steps):
        condition = step.condition
        if condition is None:
            continue
        loc: FieldPath = ("steps", i, "condition")
        fact = facts.get(condition.fact)
        if fact is None:
            yield ConsistencyIssue((*loc, "fact"), _unknown("fact", condition.fact, facts))
        elif fact.type == "boolean" and not isinstance(condition.equals, bool):
            yield ConsistencyIssue(
                (*loc, "equals"), f"fact {fact.id!r} is boolean: compare it with true or false"
            )
        elif fact.type == "string" and not isinstance(condition.equals, str):
            yield ConsistencyIssue(
                (*loc, "equals"), f"fact {fact.id!r} is a string: compare it with text"
            )
        elif fact.choices and condition.equals not in fact.choices:
            yield ConsistencyIssue(
                (*loc, "equals"),
                f"{condition.equals!r} is not a choice of fact {fact.id!r} "
                f"(choices: {', '.join(fact.choices)})",
            )


def _fallback_references(pb: Playbook) -> Iterator[ConsistencyIssue]:
    fallbacks = [f.id for f in pb.fallback_options]
    for i, step in enumerate(pb.steps):
        for j, ident in enumerate(step.fallbacks):
            if ident not in fallbacks:
                yield ConsistencyIssue(
                    ("steps", i, "fallbacks", j), _unknown("fallback option", ident, fallbacks)
                )


def _step_and_decision_references(pb: Playbook) -> Iterator[ConsistencyIssue]:
    steps = [s.id for s in pb.steps]
    decisions = {d.id: d for d in pb.decisions}
    for i, decision in enumerate(pb.decisions):
        if decision.after_step is not None and decision.after_step not in steps:
            yield ConsistencyIssue(
                ("decisions", i, "after_step"), _unknown("step", decision.after_step, steps)
            )
        for j, option in enumerate(decision.options):
            for k, ident in enumerate(option.next_steps):
                if ident not in steps:
                    yield ConsistencyIssue(
                        ("decisions", i, "options", j, "next_steps", k),
                        _unknown("step", ident, steps),
                    )
    for i, step in enumerate(pb.steps):
        if step.requires_decision is None:
            if step.requires_option is not None:
                yield ConsistencyIssue(
                    ("steps", i, "requires_option"), "requires_option needs requires_decision"
                )
            continue
        required = decisions.get(step.requires_decision)
        if required is None:
            yield ConsistencyIssue(
                ("steps", i, "requires_decision"),
                _unknown("decision", step.requires_decision, decisions),
            )
        elif step.requires_option is not None and step.requires_option not in (
            options := [o.id for o in required.options]
        ):
            yield ConsistencyIssue(
                ("steps", i, "requires_option"),
                f"decision {required.id!r} has no option {step.requires_option!r} "
                f"(options: {', '.join(options)})",
            )


def _start_of_playbook(pb: Playbook) -> Iterator[ConsistencyIssue]:
    first = pb.steps[0]
    if first.id in pb.branch_step_ids():
        yield ConsistencyIssue(
            ("steps", 0, "id"),
            f"the first step {first.id!r} is where the playbook starts, so no decision option "
            "may list it in next_steps",
        )
    if first.requires_decision is not None:
        yield ConsistencyIssue(
            ("steps", 0, "requires_decision"),
            f"the first step {first.id!r} is where the playbook starts and cannot wait for a "
            "decision",
        )


def _time_limits(pb: Playbook) -> Iterator[ConsistencyIssue]:
    targets = pb.recovery_targets
    if targets.rto > targets.max_tolerable_outage:
        yield ConsistencyIssue(
            ("recovery_targets", "rto"),
            "the recovery time objective exceeds the maximum tolerable outage",
        )
    for i, step in enumerate(pb.steps):
        if step.legal_clock is None:
            continue
        limit = LEGAL_CLOCK_LIMITS[step.legal_clock]
        if step.deadline > limit:
            yield ConsistencyIssue(
                ("steps", i, "deadline"),
                f"{format_deadline(step.deadline)} is later than the legal limit "
                f"{format_deadline(limit)} for {step.legal_clock}",
            )


def _fallback_test_records(pb: Playbook) -> Iterator[ConsistencyIssue]:
    for i, option in enumerate(pb.fallback_options):
        never_tested = option.last_tested is None
        if never_tested != (option.test_result == "not_tested"):
            yield ConsistencyIssue(
                ("fallback_options", i, "test_result"),
                "test_result must be 'not_tested' exactly when last_tested is null",
            )


def _cycles(pb: Playbook) -> Iterator[ConsistencyIssue]:
    """Report each dependency cycle once, at the reference that closes it."""
    # An edge A -> B means A must happen before B can become active.
    edges: dict[_Node, list[tuple[_Node, FieldPath]]] = {}
    for i, decision in enumerate(pb.decisions):
        node = ("decision", decision.id)
        if decision.after_step is not None:
            edges.setdefault(("step", decision.after_step), []).append(
                (node, ("decisions", i, "after_step"))
            )
        for j, option in enumerate(decision.options):
            for k, ident in enumerate(option.next_steps):
                edges.setdefault(node, []).append(
                    (("step", ident), ("decisions", i, "options", j, "next_steps", k))
                )
    for i, step in enumerate(pb.steps):
        if step.requires_decision is not None:
            edges.setdefault(("decision", step.requires_decision), []).append(
                (("step", step.id), ("steps", i, "requires_decision"))
            )

    # Iterative depth-first search: a long chain of steps must not hit the recursion limit.
    finished: set[_Node] = set()
    roots = [("step", s.id) for s in pb.steps] + [("decision", d.id) for d in pb.decisions]
    for root in roots:
        if root in finished:
            continue
        path = [root]
        pending = [iter(edges.get(root, []))]
        while pending:
            for target, loc in pending[-1]:
                if target in path:
                    cycle = [*path[path.index(target) :], target]
                    yield ConsistencyIssue(
                        loc, "cycle: " + " -> ".join(f"{kind} {ident!r}" for kind, ident in cycle)
                    )
                elif target not in finished:
                    path.append(target)
                    pending.append(iter(edges.get(target, [])))
                    break
            else:
                finished.add(path.pop())
                pending.pop()
