"""The reachability state machine: when degraded mode begins and ends (issue 21)."""

from __future__ import annotations

from datetime import timedelta

from bot.degraded.state import Entered, Left, Reachability
from bot.matrix.client import MatrixError
from tests.support.clock import ManualClock

AFTER = timedelta(seconds=120)
NO_ANSWER = MatrixError("sync", "connection refused")
RATE_LIMITED = MatrixError("send", "slow down", errcode="M_LIMIT_EXCEEDED", http_status=429)
REFUSED = MatrixError("send", "too large", errcode="M_TOO_LARGE", http_status=413)


def machine() -> tuple[Reachability, ManualClock]:
    clock = ManualClock()
    return Reachability(AFTER, clock), clock


def test_failing_sync_enters_degraded_mode_after_the_threshold_once() -> None:
    state, clock = machine()
    start = clock.now()
    state.failed(NO_ANSWER, sync=True)
    clock.advance(seconds=119)
    state.failed(NO_ANSWER, sync=False)
    assert state.check() == []
    clock.advance(seconds=1)
    assert state.check() == [Entered(start)]
    assert state.degraded and state.degraded_since == start
    clock.advance(seconds=60)
    state.failed(NO_ANSWER, sync=True)
    assert state.check() == []  # said once


def test_an_answer_leaves_degraded_mode_with_the_outage_span() -> None:
    state, clock = machine()
    start = clock.now()
    state.failed(NO_ANSWER, sync=True)
    clock.advance(seconds=300)
    state.check()
    state.answered()
    assert state.check() == [Left(start, start + timedelta(seconds=300))]
    assert not state.degraded and state.failing_since is None


def test_rate_limits_and_refusals_are_answers_not_an_outage() -> None:
    state, clock = machine()
    state.failed(RATE_LIMITED, sync=True)
    clock.advance(seconds=600)
    assert state.check() == [] and state.failing_since is None
    state.failed(NO_ANSWER, sync=True)
    clock.advance(seconds=60)
    state.failed(RATE_LIMITED, sync=True)  # the server answered: the failure ends
    clock.advance(seconds=600)
    assert state.check() == []
    state.failed(REFUSED, sync=False)
    assert state.failing_since is None


def test_failing_deliveries_alone_are_no_outage() -> None:
    state, clock = machine()
    state.failed(NO_ANSWER, sync=False)
    clock.advance(seconds=600)
    assert state.check() == []


def test_flapping_enters_at_most_once_per_threshold() -> None:
    state, clock = machine()
    state.failed(NO_ANSWER, sync=True)
    clock.advance(seconds=120)
    assert len(state.check()) == 1
    transitions = []
    # The homeserver answers and fails again every 10 seconds for 230 seconds.
    for _ in range(23):
        state.answered()
        clock.advance(seconds=5)
        state.failed(NO_ANSWER, sync=True)
        clock.advance(seconds=5)
        transitions += state.check()
    entered = [t for t in transitions if isinstance(t, Entered)]
    # Failing continuously since its last answer only for 5 s each time: no new entry.
    assert entered == []
    left = [t for t in transitions if isinstance(t, Left)]
    assert len(left) == 1


def test_after_leaving_a_new_outage_waits_for_the_threshold_since_leaving() -> None:
    state, clock = machine()
    state.failed(NO_ANSWER, sync=True)
    clock.advance(seconds=120)
    state.check()
    state.answered()  # left at 120 s
    state.check()
    # Fails at once again: failing since 120 s; due at 240 s either way.
    second = clock.now()
    state.failed(NO_ANSWER, sync=True)
    clock.advance(seconds=119)
    assert state.check() == []
    clock.advance(seconds=1)
    assert state.check() == [Entered(second)]
