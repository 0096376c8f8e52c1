"""Finding playbooks by id in the playbook directory."""

from __future__ import annotations

import logging
from functools import lru_cache
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

    def load_all(self) -> dict[str, Playbook]:
        """All valid playbooks by id; invalid files are logged (once per change) and left out."""
        playbooks: dict[str, Playbook] = {}
        for path in sorted(self.directory.glob("*.y*ml")):
            stat = path.stat()
            playbook = _load_version(path, stat.st_mtime_ns, stat.st_size)
            if playbook is not None:
                playbooks.setdefault(playbook.id, playbook)
        return playbooks

    def get(self, playbook_id: str) -> Playbook:
        """The playbook with this id; raises UnknownPlaybook listing the available ones."""
        playbooks = self.load_all()
        if playbook_id not in playbooks:
            raise UnknownPlaybook(name=playbook_id, available=sorted(playbooks))
        return playbooks[playbook_id]


# One parse per version of a file for the whole process, whichever catalog asks (the tests
# build hundreds): an edited file has a new modification time or size, so a new key. Bounded,
# because every edit leaves its old version behind. Playbooks are frozen, so sharing is safe.
@lru_cache(maxsize=256)
def _load_version(path: Path, mtime_ns: int, size: int) -> Playbook | None:
    try:
        return load_playbook(path)
    except PlaybookError as exc:
        log.warning("skipping invalid playbook %s: %s", path, exc)
        return None
