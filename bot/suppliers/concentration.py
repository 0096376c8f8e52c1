"""The concentration picture: which suppliers the most severe processes hang on, and
which fallback options nobody has tested (lately). Shared by ``!concentration`` and the
web view's supplier page."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from bot.suppliers.file import Criticality
from bot.suppliers.registry import SupplierView

RETEST_AFTER = timedelta(days=365)
"""A fallback option tested longer ago than this counts as overdue for a new test."""


def weight(view: SupplierView) -> tuple[int, ...]:
    """The supplier's dependent processes counted per criticality, most severe first."""
    return tuple(view.count(level.value) for level in Criticality)


def ranked(views: Sequence[SupplierView]) -> list[SupplierView]:
    """Suppliers with any dependent process, those with the most severe ones first."""
    return sorted((view for view in views if any(weight(view))), key=weight, reverse=True)


@dataclass(frozen=True)
class UntestedFallback:
    """A fallback option never tested, or (with ``last_tested``) not tested for too long."""

    supplier: str
    service: str
    description: str
    last_tested: date | None


def untested_fallbacks(
    views: Sequence[SupplierView], today: date | None = None
) -> list[UntestedFallback]:
    """The untested fallback options; with ``today`` also those whose test is overdue."""
    found = []
    for view in views:
        for service in view.services:
            for fallback in service.fallbacks:
                if _needs_test(fallback.last_tested, today):
                    found.append(
                        UntestedFallback(
                            view.supplier.name,
                            service.service.name,
                            fallback.description,
                            fallback.last_tested,
                        )
                    )
    return found


def _needs_test(tested: date | None, today: date | None) -> bool:
    if tested is None:
        return True
    return today is not None and today - tested > RETEST_AFTER
