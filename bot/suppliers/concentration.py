"""The concentration picture: which suppliers the most severe processes hang on, and how
fresh the proof of each fallback option is. Shared by ``!concentration`` and the web
view's supplier page; the freshness itself is the drill plan's (``FallbackService``)."""

from __future__ import annotations

from collections.abc import Sequence

from bot.i18n import Language, text
from bot.suppliers.fallbacks import FallbackState
from bot.suppliers.file import Criticality
from bot.suppliers.registry import SupplierView


def weight(view: SupplierView) -> tuple[int, ...]:
    """The supplier's dependent processes counted per criticality, most severe first."""
    return tuple(view.count(level.value) for level in Criticality)


def ranked(views: Sequence[SupplierView]) -> list[SupplierView]:
    """Suppliers with any dependent process, those with the most severe ones first."""
    return sorted((view for view in views if any(weight(view))), key=weight, reverse=True)


def freshness(state: FallbackState, lang: Language) -> str:
    """The option's status in ``lang``, with the day and result of its latest test when
    it has one (``VERLOPEN (laatste test 2025-03-01: geslaagd)``)."""
    status = text(f"fallback_status.{state.status.value}", lang)
    if state.last is None:
        return status
    return text(
        "fallback.freshness",
        lang,
        status=status,
        date=state.last.tested_on.isoformat(),
        result=text(f"fallback_result.{state.last.result}", lang),
    )
