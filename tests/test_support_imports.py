"""Test modules share code only through tests/support, never by importing one another."""

from __future__ import annotations

import ast
from pathlib import Path

TESTS = Path(__file__).resolve().parent


def imported_modules(path: Path) -> set[str]:
    """Every module ``path`` imports, at any depth (imports inside functions count too)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def is_test_module(name: str) -> bool:
    """A module pytest collects, or the conftest it loads: not something to import."""
    parts = name.split(".")
    return parts[0] == "tests" and any(
        part.startswith("test_") or part == "conftest" for part in parts[1:]
    )


def test_no_module_under_tests_imports_a_test_module_or_the_conftest() -> None:
    sources = sorted(TESTS.glob("*.py")) + sorted((TESTS / "support").glob("*.py"))
    assert len(sources) > 50  # the scan sees the suite, not an empty directory
    offenders = {
        str(path.relative_to(TESTS)): sorted(filter(is_test_module, imported_modules(path)))
        for path in sources
    }
    assert {path: names for path, names in offenders.items() if names} == {}
