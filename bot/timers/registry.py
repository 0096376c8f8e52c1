"""A timer kind bound to its handler, and the table the runner fires from."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Any, Generic

from bot.scheduling.kinds import P, TimerKind
from bot.scheduling.runner import TimerHandler
from bot.services import Services
from bot.storage.models import TimerRecord


@dataclass(frozen=True)
class Timer(Generic[P]):
    """What runs when a timer of ``kind`` fires: ``handle`` gets the payload it declared."""

    kind: TimerKind[P]
    handle: Callable[[Services, P, TimerRecord], Awaitable[None]]

    async def fire(self, services: Services, timer: TimerRecord) -> None:
        """Read the timer's payload through its kind and run the handler."""
        await self.handle(services, self.kind.read(timer), timer)


def handler_table(*tables: Iterable[Timer[Any]]) -> dict[str, TimerHandler]:
    """One table from the areas' tables: the handler of each kind by its stored name."""
    handlers: dict[str, TimerHandler] = {}
    for table in tables:
        for timer in table:
            if timer.kind.name in handlers:
                raise ValueError(f"timer kind {timer.kind.name!r} has two handlers")
            handlers[timer.kind.name] = timer.fire
    return handlers
