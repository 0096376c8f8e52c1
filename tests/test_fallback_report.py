"""The board's overview of fallback options: rows, open improvement actions, formats."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli import app
from bot.config import CONFIG_ENV_VAR
from bot.reports.fallbacks import FALLBACK_FORMATS, fallback_view
from tests.support.chat import chat_harness
from tests.support.factories import ALICE, COORDINATION
from tests.support.reports import odt_tables, pdf_text
from tests.support.suppliers import (
    EXAMPLE_REGISTRY,
    MANUAL_RUN,
    SECONDARY_DNS,
    example_registry,
    import_registry,
)


async def test_the_overview_lists_open_improvement_actions_until_done(tmp_path: Path) -> None:
    async with chat_harness(tmp_path) as chat:
        await import_registry(chat.factory, example_registry(tmp_path))
        room, situation = await chat.escalated(ALICE)
        await chat.command(ALICE, room, f"!fallback tested {MANUAL_RUN} failed --why no bank")
        # The soonest of its planned drills is the next one, in the taskforce's time zone.
        for moment in ("2026-12-20 10:00", "2026-12-10 10:00"):
            await chat.command(ALICE, COORDINATION, f"!drill plan {MANUAL_RUN} {moment}")
        async with chat.factory.transaction() as services:
            lines = await services.fallbacks.overview()
            today = services.fallbacks.today()
        view = fallback_view(lines, today, "en", "Europe/Amsterdam")
        drill = "2026-12-10 10:00"
        # Vital before critical; the important HR process is not on the board's overview.
        assert [(row["process"], row["criticality"], row["fallback"]) for row in view["rows"]] == [
            ("Burgerportaal", "vital", SECONDARY_DNS),
            ("Salarisbetaling", "vital", MANUAL_RUN),
            ("Salarisbetaling", "vital", "acme-cloud/payroll/second-supplier"),
            ("Meldkamer", "vital", SECONDARY_DNS),
            ("Salarisbetaling", "critical", MANUAL_RUN),
            ("Salarisbetaling", "critical", "acme-cloud/payroll/second-supplier"),
        ]
        manual = view["rows"][1]
        async with chat.factory.transaction() as services:
            action = (await services.log.latest(situation, 1))[0]
        assert (
            manual["status"],
            manual["result"],
            manual["next_drill"],
            manual["open_actions"],
        ) == ("FAILED", "failed", drill, f"{situation}/{action.seq}")
        markdown = FALLBACK_FORMATS["md"].render(view, "en", "UTC").decode()
        assert (
            f"| FAILED | {today.isoformat()} failed | {drill} | {situation}/{action.seq} |"
            in markdown
        )
        assert "| NEVER TESTED | - | - | - |" in markdown
        csv_text = FALLBACK_FORMATS["csv"].render(view, "en", "UTC").decode()
        assert csv_text.splitlines()[2].endswith(
            f",FAILED,{today.isoformat()},failed,{drill},{situation}/{action.seq}"
        )
        page = FALLBACK_FORMATS["html"].render(view, "en", "UTC").decode()
        assert f"<code>{MANUAL_RUN}</code>" in page
        assert f"<td>{drill}</td>" in page
        assert "<td>NEVER TESTED</td><td>-</td><td>-</td><td>-</td>" in page
        # The page formats hold the same table: header, then one row per line.
        (table,) = odt_tables(FALLBACK_FORMATS["odt"].render(view, "en", "UTC"))
        assert table[0] == [
            "Process",
            "Supplier / service",
            "Fallback option",
            "Owner",
            "Status",
            "Last test",
            "Next drill",
            "Open improvement actions",
        ]
        assert len(table) == 1 + len(view["rows"])
        assert table[2][0] == "Gemeente Utrecht / Salarisbetaling (vital)"
        assert table[2][2].startswith(f"{MANUAL_RUN} ")
        assert table[2][4:] == [
            "FAILED",
            f"{today.isoformat()} failed",
            drill,
            f"{situation}/{action.seq}",
        ]
        assert table[1][4:] == ["NEVER TESTED", "-", "-", "-"]
        flat = pdf_text(FALLBACK_FORMATS["pdf"].render(view, "en", "UTC"))
        assert "Fallback options of vital and critical processes" in flat
        assert f"FAILED {today.isoformat()} failed {drill} {situation}/{action.seq}" in flat
        assert flat.count("NEVER TESTED") == 4  # the DNS and second-supplier fallbacks, twice
        assert MANUAL_RUN in flat.replace(" ", "")  # long ids wrap within their cell

        await chat.command(ALICE, room, f"!done {action.seq}")
        async with chat.factory.transaction() as services:
            lines = await services.fallbacks.overview()
        assert all(not line.open_actions for line in lines)


def test_the_command_line_writes_the_overview(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "weerbaar.toml"
    config.write_text(f'[storage]\nurl = "sqlite+aiosqlite:///{tmp_path}/weerbaar.db"\n')
    monkeypatch.setenv(CONFIG_ENV_VAR, str(config))
    runner = CliRunner()
    imported = runner.invoke(app, ["supplier", "import", str(EXAMPLE_REGISTRY), "-c", str(config)])
    assert imported.exit_code == 0, imported.output
    written = runner.invoke(
        app, ["report", "fallbacks", "-f", "csv", "--lang", "nl", "-c", str(config)]
    )
    assert written.exit_code == 0, written.output
    rows = written.output.splitlines()
    assert rows[0].startswith("organisation,process,criticality,supplier,service,fallback")
    assert len(rows) == 7 and "VERLOPEN,2025-03-01,geslaagd," in written.output
    written_odt = tmp_path / "fallbacks.odt"
    odt = runner.invoke(
        app, ["report", "fallbacks", "-f", "odt", "-o", str(written_odt), "-c", str(config)]
    )
    assert odt.exit_code == 0, odt.output
    (table,) = odt_tables(written_odt.read_bytes())
    assert len(table) == 7 and table[0][0] == "Proces"
    refused = runner.invoke(app, ["report", "fallbacks", "-f", "json", "-c", str(config)])
    assert refused.exit_code == 2
    assert "supported: md, html, csv, pdf, odt" in refused.output
