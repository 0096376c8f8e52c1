"""What a chat command needs to start an exercise (implemented by the running bot)."""

from __future__ import annotations

from typing import Protocol

from bot.exercises.scenario import Scenario
from bot.i18n import Language


class ExerciseStarter(Protocol):
    """Starts playing a scenario in the background."""

    def launch(self, name: str, speed: float, room_id: str, lang: Language) -> Scenario:
        """Start the scenario ``name`` asked for in ``room_id``; DomainError when it cannot."""
        ...

    def find(self, name: str) -> Scenario:
        """The valid scenario called ``name`` (file stem or id); DomainError when none is."""
        ...

    def covering(self) -> dict[str, list[str]]:
        """Fallback id: the ids of the scenarios that cover (drill) it."""
        ...
