"""Whether the homeserver is reachable, as a small pure state machine.

reachable → failing since T → degraded since T → reachable again. The sync loop and the
outbox sender report every outcome; ``check`` turns a failure that lasted
``after`` into degraded mode. Only failures where the homeserver did not answer
(no answer, timeout, 5xx) count: a rate limit is an answer, so a 429 never starts it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.clock import Clock
from bot.matrix.client import MatrixError


def unreachable(exc: Exception) -> bool:
    """Whether ``exc`` means the homeserver did not answer (a 429 is an answer)."""
    if not isinstance(exc, MatrixError) or not exc.transient:
        return False
    return exc.http_status is None or exc.http_status >= 500 or exc.http_status == 408


@dataclass(frozen=True)
class Entered:
    """Degraded mode began: the homeserver has not answered since ``since``."""

    since: datetime


@dataclass(frozen=True)
class Left:
    """Degraded mode ended: the homeserver was unreachable from ``since`` to ``until``."""

    since: datetime
    until: datetime


Transition = Entered | Left


class Reachability:
    """Tracks the homeserver's reachability from the outcomes of sync and deliveries.

    Invariant: ``degraded_since`` is set only while ``failing_since`` is. Entering happens
    at most once per ``after``: leaving clears ``failing_since``, so a new failure starts
    no earlier than the leaving and a new entry needs ``after`` of failure after it; a
    homeserver flapping around the threshold causes no storm of notices.
    """

    def __init__(self, after: timedelta, clock: Clock) -> None:
        self._after = after
        self._clock = clock
        self.failing_since: datetime | None = None
        self.degraded_since: datetime | None = None
        self._sync_failing = False
        self._pending: list[Transition] = []

    @property
    def degraded(self) -> bool:
        """Whether the bot is in degraded mode."""
        return self.degraded_since is not None

    def failed(self, exc: Exception, *, sync: bool) -> None:
        """A sync (``sync``) or a delivery failed with ``exc``."""
        if not unreachable(exc):
            if not sync:
                return  # a refused delivery is the request's fault: the server answered
            self.answered()
            return
        if sync:
            self._sync_failing = True
        # A delivery failing while sync works is one slow request, not an outage.
        if self._sync_failing and self.failing_since is None:
            self.failing_since = self._clock.now()

    def answered(self) -> None:
        """The homeserver answered (a sync or a delivery succeeded, or it refused)."""
        self._sync_failing = False
        if self.degraded_since is not None and self.failing_since is not None:
            self._pending.append(Left(self.failing_since, self._clock.now()))
        self.failing_since = None
        self.degraded_since = None

    def resume(self, since: datetime) -> None:
        """Be degraded since ``since`` already, without a new ``Entered``: the bot was
        restarted during an outage it had announced. The next answer leaves it."""
        self._sync_failing = True
        self.failing_since = self.degraded_since = since

    def check(self) -> list[Transition]:
        """The transitions since the last check, entering degraded mode if it is due."""
        if (
            self.failing_since is not None
            and self.degraded_since is None
            and self._clock.now() >= self.failing_since + self._after
        ):
            self.degraded_since = self.failing_since
            self._pending.append(Entered(self.failing_since))
        transitions, self._pending = self._pending, []
        return transitions
