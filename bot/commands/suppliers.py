"""``!supplier`` shows one supplier; ``!concentration`` shows the monoculture risk."""

from __future__ import annotations

from bot.commands.access import Role
from bot.commands.arguments import TEXT, Arg, Spec
from bot.commands.context import CommandContext
from bot.commands.registry import Command
from bot.errors import UnknownSupplier
from bot.suppliers.concentration import freshness, ranked, weight
from bot.suppliers.freshness import not_current

# The concentration picture names this many suppliers.
TOP_SUPPLIERS = 10


async def show_supplier(context: CommandContext, name: str) -> None:
    """Reply with the supplier's contract, services, dependent processes and fallbacks,
    each fallback with its status and last test (the drill plan's)."""
    registry = context.services.suppliers
    supplier = await registry.find(name)
    if supplier is None:
        raise UnknownSupplier(name=name)
    view = await registry.view(supplier)
    states = {state.key: state for state in await context.services.fallbacks.states()}
    text = context.text
    contract = supplier.contract_end.isoformat() if supplier.contract_end else text("supplier.none")
    lines = [
        text(
            "supplier.header",
            name=supplier.name,
            aliases=supplier.aliases,
            contract=contract,
        )
    ]
    for service in view.services:
        lines.append(text("supplier.service", name=service.service.name))
        for dependency in service.dependencies:
            lines.append(
                text(
                    "supplier.dependency",
                    organisation=dependency.organisation,
                    process=dependency.process,
                    criticality=text(f"criticality.{dependency.criticality}"),
                )
            )
        for fallback in service.fallbacks:
            lines.append(
                text(
                    "supplier.fallback",
                    fallback=fallback.key,
                    description=fallback.description,
                    owner=fallback.owner or "-",
                    freshness=freshness(states[fallback.key], context.lang),
                )
            )
    if supplier.notes:
        lines.append(supplier.notes)
    await context.reply("\n".join(lines))


async def concentration(context: CommandContext) -> None:
    """Which suppliers the most vital processes hang on, and every fallback option that is
    not current (failed, never tested, overdue, due soon) with its status."""
    views = await context.services.suppliers.all_views()
    text = context.text
    heaviest = ranked(views)
    lines = [text("concentration.title")]
    for rank, view in enumerate(heaviest[:TOP_SUPPLIERS], start=1):
        vital, critical, important = weight(view)
        lines.append(
            text(
                "concentration.line",
                rank=rank,
                name=view.supplier.name,
                vital=vital,
                critical=critical,
                important=important,
            )
        )
    if not heaviest:
        lines.append(text("concentration.empty"))
    stale = not_current(await context.services.fallbacks.states())
    lines.append(text("concentration.not_current", count=len(stale)))
    lines += [
        text(
            "concentration.fallback",
            supplier=state.supplier,
            service=state.service,
            description=state.option.description,
            fallback=state.key,
            freshness=freshness(state, context.lang),
        )
        for state in stale
    ]
    await context.reply("\n".join(lines))


COMMANDS = [
    Command(
        name="supplier",
        alias="leverancier",
        spec=Spec((Arg("name", TEXT, {"en": "<name>", "nl": "<naam>"}),)),
        readme="a supplier from the registry: contract end, services, dependent processes with "
        "criticality, fallback options with their status and last test",
        summary={
            "en": "show a supplier: contract, services, who depends on them, fallback options",
            "nl": "een leverancier tonen: contract, diensten, afhankelijken, terugvalopties",
        },
        handler=show_supplier,
        role=Role.OBSERVER,
    ),
    Command(
        name="concentration",
        alias="concentratie",
        readme="which suppliers the most vital processes hang on, and every fallback option "
        "that is not current (failed, never tested, overdue or due soon under the `[fallbacks]` "
        "policy) with its status and last test",
        summary={
            "en": "which suppliers the most vital processes hang on; fallbacks not current",
            "nl": "van welke leveranciers de meeste vitale processen afhangen; terugvalopties "
            "die niet actueel zijn",
        },
        handler=concentration,
        role=Role.OBSERVER,
    ),
]
