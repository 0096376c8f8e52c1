"""``!decide``: record a decision inline, or guided field by field in a thread."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

from bot.commands.context import CommandContext
from bot.commands.flags import split_flags
from bot.commands.registry import Command
from bot.decisionlog.decisions import option
from bot.decisionlog.drafts import REQUIRED_FIELDS
from bot.errors import InvalidMoment, MomentInThePast
from bot.i18n import Language
from bot.matrix.content import in_thread, text_content

if TYPE_CHECKING:
    from bot.commands.dispatcher import IncomingMessage

Reply = Callable[[str], Awaitable[None]]

_VALUED = {
    "--why": "rationale",
    "--waarom": "rationale",
    "--options": "options",
    "--opties": "options",
    "--info": "information",
    "--review": "review",
    "--herzien": "review",
}
_CONFIDENTIAL = {"--confidential": "confidential", "--vertrouwelijk": "confidential"}
_SKIP = "-"
_CANCEL = frozenset({"stop", "cancel", "annuleer"})


async def decide(context: CommandContext, arguments: str) -> None:
    """Record the decision when decision and rationale are given; otherwise ask in a thread."""
    decision, values, switches = split_flags(arguments, _VALUED, _CONFIDENTIAL)
    fields: dict[str, Any] = {"confidential": "confidential" in switches}
    if decision:
        fields["decision"] = decision
    fields.update(values)
    if "review" in fields:
        fields["review"] = _moment(context, fields["review"])
    situation = await context.services.situations.by_incident_room(context.room_id)
    if fields.keys() >= REQUIRED_FIELDS:
        await _record(context, situation.id, fields, reply=context.reply)
        return
    draft = await context.services.decision_drafts.start(
        situation.id, context.room_id, context.event_id, context.sender, context.lang, fields
    )
    await _ask(context, context.event_id, draft.asking)


async def continue_guided(context: CommandContext, message: IncomingMessage) -> None:
    """A message in a thread: the next answer of a guided decision by the same sender."""
    services = context.services
    assert message.thread_root is not None  # the dispatcher only passes thread messages
    draft = await services.decision_drafts.find(message.room_id, message.thread_root)
    if draft is None or draft.sender != message.sender:
        return
    lang: Language = "en" if draft.lang == "en" else "nl"
    context = replace(context, lang=lang, event_id=message.event_id)
    root = draft.thread_root
    answer = message.body.strip()

    async def reply(plain: str) -> None:
        await services.outbox.post(
            context.room_id, in_thread(text_content(plain), root, message.event_id)
        )

    if answer.lower() in _CANCEL:
        await services.decision_drafts.discard(draft)
        await reply(context.text("guided.cancelled"))
        return
    field = draft.asking
    value: Any = answer
    if answer == _SKIP and field not in REQUIRED_FIELDS:
        value = None
    elif not answer:
        await _ask(context, root, field)
        return
    elif field == "review":
        try:
            value = _moment(context, answer)
        except (InvalidMoment, MomentInThePast) as exc:
            await reply(context.text(exc.key, **exc.params))
            await _ask(context, root, field)
            return
    if await services.decision_drafts.fill(draft, field, value) is not None:
        await _ask(context, root, draft.asking)
        return
    fields = dict(draft.fields)
    await services.decision_drafts.discard(draft)
    await _record(context, draft.situation_id, fields, reply=reply)


def _moment(context: CommandContext, text: str) -> str:
    """The review moment as ISO text (drafts are stored as JSON)."""
    return context.moment(text).isoformat()


async def _ask(context: CommandContext, root: str, field: str) -> None:
    await context.services.outbox.post(
        context.room_id,
        in_thread(text_content(context.text(f"guided.ask.{field}")), root, context.event_id),
    )


def parse_options(text: str | None, decision: str) -> list[dict[str, Any]]:
    """``"wait: no ETA; fail over"`` as options; the one equal to the decision is chosen."""
    options = []
    for part in (text or "").split(";"):
        name, _, why_not = part.partition(":")
        if name.strip():
            chosen = name.strip().casefold() == decision.strip().casefold()
            options.append(option(name.strip(), chosen=chosen, why_not=why_not.strip() or None))
    return options


async def _record(
    context: CommandContext, situation_id: int, fields: dict[str, Any], *, reply: Reply
) -> None:
    services = context.services
    review = fields.get("review")
    review_at = datetime.fromisoformat(review) if review else None
    options = parse_options(fields.get("options"), fields["decision"])
    present = await services.presence.present(context.room_id)
    entry = await services.decisions.decide(
        situation_id,
        context.sender,
        fields["decision"],
        fields["rationale"],
        options=options,
        information=fields.get("information") or None,
        present=present,
        review_at=review_at,
        disclosable=not fields.get("confidential", False),
    )
    payload = entry.payload
    lines = [
        context.text(
            "decision.recorded",
            seq=entry.seq,
            decision=payload["decision"],
            rationale=payload["rationale"],
            actor=context.sender,
            time=context.time(entry.occurred_at),
        ),
        context.text(
            "decision.details",
            options=[each["option"] for each in payload["options"]],
            information=payload["information"] or "-",
            present=payload["present"],
        ),
    ]
    if review_at is not None:
        lines.append(context.text("decision.review_set", time=context.time(review_at)))
    await reply("\n".join(lines))


COMMANDS = [
    Command(
        name="decide",
        alias="besluit",
        usage={
            "en": '<decision> --why <rationale> [--options "a: why not; b"] [--info <text>] '
            "[--review <time>] [--confidential] (without --why: guided, in a thread)",
            "nl": '<besluit> --waarom <reden> [--opties "a: waarom niet; b"] [--info <tekst>] '
            "[--herzien <tijd>] [--vertrouwelijk] (zonder --waarom: stap voor stap, in een thread)",
        },
        summary={
            "en": "record a decision with rationale, options, information and review moment",
            "nl": "een besluit vastleggen met reden, opties, informatie en herzieningsmoment",
        },
        handler=decide,
    )
]
