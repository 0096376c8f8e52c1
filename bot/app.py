"""The composition root: builds storage, services, Matrix transport and HTTP intake."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from typing import Any

from aiohttp import web
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from pydantic import SecretStr

from bot.clock import Clock, SystemClock
from bot.commands import build_registry
from bot.commands.access import AccessPolicy
from bot.commands.decisions import continue_guided
from bot.commands.dispatcher import CommandDispatcher
from bot.config import Settings
from bot.intake.server import IntakeApp
from bot.matrix.client import MatrixClient, MatrixError
from bot.matrix.members import MatrixRoomPresence
from bot.matrix.notices import MatrixNotifier
from bot.matrix.outbox import Outbox, OutboxSender
from bot.matrix.rooms import MatrixIncidentRooms
from bot.matrix.sync import SyncLoop
from bot.playbooks.catalog import DirectoryCatalog
from bot.scheduling.handlers import timer_handlers
from bot.scheduling.runner import TimerRunner, start_scheduler
from bot.services import ServiceFactory
from bot.storage.db import Database
from bot.storage.migrate import is_current, upgrade
from bot.storage.state import BotState

log = logging.getLogger(__name__)


class StartupError(Exception):
    """The bot cannot start; the message says why in one line."""


class Weerbaar:
    """One running bot: sync loop, outbox sender and HTTP intake."""

    def __init__(self, settings: Settings, clock: Clock | None = None) -> None:
        self.settings = settings
        self.clock = clock or SystemClock()
        self.db = Database(settings.database_url)
        matrix = settings.matrix
        self.client = MatrixClient(matrix.homeserver, matrix.user_id, matrix.device_id)
        self.sender = OutboxSender(self.db, self.client, self.clock)
        lang = settings.language
        self.access = AccessPolicy(settings.taskforce, settings.coordinators, settings.observers)
        self.factory = ServiceFactory(
            self.db,
            self.clock,
            rooms=MatrixIncidentRooms(self.client, lang),
            notifier_for=self._notifier_for,
            taskforce=self.access.everyone(),
            playbooks=DirectoryCatalog(settings.playbooks_dir),
            on_outbox_commit=self.sender.wake,
            presence=MatrixRoomPresence(self.client),
        )
        self.dispatcher = CommandDispatcher(
            build_registry(),
            self.factory,
            self.access,
            lang,
            settings.timezone,
            thread_replies=continue_guided,
        )
        self.sync = SyncLoop(
            self.client, BotState(self.db), self.dispatcher.handle, self._on_invite
        )
        self.timers = TimerRunner(self.factory, timer_handlers())
        self._scheduler: AsyncIOScheduler | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._runner: web.AppRunner | None = None
        self.intake_port: int | None = None

    def _notifier_for(self, outbox: Outbox) -> MatrixNotifier:
        return MatrixNotifier(
            outbox, self.settings.matrix.coordination_room, self.settings.language
        )

    async def start(self) -> None:
        """Prepare storage, log in, join the coordination room, start loops and the intake."""
        self.settings.data_dir.mkdir(parents=True, exist_ok=True)
        await self._prepare_database()
        matrix = self.settings.matrix
        try:
            await self.client.authenticate(
                access_token=_reveal(matrix.access_token), password=_reveal(matrix.password)
            )
            await self.client.join(matrix.coordination_room)
        except MatrixError as exc:
            await self.client.close()
            raise StartupError(f"cannot use the homeserver {matrix.homeserver}: {exc}") from None
        self._tasks = [
            asyncio.create_task(self.sender.run(), name="outbox"),
            asyncio.create_task(self.sync.run(), name="sync"),
        ]
        await self.timers.fire_due()  # those that came due while the bot was down
        self._scheduler = start_scheduler(self.timers)
        await self._start_intake()
        log.info(
            "weerbaar started as %s, intake on %s:%s",
            matrix.user_id,
            self.settings.intake.host,
            self.intake_port,
        )

    async def _prepare_database(self) -> None:
        if self.settings.storage.auto_upgrade:
            await upgrade(self.db)
        elif not await is_current(self.db):
            raise StartupError("database schema is not current: run `weerbaar db upgrade`")

    async def _start_intake(self) -> None:
        app = IntakeApp(self.settings.intake, self.factory, self.health).build()
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.settings.intake.host, self.settings.intake.port)
        await site.start()
        self.intake_port = self._runner.addresses[0][1]

    async def stop(self) -> None:
        """Stop loops and intake and close connections; never logs the device out."""
        if self._scheduler is not None:
            self._scheduler.shutdown(wait=False)
            self._scheduler = None
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks = []
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        await self.client.close()
        await self.db.dispose()

    async def run_until_signalled(self) -> None:
        """Run until SIGINT or SIGTERM, then stop cleanly."""
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stop.set)
        await self.start()
        try:
            await stop.wait()
        finally:
            await self.stop()

    def health(self) -> dict[str, Any]:
        """Liveness of the background loops."""
        tasks = {task.get_name(): not task.done() for task in self._tasks}
        return {"healthy": bool(tasks) and all(tasks.values()), "tasks": tasks}

    async def _on_invite(self, room_id: str, inviter: str | None) -> None:
        if inviter is not None and self.access.role_of(inviter) is not None:
            log.info("joining %s on invitation by %s", room_id, inviter)
            await self.client.join(room_id)
        else:
            log.warning("declining invitation to %s by non-member %s", room_id, inviter)
            await self.client.leave(room_id)


def _reveal(secret: SecretStr | None) -> str | None:
    return None if secret is None else secret.get_secret_value()
