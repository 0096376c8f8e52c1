"""The import direction of the bot's layers stays as the README describes (issue 18 item 6).

Each module of ``bot`` belongs to the layer of the longest prefix naming it below; a module
may import from its own layer and the layers under it, never from one above. So transport
(Matrix) knows nothing of commands, and the domain areas know nothing of the services
that bind them, of Matrix, or of the handlers that call them. Imports only for type
checking count too: they are a dependency all the same.
"""

from __future__ import annotations

import ast
from pathlib import Path

import bot

# Highest first.
LAYERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "entry points",
        (
            "bot.__main__",
            "bot.cli",
            "bot.cli_errors",
            "bot.app",
            "bot.sandbox",
            "bot.exercises",
            "bot.suppliers.cli",
            "bot.reports.cli",
        ),
    ),
    (
        "handlers",
        (
            "bot.commands",
            "bot.intake",
            "bot.web",
            "bot.polling",
            "bot.timers",
            "bot.scheduling",
            "bot.matrix.room_performers",
            "bot.matrix.undecryptable",
        ),
    ),
    ("services", ("bot.services",)),
    ("transport", ("bot.matrix", "bot.degraded")),
    (
        "domain",
        (
            "bot.alerts",
            "bot.situations",
            "bot.decisionlog",
            "bot.playbooks",
            "bot.reports",
            "bot.suppliers",
            "bot.retention",
            "bot.polling.state",
            "bot.scheduling.timers",
            "bot.scheduling.kinds",
            "bot.exercises.marking",
            "bot.exercises.starter",
            "bot.exercises.scenario",
            "bot.exercises.purge",
            "bot.storage.backup",
        ),
    ),
    (
        "foundation",
        (
            "bot",
            "bot.storage",
            "bot.playbooks.durations",
            "bot.yamlfiles",
        ),
    ),
)

PACKAGE = Path(bot.__file__).parent


def layer_of(module: str) -> int:
    """The index in LAYERS of the longest prefix that names ``module``."""
    best, best_length = -1, -1
    for index, (_name, prefixes) in enumerate(LAYERS):
        for prefix in prefixes:
            if (module == prefix or module.startswith(prefix + ".")) and len(prefix) > best_length:
                best, best_length = index, len(prefix)
    return best


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path) -> set[str]:
    """The ``bot`` modules ``path`` imports (``from bot.x import y`` may name module x.y)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name.startswith("bot."))
        elif (
            isinstance(node, ast.ImportFrom)
            and node.level == 0
            and node.module is not None
            and (node.module == "bot" or node.module.startswith("bot."))
        ):
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def violations() -> list[str]:
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if "migrations" in path.parts:
            continue
        module = module_name(path)
        own = layer_of(module)
        for imported in sorted(imports_of(path)):
            # ``from bot.x import name`` gives x.name: a module, or a name in x's layer.
            target = layer_of(imported)
            if target < own:
                found.append(
                    f"{module} ({LAYERS[own][0]}) imports {imported} ({LAYERS[target][0]})"
                )
    return found


def test_every_prefix_names_a_module() -> None:
    # A renamed module would otherwise fall silently into its package's layer.
    modules = {module_name(path) for path in PACKAGE.rglob("*.py")}
    prefixes = [prefix for _name, names in LAYERS for prefix in names]
    assert [prefix for prefix in prefixes if prefix not in modules] == []


def test_no_module_imports_from_a_layer_above_its_own() -> None:
    assert violations() == []
