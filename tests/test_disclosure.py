"""The disclosure (Woo) version of a report: nothing confidential in any format (issue 25)."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import re
from pathlib import Path

import jsonschema
import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from bot.cli import app
from bot.decisionlog.grounds import BY_KEY, GROUNDS, find_ground
from bot.decisionlog.log import ChainProblem, verify_chain
from bot.reports.data import People, SituationReport
from bot.reports.disclosure import Rendered, render_report
from bot.reports.formats import FORMATS
from bot.situations.roles import ListedTaskforce
from bot.storage.db import Database
from bot.storage.models import LogEntryRecord
from tests.support.chat import chat_harness
from tests.support.cli_config import clear_weerbaar_environment, storage_only_config
from tests.support.clock import ManualClock
from tests.support.databases import migrated_sqlite
from tests.support.disclosure import (
    EXTERNAL,
    PUBLIC_FIGURE,
    SECRETS,
    Confidential,
    confidential_situation,
    document_text,
)
from tests.support.factories import ALICE, BOB, factory_for
from tests.support.paths import REPO

SCHEMA = json.loads((REPO / "bot/reports/schema/report.schema.json").read_text())
PEOPLE = People(ListedTaskforce([ALICE, BOB]))
HIDDEN_PEOPLE = (ALICE, BOB, EXTERNAL, "@SECRETOWNER:test")


async def _written(database: Database) -> tuple[Confidential, SituationReport]:
    clock = ManualClock()
    factory = factory_for(database, clock)
    written = await confidential_situation(factory)
    async with factory.transaction() as services:
        return written, await services.reports.gather(written.situation_id)


def _render(report: SituationReport, fmt: str, people: People | None = PEOPLE) -> Rendered:
    return render_report(
        report, FORMATS[fmt], "en", "Europe/Amsterdam", ManualClock().now(), people
    )


@pytest.mark.parametrize("fmt", sorted(FORMATS))
async def test_no_format_of_the_disclosure_shows_anything_confidential(
    database: Database, fmt: str
) -> None:
    _, report = await _written(database)
    text = document_text(fmt, _render(report, fmt).document)
    flat = "".join(text.split())
    for secret in SECRETS:
        assert secret not in flat, secret
    for person in HIDDEN_PEOPLE:
        assert person not in flat, person
    # The coordinator holds a public role; everyone else is named by role.
    assert PUBLIC_FIGURE in flat
    assert "[external]" in text.replace("\\", "")  # Markdown escapes the brackets
    # The version is tied to the FULL log by its head hash, and says what it is.
    assert report.chain.intact and report.chain.head_hash in flat
    edition = "disclosure" if fmt in ("csv", "json") else "Disclosureversion(Woo)"
    assert edition in flat
    # The internal version, in contrast, holds it all and says so.
    internal = "".join(document_text(fmt, _render(report, fmt, None).document).split())
    assert "SECRETNOTE" in internal and ALICE in internal
    assert ("internal" if fmt in ("csv", "json") else "Internalversion") in internal


async def test_numbering_has_no_gaps_and_the_inventory_matches_the_entries(
    database: Database,
) -> None:
    written, report = await _written(database)
    rendered = _render(report, "json")
    view = json.loads(rendered.document)
    jsonschema.validate(view, SCHEMA, format_checker=jsonschema.FormatChecker())
    numbers = list(range(1, written.entries + 1))
    assert [row["seq"] for row in view["timeline"]] == numbers
    inventory = view["disclosure"]["inventory"]
    assert [row["seq"] for row in inventory] == numbers
    withheld = {row["seq"]: row["ground"] for row in inventory if row["status"] == "withheld"}
    assert withheld == {
        seq: BY_KEY[key].citation("en") if key else None for seq, key in written.withheld.items()
    }
    partly = {row["seq"] for row in inventory if row["status"] == "partly"}
    assert partly and all(row["ground"] == "5.1(2)(e)" for row in inventory if row["seq"] in partly)
    assert view["summary"]["entries"] == written.entries
    assert view["summary"]["undisclosable"] == len(written.withheld)
    assert view["disclosure"]["withheld"] == len(written.withheld)
    # Each withheld entry stands in the timeline as a redaction line, content gone.
    for seq, key in written.withheld.items():
        row = view["timeline"][seq - 1]
        assert row["payload"] == {} and not row["disclosable"]
        ground = BY_KEY[key].shown("en") if key else "ground not recorded"
        assert row["description"].startswith(f"[Entry {seq} (") and ground in row["description"]
    # The CSV inventory holds the same rows.
    assert rendered.inventory is not None
    rows = list(csv.DictReader(io.StringIO(rendered.inventory.decode())))
    assert [(int(r["seq"]), r["status"], r["ground"] or None) for r in rows] == [
        (row["seq"], row["status"], row["ground"]) for row in inventory
    ]


async def test_the_internal_json_has_no_disclosure_and_validates(database: Database) -> None:
    _, report = await _written(database)
    view = json.loads(_render(report, "json", None).document)
    jsonschema.validate(view, SCHEMA, format_checker=jsonschema.FormatChecker())
    assert view["edition"] == "internal" and view["disclosure"] is None
    assert view["version"] == 2


async def test_the_ground_is_covered_by_the_entry_hash(database: Database) -> None:
    written, _ = await _written(database)
    async with database.transaction() as session:
        entries = list(
            await session.scalars(
                select(LogEntryRecord)
                .where(LogEntryRecord.situation_id == written.situation_id)
                .order_by(LogEntryRecord.seq)
            )
        )
        session.expunge_all()
    assert verify_chain(entries).intact
    seq = next(seq for seq, key in written.withheld.items() if key == "5.1.2.i")
    entries[seq - 1].payload = {**entries[seq - 1].payload, "ground": "5.1.1.a"}
    check = verify_chain(entries)
    assert (check.first_broken_seq, check.problem) == (seq, ChainProblem.ALTERED)


def test_every_ground_is_found_by_its_dutch_and_english_citation() -> None:
    for ground in GROUNDS:
        assert find_ground(ground.citation("nl")) is ground
        assert find_ground(f"art. {ground.citation('en')} Woo") is ground
        assert ground.label["nl"] and ground.label["en"]
    assert len(GROUNDS) == 5 + 9 + 1
    assert find_ground("5.1 lid 3 sub a") is None


async def _written_to(path: Path) -> Confidential:
    database = await migrated_sqlite(path)
    try:
        return await confidential_situation(factory_for(database, ManualClock()))
    finally:
        await database.dispose()


def test_the_cli_writes_the_disclosure_and_its_inventory_owner_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    clear_weerbaar_environment(monkeypatch)
    written = asyncio.run(_written_to(tmp_path / "weerbaar.db"))
    config = storage_only_config(tmp_path / "weerbaar.toml", tmp_path / "weerbaar.db")
    out = tmp_path / "woo.pdf"
    args = ["report", str(written.situation_id), "--disclosure", "-f", "pdf", "-o", str(out)]
    result = CliRunner().invoke(app, [*args, "-c", str(config)])
    assert result.exit_code == 0, result.output
    inventory = tmp_path / "woo.pdf.inventory.csv"
    assert out.stat().st_mode & 0o777 == 0o600 and inventory.stat().st_mode & 0o777 == 0o600
    assert "SECRETNOTE" not in "".join(document_text("pdf", out.read_bytes()).split())
    statuses = [row["status"] for row in csv.DictReader(io.StringIO(inventory.read_text()))]
    assert len(statuses) == written.entries and statuses.count("withheld") == len(written.withheld)


async def test_report_woo_in_chat_uploads_the_disclosure_and_its_inventory(
    tmp_path: Path,
) -> None:
    async with chat_harness(tmp_path) as chat:
        room, situation_id = await chat.escalated()
        refused = await chat.command(ALICE, room, "!note SECRETNOTE --vertrouwelijk lid 9")
        assert refused.startswith("Gebruik: !notitie") or refused.startswith("Usage: !note")
        assert "5.1 lid 2 sub i" in refused or "5.1(2)(i)" in refused
        async with chat.factory.transaction() as services:
            before = len(await services.log.entries(situation_id))
        recorded = await chat.command(
            ALICE, room, '!note SECRETNOTE <b>x</b> --vertrouwelijk "5.1 lid 2 sub i"'
        )
        assert "Note recorded" in recorded
        async with chat.factory.transaction() as services:
            entries = await services.log.entries(situation_id)
        assert len(entries) == before + 1  # the refused note was not logged
        assert entries[-1].payload["ground"] == "5.1.2.i" and not entries[-1].disclosable

        answers = await chat.replies(BOB, room, "!report --woo")
        files = [answer for answer in answers if answer.content["msgtype"] == "m.file"]
        assert [f.content["body"] for f in files] == [
            f"situation-{situation_id}-woo.md",
            f"situation-{situation_id}-woo.md.inventory.csv",
        ]
        document, inventory = (f.attachment or b"" for f in files)
        assert b"SECRETNOTE" not in document and ALICE.encode() not in document
        unescaped = document.replace(b"\\", b"")  # Markdown escapes the parentheses
        assert b"art. 5.1(2)(i) Woo" in unescaped and b"Disclosure version (Woo)" in unescaped
        assert re.search(rb"\r\n%d,[^,]*,note,withheld,5\.1\(2\)\(i\)" % len(entries), inventory)


async def test_a_decision_and_a_correction_keep_their_ground(tmp_path: Path) -> None:
    async with chat_harness(tmp_path) as chat:
        room, situation_id = await chat.escalated()
        await chat.command(ALICE, room, "!decide Fail over --why no ETA --confidential 5.2")
        await chat.command(ALICE, room, "!correct 1 Opened at 09:58 --vertrouwelijk")
        async with chat.factory.transaction() as services:
            decision, correction = (await services.log.entries(situation_id))[-2:]
        assert decision.payload["ground"] == "5.2" and not decision.disclosable
        assert "ground" not in correction.payload and not correction.disclosable
