"""How the concentration picture words a fallback option's freshness, in both languages."""

from __future__ import annotations

from datetime import date

from bot.storage.models import FallbackOptionRecord, FallbackTestRecord
from bot.suppliers.concentration import freshness
from bot.suppliers.fallbacks import FallbackState
from bot.suppliers.freshness import Status


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
