"""The example supplier registry, with owners the tests can act as, imported into a bot."""

from __future__ import annotations

from pathlib import Path

from bot.services import ServiceFactory
from bot.suppliers.file import read_supplier_file
from tests.support.factories import ALICE
from tests.support.paths import REPO

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
