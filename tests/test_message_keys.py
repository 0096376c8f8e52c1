"""Every message key the code builds from a value resolves in both languages (issue 18 item 8).

The code builds these keys with f-strings from enums, literal types and tables; a new
member without its text would only fail when that message is first shown. Each entry below
names the f-string's prefix and the full set of values the code can put after it.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import get_args

import pytest

from bot.commands.access import Role
from bot.decisionlog.drafts import GUIDED_FIELDS
from bot.decisionlog.kinds import EntryKind
from bot.decisionlog.log import ChainProblem
from bot.exercises.evaluation import Outcome
from bot.i18n import CATALOGUE, LANGUAGES
from bot.playbooks.engine import DecisionStatus, StepStatus, WaitingKind
from bot.reports.metrics import METRIC_ROWS
from bot.reports.view import ActionStatus
from bot.situations.phases import Phase
from bot.situations.watch import EscalationRule
from bot.suppliers.file import Criticality
from bot.timers.playbooks import ReminderSubject


def _keys(prefix: str, values: Iterable[str], suffix: str = "") -> list[str]:
    return [f"{prefix}{value}{suffix}" for value in values]


BUILT_KEYS = [
    # Also the Term("phase", ...) parameters of log lines and refusals.
    *_keys("phase.", (phase.value for phase in Phase)),
    *_keys("role.", (role.name.lower() for role in Role)),
    *_keys("step.status.", (status.value for status in StepStatus)),
    *_keys("decision.status.", (status.value for status in DecisionStatus)),
    *_keys("run.waits_for_", get_args(WaitingKind)),
    *_keys("reminder.", get_args(ReminderSubject)),
    *_keys("reminder.", get_args(ReminderSubject), "_escalation"),
    *_keys("watch.rule.", get_args(EscalationRule)),
    *_keys("chain.problem.", (problem.value for problem in ChainProblem)),
    *_keys("exercise.outcome.", (outcome.value for outcome in Outcome)),
    *_keys("report.metric.", (name for name, _moment, _seconds in METRIC_ROWS)),
    *_keys("report.status.", get_args(ActionStatus)),
    *_keys("criticality.", (criticality.value for criticality in Criticality)),
    *_keys("guided.ask.", GUIDED_FIELDS),
    *_keys("log.", (kind.value for kind in EntryKind)),
]


@pytest.mark.parametrize("key", sorted(set(BUILT_KEYS)))
def test_every_built_key_has_a_text_in_both_languages(key: str) -> None:
    assert key in CATALOGUE, f"no message {key!r}"
    assert set(CATALOGUE[key]) >= set(LANGUAGES), f"{key!r} lacks a language"
    assert all(CATALOGUE[key][lang].strip() for lang in LANGUAGES)
