"""The metrics table of the report: one definition for every format that shows it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

# (label key under ``report.metric.``, moment in ``view["metrics"]``, seconds since the
# first signal in ``view["metrics"]``; None for the first signal itself, zero by definition)
METRIC_ROWS: tuple[tuple[str, str, str | None], ...] = (
    ("first_signal", "first_signal_at", None),
    ("acknowledged", "acknowledged_at", "to_acknowledgement_seconds"),
    ("escalated", "escalated_at", "to_escalation_seconds"),
    ("first_decision", "first_decision_at", "to_first_decision_seconds"),
    ("closed", "closed_at", "to_close_seconds"),
)


def metric_table(
    metrics: dict[str, Any],
    t: Callable[[str], str],
    at: Callable[[str | None], str],
    took: Callable[[int | None], str],
) -> list[list[str]]:
    """The rows (label, moment, time since the first signal) in display form."""
    return [
        [t(f"report.metric.{name}"), at(metrics[moment]), took(metrics[seconds] if seconds else 0)]
        for name, moment, seconds in METRIC_ROWS
    ]
