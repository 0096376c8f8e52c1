"""PyYAML's two parsers read Weerbaar's YAML files alike.

``bot/yamlfiles/safe.py`` composes with libyaml (``CSafeLoader``) where PyYAML was built
with it, as its wheels are, and with the pure-Python ``SafeLoader`` elsewhere. Whichever
one a machine has, a file must give the same data, the same line for every field and the
same problems, worded alike where an author acts on the wording.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bot.yamlfiles import safe
from bot.yamlfiles.safe import ParsedYaml, parse_yaml
from tests.support.paths import PLAYBOOKS, REPO

pytestmark = pytest.mark.skipif(
    not hasattr(yaml, "CSafeLoader"), reason="PyYAML without libyaml: one parser only"
)

SHIPPED = sorted(
    [
        *PLAYBOOKS.glob("*.yaml"),
        *(PLAYBOOKS / "exercises").glob("*.yaml"),
        REPO / "examples" / "suppliers.yaml",
    ]
)
# Documents refused in whole or in part: the same problems, word for word.
REFUSED = {
    "duplicate key": "a: 1\na: 2\n",
    "python tag": "a: !!python/object:os.system x\n",
    "merge key": "base: &b {x: 1}\nother:\n  <<: *b\n",
    "keys read as non-text": "1: one\nyes: true\n",
    "impossible date": "when: 2025-13-01\n",
    "alias inside its own anchor": "a: &a [*a]\n",
    "undefined alias": "naam: 'één'\nsteps: [1, *missing]\n",
    "empty file": "",
    "unterminated quote": "x: 'open\n",
}
# Text neither parser can read: each words it its own way, at the same line.
UNREADABLE = {"tab in indentation": "a: 1\n\tb: 2\n", "unclosed list": "a: [1, 2\nb: 3\n"}


def safe_loaders() -> tuple[type, type]:
    """The pure-Python loader and libyaml's, in that order."""
    return yaml.SafeLoader, yaml.CSafeLoader


def parsed_by(loader: type, text: str, monkeypatch: pytest.MonkeyPatch) -> ParsedYaml:
    """``text`` as ``parse_yaml`` reads it when ``loader`` is the one PyYAML offers."""
    with monkeypatch.context() as patch:
        patch.setattr(safe, "_LOADER", loader)
        return parse_yaml(text)


@pytest.mark.parametrize("path", SHIPPED, ids=lambda path: path.name)
def test_shipped_files_read_the_same(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    text = path.read_text(encoding="utf-8")
    pure = parsed_by(yaml.SafeLoader, text, monkeypatch)
    assert pure.data and not pure.problems
    assert parsed_by(yaml.CSafeLoader, text, monkeypatch) == pure


@pytest.mark.parametrize("text", REFUSED.values(), ids=list(REFUSED))
def test_refused_documents_give_the_same_problems(
    text: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    pure = parsed_by(yaml.SafeLoader, text, monkeypatch)
    assert pure.problems
    assert parsed_by(yaml.CSafeLoader, text, monkeypatch) == pure


def test_an_undefined_alias_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    parsed = parsed_by(yaml.CSafeLoader, REFUSED["undefined alias"], monkeypatch)
    assert [(p.line, p.message) for p in parsed.problems] == [
        (2, "invalid YAML: found undefined alias 'missing'")
    ]


@pytest.mark.parametrize("text", UNREADABLE.values(), ids=list(UNREADABLE))
def test_unreadable_text_is_refused_at_the_same_line(
    text: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    pure, libyaml = (parsed_by(loader, text, monkeypatch) for loader in safe_loaders())
    assert pure.data is None and libyaml.data is None
    assert [p.line for p in pure.problems] == [p.line for p in libyaml.problems]
    assert all(p.message.startswith("invalid YAML: ") for p in pure.problems + libyaml.problems)


def test_too_deep_nesting_reads_alike(monkeypatch: pytest.MonkeyPatch) -> None:
    # Python's parser recurses and runs out of stack; libyaml stops at 1000 levels.
    text = "x: " + "[" * 20_000 + "]" * 20_000
    for loader in safe_loaders():
        messages = [p.message for p in parsed_by(loader, text, monkeypatch).problems]
        assert messages == ["YAML is nested too deeply"], loader
