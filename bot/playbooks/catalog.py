"""Finding playbooks by id in the playbook directory."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Protocol

from bot.errors import UnknownPlaybook
from bot.playbooks.loader import PlaybookError, load_playbook
from bot.playbooks.schema import Playbook

log = logging.getLogger(__name__)


class PlaybookCatalog(Protocol):
    """Where the domain gets playbooks from."""

    def get(self, playbook_id: str) -> Playbook:
        """The playbook with this id; raises UnknownPlaybook listing the available ones."""
        ...


class DirectoryCatalog:
    """Playbooks read from a directory on every look-up, so edits apply without a restart.

    A file is parsed again only when its modification time or size changed: validating a
    large playbook takes about 0.1 s, too slow to repeat for every file on every command.
    """

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._parsed: dict[Path, tuple[tuple[int, int], Playbook | None]] = {}

    def load_all(self) -> dict[str, Playbook]:
        """All valid playbooks by id; invalid files are logged (once per change) and left out."""
        playbooks: dict[str, Playbook] = {}
        for path in sorted(self.directory.glob("*.y*ml")):
            playbook = self._load(path)
            if playbook is not None:
                playbooks.setdefault(playbook.id, playbook)
        return playbooks

    def _load(self, path: Path) -> Playbook | None:
        stat = path.stat()
        version = (stat.st_mtime_ns, stat.st_size)
        cached = self._parsed.get(path)
        if cached is not None and cached[0] == version:
            return cached[1]
        playbook: Playbook | None
        try:
            playbook = load_playbook(path)
        except PlaybookError as exc:
            log.warning("skipping invalid playbook %s: %s", path, exc)
            playbook = None
        self._parsed[path] = (version, playbook)
        return playbook

    def get(self, playbook_id: str) -> Playbook:
        """The playbook with this id; raises UnknownPlaybook listing the available ones."""
        playbooks = self.load_all()
        if playbook_id not in playbooks:
            raise UnknownPlaybook(name=playbook_id, available=sorted(playbooks))
        return playbooks[playbook_id]
