"""Turning a chat message into exactly one command execution and its reply."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from bot import i18n
from bot.commands.access import AccessPolicy
from bot.commands.context import CommandContext
from bot.commands.registry import Command, Registry, UsageError, parse_invocation
from bot.errors import DomainError
from bot.i18n import Language
from bot.logs import request_context
from bot.matrix.content import text_content
from bot.metrics import Metrics
from bot.services import ServiceFactory, Services

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class IncomingMessage:
    """A text message someone sent in a room the bot is in."""

    event_id: str
    room_id: str
    sender: str
    body: str
    thread_root: str | None = None  # the thread's root event, for a message in a thread


ThreadReplyHandler = Callable[[CommandContext, "IncomingMessage"], Awaitable[None]]


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
    ) -> None:
        self._registry = registry
        self._thread_replies = thread_replies
        self._factory = factory
        self._access = access
        self._default_language = default_language
        self._timezone = timezone
        self._metrics = metrics

    async def handle(self, message: IncomingMessage) -> None:
        """Handle ``message`` if it is a command and was not handled before."""
        invocation = parse_invocation(message.body)
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
        try:
            async with self._factory.transaction() as services:
                # Claimed in the same transaction as the command's effects and reply, so a
                # crash either leaves all of them or none: the command runs exactly once.
                if not await services.handled_events.claim(message.event_id, message.room_id):
                    outcome = "duplicate"
                else:
                    lang = resolved[1] if resolved else self._default_language
                    context = self._context(services, message, lang)
                    outcome = await self._authorised_run(context, word, resolved, arguments)
        except Exception:
            log.exception("command %s (%s) failed", word, message.event_id)
            await self._report_failure(message, word, resolved)
            outcome = "error"
        self._metrics.commands.labels(command=label, outcome=outcome).inc()
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
        )

    async def _authorised_run(
        self,
        context: CommandContext,
        word: str,
        resolved: tuple[Command, Language] | None,
        arguments: str,
    ) -> str:
        role = self._access.role_of(context.sender)
        if role is None:
            log.warning(
                "refused command %s from non-member %s in %s", word, context.sender, context.room_id
            )
            await context.reply(context.text("error.not_authorised", sender=context.sender))
            return "refused"
        if resolved is None:
            # The language cannot be told from an unknown word: answer in both.
            await context.reply(
                i18n.text_in_both("error.unknown_command", context.lang, command="!" + word)
            )
            return "unknown"
        command = resolved[0]
        if role < command.role:
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
            return "refused"
        return await self._run(command, context, arguments)

    async def _handle_thread_reply(
        self, message: IncomingMessage, handler: ThreadReplyHandler
    ) -> None:
        """A plain message in a thread (e.g. the answer to a guided question), exactly once."""
        if self._access.role_of(message.sender) is None:
            return  # only the taskforce can answer; others are not refused out loud here
        try:
            async with self._factory.transaction() as services:
                if not await services.handled_events.claim(message.event_id, message.room_id):
                    return
                await handler(self._context(services, message, self._default_language), message)
        except Exception:
            log.exception("thread reply %s failed", message.event_id)

    async def _run(self, command: Command, context: CommandContext, arguments: str) -> str:
        session = context.services.session
        try:
            # A savepoint: a refused command leaves nothing behind but its reply.
            async with session.begin_nested():
                await command.handler(context, arguments)
        except UsageError as exc:
            usage = context.text("usage", usage=command.usage_line(context.lang))
            await context.reply(f"{usage}\n{exc}" if str(exc) else usage)
            return "usage"
        except DomainError as exc:
            await context.reply(context.text(exc.key, **exc.params))
            return "refused"
        return "ok"

    async def _report_failure(
        self, message: IncomingMessage, word: str, resolved: tuple[Command, Language] | None
    ) -> None:
        lang = resolved[1] if resolved else self._default_language
        reply = i18n.text("error.internal", lang, command="!" + word, ref=message.event_id)
        async with self._factory.transaction() as services:
            if await services.handled_events.claim(message.event_id, message.room_id):
                await services.outbox.post(
                    message.room_id, text_content(reply, reply_to=message.event_id)
                )
