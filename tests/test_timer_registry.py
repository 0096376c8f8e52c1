"""The merged timer table keeps firing the timers databases already hold (issue 18 item 3).

Kind names and payload keys are stored with every pending timer, so the registry must
answer to the same names, and each payload model must read rows as earlier versions
wrote them.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from bot.scheduling.kinds import TimerKind
from bot.storage.models import TimerRecord
from bot.timers import (
    alerts,
    decisionlog,
    drills,
    playbooks,
    situations,
    summary,
    timer_handlers,
)

# Every kind an earlier version stored, with a payload as it wrote it.
STORED: dict[str, dict[str, Any]] = {
    "alert_group": {"supplier": "Acme", "alert_ids": [1, 2], "window_seconds": 300},
    "alert_snooze_end": {"snooze_id": 4},
    "lauwe_checkin": {"situation_id": 1},
    "lauwe_checkin_overdue": {"situation_id": 1},
    "incident.sitrep_due": {"situation_id": 1},
    "decision.review": {"situation_id": 1, "seq": 7},
    "action.due": {"situation_id": 1, "seq": 8},
    "chain_check": {},
    "playbook.step_reminder": {"situation_id": 1, "run_id": 2, "step_id": "assess"},
    "playbook.step_escalation": {"situation_id": 1, "run_id": 2, "step_id": "assess"},
    "playbook.decision_reminder": {"situation_id": 1, "run_id": 2, "decision_id": "d"},
    "playbook.decision_escalation": {"situation_id": 1, "run_id": 2, "decision_id": "d"},
    "summary.refresh": {"situation_id": 1},
    "drill.reminder": {"drill_id": 3, "days": 7},
    "drill.due": {"drill_id": 3},
    "fallback.improvement_due": {"test_id": 5},
    "drill.digest": {"since": "2026-11-30T08:00:00Z", "overdue": ["acme/payroll/manual"]},
}

KINDS: dict[str, TimerKind[Any]] = {
    timer.kind.name: timer.kind
    for table in (alerts, decisionlog, playbooks, situations, summary, drills)
    for timer in table.TIMERS
}


def test_the_table_answers_to_every_stored_kind_and_no_other() -> None:
    assert set(timer_handlers()) == set(STORED)


@pytest.mark.parametrize("name", sorted(STORED))
def test_each_payload_model_reads_a_stored_row(name: str) -> None:
    row = TimerRecord(kind=name, payload=STORED[name], due_at=datetime.now(UTC))
    payload = KINDS[name].read(row)
    assert payload.model_dump(mode="json") == STORED[name]
