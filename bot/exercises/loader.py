"""Loading scenario files, reported ``file:line: field: message`` like playbooks."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from bot.exercises.scenario import (
    Scenario,
    alert_order_problems,
    duplicate_covers,
    reference_problems,
    unknown_fallbacks,
)
from bot.playbooks.loader import PLAYBOOK_LIMIT
from bot.playbooks.schema import Playbook
from bot.yamlfiles.loader import (
    YAML_SUFFIXES,
    FileError,
    FileIssue,
    check_document,
    expand_paths,
    issue_at,
    line_for,
    yaml_files,
)


@dataclass(frozen=True)
class _Checked:
    """One scenario file checked: the scenario when valid, else its issues; the line of
    its ``id`` either way, where a duplicate id is reported."""

    scenario: Scenario | None
    issues: list[FileIssue]
    id_line: int | None = None


def check_scenario(
    path: Path, playbooks: Mapping[str, Playbook], fallback_ids: Collection[str] | None = None
) -> tuple[Scenario | None, list[FileIssue]]:
    """Validate one scenario file, including that its playbook and the ids it uses exist
    (the fallback options it covers too, given the registry's ``fallback_ids``)."""
    checked = _check(path, playbooks, fallback_ids)
    return checked.scenario, checked.issues


def _check(
    path: Path, playbooks: Mapping[str, Playbook], fallback_ids: Collection[str] | None
) -> _Checked:
    # A scenario is about the size of a playbook, so it gets the same cap.
    document = check_document(path, Scenario, PLAYBOOK_LIMIT)
    scenario = document.model
    if scenario is None:
        return _Checked(None, document.issues)
    lines = document.parsed.lines
    id_line = line_for(("id",), lines)
    playbook = playbooks.get(scenario.playbook)
    if playbook is None:
        message = f"no playbook with id {scenario.playbook!r}"
        return _Checked(None, [issue_at(path, ("playbook",), lines, message)], id_line)
    problems = [
        *alert_order_problems(scenario),
        *duplicate_covers(scenario),
        *reference_problems(scenario, playbook),
    ]
    if fallback_ids is not None:
        problems += unknown_fallbacks(scenario, fallback_ids)
    issues = [issue_at(path, field, lines, message) for field, message in problems]
    return _Checked(None, issues, id_line) if issues else _Checked(scenario, [], id_line)


def validate_scenarios(
    paths: Iterable[Path],
    playbooks: Mapping[str, Playbook],
    fallback_ids: Collection[str] | None = None,
) -> list[FileIssue]:
    """Check scenario files and directories (their ``*.yaml``/``*.yml``); [] if all valid.

    With ``fallback_ids`` (of a supplier registry), what scenarios cover must be among them.
    """
    issues: list[FileIssue] = []
    seen: dict[str, str] = {}
    for path in expand_paths(paths):
        if isinstance(path, FileIssue):
            issues.append(path)
            continue
        checked = _check(path, playbooks, fallback_ids)
        issues.extend(checked.issues)
        scenario = checked.scenario
        if scenario is None:
            continue
        if scenario.id in seen:
            issues.append(
                FileIssue(str(path), checked.id_line, "id", f"also used by {seen[scenario.id]}")
            )
        seen.setdefault(scenario.id, str(path))
    return issues


def covering(directory: Path, playbooks: Mapping[str, Playbook]) -> dict[str, list[str]]:
    """Fallback id: the ids of the valid scenarios in ``directory`` that cover it."""
    found: dict[str, list[str]] = {}
    for path in yaml_files(directory):
        scenario, _ = check_scenario(path, playbooks)
        if scenario is None:
            continue  # an invalid scenario cannot be played, so it drills nothing
        for key in scenario.covers:
            found.setdefault(key, []).append(scenario.id)
    return found


def load_scenario(path: Path, playbooks: Mapping[str, Playbook]) -> Scenario:
    """Load one valid scenario; raises FileError listing every issue."""
    scenario, issues = check_scenario(path, playbooks)
    if scenario is None:
        raise FileError(issues)
    return scenario


def find_scenario(name: str, directory: Path, playbooks: Mapping[str, Playbook]) -> Scenario:
    """The scenario called ``name`` (file stem or id) in ``directory``, or a path to one.

    Raises LookupError naming the available scenarios, FileError if it is invalid.
    """
    candidate = Path(name)
    if candidate.suffix in YAML_SUFFIXES and candidate.is_file():
        return load_scenario(candidate, playbooks)
    files = yaml_files(directory)
    for path in files:
        if path.stem == name:
            return load_scenario(path, playbooks)
    for path in files:
        scenario, _ = check_scenario(path, playbooks)
        if scenario is not None and scenario.id == name:
            return scenario
    available = ", ".join(path.stem for path in files) or "none"
    raise LookupError(f"no scenario {name!r} in {directory} (available: {available})")
