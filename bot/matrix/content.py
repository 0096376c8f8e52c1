"""Building Matrix event contents for the bot's messages."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import nh3

HTML_FORMAT = "org.matrix.custom.html"


def text_content(
    plain: str,
    html: str | None = None,
    *,
    reply_to: str | None = None,
    thread_root: str | None = None,
    mentions: Sequence[str] = (),
) -> dict[str, Any]:
    """A notice with a plain-text body and optional HTML, optionally replying to an event
    (in the thread of ``thread_root`` when that event is in a thread, see ``reply_relation``).

    The HTML is sanitised here, once, so no caller can send unsafe markup. ``mentions``
    are the user ids the message is meant for (``m.mentions``, so their clients notify them).
    """
    content: dict[str, Any] = {"msgtype": "m.notice", "body": plain}
    if mentions:
        content["m.mentions"] = {"user_ids": list(mentions)}
    if html is not None:
        content["format"] = HTML_FORMAT
        content["formatted_body"] = nh3.clean(html)
    if reply_to is not None:
        content["m.relates_to"] = reply_relation(reply_to, thread_root)
    return content


def reply_relation(reply_to: str, thread_root: str | None) -> dict[str, Any]:
    """The ``m.relates_to`` of a reply to ``reply_to``, which is in the thread of
    ``thread_root`` if that is given.

    A reply to a message in a thread must stay in that thread: a plain reply lands in the
    main timeline of a client that shows threads, away from the question. In the thread it
    is a real reply (``is_falling_back`` false), so clients show it quoting ``reply_to``.
    """
    if thread_root is None:
        return {"m.in_reply_to": {"event_id": reply_to}}
    return {
        "rel_type": "m.thread",
        "event_id": thread_root,
        "is_falling_back": False,
        "m.in_reply_to": {"event_id": reply_to},
    }


def file_content(
    filename: str,
    mimetype: str,
    size: int,
    *,
    reply_to: str | None = None,
    thread_root: str | None = None,
) -> dict[str, Any]:
    """An m.file message; the outbox adds the ``url`` after uploading the bytes."""
    content: dict[str, Any] = {
        "msgtype": "m.file",
        "body": filename,
        "filename": filename,
        "info": {"mimetype": mimetype, "size": size},
    }
    if reply_to is not None:
        content["m.relates_to"] = reply_relation(reply_to, thread_root)
    return content


def edit_content(new_content: dict[str, Any]) -> dict[str, Any]:
    """An ``m.replace`` edit showing ``new_content``; the outbox adds the target event.

    Clients without edit support show the fallback body, marked with "* " as the spec asks.
    """
    content: dict[str, Any] = {
        "msgtype": new_content["msgtype"],
        "body": "* " + new_content["body"],
        "m.new_content": new_content,
    }
    if "formatted_body" in new_content:
        content["format"] = new_content["format"]
        content["formatted_body"] = "* " + new_content["formatted_body"]
    return content


def in_thread(content: dict[str, Any], root: str, reply_to: str) -> dict[str, Any]:
    """``content`` as a message in the thread of ``root``, replying to ``reply_to`` in it.

    Clients without threads show it as a plain reply (``is_falling_back``).
    """
    content["m.relates_to"] = {
        "rel_type": "m.thread",
        "event_id": root,
        "is_falling_back": True,
        "m.in_reply_to": {"event_id": reply_to},
    }
    return content
