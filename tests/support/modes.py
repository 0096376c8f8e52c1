"""Checking that what Weerbaar wrote is readable by its owner only."""

from __future__ import annotations

import os
import stat
from pathlib import Path


def loose_modes(root: Path) -> dict[str, str]:
    """Every file and directory under ``root`` (itself included) that is not owner-only
    (files ``0600``, directories ``0700``), with its mode: empty when all are private."""
    loose = {}
    for path in [root, *root.rglob("*")]:
        mode = path.lstat().st_mode
        if stat.S_ISLNK(mode):
            continue
        wanted = 0o700 if stat.S_ISDIR(mode) else 0o600
        if stat.S_IMODE(mode) != wanted:
            loose[str(path.relative_to(root))] = oct(stat.S_IMODE(mode))
    return loose


class Umask:
    """Sets the process umask while in use, as an operator's shell would."""

    def __init__(self, mask: int) -> None:
        self.mask = mask
        self._previous: int | None = None

    def __enter__(self) -> None:
        self._previous = os.umask(self.mask)

    def __exit__(self, *_: object) -> None:
        assert self._previous is not None
        os.umask(self._previous)
