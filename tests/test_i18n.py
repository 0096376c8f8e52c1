"""The message catalogue: plurals and translated codes in both languages."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.i18n import Language, Term, format_time, html, text
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


NOW = datetime(2026, 12, 5, 17, 0, tzinfo=UTC)  # 18:00 in Amsterdam, a Saturday


def test_times_are_local_to_the_minute_in_one_format() -> None:
    later_today = datetime(2026, 12, 5, 18, 46, 36, 325540, tzinfo=UTC)
    assert format_time(later_today, "Europe/Amsterdam", "nl", NOW) == "19:46"
    tuesday = datetime(2026, 12, 8, 18, 46, tzinfo=UTC)
    assert format_time(tuesday, "Europe/Amsterdam", "nl", NOW) == "di 8 dec 19:46"
    assert format_time(tuesday, "Europe/Amsterdam", "en", NOW) == "Tue 8 Dec 19:46"
    # without a "now" (a message read later) the date is always there; other years say so
    assert format_time(later_today, "Europe/Amsterdam", "en") == "Sat 5 Dec 2026 19:46"
    summer = datetime(2027, 7, 1, 7, 30, tzinfo=UTC)
    assert format_time(summer, "Europe/Amsterdam", "nl", NOW) == "do 1 jul 2027 09:30"


def test_relative_times_say_how_far_off_a_moment_is() -> None:
    def shown(delta: timedelta, lang: Language) -> str:
        return format_time(NOW + delta, "Europe/Amsterdam", lang, NOW, relative=True)

    assert shown(timedelta(hours=2), "nl") == "20:00 (over 2 u)"
    assert shown(timedelta(hours=2), "en") == "20:00 (in 2 h)"
    assert shown(timedelta(minutes=-5), "nl") == "17:55 (5 min geleden)"
    assert shown(timedelta(days=3), "en") == "Tue 8 Dec 18:00 (in 3 days)"
    assert shown(timedelta(days=1), "nl") == "zo 6 dec 18:00 (over 24 u)"
    # far off, a date says more than "over 26324 dagen"
    assert shown(timedelta(days=30), "nl") == "ma 4 jan 2027 18:00"


def test_a_logged_planned_deadline_reads_as_a_local_time() -> None:
    entry = LogEntryRecord(
        situation_id=1,
        seq=5,
        kind="step_done",
        actor="@alice:test",
        occurred_at=NOW,
        recorded_at=NOW,
        payload={
            "step_number": 1,
            "step_id": "assess",
            "planned_due": "2026-12-05T18:46:36.325540+00:00",
        },
    )
    said = describe_entry(entry, "en", "Europe/Amsterdam")
    assert said == "Step 1 (assess) done; planned Sat 5 Dec 2026 19:46"
