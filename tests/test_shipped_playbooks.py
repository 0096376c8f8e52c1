"""The continuity playbooks shipped in ``playbooks/``: more than valid, usable on day one.

Validation (``weerbaar playbook validate``) only proves a playbook is well-formed. These tests
hold the shipped playbooks to what the taskforce needs from them: enough steps and real
decisions, messages for several audiences, the statutory reporting clocks where the scenario
involves personal data or NIS2, at least one fallback that is honestly marked as untested,
and a run that the engine can take from activation to completion.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from jinja2 import Environment, meta

from bot.playbooks.engine import (
    OPEN_STEP_STATUSES,
    FactSet,
    ItemChecked,
    OptionChosen,
    RunState,
    StepDone,
    StepStatus,
)
from bot.playbooks.loader import load_playbook
from bot.playbooks.schema import Playbook

PLAYBOOKS = Path(__file__).resolve().parents[1] / "playbooks"
T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
ACTOR = "@alice:test"

# The legal clocks each scenario must carry: ransomware touches personal data and is a
# significant incident under NIS2; a long outage is a NIS2 availability incident; a foreign
# order to hand over data is a possible personal-data breach.
EXPECTED_CLOCKS = {
    "supplier-financial-distress": set(),
    "cloud-saas-outage": {"nis2_early_warning", "nis2_notification", "nis2_final_report"},
    "supplier-ransomware": {
        "nis2_early_warning",
        "nis2_notification",
        "nis2_final_report",
        "gdpr_breach_notification",
    },
    "geopolitical-sanctions": {"gdpr_breach_notification"},
    "forced-exit": set(),
}

# Placeholders a template may use; whoever renders the templates fills in these names.
PLACEHOLDERS = {
    "supplier",
    "service",
    "organisation",
    "since",
    "deadline",
    "next_update",
    "contact",
}


def _load(playbook_id: str) -> Playbook:
    return load_playbook(PLAYBOOKS / f"{playbook_id}.yaml")


shipped = pytest.mark.parametrize("playbook_id", sorted(EXPECTED_CLOCKS))


def test_every_shipped_playbook_is_covered() -> None:
    files = {path.stem for path in PLAYBOOKS.glob("*.yaml")}
    assert files - {"example-supplier-outage"} == set(EXPECTED_CLOCKS)


@shipped
def test_file_name_is_the_playbook_id(playbook_id: str) -> None:
    assert _load(playbook_id).id == playbook_id


@shipped
def test_enough_steps_and_real_decisions(playbook_id: str) -> None:
    playbook = _load(playbook_id)
    assert len(playbook.steps) >= 8
    assert len(playbook.decisions) >= 2
    for decision in playbook.decisions:
        assert len(decision.options) >= 2, decision.id
        # Options must differ in what they mean, not only in their label.
        consequences = {option.consequences.en for option in decision.options}
        assert len(consequences) == len(decision.options), decision.id
    # Every step has something to do: a checklist, or a message to send.
    for step in playbook.steps:
        assert step.checklist or step.templates, step.id


@shipped
def test_every_role_and_fallback_is_put_to_work(playbook_id: str) -> None:
    playbook = _load(playbook_id)
    used_fallbacks = {ident for step in playbook.steps for ident in step.fallbacks}
    assert {option.id for option in playbook.fallback_options} <= used_fallbacks
    working = {step.owner for step in playbook.steps} | {
        decision.decided_by for decision in playbook.decisions
    }
    # The scribe keeps the log throughout rather than owning steps.
    assert {role.id for role in playbook.roles} - {"scribe"} <= working


@shipped
def test_templates_for_at_least_three_audiences(playbook_id: str) -> None:
    playbook = _load(playbook_id)
    audiences = {template.audience for step in playbook.steps for template in step.templates}
    assert len(audiences) >= 3, audiences


@shipped
def test_templates_parse_and_use_known_placeholders(playbook_id: str) -> None:
    environment = Environment(autoescape=False)
    for step in _load(playbook_id).steps:
        for template in step.templates:
            for text in (template.subject, template.body):
                for body in (text.nl, text.en):
                    used = meta.find_undeclared_variables(environment.parse(body))
                    assert used <= PLACEHOLDERS, (template.id, used - PLACEHOLDERS)


@shipped
def test_texts_are_translated(playbook_id: str) -> None:
    playbook = _load(playbook_id)
    texts = [playbook.title, playbook.scenario]
    for step in playbook.steps:
        texts += [step.title, *step.checklist]
        texts += [part for template in step.templates for part in (template.subject, template.body)]
    for decision in playbook.decisions:
        texts += [decision.question]
        texts += [
            part for option in decision.options for part in (option.label, option.consequences)
        ]
    untranslated = [text.nl for text in texts if text.nl == text.en]
    assert untranslated == []


@shipped
def test_an_untested_fallback_is_flagged(playbook_id: str) -> None:
    playbook = _load(playbook_id)
    assert any(
        option.last_tested is None or option.test_result == "not_tested"
        for option in playbook.fallback_options
    )


@shipped
def test_legal_clocks_where_the_scenario_needs_them(playbook_id: str) -> None:
    playbook = _load(playbook_id)
    clocks = {step.legal_clock for step in playbook.steps if step.legal_clock is not None}
    assert EXPECTED_CLOCKS[playbook_id] <= clocks


@shipped
def test_the_engine_walks_the_playbook_to_completion(playbook_id: str) -> None:
    """Do what the agenda asks, taking the first option and the first answer each time."""
    playbook = _load(playbook_id)
    first_answer: dict[str, bool | str] = {
        fact.id: fact.choices[0] if fact.choices else (True if fact.type == "boolean" else "x")
        for fact in playbook.facts
    }
    state = RunState(playbook, T0)
    done: list[str] = []
    for minute in range(10 * (len(playbook.steps) + len(playbook.decisions))):
        if state.complete:
            break
        at = T0 + timedelta(minutes=minute)
        agenda = state.agenda()
        active = [view for view in agenda.steps if view.status == StepStatus.ACTIVE]
        if active:
            step = active[0].step
            for item in range(len(step.checklist)):
                state = state.apply(ItemChecked(step.id, item, ACTOR, at))
            state = state.apply(StepDone(step.id, ACTOR, at))
            done.append(step.id)
        elif agenda.decisions:
            decision = agenda.decisions[0].decision
            state = state.apply(OptionChosen(decision.id, decision.options[0].id, ACTOR, at))
        elif agenda.facts:
            fact_id = agenda.facts[0]
            state = state.apply(FactSet(fact_id, first_answer[fact_id], ACTOR, at))
        else:
            pytest.fail(f"stuck: nothing on the agenda after {done}")
    assert state.complete, f"not complete after {done}"
    assert not any(view.status in OPEN_STEP_STATUSES for view in state.steps())
    # The walk did real work: the first step, and every step of a chosen branch unless its
    # condition ruled it out.
    assert done[0] == playbook.steps[0].id
    for decision in playbook.decisions:
        if state.decision(decision.id).chosen is None:
            continue
        for step_id in decision.options[0].next_steps:
            view = state.step(step_id)
            assert view.status == StepStatus.DONE or (
                view.status == StepStatus.NOT_APPLICABLE and view.step.condition is not None
            ), (step_id, view.status)
