"""The supplier registry: YAML validation, import on both databases, the chat commands."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.alerts.model import IncomingAlert, Severity
from bot.cli import app
from bot.config import CONFIG_ENV_VAR
from bot.storage.db import Database
from bot.suppliers.file import SupplierEntry, read_supplier_file
from tests.support.clock import ManualClock
from tests.support.factories import make_factory

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "suppliers.yaml"


def test_the_example_registry_is_valid() -> None:
    registry, issues = read_supplier_file(EXAMPLE)
    assert issues == []
    assert registry is not None and [s.name for s in registry.suppliers] == [
        "Acme Cloud",
        "Initech DNS",
    ]


BAD = """\
suppliers:
  - name: Acme
    contract_end: someday
    services:
      - name: Payroll
        dependencies:
          - organisation: Utrecht
            process: Salaris
            criticality: essential
        fallbacks:
          - descripton: typo
  - name: Globex
    aliases: [acme]
"""


def test_problems_are_reported_with_file_line_and_field(tmp_path: Path) -> None:
    path = tmp_path / "suppliers.yaml"
    path.write_text(BAD)
    registry, issues = read_supplier_file(path)
    assert registry is None
    lines = [str(issue) for issue in issues]
    assert f"{path}:3: suppliers[0].contract_end: " in lines[0]
    assert any(
        line.startswith(f"{path}:9: suppliers[0].services[0].dependencies[0].criticality: ")
        and "'essential'" in line
        for line in lines
    )
    assert any(
        f"{path}:11: suppliers[0].services[0].fallbacks[0].descripton: unknown field" in line
        for line in lines
    )
    duplicate = tmp_path / "duplicate.yaml"
    duplicate.write_text("suppliers:\n  - name: Acme\n  - name: Globex\n    aliases: [ACME]\n")
    _, issues = read_supplier_file(duplicate)
    assert [str(issue) for issue in issues] == [
        f"{duplicate}:1: the name 'ACME' is used by two suppliers"
    ]


async def test_import_replaces_the_registry_and_finds_by_alias(database: Database) -> None:
    registry_file, _ = read_supplier_file(EXAMPLE)
    assert registry_file is not None
    factory = make_factory(database)
    for _ in range(2):  # importing again replaces, it does not add
        async with factory.transaction() as services:
            assert await services.suppliers.replace_all(registry_file.suppliers) == 2
    async with factory.transaction() as services:
        acme = await services.suppliers.find("  acme   cloud b.v. ")
        assert acme is not None and acme.name == "Acme Cloud"
        assert await services.suppliers.find("Hooli") is None
        views = await services.suppliers.all_views()
    assert [(v.supplier.name, v.count("vital"), v.count("critical")) for v in views] == [
        ("Acme Cloud", 1, 1),
        ("Initech DNS", 2, 0),
    ]
    payroll = views[0].services[1]
    assert payroll.service.name == "Payroll SaaS"
    assert [str(f.last_tested) for f in payroll.fallbacks] == ["2025-03-01", "None"]


async def test_a_renamed_suppliers_alerts_join_the_situation_opened_under_its_old_name(
    database: Database,
) -> None:
    factory = make_factory(database, clock=ManualClock())
    async with factory.transaction() as services:
        await services.suppliers.replace_all([SupplierEntry(name="Acme Cloud")])
        first = await services.alerts.receive(
            IncomingAlert(supplier="Acme Cloud", title="API down", severity=Severity.S2, source="s")
        )
        situation = await services.situations.track_alert(first.id, "@alice:test")
    # The new registry renames the supplier and keeps the old name as an alias.
    renamed = SupplierEntry(name="Acme Cloud B.V.", aliases=["Acme Cloud"])
    async with factory.transaction() as services:
        await services.suppliers.replace_all([renamed])
    async with factory.transaction() as services:
        name = await services.suppliers.canonical("Acme Cloud")  # as the intake stores it
        later = IncomingAlert(supplier=name, title="Mail down", severity=Severity.S2, source="s")
        second = await services.alerts.receive(later)
        assert (second.supplier, second.situation_id) == ("Acme Cloud B.V.", situation.id)


def test_cli_import_refuses_a_bad_file_and_imports_a_good_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "weerbaar.toml"
    config.write_text(
        f'taskforce = ["@a:x"]\ndata_dir = "{tmp_path}"\n[matrix]\nhomeserver = "http://x"\n'
        'user_id = "@b:x"\naccess_token = "t"\ncoordination_room = "!r:x"\n'
        '[intake]\nhmac_secret = "s"\n[encryption]\nenabled = false\n'
    )
    # load_settings records the file in the environment; monkeypatch undoes that afterwards
    monkeypatch.setenv(CONFIG_ENV_VAR, str(config))
    bad = tmp_path / "bad.yaml"
    bad.write_text(BAD)
    runner = CliRunner()
    refused = runner.invoke(app, ["supplier", "import", str(bad), "-c", str(config)])
    assert refused.exit_code == 1
    assert f"{bad}:3: suppliers[0].contract_end" in refused.output
    assert "the registry is unchanged" in refused.output
    imported = runner.invoke(app, ["supplier", "import", str(EXAMPLE), "-c", str(config)])
    assert imported.exit_code == 0, imported.output
    assert "imported 2 supplier(s)" in imported.output
