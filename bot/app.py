"""The composition root: builds storage, services, Matrix transport and HTTP intake."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import time
from datetime import timedelta
from typing import Any

from aiohttp import web
from pydantic import SecretStr
from sqlalchemy import func, select

from bot.alerts.heartbeat import heartbeat_policy
from bot.alerts.model import Severity
from bot.clock import Clock, SystemClock
from bot.commands import build_registry
from bot.commands.access import AccessPolicy, store_room_members
from bot.commands.dispatcher import CommandDispatcher
from bot.commands.reactions import ReactionHandler
from bot.commands.threads import continue_thread
from bot.config import LauweFaseSettings, Settings
from bot.degraded.fallback import Fallback
from bot.degraded.mail import Mailer, MailError, SmtpMailer
from bot.degraded.state import Reachability, unreachable
from bot.exercises.launcher import BotExercises
from bot.intake.server import IntakeApp
from bot.leadership import AnotherInstanceRunning, Leadership, leadership_for
from bot.matrix.client import CryptoStore, CryptoStoreError, MatrixClient, MatrixError
from bot.matrix.crosssigning import KEY_FILE_NAME, CrossSigning, CrossSigningError, KeyFile
from bot.matrix.members import MatrixRoomPresence
from bot.matrix.notices import MatrixNotifier
from bot.matrix.outbox import Outbox, OutboxSender
from bot.matrix.room_performers import room_operations
from bot.matrix.rooms import MatrixIncidentRooms
from bot.matrix.sync import SyncLoop
from bot.matrix.undecryptable import UndecryptableNotices
from bot.metrics import Metrics
from bot.playbooks.catalog import DirectoryCatalog
from bot.playbooks.runs import PlaybookPolicy
from bot.polling.poller import register_pollers
from bot.private_files import exposed, make_private_dir
from bot.scheduling.heartbeats import HeartbeatCheck, register_heartbeat_check
from bot.scheduling.runner import JobScheduler, TimerRunner, start_scheduler
from bot.services import ServiceFactory
from bot.situations.watch import WatchPolicy
from bot.stopping import Stopped, StopSignal, wait_for_tasks
from bot.storage.db import Database, sqlite_file
from bot.storage.migrate import is_current, upgrade
from bot.storage.models import OutboxRecord
from bot.storage.state import BotState
from bot.timers import timer_handlers
from bot.timers.decisionlog import arm_chain_check
from bot.timers.drills import arm_digest
from bot.web.credentials import WebCredentials
from bot.web.delivery import WebLinkDelivery
from bot.web.server import web_view

log = logging.getLogger(__name__)


# How often the members of the designated taskforce room are read again.
TASKFORCE_ROOM_REFRESH_SECONDS = 60

# A long-poll returns at least every 30 s; three missed rounds mean the loop is stuck.
SYNC_STALE_SECONDS = 90.0

# How long a stop waits for the loops to finish their unit of work before naming the
# one that held on and cancelling it.
STOP_TIMEOUT_SECONDS = 10.0
# How often an instance started during an outage tries to log in again.
CONNECT_RETRY_SECONDS = 5.0


class StartupError(Exception):
    """The bot cannot start; the message says why in one line."""


class HomeserverUnreachable(StartupError):
    """The homeserver did not answer the login: an outage, not a wrong setting."""


class Weerbaar:
    """One running bot: sync loop, outbox sender and HTTP intake."""

    def __init__(
        self, settings: Settings, clock: Clock | None = None, mailer: Mailer | None = None
    ) -> None:
        """``mailer`` replaces the SMTP server of ``[email]`` (``sandbox --smtp-debug``)."""
        self.settings = settings
        self.clock = clock or SystemClock()
        self.db = Database(settings.database_url)
        matrix = settings.matrix
        pickle_key = settings.encryption.store_pickle_key()
        crypto = None if pickle_key is None else CryptoStore(settings.crypto_store_dir, pickle_key)
        self.client = MatrixClient(
            matrix.homeserver, matrix.user_id, matrix.device_id, crypto=crypto
        )
        self.metrics = Metrics()
        self.reachability = Reachability(
            timedelta(seconds=settings.degraded.after_seconds), self.clock
        )
        lang = settings.language
        self.access = AccessPolicy(settings.taskforce, settings.coordinators, settings.observers)
        encrypt_rooms = pickle_key is not None and settings.encryption.encrypt_incident_rooms
        rooms = MatrixIncidentRooms(self.client, lang, encrypted=encrypt_rooms)
        self.factory = ServiceFactory(
            self.db,
            self.clock,
            notifier_for=self._notifier_for,
            taskforce=self.access.everyone(),
            playbooks=DirectoryCatalog(settings.playbooks_dir),
            # The sender needs the factory to perform room operations, so it comes after.
            on_outbox_commit=lambda rows: self.sender.wake(rows),
            alert_group_window=timedelta(seconds=settings.alerts.group_window_seconds),
            playbook_policy=PlaybookPolicy(
                escalate_after=timedelta(minutes=settings.playbook.escalate_after_minutes),
                language=lang,
                timezone=settings.timezone,
            ),
            presence=MatrixRoomPresence(self.client),
            watch_policy=watch_policy(settings.lauwe_fase),
            sitrep_interval=settings.incident.sitrep_interval(),
            access=self.access,
            heartbeat_policy=heartbeat_policy(settings),
            public_roles=settings.disclosure.public_roles,
            fallbacks=settings.fallbacks,
        )
        self.sender = OutboxSender(
            self.db,
            self.client,
            self.clock,
            self.metrics,
            coordination_room=matrix.coordination_room,
            lang=lang,
            operations=room_operations(
                self.factory,
                rooms,
                WebLinkDelivery(self.factory, self.client, settings.web, encrypted=encrypt_rooms),
            ),
            reachability=self.reachability,
        )
        self.exercises = BotExercises(settings, self.factory, lambda: self.intake_port)
        self.factory.exercises = self.exercises
        self.dispatcher = CommandDispatcher(
            build_registry(),
            self.factory,
            self.access,
            lang,
            settings.timezone,
            self.metrics,
            thread_replies=continue_thread,
            coordination_room=settings.matrix.coordination_room,
        )
        self.reactions = ReactionHandler(self.factory, self.access)
        self.sync = SyncLoop(
            self.client,
            BotState(self.db),
            self.dispatcher.handle,
            self._on_invite,
            on_reaction=self.reactions.handle,
            on_undecryptable=UndecryptableNotices(self.client, self.factory, lang).handle,
            reachability=self.reachability,
            on_recovered=self.sender.homeserver_answers,
        )
        # A given mailer replaces the SMTP server, which is then neither used nor checked.
        self._smtp = (
            None if settings.email is None or mailer is not None else SmtpMailer(settings.email)
        )
        self.fallback = self._fallback(mailer or self._smtp)
        self.metrics.sync_lag_seconds.set_function(self._sync_lag)
        self.timers = TimerRunner(self.factory, timer_handlers())
        self._scheduler: JobScheduler | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._leading: asyncio.Task[None] | None = None
        # Set once by stop(); each active period has a signal of its own as well, so
        # stepping down after a lost lease stops the loops without stopping the bot.
        self._stopping = StopSignal()
        self._active_period: StopSignal | None = None
        self.leadership: Leadership = leadership_for(self.db, settings.ha.retry_seconds)
        self._runner: web.AppRunner | None = None
        self.intake_port: int | None = None

    def _fallback(self, mailer: Mailer | None) -> Fallback | None:
        email = self.settings.email
        if email is None or mailer is None:
            return None
        return Fallback(
            self.db,
            self.reachability,
            mailer,
            email.recipients,
            clock=self.clock,
            batch=timedelta(seconds=self.settings.degraded.batch_seconds),
            coordination_room=self.settings.matrix.coordination_room,
            taskforce=self.settings.taskforce,
            lang=self.settings.language,
            timezone=self.settings.timezone,
            on_outbox_commit=lambda rows: self.sender.wake(rows),
            metrics=self.metrics,
        )

    def _notifier_for(self, outbox: Outbox) -> MatrixNotifier:
        return MatrixNotifier(
            outbox,
            self.settings.matrix.coordination_room,
            self.settings.language,
            self.settings.timezone,
        )

    async def start(self) -> None:
        """Prepare storage, start the intake, and become active when allowed.

        The intake runs on every instance (alerts are safe in the shared database); the
        Matrix login with the crypto store, the sync loop, outbox sender and timers only
        on the active one. An instance that is active at once logs in here, so a wrong
        token or pickle key stops the start; on any start-up failure everything taken so
        far (lock, connections) is given back.
        """
        warn_if_exposed(self.settings)
        make_private_dir(self.settings.data_dir)
        try:
            await self._prepare_database()
            await self._check_smtp()
            held = await self.leadership.try_acquire()
            # Only a restart during an outage starts without the homeserver: on a first
            # start, an unreachable homeserver is more likely a wrong setting.
            resuming = self.fallback is not None and await self.fallback.outage_stored()
            connected = held and (
                await self._connect_unless_unreachable() if resuming else await self._connected()
            )
        except AnotherInstanceRunning as exc:
            await self._abandon_start()
            raise StartupError(str(exc)) from None
        except StartupError:
            await self._abandon_start()
            raise
        await self._start_intake()
        self._leading = asyncio.create_task(self._lead(held, connected), name="leadership")
        log.info(
            "weerbaar started as %s, intake on %s:%s",
            self.settings.matrix.user_id,
            self.settings.intake.host,
            self.intake_port,
        )

    async def _connect(self) -> None:
        """Log in, publish and cross-sign the device keys, join the configured rooms.

        Opens the crypto store: only while holding the lease, so that of two instances
        sharing it only one ever has it open.
        """
        matrix = self.settings.matrix
        try:
            await self.client.authenticate(
                access_token=_reveal(matrix.access_token), password=_reveal(matrix.password)
            )
            await self._prepare_encryption()
            await self.client.join(matrix.coordination_room)
            if self.settings.taskforce_room:
                await self.client.join(self.settings.taskforce_room)
        except MatrixError as exc:
            message = f"cannot use the homeserver {matrix.homeserver}: {exc}"
            if not unreachable(exc):
                raise StartupError(message) from None
            self.reachability.failed(exc, sync=True)  # counts towards degraded mode
            raise HomeserverUnreachable(message) from None
        except CryptoStoreError as exc:
            raise StartupError(str(exc)) from None

    async def _connected(self) -> bool:
        await self._connect()
        return True

    async def _connect_unless_unreachable(self, *, say: bool = True) -> bool:
        """Connect (True), or False when the homeserver does not answer (logged if
        ``say``): a bot started during an outage takes alerts and mails them, and
        connects once it is back."""
        try:
            await self._connect()
        except HomeserverUnreachable as exc:
            if say:
                log.warning("%s; connecting once it answers", exc)
            return False
        return True

    async def _connect_when_reachable(self) -> None:
        """Connect, trying again while the homeserver does not answer (said once)."""
        tried = False
        while not await self._connect_unless_unreachable(say=not tried):
            tried = True
            await self._stopping.sleep(CONNECT_RETRY_SECONDS)

    async def _check_smtp(self) -> None:
        """Log in to the SMTP server now: bad mail settings show at start-up, not in the
        first outage, when it is too late to fix them."""
        if self._smtp is None:
            return
        try:
            await self._smtp.check()
        except MailError as exc:
            raise StartupError(f"cannot use the [email] settings: {exc}") from None

    async def _abandon_start(self) -> None:
        await self.client.close()
        await self.leadership.release()
        await self.db.dispose()

    async def _lead(self, held: bool, connected: bool) -> None:
        """Be active while holding the lease; step down and wait again when it is lost.

        ``held``: start() took the lease; ``connected``: and logged in. Ends when the bot
        stops: the waits give way to the stop, the units of work started (firing due
        timers, reading the taskforce room) run to their end.
        """
        with contextlib.suppress(Stopped):
            while True:
                if not held:
                    await self._stopping.race(self.leadership.acquire())
                try:
                    await self._be_active(connected)
                    log.warning("lost the lease; stepping down to passive")
                except StartupError as exc:
                    # Give the other instance its chance; alone, this one tries again.
                    log.error("cannot become active, giving the lease back: %s", exc)
                    await self.leadership.release()
                    await self._stopping.sleep(self.settings.ha.retry_seconds)
                held = connected = False

    async def _be_active(self, connected: bool) -> None:
        """One active period: log in (unless ``connected``), run the loops while the lease
        holds, then stop them and close the crypto store."""
        try:
            period = self._active_period = StopSignal()
            if self.fallback is not None:
                # First: an outage that began before this period goes on while connecting.
                await self.fallback.resume()
                self._tasks.append(asyncio.create_task(self.fallback.run(period), name="fallback"))
            if not connected:
                await self._connect_when_reachable()
            log.info("this instance is active")
            self.metrics.active.set(1)
            async with self.factory.transaction() as services:
                await arm_chain_check(services)
                await arm_digest(services)
            await self.timers.fire_due()  # those that came due while nobody was active
            self._scheduler = start_scheduler(self.timers)
            if self.settings.taskforce_room:
                await self._refresh_taskforce_room()
                self._scheduler.add_job(
                    self._refresh_taskforce_room,
                    "interval",
                    seconds=TASKFORCE_ROOM_REFRESH_SECONDS,
                    id="taskforce-room",
                    max_instances=1,
                    coalesce=True,
                )
            register_pollers(self._scheduler, self.factory, self.settings.pollers)
            register_heartbeat_check(
                self._scheduler,
                HeartbeatCheck(self.factory, self.metrics),
                self.settings.intake.heartbeat_check_seconds,
            )
            self._tasks += [
                asyncio.create_task(self.sender.run(period), name="outbox"),
                asyncio.create_task(self.sync.run(period), name="sync"),
            ]
            held = True
            while held:
                await self._stopping.sleep(self.settings.ha.check_seconds)
                held = await self.leadership.still_held()
        finally:
            await self._stop_active_work()
            # Closed before the lease can be given back (by stop() or _lead), so the
            # next active instance opens a store nobody else has open.
            await self.client.close()
            self.metrics.active.set(0)

    async def _prepare_encryption(self) -> None:
        """Upload the device keys, then make sure the device is cross-signed."""
        if not self.client.encrypted:
            return
        try:
            await self.client.exchange_keys()
        except MatrixError as exc:
            raise StartupError(
                f"cannot publish the keys of device {self.client.device_id}: {exc}. If the "
                f"crypto store in {self.settings.crypto_store_dir} was lost, the device's old "
                "keys are still on the homeserver: give the bot a new device (another "
                "matrix.device_id with a password, or a new access token)"
            ) from None
        pickle_key = self.settings.encryption.store_pickle_key()
        assert pickle_key is not None  # encryption is on
        key_file = KeyFile(
            self.settings.crypto_store_dir / KEY_FILE_NAME, pickle_key, self.client.user_id
        )
        cross_signing = CrossSigning(self.client, key_file, _reveal(self.settings.matrix.password))
        try:
            await cross_signing.ensure()
        except CrossSigningError as exc:
            raise StartupError(str(exc)) from None
        except MatrixError as exc:
            # Encrypted rooms still work with clients that share keys with unverified devices.
            log.warning("cross-signing the bot's device failed, continuing without: %s", exc)

    async def _stop_active_work(self) -> None:
        """Stop the scheduler and the loops of the active period, each after its unit of work."""
        if self._scheduler is not None:
            await self._scheduler.stop(STOP_TIMEOUT_SECONDS)
            self._scheduler = None
        if self._active_period is not None:
            self._active_period.set()
        await wait_for_tasks(self._tasks, STOP_TIMEOUT_SECONDS)
        self._tasks = []

    @property
    def active(self) -> bool:
        """Whether this instance currently runs the sync loop, outbox and timers."""
        return bool(self._tasks)

    async def _prepare_database(self) -> None:
        if self.settings.storage.auto_upgrade:
            await upgrade(self.db)
        elif not await is_current(self.db):
            raise StartupError("database schema is not current: run `weerbaar db upgrade`")

    async def _start_intake(self) -> None:
        app = IntakeApp(self.settings.intake, self.factory, self.health, self.metrics).build()
        if self.settings.web.enabled:
            web_view(self.settings, self.factory, self.access).mount(app)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.settings.intake.host, self.settings.intake.port)
        await site.start()
        self.intake_port = self._runner.addresses[0][1]

    async def stop(self) -> None:
        """Stop loops and intake and close connections; never logs the device out.

        Cooperative: every loop finishes the transaction it is in and exits, so no
        connection is cut mid-transaction (a cut aiosqlite connection can keep SQLite's
        write lock after the process moved on); the engine is disposed last.
        """
        self._stopping.set()
        if self._leading is not None:
            await wait_for_tasks([self._leading], 2 * STOP_TIMEOUT_SECONDS)
            self._leading = None
        await self.exercises.stop()
        await self._stop_active_work()
        await self.client.close()  # the crypto store before the lease: see _be_active
        await self.leadership.release()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
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

    async def health(self) -> dict[str, Any]:
        """Database reachable; on the active instance also sync recent and outbox running."""
        tasks = {task.get_name(): not task.done() for task in self._tasks}
        lag = self._sync_lag()
        try:
            async with self.db.transaction() as session:
                backlog = await session.scalar(
                    select(func.count())
                    .select_from(OutboxRecord)
                    .where(OutboxRecord.sent_at.is_(None))
                )
            database_ok = True
        except Exception as exc:  # any failure to reach the database means unhealthy
            log.warning("health check cannot reach the database: %s", exc)
            backlog, database_ok = None, False
        sync_ok = tasks.get("sync", False) and lag <= SYNC_STALE_SECONDS
        outbox_ok = tasks.get("outbox", False)
        # An unreachable homeserver is not this instance's fault: the intake still takes
        # alerts and degraded mode passes them on, so only the component says so.
        unreachable_since = self.reachability.degraded_since
        matrix_ok = sync_ok or unreachable_since is not None
        return {
            "healthy": database_ok and (not self.active or (matrix_ok and outbox_ok)),
            "matrix": "reachable"
            if unreachable_since is None
            else f"unreachable since {unreachable_since.isoformat()}",
            "role": "active" if self.active else "passive",
            "sync": {
                "running": tasks.get("sync", False),
                "lag_seconds": round(lag, 1) if lag != float("inf") else None,
            },
            "database": {"reachable": database_ok},
            "outbox": {"running": outbox_ok, "backlog": backlog},
        }

    def _sync_lag(self) -> float:
        last = self.sync.last_success
        return float("inf") if last is None else time.monotonic() - last

    async def _refresh_taskforce_room(self) -> None:
        """Read the taskforce room's members and store them for both instances' web views;
        end the web access of whoever left it."""
        room = self.settings.taskforce_room
        assert room is not None
        try:
            members = await self.client.joined_members(room)
        except MatrixError as exc:  # keep the last known members; try again next round
            log.warning("cannot read the members of taskforce room %s: %s", room, exc)
            return
        self.access.set_room_members(members)
        async with self.factory.transaction() as services:
            await store_room_members(services.session, room, members)
            ended = await WebCredentials(services.session).end_outside(
                self.access.in_taskforce, services.clock.now()
            )
        if ended:
            log.info("ended the web view access of %s: no longer in the taskforce", ended)

    async def _on_invite(self, room_id: str, inviter: str | None) -> None:
        if inviter is not None and self.access.role_of(inviter) is not None:
            log.info("joining %s on invitation by %s", room_id, inviter)
            await self.client.join(room_id)
        else:
            log.warning("declining invitation to %s by non-member %s", room_id, inviter)
            await self.client.leave(room_id)


def watch_policy(settings: LauweFaseSettings) -> WatchPolicy:
    """The lauwe fase settings as the domain's policy."""
    severity = settings.propose_min_severity
    return WatchPolicy(
        checkin_interval=timedelta(minutes=settings.checkin_interval_minutes),
        checkin_grace=timedelta(minutes=settings.checkin_grace_minutes),
        propose_severity=None if severity is None else Severity(severity),
        propose_alert_count=settings.propose_alert_count,
        propose_window=timedelta(hours=settings.propose_alert_hours),
        propose_on_vital=settings.propose_on_vital,
    )


def _reveal(secret: SecretStr | None) -> str | None:
    return None if secret is None else secret.get_secret_value()


def warn_if_exposed(settings: Settings) -> None:
    """Log one warning naming the data directory, database or crypto store others can read.

    Weerbaar creates them owner-only; one that already exists is the operator's, so it is
    pointed out rather than changed.
    """
    paths = [settings.data_dir, settings.crypto_store_dir]
    database = sqlite_file(settings.database_url)
    if database is not None:
        paths.append(database)
    if found := exposed(paths):
        log.warning(
            "readable by others, though it holds records or secrets: %s (chmod go-rwx)",
            ", ".join(str(path) for path in found),
        )
