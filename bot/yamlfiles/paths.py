"""Field paths inside a YAML document, as tuples (``("steps", 2, "owner")``) and as text."""

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
            name = part if _plain(part) else repr(part)
            text += f".{name}" if text else name
    return text


def _plain(key: str) -> bool:
    # A key from a hostile file may hold a line break or a bidi override: quoted and
    # escaped, the issue stays one honest line of ``file:line: field: problem``.
    return bool(key) and key.isprintable() and key.strip() == key
