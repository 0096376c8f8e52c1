"""The aiohttp application of the intake: ``POST /alerts`` and ``GET /healthz``.

An alert is answered 202 only after it, its announcement and its receipt are committed
in one transaction: nothing acknowledged can be lost. Every refusal is a 4xx with a JSON
body ``{"error": ..., "detail": ...}`` and changes nothing.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

from aiohttp import web
from aiohttp.typedefs import Handler
from pydantic import ValidationError
from sqlalchemy.exc import IntegrityError

from bot.alerts.model import IncomingAlert
from bot.config import IntakeSettings
from bot.intake.receipts import record_receipt
from bot.intake.signature import SIGNATURE_HEADER, TIMESTAMP_HEADER, SignatureError, verify
from bot.metrics import CONTENT_TYPE_LATEST, Metrics
from bot.services import ServiceFactory

log = logging.getLogger(__name__)

HealthCheck = Callable[[], Awaitable[dict[str, Any]]]


class _Refused(Exception):
    def __init__(self, status: int, error: str, detail: Any) -> None:
        super().__init__(error)
        self.response = web.json_response({"error": error, "detail": detail}, status=status)


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
        self._secret = settings.hmac_secret.get_secret_value().encode()
        self._factory = factory
        self._health = health

    def build(self) -> web.Application:
        """The aiohttp application."""
        # aiohttp's own limit answers 413 in plain text; ours answers in JSON first.
        app = web.Application(
            client_max_size=self._settings.max_body_bytes + 1, middlewares=[self._count]
        )
        app.router.add_post("/alerts", self.post_alert)
        app.router.add_get("/healthz", self.healthz)
        app.router.add_get("/metrics", self.metrics)
        return app

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
        """Accept one signed alert in Weerbaar's generic JSON format."""
        try:
            body = await self._read_body(request)
            signature = self._verify(request, body)
            incoming = self._parse(body)
            async with self._factory.transaction() as services:
                fresh = await record_receipt(
                    services.session,
                    signature.digest,
                    self._factory.clock.now(),
                    timedelta(seconds=2 * self._settings.max_clock_skew_seconds),
                )
                if not fresh:
                    raise _Refused(409, "replayed", "this signed request was already accepted")
                alert = await services.alerts.receive(incoming)
        except _Refused as refusal:
            log.info("intake refused %s: %s", request.remote, refusal)
            return refusal.response
        except IntegrityError:
            # Two copies of one request raced each other; the other one was accepted.
            return _Refused(409, "replayed", "this signed request was already accepted").response
        log.info("alert %d accepted from %s", alert.id, incoming.source)
        return web.json_response({"id": alert.id, "status": "accepted"}, status=202)

    async def healthz(self, _request: web.Request) -> web.Response:
        """200 with component states when healthy, 503 otherwise."""
        report = await self._health()
        return web.json_response(report, status=200 if report.get("healthy") else 503)

    async def metrics(self, _request: web.Request) -> web.Response:
        """Prometheus metrics."""
        response = web.Response(body=self._metrics.render())
        response.headers["Content-Type"] = CONTENT_TYPE_LATEST
        return response

    async def _read_body(self, request: web.Request) -> bytes:
        limit = self._settings.max_body_bytes
        if request.content_length is not None and request.content_length > limit:
            raise _Refused(413, "too_large", f"body exceeds {limit} bytes")
        body = await request.content.read(limit + 1)
        if len(body) > limit:
            raise _Refused(413, "too_large", f"body exceeds {limit} bytes")
        return body

    def _verify(self, request: web.Request, body: bytes) -> Any:
        try:
            return verify(
                self._secret,
                body,
                request.headers.get(TIMESTAMP_HEADER),
                request.headers.get(SIGNATURE_HEADER),
                now=time.time(),
                max_skew_seconds=self._settings.max_clock_skew_seconds,
            )
        except SignatureError as exc:
            raise _Refused(401, "unauthorised", str(exc)) from None

    @staticmethod
    def _parse(body: bytes) -> IncomingAlert:
        try:
            data = json.loads(body)
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise _Refused(400, "malformed_json", str(exc)) from None
        try:
            return IncomingAlert.model_validate(data)
        except ValidationError as exc:
            detail = [
                {"field": ".".join(str(part) for part in error["loc"]), "problem": error["msg"]}
                for error in exc.errors(include_input=False, include_url=False)
            ]
            raise _Refused(422, "invalid_alert", detail) from None
