"""Every export format of a rich situation, read back and checked for content and safety."""

from __future__ import annotations

import csv
import html
import io
import json
import re
import zipfile
from datetime import timedelta
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import jsonschema
import pypdf
import pytest

from bot.alerts.model import IncomingAlert, Severity
from bot.decisionlog.decisions import option
from bot.decisionlog.grounds import Withheld
from bot.decisionlog.kinds import EntryKind
from bot.reports.formats import FORMATS, find_format
from bot.reports.metrics import METRIC_ROWS
from bot.reports.view import build_view
from bot.situations.phases import Phase
from bot.storage.db import Database
from tests.support.clock import ManualClock
from tests.support.factories import make_factory
from tests.support.reports import pdf_text

SCHEMA = Path(__file__).resolve().parent.parent / "bot/reports/schema/report.schema.json"
HOSTILE = '<script>alert("x")</script> **bold** | [link](javascript:alert(1)) `code` # h'
LONG = "x" * 3000
METRIC_MOMENTS = [moment for _, moment, _ in METRIC_ROWS]
ALERT = IncomingAlert(
    supplier="Acme <b>Cloud</b>", title=HOSTILE, severity=Severity.S1, source="test"
)


async def rich_view(database: Database, lang: str = "en") -> dict[str, Any]:
    """A closed exercise with decisions, actions, lessons, a correction and a late step."""
    clock = ManualClock()
    factory = make_factory(database, clock=clock)
    async with factory.transaction() as services:
        # An exercise alert opens an exercise situation (is_exercise is fixed at creation).
        alert = await services.alerts.receive(ALERT.model_copy(update={"exercise": True}))
        clock.advance(minutes=5)
        situation = await services.situations.escalate_alert(alert.id, "@alice:test")
        clock.advance(minutes=5)
        await services.playbook_runs.start(situation.id, "example-supplier-outage", "@alice:test")
        clock.advance(minutes=10)
        first = await services.decisions.decide(
            situation.id,
            "@bob:test",
            "Switch payroll to the manual fallback",
            "Supplier gives no recovery time; salaries due Friday",
            options=[
                option("Wait for the supplier", why_not="no ETA"),
                option("Switch payroll to the manual fallback", chosen=True),
            ],
            decision_point="wait-or-fail-over",
            information="Status page; call with supplier at 09:10",
            present=["@alice:test", "@bob:test"],
            review_at=clock.now() + timedelta(hours=4),
            decided_at=clock.now() - timedelta(minutes=3),
        )
        await services.decisions.decide(
            situation.id, "@alice:test", HOSTILE, LONG, withheld=Withheld()
        )
        done = await services.actions.assign(
            situation.id, "@alice:test", "@bob:test", "Call the supplier", None
        )
        await services.actions.assign(
            situation.id,
            "@alice:test",
            "@carol:test",
            "Inform dependent organisations",
            clock.now() + timedelta(hours=1),
        )
        await services.actions.complete(situation.id, done.seq, "@bob:test")
        # "assess" is due one hour after the playbook started (T+10m): done 40 minutes late.
        clock.advance(minutes=90)
        await services.playbook_runs.complete_step(situation.id, None, "assess", "@bob:test", "")
        await services.log.append(
            situation.id, EntryKind.LESSON, "@carol:test", {"text": "Contact list was stale"}
        )
        await services.log.correct(situation.id, first.seq, "@bob:test", "Decided at 09:17")
        for phase in (Phase.DE_ESCALATION, Phase.EVALUATION, Phase.CLOSED):
            clock.advance(hours=2)
            await services.situations.change_phase(situation.id, phase, "@alice:test", "calm")
        report = await services.reports.gather(situation.id)
    return build_view(report, lang, "Europe/Amsterdam", clock.now())  # type: ignore[arg-type]


def render(view: dict[str, Any], name: str) -> bytes:
    fmt = find_format(name)
    assert fmt is not None
    return fmt.render(view, view["language"], view["timezone"])


async def test_the_view_holds_the_after_action_structure(database: Database) -> None:
    view = await rich_view(database)
    assert view["situation"]["is_exercise"] and view["chain"]["intact"]
    assert [phase["phase"] for phase in view["phases"]] == [
        "signal",
        "crisis",
        "de_escalation",
        "evaluation",
        "closed",
    ]
    assert view["phases"][2]["duration_seconds"] == 2 * 3600
    metrics = view["metrics"]
    assert metrics["to_acknowledgement_seconds"] == 5 * 60
    assert metrics["to_escalation_seconds"] == 5 * 60
    assert metrics["to_first_decision_seconds"] == 17 * 60
    assert metrics["to_close_seconds"] == 110 * 60 + 6 * 3600
    decision = view["decisions"][0]
    assert decision["corrected_by"] == [view["timeline"][-4]["seq"]]
    assert decision["options"][0] == {
        "option": "Wait for the supplier",
        "chosen": False,
        "why_not": "no ETA",
    }
    assert [(a["owner"], a["status"]) for a in view["actions"]] == [
        ("@bob:test", "done"),
        ("@carol:test", "overdue"),
    ]
    steps = {step["step_id"]: step for step in view["steps"]}
    assert len(steps) == 6  # every step of the playbook, not only those someone finished
    assert steps["assess"]["late"] and steps["assess"]["delay_seconds"] == 40 * 60
    assert steps["assess"]["event"] == "done" and steps["assess"]["seq"] is not None
    # Never done (it waits for a decision): its deadline (T+6h) is still shown, and it is
    # late by the time from then until the report (written at the close).
    brief = steps["brief-board"]
    assert brief["event"] == "blocked" and brief["actual_at"] is None and brief["late"]
    assert brief["delay_seconds"] == 100 * 60
    assert view["summary"]["undisclosable"] == 1
    assert view["chain"]["head_hash"] == view["timeline"][-1]["hash"]


async def test_json_is_complete_and_valid_against_the_published_schema(
    database: Database,
) -> None:
    view = await rich_view(database)
    document = json.loads(render(view, "json"))
    schema = json.loads(SCHEMA.read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    jsonschema.validate(document, schema, format_checker=jsonschema.FormatChecker())
    assert document == json.loads(json.dumps(view))
    assert len(document["timeline"]) == view["chain"]["entries"]
    broken = {**document, "summary": {**document["summary"], "entries": -1}}
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(broken, schema)


async def test_csv_has_one_row_per_entry_and_defuses_formulas(database: Database) -> None:
    view = await rich_view(database)
    rows = list(csv.DictReader(io.StringIO(render(view, "csv").decode())))
    assert [int(row["seq"]) for row in rows] == [e["seq"] for e in view["timeline"]]
    assert rows[-1]["hash"] == view["chain"]["head_hash"]
    assert {row["disclosable"] for row in rows} == {"yes", "no"}
    decision = next(row for row in rows if row["kind"] == "decision")
    assert json.loads(decision["payload"])["decision_point"] == "wait-or-fail-over"
    async with make_factory(database).transaction() as services:
        situation = await services.situations.get(view["situation"]["id"])
        await services.log.append(situation.id, EntryKind.NOTE, "@a:test", {"text": "x"})
    view["timeline"][0]["actor"] = "=HYPERLINK(1)"
    rows = list(csv.DictReader(io.StringIO(render(view, "csv").decode())))
    assert rows[0]["actor"] == "'=HYPERLINK(1)"


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)

    def handle_data(self, data: str) -> None:
        self.text.append(data)


async def test_html_is_self_contained_printable_and_escapes_hostile_text(
    database: Database,
) -> None:
    view = await rich_view(database)
    page = render(view, "html").decode()
    parser = _Collector()
    parser.feed(page)
    assert "script" not in parser.tags  # the hostile title is text, not markup
    assert "b" not in parser.tags
    text = "".join(parser.text)
    assert '<script>alert("x")</script>' in text
    assert "&lt;script&gt;" in page
    assert LONG in text
    assert "EXERCISE" in text and "@media print" in page
    assert "http" not in page.split("<body>")[0].replace("http-equiv", "")  # no remote CSS
    assert "<link" not in page and "src=" not in page
    for expected in (
        "Switch payroll to the manual fallback",
        "no ETA",
        "@carol:test",
        "overdue",
        "Contact list was stale",
        view["chain"]["head_hash"],
        "not disclosable",
        "late 40m",
        "example-supplier-outage",
    ):
        assert expected in text, expected


async def test_markdown_escapes_injection_and_keeps_the_structure(database: Database) -> None:
    view = await rich_view(database, lang="nl")
    document = render(view, "md").decode()
    assert document.startswith(f"# Besluitenlog situatie #{view['situation']['id']}")
    assert "OEFENING" in document
    assert "<script>" not in document and "\\<script\\>" in document
    assert "\\*\\*bold\\*\\*" in document and "\\[link\\]\\(javascript" in document
    assert "\\| \\[link" in document  # a pipe cannot open a table column
    headings = [line for line in document.splitlines() if line.startswith("#")]
    assert all(not line.startswith("# h") for line in headings)
    for expected in (
        "Gewogen opties",
        "Wait for the supplier",
        "niet gekozen omdat: no ETA",
        "Leerpunten",
        "Contact list was stale",
        "te laat 40m",
        "| 1.4 brief-board | geblokkeerd | 2026-11-23 16:10:00 +0100 | - | te laat 1h40m |",
        "| 1.6 monitor-recovery | wacht op besluit | 2026-11-24 10:10:00 +0100 | - |  |",
        LONG,
        view["chain"]["head_hash"],
    ):
        assert expected in document, expected


async def test_pdf_text_reads_back(database: Database) -> None:
    view = await rich_view(database)
    reader = pypdf.PdfReader(io.BytesIO(render(view, "pdf")))
    text = "\n".join(page.extract_text() for page in reader.pages)
    flat = " ".join(text.split())
    assert "EXERCISE" in reader.pages[-1].extract_text()  # marked on every page
    for expected in (
        "Switch payroll to the manual fallback",
        "no ETA",
        "Metrics",
        "Contact list was stale",
        "@carol:test",
        "overdue",
        '<script>alert("x")',
    ):
        assert expected in flat, expected
    assert view["chain"]["head_hash"] in flat.replace(" ", "") or view["chain"][
        "head_hash"
    ] in text.replace("\n", "")


async def test_pdf_carries_an_entry_taller_than_a_page(database: Database) -> None:
    """A pasted status mail (a note may span lines) or a long text in one timeline row:
    the PDF library cannot split a table row over pages, yet the report must not fail."""
    clock = ManualClock()
    factory = make_factory(database, clock=clock)
    status_mail = "\n".join(f"line {number} of the status mail" for number in range(1, 101))
    essay = " ".join(f"word{number}" for number in range(1500))
    async with factory.transaction() as services:
        alert = await services.alerts.receive(ALERT)
        situation = await services.situations.escalate_alert(alert.id, "@alice:test")
        for text in (status_mail, essay):
            await services.log.append(situation.id, EntryKind.NOTE, "@alice:test", {"text": text})
        report = await services.reports.gather(situation.id)
    view = build_view(report, "en", "Europe/Amsterdam", clock.now())
    text = pdf_text(render(view, "pdf"))
    for expected in ("line 1 of", "line 100 of the status mail", "word0 word1", "word1499"):
        assert expected in text, expected


async def test_odt_is_an_opendocument_whose_text_reads_back(database: Database) -> None:
    view = await rich_view(database, lang="nl")
    data = render(view, "odt")
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert archive.read("mimetype") == b"application/vnd.oasis.opendocument.text"
        root = ElementTree.fromstring(archive.read("content.xml"))
    text = " ".join("".join(node.itertext()) for node in root.iter())
    for expected in (
        "OEFENING",
        "Besluiten",
        "Switch payroll to the manual fallback",
        HOSTILE,
        "Contact list was stale",
        view["chain"]["head_hash"],
        LONG,
    ):
        assert expected in text, expected


def test_every_format_is_known_by_name() -> None:
    assert set(FORMATS) == {"md", "html", "json", "csv", "pdf", "odt"}
    assert find_format("Markdown") is FORMATS["md"] and find_format("docx") is None


def _markdown_metrics(text: str) -> list[list[str]]:
    section = text.split("## Metrics", 1)[1].split("\n## ", 1)[0]
    rows = [line.strip("| ").split(" | ") for line in section.splitlines() if line.startswith("|")]
    return rows[2:]  # below the header and the |---| line


def _html_metrics(text: str) -> list[list[str]]:
    section = text.split("<h2>Metrics</h2>", 1)[1].split("</table>", 1)[0]
    cells = re.findall(r"<tr><td>(.*?)</td><td>(.*?)</td><td>(.*?)</td></tr>", section)
    return [[html.unescape(cell) for cell in row] for row in cells]


def _odt_metrics(data: bytes) -> list[list[str]]:
    namespace = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        root = ElementTree.fromstring(archive.read("content.xml"))
    for table in root.iter(f"{namespace}table"):
        rows = [
            ["".join(cell.itertext()) for cell in row.iter(f"{namespace}table-cell")]
            for row in table.iter(f"{namespace}table-row")
        ]
        if rows and rows[0][0] == "Moment" and len(rows[0]) == 3:
            return rows[1:]
    raise AssertionError("no metrics table in the ODT")


async def test_every_format_shows_the_same_metric_rows(database: Database) -> None:
    view = await rich_view(database)
    rows = _markdown_metrics(render(view, "md").decode())
    labels = ["First signal", "Acknowledged", "Escalated", "First decision", "Closed"]
    assert [row[0] for row in rows] == labels
    assert rows[0][2] == "0m"  # the first signal is where the clock starts
    assert _html_metrics(render(view, "html").decode()) == rows
    assert _odt_metrics(render(view, "odt")) == rows
    reader = pypdf.PdfReader(io.BytesIO(render(view, "pdf")))
    flat = " ".join(" ".join(page.extract_text() for page in reader.pages).split())
    metrics_section = flat.split("Metrics", 1)[1]
    for row in rows:
        assert " ".join(row) in metrics_section, row
    # JSON holds every moment the table shows; CSV holds the log rows the report counts.
    metrics = json.loads(render(view, "json"))["metrics"]
    assert [metrics[key] for key in METRIC_MOMENTS] == [view["metrics"][k] for k in METRIC_MOMENTS]
    assert None not in [metrics[key] for key in METRIC_MOMENTS]
    csv_rows = list(csv.DictReader(io.StringIO(render(view, "csv").decode())))
    assert [int(row["seq"]) for row in csv_rows] == [e["seq"] for e in view["timeline"]]
