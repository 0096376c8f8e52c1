"""The README's chat command table, generated from the registry so the two cannot drift.

``python -m bot.commands.table`` prints it; a test checks the README holds it verbatim.
"""

from __future__ import annotations

from bot.commands import build_registry
from bot.commands.registry import Command, Registry

HEADER = "| English | Dutch | What it does |\n|---|---|---|"


def _cell(usage: str) -> str:
    """A usage line as Markdown code in a table cell (a ``|`` would end the cell)."""
    return "`" + usage.replace("|", "\\|") + "`"


def _row(command: Command, child: Command | None) -> str:
    shown = child or command
    description = shown.readme or shown.summary["en"]
    english = _cell(command.usage_line("en", child))
    dutch = _cell(command.usage_line("nl", child))
    return f"| {english} | {dutch} | {description} |"


def command_table(registry: Registry) -> str:
    """One row per command, or per subcommand: usage in English and Dutch, what it does."""
    rows = [HEADER]
    for command in registry.commands:
        children: tuple[Command | None, ...] = command.children or (None,)
        rows += [_row(command, child) for child in children]
    return "\n".join(rows) + "\n"


if __name__ == "__main__":
    print(command_table(build_registry()), end="")
