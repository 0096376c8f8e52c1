"""Field paths inside a playbook, as tuples (``("steps", 2, "owner")``) and as text."""

from __future__ import annotations

FieldPath = tuple[str | int, ...]
"""Keys and list indexes from the document root to a value."""


def format_path(path: FieldPath) -> str:
    """Render a path the way authors read it: ``steps[2].owner``; the root is ``""``."""
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else part
    return text
