"""Exercise scenarios: the format, the shipped scenarios, marking, comparison and purging."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError
from typer.testing import CliRunner

from bot.cli import app
from bot.decisionlog.kinds import EntryKind
from bot.decisionlog.log import SituationLog
from bot.exercises.evaluation import LoggedAct, Outcome, assess, scenario_offset
from bot.exercises.loader import check_scenario, validate_scenarios
from bot.exercises.marking import EXERCISE_MARK, mark_content
from bot.exercises.purge import purge_exercises
from bot.exercises.scenario import Scenario
from bot.playbooks.loader import load_playbook_dir
from bot.storage.db import Database
from bot.storage.models import AlertRecord, LogEntryRecord, SituationRecord
from tests.support.clock import stepping_clock

ROOT = Path(__file__).resolve().parent.parent
PLAYBOOKS = load_playbook_dir(ROOT / "playbooks")
SCENARIOS = ROOT / "playbooks" / "exercises"
SHIPPED = (
    "cloud-saas-outage",
    "supplier-financial-distress",
    "supplier-ransomware",
    "geopolitical-sanctions",
    "forced-exit",
)


def test_every_shipped_playbook_has_a_valid_scenario() -> None:
    assert validate_scenarios([SCENARIOS], PLAYBOOKS) == []
    for name in SHIPPED:
        scenario, issues = check_scenario(SCENARIOS / f"{name}.yaml", PLAYBOOKS)
        assert issues == [] and scenario is not None
        assert scenario.playbook == name
        assert 5 <= len(scenario.injects) <= 13
        assert scenario.expectations() and any(i.alert for i in scenario.injects)


def test_the_cli_validates_scenarios_and_names_file_line_and_field(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "id: bad\ntitle: {nl: x, en: y}\nplaybook: cloud-saas-outage\ninjects:\n"
        "  - at: T+5\n    alert: {supplier: X, title: Y}\n"
        "  - at: T+1m\n    expect_step: {step: nope}\n"
        "  - at: T+2m\n    alert: {supplier: X, title: Y}\n    phase: {to: crisis}\n"
    )
    runner = CliRunner()
    ok = runner.invoke(app, ["exercise", "validate", str(SCENARIOS)])
    assert ok.exit_code == 0, ok.output
    result = runner.invoke(app, ["exercise", "validate", str(bad)])
    assert result.exit_code == 1
    assert f"{bad}:5: injects[0].at: invalid deadline 'T+5'" in result.output
    assert f"{bad}:9: injects[2]: an inject needs exactly one of" in result.output
    # Cross-references are checked once the fields are valid.
    bad.write_text(
        bad.read_text().replace("T+5\n", "T+5m\n").replace("    phase: {to: crisis}\n", "")
    )
    result = runner.invoke(app, ["exercise", "validate", str(bad)])
    assert f"{bad}:8: injects[1].expect_step.step: playbook 'cloud-saas-outage' has no step" in (
        result.output
    )


def test_a_scenario_id_used_twice_is_reported_on_its_line(tmp_path: Path) -> None:
    first = (SCENARIOS / "forced-exit.yaml").read_text()
    copy = tmp_path / "zz-copy.yaml"
    copy.write_text("# the same drill again\n" + first)
    (issue,) = validate_scenarios([SCENARIOS, copy], PLAYBOOKS)
    id_line = 1 + next(n for n, line in enumerate(first.splitlines(), 1) if line.startswith("id:"))
    assert (issue.file, issue.line, issue.field) == (str(copy), id_line, "id")
    assert f"{copy}:{id_line}: id: also used by {SCENARIOS / 'forced-exit.yaml'}" == str(issue)


def test_a_scenario_acting_on_an_alert_before_the_first_one_is_refused(tmp_path: Path) -> None:
    # The runner can only stop such a scenario halfway, after playing what came before.
    bad = tmp_path / "early.yaml"
    bad.write_text(
        "id: early\ntitle: {nl: x, en: y}\nplaybook: cloud-saas-outage\ninjects:\n"
        "  - at: T+0m\n"
        "    message: {who: coordinator, text: 'bekijk {alert}', room: coordination}\n"
        "  - at: T+1m\n    message: {who: coordinator, text: hallo}\n"
        "  - at: T+2m\n    phase: {to: crisis}\n"
        "  - at: T+2m\n    alert: {supplier: X, title: Y}\n"
        "  - at: T+2m\n    phase: {to: crisis}\n"
        "  - at: T+3m\n    message: {who: coordinator, text: 'bekijk {alert}'}\n"
    )
    issues = [str(issue) for issue in validate_scenarios([bad], PLAYBOOKS)]
    before = "comes before the first alert inject"
    assert issues == [
        f"{bad}:6: injects[0].message.text: {{alert}} {before}",
        f"{bad}:8: injects[1].message.room: a message in the incident room {before}",
        f"{bad}:10: injects[2].phase: a phase change {before}",
    ]


def test_a_fallback_option_covered_twice_is_reported_on_its_line(tmp_path: Path) -> None:
    # Covered twice, it would be asked for twice at the exercise's end and the scenario
    # named twice next to it in !drills.
    bad = tmp_path / "twice.yaml"
    key = "acme-cloud/payroll/manual-bank-run"
    text = (SCENARIOS / "supplier-ransomware.yaml").read_text()
    bad.write_text(text.replace("  - acme-cloud/payroll/second-supplier\n", f"  - {key}\n", 1))
    line = text.splitlines().index(f"  - {key}") + 2  # the second of the two, 1-based
    (issue,) = validate_scenarios([bad], PLAYBOOKS)
    assert str(issue) == (
        f"{bad}:{line}: covers[1]: fallback option {key!r} is covered already (covers[0])"
    )


def _scenario() -> Scenario:
    return Scenario.model_validate(
        {
            "id": "s",
            "title": {"nl": "s", "en": "s"},
            "playbook": "cloud-saas-outage",
            "injects": [
                {"at": "T+0m", "alert": {"supplier": "X", "title": "Y"}},
                {"at": "T+30m", "expect_step": {"step": "assess"}},
                {"at": "T+30m", "expect_step": {"step": "inform-dependents"}},
                {"at": "T+1h", "expect_step": {"step": "vital-processes"}},
                {
                    "at": "T+2h",
                    "expect_decision": {
                        "decision": "restore-strategy",
                        "option": "manual-fallback",
                    },
                },
            ],
        }
    )


def test_expectations_are_judged_in_scenario_time() -> None:
    start = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
    speed = 60.0  # one real second is one exercise minute

    def act(kind: EntryKind, seconds: int, **payload: str) -> LoggedAct:
        return LoggedAct(kind.value, "@a:test", start + timedelta(seconds=seconds), payload)

    acts = [
        act(EntryKind.STEP_DONE, 45, step_id="inform-dependents"),  # T+45m: late
        act(EntryKind.STEP_DONE, 10, step_id="assess"),  # T+10m: on time
        act(EntryKind.STEP_DONE, 50, step_id="assess"),  # a second time: the first counts
        act(EntryKind.OPTION_CHOSEN, 20, decision_id="restore-strategy", option_id="failover"),
    ]
    results = assess(_scenario().expectations(), acts, start, speed)
    outcomes = [(r.subject, r.outcome, r.at) for r in results]
    assert outcomes == [
        ("step assess", Outcome.ON_TIME, timedelta(minutes=10)),
        ("step inform-dependents", Outcome.LATE, timedelta(minutes=45)),
        ("step vital-processes", Outcome.MISSING, None),
        (
            "decision restore-strategy = manual-fallback",
            Outcome.OTHER_OPTION,
            timedelta(minutes=20),
        ),
    ]
    assert results[3].chosen == "failover"
    assert results[1].as_json()["at"] == "T+45m" and results[1].as_json()["deadline"] == "T+30m"


def test_acts_from_before_the_run_are_no_response_to_it() -> None:
    # A run interrupted (bot restart, a player failing) leaves its exercise situation open;
    # played again, the new run's alerts join it, and its log already holds the first
    # run's acts. They must not count as this run's, "on time" at a negative offset.
    start = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
    earlier = LoggedAct(
        EntryKind.STEP_DONE.value, "@a:test", start - timedelta(minutes=5), {"step_id": "assess"}
    )
    later = LoggedAct(
        EntryKind.STEP_DONE.value, "@b:test", start + timedelta(seconds=40), {"step_id": "assess"}
    )
    first, *_ = assess(_scenario().expectations(), [earlier], start, 60.0)
    assert (first.subject, first.outcome, first.at) == ("step assess", Outcome.MISSING, None)
    first, *_ = assess(_scenario().expectations(), [earlier, later], start, 60.0)
    assert (first.outcome, first.at, first.actor) == (
        Outcome.LATE,
        timedelta(minutes=40),
        "@b:test",
    )


def test_marking_prefixes_plain_html_and_edits_once() -> None:
    content = {
        "msgtype": "m.notice",
        "body": "Alert 3",
        "format": "org.matrix.custom.html",
        "formatted_body": "<p>Alert 3</p>",
        "m.new_content": {"body": "Alert 3", "formatted_body": "<p>Alert 3</p>"},
    }
    marked = mark_content(content)
    assert marked["body"] == f"{EXERCISE_MARK} — Alert 3"
    assert marked["formatted_body"].startswith(f"<p><strong>{EXERCISE_MARK}</strong></p>")
    assert marked["m.new_content"]["body"].startswith(EXERCISE_MARK)
    assert mark_content(marked) == marked
    assert content["body"] == "Alert 3"  # the original is left alone


async def _situation_with_log(database: Database, *, exercise: bool) -> int:
    async with database.transaction() as session:
        situation = SituationRecord(
            supplier="Acme",
            title="Outage",
            phase="crisis",
            opened_at=datetime(2026, 1, 1, tzinfo=UTC),
            opened_by="@alice:test",
            is_exercise=exercise,
        )
        session.add(situation)
        await session.flush()
        session.add(
            AlertRecord(
                source="generic",
                supplier="Acme",
                severity="S2",
                title="Outage",
                details="",
                links=[],
                received_at=datetime(2026, 1, 1, tzinfo=UTC),
                situation_id=situation.id,
                count=1,
                status="open",
                exercise=exercise,
            )
        )
        log = SituationLog(session, stepping_clock())
        for number in range(3):
            await log.append(situation.id, EntryKind.NOTE, "@alice:test", {"text": str(number)})
        return situation.id


async def _count(database: Database, model: type[object], situation_id: int) -> int:
    async with database.transaction() as session:
        column = getattr(model, "situation_id")  # noqa: B009 - both models have it
        query = select(func.count()).select_from(model).where(column == situation_id)
        return int(await session.scalar(query) or 0)


async def test_purge_removes_exercises_and_leaves_real_situations(database: Database) -> None:
    real = await _situation_with_log(database, exercise=False)
    drill = await _situation_with_log(database, exercise=True)
    async with database.transaction() as session:
        purged = await purge_exercises(session, clock=stepping_clock())
    assert (purged["situations"], purged["log_entries"], purged["alerts"]) == (1, 3, 1)
    assert await _count(database, LogEntryRecord, drill) == 0
    assert await _count(database, AlertRecord, drill) == 0
    assert await _count(database, LogEntryRecord, real) == 3
    assert await _count(database, AlertRecord, real) == 1
    async with database.transaction() as session:
        assert await session.get(SituationRecord, drill) is None


async def test_the_database_still_refuses_deleting_real_entries_and_relabelling(
    database: Database,
) -> None:
    real = await _situation_with_log(database, exercise=False)
    with pytest.raises(DBAPIError, match="append-only"):
        async with database.transaction() as session:
            await session.execute(text(f"DELETE FROM log_entries WHERE situation_id = {real}"))
    # Turning a real situation into an "exercise" would open the back door; refused.
    with pytest.raises(DBAPIError, match="fixed at creation"):
        async with database.transaction() as session:
            await session.execute(
                text(f"UPDATE situations SET is_exercise = true WHERE id = {real}")
            )
    assert await _count(database, LogEntryRecord, real) == 3


def test_the_exercise_clock_stands_still_during_pauses() -> None:
    start = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)

    def at(seconds: float) -> datetime:
        return start + timedelta(seconds=seconds)

    pauses = [(at(10), at(13)), (at(20), at(21))]
    # Before any pause, inside the first (counts as its start), after both.
    assert scenario_offset(at(5), start, 60, pauses) == timedelta(minutes=5)
    assert scenario_offset(at(12), start, 60, pauses) == timedelta(minutes=10)
    assert scenario_offset(at(30), start, 60, pauses) == timedelta(minutes=26)
