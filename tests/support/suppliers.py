"""The example supplier registry, with owners the tests can act as, imported into a bot."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from bot.config import ExerciseSettings
from bot.services import ServiceFactory
from bot.suppliers.file import read_supplier_file
from tests.support.chat import ChatHarness, chat_harness
from tests.support.factories import ALICE, BOB, CAROL
from tests.support.paths import PLAYBOOKS, REPO

EXAMPLE_REGISTRY = REPO / "examples" / "suppliers.yaml"
# Fallback ids of the example registry.
MANUAL_RUN = "acme-cloud/payroll/manual-bank-run"
SECOND_SUPPLIER = "acme-cloud/payroll/second-supplier"
SECONDARY_DNS = "initech-dns/managed-dns/secondary-dns"


def example_registry(directory: Path, owner: str = ALICE) -> Path:
    """The example registry written to ``directory`` with ``owner`` owning the manual run."""
    path = directory / "suppliers.yaml"
    path.write_text(
        EXAMPLE_REGISTRY.read_text().replace('"@salarisadministratie:example.org"', f'"{owner}"')
    )
    return path


async def import_registry(factory: ServiceFactory, path: Path) -> None:
    """Import the registry file at ``path`` as ``weerbaar supplier import`` does."""
    registry, issues = read_supplier_file(path)
    assert registry is not None, issues
    async with factory.transaction() as services:
        await services.suppliers.replace_all(registry.suppliers)


@asynccontextmanager
async def fallback_chat(directory: Path) -> AsyncIterator[ChatHarness]:
    """The chat harness on the example registry: Alice owns the manual bank run, Carol
    coordinates, Bob is only a member; the shipped exercise scenarios are loaded."""
    async with chat_harness(
        directory,
        taskforce=[ALICE, BOB],
        coordinators=[CAROL],
        exercise=ExerciseSettings(scenarios_dir=PLAYBOOKS / "exercises"),
    ) as harness:
        await import_registry(harness.factory, example_registry(directory))
        yield harness
