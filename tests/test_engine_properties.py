"""The playbook engine under generated playbooks and command sequences (hypothesis).

Every generated playbook is valid (it passes the same model and consistency checks as a
YAML file). Whatever people type, the engine either moves to a state that satisfies every
invariant below or refuses with a RunRefused error and stays where it was; from any state
that is not complete there is something someone can do; and replaying the accepted events
rebuilds the same state.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.errors import RunRefused
from bot.playbooks.engine import (
    OPEN_STEP_STATUSES,
    SETTLED_STEP_STATUSES,
    DecisionStatus,
    FactSet,
    ItemChecked,
    OptionChosen,
    RunEvent,
    RunState,
    StepDone,
    StepSkipped,
    StepStatus,
)
from bot.playbooks.schema import Playbook

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
ACTOR = "@alice:test"
FACT_VALUES: list[bool | str] = [True, False, "local", "national", "bogus"]


def _text(word: str) -> dict[str, str]:
    return {"nl": word, "en": word}


@st.composite
def playbooks(draw: st.DrawFn) -> Playbook:
    """A valid playbook: steps and decisions in a random order where every reference points
    forward (after_step to an earlier step, next_steps and requires_decision to later steps),
    so there can be no cycle; the first step is on the main line."""
    step_ids = [f"s{i}" for i in range(draw(st.integers(1, 8)))]
    decision_ids = [f"d{j}" for j in range(draw(st.integers(0, 3)))]
    order = [step_ids[0], *draw(st.permutations(step_ids[1:] + decision_ids))]
    position = {node: index for index, node in enumerate(order)}
    conditions = [
        None,
        {"fact": "vital", "equals": True},
        {"fact": "vital", "equals": False},
        {"fact": "scope", "equals": "local"},
    ]
    decisions: list[dict[str, Any]] = []
    for decision_id in decision_ids:
        earlier = [s for s in step_ids if position[s] < position[decision_id]]
        later = [s for s in step_ids[1:] if position[s] > position[decision_id]]
        decisions.append(
            {
                "id": decision_id,
                "question": _text(f"question {decision_id}?"),
                "decided_by": "coordinator",
                "after_step": draw(st.sampled_from([None, *earlier])),
                "deadline": draw(st.sampled_from([None, "T+30m", "T+4h"])),
                "options": [
                    {
                        "id": f"o{k}",
                        "label": _text(f"option {k}"),
                        "consequences": _text("-"),
                        "next_steps": draw(
                            st.lists(st.sampled_from(later), unique=True, max_size=3)
                            if later
                            else st.just([])
                        ),
                    }
                    for k in range(draw(st.integers(2, 3)))
                ],
            }
        )
    steps: list[dict[str, Any]] = []
    for index, step_id in enumerate(step_ids):
        earlier_decisions = [d for d in decisions if position[d["id"]] < position[step_id]]
        required = (
            draw(st.sampled_from([None, *earlier_decisions]))
            if index > 0 and earlier_decisions
            else None
        )
        step: dict[str, Any] = {
            "id": step_id,
            "title": _text(f"step {step_id}"),
            "owner": draw(st.sampled_from(["coordinator", "comms"])),
            "deadline": f"T+{draw(st.integers(0, 600))}m",
            "checklist": [_text(f"item {i}") for i in range(draw(st.integers(0, 3)))],
            "condition": draw(st.sampled_from(conditions)),
        }
        if required is not None:
            step["requires_decision"] = required["id"]
            step["requires_option"] = draw(
                st.sampled_from([None, *(option["id"] for option in required["options"])])
            )
        steps.append(step)
    return Playbook.model_validate(
        {
            "id": "generated",
            "version": "1",
            "title": _text("generated"),
            "scenario": _text("generated"),
            "triggers": [{"description": _text("anything")}],
            "roles": [
                {"id": "coordinator", "name": _text("coordinator")},
                {"id": "comms", "name": _text("comms")},
            ],
            "facts": [
                {"id": "vital", "type": "boolean", "question": _text("vital?")},
                {
                    "id": "scope",
                    "type": "string",
                    "question": _text("scope?"),
                    "choices": ["local", "national"],
                },
            ],
            "recovery_targets": {
                "max_tolerable_outage": "3d",
                "rto": "1d",
                "rpo": "4h",
                "minimum_service_level": _text("-"),
            },
            "decisions": decisions,
            "steps": steps,
        }
    )


# A command as typed: (kind, index, second index); indexes may point past the end on purpose.
commands = st.lists(
    st.tuples(
        st.sampled_from(["done", "skip", "check", "choose", "fact"]),
        st.integers(0, 9),
        st.integers(-1, 4),
    ),
    max_size=40,
)


def event_for(playbook: Playbook, command: tuple[str, int, int], minute: int) -> RunEvent:
    kind, first, second = command
    at = T0 + timedelta(minutes=minute)
    steps = [step.id for step in playbook.steps] + ["no-such-step"]
    step_id = steps[min(first, len(steps) - 1)]
    if kind == "done":
        return StepDone(step_id, ACTOR, at, "note")
    if kind == "skip":
        return StepSkipped(step_id, ACTOR, at, "reason")
    if kind == "check":
        return ItemChecked(step_id, second, ACTOR, at)
    if kind == "choose":
        decisions = [decision.id for decision in playbook.decisions] + ["no-such-decision"]
        return OptionChosen(decisions[min(first, len(decisions) - 1)], f"o{second}", ACTOR, at)
    return FactSet(
        ["vital", "scope", "nope"][first % 3], FACT_VALUES[second % len(FACT_VALUES)], ACTOR, at
    )


def snapshot(state: RunState) -> tuple[object, ...]:
    return (tuple(state.steps()), tuple(state.decisions()), tuple(sorted(state.facts.items())))


def check_invariants(state: RunState) -> None:
    playbook = state.playbook
    decisions = {point.decision.id: point for point in state.decisions()}
    for point in decisions.values():
        assert (point.status == DecisionStatus.DECIDED) == (point.chosen is not None)
        if point.chosen is not None:
            assert point.chosen.option_id in {option.id for option in point.decision.options}
    opened = {
        step_id
        for point in decisions.values()
        if point.chosen is not None
        for option in point.decision.options
        if option.id == point.chosen.option_id
        for step_id in option.next_steps
    }
    branch = playbook.branch_step_ids()
    for view in state.steps():
        step = view.step
        assert (view.status == StepStatus.DONE) == isinstance(view.settled_by, StepDone)
        assert (view.status == StepStatus.SKIPPED) == isinstance(view.settled_by, StepSkipped)
        assert (view.status == StepStatus.BLOCKED) == (view.waiting_for is not None)
        assert all(0 <= item < len(step.checklist) for item in view.checked)
        assert view.due == T0 + step.deadline
        worked_on = view.status in (StepStatus.ACTIVE, StepStatus.BLOCKED, StepStatus.SKIPPED)
        if step.id in branch and (worked_on or view.status == StepStatus.DONE):
            assert step.id in opened, f"{step.id} is {view.status} but no option opened it"
        if view.status in (StepStatus.ACTIVE, StepStatus.DONE):
            if step.requires_decision is not None:
                chosen = decisions[step.requires_decision].chosen
                assert chosen is not None
                assert step.requires_option in (None, chosen.option_id)
            if step.condition is not None:
                assert step.condition.holds(state.facts) is True
    if not state.complete:
        agenda = state.agenda()
        assert agenda.steps or agenda.decisions, "deadlock: not complete, nothing to do"


@settings(max_examples=300, deadline=None)
@given(playbook=playbooks(), typed=commands)
def test_any_command_sequence_keeps_the_run_valid(
    playbook: Playbook, typed: list[tuple[str, int, int]]
) -> None:
    state = RunState(playbook, T0)
    check_invariants(state)
    accepted: list[RunEvent] = []
    for minute, command in enumerate(typed):
        event = event_for(playbook, command, minute)
        before = snapshot(state)
        try:
            following = state.apply(event)
        except RunRefused:
            assert snapshot(state) == before  # a refusal changes nothing
            continue
        # Settled steps stay settled, with the same outcome.
        for old, new in zip(state.steps(), following.steps(), strict=True):
            if old.status in SETTLED_STEP_STATUSES:
                assert new.status == old.status
        state = following
        accepted.append(event)
        check_invariants(state)
    assert snapshot(RunState.replay(playbook, T0, accepted)) == snapshot(state)


@settings(max_examples=200, deadline=None)
@given(playbook=playbooks(), data=st.data())
def test_doing_what_the_agenda_asks_always_completes_the_run(
    playbook: Playbook, data: st.DataObject
) -> None:
    state = RunState(playbook, T0)
    fact_values: dict[str, list[bool | str]] = {
        "vital": [True, False],
        "scope": ["local", "national"],
    }
    for minute in range(4 * (len(playbook.steps) + len(playbook.decisions)) + 4):
        if state.complete:
            break
        agenda = state.agenda()
        at = T0 + timedelta(minutes=minute)
        choices: list[RunEvent] = []
        for view in agenda.steps:
            choices.append(StepSkipped(view.step.id, ACTOR, at, "not needed"))
            if view.status == StepStatus.ACTIVE:
                choices.append(StepDone(view.step.id, ACTOR, at))
        for decision in agenda.decisions:
            for option in decision.decision.options:
                choices.append(OptionChosen(decision.decision.id, option.id, ACTOR, at))
        for fact in agenda.facts:
            choices.extend(FactSet(fact, value, ACTOR, at) for value in fact_values[fact])
        state = state.apply(data.draw(st.sampled_from(choices)))
        check_invariants(state)
    assert state.complete
    assert not any(view.status in OPEN_STEP_STATUSES for view in state.steps())
