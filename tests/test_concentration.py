"""Which fallback options need a test: never tested, or (on the web view) over a year ago."""

from __future__ import annotations

from datetime import date

from bot.storage.models import FallbackOptionRecord, SupplierRecord, SupplierServiceRecord
from bot.suppliers.concentration import untested_fallbacks
from bot.suppliers.registry import ServiceView, SupplierView


def _view(*tested: date | None) -> SupplierView:
    service = ServiceView(
        service=SupplierServiceRecord(name="Payroll"),
        dependencies=[],
        fallbacks=[
            FallbackOptionRecord(description=f"option {i}", last_tested=moment)
            for i, moment in enumerate(tested)
        ],
    )
    return SupplierView(supplier=SupplierRecord(name="Acme"), services=[service])


def test_never_tested_always_and_stale_tests_only_with_a_today() -> None:
    views = [_view(None, date(2025, 11, 1), date(2026, 6, 1))]
    assert [f.description for f in untested_fallbacks(views)] == ["option 0"]
    overdue = untested_fallbacks(views, today=date(2026, 11, 23))
    assert [(f.description, f.last_tested) for f in overdue] == [
        ("option 0", None),
        ("option 1", date(2025, 11, 1)),
    ]
