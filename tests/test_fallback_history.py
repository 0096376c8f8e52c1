"""Fallback test history: imported from the registry file, never erased by a re-import."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from bot.storage.db import Database
from bot.suppliers.file import read_supplier_file
from bot.suppliers.freshness import DrillKind, Outcome, Status
from tests.support.factories import ALICE, make_factory

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "suppliers.yaml"
MANUAL_RUN = "acme-cloud/payroll/manual-bank-run"


def _registry(tmp_path: Path, last_tested: str) -> Path:
    path = tmp_path / "suppliers.yaml"
    path.write_text(
        EXAMPLE.read_text().replace("last_tested: 2025-03-01", f"last_tested: {last_tested}")
    )
    return path


async def test_reimport_keeps_history_recorded_in_the_bot(
    database: Database, tmp_path: Path
) -> None:
    factory = make_factory(database)
    first, issues = read_supplier_file(_registry(tmp_path, "2025-03-01"))
    assert first is not None, issues
    async with factory.transaction() as services:
        await services.suppliers.replace_all(first.suppliers)
        option = await services.fallbacks.find(MANUAL_RUN)
        assert option is not None and option.owner == "@salarisadministratie:example.org"
        await services.fallbacks.record(
            option,
            result=Outcome.FAILED,
            kind=DrillKind.TECHNICAL,
            duration_minutes=90,
            notes="bank portal refused the batch",
            recorded_by=ALICE,
            situation_id=None,
            evidence=None,
        )
    # The same file again, then one with a newer test: history only grows.
    second, _ = read_supplier_file(_registry(tmp_path, "2026-11-01"))
    assert second is not None
    for registry in (first, second, second):
        async with factory.transaction() as services:
            await services.suppliers.replace_all(registry.suppliers)
    async with factory.transaction() as services:
        history = await services.fallbacks.history(MANUAL_RUN)
        states = {state.key: state for state in await services.fallbacks.states()}
    assert [(t.source, t.result, t.recorded_by) for t in history] == [
        ("registry", "worked", "registry"),
        ("registry", "worked", "registry"),
        ("chat", "failed", ALICE),
    ]
    assert history[0].tested_on == date(2025, 3, 1)
    assert history[0].notes == "geslaagd, 6 uur"
    # The chat test (today, on the manual clock) is the latest: the option stays failed.
    assert states[MANUAL_RUN].status is Status.FAILED
    assert states["initech-dns/managed-dns/secondary-dns"].status is Status.NEVER_TESTED


def test_the_file_refuses_duplicate_ids_and_results_without_an_outcome(tmp_path: Path) -> None:
    path = tmp_path / "suppliers.yaml"
    path.write_text(
        "suppliers:\n"
        "  - name: Acme\n"
        "    services:\n"
        "      - name: Mail\n"
        "        fallbacks:\n"
        "          - {id: acme/mail/phone, description: Bellen}\n"
        "          - {description: Phone, last_tested: 2025-01-01, result: ok}\n"
    )
    registry, issues = read_supplier_file(path)
    assert registry is None
    assert [str(issue) for issue in issues] == [
        f"{path}:7: suppliers[0].services[0].fallbacks[1]: result must start "
        "with one of: worked, geslaagd, gelukt, partly, deels, failed, mislukt"
    ]
    path.write_text(path.read_text().replace("result: ok", "result: deels"))
    _, issues = read_supplier_file(path)
    assert [str(issue) for issue in issues] == [
        f"{path}:1: fallback ids must be unique: acme/mail/phone"
    ]
