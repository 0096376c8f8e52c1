"""Playing a scenario through the real bot: signed alerts to the intake, role players in rooms.

The runner is deliberately an outsider: it talks to the bot only the way monitoring systems
and people do (HTTP intake, Matrix messages from the players' own accounts) and reads the
database only to find the exercise's situation and to wait until its commands were handled.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TypeVar

import aiohttp
from sqlalchemy import select

from bot.commands.registry import parse_invocation
from bot.decisionlog.kinds import EntryKind
from bot.exercises.evaluation import Assessment, LoggedAct, Pause, assess
from bot.exercises.scenario import ALERT_PLACEHOLDER, Inject, Room, Scenario
from bot.intake.client import send_alert
from bot.matrix.client import MatrixClient, MatrixError
from bot.playbooks.durations import format_deadline
from bot.storage.db import Database
from bot.storage.models import AlertRecord, HandledEventRecord, LogEntryRecord, SituationRecord

log = logging.getLogger(__name__)

T = TypeVar("T")

# How long the runner waits for the bot (incident room opened, commands handled) before it
# gives up on that wait; the exercise then goes on and the report shows what is missing.
BOT_WAIT_SECONDS = 30.0
_POLL_SECONDS = 0.1


class ExerciseError(Exception):
    """The exercise cannot go on (intake refused an alert, a player cannot act)."""


@dataclass(frozen=True)
class PlayerAccount:
    """The Matrix account a role player posts with."""

    user_id: str
    access_token: str


@dataclass(frozen=True)
class ExerciseTarget:
    """Where the bot under exercise listens."""

    homeserver: str
    coordination_room: str
    intake_url: str
    hmac_secret: bytes
    database: Database


@dataclass
class ExerciseResult:
    """What a finished run knows: its situation, when it started, and the assessments."""

    scenario: Scenario
    speed: float
    started_at: datetime
    situation_id: int | None = None
    alert_ids: list[int] = field(default_factory=list)
    pauses: list[Pause] = field(default_factory=list)
    assessments: list[Assessment] = field(default_factory=list)


class ExerciseRunner:
    """Plays one scenario once; ``players`` maps role ids to accounts (``*`` for any role)."""

    def __init__(
        self,
        scenario: Scenario,
        target: ExerciseTarget,
        players: Mapping[str, PlayerAccount],
        speed: float = 1.0,
    ) -> None:
        if speed <= 0:
            raise ValueError("speed must be positive")
        missing = [role for role in scenario.players() if _account(players, role) is None]
        if missing:
            raise ExerciseError(f"no player account for role(s): {', '.join(missing)}")
        self._scenario = scenario
        self._target = target
        self._players = players
        self._speed = speed
        self._clients: dict[str, MatrixClient] = {}
        self._joined: set[tuple[str, str]] = set()
        # Alerts of each run get their own external ids, so a scenario can be played again
        # while an earlier run's alerts are still unresolved.
        self._run_token = secrets.token_hex(4)

    async def run(self) -> ExerciseResult:
        """Play every inject at its (scaled) offset, then compare the log with expectations."""
        result = ExerciseResult(self._scenario, self._speed, datetime.now(UTC))
        start = time.monotonic()
        log.info("exercise %s started at speed %s", self._scenario.id, self._speed)
        try:
            for inject in self._scenario.played():
                paused = sum(((end - begin).total_seconds() for begin, end in result.pauses), 0.0)
                elapsed = time.monotonic() - start - paused
                delay = inject.at.total_seconds() / self._speed - elapsed
                if delay > 0:
                    await asyncio.sleep(delay)
                await self._play(inject, result)
        finally:
            for client in self._clients.values():
                await client.close()
        if result.alert_ids:
            result.situation_id = await self._situation_of(result.alert_ids[-1])
        if result.situation_id is not None:
            acts = await self._acts(result.situation_id)
            result.assessments = assess(
                self._scenario.expectations(), acts, result.started_at, self._speed, result.pauses
            )
        log.info("exercise %s finished (situation %s)", self._scenario.id, result.situation_id)
        return result

    async def _play(self, inject: Inject, result: ExerciseResult) -> None:
        try:
            await self._play_one(inject, result)
        except (MatrixError, aiohttp.ClientError) as exc:
            raise ExerciseError(f"{inject.kind} at {format_deadline(inject.at)}: {exc}") from exc

    async def _play_one(self, inject: Inject, result: ExerciseResult) -> None:
        if inject.alert is not None:
            body = inject.alert.body()
            if "external_id" in body:
                body["external_id"] = f"{body['external_id']}#{self._run_token}"
            status, reply = await send_alert(
                self._target.intake_url, self._target.hmac_secret, body
            )
            if status >= 300 or not isinstance(reply, dict) or reply.get("id") is None:
                raise ExerciseError(f"the intake refused the alert: {status} {reply}")
            result.alert_ids.append(int(reply["id"]))
        elif inject.message is not None:
            await self._say(inject.message.who, inject.message.room, inject.message.text, result)
        elif inject.phase is not None:
            room, text = inject.phase.command()
            await self._say(inject.phase.who, room, text, result)

    async def _say(self, role: str, room: Room, text: str, result: ExerciseResult) -> None:
        """Post as the role's player; the exercise clock stands still until the bot is done.

        Commands change what later injects may do (an escalation opens the incident room),
        so each is handled before the next inject; the pause keeps that wait, and joining
        rooms, out of the participants' times.
        """
        paused_at = datetime.now(UTC)
        try:
            await self._post(role, room, text, result.alert_ids)
        finally:
            result.pauses.append((paused_at, datetime.now(UTC)))

    async def _post(self, role: str, room: Room, text: str, alert_ids: list[int]) -> None:
        if ALERT_PLACEHOLDER in text:
            if not alert_ids:
                raise ExerciseError(f"{text!r} refers to an alert before any was sent")
            text = text.replace(ALERT_PLACEHOLDER, str(alert_ids[-1]))
        if room == "coordination":
            room_id = self._target.coordination_room
        else:
            room_id = await self._incident_room(alert_ids)
        client = await self._client(role)
        if (client.user_id, room_id) not in self._joined:
            await client.join(room_id)  # accepts the bot's invitation; no-op when joined
            self._joined.add((client.user_id, room_id))
        event_id = await client.send(
            room_id, "m.room.message", {"msgtype": "m.text", "body": text}, secrets.token_hex(8)
        )
        if parse_invocation(text) is not None:
            await self._wait_until_handled(event_id)

    async def _client(self, role: str) -> MatrixClient:
        account = _account(self._players, role)
        assert account is not None  # checked in __init__
        client = self._clients.get(account.user_id)
        if client is None:
            client = MatrixClient(self._target.homeserver, account.user_id, "")
            await client.authenticate(access_token=account.access_token, password=None)
            self._clients[account.user_id] = client
        return client

    async def _incident_room(self, alert_ids: list[int]) -> str:
        if not alert_ids:
            raise ExerciseError("an incident-room message before any alert was sent")
        room = await self._poll(lambda: self._room_of(alert_ids[-1]))
        if room is None:
            raise ExerciseError(f"no incident room for alert {alert_ids[-1]}: was it escalated?")
        return room

    async def _room_of(self, alert_id: int) -> str | None:
        async with self._target.database.transaction() as session:
            return await session.scalar(
                select(SituationRecord.incident_room_id)
                .join(AlertRecord, AlertRecord.situation_id == SituationRecord.id)
                .where(AlertRecord.id == alert_id)
            )

    async def _situation_of(self, alert_id: int) -> int | None:
        async with self._target.database.transaction() as session:
            return await session.scalar(
                select(AlertRecord.situation_id).where(AlertRecord.id == alert_id)
            )

    async def _wait_until_handled(self, event_id: str) -> None:
        async def handled() -> str | None:
            async with self._target.database.transaction() as session:
                return await session.scalar(
                    select(HandledEventRecord.event_id).where(
                        HandledEventRecord.event_id == event_id
                    )
                )

        if await self._poll(handled) is None:
            log.warning("exercise: the bot did not handle command %s in time", event_id)

    async def _poll(self, probe: Callable[[], Awaitable[T | None]]) -> T | None:
        deadline = time.monotonic() + BOT_WAIT_SECONDS
        while True:
            value = await probe()
            if value is not None or time.monotonic() > deadline:
                return value
            await asyncio.sleep(_POLL_SECONDS)

    async def _acts(self, situation_id: int) -> list[LoggedAct]:
        kinds = (EntryKind.STEP_DONE.value, EntryKind.OPTION_CHOSEN.value)
        async with self._target.database.transaction() as session:
            entries = await session.scalars(
                select(LogEntryRecord)
                .where(LogEntryRecord.situation_id == situation_id, LogEntryRecord.kind.in_(kinds))
                .order_by(LogEntryRecord.seq)
            )
            return [
                LoggedAct(entry.kind, entry.actor, _aware(entry.occurred_at), dict(entry.payload))
                for entry in entries
            ]


def _account(players: Mapping[str, PlayerAccount], role: str) -> PlayerAccount | None:
    return players.get(role) or players.get("*")


def _aware(moment: datetime) -> datetime:
    # SQLite hands back naive datetimes; everything the bot stores is UTC.
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
