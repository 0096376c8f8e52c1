"""Marking everything the bot says about an exercise, so nobody mistakes it for the real thing.

The mark is the same in both languages on purpose: a reader of either language recognises it
at a glance, in a room name, a topic or the first word of a message.
"""

from __future__ import annotations

import html
from typing import Any

EXERCISE_MARK = "OEFENING/EXERCISE"
_NEW_CONTENT = "m.new_content"


def mark_text(text: str) -> str:
    """``text`` with the exercise mark in front (once)."""
    return text if text.startswith(EXERCISE_MARK) else f"{EXERCISE_MARK} — {text}"


def mark_content(content: dict[str, Any]) -> dict[str, Any]:
    """A copy of a message's content with the mark in front of its plain and HTML body.

    Edits carry the new text in ``m.new_content`` too; both are marked.
    """
    marked = dict(content)
    if isinstance(marked.get("body"), str):
        marked["body"] = mark_text(marked["body"])
    formatted = marked.get("formatted_body")
    if isinstance(formatted, str) and EXERCISE_MARK not in formatted[:64]:
        marked["formatted_body"] = (
            f"<p><strong>{html.escape(EXERCISE_MARK)}</strong></p>{formatted}"
        )
    if isinstance(marked.get(_NEW_CONTENT), dict):
        marked[_NEW_CONTENT] = mark_content(marked[_NEW_CONTENT])
    return marked
