"""A ready-made world on a throwaway Synapse: bot account, taskforce users, coordination room.

Used by ``weerbaar sandbox`` and by the integration tests, so both exercise the same set-up.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.config import (
    EncryptionSettings,
    IntakeSettings,
    MatrixSettings,
    Settings,
    StorageSettings,
)
from bot.matrix.client import MatrixClient
from bot.sandbox.synapse import RegisteredUser, ThrowawaySynapse

BOT_LOCALPART = "weerbaar"


@dataclass(frozen=True)
class SandboxWorld:
    """Accounts and rooms on a throwaway homeserver, ready for a bot to be started."""

    homeserver_url: str
    bot: RegisteredUser
    members: tuple[RegisteredUser, ...]
    coordination_room: str
    hmac_secret: str
    pickle_key: str

    def settings(self, data_dir: Path, playbooks_dir: Path, **overrides: Any) -> Settings:
        """Bot settings for this world; ``overrides`` replace top-level settings.

        Sections are passed as models, which replace (not merge with) whatever a config
        file in ``$WEERBAAR_CONFIG`` holds: a test's bot never picks up another's database.
        """
        values = self.values(data_dir, playbooks_dir)
        sections = {
            "matrix": MatrixSettings(**values["matrix"]),
            "intake": IntakeSettings(**values["intake"]),
            "encryption": EncryptionSettings(**values["encryption"]),
            "storage": StorageSettings(),
        }
        return Settings(**{**values, **sections, **overrides})

    def values(self, data_dir: Path, playbooks_dir: Path) -> dict[str, Any]:
        """The settings of ``settings()`` as plain values, to merge other settings over."""
        return {
            "matrix": {
                "homeserver": self.homeserver_url,
                "user_id": self.bot.user_id,
                "access_token": self.bot.access_token,
                # For the password prompt when the bot sets up cross-signing.
                "password": self.bot.password,
                "device_id": self.bot.device_id,
                "coordination_room": self.coordination_room,
            },
            "intake": {"host": "127.0.0.1", "port": 0, "hmac_secret": self.hmac_secret},
            "encryption": {"pickle_key": self.pickle_key},
            "taskforce": [member.user_id for member in self.members],
            "data_dir": data_dir,
            "playbooks_dir": playbooks_dir,
        }

    def config_toml(self, data_dir: Path, playbooks_dir: Path, intake_port: int) -> str:
        """The same settings as a config file, for ``weerbaar -c``."""

        def q(value: object) -> str:
            return json.dumps(str(value))  # a JSON string is a valid TOML basic string

        members = ", ".join(q(member.user_id) for member in self.members)
        return "\n".join(
            [
                f"taskforce = [{members}]",
                f"data_dir = {q(data_dir)}",
                f"playbooks_dir = {q(playbooks_dir)}",
                "",
                "[matrix]",
                f"homeserver = {q(self.homeserver_url)}",
                f"user_id = {q(self.bot.user_id)}",
                f"access_token = {q(self.bot.access_token)}",
                f"password = {q(self.bot.password)}",
                f"device_id = {q(self.bot.device_id)}",
                f"coordination_room = {q(self.coordination_room)}",
                "",
                "[intake]",
                'host = "127.0.0.1"',
                f"port = {intake_port}",
                f"hmac_secret = {q(self.hmac_secret)}",
                "",
                "[encryption]",
                f"pickle_key = {q(self.pickle_key)}",
                "",
            ]
        )


async def create_world(
    synapse: ThrowawaySynapse,
    member_localparts: Sequence[str],
    password: str | None = None,
    bot_localpart: str = BOT_LOCALPART,
    rate_limited_bot: bool = False,
) -> SandboxWorld:
    """Register the bot and the members; the first member creates the coordination room.

    Every account is exempt from the message rate limit, as an operator does for the
    bot (see README), except the bot with ``rate_limited_bot``: it keeps Synapse's default.
    """
    bot = await synapse.register(bot_localpart, rate_limited=rate_limited_bot)
    members = [await synapse.register(name, password) for name in member_localparts]
    room = await create_room_as(synapse.url, members[0], "Taskforce coördinatie", [bot.user_id])
    for member in members[1:]:
        await invite_and_join(synapse.url, members[0], member, room)
    return SandboxWorld(
        homeserver_url=synapse.url,
        bot=bot,
        members=tuple(members),
        coordination_room=room,
        hmac_secret=secrets.token_urlsafe(24),
        pickle_key=secrets.token_urlsafe(32),
    )


async def create_room_as(
    homeserver: str, user: RegisteredUser, name: str, invite: Sequence[str]
) -> str:
    """Create a private room as ``user``, inviting ``invite``; returns its id."""
    client = await _client_for(homeserver, user)
    try:
        return await client.create_room(name=name, topic="", invite=invite)
    finally:
        await client.close()


async def invite_and_join(
    homeserver: str, inviter: RegisteredUser, invitee: RegisteredUser, room_id: str
) -> None:
    """Invite ``invitee`` into ``room_id`` and accept on their behalf."""
    inviting = await _client_for(homeserver, inviter)
    joining = await _client_for(homeserver, invitee)
    try:
        await inviting.invite(room_id, invitee.user_id)
        await joining.join(room_id)
    finally:
        await inviting.close()
        await joining.close()


async def _client_for(homeserver: str, user: RegisteredUser) -> MatrixClient:
    client = MatrixClient(homeserver, user.user_id, user.device_id)
    await client.authenticate(access_token=user.access_token, password=None)
    return client
