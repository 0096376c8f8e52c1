"""Freshness and drill ranking of fallback options: pure functions, hand-checked values."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from bot.suppliers.criticality import Criticality
from bot.suppliers.fallback_ids import derived_id, slug
from bot.suppliers.freshness import (
    DEFAULT_POLICY,
    Candidate,
    Outcome,
    Status,
    Trial,
    leading_result,
    most_urgent,
    not_current,
    rank,
    risk,
    status,
)

TODAY = date(2026, 12, 6)
VITAL, CRITICAL, IMPORTANT = Criticality.VITAL, Criticality.CRITICAL, Criticality.IMPORTANT
WORKED, PARTLY, FAILED = Outcome.WORKED, Outcome.PARTLY, Outcome.FAILED


def days_ago(days: int, result: Outcome = WORKED) -> Trial:
    return Trial(TODAY - timedelta(days=days), result)


@pytest.mark.parametrize(
    ("tests", "protects", "expected"),
    [
        ([], [VITAL], Status.NEVER_TESTED),
        # Vital: 180 days at most, due soon from day 151 (30 days before).
        ([days_ago(150)], [VITAL], Status.CURRENT),
        ([days_ago(151)], [VITAL], Status.DUE_SOON),
        ([days_ago(180)], [VITAL], Status.DUE_SOON),
        ([days_ago(181)], [VITAL], Status.OVERDUE),
        # The most severe process governs: 200 days is overdue for vital, fine for critical.
        ([days_ago(200)], [IMPORTANT, VITAL], Status.OVERDUE),
        ([days_ago(200)], [CRITICAL], Status.CURRENT),
        ([days_ago(340)], [CRITICAL], Status.DUE_SOON),
        ([days_ago(366)], [CRITICAL], Status.OVERDUE),
        # Nothing depends on it: the loosest age (important, 730 days) applies.
        ([days_ago(729)], [], Status.DUE_SOON),
        ([days_ago(731)], [], Status.OVERDUE),
        # Failed or partly stays failed, however recent, until a later test worked.
        ([days_ago(1, FAILED)], [IMPORTANT], Status.FAILED),
        ([days_ago(10), days_ago(5, PARTLY)], [IMPORTANT], Status.FAILED),
        ([days_ago(10, FAILED), days_ago(5)], [IMPORTANT], Status.CURRENT),
        # Recorded order does not matter, the test day does.
        ([days_ago(5), days_ago(10, FAILED)], [IMPORTANT], Status.CURRENT),
    ],
)
def test_status(tests: list[Trial], protects: list[Criticality], expected: Status) -> None:
    assert status(tests, protects, TODAY, DEFAULT_POLICY) is expected


def test_risk_is_weight_times_processes_times_organisations() -> None:
    # Most severe vital (3) x 2 processes x 3 organisations on the supplier.
    assert risk([VITAL, IMPORTANT], 3) == 18
    assert risk([CRITICAL], 1) == 2
    assert risk([], 5) == 0


def test_rank_lists_what_needs_a_drill_by_risk_then_urgency_then_id() -> None:
    candidates = [
        Candidate("a/b/current", Status.CURRENT, 99),
        Candidate("a/b/soon", Status.DUE_SOON, 99),
        Candidate("a/b/overdue", Status.OVERDUE, 6),
        Candidate("a/b/never", Status.NEVER_TESTED, 6),
        Candidate("a/b/failed", Status.FAILED, 6),
        Candidate("z/z/big", Status.OVERDUE, 18),
        Candidate("b/b/never", Status.NEVER_TESTED, 6),
    ]
    assert [each.key for each in rank(candidates)] == [
        "z/z/big",
        "a/b/failed",
        "a/b/never",
        "b/b/never",
        "a/b/overdue",
    ]


def test_not_current_is_every_status_but_current_most_urgent_first() -> None:
    candidates = [
        Candidate("a/b/soon", Status.DUE_SOON, 1),
        Candidate("a/b/current", Status.CURRENT, 99),
        Candidate("a/b/overdue", Status.OVERDUE, 1),
        Candidate("b/b/never", Status.NEVER_TESTED, 1),
        Candidate("a/b/never", Status.NEVER_TESTED, 9),
        Candidate("a/b/failed", Status.FAILED, 1),
    ]
    # Risk plays no part; of equal status the order given stays.
    assert [each.key for each in not_current(candidates)] == [
        "a/b/failed",
        "b/b/never",
        "a/b/never",
        "a/b/overdue",
        "a/b/soon",
    ]
    assert most_urgent(candidates).key == "a/b/failed"
    assert most_urgent(candidates[:2]).key == "a/b/soon"
    assert most_urgent(candidates[1:2]).key == "a/b/current"


def test_results_are_read_in_both_languages() -> None:
    assert leading_result("geslaagd, 6 uur") is WORKED
    assert leading_result("Deels: bank traag") is PARTLY
    assert leading_result("mislukt") is FAILED
    assert leading_result("ok") is None
    assert leading_result("") is None


def test_ids_are_slugged_names() -> None:
    assert slug("Acme Cloud B.V.") == "acme-cloud-b-v"
    assert slug("Überweisung per Bank") == "uberweisung-per-bank"
    assert derived_id("Acme Cloud", "Payroll SaaS", "Handmatige betaalrun") == (
        "acme-cloud/payroll-saas/handmatige-betaalrun"
    )
