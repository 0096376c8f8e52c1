"""Loading playbook files and reporting every problem as ``file:line: field: message``."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Generic, TypeVar

from pydantic import BaseModel, ValidationError

from bot.playbooks.locations import FieldPath, format_path
from bot.playbooks.schema import SKIP_CONSISTENCY, Playbook
from bot.playbooks.yamlsafe import ParsedYaml, parse_yaml

# Playbooks are a few KiB; the cap keeps a wrong or hostile file from costing real memory.
MAX_FILE_BYTES = 512 * 1024
PLAYBOOK_SUFFIXES = (".yaml", ".yml")

# Pydantic's wording for the common cases, rephrased for people editing YAML by hand.
_MESSAGES = {
    "missing": "required field is missing",
    "extra_forbidden": "unknown field",
}
# Error types whose message already says everything; others get the offending value appended.
_SELF_EXPLAINING = frozenset({"missing", "extra_forbidden", "value_error", "playbook_consistency"})

ModelT = TypeVar("ModelT", bound=BaseModel)


@dataclass(frozen=True)
class PlaybookIssue:
    """One problem in a playbook file; ``line`` is 1-based, ``field`` like ``steps[2].owner``."""

    file: str
    line: int | None
    field: str
    message: str

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        return (
            f"{where}: {self.field}: {self.message}" if self.field else f"{where}: {self.message}"
        )


class PlaybookError(Exception):
    """A playbook (or a set of them) is invalid; ``issues`` lists every problem found."""

    def __init__(self, issues: Iterable[PlaybookIssue]) -> None:
        self.issues = list(issues)
        super().__init__("\n".join(str(issue) for issue in self.issues))


@dataclass(frozen=True)
class _Checked:
    playbook: Playbook | None
    issues: list[PlaybookIssue]
    id_line: int | None


def load_playbook(path: Path) -> Playbook:
    """Load and fully validate one playbook file; raises PlaybookError with all its issues."""
    checked = _check_file(path)
    if checked.playbook is None:
        raise PlaybookError(checked.issues)
    return checked.playbook


def validate_paths(paths: Iterable[Path]) -> list[PlaybookIssue]:
    """Check files and directories (their ``*.yaml``/``*.yml``, not recursive); [] if all valid.

    Also reports a path that does not exist, a directory without playbooks, and a playbook id
    used by more than one file.
    """
    issues, _ = _check_many(_expand(paths))
    return issues


def load_playbook_dir(directory: Path) -> dict[str, Playbook]:
    """All playbooks in ``directory`` by id; raises PlaybookError if any file is invalid."""
    issues, playbooks = _check_many(_expand([directory]))
    if issues:
        raise PlaybookError(issues)
    return playbooks


def _expand(paths: Iterable[Path]) -> list[Path | PlaybookIssue]:
    expanded: list[Path | PlaybookIssue] = []
    for path in paths:
        if path.is_dir():
            found = sorted(
                p for p in path.iterdir() if p.suffix in PLAYBOOK_SUFFIXES and p.is_file()
            )
            expanded.extend(found)
            if not found:
                expanded.append(PlaybookIssue(str(path), None, "", "no *.yaml or *.yml files here"))
        elif path.exists():
            expanded.append(path)
        else:
            expanded.append(PlaybookIssue(str(path), None, "", "no such file or directory"))
    return expanded


def _check_many(
    entries: list[Path | PlaybookIssue],
) -> tuple[list[PlaybookIssue], dict[str, Playbook]]:
    issues: list[PlaybookIssue] = []
    playbooks: dict[str, Playbook] = {}
    first_file: dict[str, str] = {}
    for entry in entries:
        if isinstance(entry, PlaybookIssue):
            issues.append(entry)
            continue
        checked = _check_file(entry)
        issues.extend(checked.issues)
        if checked.playbook is None:
            continue
        playbook_id = checked.playbook.id
        if playbook_id in first_file:
            issues.append(
                PlaybookIssue(
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
    document = check_document(path, Playbook)
    if document.model is None:
        return _Checked(None, document.issues, None)
    return _Checked(document.model, [], document.parsed.lines.get(("id",)))


@dataclass(frozen=True)
class Document(Generic[ModelT]):
    """A YAML file validated against a model: the model (None on any issue), issues, lines."""

    model: ModelT | None
    issues: list[PlaybookIssue]
    parsed: ParsedYaml


def check_document(path: Path, model: type[ModelT]) -> Document[ModelT]:
    """Read ``path`` as YAML and validate it against ``model``, every issue with its line.

    Shared by playbooks and exercise scenarios, so both report problems the same way.
    """
    file = str(path)
    try:
        with path.open("rb") as stream:
            raw = stream.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        issue = PlaybookIssue(file, None, "", f"cannot read: {exc.strerror or exc}")
        return Document(None, [issue], ParsedYaml(None))
    if len(raw) > MAX_FILE_BYTES:
        message = f"file is larger than {MAX_FILE_BYTES // 1024} KiB; playbooks are much smaller"
        return Document(None, [PlaybookIssue(file, None, "", message)], ParsedYaml(None))
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        message = f"not UTF-8 text (byte {exc.start})"
        return Document(None, [PlaybookIssue(file, None, "", message)], ParsedYaml(None))

    parsed = parse_yaml(text)
    issues = [
        PlaybookIssue(file, problem.line, format_path(problem.path), problem.message)
        for problem in parsed.problems
    ]
    if parsed.data is None:
        return Document(None, issues, parsed)
    validated: ModelT | None
    try:
        # After a YAML problem the data is not what the author wrote (a value was dropped),
        # so cross-field checks could report phantom issues; they run once the YAML is clean.
        validated = model.model_validate(
            parsed.data, context={SKIP_CONSISTENCY: bool(parsed.problems)}
        )
    except ValidationError as exc:
        issues.extend(_validation_issues(file, exc, parsed))
        validated = None
    if issues:
        # Line order is how an author works through the file.
        issues.sort(key=lambda issue: issue.line or 0)
        return Document(None, issues, parsed)
    return Document(validated, [], parsed)


def _validation_issues(file: str, exc: ValidationError, parsed: ParsedYaml) -> list[PlaybookIssue]:
    already_reported = [problem.path for problem in parsed.problems]
    errors = [
        (_data_path(error["loc"], parsed.data, error["type"] == "missing"), error)
        for error in exc.errors(include_url=False)
    ]
    issues: list[PlaybookIssue] = []
    for path, error in errors:
        # A value dropped for a YAML problem (a forbidden tag, say) would be reported again.
        if any(path[: len(bad)] == bad for bad in already_reported):
            continue
        # A list whose items all failed is also "too short"; the item errors say why.
        if error["type"] == "too_short" and any(
            len(other) > len(path) and other[: len(path)] == path for other, _ in errors
        ):
            continue
        message = _MESSAGES.get(error["type"], error["msg"]).removeprefix("Value error, ")
        value = error["input"]
        if error["type"] not in _SELF_EXPLAINING and isinstance(value, str | int | float | bool):
            message += f", got {value!r}"
        issue = PlaybookIssue(file, line_for(path, parsed.lines), format_path(path), message)
        if issue not in issues:
            issues.append(issue)
    return issues


def _data_path(loc: tuple[str | int, ...], data: object, missing: bool) -> FieldPath:
    """The part of a pydantic error location that names real document fields.

    Pydantic adds entries that are not fields (``equals.bool`` for a union member); walking
    the loaded data keeps the keys and indexes that exist, plus the name of a missing key.
    """
    path: list[str | int] = []
    node = data
    for part in loc:
        if isinstance(node, dict) and isinstance(part, str) and (part in node or missing):
            path.append(part)
            if part not in node:
                break
            node = node[part]
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            path.append(part)
            node = node[part]
        else:
            break
    return tuple(path)


def line_for(path: FieldPath, lines: dict[FieldPath, int]) -> int | None:
    """The line of the field, or of its nearest enclosing field (a missing key has none)."""
    for end in range(len(path), -1, -1):
        if path[:end] in lines:
            return lines[path[:end]]
    return None
