"""Test-only fault injection: lets a test kill the bot at a chosen point of its work.

Tests that prove crash safety start the bot as a subprocess with ``WEERBAAR_TEST_KILL_AT``
set to a point's name; the process then SIGKILLs itself when it passes that point (see
tests/support/bot_process.py). Unset, as in every real deployment, a point does nothing.
"""

from __future__ import annotations

import os
import signal

KILL_AT_ENV = "WEERBAAR_TEST_KILL_AT"

INCIDENT_ROOM_CREATED = "incident-room-created"
"""Right after the homeserver created an incident room, before the escalation commits."""


def kill_point(name: str) -> None:
    """SIGKILL this process if the test-only environment variable names ``name``."""
    if os.environ.get(KILL_AT_ENV) == name:
        os.kill(os.getpid(), signal.SIGKILL)
