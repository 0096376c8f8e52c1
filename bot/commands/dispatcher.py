"""Turning a chat message into exactly one command execution and its reply."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import replace

from bot import i18n
from bot.commands.access import AccessPolicy, Role
from bot.commands.arguments import UsageError
from bot.commands.context import CommandContext
from bot.commands.once import Event, run_once
from bot.commands.registry import Command, Registry, Scope, parse_invocation
from bot.errors import DomainError, NotCoordinationRoom
from bot.i18n import Language
from bot.logs import request_context
from bot.matrix.content import text_content
from bot.matrix.events import IncomingMessage
from bot.metrics import Metrics
from bot.services import ServiceFactory, Services

log = logging.getLogger(__name__)


ThreadReplyHandler = Callable[[CommandContext, IncomingMessage], Awaitable[None]]


class CommandDispatcher:
    """Authorises, de-duplicates and runs commands; every outcome is a reply."""

    def __init__(
        self,
        registry: Registry,
        factory: ServiceFactory,
        access: AccessPolicy,
        default_language: Language,
        timezone: str,
        metrics: Metrics,
        thread_replies: ThreadReplyHandler | None = None,
        coordination_room: str | None = None,
    ) -> None:
        self._registry = registry
        self._thread_replies = thread_replies
        self._factory = factory
        self._access = access
        self._default_language = default_language
        self._timezone = timezone
        self._metrics = metrics
        self._coordination_room = coordination_room

    async def handle(self, message: IncomingMessage) -> None:
        """Handle ``message`` if it is a command and was not handled before."""
        invocation = parse_invocation(message.body)
        if message.edits is not None:
            # An edit never runs: neither again (the original may have run) nor corrected.
            if invocation is not None:
                with request_context(message.event_id):
                    await self._answer_edit(message, invocation[0])
            return
        if invocation is None:
            if message.thread_root is not None and self._thread_replies is not None:
                await self._handle_thread_reply(message, self._thread_replies)
            return
        # Every log line of this command carries its event id, the "ref" users are shown.
        with request_context(message.event_id):
            await self._handle(message, *invocation)

    async def _handle(self, message: IncomingMessage, word: str, arguments: str) -> None:
        resolved = self._registry.resolve(word)
        label = resolved[0].name if resolved else "unknown"
        lang = resolved[1] if resolved else self._default_language
        # An unknown word is answered to every taskforce member, observers included.
        needs = resolved[0].role if resolved else Role.OBSERVER

        async def act(services: Services) -> None:
            context = self._context(services, message, lang)
            if resolved is None:
                # The language cannot be told from an unknown word: answer in both.
                await context.reply(
                    i18n.text_in_both("error.unknown_command", lang, command="!" + word)
                )
                return
            await self._run(resolved[0], context, arguments)

        async def refuse(services: Services, role: Role | None) -> None:
            await self._refuse(self._context(services, message, lang), word, resolved, role)

        async def answer_error(services: Services, exc: DomainError | UsageError) -> None:
            context = self._context(services, message, lang)
            if isinstance(exc, DomainError):
                await context.reply(context.text(exc.key, **exc.params))
                return
            assert resolved is not None  # only a known command reads arguments
            usage = context.text("usage", usage=exc.usage or resolved[0].usage_line(lang))
            await context.reply(f"{usage}\n{exc}" if str(exc) else usage)

        def count(outcome: str) -> None:
            self._metrics.commands.labels(command=label, outcome=shown(outcome)).inc()

        def shown(outcome: str) -> str:
            return "unknown" if outcome == "ok" and resolved is None else outcome

        event = Event(message.event_id, message.room_id, message.sender)
        outcome = await run_once(
            self._factory,
            self._access,
            event,
            needs,
            act,
            refuse=refuse,
            on_error=answer_error,
            on_outcome=count,
        )
        if outcome == "error":
            await self._report_failure(message, word, lang)
        outcome = shown(outcome)
        # The command's name only: its arguments are message text and stay out of the logs.
        log.info("command %s from %s in %s: %s", label, message.sender, message.room_id, outcome)

    def _context(
        self, services: Services, message: IncomingMessage, lang: Language
    ) -> CommandContext:
        return CommandContext(
            services=services,
            registry=self._registry,
            sender=message.sender,
            room_id=message.room_id,
            event_id=message.event_id,
            lang=lang,
            timezone=self._timezone,
            thread_root=message.thread_root,
        )

    async def _refuse(
        self,
        context: CommandContext,
        word: str,
        resolved: tuple[Command, Language] | None,
        role: Role | None,
    ) -> None:
        if role is None or resolved is None:
            log.warning(
                "refused command %s from non-member %s in %s", word, context.sender, context.room_id
            )
            await context.reply(context.text("error.not_authorised", sender=context.sender))
            return
        command = resolved[0]
        log.warning(
            "refused command %s from %s (%s, needs %s)",
            word,
            context.sender,
            role.name.lower(),
            command.role.name.lower(),
        )
        await context.reply(
            context.text(
                "error.role_required",
                command=command.invocation(context.lang),
                role=context.text(f"role.{command.role.name.lower()}"),
            )
        )

    async def _run(self, command: Command, context: CommandContext, arguments: str) -> None:
        """Pick the subcommand, parse the arguments, check the scope, run the handler."""
        child, arguments = command.pick(context, arguments)
        leaf = child or command
        assert leaf.handler is not None  # a parent with subcommands always picks one
        try:
            values = leaf.spec.parse(context, arguments)
        except UsageError as exc:
            if child is None:
                raise
            # The usage shown is the subcommand's own, not every subcommand's.
            raise UsageError(str(exc), usage=command.usage_line(context.lang, child)) from None
        # A malformed command gets its usage wherever it is typed, before the room is checked.
        context = await self._in_scope(command, context)
        await leaf.handler(context, **values)

    async def _in_scope(self, command: Command, context: CommandContext) -> CommandContext:
        """``context`` for a command typed in a room its scope allows; DomainError if not."""
        scope = command.scope
        if scope is Scope.INCIDENT_ROOM:
            situation = await context.services.situations.by_incident_room(context.room_id)
            return replace(context, situation=situation)
        if scope is Scope.COORDINATION_ROOM and context.room_id != self._coordination_room:
            raise NotCoordinationRoom(command=command.invocation(context.lang))
        return context

    async def _handle_thread_reply(
        self, message: IncomingMessage, handler: ThreadReplyHandler
    ) -> None:
        """A plain message in a thread (e.g. the answer to a guided question), exactly once.

        Only the taskforce can answer; others are not refused out loud here.
        """

        async def act(services: Services) -> None:
            await handler(self._context(services, message, self._default_language), message)

        event = Event(message.event_id, message.room_id, message.sender)
        await run_once(self._factory, self._access, event, Role.OBSERVER, act)

    async def _answer_edit(self, message: IncomingMessage, word: str) -> None:
        """An edit whose new text is a command: say once, replying to the edited message
        (in its thread, if any), that it is not run. Only the taskforce is answered."""
        assert message.edits is not None
        edited = message.edits
        resolved = self._registry.resolve(word)
        lang = resolved[1] if resolved else self._default_language

        async def act(services: Services) -> None:
            reply = (i18n.text if resolved else i18n.text_in_both)(
                "error.edited_command", lang, command="!" + word
            )
            await services.outbox.post(
                message.room_id,
                text_content(reply, reply_to=edited, thread_root=message.thread_root),
            )

        event = Event(message.event_id, message.room_id, message.sender)
        outcome = await run_once(self._factory, self._access, event, Role.OBSERVER, act)
        log.info("edited command from %s in %s: %s", message.sender, message.room_id, outcome)

    async def _report_failure(self, message: IncomingMessage, word: str, lang: Language) -> None:
        reply = i18n.text("error.internal", lang, command="!" + word, ref=message.event_id)
        async with self._factory.transaction() as services:
            if await services.handled_events.claim(message.event_id, message.room_id):
                await services.outbox.post(
                    message.room_id,
                    text_content(reply, reply_to=message.event_id, thread_root=message.thread_root),
                )
