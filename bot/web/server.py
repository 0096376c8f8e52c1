"""The web view's routes, mounted on the intake's aiohttp application under a prefix.

Every response carries a strict Content-Security-Policy (inline style and script only
with the response's nonce). Every page but the login and logout ones needs a session
cookie whose holder is in the taskforce *now*: removal from the taskforce takes effect at
the next request, and the live stream ends at its next look. Membership of the taskforce
room is read from the database, where the active instance stores it, so every instance,
active or passive, answers alike.
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

from aiohttp import web
from aiohttp.typedefs import Handler
from sqlalchemy.ext.asyncio import AsyncSession

from bot.alerts.model import without_nul
from bot.commands.access import AccessPolicy, stored_room_members
from bot.config import Settings
from bot.errors import SituationNotFound
from bot.i18n import LANGUAGES, Language, text
from bot.playbooks.catalog import PlaybookCatalog
from bot.reports.formats import FORMATS
from bot.reports.view import build_view
from bot.row_ids import row_id
from bot.services import ServiceFactory
from bot.suppliers.concentration import freshness, ranked, weight
from bot.suppliers.fallbacks import FallbackState
from bot.suppliers.file import Criticality
from bot.suppliers.freshness import not_current
from bot.web.credentials import SESSION, WebCredentials
from bot.web.graph import FallbackLabels, layout
from bot.web.picture import (
    ALERT_STATES,
    COLUMNS,
    AlertFilter,
    alert_choices,
    exercise_running,
    fingerprint,
    picture,
    recent_alerts,
)
from bot.web.render import render_page
from bot.web.situation_page import situation_page

SESSION_COOKIE = "weerbaar_session"
LANG_COOKIE = "weerbaar_lang"
_NONCE = web.RequestKey("weerbaar_web_nonce", str)
_USER = web.RequestKey("weerbaar_web_user", str)
_PUBLIC = frozenset({"login", "logout"})
_CSP = (
    "default-src 'none'; style-src 'nonce-{nonce}'; script-src 'nonce-{nonce}'; "
    "connect-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; "
    "base-uri 'none'"
)


class WebView:
    """The read-only pages of the situational picture."""

    def __init__(
        self,
        factory: ServiceFactory,
        catalog: PlaybookCatalog | None,
        in_taskforce: Callable[[AsyncSession, str], Awaitable[bool]],
        *,
        language: Language,
        timezone: str,
        prefix: str,
        secure_cookie: bool,
        session_hours: int,
        poll_seconds: float,
    ) -> None:
        self._factory = factory
        self._catalog = catalog
        self._in_taskforce = in_taskforce
        self._language = language
        self._timezone = timezone
        self._prefix = prefix
        self._secure = secure_cookie
        self._session_for = timedelta(hours=session_hours)
        self._poll_seconds = poll_seconds
        self._closing = asyncio.Event()

    def mount(self, app: web.Application) -> None:
        """Add the web view to ``app`` under the prefix."""
        sub = web.Application(middlewares=[self._headers, self._authenticate])
        sub.router.add_get("/", self.picture_page, name="picture")
        sub.router.add_get("/events", self.events, name="events")
        sub.router.add_get("/alerts", self.alerts_page, name="alerts")
        sub.router.add_get("/suppliers", self.suppliers_page, name="suppliers")
        sub.router.add_get(r"/situations/{id:\d+}", self.situation_page, name="situation")
        sub.router.add_get(
            r"/situations/{id:\d+}/report.{ext:[a-z]+}", self.report_download, name="report"
        )
        sub.router.add_get("/login", self.login_page, name="login")
        sub.router.add_post("/login", self.login, name="login_post")
        sub.router.add_route("*", "/logout", self.logout, name="logout")
        app.add_subapp(self._prefix, sub)
        app.on_shutdown.append(self._shut_down)

    # --- middlewares ---

    @web.middleware
    async def _headers(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        """A fresh nonce per response, the policy that allows only it, and no caching."""
        nonce = secrets.token_urlsafe(16)
        request[_NONCE] = nonce
        try:
            response = await handler(request)
        except web.HTTPException as exc:
            _protect(exc, nonce)
            raise
        if not response.prepared:  # a stream sent its headers itself, protected alike
            _protect(response, nonce)
        return response

    @web.middleware
    async def _authenticate(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        """Pages need a live session of someone in the taskforce; else 403 and nothing."""
        route = request.match_info.route.name
        if route is not None and route.removesuffix("_post") in _PUBLIC:
            return await handler(request)
        user = await self._session_user(request)
        if user is None:
            return self._message(request, 403, "web.login_title", "web.forbidden")
        request[_USER] = user
        return await handler(request)

    async def _session_user(self, request: web.Request) -> str | None:
        secret = request.cookies.get(SESSION_COOKIE)
        if not secret:
            return None
        async with self._factory.transaction() as services:
            user = await WebCredentials(services.session).holder(
                SESSION, secret, services.clock.now()
            )
            if user is None or not await self._in_taskforce(services.session, user):
                return None
        return user

    # --- login and logout ---

    async def login_page(self, request: web.Request) -> web.Response:
        """The link from the chat: a button that logs in.

        Opening the link changes nothing: chat clients fetch links for previews, and that
        fetch must not use up the one-time link. The button posts it.
        """
        token = request.query.get("token", "")
        return self._page(
            request,
            "message.html.j2",
            heading=self._text(request, "web.login_title"),
            message=self._text(request, "web.login_prompt"),
            token=token,
        )

    async def login(self, request: web.Request) -> web.Response:
        """Use the one-time link and start a session for its holder."""
        form = await request.post()
        token = str(form.get("token", ""))
        async with self._factory.transaction() as services:
            credentials = WebCredentials(services.session)
            now = services.clock.now()
            user = await credentials.redeem_link(token, now) if token else None
            session = None
            if user is not None and await self._in_taskforce(services.session, user):
                session = await credentials.issue(SESSION, user, now, self._session_for)
        if session is None:
            return self._message(request, 403, "web.login_title", "web.login_failed")
        response = web.HTTPSeeOther(self._prefix + "/")
        response.set_cookie(
            SESSION_COOKIE,
            session,
            max_age=int(self._session_for.total_seconds()),
            path=self._prefix,
            httponly=True,
            secure=self._secure,
            samesite="Strict",
        )
        raise response

    async def logout(self, request: web.Request) -> web.Response:
        """End the session (if any) and forget the cookie."""
        secret = request.cookies.get(SESSION_COOKIE)
        if secret:
            async with self._factory.transaction() as services:
                await WebCredentials(services.session).end(SESSION, secret, services.clock.now())
        response = self._message(request, 200, "web.logout", "web.logged_out")
        response.del_cookie(SESSION_COOKIE, path=self._prefix)
        return response

    # --- pages ---

    async def picture_page(self, request: web.Request) -> web.Response:
        """Open situations in columns by phase; live through ``/events``."""
        async with self._factory.transaction() as services:
            # Taken first: a change while the picture is read then reloads it once more
            # rather than being missed.
            shown = await fingerprint(services)
            columns = await picture(services, self._catalog)
        exercise = any(card.situation.is_exercise for cards in columns.values() for card in cards)
        return self._page(
            request,
            "picture.html.j2",
            columns=[(phase.value, columns[phase]) for phase in COLUMNS],
            exercise=exercise,
            refresh=True,
            shown=shown,
        )

    async def situation_page(self, request: web.Request) -> web.Response:
        """One situation: chain status first, steps, decisions, one merged timeline."""
        lang = self._lang(request)
        situation_id = _situation_id(request)
        if situation_id is None:
            return self._message(request, 404, "web.title", "web.not_found")
        async with self._factory.transaction() as services:
            try:
                page = await situation_page(
                    services, situation_id, self._catalog, lang, self._timezone
                )
            except SituationNotFound:
                return self._message(request, 404, "web.title", "web.not_found")
        return self._page(
            request,
            "situation.html.j2",
            r=page.view,
            checkpoint=page.checkpoint,
            decisions_total=page.decisions_total,
            timeline=page.timeline,
            timeline_total=page.timeline_total,
            formats=list(FORMATS.values()),
            exercise=page.view["situation"]["is_exercise"],
        )

    async def report_download(self, request: web.Request) -> web.Response:
        """The situation's report in one of the report formats, rendered by ``bot.reports``."""
        lang = self._lang(request)
        situation_id = _situation_id(request)
        fmt = next((f for f in FORMATS.values() if f.extension == request.match_info["ext"]), None)
        if situation_id is None:
            return self._message(request, 404, "web.title", "web.not_found")
        async with self._factory.transaction() as services:
            try:
                report = await services.reports.gather(situation_id)
            except SituationNotFound:
                report = None
            view = (
                build_view(report, lang, self._timezone, services.clock.now())
                if report is not None
                else None
            )
        if fmt is None or view is None:
            return self._message(request, 404, "web.title", "web.not_found")
        body = fmt.render(view, lang, self._timezone)
        name = f"situation-{situation_id}.{fmt.extension}"
        return web.Response(
            body=body,
            content_type=fmt.mimetype,
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )

    async def alerts_page(self, request: web.Request) -> web.Response:
        """Recent alerts, filtered by supplier, source and state."""
        state = request.query.get("state", "")
        # As the intake stored them: without NUL, which PostgreSQL refuses in a parameter.
        wanted = AlertFilter(
            supplier=without_nul(request.query.get("supplier", "")),
            source=without_nul(request.query.get("source", "")),
            state=state if state in ALERT_STATES else "",
        )
        async with self._factory.transaction() as services:
            alerts = await recent_alerts(services, wanted)
            suppliers, sources = await alert_choices(services)
        return self._page(
            request,
            "alerts.html.j2",
            alerts=alerts,
            wanted=wanted,
            suppliers=suppliers,
            sources=sources,
            states=ALERT_STATES,
            exercise=any(alert.exercise for alert in alerts),
        )

    async def suppliers_page(self, request: web.Request) -> web.Response:
        """The registry, the concentration graph and the fallbacks that are not current."""
        lang = self._lang(request)
        async with self._factory.transaction() as services:
            views = await services.suppliers.all_views()
            states = await services.fallbacks.states()
            exercise = await exercise_running(services)
        heaviest = ranked(views)
        rest = [view for view in views if view not in heaviest]
        labels = {level.value: text(f"criticality.{level.value}", lang) for level in Criticality}

        def box_line(state: FallbackState) -> str:
            status = text(f"fallback_status.{state.status.value}", lang)
            if state.last is None:
                return text("web.fallback_state", lang, status=status)
            day = state.last.tested_on.isoformat()
            return text("web.fallback_state_dated", lang, status=status, date=day)

        fallback = FallbackLabels(none=text("web.fallback_none", lang), state=box_line)
        return self._page(
            request,
            "suppliers.html.j2",
            graph=layout(heaviest, labels, states, fallback),
            stale=[(state, freshness(state, lang)) for state in not_current(states)],
            registry=[(view, weight(view)) for view in [*heaviest, *rest]],
            exercise=exercise,
        )

    async def events(self, request: web.Request) -> web.StreamResponse:
        """Server-sent events: ``changed`` whenever the picture may have changed.

        Compared with ``since``, the fingerprint of the picture the page shows: the browser
        opens the stream again after the bot restarted or a proxy cut it, and a change in
        between is said at once. Looks every ``poll_seconds``; ends when the session ends or
        its holder leaves the taskforce, so the page's reload then shows the refusal.
        """
        response = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
        _protect(response, request[_NONCE])
        await response.prepare(request)
        async with self._factory.transaction() as services:
            seen = await fingerprint(services)
        if request.query.get("since", seen) != seen:
            await response.write(b"event: changed\ndata: picture\n\n")
        while not self._closing.is_set() and not _gone(request):
            if await self._session_user(request) is None:
                await response.write(b"event: changed\ndata: session\n\n")
                break
            async with self._factory.transaction() as services:
                current = await fingerprint(services)
            if current != seen:
                seen = current
                await response.write(b"event: changed\ndata: picture\n\n")
            # Wakes at once when the server shuts down, so a stop does not wait for it.
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._closing.wait(), self._poll_seconds)
        return response

    async def _shut_down(self, _app: web.Application) -> None:
        """Let open streams end: shutdown waits for running handlers."""
        self._closing.set()

    # --- helpers ---

    def _lang(self, request: web.Request) -> Language:
        asked = request.query.get("lang") or request.cookies.get(LANG_COOKIE)
        return asked if asked in LANGUAGES else self._language

    def _text(self, request: web.Request, key: str) -> str:
        return text(key, self._lang(request))

    def _page(self, request: web.Request, template: str, **context: Any) -> web.Response:
        lang = self._lang(request)
        context.setdefault("exercise", False)
        context.setdefault("refresh", False)
        html = render_page(
            template,
            lang,
            self._timezone,
            prefix=self._prefix,
            nonce=request[_NONCE],
            user=request.get(_USER),
            **context,
        )
        response = web.Response(text=html, content_type="text/html")
        if request.query.get("lang") == lang:
            response.set_cookie(
                LANG_COOKIE, lang, path=self._prefix, samesite="Strict", secure=self._secure
            )
        return response

    def _message(
        self, request: web.Request, status: int, heading: str, message: str
    ) -> web.Response:
        response = self._page(
            request,
            "message.html.j2",
            heading=self._text(request, heading),
            message=self._text(request, message),
            token="",
        )
        response.set_status(status)
        return response


def _protect(response: web.StreamResponse, nonce: str) -> None:
    """The headers every response carries: the strict policy with this nonce, no caching."""
    headers = response.headers
    headers["Content-Security-Policy"] = _CSP.format(nonce=nonce)
    headers["X-Content-Type-Options"] = "nosniff"
    headers["Referrer-Policy"] = "no-referrer"
    headers["Cache-Control"] = "no-store"


def _situation_id(request: web.Request) -> int | None:
    """The path's situation id, or None when it is larger than any row's id can be (the
    route lets only digits through, but of any length)."""
    return row_id(request.match_info["id"])


def _gone(request: web.Request) -> bool:
    """Whether the browser closed the connection (a stream would otherwise poll on)."""
    return request.transport is None or request.transport.is_closing()


def web_view(settings: Settings, factory: ServiceFactory, access: AccessPolicy) -> WebView:
    """The web view as ``settings`` configure it, for the taskforce ``access`` knows.

    The taskforce room's members come from the database, not from ``access``: only the
    active instance reads the room, and an instance that stepped down or never was active
    would otherwise admit whom the room had, or refuse whom it has.
    """

    async def in_taskforce(session: AsyncSession, user_id: str) -> bool:
        room_members = await stored_room_members(session, settings.taskforce_room)
        return access.role_among(user_id, room_members) is not None

    web_settings = settings.web
    return WebView(
        factory,
        factory.playbooks,
        in_taskforce,
        language=settings.language,
        timezone=settings.timezone,
        prefix=web_settings.path_prefix,
        secure_cookie=web_settings.secure_cookie,
        session_hours=web_settings.session_hours,
        poll_seconds=web_settings.poll_seconds,
    )
