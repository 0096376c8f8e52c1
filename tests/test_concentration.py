"""The concentration picture: how it counts and ranks suppliers, and how it words a
fallback option's freshness in both languages."""

from __future__ import annotations

from datetime import date

from bot.storage.models import (
    DependencyRecord,
    FallbackOptionRecord,
    FallbackTestRecord,
    SupplierRecord,
    SupplierServiceRecord,
)
from bot.suppliers.concentration import freshness, ranked, weight
from bot.suppliers.fallbacks import FallbackState
from bot.suppliers.freshness import Status
from bot.suppliers.registry import ServiceView, SupplierView


def _state(status: Status, last: FallbackTestRecord | None) -> FallbackState:
    return FallbackState(
        key="acme/payroll/manual",
        status=status,
        risk=3,
        supplier="Acme",
        service="Payroll",
        option=FallbackOptionRecord(key="acme/payroll/manual", description="manual run"),
        dependencies=(),
        last=last,
    )


def test_the_status_word_with_the_last_test_when_there_is_one() -> None:
    never = _state(Status.NEVER_TESTED, None)
    assert freshness(never, "en") == "NEVER TESTED"
    assert freshness(never, "nl") == "NOOIT GETEST"
    partly = FallbackTestRecord(tested_on=date(2026, 5, 7), result="partly")
    failed = _state(Status.FAILED, partly)
    assert freshness(failed, "en") == "FAILED (last test 2026-05-07: partly worked)"
    assert freshness(failed, "nl") == "MISLUKT (laatste test 2026-05-07: deels geslaagd)"


def _supplier(name: str, services: dict[str, list[tuple[str, str, str]]]) -> SupplierView:
    return SupplierView(
        SupplierRecord(name=name),
        [
            ServiceView(
                SupplierServiceRecord(name=service),
                [
                    DependencyRecord(organisation=org, process=process, criticality=level)
                    for org, process, level in needs
                ],
                [],
            )
            for service, needs in services.items()
        ],
    )


def test_a_process_needing_several_services_of_a_supplier_counts_once() -> None:
    # One vital process that uses three of Acme's services (written in varying case) ...
    acme = _supplier(
        "Acme",
        {
            "Hosting": [("Gemeente X", "Uitkeringen", "vital")],
            "Mail": [("gemeente x", "uitkeringen ", "important")],
            "Identity": [("Gemeente X", "Uitkeringen", "vital")],
        },
    )
    # ... weighs less than two vital processes on one service of Initech.
    initech = _supplier(
        "Initech",
        {"DNS": [("Gemeente X", "Burgerportaal", "vital"), ("Politie", "Meldkamer", "vital")]},
    )
    assert weight(acme) == (1, 0, 0)  # counted once, at its gravest
    assert [view.supplier.name for view in ranked([acme, initech])] == ["Initech", "Acme"]
