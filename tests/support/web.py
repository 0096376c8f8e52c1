"""The web view on a test database, served by aiohttp's test server, and its login."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import nio
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import IntakeSettings, Settings, WebSettings
from bot.matrix.direct import direct_room_alias
from bot.sandbox.ports import free_port
from bot.sandbox.world import SandboxWorld
from bot.services import ServiceFactory
from bot.web.links import login_link
from bot.web.server import WebView
from tests.support.homeserver import bot_settings
from tests.support.matrix_user import MatrixUser, wait_until

PREFIX = "/web"
WEB_SETTINGS = WebSettings(enabled=True, base_url="https://picture.test", path_prefix=PREFIX)


class Members:
    """Who is in the taskforce right now; tests remove people from it."""

    def __init__(self, *users: str) -> None:
        self.users = set(users)

    async def __call__(self, _session: AsyncSession, user_id: str) -> bool:
        return user_id in self.users


def web_bot_settings(world: SandboxWorld, data_dir: Path, prefix: str, **web: object) -> Settings:
    """A bot in ``world`` whose intake listens on a free loopback port and serves the web
    view under ``prefix`` there (``settings.web.base_url`` is its address)."""
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    return bot_settings(
        world,
        data_dir,
        intake=IntakeSettings(host="127.0.0.1", port=port, hmac_secret=world.hmac_secret),
        web=WebSettings(enabled=True, base_url=base_url, path_prefix=prefix, **web),
    )


@asynccontextmanager
async def web_client(
    factory: ServiceFactory, members: Members, *, poll_seconds: float = 0.01
) -> AsyncIterator[TestClient[web.Request, web.Application]]:
    """A client of the web view (mounted like the bot mounts it), in Dutch by default."""
    app = web.Application()
    WebView(
        factory,
        factory.playbooks,
        members,
        language="nl",
        timezone="Europe/Amsterdam",
        prefix=PREFIX,
        secure_cookie=False,
        session_hours=12,
        poll_seconds=poll_seconds,
    ).mount(app)
    client = TestClient(TestServer(app))
    await client.start_server()
    try:
        yield client
    finally:
        await client.close()


async def new_link_token(factory: ServiceFactory, user_id: str) -> str:
    """The token of a fresh one-time login link for ``user_id``."""
    async with factory.transaction() as services:
        link = await login_link(services.session, WEB_SETTINGS, user_id, services.clock.now())
    assert link.startswith(f"https://picture.test{PREFIX}/login?token=")
    return link.rsplit("=", 1)[1]


async def log_in(client: TestClient[web.Request, web.Application], token: str) -> int:
    """Post the login form with ``token``; the response status (303 when it worked)."""
    response = await client.post(f"{PREFIX}/login", data={"token": token}, allow_redirects=False)
    return response.status


async def join_direct_room(user: MatrixUser) -> str:
    """The bot's direct room with ``user`` (where ``!web`` sends the link), joined.

    Found by its address, not by invitation: a user shared by the session's tests may
    hold other rooms' invitations.
    """
    alias = f"#{direct_room_alias(user.user_id)}:{user.user_id.split(':', 1)[1]}"
    found: list[str] = []

    async def resolved() -> bool:
        answer = await user.client.room_resolve_alias(alias)
        if isinstance(answer, nio.RoomResolveAliasResponse):
            found.append(answer.room_id)
        return bool(found)

    await wait_until(resolved)
    await user.join(found[0])
    return found[0]
