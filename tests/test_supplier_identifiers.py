"""Supplier identifiers in the registry file: formats and check digits, stored on import."""

from __future__ import annotations

import re
from pathlib import Path

from bot.storage.db import Database
from bot.suppliers.file import read_supplier_file
from bot.suppliers.identifiers import luhn_valid, mod97_valid
from tests.support.factories import make_factory

GOOD = """\
suppliers:
  - name: Acme Cloud
    identifiers:
      siren: "552 100 554"
      cik: 320193
      lei: 5493001kjtiigc8y1r12
      kvk: "12345678"
      vulnerability_names: [Acme, "Acme   Payroll Server"]
  - name: Globex
"""

BAD = """\
suppliers:
  - name: Acme Cloud
    identifiers:
      siren: "552100555"
      cik: "12345678901"
      lei: 5493001KJTIIGC8Y1R13
      kvk: "1234567"
      vulnerability_names: [""]
  - name: Globex
    identifiers:
      siren: "12345"
      lei: "TOO-SHORT"
      duns: "123"
"""


def test_check_digits() -> None:
    assert luhn_valid("552100554") and luhn_valid("732829320")
    assert not luhn_valid("552100555")
    # Published LEIs (Bloomberg Finance L.P., a GLEIF example).
    assert mod97_valid("5493001KJTIIGC8Y1R12") and mod97_valid("529900T8BM49AURSDO55")
    assert not mod97_valid("5493001KJTIIGC8Y1R13")


async def test_valid_identifiers_are_normalised_and_stored(
    tmp_path: Path, database: Database
) -> None:
    path = tmp_path / "suppliers.yaml"
    path.write_text(GOOD)
    registry, issues = read_supplier_file(path)
    assert issues == [] and registry is not None
    acme = registry.suppliers[0].identifiers
    assert (acme.siren, acme.cik, acme.lei, acme.kvk) == (
        "552100554",
        "0000320193",
        "5493001KJTIIGC8Y1R12",
        "12345678",
    )
    assert acme.vulnerability_names == ["Acme", "Acme Payroll Server"]
    factory = make_factory(database)
    async with factory.transaction() as services:
        await services.suppliers.replace_all(registry.suppliers)
    async with factory.transaction() as services:
        assert await services.suppliers.with_identifier("siren") == {"552100554": "Acme Cloud"}
        assert await services.suppliers.with_identifier("lei") == {
            "5493001KJTIIGC8Y1R12": "Acme Cloud"
        }
        found = await services.suppliers.in_catalogue("acme payroll  server")
        assert [supplier.name for supplier in found] == ["Acme Cloud"]
        globex = await services.suppliers.find("Globex")
        assert globex is not None and globex.identifiers == {"vulnerability_names": []}
        # Catalogue names match catalogue entries only, not alerts naming a supplier.
        assert await services.suppliers.find("Acme Payroll Server") is None


def test_bad_identifiers_are_reported_with_file_line_and_field(tmp_path: Path) -> None:
    path = tmp_path / "suppliers.yaml"
    path.write_text(BAD)
    registry, issues = read_supplier_file(path)
    assert registry is None
    lines = [str(issue) for issue in issues]
    expected = [
        f"{path}:4: suppliers[0].identifiers.siren: SIREN check digit is wrong in '552100555'",
        f"{path}:5: suppliers[0].identifiers.cik: a CIK has 1 to 10 digits, got '12345678901'",
        f"{path}:6: suppliers[0].identifiers.lei: LEI check digits are wrong in "
        "'5493001KJTIIGC8Y1R13'",
        f"{path}:7: suppliers[0].identifiers.kvk: a KvK number has 8 digits, got '1234567'",
        f"{path}:8: suppliers[0].identifiers.vulnerability_names: vulnerability names must be",
        f"{path}:11: suppliers[1].identifiers.siren: a SIREN has 9 digits, got '12345'",
        f"{path}:12: suppliers[1].identifiers.lei: an LEI has 18 letters or digits",
        f"{path}:13: suppliers[1].identifiers.duns: unknown field",
    ]
    assert len(lines) == len(expected), lines
    for line, start in zip(lines, expected, strict=True):
        assert line.startswith(start), line


def test_an_identifier_used_by_two_suppliers_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "suppliers.yaml"
    path.write_text(
        "suppliers:\n"
        "  - {name: A, identifiers: {kvk: '12345678'}}\n"
        "  - {name: B, identifiers: {kvk: '12345678'}}\n"
    )
    registry, issues = read_supplier_file(path)
    assert registry is None
    assert [str(issue) for issue in issues] == [
        f"{path}:1: the kvk 12345678 is used by two suppliers"
    ]


def test_the_readme_registry_example_is_valid(tmp_path: Path) -> None:
    readme = Path(__file__).resolve().parent.parent / "README.md"
    blocks = re.findall(r"(?ms)^```yaml\n(.*?)```", readme.read_text())
    (example,) = [block for block in blocks if "identifiers:" in block]
    path = tmp_path / "suppliers.yaml"
    path.write_text(example)
    registry, issues = read_supplier_file(path)
    assert issues == [] and registry is not None
    assert registry.suppliers[0].identifiers.lei == "5493001KJTIIGC8Y1R12"


def test_unquoted_numbers_with_leading_zeros_keep_their_digits(tmp_path: Path) -> None:
    # YAML 1.1 reads 0000012345 as an octal number (5349): the CIK of another company.
    path = tmp_path / "suppliers.yaml"
    path.write_text(
        "suppliers:\n  - name: Acme Cloud\n    identifiers:\n"
        "      cik: 0000012345\n      kvk: 01234567\n"
    )
    registry, issues = read_supplier_file(path)
    assert issues == [] and registry is not None
    acme = registry.suppliers[0].identifiers
    assert (acme.cik, acme.kvk) == ("0000012345", "01234567")
