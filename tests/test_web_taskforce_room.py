"""Web access of the taskforce room's members, on two instances sharing one PostgreSQL.

The bots are built as ``weerbaar run`` builds them and serve the web view on a loopback
port, but never log in to Matrix: the taskforce room's member list comes from a fake in
place of the homeserver, read when the active instance refreshes it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path

import aiohttp

from bot.app import Weerbaar
from bot.config import IntakeSettings, StorageSettings, WebSettings
from tests.support.chat import harness_settings
from tests.support.clock import ManualClock
from tests.support.databases import ReusedPostgresDatabase
from tests.support.factories import ALICE
from tests.support.web import PREFIX, new_link_token

TASKFORCE_ROOM = "!taskforce:test"
DANA = "@dana:test"  # in the taskforce only through its room
COOKIE = "weerbaar_session"


class RoomMembers:
    """The taskforce room's members as the homeserver would answer them."""

    def __init__(self, *users: str) -> None:
        self.users = list(users)

    async def __call__(self, room_id: str) -> list[str]:
        assert room_id == TASKFORCE_ROOM
        return list(self.users)


class Instance:
    """One bot serving the web view on its own port."""

    def __init__(self, bot: Weerbaar, http: aiohttp.ClientSession) -> None:
        self.bot = bot
        self._http = http

    def _url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.bot.intake_port}{PREFIX}{path}"

    async def refresh(self, members: Iterable[str]) -> None:
        """Read the taskforce room's members now, as the active instance does every minute."""
        self.bot.client.joined_members = RoomMembers(*members)  # type: ignore[method-assign]
        await self.bot._refresh_taskforce_room()

    async def log_in(self, user: str) -> str | None:
        """The session secret a fresh login link of ``user`` gives here, or None if refused."""
        token = await new_link_token(self.bot.factory, user)
        async with self._http.post(
            self._url("/login"), data={"token": token}, allow_redirects=False
        ) as response:
            return response.cookies[COOKIE].value if response.status == 303 else None

    async def status(self, session: str) -> int:
        """The status of the picture for a browser holding ``session``."""
        async with self._http.get(self._url("/"), cookies={COOKIE: session}) as response:
            return response.status


@asynccontextmanager
async def instances(
    reused_postgres: ReusedPostgresDatabase, tmp_path: Path, count: int
) -> AsyncIterator[list[Instance]]:
    """``count`` unstarted bots on one PostgreSQL database, their intakes listening."""
    url = await reused_postgres.emptied()
    clock = ManualClock()
    async with AsyncExitStack() as stack:
        http = await stack.enter_async_context(aiohttp.ClientSession())
        started = []
        for number in range(count):
            settings = harness_settings(
                tmp_path / f"bot{number}",
                storage=StorageSettings(url=url),
                intake=IntakeSettings(port=0, hmac_secret="unused"),
                web=WebSettings(enabled=True, base_url="http://127.0.0.1", path_prefix=PREFIX),
                taskforce=[ALICE],
                taskforce_room=TASKFORCE_ROOM,
            )
            bot = Weerbaar(settings, clock)
            stack.push_async_callback(bot.stop)
            await bot._start_intake()
            started.append(Instance(bot, http))
        yield started


async def test_removal_from_the_taskforce_room_ends_the_session(
    reused_postgres: ReusedPostgresDatabase, tmp_path: Path
) -> None:
    async with instances(reused_postgres, tmp_path, 1) as (bot,):
        await bot.refresh([DANA])
        session = await bot.log_in(DANA)
        assert session is not None
        assert await bot.status(session) == 200
        await bot.refresh([])
        assert await bot.status(session) == 403
        # Back in the room within the session's hours: the old cookie (a lost laptop)
        # opens nothing; coming back takes a new link.
        await bot.refresh([DANA])
        assert await bot.status(session) == 403
        assert await bot.log_in(DANA) is not None


async def test_an_instance_that_stepped_down_refuses_who_left_the_room_since(
    reused_postgres: ReusedPostgresDatabase, tmp_path: Path
) -> None:
    async with instances(reused_postgres, tmp_path, 2) as (first, second):
        await first.refresh([DANA])
        session = await first.log_in(DANA)
        assert session is not None
        # The first instance steps down, keeping the member list it read last; the
        # second, now active, sees Dana gone.
        await second.refresh([])
        assert await first.status(session) == 403
        assert await second.status(session) == 403


async def test_an_instance_never_active_admits_the_rooms_members(
    reused_postgres: ReusedPostgresDatabase, tmp_path: Path
) -> None:
    async with instances(reused_postgres, tmp_path, 2) as (active, passive):
        await active.refresh([DANA])
        session = await passive.log_in(DANA)
        assert session is not None
        assert await passive.status(session) == 200
        assert await active.status(session) == 200
