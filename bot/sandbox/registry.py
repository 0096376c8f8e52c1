"""The sandbox's supplier registry: the example one, so ``!drills`` has something to show.

Its fallback options are overdue (tested long ago) or never tested, so the drill plan,
``!concentration`` and ``!report fallbacks`` all have content in a fresh sandbox.
"""

from __future__ import annotations

from pathlib import Path

from bot.services import ServiceFactory
from bot.suppliers.file import read_supplier_file

# ``bot/shipped_examples`` is a symlink to the repository's ``examples/`` folder; the wheel
# holds a copy (pyproject package-data), so the sandbox works from any directory.
SANDBOX_REGISTRY = Path(__file__).resolve().parent.parent / "shipped_examples" / "suppliers.yaml"


async def seed_registry(factory: ServiceFactory, path: Path = SANDBOX_REGISTRY) -> bool:
    """Import ``path`` when the registry is empty; True if it did. A registry already
    there (a reused ``--directory`` with one imported by hand) is left alone."""
    registry, issues = read_supplier_file(path)
    # The shipped file is validated by the tests; a broken one is a bug, not user input.
    assert registry is not None, issues
    async with factory.transaction() as services:
        if await services.suppliers.all_views():
            return False
        await services.suppliers.replace_all(registry.suppliers)
    return True
