"""The sandbox's accounts and secrets, kept in its directory so a second start reuses them.

A homeserver's database outlives one ``weerbaar sandbox``; registering the same users
again would fail (``M_USER_IN_USE``). So the first start writes ``sandbox.json`` with
every account's password and device, the room and the bot's secrets, and later starts
log in with those instead. Keeping the bot's device keeps its crypto store usable.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bot.private_files import write_private_text
from bot.sandbox.synapse import RegisteredUser, ThrowawaySynapse
from bot.sandbox.world import BOT_LOCALPART, SandboxWorld, create_world, invite_and_join

STATE_FILE = "sandbox.json"


async def open_world(
    synapse: ThrowawaySynapse, state_file: Path, member_localparts: Sequence[str]
) -> tuple[SandboxWorld, bool]:
    """The world stored in ``state_file`` (logged in again), or a new one stored there.

    Returns the world and whether it was reused. Members not yet stored (a ``--scenario``
    on a directory first started without one) are registered and joined to the room.
    """
    state = _load(state_file)
    if state is None:
        world = await create_world(synapse, member_localparts, secrets.token_urlsafe(12))
        _save(state_file, world)
        return world, False
    bot = await _login(synapse, BOT_LOCALPART, state["bot"])
    stored: dict[str, Any] = state["members"]
    members = []
    for localpart in member_localparts:
        if localpart in stored:
            members.append(await _login(synapse, localpart, stored[localpart]))
        else:
            # Same password as the first member, so the printed one works for every account.
            member = await synapse.register(localpart, stored[member_localparts[0]]["password"])
            await invite_and_join(synapse.url, members[0], member, state["coordination_room"])
            members.append(member)
    world = SandboxWorld(
        homeserver_url=synapse.url,
        bot=bot,
        members=tuple(members),
        coordination_room=state["coordination_room"],
        hmac_secret=state["hmac_secret"],
        pickle_key=state["pickle_key"],
    )
    _save(state_file, world, stored)
    return world, True


async def _login(
    synapse: ThrowawaySynapse, localpart: str, stored: dict[str, Any]
) -> RegisteredUser:
    return await synapse.login(localpart, stored["password"], stored["device_id"])


def _load(state_file: Path) -> dict[str, Any] | None:
    try:
        state: dict[str, Any] = json.loads(state_file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    return state


def _save(state_file: Path, world: SandboxWorld, earlier: dict[str, Any] | None = None) -> None:
    def account(user: RegisteredUser) -> dict[str, str]:
        return {"password": user.password, "device_id": user.device_id}

    members = dict(earlier or {})
    members.update({localpart_of(member.user_id): account(member) for member in world.members})
    state = {
        "bot": account(world.bot),
        "members": members,
        "coordination_room": world.coordination_room,
        "hmac_secret": world.hmac_secret,
        "pickle_key": world.pickle_key,
    }
    # The file holds passwords and tokens.
    write_private_text(state_file, json.dumps(state, indent=2) + "\n")


def localpart_of(user_id: str) -> str:
    """``alice`` of ``@alice:example.org``."""
    return user_id.removeprefix("@").split(":", 1)[0]
