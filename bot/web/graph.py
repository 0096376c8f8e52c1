"""The concentration graph as positioned boxes and lines, for a server-rendered SVG.

Three columns: suppliers, their services, and the dependent processes. A row per
dependent process (or per service without any); a service stands beside its first
process and a supplier beside its first service. Everything that tells things apart is
text or line style, never only colour, so the graph reads on a black-and-white print:
criticality is written in the process box and sets the line's width, and a service box
writes the freshness status of its fallback (the drill plan's: ``FallbackService``) with
the day of its last test, the box dashed unless that status is current.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from bot.suppliers.fallbacks import FallbackState
from bot.suppliers.file import Criticality
from bot.suppliers.freshness import Status, most_urgent
from bot.suppliers.registry import SupplierView

ROW = 44
TOP = 30
COLUMN_X = (10, 290, 570)
BOX_WIDTH = 250
BOX_HEIGHT = 36
WIDTH = COLUMN_X[2] + BOX_WIDTH + 10
_STROKE = {
    Criticality.VITAL.value: 4,
    Criticality.CRITICAL.value: 2,
    Criticality.IMPORTANT.value: 1,
}


@dataclass(frozen=True)
class Box:
    """A labelled box: ``lines`` of text; ``dashed`` for a fallback not current."""

    x: int
    y: int
    lines: tuple[str, ...]
    dashed: bool = False
    strong: bool = False


@dataclass(frozen=True)
class Line:
    """A connection from the right edge of one box to the left edge of the next."""

    x1: int
    y1: int
    x2: int
    y2: int
    width: int


@dataclass(frozen=True)
class FallbackLabels:
    """How a service box words its fallback options, in the page's language: ``none``
    without any, else ``state`` of the one shown."""

    none: str
    state: Callable[[FallbackState], str]


@dataclass(frozen=True)
class Graph:
    """Everything the SVG draws, and its size."""

    boxes: list[Box]
    lines: list[Line]
    width: int
    height: int


def layout(
    views: Sequence[SupplierView],
    criticality: dict[str, str],
    states: Sequence[FallbackState],
    fallback: FallbackLabels,
) -> Graph:
    """Position ``views`` (suppliers in the order given).

    ``criticality`` maps each criticality to its label in the page's language; ``states``
    are the fallback options' freshness (``FallbackService.states``).
    """
    by_service: dict[int, list[FallbackState]] = {}
    for state in states:
        by_service.setdefault(state.option.service_id, []).append(state)
    boxes: list[Box] = []
    lines: list[Line] = []
    row = 0
    for view in views:
        supplier_y = TOP + row * ROW
        boxes.append(Box(COLUMN_X[0], supplier_y, (view.supplier.name,), strong=True))
        for service in view.services:
            service_y = TOP + row * ROW
            label, dashed = _fallback(by_service.get(service.service.id, []), fallback)
            boxes.append(Box(COLUMN_X[1], service_y, (service.service.name, label), dashed=dashed))
            lines.append(_connect(0, supplier_y, service_y, 1))
            for dependency in service.dependencies:
                y = TOP + row * ROW
                level = criticality.get(dependency.criticality, dependency.criticality)
                text = (f"{dependency.process} [{level}]", dependency.organisation)
                boxes.append(Box(COLUMN_X[2], y, text))
                lines.append(_connect(1, service_y, y, _STROKE.get(dependency.criticality, 1)))
                row += 1
            # A service without dependent processes still takes its own row.
            row += 0 if service.dependencies else 1
        if not view.services:
            row += 1
    return Graph(boxes, lines, WIDTH, TOP + max(row, 1) * ROW + 10)


def _connect(column: int, y1: int, y2: int, width: int) -> Line:
    middle = BOX_HEIGHT // 2
    return Line(COLUMN_X[column] + BOX_WIDTH, y1 + middle, COLUMN_X[column + 1], y2 + middle, width)


def _fallback(options: Sequence[FallbackState], labels: FallbackLabels) -> tuple[str, bool]:
    """The fallback line of a service box, and whether the box is dashed (not current).

    The option shown is the most urgent one (failed, never tested, overdue, due soon):
    that option is the gap the picture must show; the page's table lists them all.
    """
    if not options:
        return labels.none, True
    shown = most_urgent(options)
    return labels.state(shown), shown.status is not Status.CURRENT
