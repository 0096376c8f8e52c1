"""``!web`` on the real homeserver: the login link arrives in a direct room, never in the
shared room, and opens the web view served by the bot's own intake server."""

from __future__ import annotations

import re
import uuid
from pathlib import Path

import aiohttp
import nio

from bot.matrix.direct import direct_room_alias
from bot.sandbox.synapse import ThrowawaySynapse
from bot.sandbox.world import SandboxWorld, invite_and_join
from tests.support.homeserver import running_bot
from tests.support.matrix_user import MatrixUser, body_of
from tests.support.web import join_direct_room, web_bot_settings

LINK = re.compile(r"http://127\.0\.0\.1:\d+/beeld/login\?token=[A-Za-z0-9_-]+")


async def test_web_sends_a_working_link_in_a_direct_message(
    world: SandboxWorld, alice: MatrixUser, tmp_path: Path
) -> None:
    settings = web_bot_settings(world, tmp_path / "bot", "/beeld")
    base = settings.web.base_url
    room = world.coordination_room
    async with running_bot(settings):
        reply = await alice.command(room, "!webbeeld")
        assert "privégesprek" in body_of(reply)
        direct = await join_direct_room(alice)
        message = await alice.wait_for(direct, lambda event: "token=" in body_of(event))
        found = LINK.search(body_of(message))
        assert found is not None, body_of(message)
        # The shared room never sees the link.
        assert not any("token=" in body_of(event) for event in alice.seen.get(room, []))
        async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
            async with http.get(f"{base}/beeld/") as refused:
                assert refused.status == 403
            token = found.group(0).rsplit("=", 1)[1]
            login = f"{base}/beeld/login"
            async with http.post(login, data={"token": token}) as picture:
                assert picture.status == 200
                assert "lauwe fase" in await picture.text()
        # A second request reuses the direct room instead of opening another.
        await alice.command(room, "!web")
        again = await alice.wait_for(
            direct, lambda event: "token=" in body_of(event) and event is not message
        )
        assert LINK.search(body_of(again)) is not None


async def test_a_link_never_goes_to_a_room_someone_else_put_at_the_direct_address(
    synapse: ThrowawaySynapse, world: SandboxWorld, bob: MatrixUser, tmp_path: Path
) -> None:
    # The direct room's address is derived from the user id, so anyone on the homeserver
    # can take it first. Bob (in the taskforce, so the bot joins his room) does so for
    # dana, who never asked for a link before; her link must not reach bob.
    account = await synapse.register(f"dana-{uuid.uuid4().hex[:8]}")
    await invite_and_join(synapse.url, world.members[0], account, world.coordination_room)
    dana = MatrixUser(world.homeserver_url, account)
    await dana.start()
    squatted = await bob.client.room_create(
        alias=direct_room_alias(dana.user_id),
        invite=[world.bot.user_id],
        preset=nio.RoomPreset.private_chat,
    )
    assert isinstance(squatted, nio.RoomCreateResponse), squatted
    settings = web_bot_settings(world, tmp_path / "bot", "/beeld")
    settings = settings.model_copy(update={"taskforce": [*settings.taskforce, dana.user_id]})
    try:
        async with running_bot(settings):
            # Not dana.command: the syncs waiting for its reply would pass the invitation.
            await dana.send(world.coordination_room, "!web")
            direct = await dana.wait_for_invite()
            await dana.join(direct)
            await dana.wait_for(direct, lambda event: "token=" in body_of(event))
            members = await dana.client.joined_members(direct)
            assert isinstance(members, nio.JoinedMembersResponse), members
            joined = {member.user_id for member in members.members}
            assert joined == {world.bot.user_id, dana.user_id}
    finally:
        await dana.close()
