"""The message catalogue: plurals and translated codes in both languages."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.i18n import Term, html, text
from bot.reports.describe import describe_entry
from bot.storage.models import LogEntryRecord


def test_numbers_pick_their_plural_in_both_languages() -> None:
    assert text("status.title", "nl", count=1) == "Situatiebeeld: 1 open situatie"
    assert text("status.title", "nl", count=2) == "Situatiebeeld: 2 open situaties"
    assert text("status.title", "en", count=1) == "Situational picture: 1 open situation"
    assert text("status.title", "en", count=0) == "Situational picture: 0 open situations"
    one = text(
        "report.summary_text",
        "nl",
        entries=1,
        decisions=1,
        actions=2,
        open=1,
        lessons=1,
        corrections=0,
        undisclosable=0,
    )
    assert one.startswith("1 logregel: 1 besluit, 2 acties (1 niet afgerond), 1 leerpunt,")


def test_terms_are_shown_by_their_name_also_in_html_and_lists() -> None:
    assert text("summary.phase", "nl", phase=Term("phase", "de_escalation")) == "Fase: afschaling"
    assert text("summary.phase", "en", phase=Term("phase", "lauwe_fase")) == "Phase: warm-up phase"
    listed = text("usage", "nl", usage=[Term("phase", "evaluation"), Term("phase", "closed")])
    assert listed == "Gebruik: evaluatie, gesloten"
    assert html("summary.phase", "en", phase=Term("phase", "evaluation")) == "Phase: evaluation"


def test_a_logged_phase_change_reads_without_codes() -> None:
    entry = LogEntryRecord(
        situation_id=1,
        seq=2,
        kind="phase_changed",
        actor="@alice:test",
        occurred_at=datetime(2026, 1, 1, tzinfo=UTC),
        recorded_at=datetime(2026, 1, 1, tzinfo=UTC),
        payload={"from": "crisis", "to": "de_escalation", "reason": "stable"},
    )
    assert describe_entry(entry, "nl", "Europe/Amsterdam") == "Fase naar afschaling: stable"
    assert describe_entry(entry, "en", "Europe/Amsterdam") == "Phase to de-escalation: stable"
