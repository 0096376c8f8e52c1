"""The playbook format: loading, every kind of error with file, line and field, and the schema."""

from __future__ import annotations

import datetime as dt
import json
import logging
from pathlib import Path

import pytest
import yaml

from bot.playbooks import catalog
from bot.playbooks.durations import format_deadline, parse_deadline, parse_duration
from bot.playbooks.jsonschema import playbook_json_schema, render_playbook_json_schema
from bot.playbooks.loader import (
    MAX_FILE_BYTES,
    PlaybookError,
    load_playbook,
    load_playbook_dir,
    validate_paths,
)
from bot.playbooks.schema import Condition, LocalizedText, Playbook
from bot.yamlfiles.loader import FileIssue

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "playbooks" / "example-supplier-outage.yaml"
PUBLISHED_SCHEMA = REPO / "playbooks" / "schema" / "playbook.schema.json"

# A small valid playbook; the error tests change one line and expect the issue on that line.
MINI = """\
id: mini
version: 1
title: {nl: Mini, en: Mini}
scenario: {nl: Test, en: Test}
triggers:
  - description: {nl: Storing, en: Outage}
    phases: [crisis]
roles:
  - id: coordinator
    name: {nl: Coördinator, en: Coordinator}
  - id: comms
    name: {nl: Communicatie, en: Communications}
facts:
  - id: vital_process_affected
    type: boolean
    question: {nl: "Vitaal?", en: "Vital?"}
recovery_targets:
  max_tolerable_outage: 3d
  rto: 24h
  rpo: 4h
  minimum_service_level: {nl: Basis, en: Basic}
fallback_options:
  - id: manual
    description: {nl: Handmatig, en: Manual}
    last_tested: 2025-03-01
    test_result: passed
decisions:
  - id: route
    question: {nl: "Welke route?", en: "Which route?"}
    decided_by: coordinator
    after_step: assess
    options:
      - id: fallback
        label: {nl: Terugval, en: Fallback}
        consequences: {nl: Handwerk, en: Manual work}
        next_steps: [switch]
      - id: wait
        label: {nl: Wachten, en: Wait}
        consequences: {nl: Risico, en: Risk}
steps:
  - id: assess
    title: {nl: Beeld, en: Picture}
    owner: coordinator
    deadline: T+1h
    checklist:
      - {nl: Bel leverancier, en: Call supplier}
  - id: switch
    title: {nl: Omschakelen, en: Switch}
    owner: coordinator
    deadline: T+4h
    fallbacks: [manual]
    condition: {fact: vital_process_affected, equals: true}
"""


def edit(text: str, line: int, old: str, new: str) -> str:
    """Replace line ``line`` (1-based), which must read ``old``, by ``new`` (may be several)."""
    lines = text.splitlines()
    assert lines[line - 1] == old, f"line {line} is {lines[line - 1]!r}"
    lines[line - 1] = new
    return "\n".join(lines) + "\n"


def write(tmp_path: Path, text: str, name: str = "mini.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def issues_of(path: Path) -> list[FileIssue]:
    with pytest.raises(PlaybookError) as caught:
        load_playbook(path)
    assert caught.value.issues, "PlaybookError without issues"
    return caught.value.issues


def find(issues: list[FileIssue], field: str) -> FileIssue:
    matching = [issue for issue in issues if issue.field == field]
    assert matching, f"no issue for {field!r} in: " + "; ".join(map(str, issues))
    return matching[0]


def test_example_playbook_loads() -> None:
    playbook = load_playbook(EXAMPLE)

    assert playbook.id == "example-supplier-outage"
    first = playbook.main_line_steps()[0]
    assert first is playbook.steps[0]
    assert first.owner == "coordinator"
    assert first.deadline == dt.timedelta(hours=1)
    assert playbook.branch_step_ids() == {"activate-fallback", "monitor-recovery"}
    assert playbook.get_step("alert-sector").condition == Condition(
        fact="vital_process_affected", equals=True
    )
    assert playbook.get_step("brief-board").requires_decision == "fallback-or-wait"
    assert len(playbook.get_decision("fallback-or-wait").options) == 2
    assert playbook.fallback_options[0].last_tested == dt.date(2025, 3, 12)
    assert "{{ supplier }}" in playbook.get_step("inform-dependents").templates[0].subject.en
    assert EXAMPLE.read_text(encoding="utf-8").startswith(
        "# yaml-language-server: $schema=schema/playbook.schema.json\n"
    )


def test_mini_playbook_is_valid(tmp_path: Path) -> None:
    playbook = load_playbook(write(tmp_path, MINI))

    assert playbook.version == "1"
    assert [step.id for step in playbook.main_line_steps()] == ["assess"]
    assert playbook.recovery_targets.max_tolerable_outage == dt.timedelta(days=3)


def test_dumped_playbook_validates_again() -> None:
    playbook = load_playbook(EXAMPLE)
    dumped = playbook.model_dump(mode="json")

    assert dumped["steps"][0]["deadline"] == "T+1h"
    assert Playbook.model_validate(dumped) == playbook


# (line to edit, its old text, new text) -> (field, line of the issue, part of the message)
ERROR_CASES = {
    "bad-deadline": (
        (50, "    deadline: T+4h", "    deadline: T+4u"),
        ("steps[1].deadline", 50, "invalid deadline 'T+4u'"),
    ),
    "unknown-role": (
        (49, "    owner: coordinator", "    owner: foo"),
        ("steps[1].owner", 49, "unknown role 'foo' (declared roles: coordinator, comms)"),
    ),
    "unknown-decider": (
        (30, "    decided_by: coordinator", "    decided_by: boss"),
        ("decisions[0].decided_by", 30, "unknown role 'boss'"),
    ),
    "unknown-next-step": (
        (36, "        next_steps: [switch]", "        next_steps: [swtich]"),
        ("decisions[0].options[0].next_steps[0]", 36, "unknown step 'swtich'"),
    ),
    "cycle": (
        # The decision opens after the step that only its own option activates.
        (31, "    after_step: assess", "    after_step: switch"),
        (
            "decisions[0].options[0].next_steps[0]",
            36,
            "cycle: step 'switch' -> decision 'route' -> step 'switch'",
        ),
    ),
    "duplicate-step-id": (
        (47, "  - id: switch", "  - id: assess"),
        ("steps[1].id", 47, "duplicate step id 'assess' (first used at steps[0].id)"),
    ),
    "duplicate-mapping-key": (
        (50, "    deadline: T+4h", "    deadline: T+4h\n    owner: comms"),
        ("steps[1].owner", 51, "duplicate key 'owner' (first on line 49)"),
    ),
    "non-string-key": (
        (9, "  - id: coordinator", "  - id: coordinator\n    yes: 1"),
        ("roles[0]", 10, "key 'yes' is not read as text"),
    ),
    "python-tag": (
        (2, "version: 1", "version: !!python/object/apply:os.system [echo]"),
        ("version", 2, "YAML tag '!!python/object/apply:os.system' is not allowed"),
    ),
    "unknown-field": (
        (43, "    owner: coordinator", "    owner: coordinator\n    colour: red"),
        ("steps[0].colour", 44, "unknown field"),
    ),
    "missing-title-en": (
        (3, "title: {nl: Mini, en: Mini}", "title: {nl: Mini}"),
        ("title.en", 3, "required field is missing"),
    ),
    "bad-literal": (
        (26, "    test_result: passed", "    test_result: maybe"),
        ("fallback_options[0].test_result", 26, "got 'maybe'"),
    ),
    "bad-date": (
        (25, "    last_tested: 2025-03-01", "    last_tested: 2025-13-01"),
        ("fallback_options[0].last_tested", 25, "invalid value '2025-13-01'"),
    ),
    "unknown-fact": (
        (
            52,
            "    condition: {fact: vital_process_affected, equals: true}",
            "    condition: {fact: supplier_bankrupt, equals: true}",
        ),
        ("steps[1].condition.fact", 52, "unknown fact 'supplier_bankrupt'"),
    ),
    "condition-type": (
        (
            52,
            "    condition: {fact: vital_process_affected, equals: true}",
            "    condition: {fact: vital_process_affected, equals: 'yes'}",
        ),
        ("steps[1].condition.equals", 52, "is boolean"),
    ),
    "unknown-fallback": (
        (51, "    fallbacks: [manual]", "    fallbacks: [cloud]"),
        ("steps[1].fallbacks[0]", 51, "unknown fallback option 'cloud'"),
    ),
    "untested-fallback-claims-pass": (
        (25, "    last_tested: 2025-03-01", "    last_tested: null"),
        ("fallback_options[0].test_result", 26, "'not_tested' exactly when last_tested is null"),
    ),
    "rto-beyond-outage": (
        (19, "  rto: 24h", "  rto: 4d"),
        ("recovery_targets.rto", 19, "exceeds the maximum tolerable outage"),
    ),
    "legal-clock": (
        (50, "    deadline: T+4h", "    deadline: T+4d\n    legal_clock: nis2_notification"),
        ("steps[1].deadline", 50, "T+4d is later than the legal limit T+3d for nis2_notification"),
    ),
    "first-step-waits": (
        (45, "    checklist:", "    requires_decision: route\n    checklist:"),
        ("steps[0].requires_decision", 45, "cannot wait for a decision"),
    ),
    "unknown-option": (
        (
            51,
            "    fallbacks: [manual]",
            "    fallbacks: [manual]\n    requires_decision: route\n    requires_option: abort",
        ),
        ("steps[1].requires_option", 53, "decision 'route' has no option 'abort'"),
    ),
}


@pytest.mark.parametrize(("change", "expected"), ERROR_CASES.values(), ids=ERROR_CASES.keys())
def test_error_names_file_line_and_field(
    tmp_path: Path, change: tuple[int, str, str], expected: tuple[str, int, str]
) -> None:
    field, line, message = expected
    path = write(tmp_path, edit(MINI, *change))

    issue = find(issues_of(path), field)

    assert (issue.file, issue.line) == (str(path), line), str(issue)
    assert message in issue.message, str(issue)


def test_issue_text_is_file_line_field_message() -> None:
    issue = FileIssue("playbooks/x.yaml", 12, "steps[2].owner", "unknown role 'foo'")

    assert str(issue) == "playbooks/x.yaml:12: steps[2].owner: unknown role 'foo'"
    assert str(FileIssue("x.yaml", None, "", "empty")) == "x.yaml: empty"


def test_all_field_errors_of_a_file_are_reported(tmp_path: Path) -> None:
    text = edit(MINI, 50, "    deadline: T+4h", "    deadline: soon")
    text = edit(text, 43, "    owner: coordinator", "    owner: coordinator\n    colour: red")
    text = edit(text, 3, "title: {nl: Mini, en: Mini}", "title: {nl: Mini}")

    issues = issues_of(write(tmp_path, text))

    assert [(i.line, i.field) for i in issues] == [
        (3, "title.en"),
        (44, "steps[0].colour"),
        (51, "steps[1].deadline"),
    ]


def test_all_reference_errors_of_a_file_are_reported(tmp_path: Path) -> None:
    text = edit(MINI, 49, "    owner: coordinator", "    owner: nobody")
    text = edit(text, 51, "    fallbacks: [manual]", "    fallbacks: [cloud]")
    text = edit(text, 36, "        next_steps: [switch]", "        next_steps: [switch, gone]")

    issues = issues_of(write(tmp_path, text))

    assert [(i.line, i.field) for i in issues] == [
        (36, "decisions[0].options[0].next_steps[1]"),
        (49, "steps[1].owner"),
        (51, "steps[1].fallbacks[0]"),
    ]


def test_yaml_problems_do_not_cause_phantom_issues(tmp_path: Path) -> None:
    # The unreadable date is dropped; "last_tested is null" must not then be reported as well.
    text = edit(MINI, 25, "    last_tested: 2025-03-01", "    last_tested: 2025-13-01")

    issues = issues_of(write(tmp_path, text))

    assert [(i.line, i.field) for i in issues] == [(25, "fallback_options[0].last_tested")]


def test_file_too_big(tmp_path: Path) -> None:
    path = write(tmp_path, MINI + "#" * MAX_FILE_BYTES)

    (issue,) = issues_of(path)

    assert (issue.file, issue.line, issue.field) == (str(path), None, "")
    assert "larger than 512 KiB" in issue.message


def test_alias_bomb_is_rejected(tmp_path: Path) -> None:
    bomb = ['a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for name, previous in zip("bcdefgh", "abcdefg", strict=True):
        bomb.append(f"{name}: &{name} [{', '.join([f'*{previous}'] * 9)}]")
    path = write(tmp_path, "\n".join(bomb) + "\n")

    (issue,) = issues_of(path)

    # The first field whose expansion crosses the cap: e (9**4 + ... nodes), on line 5.
    assert (issue.line, issue.field) == (5, "e")
    assert "more than 10000 values once aliases are expanded" in issue.message


def test_recursive_alias_is_rejected(tmp_path: Path) -> None:
    path = write(tmp_path, "id: x\nloop: &loop\n  - *loop\n")

    (issue,) = issues_of(path)

    # PyYAML keeps no position for an alias, so the issue points at its anchor.
    assert (issue.line, issue.field) == (2, "loop[0]")
    assert "refers to its own anchor" in issue.message


def test_merge_keys_are_rejected(tmp_path: Path) -> None:
    text = edit(MINI, 45, "    checklist:", "    <<: {checklist: []}\n    checklist:")

    issue = find(issues_of(write(tmp_path, text)), "steps[0]")

    assert issue.line == 45
    assert "merge keys" in issue.message


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        pytest.param("", None, "the file is empty", id="empty"),
        pytest.param("id: [unclosed\n", 2, "invalid YAML", id="syntax"),
        pytest.param("id: a\n---\nid: b\n", 2, "invalid YAML", id="two-documents"),
        pytest.param("- a\n- b\n", 1, "valid dictionary", id="not-a-mapping"),
    ],
)
def test_unreadable_documents(tmp_path: Path, text: str, line: int | None, message: str) -> None:
    (issue,) = issues_of(write(tmp_path, text))

    assert (issue.line, issue.field) == (line, "")
    assert message in issue.message


def test_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "latin1.yaml"
    path.write_bytes("id: coördinator\n".encode("latin-1"))

    (issue,) = issues_of(path)

    assert "not UTF-8" in issue.message


def test_validate_paths_reports_only_the_bad_file(tmp_path: Path) -> None:
    write(tmp_path, MINI, "good.yaml")
    bad = write(tmp_path, edit(MINI, 1, "id: mini", "id: other\nversion: 2"), "bad.yml")
    (tmp_path / "notes.txt").write_text("not a playbook", encoding="utf-8")

    issues = validate_paths([tmp_path])

    assert [(i.file, i.line, i.field) for i in issues] == [(str(bad), 3, "version")]


def test_validate_paths_reports_missing_paths_empty_dirs_and_shared_ids(tmp_path: Path) -> None:
    first = write(tmp_path, MINI, "a.yaml")
    second = write(tmp_path, MINI, "b.yaml")
    empty = tmp_path / "empty"
    empty.mkdir()

    issues = validate_paths([first, second, empty, tmp_path / "missing.yaml"])

    assert [(i.file, i.line, i.field) for i in issues] == [
        (str(second), 1, "id"),
        (str(empty), None, ""),
        (str(tmp_path / "missing.yaml"), None, ""),
    ]
    assert f"also used by {first}" in issues[0].message


def test_load_playbook_dir(tmp_path: Path) -> None:
    write(tmp_path, MINI, "mini.yaml")
    write(tmp_path, EXAMPLE.read_text(encoding="utf-8"), "example.yml")

    assert sorted(load_playbook_dir(tmp_path)) == ["example-supplier-outage", "mini"]

    write(tmp_path, MINI, "copy.yaml")
    with pytest.raises(PlaybookError, match="playbook id 'mini' is also used by"):
        load_playbook_dir(tmp_path)


def test_catalogs_read_each_version_of_a_file_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    path = write(tmp_path, MINI)
    parsed: list[Path] = []

    def counting_load(source: Path) -> Playbook:
        parsed.append(source)
        return load_playbook(source)

    monkeypatch.setattr(catalog, "load_playbook", counting_load)
    first, second = catalog.DirectoryCatalog(tmp_path), catalog.DirectoryCatalog(tmp_path)

    assert first.get("mini") is second.get("mini")
    assert parsed == [path]

    write(tmp_path, MINI.replace("version: 1\n", "version: 12\n"))
    assert first.get("mini").version == second.get("mini").version == "12"
    assert parsed == [path, path]

    write(tmp_path, "id: [\n", "broken.yaml")
    with caplog.at_level(logging.WARNING, logger=catalog.__name__):
        assert list(first.load_all()) == list(second.load_all()) == ["mini"]
    (warning,) = caplog.records
    assert warning.getMessage().startswith(f"skipping invalid playbook {tmp_path}/broken.yaml: ")


def test_shipped_playbooks_are_valid() -> None:
    assert validate_paths([REPO / "playbooks"]) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("T+0m", dt.timedelta()),
        ("T+30m", dt.timedelta(minutes=30)),
        ("T+1h", dt.timedelta(hours=1)),
        ("T+1h30m", dt.timedelta(hours=1, minutes=30)),
        ("T+2d", dt.timedelta(days=2)),
        ("T+1w", dt.timedelta(weeks=1)),
        ("T+1w2d3h4m", dt.timedelta(weeks=1, days=2, hours=3, minutes=4)),
    ],
)
def test_parse_deadline(text: str, expected: dt.timedelta) -> None:
    assert parse_deadline(text) == expected
    assert parse_deadline(format_deadline(expected)) == expected


@pytest.mark.parametrize("text", ["", "T+", "1h", "T-1h", "T+1", "T+1x", "T+30m1h", "T+1h1h"])
def test_parse_deadline_rejects(text: str) -> None:
    with pytest.raises(ValueError, match="invalid deadline"):
        parse_deadline(text)


def test_durations() -> None:
    assert parse_duration("90m") == dt.timedelta(minutes=90)
    assert format_deadline(dt.timedelta(minutes=90)) == "T+1h30m"
    with pytest.raises(ValueError, match="too large"):
        parse_duration("9" * 30 + "w")


def test_localized_text_and_condition() -> None:
    text = LocalizedText(nl="Stap", en="Step")
    condition = Condition(fact="vital_process_affected", equals=True)

    assert (text.get("nl"), text.get("en")) == ("Stap", "Step")
    assert condition.holds({"vital_process_affected": True}) is True
    assert condition.holds({"vital_process_affected": False}) is False
    assert condition.holds({}) is None


def test_published_schema_matches_models() -> None:
    assert PUBLISHED_SCHEMA.read_text(encoding="utf-8") == render_playbook_json_schema(), (
        "playbooks/schema/playbook.schema.json is stale: regenerate it with "
        "bot.playbooks.jsonschema.write_playbook_json_schema()"
    )


def test_schema_accepts_the_example_and_rejects_a_typo() -> None:
    jsonschema = pytest.importorskip("jsonschema")
    validator = jsonschema.Draft202012Validator(playbook_json_schema())
    # Editors read YAML 1.2, where an unquoted date stays text.
    data = json.loads(json.dumps(yaml.safe_load(EXAMPLE.read_text(encoding="utf-8")), default=str))

    assert list(validator.iter_errors(data)) == []
    data["steps"][0]["deadline"] = "1 hour"
    assert not validator.is_valid(data)
