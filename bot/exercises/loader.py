"""Loading scenario files, reported ``file:line: field: message`` like playbooks."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path

from bot.exercises.scenario import Scenario, reference_problems
from bot.playbooks.loader import PlaybookError, PlaybookIssue, check_document, line_for
from bot.playbooks.locations import format_path
from bot.playbooks.schema import Playbook

SCENARIO_SUFFIXES = (".yaml", ".yml")


def check_scenario(
    path: Path, playbooks: Mapping[str, Playbook]
) -> tuple[Scenario | None, list[PlaybookIssue]]:
    """Validate one scenario file, including that its playbook and the ids it uses exist."""
    document = check_document(path, Scenario)
    scenario = document.model
    if scenario is None:
        return None, document.issues
    lines = document.parsed.lines
    playbook = playbooks.get(scenario.playbook)
    if playbook is None:
        issue = PlaybookIssue(
            str(path),
            line_for(("playbook",), lines),
            "playbook",
            f"no playbook with id {scenario.playbook!r}",
        )
        return None, [issue]
    issues = [
        PlaybookIssue(str(path), line_for(field, lines), format_path(field), message)
        for field, message in reference_problems(scenario, playbook)
    ]
    return (None, issues) if issues else (scenario, [])


def validate_scenarios(
    paths: Iterable[Path], playbooks: Mapping[str, Playbook]
) -> list[PlaybookIssue]:
    """Check scenario files and directories (their ``*.yaml``/``*.yml``); [] if all valid."""
    issues: list[PlaybookIssue] = []
    seen: dict[str, str] = {}
    for path in _expand(paths, issues):
        scenario, found = check_scenario(path, playbooks)
        issues.extend(found)
        if scenario is None:
            continue
        if scenario.id in seen:
            issues.append(PlaybookIssue(str(path), None, "id", f"also used by {seen[scenario.id]}"))
        seen.setdefault(scenario.id, str(path))
    return issues


def load_scenario(path: Path, playbooks: Mapping[str, Playbook]) -> Scenario:
    """Load one valid scenario; raises PlaybookError listing every issue."""
    scenario, issues = check_scenario(path, playbooks)
    if scenario is None:
        raise PlaybookError(issues)
    return scenario


def find_scenario(name: str, directory: Path, playbooks: Mapping[str, Playbook]) -> Scenario:
    """The scenario called ``name`` (file stem or id) in ``directory``, or a path to one.

    Raises LookupError naming the available scenarios, PlaybookError if it is invalid.
    """
    candidate = Path(name)
    if candidate.suffix in SCENARIO_SUFFIXES and candidate.is_file():
        return load_scenario(candidate, playbooks)
    files = _scenario_files(directory)
    for path in files:
        if path.stem == name:
            return load_scenario(path, playbooks)
    for path in files:
        scenario, _ = check_scenario(path, playbooks)
        if scenario is not None and scenario.id == name:
            return scenario
    available = ", ".join(path.stem for path in files) or "none"
    raise LookupError(f"no scenario {name!r} in {directory} (available: {available})")


def _scenario_files(directory: Path) -> list[Path]:
    if not directory.is_dir():
        return []
    return sorted(p for p in directory.iterdir() if p.suffix in SCENARIO_SUFFIXES and p.is_file())


def _expand(paths: Iterable[Path], issues: list[PlaybookIssue]) -> list[Path]:
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            found = _scenario_files(path)
            if not found:
                issues.append(PlaybookIssue(str(path), None, "", "no *.yaml or *.yml files here"))
            files.extend(found)
        elif path.exists():
            files.append(path)
        else:
            issues.append(PlaybookIssue(str(path), None, "", "no such file or directory"))
    return files
