"""Start and stop a throwaway Synapse homeserver on the loopback interface.

Used by ``weerbaar sandbox`` and by the test fixtures. Synapse is only in the
``dev`` extra, so this module never imports it: Synapse runs as a subprocess of
the current interpreter, configured from a generated ``homeserver.yaml``.

Typical use from an async fixture::

    async with ThrowawaySynapse(tmp_path) as hs:
        alice = await hs.register("alice")
        ...
"""

from __future__ import annotations

import asyncio
import atexit
import base64
import contextlib
import hashlib
import hmac
import importlib.util
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
from collections import deque
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final
from urllib.parse import quote

import aiohttp

from bot.private_files import PRIVATE_UMASK, make_private_dir, open_private, write_private_text

LOOPBACK: Final = "127.0.0.1"

_LOG_TAIL_LINES: Final = 40
_POLL_INTERVAL: Final = 0.05
_STOP_GRACE_SECONDS: Final = 10.0
_HTTP_TIMEOUT_SECONDS: Final = 10.0
# Picking a free port and binding it later is racy; retry on a collision.
_PORT_ATTEMPTS: Final = 3

# Every client-facing rate limit but rc_message, raised far beyond anything a test
# does: with Synapse's defaults room creation stalls after 10 rooms and the 6th login
# to one account is refused.
_UNLIMITED: Final[dict[str, float]] = {"per_second": 100_000.0, "burst_count": 1_000_000}
# rc_message stays at Synapse's default, as on a production homeserver; register()
# lifts it per user (as an operator does for the bot) unless asked not to.
DEFAULT_MESSAGE_LIMIT: Final[dict[str, float]] = {"per_second": 0.2, "burst_count": 10}
_NO_MESSAGE_LIMIT: Final[dict[str, int]] = {"messages_per_second": 0, "burst_count": 0}
_ADMIN_LOCALPART: Final = "throwaway-admin"


class SynapseNotInstalledError(RuntimeError):
    """Synapse is not importable by the current interpreter."""

    def __init__(self) -> None:
        super().__init__(
            "Synapse is not installed in this Python environment "
            f"({sys.executable}). It comes with the development extra: "
            "pip install -e '.[dev]'"
        )


class SynapseStartError(RuntimeError):
    """Synapse exited or did not answer in time; the message ends with its log tail."""


class RegistrationError(RuntimeError):
    """Synapse refused a shared-secret registration or a password login."""

    def __init__(self, localpart: str, status: int, errcode: str, error: str) -> None:
        super().__init__(f"{localpart!r}: HTTP {status} {errcode}: {error}")
        self.localpart = localpart
        self.status = status
        self.errcode = errcode
        self.error = error


@dataclass(frozen=True)
class RegisteredUser:
    """A user created on the throwaway homeserver, already logged in on one device."""

    user_id: str
    password: str
    access_token: str
    device_id: str


class ThrowawaySynapse:
    """A private Synapse on 127.0.0.1 with its database, keys and logs in ``base_dir``.

    Registration is closed except through the admin shared secret and federation is
    off. Rate limits are effectively disabled, except the message limit: it has
    Synapse's default (``DEFAULT_MESSAGE_LIMIT``) and every registered user is exempted
    from it unless registered with ``rate_limited=True``. ``stop()`` followed by
    ``start()`` restarts on the same database and, when still free, the same port.
    """

    def __init__(self, base_dir: Path, server_name: str = "localhost") -> None:
        self.base_dir = Path(base_dir).resolve()
        self.server_name = server_name
        self.config_path = self.base_dir / "homeserver.yaml"
        self.log_path = self.base_dir / "homeserver.log"
        # Tracebacks from before logging is set up (e.g. config errors) land here.
        self.console_log_path = self.base_dir / "console.log"
        self._log_config_path = self.base_dir / "log_config.yaml"
        self._signing_key_path = self.base_dir / "signing.key"
        self._shared_secret = secrets.token_urlsafe(32)
        self._port: int | None = None
        self._process: asyncio.subprocess.Process | None = None
        # Registered on the first exemption; kept over restarts (same database).
        self._admin: RegisteredUser | None = None
        self._admin_lock = asyncio.Lock()

    @property
    def url(self) -> str:
        """Base URL of the client API, e.g. ``http://127.0.0.1:41234``."""
        if self._port is None:
            raise RuntimeError("ThrowawaySynapse.url is only known after start()")
        return f"http://{LOOPBACK}:{self._port}"

    @property
    def port(self) -> int | None:
        """TCP port of the listener, or None before the first start()."""
        return self._port

    @property
    def pid(self) -> int | None:
        """PID of the running Synapse (also its process-group id), or None."""
        return None if self._process is None else self._process.pid

    @property
    def running(self) -> bool:
        """Whether start() succeeded and stop() has not been called since."""
        return self._process is not None

    def user_id(self, localpart: str) -> str:
        """Full Matrix user id for ``localpart`` on this server."""
        return f"@{localpart}:{self.server_name}"

    async def __aenter__(self) -> ThrowawaySynapse:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    # A plain timeout argument is the agreed interface; it bounds polling, not one await.
    async def start(self, timeout: float = 60.0) -> None:
        """Write the config, launch Synapse and wait until its client API answers.

        Raises SynapseNotInstalledError when Synapse is missing and
        SynapseStartError (with the log tail) when it exits or ``timeout`` passes.
        """
        if self._process is not None:
            raise RuntimeError("this ThrowawaySynapse is already running")
        if importlib.util.find_spec("synapse") is None:
            raise SynapseNotInstalledError()

        make_private_dir(self.base_dir)
        _write_signing_key(self._signing_key_path)
        _write_json(self._log_config_path, _log_config(self.log_path))

        deadline = asyncio.get_running_loop().time() + timeout
        preferred = self._port
        for attempt in range(1, _PORT_ATTEMPTS + 1):
            self._port = _free_loopback_port(preferred)
            preferred = None
            _write_json(self.config_path, self._homeserver_config(self._port))
            log_offsets = (_file_size(self.console_log_path), _file_size(self.log_path))
            await self._spawn()
            try:
                await self._wait_until_ready(deadline)
            except BaseException as exc:
                await self.stop()
                if (
                    isinstance(exc, SynapseStartError)
                    and attempt < _PORT_ATTEMPTS
                    and "Address already in use" in self._log_tail(*log_offsets)
                ):
                    continue
                raise
            atexit.register(self._terminate_at_exit)
            return

    async def stop(self) -> None:
        """Terminate Synapse's process group: SIGTERM, then SIGKILL after 10 s.

        Idempotent, and a no-op when Synapse was never started.
        """
        process, self._process = self._process, None
        if process is None:
            return
        atexit.unregister(self._terminate_at_exit)
        # start_new_session=True made Synapse a group leader, so pgid == pid.
        pgid = process.pid
        _signal_group(pgid, signal.SIGTERM)
        try:
            await asyncio.wait_for(process.wait(), _STOP_GRACE_SECONDS)
        except TimeoutError:
            _signal_group(pgid, signal.SIGKILL)
            await process.wait()
        # Anything Synapse forked would outlive its leader; sweep the group.
        _signal_group(pgid, signal.SIGKILL)

    async def register(
        self,
        localpart: str,
        password: str | None = None,
        admin: bool = False,
        rate_limited: bool = False,
    ) -> RegisteredUser:
        """Create a user through the admin shared-secret API and log it in.

        The user is exempt from the message rate limit unless ``rate_limited``: then it
        keeps Synapse's default, like a bot account nobody exempted. Raises
        RegistrationError (carrying Synapse's errcode, e.g. M_USER_IN_USE) when
        Synapse refuses.
        """
        user = await self._register(localpart, password, admin)
        if not rate_limited:
            await self.lift_message_limit(user.user_id)
        return user

    async def lift_message_limit(self, user_id: str) -> None:
        """Exempt ``user_id`` from the message rate limit, as an operator would.

        Uses Synapse's admin API ``override_ratelimit`` with an admin account of its
        own, registered on first use.
        """
        admin = await self._admin_account()
        endpoint = f"{self.url}/_synapse/admin/v1/users/{quote(user_id)}/override_ratelimit"
        headers = {"Authorization": f"Bearer {admin.access_token}"}
        timeout = aiohttp.ClientTimeout(total=_HTTP_TIMEOUT_SECONDS)
        async with (
            aiohttp.ClientSession(timeout=timeout) as session,
            session.post(endpoint, json=_NO_MESSAGE_LIMIT, headers=headers) as resp,
        ):
            if resp.status != 200:
                raise RuntimeError(
                    f"lifting the rate limit of {user_id} failed: "
                    f"HTTP {resp.status}: {await resp.text()}"
                )

    async def _admin_account(self) -> RegisteredUser:
        # The lock keeps concurrent registrations from registering the admin twice.
        async with self._admin_lock:
            if self._admin is None:
                self._admin = await self._register(_ADMIN_LOCALPART, None, admin=True)
            return self._admin

    async def _register(self, localpart: str, password: str | None, admin: bool) -> RegisteredUser:
        if self._process is None:
            raise RuntimeError("Synapse is not running; call start() first")
        if password is None:
            password = secrets.token_urlsafe(24)
        endpoint = f"{self.url}/_synapse/admin/v1/register"
        timeout = aiohttp.ClientTimeout(total=_HTTP_TIMEOUT_SECONDS)
        async with aiohttp.ClientSession(timeout=timeout) as session:
            # Nonces are single-use, so every registration fetches a fresh one.
            async with session.get(endpoint) as resp:
                body = await _json_body(resp)
                if resp.status != 200:
                    raise _registration_error(localpart, resp.status, body)
            nonce = _str_field(body, "nonce")
            payload = {
                "nonce": nonce,
                "username": localpart,
                "password": password,
                "admin": admin,
                "mac": _registration_mac(self._shared_secret, nonce, localpart, password, admin),
            }
            async with session.post(endpoint, json=payload) as resp:
                body = await _json_body(resp)
                if resp.status != 200:
                    raise _registration_error(localpart, resp.status, body)
        return _logged_in(body, password)

    async def login(
        self, localpart: str, password: str, device_id: str | None = None
    ) -> RegisteredUser:
        """Log an existing user in with its password, on ``device_id`` when given.

        Keeping the device keeps an end-to-end encryption store made for it usable.
        Raises RegistrationError (carrying Synapse's errcode) when Synapse refuses.
        """
        if self._process is None:
            raise RuntimeError("Synapse is not running; call start() first")
        payload: dict[str, Any] = {
            "type": "m.login.password",
            "identifier": {"type": "m.id.user", "user": localpart},
            "password": password,
        }
        if device_id is not None:
            payload["device_id"] = device_id
        timeout = aiohttp.ClientTimeout(total=_HTTP_TIMEOUT_SECONDS)
        async with (
            aiohttp.ClientSession(timeout=timeout) as session,
            session.post(f"{self.url}/_matrix/client/v3/login", json=payload) as resp,
        ):
            body = await _json_body(resp)
            if resp.status != 200:
                raise _registration_error(localpart, resp.status, body)
        return _logged_in(body, password)

    async def _spawn(self) -> None:
        env = dict(os.environ)
        # Unbuffered so that a crash's last words reach console.log.
        env["PYTHONUNBUFFERED"] = "1"
        with open_private(self.console_log_path, "ab") as console:
            self._process = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "synapse.app.homeserver",
                "-c",
                str(self.config_path),
                stdin=subprocess.DEVNULL,
                stdout=console,
                stderr=subprocess.STDOUT,
                # Never inside the synapse package: its `types` module shadows the stdlib's.
                cwd=self.base_dir,
                env=env,
                # Own process group, so stop() can signal Synapse and any children at once
                # and a Ctrl-C meant for the caller does not reach it.
                start_new_session=True,
                # Its database, media and logs hold the sandbox's conversations.
                umask=PRIVATE_UMASK,
            )

    async def _wait_until_ready(self, deadline: float) -> None:
        process = self._process
        assert process is not None
        loop = asyncio.get_running_loop()
        versions = f"{self.url}/_matrix/client/versions"
        async with aiohttp.ClientSession() as session:
            while True:
                if process.returncode is not None:
                    raise self._start_error(f"Synapse exited with code {process.returncode}")
                remaining = deadline - loop.time()
                if remaining <= 0:
                    raise self._start_error(f"Synapse did not answer on {self.url} in time")
                try:
                    request_timeout = aiohttp.ClientTimeout(total=min(remaining, 2.0))
                    async with session.get(versions, timeout=request_timeout) as resp:
                        if resp.status == 200:
                            return
                except (aiohttp.ClientError, TimeoutError):
                    pass
                await asyncio.sleep(_POLL_INTERVAL)

    def _start_error(self, reason: str) -> SynapseStartError:
        return SynapseStartError(f"{reason}.\n{self._log_tail()}")

    def _log_tail(self, console_offset: int = 0, log_offset: int = 0) -> str:
        parts = []
        for path, offset in ((self.console_log_path, console_offset), (self.log_path, log_offset)):
            tail = _tail(path, offset, _LOG_TAIL_LINES)
            if tail:
                parts.append(f"--- last lines of {path} ---\n{tail}")
        return "\n".join(parts) or f"(no output in {self.base_dir})"

    def _terminate_at_exit(self) -> None:
        # Last resort when the event loop died before stop() ran: Synapse lives in its
        # own session, so nothing else would ever stop it.
        if self._process is not None and self._process.returncode is None:
            _signal_group(self._process.pid, signal.SIGTERM)

    def _homeserver_config(self, port: int) -> dict[str, Any]:
        base = self.base_dir
        return {
            "server_name": self.server_name,
            "public_baseurl": f"http://{LOOPBACK}:{port}/",
            "pid_file": str(base / "homeserver.pid"),
            "listeners": [
                {
                    "port": port,
                    "bind_addresses": [LOOPBACK],
                    "type": "http",
                    "tls": False,
                    "x_forwarded": False,
                    # The client resource also serves /_synapse/admin; no federation.
                    "resources": [{"names": ["client"], "compress": False}],
                }
            ],
            "database": {"name": "sqlite3", "args": {"database": str(base / "homeserver.db")}},
            "log_config": str(self._log_config_path),
            "media_store_path": str(base / "media_store"),
            "max_upload_size": "50M",
            "signing_key_path": str(self._signing_key_path),
            "registration_shared_secret": self._shared_secret,
            "enable_registration": False,
            "report_stats": False,
            "enable_metrics": False,
            "url_preview_enabled": False,
            "presence": {"enabled": False},
            # No outbound traffic: no notary servers, no federation peers.
            "trusted_key_servers": [],
            "suppress_key_server_warning": True,
            "federation_domain_whitelist": [],
            # Otherwise a fresh database throttles its upkeep jobs for ~25 s.
            "background_updates": {"sleep_enabled": False},
            # Registration drops from ~280 ms to ~17 ms.
            "bcrypt_rounds": 4,
            # Synapse answers an identical /sync from its response cache for 2 minutes, so a
            # client that starts within that time of another one for the same user gets an
            # old position and sees "new" events that are not new (flaky tests).
            "caches": {"sync_response_cache_duration": 0},
            **_rate_limit_config(),
        }


def _rate_limit_config() -> dict[str, Any]:
    # Keys as read by synapse/config/ratelimiting.py in Synapse 1.163; unknown keys
    # are ignored by older versions.
    u = _UNLIMITED
    return {
        "rc_message": DEFAULT_MESSAGE_LIMIT,
        "rc_registration": u,
        "rc_registration_token_validity": u,
        "rc_login": {"address": u, "account": u, "failed_attempts": u},
        "rc_admin_redaction": u,
        "rc_joins": {"local": u, "remote": u},
        "rc_joins_per_room": u,
        "rc_key_requests": u,
        "rc_3pid_validation": u,
        "rc_invites": {"per_room": u, "per_user": u, "per_issuer": u},
        "rc_third_party_invite": u,
        "rc_media_create": u,
        "rc_presence": {"per_user": u},
        "rc_delayed_event_mgmt": u,
        "rc_room_creation": u,
        "rc_reports": u,
        "rc_user_directory": u,
        "rc_profile": u,
        # Federation is off; set anyway so no limiter is left at its default.
        "rc_federation": {
            "window_size": 1000,
            "sleep_limit": 1_000_000,
            "sleep_delay": 0,
            "reject_limit": 1_000_000,
            "concurrent": 1_000,
        },
    }


def _log_config(log_path: Path) -> dict[str, Any]:
    # A plain FileHandler: Synapse's default buffers INFO lines for seconds, which
    # would hide the lines that explain a failed start.
    return {
        "version": 1,
        "formatters": {
            "precise": {
                "format": "%(asctime)s - %(name)s - %(lineno)d - %(levelname)s - "
                "%(request)s - %(message)s"
            }
        },
        "handlers": {
            "file": {
                "class": "logging.FileHandler",
                "formatter": "precise",
                "filename": str(log_path),
                "encoding": "utf8",
            }
        },
        "loggers": {"synapse.storage.SQL": {"level": "WARNING"}},
        "root": {"level": "INFO", "handlers": ["file"]},
        "disable_existing_loggers": False,
    }


def _write_json(path: Path, data: dict[str, Any]) -> None:
    # JSON is valid YAML, and needs no YAML library here.
    write_private_text(path, json.dumps(data, indent=2) + "\n")


def _write_signing_key(path: Path) -> None:
    """Write an ed25519 key in signedjson's format unless one exists (kept on restart)."""
    if path.exists():
        return
    # An ed25519 signing key is any 32 random bytes (the seed), unpadded base64.
    # Writing it directly costs nothing; `--generate-keys` would import all of Synapse.
    seed = base64.b64encode(secrets.token_bytes(32)).decode("ascii").rstrip("=")
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as key_file:
        key_file.write(f"ed25519 a_{secrets.token_hex(2)} {seed}\n")


def _free_loopback_port(preferred: int | None = None) -> int:
    """Return ``preferred`` if it can be bound on 127.0.0.1, else a fresh free port."""
    for candidate in (preferred, 0):
        if candidate is None:
            continue
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            # Matches Twisted's listener, so a port in TIME_WAIT counts as free.
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                sock.bind((LOOPBACK, candidate))
            except OSError:
                continue
            port: int = sock.getsockname()[1]
            return port
    raise OSError("no free TCP port on 127.0.0.1")


def _file_size(path: Path) -> int:
    try:
        return path.stat().st_size
    except FileNotFoundError:
        return 0


def _tail(path: Path, offset: int, lines: int) -> str:
    """Last ``lines`` lines of ``path`` written after byte ``offset``."""
    try:
        with path.open("rb") as fh:
            fh.seek(offset)
            last = deque(fh, maxlen=lines)
    except FileNotFoundError:
        return ""
    return b"".join(last).decode("utf-8", errors="replace").rstrip()


def _signal_group(pgid: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pgid, sig)


def _registration_mac(shared_secret: str, nonce: str, user: str, password: str, admin: bool) -> str:
    """HMAC-SHA1 that proves knowledge of ``registration_shared_secret``."""
    mac = hmac.new(shared_secret.encode("utf-8"), digestmod=hashlib.sha1)
    mac.update(
        b"\x00".join(
            (
                nonce.encode("utf-8"),
                user.encode("utf-8"),
                password.encode("utf-8"),
                b"admin" if admin else b"notadmin",
            )
        )
    )
    return mac.hexdigest()


async def _json_body(resp: aiohttp.ClientResponse) -> dict[str, Any]:
    try:
        body = await resp.json(content_type=None)
    except (json.JSONDecodeError, aiohttp.ContentTypeError, UnicodeDecodeError):
        return {}
    return body if isinstance(body, dict) else {}


def _registration_error(localpart: str, status: int, body: dict[str, Any]) -> RegistrationError:
    return RegistrationError(
        localpart,
        status,
        str(body.get("errcode", "M_UNKNOWN")),
        str(body.get("error", "no error message")),
    )


def _logged_in(body: dict[str, Any], password: str) -> RegisteredUser:
    """The user a registration or login answer describes."""
    return RegisteredUser(
        user_id=_str_field(body, "user_id"),
        password=password,
        access_token=_str_field(body, "access_token"),
        device_id=_str_field(body, "device_id"),
    )


def _str_field(body: dict[str, Any], key: str) -> str:
    value = body.get(key)
    if not isinstance(value, str):
        raise RuntimeError(f"Synapse's response lacks a string {key!r}: {body!r}")
    return value
