"""The aiohttp application of the intake: alert webhooks, heartbeats, ``/openapi.json``,
``/healthz`` and ``/metrics``.

A request is answered 202 only after its alerts, their announcements and its receipt are
committed, together with those of the requests that arrived with it (group commit, see
``bot.intake.batching``): nothing acknowledged can be lost. Every refusal is a 4xx
with a JSON body ``{"error": ..., "detail": ...}`` and changes nothing.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import re
import time
import uuid
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

from aiohttp import web
from aiohttp.typedefs import Handler
from pydantic import BaseModel, ValidationError
from sqlalchemy.exc import IntegrityError

from bot.alerts.model import IncomingAlert
from bot.config import AlertSourceSettings, IntakeSettings
from bot.intake.actions import Outcome, apply, needs
from bot.intake.batching import GroupCommit
from bot.intake.formats import alertmanager, pagerduty
from bot.intake.formats.common import IntakeAction, MappingError, Receive
from bot.intake.formats.heartbeat import Heartbeat
from bot.intake.signature import SIGNATURE_HEADER, TIMESTAMP_HEADER, SignatureError, verify
from bot.logs import request_context
from bot.metrics import CONTENT_TYPE_LATEST, Metrics
from bot.services import ServiceFactory, Services

log = logging.getLogger(__name__)

HealthCheck = Callable[[], Awaitable[dict[str, Any]]]
OPENAPI_FILE = Path(__file__).with_name("openapi.json")
Model = TypeVar("Model", bound=BaseModel)


class _Refused(Exception):
    def __init__(self, status: int, error: str, detail: Any) -> None:
        super().__init__(error)
        self.response = web.json_response({"error": error, "detail": detail}, status=status)


def _unread_body(status: int, error: str, detail: str) -> _Refused:
    """A refusal before the body was read to its end: the connection is not reused."""
    refusal = _Refused(status, error, detail)
    refusal.response.force_close()
    return refusal


REQUEST_ID_HEADER = "X-Request-Id"
RECEIPT_PURGE_EVERY = timedelta(seconds=10)
# A request id from a reverse proxy (nginx: proxy_set_header X-Request-Id $request_id) is
# kept so proxy and bot logs match; anything else is replaced by a fresh one.
_PROXY_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


@web.middleware
async def tag_request(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Give the request an id for every log line it causes, and answer with it."""
    given = request.headers.get(REQUEST_ID_HEADER, "")
    current = given if _PROXY_REQUEST_ID.match(given) else uuid.uuid4().hex
    with request_context(current):
        try:
            response = await handler(request)
        except web.HTTPException as exc:
            exc.headers[REQUEST_ID_HEADER] = current
            raise
    response.headers[REQUEST_ID_HEADER] = current
    return response


class IntakeApp:
    """Builds the web application around the service factory."""

    def __init__(
        self,
        settings: IntakeSettings,
        factory: ServiceFactory,
        health: HealthCheck,
        metrics: Metrics,
    ) -> None:
        self._settings = settings
        self._metrics = metrics
        self._factory = factory
        self._health = health
        # POST /alerts: the generic format signed with the intake's own secret; the
        # sender names the source in the body.
        self._default_source = AlertSourceSettings(
            name="generic", kind="generic", auth="hmac", secret=settings.hmac_secret
        )
        self._sources: dict[tuple[str, str], AlertSourceSettings] = {
            (source.kind, source.name): source for source in settings.sources
        }
        # POST /heartbeat/<source>: any source by name (names are unique across kinds).
        self._by_name = {
            self._default_source.name: self._default_source,
            **{source.name: source for source in settings.sources},
        }
        self._openapi = OPENAPI_FILE.read_bytes()
        self._next_receipt_purge: datetime | None = None
        # Group commit on both databases: a batch is a few statements plus one per write
        # (its look-ups are read together, bot/alerts/lookups.py), so one batch at a time
        # beats parallel per-request transactions on PostgreSQL too (measured 2x with
        # bench/p1_webhook_latency.py; it was 2x slower while each alert still read alone).
        self._batches: GroupCommit[list[Outcome]] = GroupCommit(factory)

    def build(self) -> web.Application:
        """The aiohttp application."""
        # No client_max_size: it only guards request.read(), and _read_body streams instead.
        app = web.Application(middlewares=[tag_request, self._count])
        app.on_cleanup.append(self._stop_batches)
        app.router.add_post("/alerts", self.post_alert)
        app.router.add_post("/alerts/generic/{source}", self.post_generic)
        app.router.add_post("/alerts/alertmanager/{source}", self.post_alertmanager)
        app.router.add_post("/alerts/pagerduty/{source}", self.post_pagerduty)
        app.router.add_post("/heartbeat/{source}", self.post_heartbeat)
        app.router.add_get("/openapi.json", self.openapi)
        app.router.add_get("/healthz", self.healthz)
        app.router.add_get("/metrics", self.metrics)
        return app

    async def _stop_batches(self, _app: web.Application) -> None:
        # On cleanup, after shutdown has let the running handlers get their answers.
        await self._batches.close()

    @web.middleware
    async def _count(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        route = request.match_info.route.resource
        name = route.canonical if route is not None else "unmatched"
        try:
            response = await handler(request)
        except web.HTTPException as exc:
            self._metrics.webhook_requests.labels(route=name, status=str(exc.status)).inc()
            raise
        self._metrics.webhook_requests.labels(route=name, status=str(response.status)).inc()
        return response

    async def post_alert(self, request: web.Request) -> web.Response:
        """One alert in Weerbaar's generic JSON format, signed with the intake secret."""

        def actions(incoming: IncomingAlert) -> list[IntakeAction]:
            return [Receive(incoming)]

        return await self._generic(request, self._default_source, actions)

    async def post_generic(self, request: web.Request) -> web.Response:
        """One alert in the generic format from a configured source."""
        try:
            source = self._source(request, "generic")
        except _Refused as refusal:
            return self._refusal(request, refusal)

        def actions(incoming: IncomingAlert) -> list[IntakeAction]:
            return [Receive(incoming.model_copy(update={"source": source.name}))]

        return await self._generic(request, source, actions)

    async def _generic(
        self,
        request: web.Request,
        source: AlertSourceSettings,
        actions: Callable[[IncomingAlert], list[IntakeAction]],
    ) -> web.Response:
        try:
            outcomes = await self._intake(request, source, IncomingAlert, actions)
        except _Refused as refusal:
            return self._refusal(request, refusal)
        return web.json_response(outcomes[0].as_json(), status=202)

    async def post_alertmanager(self, request: web.Request) -> web.Response:
        """A Prometheus Alertmanager v4 webhook: a group of firing and resolved alerts."""
        try:
            source = self._source(request, "alertmanager")
            outcomes = await self._intake(
                request,
                source,
                alertmanager.AlertmanagerWebhook,
                lambda webhook: alertmanager.to_actions(webhook, source),
            )
        except _Refused as refusal:
            return self._refusal(request, refusal)
        alerts = [outcome.as_json() for outcome in outcomes]
        return web.json_response({"status": "accepted", "alerts": alerts}, status=202)

    async def post_pagerduty(self, request: web.Request) -> web.Response:
        """A PagerDuty Events API v2 event; answered the way PagerDuty answers."""
        keys: list[str] = []

        def actions(event: pagerduty.PagerDutyEvent) -> list[IntakeAction]:
            key, action = pagerduty.to_actions(event, source)
            keys.append(key)
            return [action]

        try:
            source = self._source(request, "pagerduty")
            outcomes = await self._intake(request, source, pagerduty.PagerDutyEvent, actions)
        except _Refused as refusal:
            return self._refusal(request, refusal)
        return web.json_response(
            {
                "status": "success",
                "message": "Event processed",
                "dedup_key": keys[0],
                "alert": outcomes[0].as_json(),
            },
            status=202,
        )

    async def post_heartbeat(self, request: web.Request) -> web.Response:
        """A source says it is alive without reporting anything; signed like its alerts."""
        name = request.match_info["source"]
        try:
            source = self._by_name.get(name)
            if source is None:
                raise _Refused(404, "unknown_source", f"no source named {name!r} is configured")
            await self._intake(request, source, Heartbeat, lambda _beat: [])
        except _Refused as refusal:
            return self._refusal(request, refusal)
        return web.json_response({"status": "accepted", "source": name}, status=202)

    async def openapi(self, _request: web.Request) -> web.Response:
        """The OpenAPI document of this intake (the file kept in the repository)."""
        return web.Response(body=self._openapi, content_type="application/json")

    async def healthz(self, _request: web.Request) -> web.Response:
        """200 with component states when healthy, 503 otherwise."""
        report = await self._health()
        return web.json_response(report, status=200 if report.get("healthy") else 503)

    async def metrics(self, _request: web.Request) -> web.Response:
        """Prometheus metrics."""
        response = web.Response(body=self._metrics.render())
        response.headers["Content-Type"] = CONTENT_TYPE_LATEST
        return response

    def _source(self, request: web.Request, kind: str) -> AlertSourceSettings:
        name = request.match_info["source"]
        source = self._sources.get((kind, name))
        if source is None:
            raise _Refused(404, "unknown_source", f"no {kind} source named {name!r} is configured")
        return source

    async def _intake(
        self,
        request: web.Request,
        source: AlertSourceSettings,
        model: type[Model],
        to_actions: Callable[[Model], list[IntakeAction]],
    ) -> list[Outcome]:
        """Read, authenticate, validate and map the request, then apply it in a batch.

        A payload that fits its format but maps to an alert that does not fit
        ``IncomingAlert`` is refused with 422, like one that does not fit its format.

        The answer waits for the commit of the transaction that holds its changes.
        """
        body = await self._read_body(request, source)
        receipt = self._authenticate(request, body, source)
        parsed = self._parse(body, model)
        try:
            actions = to_actions(parsed)
        except MappingError as exc:
            detail = [{"field": exc.field, "problem": exc.problem}]
            raise _Refused(422, "invalid_alert", detail) from None
        except ValidationError as exc:
            # Valid in its own format, but what it maps to is not a valid alert (e.g. a
            # supplier label longer than an alert's supplier): the sender's fault, a 422.
            raise _Refused(422, "invalid_alert", _problems(exc)) from None

        async def work(services: Services) -> list[Outcome]:
            if receipt is not None and not await self._first_use(services, receipt):
                raise _Refused(409, "replayed", "this signed request was already accepted")
            known = await self._known_suppliers(services, source, actions)
            outcomes = [await apply(services, action, source.name) for action in known]
            await services.heartbeats.contact(source.name)
            return outcomes

        # Read with the registry's spelling only inside ``work``; a renamed supplier's
        # window is then looked up on its own, which is only slower.
        wanted = needs(actions, source.name)
        # A request racing its first copy (in another process) trips the alerts' unique
        # de-duplication key or the receipts' primary key; the second attempt then sees
        # the first one's commit (the alert as a repeat, or the signature as a replay).
        for attempt in range(2):
            try:
                outcomes = await self._batches.submit(work, wanted, receipt)
            except IntegrityError:
                if attempt == 1:
                    raise _Refused(
                        409, "conflict", "a concurrent request changed the same alert"
                    ) from None
                continue
            log.info("intake %s/%s: %s", source.kind, source.name, [o.status for o in outcomes])
            return outcomes
        raise AssertionError("unreachable")  # pragma: no cover

    async def _first_use(self, services: Services, receipt: str) -> bool:
        """Record the request's signature; False when it was used before (a replay)."""
        now = self._factory.clock.now()
        # Expired receipts are purged now and then, not by every request: one statement
        # less per request, and a receipt kept a little longer refuses nothing more.
        if self._next_receipt_purge is None or now >= self._next_receipt_purge:
            self._next_receipt_purge = now + RECEIPT_PURGE_EVERY
            keep_for = timedelta(seconds=2 * self._settings.max_clock_skew_seconds)
            await services.receipts.purge(now - keep_for)
        return await services.receipts.claim(receipt, now)

    @staticmethod
    async def _known_suppliers(
        services: Services, source: AlertSourceSettings, actions: Sequence[IntakeAction]
    ) -> list[IntakeAction]:
        """Alerts named with the registry's spelling; unknown suppliers refused if required."""
        result: list[IntakeAction] = []
        unknown: list[str] = []
        for action in actions:
            if isinstance(action, Receive):
                supplier = await services.suppliers.find(action.alert.supplier)
                if supplier is not None:
                    update = {"supplier": supplier.name}
                    action = Receive(action.alert.model_copy(update=update))
                elif source.require_known_supplier:
                    unknown.append(action.alert.supplier)
            result.append(action)
        if unknown:
            raise _Refused(
                422,
                "unknown_supplier",
                [f"not in the supplier registry: {name}" for name in unknown],
            )
        return result

    @staticmethod
    def _refusal(request: web.Request, refusal: _Refused) -> web.Response:
        log.info("intake refused %s %s: %s", request.path, request.remote, refusal)
        return refusal.response

    async def _read_body(self, request: web.Request, source: AlertSourceSettings) -> bytes:
        """The whole body, chunked or not, within the source's size cap and the read timeout.

        A body that cannot be decoded (not the gzip it claims) is refused with 400.

        ``content.read(n)`` answers with what has arrived so far, so the body is read to
        its end; bytes are counted as they arrive, so an oversized body is refused as soon
        as it passes the cap, whatever its announced length.
        """
        limit = source.body_limit(self._settings.max_body_bytes)
        if request.content_length is not None and request.content_length > limit:
            raise _unread_body(413, "too_large", f"body exceeds {limit} bytes")
        body = bytearray()
        seconds = self._settings.read_timeout_seconds
        try:
            async with asyncio.timeout(seconds):
                while chunk := await request.content.readany():
                    body += chunk
                    if len(body) > limit:
                        raise _unread_body(413, "too_large", f"body exceeds {limit} bytes")
        except TimeoutError:
            detail = f"the body did not arrive within {seconds:g} seconds"
            raise _unread_body(408, "timeout", detail) from None
        except ConnectionResetError:
            # The sender hung up mid-body: nobody reads this answer, but the refusal is
            # logged and counted like any other instead of surfacing as a server error.
            detail = "the connection closed before the body was complete"
            raise _Refused(400, "incomplete_body", detail) from None
        except web.RequestPayloadError as exc:
            # aiohttp could not undo the body's Content-Encoding (e.g. not the gzip it
            # claims): a client error, not a server one.
            detail = f"the body cannot be decoded: {exc.__cause__ or exc}"
            raise _unread_body(400, "malformed_json", detail) from None
        return bytes(body)

    def _authenticate(
        self, request: web.Request, body: bytes, source: AlertSourceSettings
    ) -> str | None:
        """Check the source's credentials; returns the signature digest for replay checks."""
        secret = source.secret.get_secret_value()
        if source.auth == "bearer":
            given = request.headers.get("Authorization", "")
            if not hmac.compare_digest(given.encode(), f"Bearer {secret}".encode()):
                raise _Refused(401, "unauthorised", "missing or wrong bearer token")
            return None
        try:
            signature = verify(
                secret.encode(),
                body,
                request.headers.get(TIMESTAMP_HEADER),
                request.headers.get(SIGNATURE_HEADER),
                now=time.time(),
                max_skew_seconds=self._settings.max_clock_skew_seconds,
            )
        except SignatureError as exc:
            raise _Refused(401, "unauthorised", str(exc)) from None
        return signature.digest

    @staticmethod
    def _parse(body: bytes, model: type[Model]) -> Model:
        try:
            data = json.loads(body)
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise _Refused(400, "malformed_json", str(exc)) from None
        except RecursionError:
            # A few KB of brackets nest deeper than the json module recurses: no alert
            # format nests like that, so the sender's error, not the server's.
            raise _Refused(400, "malformed_json", "JSON nested too deeply") from None
        try:
            return model.model_validate(data)
        except ValidationError as exc:
            raise _Refused(422, "invalid_alert", _problems(exc)) from None


def _problems(exc: ValidationError) -> list[dict[str, str]]:
    """The ``detail`` of a 422: each field that does not fit and why."""
    return [
        {"field": ".".join(str(part) for part in error["loc"]), "problem": error["msg"]}
        for error in exc.errors(include_input=False, include_url=False)
    ]
