"""How much a dependent process matters: the classes of the supplier registry."""

from __future__ import annotations

from enum import StrEnum


class Criticality(StrEnum):
    """Impact class of a dependent process, most severe first."""

    VITAL = "vital"
    CRITICAL = "critical"
    IMPORTANT = "important"
