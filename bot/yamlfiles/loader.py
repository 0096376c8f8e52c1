"""Loading a YAML file into a pydantic model, every problem as ``file:line: field: message``."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Generic, TypeVar

from pydantic import BaseModel, ValidationError

from bot.yamlfiles.paths import FieldPath, format_path
from bot.yamlfiles.safe import ParsedYaml, parse_yaml

# Validation context key: set when the YAML had problems, so a model's cross-field checks
# can stand down (the data is then not what the author wrote: a value was dropped).
SKIP_CONSISTENCY = "skip_consistency"

# Pydantic's wording for the common cases, rephrased for people editing YAML by hand.
_MESSAGES = {
    "missing": "required field is missing",
    "extra_forbidden": "unknown field",
}
# Error types whose message already says everything; others get the offending value appended.
_SELF_EXPLAINING = frozenset({"missing", "extra_forbidden", "value_error", "playbook_consistency"})

ModelT = TypeVar("ModelT", bound=BaseModel)

YAML_SUFFIXES = (".yaml", ".yml")


@dataclass(frozen=True)
class FileIssue:
    """One problem in a YAML file; ``line`` is 1-based, ``field`` like ``steps[2].owner``."""

    file: str
    line: int | None
    field: str
    message: str

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        return (
            f"{where}: {self.field}: {self.message}" if self.field else f"{where}: {self.message}"
        )


class FileError(Exception):
    """A file (or a set of them) is invalid; ``issues`` lists every problem found."""

    def __init__(self, issues: Iterable[FileIssue]) -> None:
        self.issues = list(issues)
        super().__init__("\n".join(str(issue) for issue in self.issues))


@dataclass(frozen=True)
class SizeLimit:
    """The most bytes a kind of file may have, and what to tell an author who exceeds it."""

    max_bytes: int
    hint: str = ""

    def message(self) -> str:
        """``file is larger than N KiB``, with the hint after a semicolon if there is one."""
        text = f"file is larger than {self.max_bytes // 1024} KiB"
        return f"{text}; {self.hint}" if self.hint else text


@dataclass(frozen=True)
class Document(Generic[ModelT]):
    """A YAML file validated against a model: the model (None on any issue), issues, lines."""

    model: ModelT | None
    issues: list[FileIssue]
    parsed: ParsedYaml


def check_document(path: Path, model: type[ModelT], limit: SizeLimit) -> Document[ModelT]:
    """Read ``path`` as YAML and validate it against ``model``, every issue with its line.

    The one loader of playbooks, exercise scenarios and the supplier registry. Issues come
    in line order, which is how an author works through the file.
    """
    file = str(path)
    try:
        with path.open("rb") as stream:
            raw = stream.read(limit.max_bytes + 1)
    except OSError as exc:
        issue = FileIssue(file, None, "", f"cannot read: {exc.strerror or exc}")
        return Document(None, [issue], ParsedYaml(None))
    if len(raw) > limit.max_bytes:
        return Document(None, [FileIssue(file, None, "", limit.message())], ParsedYaml(None))
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        message = f"not UTF-8 text (byte {exc.start})"
        return Document(None, [FileIssue(file, None, "", message)], ParsedYaml(None))

    parsed = parse_yaml(text)
    issues = [
        FileIssue(file, problem.line, format_path(problem.path), problem.message)
        for problem in parsed.problems
    ]
    if parsed.data is None:
        return Document(None, issues, parsed)
    validated: ModelT | None
    try:
        validated = model.model_validate(
            parsed.data, context={SKIP_CONSISTENCY: bool(parsed.problems)}
        )
    except ValidationError as exc:
        issues.extend(_validation_issues(file, exc, parsed))
        validated = None
    if issues:
        issues.sort(key=lambda issue: issue.line or 0)
        return Document(None, issues, parsed)
    return Document(validated, [], parsed)


def yaml_files(directory: Path) -> list[Path]:
    """The ``*.yaml``/``*.yml`` files directly in ``directory``, sorted; [] if it is not one."""
    if not directory.is_dir():
        return []
    return sorted(p for p in directory.iterdir() if p.suffix in YAML_SUFFIXES and p.is_file())


def expand_paths(paths: Iterable[Path]) -> list[Path | FileIssue]:
    """Files and directories as the files to check, in order, with an issue in place of a
    path that does not exist or a directory without YAML files (not recursive)."""
    expanded: list[Path | FileIssue] = []
    for path in paths:
        if path.is_dir():
            found = yaml_files(path)
            expanded.extend(found)
            if not found:
                expanded.append(FileIssue(str(path), None, "", "no *.yaml or *.yml files here"))
        elif path.exists():
            expanded.append(path)
        else:
            expanded.append(FileIssue(str(path), None, "", "no such file or directory"))
    return expanded


def issue_at(
    file: Path | str, field: FieldPath, lines: dict[FieldPath, int], message: str
) -> FileIssue:
    """An issue about ``field``, placed on its line (or its nearest enclosing field's)."""
    return FileIssue(str(file), line_for(field, lines), format_path(field), message)


def _validation_issues(file: str, exc: ValidationError, parsed: ParsedYaml) -> list[FileIssue]:
    already_reported = [problem.path for problem in parsed.problems]
    errors = [
        (_data_path(error["loc"], parsed.data, error["type"] == "missing"), error)
        for error in exc.errors(include_url=False)
    ]
    issues: list[FileIssue] = []
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
        issue = issue_at(file, path, parsed.lines, message)
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
