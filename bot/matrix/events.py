"""What the sync loop hands on: messages and reactions people sent in the bot's rooms.

Plain data, so transport needs nothing of the commands that handle them.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote


@dataclass(frozen=True)
class IncomingMessage:
    """A text message someone sent in a room the bot is in."""

    event_id: str
    room_id: str
    sender: str
    body: str
    # The thread's root event, for a message in a thread (for an edit: the edited one's,
    # which the sync loop looks up, as the edit itself does not say).
    thread_root: str | None = None
    edits: str | None = None  # the event this message replaces, for an edit (m.replace)


@dataclass(frozen=True)
class IncomingReaction:
    """An ``m.reaction`` someone sent in a room the bot is in."""

    event_id: str
    room_id: str
    sender: str
    reacts_to: str
    key: str


def incoming_message(
    event_id: str, room_id: str, sender: str, content: Mapping[str, Any]
) -> IncomingMessage:
    """The message with ``content`` as commands read it (see ``message_text``).

    An edit (``m.replace``) is read as its new text (``m.new_content``, else its fallback
    body without the "* " that marks it) and says which event it edits: whether its
    fallback is marked or not, nothing reads it as a new message.
    """
    edited = edited_event_of(content)
    if edited is None:
        return IncomingMessage(
            event_id, room_id, sender, message_text(content), thread_root_of(content)
        )
    new_content = content.get("m.new_content")
    if isinstance(new_content, Mapping) and isinstance(new_content.get("body"), str):
        body = message_text(new_content)
    else:
        body = _EDIT_MARK.sub("", message_text(content), count=1)
    return IncomingMessage(event_id, room_id, sender, body, edits=edited)


# What clients put before the fallback body of an edit (Element: " * ").
_EDIT_MARK = re.compile(r"^\s*\*\s?")


def edited_event_of(content: Mapping[str, Any]) -> str | None:
    """The event id a message (its ``content``) replaces, when it is an edit."""
    return _related_event(content, "m.replace")


def thread_root_of(content: Mapping[str, Any]) -> str | None:
    """The root event id when the message (its ``content``) is in a thread."""
    return _related_event(content, "m.thread")


def _related_event(content: Mapping[str, Any], rel_type: str) -> str | None:
    """The event a message (its ``content``) relates to by ``rel_type``, if it does.

    nio does not check ``m.relates_to`` of a message: a buggy client's that is not an
    object is no relation (raising here would fail, and re-read, the whole batch).
    """
    relation = content.get("m.relates_to")
    if not isinstance(relation, Mapping) or relation.get("rel_type") != rel_type:
        return None
    target = relation.get("event_id")
    return target if isinstance(target, str) else None


# One tag of formatted_body. It cannot span a "<", so finding every tag reads the text
# once: a pattern that looks ahead for an end (a closing tag, a ">") from every "<" takes
# minutes on one 60 kB message with many unclosed links, and blocks the whole bot.
_HTML_TAG = re.compile(r"<([^<>]*)>")
# A user pill's link (in an ``a`` tag): the user's matrix.to address (maybe %-encoded).
_PILL_HREF = re.compile(r"""\shref=["']https://matrix\.to/#/([^"'?/]+)""")


def _pills(formatted: str) -> Iterator[tuple[str, str]]:
    """(linked id, text shown) of each link to a matrix.to address in ``formatted``, in
    order, tags inside the text dropped; not those in the quote of a reply (``mx-reply``).
    """
    in_reply = False
    link: str | None = None
    shown: list[str] = []
    position = 0
    for tag in _HTML_TAG.finditer(formatted):
        if link is not None:
            shown.append(formatted[position : tag.start()])
        position = tag.end()
        name = (tag.group(1).split(maxsplit=1) or [""])[0].lower()
        if name in ("mx-reply", "/mx-reply"):
            in_reply = name == "mx-reply"
            link = None
        elif in_reply:
            continue
        elif name == "a":
            href = _PILL_HREF.search(tag.group(1))
            link, shown = (href.group(1) if href else None), []
        elif name == "/a" and link is not None:
            yield link, "".join(shown)
            link = None


def message_text(content: Mapping[str, Any]) -> str:
    """The text a person typed in a message with ``content``, as commands read it.

    Two things clients add to ``body`` are undone, so a command reads as typed: a reply's
    quoted fallback (``> <@user> ...`` lines and a blank line before the text), and the
    display name that a mention pill shows in plain text (Element writes "Bob" there and
    links ``@bob:server`` only in ``formatted_body``), which becomes the user id again.
    """
    body = str(content.get("body", ""))
    relation = content.get("m.relates_to") or {}
    replying = (
        isinstance(relation, Mapping)
        and "m.in_reply_to" in relation
        # In a thread the reply is only the fallback for clients without threads: no quote.
        and not relation.get("is_falling_back")
    )
    if replying and body.startswith(">"):
        lines = body.split("\n")
        quoted = next((i for i, line in enumerate(lines) if not line.startswith(">")), len(lines))
        if quoted < len(lines) and not lines[quoted].strip():
            quoted += 1
        body = "\n".join(lines[quoted:])
    formatted = content.get("formatted_body")
    if content.get("format") != "org.matrix.custom.html" or not isinstance(formatted, str):
        return body
    position = 0
    for linked, text in _pills(formatted):
        user_id = unquote(linked)
        shown = html.unescape(text).strip()
        if not (user_id.startswith("@") and ":" in user_id) or not shown:
            continue
        # Pills appear in body in the same order, so each is looked for after the last.
        found = body.find(shown, position)
        if found == -1:
            continue
        body = body[:found] + user_id + body[found + len(shown) :]
        position = found + len(user_id)
    return body
