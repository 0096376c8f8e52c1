"""Shared fixtures: one real Synapse per test session, databases on SQLite and PostgreSQL."""

from __future__ import annotations

import gc
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest
import pytest_asyncio

from bot.app import Weerbaar
from bot.sandbox.synapse import RegisteredUser, ThrowawaySynapse
from bot.sandbox.world import SandboxWorld, create_world
from bot.storage.db import Database
from tests.support.databases import ReusedPostgresDatabase, WatchedPostgres, migrated_sqlite
from tests.support.homeserver import bot_settings, running_bot
from tests.support.matrix_user import MatrixUser
from tests.support.postgres import fresh_postgres_database


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Put the modules marked ``runs_long`` first, each module's tests in their order.

    The parallel workers take whole modules in collection order (``.ci/run`` turns off
    xdist's reordering by test count, which put these few-test modules last): a module
    that waits half a minute on rate limits or restarts should start early, not be the
    one the whole run waits for at the end.
    """
    items.sort(key=lambda item: item.get_closest_marker("runs_long") is None)


@pytest.hookimpl(trylast=True)
def pytest_unconfigure(config: pytest.Config) -> None:
    """Let the process end without sweeping its whole heap again and again.

    While CPython tears the modules down at exit, its cycle collector goes over every
    object still alive several times: 3 to 4 s per test worker after a full run
    (``py-spy --native``: ``gc_collect_main``), and the run waits for its workers. What is
    alive now lives until the exit anyway; frozen, the collector skips it. Runs last, after
    pytest's own collection that reports unraisable exceptions.
    """
    gc.freeze()


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def synapse(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[ThrowawaySynapse]:
    """A real Synapse on 127.0.0.1 for the whole session."""
    async with ThrowawaySynapse(tmp_path_factory.mktemp("synapse")) as server:
        yield server


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def world(synapse: ThrowawaySynapse) -> SandboxWorld:
    """Bot account, taskforce members alice and bob, and their coordination room."""
    return await create_world(synapse, ["alice", "bob"])


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def stranger_account(synapse: ThrowawaySynapse, world: SandboxWorld) -> RegisteredUser:
    """mallory: a user in the coordination room who is not in the taskforce."""
    from bot.sandbox.world import invite_and_join

    mallory = await synapse.register("mallory")
    await invite_and_join(synapse.url, world.members[0], mallory, world.coordination_room)
    return mallory


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def carol_account(synapse: ThrowawaySynapse, world: SandboxWorld) -> RegisteredUser:
    """carol: in the coordination room; a test that wants her in the taskforce configures her."""
    from bot.sandbox.world import invite_and_join

    carol = await synapse.register("carol")
    await invite_and_join(synapse.url, world.members[0], carol, world.coordination_room)
    return carol


@pytest_asyncio.fixture(loop_scope="session")
async def bot(world: SandboxWorld, tmp_path: Path) -> AsyncIterator[Weerbaar]:
    """A running bot with a fresh SQLite database, synced and ready for commands."""
    async with running_bot(bot_settings(world, tmp_path / "bot")) as instance:
        yield instance


@pytest_asyncio.fixture(loop_scope="session")
async def limited_world(synapse: ThrowawaySynapse) -> SandboxWorld:
    """A world whose bot keeps Synapse's default message rate limit (0.2/s, burst 10).

    Fresh accounts for every test: the limit counts per user, so no test inherits a
    burst another one spent. Its one taskforce member, like every test user, is exempt.
    """
    suffix = uuid.uuid4().hex[:8]
    return await create_world(
        synapse, [f"carol-{suffix}"], bot_localpart=f"weerbaar-{suffix}", rate_limited_bot=True
    )


@pytest_asyncio.fixture(loop_scope="session")
async def limited_bot(limited_world: SandboxWorld, tmp_path: Path) -> AsyncIterator[Weerbaar]:
    """The running bot of ``limited_world``."""
    async with running_bot(bot_settings(limited_world, tmp_path / "limited-bot")) as instance:
        yield instance


async def _user(world: SandboxWorld, account: RegisteredUser) -> MatrixUser:
    user = MatrixUser(world.homeserver_url, account)
    await user.start()
    return user


@pytest_asyncio.fixture(loop_scope="session")
async def alice(world: SandboxWorld) -> AsyncIterator[MatrixUser]:
    """Taskforce member alice, with a sync position of 'now'."""
    user = await _user(world, world.members[0])
    yield user
    await user.close()


@pytest_asyncio.fixture(loop_scope="session")
async def bob(world: SandboxWorld) -> AsyncIterator[MatrixUser]:
    """Taskforce member bob, with a sync position of 'now'."""
    user = await _user(world, world.members[1])
    yield user
    await user.close()


@pytest_asyncio.fixture(loop_scope="session")
async def limited_member(limited_world: SandboxWorld) -> AsyncIterator[MatrixUser]:
    """The taskforce member of ``limited_world``."""
    user = await _user(limited_world, limited_world.members[0])
    yield user
    await user.close()


@pytest_asyncio.fixture(loop_scope="session")
async def mallory(
    world: SandboxWorld, stranger_account: RegisteredUser
) -> AsyncIterator[MatrixUser]:
    """A room member outside the taskforce."""
    user = await _user(world, stranger_account)
    yield user
    await user.close()


@pytest_asyncio.fixture(loop_scope="session")
async def carol(world: SandboxWorld, carol_account: RegisteredUser) -> AsyncIterator[MatrixUser]:
    """carol as a scripted user, with a sync position of 'now'."""
    user = await _user(world, carol_account)
    yield user
    await user.close()


@pytest_asyncio.fixture(params=["sqlite", "postgresql"], loop_scope="session")
async def blank_database(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Database]:
    """An empty database without any schema: SQLite in a temp dir, or a fresh PostgreSQL one."""
    if request.param == "sqlite":
        db = Database(f"sqlite+aiosqlite:///{tmp_path / 'test.db'}")
        yield db
        await db.dispose()
        return
    async with fresh_postgres_database("weerbaar_test") as url:
        db = Database(url)
        try:
            yield db
        finally:
            await db.dispose()


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def reused_postgres() -> AsyncIterator[ReusedPostgresDatabase]:
    """This worker's migrated PostgreSQL database, made on first use, dropped at the end.

    Emptied for each test rather than made anew: see ReusedPostgresDatabase for the
    measurements behind that choice and why a test cannot tell the difference.
    """
    reused = ReusedPostgresDatabase("weerbaar_test")
    yield reused
    await reused.drop()


@pytest_asyncio.fixture(loop_scope="session")
async def watched_postgres(
    reused_postgres: ReusedPostgresDatabase,
) -> AsyncIterator[WatchedPostgres]:
    """This worker's emptied PostgreSQL database, for tests of two instances at once."""
    url = await reused_postgres.emptied()
    database = Database(url)
    admin = await asyncpg.connect(url.replace("postgresql+asyncpg", "postgresql"))
    try:
        yield WatchedPostgres(database, admin)
    finally:
        await admin.close()
        await database.dispose()


@pytest_asyncio.fixture(params=["sqlite", "postgresql"], loop_scope="session")
async def database(
    request: pytest.FixtureRequest, tmp_path: Path, reused_postgres: ReusedPostgresDatabase
) -> AsyncIterator[Database]:
    """A migrated, empty database (on SQLite and on PostgreSQL); see tests/support/databases."""
    if request.param == "sqlite":
        db = await migrated_sqlite(tmp_path / "test.db")
    else:
        db = Database(await reused_postgres.emptied())
    try:
        yield db
    finally:
        await db.dispose()
