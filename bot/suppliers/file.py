"""The supplier registry file: YAML validated into pydantic models, problems with file:line.

Reading reuses the playbooks' safe YAML loader and their issue reporting, so both kinds
of file are refused for the same reasons with the same ``file:line: field: problem`` lines.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from bot.playbooks.loader import PlaybookIssue, _validation_issues
from bot.playbooks.locations import format_path
from bot.playbooks.yamlsafe import parse_yaml
from bot.suppliers.identifiers import Identifiers
from bot.suppliers.names import normalise

# A registry of a few hundred suppliers is well under this.
MAX_FILE_BYTES = 2 * 1024 * 1024


class Criticality(StrEnum):
    """Impact class of a dependent process, most severe first."""

    VITAL = "vital"
    CRITICAL = "critical"
    IMPORTANT = "important"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class DependencyEntry(_Strict):
    """An organisation's process that needs the service."""

    organisation: str = Field(min_length=1, max_length=200)
    process: str = Field(min_length=1, max_length=200)
    criticality: Criticality


class FallbackEntry(_Strict):
    """What could replace the service; ``last_tested`` empty means never tested."""

    description: str = Field(min_length=1, max_length=2000)
    last_tested: date | None = None
    result: str | None = Field(default=None, max_length=2000)


class ServiceEntry(_Strict):
    """A service the supplier delivers."""

    name: str = Field(min_length=1, max_length=200)
    dependencies: list[DependencyEntry] = Field(default_factory=list)
    fallbacks: list[FallbackEntry] = Field(default_factory=list)


class SupplierEntry(_Strict):
    """One supplier."""

    name: str = Field(min_length=1, max_length=200)
    aliases: list[str] = Field(default_factory=list)
    contract_end: date | None = None
    notes: str = ""
    identifiers: Identifiers = Field(default_factory=Identifiers)
    services: list[ServiceEntry] = Field(default_factory=list)

    @model_validator(mode="after")
    def _unique_services(self) -> SupplierEntry:
        names = [normalise(service.name) for service in self.services]
        if len(set(names)) != len(names):
            raise ValueError("service names must be unique within a supplier")
        return self


class SupplierFile(_Strict):
    """The whole registry file."""

    suppliers: list[SupplierEntry]

    @model_validator(mode="after")
    def _unique_names(self) -> SupplierFile:
        seen: set[str] = set()
        for supplier in self.suppliers:
            for name in (supplier.name, *supplier.aliases):
                if normalise(name) in seen:
                    raise ValueError(f"the name {name!r} is used by two suppliers")
                seen.add(normalise(name))
        numbers: set[tuple[str, str]] = set()
        for supplier in self.suppliers:
            for kind in ("siren", "cik", "lei", "kvk"):
                value = getattr(supplier.identifiers, kind)
                if value is None:
                    continue
                if (kind, value) in numbers:
                    raise ValueError(f"the {kind} {value} is used by two suppliers")
                numbers.add((kind, value))
        return self


def read_supplier_file(path: Path) -> tuple[SupplierFile | None, list[PlaybookIssue]]:
    """The validated registry, or None and every problem found."""
    file = str(path)
    try:
        with path.open("rb") as stream:
            raw = stream.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        return None, [PlaybookIssue(file, None, "", f"cannot read: {exc.strerror or exc}")]
    if len(raw) > MAX_FILE_BYTES:
        limit = MAX_FILE_BYTES // 1024
        return None, [PlaybookIssue(file, None, "", f"file is larger than {limit} KiB")]
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        return None, [PlaybookIssue(file, None, "", f"not UTF-8 text (byte {exc.start})")]
    parsed = parse_yaml(text)
    issues = [
        PlaybookIssue(file, problem.line, format_path(problem.path), problem.message)
        for problem in parsed.problems
    ]
    if parsed.data is None:
        return None, issues
    try:
        registry = SupplierFile.model_validate(parsed.data)
    except ValidationError as exc:
        issues.extend(_validation_issues(file, exc, parsed))
        registry = None
    if issues:
        issues.sort(key=lambda issue: issue.line or 0)
        return None, issues
    return registry, []
