"""The after-action view of a situation: one plain structure every format renders.

Everything here is JSON-ready (text, numbers, booleans, None; moments as ISO-8601 UTC),
so the JSON export is this structure as it is, and the schema in
``bot/reports/schema/report.schema.json`` describes it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, Literal

from bot import i18n
from bot.decisionlog.kinds import EntryKind
from bot.decisionlog.log import ChainCheck
from bot.decisionlog.payloads import (
    ACTION,
    ACTION_DONE,
    DECISION,
    LESSON,
    PHASE_CHANGED,
    STEP_DONE,
    STEP_SKIPPED,
    EntryType,
    StepPayload,
)
from bot.i18n import Language
from bot.playbooks.engine import OPEN_STEP_STATUSES, StepStatus
from bot.playbooks.runs import Run
from bot.reports.data import SituationReport
from bot.reports.describe import describe_entry
from bot.situations.phases import Phase
from bot.storage.models import LogEntryRecord, SituationRecord

FORMAT_NAME = "weerbaar-situation-report"
FORMAT_VERSION = 2
# Entry kinds another area may log when a signal is acknowledged (the alerts helper).
ActionStatus = Literal["done", "overdue", "open"]
"""Where an action stands in the report; each has its label ``report.status.<status>``."""

_ACKNOWLEDGED = frozenset({"alert_acknowledged", "acknowledged"})
# The entries that settle a step: both payloads name the run and the step.
_SETTLING_KINDS: dict[str, EntryType[StepPayload]] = {
    EntryKind.STEP_DONE.value: STEP_DONE,
    EntryKind.STEP_SKIPPED.value: STEP_SKIPPED,
}
_UNSETTLED = frozenset({*OPEN_STEP_STATUSES, StepStatus.PENDING})


def build_view(
    report: SituationReport,
    lang: Language,
    timezone: str,
    generated_at: datetime,
    *,
    timeline_last: int | None = None,
) -> dict[str, Any]:
    """The whole report as plain data, in ``lang`` for the descriptive texts.

    ``timeline_last`` keeps only the newest entries in ``timeline`` (a page's view; every
    other part, the summary's counts included, still covers the whole log).
    """
    situation = report.situation
    entries = report.entries
    corrected_by: dict[int, list[int]] = {}
    for entry in entries:
        if entry.corrects_seq is not None:
            corrected_by.setdefault(entry.corrects_seq, []).append(entry.seq)
    decisions = decision_items(entries, corrected_by)
    actions = _actions(entries, generated_at)
    lessons = [_lesson(entry) for entry in entries if entry.kind == EntryKind.LESSON.value]
    phases = _phases(report, lang, generated_at)
    return {
        "format": FORMAT_NAME,
        "version": FORMAT_VERSION,
        # Which version a reader holds; bot/reports/disclosure.py makes the other one.
        "edition": "internal",
        "disclosure": None,
        "generated_at": _iso(generated_at),
        "language": lang,
        "timezone": timezone,
        "situation": situation_part(situation, lang),
        "chain": chain_part(report.chain),
        "summary": {
            "entries": len(entries),
            "decisions": len(decisions),
            "actions": len(actions),
            "actions_open": sum(1 for action in actions if action["status"] != "done"),
            "lessons": len(lessons),
            "corrections": sum(1 for entry in entries if entry.corrects_seq is not None),
            "undisclosable": sum(1 for entry in entries if not entry.disclosable),
        },
        "metrics": _metrics(report),
        "phases": phases,
        "decisions": decisions,
        "playbooks": [
            {
                "playbook_id": run.playbook_id,
                "version": run.playbook_version,
                "started_at": _iso(run.started_at),
                "started_by": run.started_by,
                "current_step": run.current_step,
            }
            for run in report.runs
        ],
        "steps": step_rows(report.replayed_runs, entries, generated_at),
        "actions": actions,
        "lessons": lessons,
        "timeline": timeline_items(
            entries if timeline_last is None else entries[-timeline_last:],
            lang,
            timezone,
            corrected_by,
        ),
    }


def situation_part(situation: SituationRecord, lang: Language) -> dict[str, Any]:
    """The view's ``situation``: what it is about and where it stands."""
    return {
        "id": situation.id,
        "supplier": situation.supplier,
        "title": situation.title,
        "phase": situation.phase,
        "phase_label": i18n.text(f"phase.{situation.phase}", lang),
        "opened_at": _iso(situation.opened_at),
        "opened_by": situation.opened_by,
        "incident_room_id": situation.incident_room_id,
        "is_exercise": situation.is_exercise,
    }


def chain_part(chain: ChainCheck) -> dict[str, Any]:
    """The view's ``chain``: intact with its head hash, or where it breaks."""
    return {
        "entries": chain.entries,
        "head_hash": chain.head_hash,
        "intact": chain.intact,
        "first_broken_seq": chain.first_broken_seq,
        "problem": chain.problem.value if chain.problem else None,
    }


def timeline_items(
    entries: Sequence[LogEntryRecord],
    lang: Language,
    timezone: str,
    corrected_by: Mapping[int, list[int]],
) -> list[dict[str, Any]]:
    """The view's ``timeline`` rows for ``entries``, described in ``lang``."""
    return [
        {
            "seq": entry.seq,
            "kind": entry.kind,
            "actor": entry.actor,
            "occurred_at": _iso(entry.occurred_at),
            "recorded_at": _iso(entry.recorded_at),
            "description": describe_entry(entry, lang, timezone),
            "disclosable": entry.disclosable,
            "corrects_seq": entry.corrects_seq,
            "corrected_by": corrected_by.get(entry.seq, []),
            "payload": entry.payload,
            "prev_hash": entry.prev_hash,
            "hash": entry.hash,
        }
        for entry in entries
    ]


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def _seconds(start: datetime | None, end: datetime | None) -> int | None:
    if start is None or end is None:
        return None
    return int((end - start).total_seconds())


def decision_items(
    entries: Sequence[LogEntryRecord], corrected_by: Mapping[int, list[int]]
) -> list[dict[str, Any]]:
    """The view's ``decisions``: each decision entry among ``entries``, oldest first."""
    decisions = []
    for entry in entries:
        if entry.kind != EntryKind.DECISION.value:
            continue
        payload = DECISION.of(entry)
        decisions.append(
            {
                "seq": entry.seq,
                "decision": payload["decision"],
                "rationale": payload["rationale"],
                "options": payload.get("options", []),
                "decision_point": payload.get("decision_point"),
                "information": payload.get("information"),
                "present": payload.get("present", []),
                "decided_by": entry.actor,
                "decided_at": _iso(entry.occurred_at),
                "recorded_at": _iso(entry.recorded_at),
                "review_at": payload.get("review_at"),
                "disclosable": entry.disclosable,
                "corrected_by": corrected_by.get(entry.seq, []),
            }
        )
    return decisions


def _actions(entries: list[LogEntryRecord], now: datetime) -> list[dict[str, Any]]:
    done_at = {
        ACTION_DONE.of(entry)["action_seq"]: entry.occurred_at
        for entry in entries
        if entry.kind == EntryKind.ACTION_DONE.value
    }
    actions = []
    for entry in entries:
        if entry.kind != EntryKind.ACTION.value:
            continue
        action = ACTION.of(entry)
        due = action["due_at"]
        finished = done_at.get(entry.seq)
        status: ActionStatus
        if finished is not None:
            status = "done"
        elif due is not None and datetime.fromisoformat(due) < now:
            status = "overdue"
        else:
            status = "open"
        actions.append(
            {
                "seq": entry.seq,
                "owner": action["owner"],
                "action": action["action"],
                "assigned_by": entry.actor,
                "assigned_at": _iso(entry.occurred_at),
                "due_at": due,
                "status": status,
                "done_at": _iso(finished),
            }
        )
    return actions


def _lesson(entry: LogEntryRecord) -> dict[str, Any]:
    return {
        "seq": entry.seq,
        "text": LESSON.of(entry)["text"],
        "by": entry.actor,
        "at": _iso(entry.occurred_at),
        "disclosable": entry.disclosable,
    }


def _phases(report: SituationReport, lang: Language, now: datetime) -> list[dict[str, Any]]:
    """Each phase the situation was in, from the phase-change entries."""
    changes: list[tuple[str, datetime]] = [(Phase.SIGNAL.value, report.situation.opened_at)]
    for entry in report.entries:
        if entry.kind == EntryKind.PHASE_CHANGED.value:
            changes.append((PHASE_CHANGED.of(entry)["to"], entry.occurred_at))
    phases = []
    for index, (phase, started) in enumerate(changes):
        ended = changes[index + 1][1] if index + 1 < len(changes) else None
        running = ended is None and phase != Phase.CLOSED.value
        phases.append(
            {
                "phase": phase,
                "label": i18n.text(f"phase.{phase}", lang),
                "started_at": _iso(started),
                "ended_at": _iso(ended),
                "duration_seconds": _seconds(started, ended or (now if running else None)),
                "ongoing": running,
            }
        )
    return phases


def _first(entries: list[LogEntryRecord], matches: Any) -> datetime | None:
    return next((entry.occurred_at for entry in entries if matches(entry)), None)


def _entered(entry: LogEntryRecord, phase: Phase) -> bool:
    """Whether ``entry`` moved the situation into ``phase``."""
    return (
        entry.kind == EntryKind.PHASE_CHANGED.value and PHASE_CHANGED.of(entry)["to"] == phase.value
    )


def _metrics(report: SituationReport) -> dict[str, Any]:
    """Time from the first signal to acknowledgement, escalation, first decision and close."""
    entries = report.entries
    signal = report.first_signal_at or report.situation.opened_at
    acknowledged = _first(entries, lambda e: e.kind in _ACKNOWLEDGED) or _first(
        entries, lambda e: e.kind == EntryKind.SITUATION_OPENED.value
    )
    escalated = _first(entries, lambda e: _entered(e, Phase.CRISIS))
    decided = _first(entries, lambda e: e.kind == EntryKind.DECISION.value)
    closed = _first(entries, lambda e: _entered(e, Phase.CLOSED))
    return {
        "first_signal_at": _iso(signal),
        "acknowledged_at": _iso(acknowledged),
        "escalated_at": _iso(escalated),
        "first_decision_at": _iso(decided),
        "closed_at": _iso(closed),
        "to_acknowledgement_seconds": _seconds(signal, acknowledged),
        "to_escalation_seconds": _seconds(signal, escalated),
        "to_first_decision_seconds": _seconds(signal, decided),
        "to_close_seconds": _seconds(signal, closed),
    }


def step_rows(
    runs: Sequence[Run], entries: Sequence[LogEntryRecord], now: datetime
) -> list[dict[str, Any]]:
    """Every step of every playbook run, planned against actual, as the engine computes it.

    ``entries`` must hold at least the log's step-settling entries, whose seq each
    settled step names.

    The deadline comes from the run's playbook snapshot, the actual time from the log entry
    that settled the step. A step done after its deadline is late by the difference; one
    still open (or waiting for its branch) past its deadline is late by the time so far.
    Skipped and not-applicable steps are deviations the ``event`` column shows.
    """
    settled_by: dict[tuple[int, str], int] = {}
    for entry in entries:
        settling = _SETTLING_KINDS.get(entry.kind)
        if settling is not None:
            step = settling.of(entry)
            settled_by[step["run_id"], step["step_id"]] = entry.seq
    rows = []
    for run in runs:
        for view in run.state.steps():
            finished = view.finished_at
            delay: int | None = None
            if view.status == StepStatus.DONE:
                delay = _seconds(view.due, finished)
            elif view.status in _UNSETTLED and now > view.due:
                delay = _seconds(view.due, now)
            rows.append(
                {
                    "run": run.number,
                    "playbook_id": run.record.playbook_id,
                    "number": view.number,
                    "step_id": view.step.id,
                    "owner": view.step.owner,
                    "event": view.status.value,
                    "seq": settled_by.get((run.record.id, view.step.id)),
                    "planned_at": _iso(view.due),
                    "actual_at": _iso(finished),
                    "late": delay is not None and delay > 0,
                    "delay_seconds": delay,
                }
            )
    return rows
