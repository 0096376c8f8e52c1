"""Recording decisions in a situation's log."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from bot.decisionlog.log import EntryKind, SituationLog
from bot.storage.models import LogEntryRecord


class DecisionService:
    """Records what was decided, why, and by whom."""

    def __init__(self, log: SituationLog) -> None:
        self._log = log

    async def decide(
        self,
        situation_id: int,
        decided_by: str,
        decision: str,
        rationale: str,
        *,
        options: Sequence[Mapping[str, Any]] = (),
        decision_point: str | None = None,
        information: str | None = None,
        present: Sequence[str] = (),
        review_at: datetime | None = None,
        decided_at: datetime | None = None,
    ) -> LogEntryRecord:
        """Record a decision with its rationale; the log stamps who and when.

        ``options`` are the options weighed ({"option", "chosen", "why_not"}),
        ``decision_point`` names the playbook decision point it answers, if any.
        """
        payload: dict[str, Any] = {"decision": decision, "rationale": rationale}
        if options:
            payload["options"] = [dict(option) for option in options]
        if decision_point is not None:
            payload["decision_point"] = decision_point
        if information is not None:
            payload["information"] = information
        if present:
            payload["present"] = list(present)
        if review_at is not None:
            payload["review_at"] = review_at.isoformat()
        return await self._log.append(
            situation_id, EntryKind.DECISION, decided_by, payload, occurred_at=decided_at
        )
