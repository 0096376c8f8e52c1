"""The bot under Synapse's default message rate limit (0.2 messages/s, burst 10).

A production bot account has this limit unless an operator lifts it. These tests use
``limited_bot``, whose account keeps it, while every other test's bot is exempt.
What the bot did is read from the homeserver: its timeline and its access log.
The limit counts per user, not per room, so the test that one failing room does not
hold back the others fails that room's sends through a proxy instead.
"""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path

import pytest

from bot.app import Weerbaar
from bot.sandbox.synapse import DEFAULT_MESSAGE_LIMIT, ThrowawaySynapse
from bot.sandbox.world import SandboxWorld, create_room_as
from tests.support.fault_proxy import FaultProxy
from tests.support.homeserver import bot_settings, running_bot
from tests.support.matrix_user import MatrixUser, body_of, replies_to, wait_until

# Started first on the parallel workers: the tests wait on Synapse's default rate limits.
pytestmark = pytest.mark.runs_long

# Beyond the burst of 10: the last replies have to wait for the limit to refill (about
# 5 s each), which is what is tested; more would only make the test slower.
BURST = 14
# Each waiting reply goes out about 5 s after the one before; generous on purpose.
REPLY_WAIT = 60.0

# One line of Synapse's access log for a PUT /send/{eventType}/{txnId}.
_SEND_LINE = re.compile(
    r"\{(?P<user>[^}]+)\} Processed request: .* (?P<status>\d{3}) "
    r'"PUT /_matrix/client/v3/rooms/[^/]+/send/[^/]+/(?P<txn>[^/ ]+) HTTP'
)


def send_attempts(log_path: Path, user_id: str) -> dict[str, list[int]]:
    """HTTP statuses of every send by ``user_id``, per transaction id, in order."""
    attempts: dict[str, list[int]] = defaultdict(list)
    with log_path.open(encoding="utf-8") as log:
        for line in log:
            match = _SEND_LINE.search(line)
            if match and match["user"] == user_id:
                attempts[match["txn"]].append(int(match["status"]))
    return attempts


async def send_commands(user: MatrixUser, room: str, count: int) -> list[str]:
    """Send ``count`` distinct unknown commands at once; returns their event ids."""
    return [await user.send(room, f"!burst-{index}") for index in range(count)]


async def wait_for_replies(user: MatrixUser, room: str, commands: list[str]) -> None:
    """Wait until every command has a reply."""
    for event_id in commands:
        await user.wait_for(room, replies_to(event_id), timeout=REPLY_WAIT)


async def test_a_burst_of_commands_gets_every_reply_in_order_exactly_once(
    limited_bot: Weerbaar, limited_world: SandboxWorld, limited_member: MatrixUser
) -> None:
    room = limited_world.coordination_room
    commands = await send_commands(limited_member, room, BURST)

    await wait_for_replies(limited_member, room, commands)
    # One more sync: a duplicate sent right after the last reply shows up too.
    await limited_member.sync(0)

    replies = [
        event
        for event in limited_member.seen[room]
        if event["sender"] == limited_world.bot.user_id
        and event.get("content", {}).get("m.relates_to", {}).get("m.in_reply_to")
    ]
    answered = [reply["content"]["m.relates_to"]["m.in_reply_to"]["event_id"] for reply in replies]
    assert answered == commands
    for index, reply in enumerate(replies):
        assert f"!burst-{index}" in body_of(reply)


async def test_the_outbox_waits_as_long_as_the_homeserver_tells_it(
    limited_bot: Weerbaar,
    limited_world: SandboxWorld,
    limited_member: MatrixUser,
    synapse: ThrowawaySynapse,
) -> None:
    room = limited_world.coordination_room
    commands = await send_commands(
        limited_member, room, int(DEFAULT_MESSAGE_LIMIT["burst_count"]) + 5
    )

    await wait_for_replies(limited_member, room, commands)

    # Synapse logs a request once it has answered it, which can be a moment after the event
    # reached the member's sync: wait until the log holds the accepted send of every reply.
    def accepted_sends() -> int:
        attempts = send_attempts(synapse.log_path, limited_world.bot.user_id)
        return sum(200 in statuses for statuses in attempts.values())

    await wait_until(lambda: accepted_sends() >= len(commands))
    attempts = send_attempts(synapse.log_path, limited_world.bot.user_id)
    refused = {txn: statuses for txn, statuses in attempts.items() if 429 in statuses}
    # The limit really bit: otherwise this test would prove nothing.
    assert refused
    # Synapse's retry_after_ms is exact (and it pauses 0.5 s before answering a 429):
    # a sender that waits as told gets each message through on its next try. Retrying
    # sooner would show as repeated 429s for one transaction.
    assert {txn: statuses for txn, statuses in refused.items() if statuses != [429, 200]} == {}
    assert all(statuses[-1] == 200 for statuses in attempts.values())


# Enough failures that the failing room's backoff (0.5 s doubling) is seconds long,
# far longer than the bot needs to answer a command in another room.
FAILURES_BEFORE_COMMAND = 5


async def test_a_room_whose_sends_fail_does_not_hold_back_other_rooms(
    world: SandboxWorld, alice: MatrixUser, synapse: ThrowawaySynapse, tmp_path: Path
) -> None:
    proxy = FaultProxy(synapse.url)
    await proxy.start()
    settings = bot_settings(world, tmp_path / "bot")
    settings = settings.model_copy(
        update={"matrix": settings.matrix.model_copy(update={"homeserver": proxy.url})}
    )
    try:
        async with running_bot(settings):
            failing = await create_room_as(
                synapse.url, world.members[0], "Storing", [world.bot.user_id]
            )
            await alice.wait_for(
                failing,
                lambda e: (
                    e.get("state_key") == world.bot.user_id
                    and e["content"].get("membership") == "join"
                ),
            )
            proxy.failing_rooms.add(failing)
            await alice.send(failing, "!help")
            await wait_until(
                lambda: len(proxy.attempts_in(failing)) >= FAILURES_BEFORE_COMMAND, timeout=60
            )
            # Right after a failed try, so the room's next try is a full backoff away.
            tried = len(proxy.attempts_in(failing))
            await wait_until(lambda: len(proxy.attempts_in(failing)) > tried, timeout=60)
            start = len(proxy.sends)

            await alice.command(world.coordination_room, "!help")

            def delivered_to_coordination() -> int | None:
                return next(
                    (
                        index
                        for index, attempt in enumerate(proxy.sends[start:])
                        if attempt.room_id == world.coordination_room and attempt.status == 200
                    ),
                    None,
                )

            # The proxy records a send once Synapse's answer has reached it, which can be
            # after Synapse handed the event to alice's sync.
            await wait_until(lambda: delivered_to_coordination() is not None)
            later = proxy.sends[start:]
            delivered = delivered_to_coordination()
            assert delivered is not None
            # The other room's reply went out without waiting for the failing room's
            # next try: the failing room's backoff is its own.
            assert [a for a in later[:delivered] if a.room_id == failing] == []
            assert all(attempt.status == 503 for attempt in proxy.attempts_in(failing))
    finally:
        await proxy.close()
