"""How supplier names are compared."""

from __future__ import annotations


def normalise(name: str) -> str:
    """The form names are compared in: case and runs of white space do not matter."""
    return " ".join(name.split()).casefold()
