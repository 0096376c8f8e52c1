"""Scenarios declare the fallback options they drill; validated against a registry."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from bot.cli import app
from bot.exercises.loader import covering
from bot.playbooks.loader import load_playbook_dir
from tests.support.paths import PLAYBOOKS
from tests.support.suppliers import EXAMPLE_REGISTRY, MANUAL_RUN, SECOND_SUPPLIER

SCENARIOS = PLAYBOOKS / "exercises"
RANSOMWARE = SCENARIOS / "supplier-ransomware.yaml"


def _validate(*arguments: str) -> tuple[int, str]:
    result = CliRunner().invoke(
        app, ["exercise", "validate", *arguments, "--playbooks", str(PLAYBOOKS)]
    )
    return result.exit_code, result.output


def test_shipped_scenarios_cover_fallbacks_of_the_example_registry() -> None:
    assert covering(SCENARIOS, load_playbook_dir(PLAYBOOKS)) == {
        MANUAL_RUN: ["supplier-ransomware-drill"],
        SECOND_SUPPLIER: ["supplier-ransomware-drill"],
    }
    code, output = _validate(str(SCENARIOS), "--registry", str(EXAMPLE_REGISTRY))
    assert (code, output.strip()) == (0, "all scenarios are valid")


def test_an_id_the_registry_lacks_is_reported_with_its_line(tmp_path: Path) -> None:
    scenario = tmp_path / "drill.yaml"
    scenario.write_text(
        RANSOMWARE.read_text().replace(SECOND_SUPPLIER, "acme-cloud/payroll/carrier-pigeon")
    )
    line = scenario.read_text().splitlines().index("  - acme-cloud/payroll/carrier-pigeon") + 1
    code, output = _validate(str(scenario), "--registry", str(EXAMPLE_REGISTRY))
    assert code == 1
    assert (
        f"{scenario}:{line}: covers[1]: the supplier registry has no fallback option "
        "'acme-cloud/payroll/carrier-pigeon'"
    ) in output
    # Without a registry only the form of the id is checked.
    assert _validate(str(scenario))[0] == 0
    malformed = tmp_path / "malformed.yaml"
    malformed.write_text(RANSOMWARE.read_text().replace(SECOND_SUPPLIER, "Second Supplier"))
    code, output = _validate(str(malformed))
    assert code == 1 and "covers[1]" in output


def test_an_invalid_registry_is_refused(tmp_path: Path) -> None:
    registry = tmp_path / "suppliers.yaml"
    registry.write_text("suppliers: nope\n")
    code, output = _validate(str(SCENARIOS), "--registry", str(registry))
    assert code == 1
    assert f"the supplier registry {registry} is invalid" in output
