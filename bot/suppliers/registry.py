"""The supplier registry in the database: import, look-up and the concentration picture."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.storage.models import (
    DependencyRecord,
    FallbackOptionRecord,
    FallbackTestRecord,
    SupplierRecord,
    SupplierServiceRecord,
)
from bot.suppliers.criticality import Criticality
from bot.suppliers.file import FallbackEntry, SupplierEntry
from bot.suppliers.freshness import leading_result
from bot.suppliers.names import normalise

# Who recorded a test that came from the registry file.
REGISTRY_SOURCE = "registry"


@dataclass(frozen=True)
class ServiceView:
    """A service with who depends on it and what could replace it."""

    service: SupplierServiceRecord
    dependencies: list[DependencyRecord]
    fallbacks: list[FallbackOptionRecord]


@dataclass(frozen=True)
class SupplierView:
    """A supplier with its services."""

    supplier: SupplierRecord
    services: list[ServiceView]

    def count(self, criticality: str) -> int:
        """How many dependent processes of ``criticality`` hang on this supplier.

        A process (organisation and process, compared normalised) that needs several of
        the supplier's services is one process, counted once at its gravest criticality.
        """
        order = [level.value for level in Criticality]
        gravest: dict[tuple[str, str], str] = {}
        for service in self.services:
            for dependency in service.dependencies:
                process = (normalise(dependency.organisation), normalise(dependency.process))
                known = gravest.get(process)
                if known is None or order.index(dependency.criticality) < order.index(known):
                    gravest[process] = dependency.criticality
        return sum(1 for level in gravest.values() if level == criticality)

    def organisations(self) -> int:
        """How many organisations hang on this supplier (through any of its services)."""
        return len(
            {
                normalise(dependency.organisation)
                for service in self.services
                for dependency in service.dependencies
            }
        )


class SupplierRegistry:
    """Reads and replaces the supplier registry within a transaction."""

    def __init__(self, session: AsyncSession, clock: Clock) -> None:
        self._session = session
        self._clock = clock
        # Names (normalised, with aliases) to suppliers, read once per transaction: a
        # batch of intake requests looks up a supplier per alert. Only replace_all
        # changes the registry, and it forgets this.
        self._by_name: dict[str, SupplierRecord] | None = None

    async def find(self, name: str) -> SupplierRecord | None:
        """The supplier called ``name`` or known by it as an alias."""
        if self._by_name is None:
            # The registry is small (tens to hundreds of suppliers); matching aliases in
            # Python keeps the lookup the same on SQLite and PostgreSQL. The first
            # supplier with a name wins, as when the list was searched in order.
            by_name: dict[str, SupplierRecord] = {}
            for supplier in await self._session.scalars(select(SupplierRecord)):
                for known in (supplier.name, *supplier.aliases):
                    by_name.setdefault(normalise(known), supplier)
            self._by_name = by_name
        return self._by_name.get(normalise(name))

    async def in_catalogue(self, name: str) -> list[SupplierRecord]:
        """The suppliers a vulnerability catalogue or advisory means by vendor/product ``name``.

        Each one whose name, an alias or a registered vulnerability name it is, by name:
        vulnerability names need not be unique, since suppliers that deliver the same
        product are all exposed by its flaw.
        """
        wanted = normalise(name)
        return [
            supplier
            for supplier in await self._session.scalars(
                select(SupplierRecord).order_by(SupplierRecord.name)
            )
            if wanted
            in {
                normalise(n)
                for n in (
                    supplier.name,
                    *supplier.aliases,
                    *supplier.identifiers.get("vulnerability_names", []),
                )
            }
        ]

    async def with_identifier(self, kind: str) -> dict[str, str]:
        """Every registered identifier of ``kind`` ("siren", "cik", "lei", "kvk"): supplier name."""
        found: dict[str, str] = {}
        for supplier in await self._session.scalars(select(SupplierRecord)):
            value = supplier.identifiers.get(kind)
            if isinstance(value, str):
                found[value] = supplier.name
        return found

    async def names_of(self, name: str) -> list[str]:
        """The registry name and aliases of the supplier called ``name`` (a name or alias);
        ``[name]`` itself if unknown."""
        found = await self.find(name)
        return [found.name, *found.aliases] if found is not None else [name]

    async def canonical(self, name: str) -> str:
        """The registry's name for ``name`` (a name or alias); ``name`` itself if unknown."""
        found = await self.find(name)
        return found.name if found is not None else name

    async def replace_all(self, entries: Sequence[SupplierEntry]) -> int:
        """Make the registry exactly ``entries`` (the file is the source of truth).

        Trial history is kept: it is keyed by the fallbacks' stable ids, and a test in the
        file (``last_tested``/``result``) is added only when not yet recorded.
        """
        self._by_name = None
        for model in (
            DependencyRecord,
            FallbackOptionRecord,
            SupplierServiceRecord,
            SupplierRecord,
        ):
            await self._session.execute(delete(model))
        for entry in entries:
            supplier = SupplierRecord(
                name=entry.name,
                aliases=list(entry.aliases),
                contract_end=entry.contract_end,
                notes=entry.notes,
                identifiers=entry.identifiers.model_dump(exclude_none=True),
            )
            self._session.add(supplier)
            await self._session.flush()
            for service_entry in entry.services:
                service = SupplierServiceRecord(supplier_id=supplier.id, name=service_entry.name)
                self._session.add(service)
                await self._session.flush()
                for dependency in service_entry.dependencies:
                    self._session.add(
                        DependencyRecord(
                            service_id=service.id,
                            organisation=dependency.organisation,
                            process=dependency.process,
                            criticality=dependency.criticality.value,
                        )
                    )
                for fallback in service_entry.fallbacks:
                    key = fallback.key(entry.name, service_entry.name)
                    self._session.add(
                        FallbackOptionRecord(
                            service_id=service.id,
                            key=key,
                            description=fallback.description,
                            owner=fallback.owner,
                            last_tested=fallback.last_tested,
                            test_result=fallback.result,
                        )
                    )
                    await self._import_test(key, fallback)
        await self._session.flush()
        return len(entries)

    async def _import_test(self, key: str, fallback: FallbackEntry) -> None:
        """The file's test of ``key`` as history, unless that day's is already there."""
        if fallback.last_tested is None or fallback.result is None:
            return
        result = leading_result(fallback.result)
        assert result is not None  # the file model refuses a result without one
        known = await self._session.scalar(
            select(FallbackTestRecord.id).where(
                FallbackTestRecord.fallback_key == key,
                FallbackTestRecord.source == REGISTRY_SOURCE,
                FallbackTestRecord.tested_on == fallback.last_tested,
            )
        )
        if known is not None:
            return
        self._session.add(
            FallbackTestRecord(
                fallback_key=key,
                tested_on=fallback.last_tested,
                kind=fallback.kind.value if fallback.kind else None,
                result=result.value,
                notes=fallback.result,
                recorded_by=REGISTRY_SOURCE,
                recorded_at=self._clock.now(),
                source=REGISTRY_SOURCE,
            )
        )

    async def view(self, supplier: SupplierRecord) -> SupplierView:
        """``supplier`` with its services, dependencies and fallback options."""
        return (await self._views([supplier]))[0]

    async def all_views(self) -> list[SupplierView]:
        """Every supplier with its services, by name."""
        suppliers = list(
            await self._session.scalars(select(SupplierRecord).order_by(SupplierRecord.name))
        )
        return await self._views(suppliers)

    async def _views(self, suppliers: Sequence[SupplierRecord]) -> list[SupplierView]:
        ids = [supplier.id for supplier in suppliers]
        services = list(
            await self._session.scalars(
                select(SupplierServiceRecord)
                .where(SupplierServiceRecord.supplier_id.in_(ids))
                .order_by(SupplierServiceRecord.name)
            )
        )
        service_ids = [service.id for service in services]
        dependencies = list(
            await self._session.scalars(
                select(DependencyRecord)
                .where(DependencyRecord.service_id.in_(service_ids))
                .order_by(DependencyRecord.id)
            )
        )
        fallbacks = list(
            await self._session.scalars(
                select(FallbackOptionRecord)
                .where(FallbackOptionRecord.service_id.in_(service_ids))
                .order_by(FallbackOptionRecord.id)
            )
        )
        return [
            SupplierView(
                supplier,
                [
                    ServiceView(
                        service,
                        [d for d in dependencies if d.service_id == service.id],
                        [f for f in fallbacks if f.service_id == service.id],
                    )
                    for service in services
                    if service.supplier_id == supplier.id
                ],
            )
            for supplier in suppliers
        ]
