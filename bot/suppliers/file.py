"""The supplier registry file: YAML validated into pydantic models, problems with file:line.

Read by the one YAML loader (``bot.yamlfiles``), so the registry is refused for the same
reasons with the same ``file:line: field: problem`` lines as playbooks and scenarios.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, model_validator

from bot.suppliers.criticality import Criticality
from bot.suppliers.fallback_ids import FALLBACK_ID, derived_id
from bot.suppliers.freshness import RESULT_WORDS, DrillKind, leading_result
from bot.suppliers.identifiers import Identifiers
from bot.suppliers.names import normalise
from bot.yamlfiles.loader import FileIssue, SizeLimit, check_document

__all__ = ["Criticality", "FallbackEntry", "SupplierFile", "read_supplier_file"]

# A registry of a few hundred suppliers is well under this.
LIMIT = SizeLimit(2 * 1024 * 1024)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class DependencyEntry(_Strict):
    """An organisation's process that needs the service."""

    organisation: str = Field(min_length=1, max_length=200)
    process: str = Field(min_length=1, max_length=200)
    criticality: Criticality


class FallbackEntry(_Strict):
    """What could replace the service; ``last_tested`` empty means never tested.

    ``last_tested`` with ``result`` imports as the first entry of the option's test
    history; ``result`` starts with an outcome word (``worked``/``geslaagd``, ``partly``/
    ``deels``, ``failed``/``mislukt``) and may go on with notes: ``geslaagd, 6 uur``.
    """

    id: str | None = Field(default=None, pattern=FALLBACK_ID.pattern)
    description: str = Field(min_length=1, max_length=2000)
    owner: str | None = Field(default=None, min_length=1, max_length=200)
    last_tested: date | None = None
    kind: DrillKind | None = None
    result: str | None = Field(default=None, max_length=2000)

    @model_validator(mode="after")
    def _result_with_outcome(self) -> FallbackEntry:
        if (self.last_tested is None) != (self.result is None):
            raise ValueError("last_tested and result go together: give both or neither")
        if self.result is not None and leading_result(self.result) is None:
            raise ValueError(f"result must start with one of: {', '.join(RESULT_WORDS)}")
        return self

    def key(self, supplier: str, service: str) -> str:
        """The option's stable id: given as ``id``, else derived from the names."""
        return self.id or derived_id(supplier, service, self.description)


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
        keys = [key for _, _, key, _ in self.fallbacks()]
        duplicates = sorted({key for key in keys if keys.count(key) > 1})
        if duplicates:
            raise ValueError(f"fallback ids must be unique: {', '.join(duplicates)}")
        return self

    def fallbacks(self) -> list[tuple[SupplierEntry, ServiceEntry, str, FallbackEntry]]:
        """Every fallback option with its supplier, service and stable id."""
        return [
            (supplier, service, fallback.key(supplier.name, service.name), fallback)
            for supplier in self.suppliers
            for service in supplier.services
            for fallback in service.fallbacks
        ]


def read_supplier_file(path: Path) -> tuple[SupplierFile | None, list[FileIssue]]:
    """The validated registry, or None and every problem found."""
    document = check_document(path, SupplierFile, LIMIT)
    return document.model, document.issues
