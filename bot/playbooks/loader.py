"""Loading playbook files and reporting every problem as ``file:line: field: message``."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from bot.playbooks.schema import Playbook
from bot.yamlfiles.loader import FileError, FileIssue, SizeLimit, check_document, expand_paths

# Playbooks are a few KiB; the cap keeps a wrong or hostile file from costing real memory.
MAX_FILE_BYTES = 512 * 1024
PLAYBOOK_LIMIT = SizeLimit(MAX_FILE_BYTES, "playbooks are much smaller")


class PlaybookError(FileError):
    """A playbook (or a set of them) is invalid; ``issues`` lists every problem found."""


@dataclass(frozen=True)
class _Checked:
    playbook: Playbook | None
    issues: list[FileIssue]
    id_line: int | None


def load_playbook(path: Path) -> Playbook:
    """Load and fully validate one playbook file; raises PlaybookError with all its issues."""
    checked = _check_file(path)
    if checked.playbook is None:
        raise PlaybookError(checked.issues)
    return checked.playbook


def validate_paths(paths: Iterable[Path]) -> list[FileIssue]:
    """Check files and directories (their ``*.yaml``/``*.yml``, not recursive); [] if all valid.

    Also reports a path that does not exist, a directory without playbooks, and a playbook id
    used by more than one file.
    """
    issues, _ = _check_many(expand_paths(paths))
    return issues


def load_playbook_dir(directory: Path) -> dict[str, Playbook]:
    """All playbooks in ``directory`` by id; raises PlaybookError if any file is invalid."""
    issues, playbooks = _check_many(expand_paths([directory]))
    if issues:
        raise PlaybookError(issues)
    return playbooks


def _check_many(
    entries: list[Path | FileIssue],
) -> tuple[list[FileIssue], dict[str, Playbook]]:
    issues: list[FileIssue] = []
    playbooks: dict[str, Playbook] = {}
    first_file: dict[str, str] = {}
    for entry in entries:
        if isinstance(entry, FileIssue):
            issues.append(entry)
            continue
        checked = _check_file(entry)
        issues.extend(checked.issues)
        if checked.playbook is None:
            continue
        playbook_id = checked.playbook.id
        if playbook_id in first_file:
            issues.append(
                FileIssue(
                    str(entry),
                    checked.id_line,
                    "id",
                    f"playbook id {playbook_id!r} is also used by {first_file[playbook_id]}",
                )
            )
        else:
            first_file[playbook_id] = str(entry)
            playbooks[playbook_id] = checked.playbook
    return issues, playbooks


def _check_file(path: Path) -> _Checked:
    document = check_document(path, Playbook, PLAYBOOK_LIMIT)
    if document.model is None:
        return _Checked(None, document.issues, None)
    return _Checked(document.model, [], document.parsed.lines.get(("id",)))
