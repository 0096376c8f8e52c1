"""The supplier registry ``weerbaar sandbox`` starts with gives ``!drills`` something to show."""

from __future__ import annotations

from pathlib import Path

from bot.sandbox.registry import SANDBOX_REGISTRY, seed_registry
from bot.suppliers.file import read_supplier_file
from bot.suppliers.freshness import Status
from tests.support.chat import chat_harness
from tests.support.factories import ALICE, COORDINATION
from tests.support.suppliers import EXAMPLE_REGISTRY, MANUAL_RUN, SECOND_SUPPLIER, SECONDARY_DNS


async def test_the_sandbox_registry_has_overdue_and_untested_fallbacks(tmp_path: Path) -> None:
    async with chat_harness(tmp_path) as chat:
        assert await seed_registry(chat.factory)
        async with chat.factory.transaction() as services:
            ranked = [(state.key, state.status) for state in await services.fallbacks.drills()]
        # Equal risk (vital 3 x 2 processes x 2 organisations = 12 each): never tested
        # before overdue, then by id.
        assert ranked == [
            (SECOND_SUPPLIER, Status.NEVER_TESTED),
            (SECONDARY_DNS, Status.NEVER_TESTED),
            (MANUAL_RUN, Status.OVERDUE),
        ]
        plan = await chat.command(ALICE, COORDINATION, "!drills")
        assert f"1. {SECOND_SUPPLIER}: NEVER TESTED" in plan
        assert f"3. {MANUAL_RUN}: OVERDUE" in plan


async def test_a_registry_already_there_is_left_alone(tmp_path: Path) -> None:
    async with chat_harness(tmp_path) as chat:
        own = tmp_path / "own.yaml"
        own.write_text("suppliers:\n  - name: Own Supplier\n")
        assert await seed_registry(chat.factory, own)
        assert not await seed_registry(chat.factory)
        async with chat.factory.transaction() as services:
            names = [view.supplier.name for view in await services.suppliers.all_views()]
        assert names == ["Own Supplier"]


def test_the_shipped_registry_is_the_example_one() -> None:
    registry, issues = read_supplier_file(SANDBOX_REGISTRY)
    assert registry is not None and not issues
    assert SANDBOX_REGISTRY.read_text() == EXAMPLE_REGISTRY.read_text()
