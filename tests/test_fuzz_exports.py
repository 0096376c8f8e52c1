"""Log entries with generated hostile text rendered in all six report formats.

HTML and Markdown must escape it, CSV must defuse anything a spreadsheet reads as a
formula, JSON must stay valid against the published schema, and PDF and ODT must render
and carry the text verbatim.
"""

from __future__ import annotations

import copy
import csv
import io
import json
import re
import zipfile
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import jsonschema
import pypdf
import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.alerts.model import IncomingAlert, Severity
from bot.decisionlog.kinds import EntryKind
from bot.reports.formats import FORMATS
from bot.reports.view import build_view
from bot.storage.db import Database
from tests.support.factories import make_factory
from tests.support.fuzzing import fuzz_settings

SCHEMA = json.loads(
    (Path(__file__).resolve().parent.parent / "bot/reports/schema/report.schema.json").read_text()
)
# Built once: jsonschema.validate() checks the schema itself on every call (about 50 ms).
VALIDATOR = jsonschema.validators.validator_for(SCHEMA)(SCHEMA)
MARKUP = [
    "<zz-evil>",
    "</zz-evil>",
    "<script>alert(1)</script>",
    '<img src=x onerror="alert(1)">',
    "<!--",
    "]]>",
    "&amp;",
    "**",
    "| x |",
    "[a](javascript:alert(1))",
    "\n# heading\n",
    "`",
]
FORMULA_STARTS = ("=", "+", "-", "@")
# Markdown escapes "<" as "\\<"; a bare one would open raw HTML.
UNESCAPED_TAG = re.compile(r"(?<!\\)<(zz-evil|script|img)")
hostile_text = st.lists(
    st.one_of(st.text(max_size=20), st.sampled_from(MARKUP), st.sampled_from(FORMULA_STARTS)),
    min_size=1,
    max_size=8,
).map("".join)
# What the report fonts can show: markup and formula starts among printable ASCII, so
# a document that leaves out or mangles any of it is caught (not a missing glyph).
printable_hostile = st.lists(
    st.one_of(
        st.text(alphabet=st.characters(min_codepoint=33, max_codepoint=126), max_size=20),
        st.sampled_from([piece for piece in MARKUP if piece.strip() == piece]),
        st.sampled_from(FORMULA_STARTS),
    ),
    min_size=1,
    max_size=6,
).map("".join)


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)


async def _view(database: Database) -> dict[str, Any]:
    """The report view of a situation with a note in its log."""
    factory = make_factory(database)
    async with factory.transaction() as services:
        alert = await services.alerts.receive(
            IncomingAlert(supplier="Acme", title="Outage", severity=Severity.S1, source="test")
        )
        situation = await services.situations.escalate_alert(alert.id, "@alice:test")
        await services.log.append(situation.id, EntryKind.NOTE, "@alice:test", {"text": "n"})
        report = await services.reports.gather(situation.id)
    return build_view(report, "en", "Europe/Amsterdam", factory.clock.now())


def _hostile(view: dict[str, Any], text: str) -> dict[str, Any]:
    """``view`` with ``text`` in every log entry's actor, description and payload."""
    changed = copy.deepcopy(view)
    for entry in changed["timeline"]:
        entry.update(actor=text, description=text, payload={"text": text})
    changed["situation"]["title"] = text
    return changed


def _render(view: dict[str, Any], name: str) -> bytes:
    return FORMATS[name].render(view, view["language"], view["timezone"])


# Rendering does not depend on the database: SQLite alone keeps the stage short.
@pytest.mark.parametrize("database", ["sqlite"], indirect=True)
async def test_hostile_log_text_is_escaped_or_defused_in_every_format(database: Database) -> None:
    plain = await _view(database)
    plain_tags = _Tags()
    plain_tags.feed(_render(plain, "html").decode())

    @fuzz_settings(25)
    @given(text=hostile_text)
    def render_all(text: str) -> None:
        view = _hostile(plain, text)
        page = _render(view, "html").decode()
        parser = _Tags()
        parser.feed(page)
        assert parser.tags <= plain_tags.tags, parser.tags - plain_tags.tags
        assert "<zz-evil" not in page and "<script>alert" not in page
        markdown = _render(view, "md").decode()
        assert not UNESCAPED_TAG.search(markdown), markdown
        for row in csv.reader(io.StringIO(_render(view, "csv").decode(), newline="")):
            for cell in row:
                assert not cell.startswith(FORMULA_STARTS), cell
        VALIDATOR.validate(json.loads(_render(view, "json")))
        assert _render(view, "pdf").startswith(b"%PDF")
        assert _render(view, "odt").startswith(b"PK")

    render_all()


def _pdf_text(data: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(data))
    return "".join(page.extract_text() for page in reader.pages)


def _odt_text(data: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        root = ElementTree.fromstring(archive.read("content.xml"))
    return "".join("".join(node.itertext()) for node in root.iter())


def _unspaced(text: str) -> str:
    """Without whitespace: a PDF wraps long words and lines where it likes."""
    return "".join(text.split())


@pytest.mark.parametrize("database", ["sqlite"], indirect=True)
async def test_pdf_and_odt_carry_hostile_text_verbatim(database: Database) -> None:
    plain = await _view(database)

    @fuzz_settings(10)
    @given(text=printable_hostile.filter(lambda text: len(_unspaced(text)) >= 3))
    def render_documents(text: str) -> None:
        view = _hostile(plain, text)
        assert _unspaced(text) in _unspaced(_pdf_text(_render(view, "pdf")))
        assert _unspaced(text) in _unspaced(_odt_text(_render(view, "odt")))

    render_documents()
