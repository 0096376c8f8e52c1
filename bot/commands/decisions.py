"""``!decide``: record a decision inline, or guided field by field in a thread."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import datetime
from functools import partial
from typing import Any

from bot import i18n
from bot.commands.arguments import CANCEL_WORDS, MOMENT, TEXT, Arg, Flag, Spec
from bot.commands.context import CommandContext
from bot.commands.journal import CONFIDENTIAL
from bot.commands.registry import Command, Scope
from bot.decisionlog.decisions import option
from bot.decisionlog.drafts import REQUIRED_FIELDS
from bot.decisionlog.grounds import BY_KEY, Withheld
from bot.decisionlog.payloads import DECISION, Option
from bot.errors import InvalidMoment, MomentInThePast
from bot.matrix.events import IncomingMessage

Reply = Callable[[str], Awaitable[None]]

_SKIP = "-"


async def decide(
    context: CommandContext,
    decision: str | None,
    rationale: str | None,
    options: str | None,
    information: str | None,
    review: datetime | None,
    confidential: Withheld | None,
) -> None:
    """Record the decision when decision and rationale are given; otherwise ask in a thread."""
    given = {
        "decision": decision,
        "rationale": rationale,
        "options": options,
        "information": information,
        # Drafts are stored as JSON: the moment as ISO text.
        "review": review.isoformat() if review else None,
    }
    # Drafts are stored as JSON: the ground as its key.
    fields: dict[str, Any] = {"confidential": confidential is not None}
    if confidential is not None and confidential.ground is not None:
        fields["ground"] = confidential.ground.key
    fields.update({name: value for name, value in given.items() if value is not None})
    situation = context.incident
    if fields.keys() >= REQUIRED_FIELDS:
        await _record(context, situation.id, fields, reply=context.reply)
        return
    root = await context.form_thread()
    draft = await context.services.decision_drafts.start(
        situation.id, context.room_id, root, context.sender, context.lang, fields
    )
    await _ask(context, root, draft.asking)


async def continue_guided(context: CommandContext, message: IncomingMessage) -> None:
    """A message in a thread: the next answer of a guided decision by the same sender."""
    services = context.services
    assert message.thread_root is not None  # the dispatcher only passes thread messages
    draft = await services.decision_drafts.find(message.room_id, message.thread_root)
    if draft is None or draft.sender != message.sender:
        return
    context = replace(context, lang=i18n.language_of(draft.lang), event_id=message.event_id)
    root = draft.thread_root
    answer = message.body.strip()
    reply = partial(context.reply_in_thread, root)

    if answer.lower() in CANCEL_WORDS:
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
    await context.reply_in_thread(root, context.text(f"guided.ask.{field}"))


def parse_options(text: str | None, decision: str) -> list[Option]:
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
        withheld=Withheld(BY_KEY.get(fields.get("ground", "")))
        if fields.get("confidential", False)
        else None,
    )
    payload = DECISION.of(entry)
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
            options=[each["option"] for each in payload.get("options", [])],
            information=payload.get("information") or "-",
            present=payload.get("present", []),
        ),
    ]
    if review_at is not None:
        lines.append(context.text("decision.review_set", time=context.time(review_at)))
    await reply("\n".join(lines))


COMMANDS = [
    Command(
        name="decide",
        alias="besluit",
        spec=Spec(
            (Arg("decision", TEXT, {"en": "<decision>", "nl": "<besluit>"}, asked=True),),
            (
                Flag(
                    "rationale",
                    {"en": "--why", "nl": "--waarom"},
                    TEXT,
                    {"en": "<rationale>", "nl": "<reden>"},
                    asked=True,
                ),
                Flag(
                    "options",
                    {"en": "--options", "nl": "--opties"},
                    TEXT,
                    {"en": '"a: why not; b"', "nl": '"a: waarom niet; b"'},
                ),
                Flag(
                    "information",
                    {"en": "--info", "nl": "--info"},
                    TEXT,
                    {"en": "<text>", "nl": "<tekst>"},
                ),
                Flag(
                    "review",
                    {"en": "--review", "nl": "--herzien"},
                    MOMENT,
                    {"en": "<time>", "nl": "<tijd>"},
                ),
                CONFIDENTIAL,
            ),
        ),
        scope=Scope.INCIDENT_ROOM,
        readme="in an incident room: record a decision with rationale, options weighed (and why "
        "not), information available, who decided and who was present, and a review moment "
        "(the bot reminds the room then). Without `--why` the bot asks for the missing fields "
        "one by one in a thread (answer in the thread; `-` skips an optional field, `stop` "
        "cancels); the draft survives a restart",
        summary={
            "en": "record a decision with rationale, options, information and review moment "
            "(without --why: guided, in a thread)",
            "nl": "een besluit vastleggen met reden, opties, informatie en herzieningsmoment "
            "(zonder --waarom: stap voor stap, in een thread)",
        },
        handler=decide,
    )
]
