"""Playbooks, exercise scenarios and the supplier registry read from generated, hostile YAML.

Each example starts from a real file, breaks its data (wrong types, missing and unknown
fields, deep nesting, huge scalars) and then its text (duplicate keys, an alias bomb,
bytes that are not UTF-8, a cut): the loader must answer with ``file:line: field:
problem`` issues or a valid result, never a traceback, within bounded memory.
"""

from __future__ import annotations

import re
import tempfile
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from bot.exercises.loader import check_scenario
from bot.playbooks.loader import load_playbook_dir, validate_paths
from bot.suppliers.file import read_supplier_file
from bot.yamlfiles.loader import FileIssue
from tests.support.fuzzing import fuzz_settings
from tests.support.paths import PLAYBOOKS, REPO

SHIPPED = load_playbook_dir(PLAYBOOKS)
# libyaml where PyYAML has it (its wheels do): the pure-Python emitter took two thirds of
# these tests' time. What is checked is the loader under test, whichever these are.
SEED_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
Check = Callable[[Path], list[FileIssue]]
TARGETS: dict[str, tuple[list[Path], Check]] = {
    "playbook": (sorted(PLAYBOOKS.glob("*.yaml")), lambda path: validate_paths([path])),
    "scenario": (
        sorted((PLAYBOOKS / "exercises").glob("*.yaml")),
        lambda path: check_scenario(path, SHIPPED)[1],
    ),
    "supplier registry": (
        [REPO / "examples" / "suppliers.yaml"],
        lambda path: read_supplier_file(path)[1],
    ),
}
# Far above what a few-KiB file costs to check, far below what an expanded alias bomb or a
# copy per nesting level would take.
MAX_PEAK_BYTES = 64 * 1024 * 1024
BILLION_LAUGHS = "\n".join(
    ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    + [f"a{n}: &a{n} [{','.join([f'*a{n - 1}'] * 9)}]" for n in range(1, 10)]
    + ["steps: *a9", ""]
)

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(),
    st.text(max_size=50),
    st.sampled_from(["", "yes", "no", "~", "1e999", "2026-13-45", "P1D", "-1", "${x}"]),
    st.integers(min_value=10_000, max_value=2_000_000).map(lambda n: "x" * n),
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=10), inner, max_size=4)
    ),
    max_leaves=12,
)


def _nested(depth: int) -> object:
    value: object = "deep"
    for _ in range(depth):
        value = {"x": [value]}
    return value


# Nesting deep enough to matter but shallow enough for the dumper; deeper nesting is
# made in the text (the "deep" edit below).
hostile = st.one_of(values, st.integers(min_value=10, max_value=40).map(_nested))


def _paths(data: object, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every place in ``data`` a value can be put, the root included."""
    found = [prefix]
    if isinstance(data, dict):
        for key, value in data.items():
            found.extend(_paths(value, (*prefix, key)))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            found.extend(_paths(value, (*prefix, index)))
    return found


def _put(data: object, path: tuple[Any, ...], value: object, delete: bool) -> object:
    if not path:
        return value
    container: Any = data
    for part in path[:-1]:
        container = container[part]
    if delete:
        del container[path[-1]]
    else:
        container[path[-1]] = value
    return data


@st.composite
def hostile_documents(draw: st.DrawFn, seeds: list[Path]) -> bytes:
    """A real file's data broken in a few places, dumped, then its text broken."""
    data: object = yaml.load(draw(st.sampled_from(seeds)).read_bytes(), Loader=SEED_LOADER)
    for _ in range(draw(st.integers(min_value=0, max_value=3))):
        path = draw(st.sampled_from(_paths(data)))
        data = _put(data, path, draw(hostile), delete=bool(path) and draw(st.booleans()))
    text = yaml.dump(data, Dumper=DUMPER, allow_unicode=True, sort_keys=False).encode()
    lines = text.splitlines(keepends=True)
    edits = ["none", "duplicate", "laughs", "bytes", "cut", "alias", "deep"]
    edit = draw(st.sampled_from(edits))
    if edit == "duplicate" and lines:
        line = draw(st.sampled_from(lines))
        text = text + line if not line.startswith(b" ") else text
    elif edit == "laughs":
        text = BILLION_LAUGHS.encode() + text
    elif edit == "bytes":
        at = draw(st.integers(min_value=0, max_value=len(text)))
        text = text[:at] + draw(st.binary(min_size=1, max_size=8)) + text[at:]
    elif edit == "cut":
        text = text[: draw(st.integers(min_value=0, max_value=len(text)))]
    elif edit == "alias":
        text = b"x: &x [*x]\n" + text
    elif edit == "deep":
        # Past MAX_DEPTH, below Python's recursion limit (that case costs a second or two
        # each, so it has its own test below).
        depth = draw(st.integers(min_value=30, max_value=400))
        text = b"x: " + b"[" * depth + b"]" * depth + b"\n" + text
    return text


def _issue_shape(path: Path) -> re.Pattern[str]:
    # file[:line]: [field: ]problem
    return re.compile(rf"^{re.escape(str(path))}(:\d+)?: \S.*", re.DOTALL)


def _issues(kind: str, text: bytes) -> tuple[Path, list[FileIssue]]:
    _, check = TARGETS[kind]
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "hostile.yaml"
        path.write_bytes(text)
        return path, check(path)


def _check(kind: str, text: bytes) -> None:
    path, issues = _issues(kind, text)
    shape = _issue_shape(path)
    for issue in issues:
        assert issue.file == str(path) and issue.message, issue
        assert shape.match(str(issue)), str(issue)


@pytest.mark.parametrize("kind", TARGETS)
def test_an_alias_bomb_costs_little_memory(kind: str) -> None:
    # Measured apart from the generated examples: tracemalloc slows parsing a hundredfold.
    tracemalloc.start()
    try:
        _check(kind, BILLION_LAUGHS.encode() + TARGETS[kind][0][0].read_bytes())
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < MAX_PEAK_BYTES, (kind, peak)


@pytest.mark.parametrize("kind", TARGETS)
def test_nesting_past_the_recursion_limit_is_an_issue(kind: str) -> None:
    _, issues = _issues(kind, b"x: " + b"[" * 20_000 + b"]" * 20_000)
    assert [issue.message for issue in issues] == ["YAML is nested too deeply"]


@fuzz_settings(40)
@given(text=hostile_documents(TARGETS["playbook"][0]))
def test_hostile_playbooks_get_issues_not_tracebacks(text: bytes) -> None:
    _check("playbook", text)


@fuzz_settings(40)
@given(text=hostile_documents(TARGETS["scenario"][0]))
def test_hostile_scenarios_get_issues_not_tracebacks(text: bytes) -> None:
    _check("scenario", text)


@fuzz_settings(40)
@given(text=hostile_documents(TARGETS["supplier registry"][0]))
def test_hostile_supplier_registries_get_issues_not_tracebacks(text: bytes) -> None:
    _check("supplier registry", text)


def test_a_key_with_a_line_break_is_quoted_in_the_issue() -> None:
    # Found by the long run: the raw "\r" split the issue line in two.
    path, issues = _issues("supplier registry", b'"\\r": null\n')
    lines = [str(issue) for issue in issues]
    assert f"{path}:1: '\\r': unknown field" in lines
    assert all("\r" not in line and "\n" not in line for line in lines), lines
