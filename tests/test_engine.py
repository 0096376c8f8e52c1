"""The playbook engine, directly: statuses, branches, conditions, deadlines and refusals."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.errors import (
    ChecklistItemAlreadyChecked,
    DecisionAlreadyTaken,
    DecisionNotApplicable,
    DecisionNotOpen,
    FactAlreadySet,
    InvalidFactValue,
    RunRefused,
    StepAlreadyDone,
    StepNotApplicable,
    StepNotOpen,
    StepWaitsForDecision,
    StepWaitsForFact,
    UnknownChecklistItem,
    UnknownDecision,
    UnknownFact,
    UnknownOption,
    UnknownStep,
)
from bot.playbooks.engine import (
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
from bot.playbooks.loader import load_playbook
from bot.playbooks.schema import Playbook
from tests.support.paths import PLAYBOOKS

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
ALICE = "@alice:test"


def example() -> Playbook:
    return load_playbook(PLAYBOOKS / "example-supplier-outage.yaml")


def statuses(state: RunState) -> dict[str, StepStatus]:
    return {view.step.id: view.status for view in state.steps()}


def at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


def test_a_fresh_run_has_its_main_line_active_and_branches_pending() -> None:
    state = RunState(example(), T0)

    assert statuses(state) == {
        "assess": StepStatus.ACTIVE,
        "inform-dependents": StepStatus.ACTIVE,
        "alert-sector": StepStatus.BLOCKED,
        "brief-board": StepStatus.BLOCKED,
        "activate-fallback": StepStatus.PENDING,
        "monitor-recovery": StepStatus.PENDING,
    }
    assert state.step("alert-sector").waiting_for is not None
    assert state.step("alert-sector").waiting_for.id == "vital_process_affected"  # type: ignore[union-attr]
    assert state.step("brief-board").waiting_for.kind == "decision"  # type: ignore[union-attr]
    assert state.decision("fallback-or-wait").status == DecisionStatus.WAITING
    assert state.step("assess").due == T0 + timedelta(hours=1)
    assert state.decision("fallback-or-wait").due == T0 + timedelta(hours=4)
    assert not state.complete


def test_agenda_lists_open_steps_by_deadline_and_facts_to_establish() -> None:
    agenda = RunState(example(), T0).agenda()

    assert [view.step.id for view in agenda.steps] == [
        "assess",
        "inform-dependents",
        "alert-sector",
        "brief-board",
    ]
    assert agenda.decisions == ()
    assert agenda.facts == ("vital_process_affected",)


def test_walking_the_fallback_branch_to_the_end() -> None:
    state = RunState(example(), T0)
    with pytest.raises(DecisionNotOpen):
        state.apply(OptionChosen("fallback-or-wait", "activate-fallback", ALICE, at(5)))

    state = state.apply(ItemChecked("assess", 0, ALICE, at(10)))
    state = state.apply(StepDone("assess", ALICE, at(70), note="confirmed"))
    assert state.decision("fallback-or-wait").status == DecisionStatus.OPEN
    assert [view.decision.id for view in state.agenda().decisions] == ["fallback-or-wait"]

    state = state.apply(OptionChosen("fallback-or-wait", "activate-fallback", ALICE, at(80)))
    assert statuses(state)["activate-fallback"] == StepStatus.ACTIVE
    assert statuses(state)["monitor-recovery"] == StepStatus.NOT_APPLICABLE
    assert statuses(state)["brief-board"] == StepStatus.ACTIVE

    state = state.apply(FactSet("vital_process_affected", False, ALICE, at(90)))
    assert statuses(state)["alert-sector"] == StepStatus.NOT_APPLICABLE

    for step in ("inform-dependents", "brief-board", "activate-fallback"):
        state = state.apply(StepDone(step, ALICE, at(100)))
    assert state.complete
    assert state.agenda().steps == ()

    assess = state.step("assess")
    assert assess.checked == {0}
    assert assess.finished_at == at(70)
    assert assess.late_by() == timedelta(minutes=10)  # due T+1h, done at T+70m
    assert state.step("inform-dependents").late_by() == timedelta(minutes=-20)


def test_requires_option_and_conditions_make_steps_not_applicable() -> None:
    state = RunState(example(), T0).apply(StepDone("assess", ALICE, at(1)))
    state = state.apply(OptionChosen("fallback-or-wait", "wait-for-supplier", ALICE, at(2)))
    state = state.apply(FactSet("vital_process_affected", True, ALICE, at(3)))

    assert statuses(state)["activate-fallback"] == StepStatus.NOT_APPLICABLE
    assert statuses(state)["monitor-recovery"] == StepStatus.ACTIVE
    assert statuses(state)["alert-sector"] == StepStatus.ACTIVE
    with pytest.raises(StepNotApplicable):
        state.apply(StepDone("activate-fallback", ALICE, at(4)))


def test_skipping_the_step_a_decision_waits_for_opens_the_decision() -> None:
    state = RunState(example(), T0).apply(StepSkipped("assess", ALICE, at(1), "known already"))

    assert state.step("assess").status == StepStatus.SKIPPED
    assert state.decision("fallback-or-wait").status == DecisionStatus.OPEN
    assert state.step("assess").late_by() is None  # skipped, not done


def test_refusals_name_the_reason_and_change_nothing() -> None:
    state = RunState(example(), T0)
    done = state.apply(StepDone("assess", ALICE, at(1)))
    ticked = state.apply(ItemChecked("assess", 1, ALICE, at(1)))
    decided = done.apply(OptionChosen("fallback-or-wait", "wait-for-supplier", ALICE, at(2)))
    cases: list[tuple[RunState, RunEvent, type[RunRefused]]] = [
        (done, StepDone("assess", ALICE, at(2)), StepAlreadyDone),
        (state, StepDone("nope", ALICE, at(2)), UnknownStep),
        (state, StepDone("brief-board", ALICE, at(2)), StepWaitsForDecision),
        (state, StepDone("alert-sector", ALICE, at(2)), StepWaitsForFact),
        (state, StepDone("monitor-recovery", ALICE, at(2)), StepNotOpen),
        (state, ItemChecked("assess", 3, ALICE, at(2)), UnknownChecklistItem),
        (ticked, ItemChecked("assess", 1, ALICE, at(2)), ChecklistItemAlreadyChecked),
        (decided, OptionChosen("fallback-or-wait", "activate-fallback", ALICE, at(3)),
         DecisionAlreadyTaken),
        (done, OptionChosen("nope", "x", ALICE, at(3)), UnknownDecision),
        (done, OptionChosen("fallback-or-wait", "x", ALICE, at(3)), UnknownOption),
        (state, FactSet("nope", True, ALICE, at(3)), UnknownFact),
        (state, FactSet("vital_process_affected", "yes", ALICE, at(3)), InvalidFactValue),
        (state.apply(FactSet("vital_process_affected", True, ALICE, at(1))),
         FactSet("vital_process_affected", False, ALICE, at(3)), FactAlreadySet),
    ]  # fmt: skip
    for before, event, error in cases:
        snapshot = (statuses(before), [d.status for d in before.decisions()], dict(before.facts))
        with pytest.raises(error):
            before.apply(event)
        assert snapshot == (
            statuses(before),
            [d.status for d in before.decisions()],
            dict(before.facts),
        )


def test_resolve_step_by_number_or_id() -> None:
    state = RunState(example(), T0)

    assert state.resolve_step("1").id == "assess"
    assert state.resolve_step("monitor-recovery").id == "monitor-recovery"
    for bad in ("0", "7", "x", ""):
        with pytest.raises(UnknownStep):
            state.resolve_step(bad)


def test_replay_rebuilds_the_same_state() -> None:
    events: list[RunEvent] = [
        StepDone("assess", ALICE, at(1)),
        OptionChosen("fallback-or-wait", "activate-fallback", ALICE, at(2)),
        ItemChecked("activate-fallback", 1, ALICE, at(3)),
        FactSet("vital_process_affected", True, ALICE, at(4)),
    ]
    state = RunState(example(), T0)
    for event in events:
        state = state.apply(event)

    replayed = RunState.replay(example(), T0, events)
    assert replayed.steps() == state.steps()
    assert replayed.decisions() == state.decisions()


def test_a_decision_after_a_step_that_can_never_run_is_moot() -> None:
    data = example().model_dump(mode="json")
    data["decisions"].append(
        {
            "id": "after-fallback",
            "question": {"nl": "Verder?", "en": "Continue?"},
            "decided_by": "coordinator",
            "after_step": "activate-fallback",
            "options": [
                {"id": "yes", "label": {"nl": "ja", "en": "yes"},
                 "consequences": {"nl": "-", "en": "-"}},
                {"id": "no", "label": {"nl": "nee", "en": "no"},
                 "consequences": {"nl": "-", "en": "-"}},
            ],
        }
    )  # fmt: skip
    state = RunState(Playbook.model_validate(data), T0)
    state = state.apply(StepDone("assess", ALICE, at(1)))
    state = state.apply(OptionChosen("fallback-or-wait", "wait-for-supplier", ALICE, at(2)))

    assert state.decision("after-fallback").status == DecisionStatus.NOT_APPLICABLE
    with pytest.raises(DecisionNotApplicable):
        state.apply(OptionChosen("after-fallback", "yes", ALICE, at(3)))
