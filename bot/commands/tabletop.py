"""``!drill tabletop``: the bot walks a fallback option's owner through a tabletop checklist
in a thread, then records the answers as a test of kind ``tabletop``."""

from __future__ import annotations

from dataclasses import replace

from bot import i18n
from bot.commands.arguments import CANCEL_WORDS
from bot.commands.context import CommandContext
from bot.commands.fallbacks import duration_minutes, record_test, roles_held
from bot.errors import FallbackTestRefused, UnknownFallback
from bot.matrix.events import IncomingMessage
from bot.storage.models import TabletopDraftRecord
from bot.suppliers.freshness import RESULT_WORDS, DrillKind


async def tabletop(context: CommandContext, key: str) -> None:
    """``<fallback-id>``: start the checklist in a thread (see ``form_thread``), by the
    option's owner or a coordinator (the same people who record its tests)."""
    services = context.services
    situation = await services.situations.in_room(context.room_id)
    option = await services.fallbacks.testable(
        key, context.sender, await roles_held(context, situation)
    )
    draft = await services.tabletops.start(
        option.key, context.room_id, await context.form_thread(), context.sender, context.lang
    )
    await _ask(context, draft)


async def continue_tabletop(context: CommandContext, message: IncomingMessage) -> None:
    """A message in a thread: the next answer of a tabletop checklist by the same sender."""
    services = context.services
    assert message.thread_root is not None  # the dispatcher only passes thread messages
    draft = await services.tabletops.find(message.room_id, message.thread_root)
    if draft is None or draft.sender != message.sender:
        return
    context = replace(context, lang=i18n.language_of(draft.lang), event_id=message.event_id)
    answer = message.body.strip()
    if answer.lower() in CANCEL_WORDS:
        await services.tabletops.discard(draft)
        await _post(context, draft, context.text("tabletop.cancelled"))
        return
    if not answer:
        await _ask(context, draft)
        return
    if draft.asking == "result" and answer.lower() not in RESULT_WORDS:
        await _post(context, draft, context.text("tabletop.not_a_result", word=answer))
        await _ask(context, draft)
        return
    if await services.tabletops.fill(draft, answer) is not None:
        await _ask(context, draft)
        return
    answers = dict(draft.answers)
    await services.tabletops.discard(draft)
    try:
        reply = await record_test(
            context,
            draft.fallback_key,
            RESULT_WORDS[answers["result"].lower()],
            duration_minutes(answers["duration"]),
            DrillKind.TABLETOP,
            context.text(
                "tabletop.notes",
                switches=answers["switches"],
                duration=answers["duration"],
                data=answers["data"],
                informed=answers["informed"],
            ),
        )
    except (UnknownFallback, FallbackTestRefused) as exc:
        # The option left the registry or changed owner since the checklist started: checked
        # before anything is written, so the answer says why and the checklist ends.
        reply = context.text(exc.key, **exc.params)
    await _post(context, draft, reply)


async def _ask(context: CommandContext, draft: TabletopDraftRecord) -> None:
    text = context.text(f"tabletop.ask.{draft.asking}", fallback=draft.fallback_key)
    await _post(context, draft, text)


async def _post(context: CommandContext, draft: TabletopDraftRecord, text: str) -> None:
    """``text`` in the checklist's thread, replying to the message being answered."""
    await context.reply_in_thread(draft.thread_root, text)
