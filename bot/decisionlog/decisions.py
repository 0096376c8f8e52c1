"""Recording decisions in a situation's log."""

from __future__ import annotations

from bot.decisionlog.log import EntryKind, SituationLog
from bot.storage.models import LogEntryRecord


class DecisionService:
    """Records what was decided, why, and by whom."""

    def __init__(self, log: SituationLog) -> None:
        self._log = log

    async def decide(
        self, situation_id: int, decided_by: str, decision: str, rationale: str
    ) -> LogEntryRecord:
        """Record a decision with its rationale; the log stamps who and when."""
        return await self._log.append(
            situation_id,
            EntryKind.DECISION,
            decided_by,
            {"decision": decision, "rationale": rationale},
        )
