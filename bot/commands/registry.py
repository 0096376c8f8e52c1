"""The command registry: names, Dutch aliases, usage, help, and parsing helpers."""

from __future__ import annotations

import html
import shlex
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot import i18n
from bot.commands.access import Role
from bot.i18n import Language

if TYPE_CHECKING:
    from bot.commands.context import CommandContext

PREFIX = "!"

Handler = Callable[["CommandContext", str], Awaitable[None]]


class UsageError(Exception):
    """The arguments do not fit the command; the dispatcher replies with its usage."""


@dataclass(frozen=True)
class Command:
    """One chat command with an English name and a Dutch alias."""

    name: str
    alias: str
    usage: dict[Language, str]
    summary: dict[Language, str]
    handler: Handler
    role: Role = Role.MEMBER

    def invocation(self, lang: Language) -> str:
        """How the command is typed in ``lang``, e.g. ``!besluit``."""
        return PREFIX + (self.alias if lang == "nl" else self.name)

    def usage_line(self, lang: Language) -> str:
        """The full usage in ``lang``, e.g. ``!besluit <tekst> --waarom <reden>``."""
        arguments = self.usage[lang]
        return f"{self.invocation(lang)} {arguments}".rstrip()


class Registry:
    """All commands; resolves typed names and generates help from the commands themselves."""

    def __init__(self, commands: Iterable[Command]) -> None:
        self.commands = tuple(commands)
        self._by_word: dict[str, tuple[Command, Language]] = {}
        for command in self.commands:
            names: tuple[tuple[str, Language], ...] = ((command.name, "en"), (command.alias, "nl"))
            for word, lang in names:
                if word in self._by_word:
                    raise ValueError(f"command name {word!r} registered twice")
                self._by_word[word] = (command, lang)

    def resolve(self, word: str) -> tuple[Command, Language] | None:
        """The command typed as ``word`` (without prefix) and the language that implies."""
        return self._by_word.get(word.lower())

    def help(self, lang: Language) -> tuple[str, str]:
        """Plain text and HTML listing every command with usage, summary and alias."""
        other: Language = "en" if lang == "nl" else "nl"
        also = i18n.text("help.alias", lang)
        lines = [i18n.text("help.title", lang)]
        items = []
        for command in self.commands:
            usage, summary = command.usage_line(lang), command.summary[lang]
            alias = command.invocation(other)
            lines.append(f"{usage} — {summary} ({also} {alias})")
            items.append(
                f"<li><code>{html.escape(usage)}</code> — {html.escape(summary)} "
                f"({also} <code>{html.escape(alias)}</code>)</li>"
            )
        title = html.escape(i18n.text("help.title", lang))
        return "\n".join(lines), f"<p>{title}</p><ul>{''.join(items)}</ul>"


def parse_invocation(body: str) -> tuple[str, str] | None:
    """Split ``!name rest`` into (name, rest); None when the message is not a command."""
    if not body.startswith(PREFIX) or len(body) == 1 or body[1].isspace():
        return None
    word, _, rest = body[1:].partition(" ")
    return word.strip(), rest.strip()


def split_words(arguments: str) -> list[str]:
    """Arguments split like a shell would (quotes group words); UsageError when unbalanced."""
    try:
        return shlex.split(arguments)
    except ValueError as exc:
        raise UsageError(str(exc)) from None


def split_option(arguments: str, *names: str) -> tuple[str, str | None]:
    """Split free text at the first of ``names`` (e.g. ``--why``): (before, after or None)."""
    words = arguments.split(" ")
    for index, word in enumerate(words):
        if word in names:
            return " ".join(words[:index]).strip(), " ".join(words[index + 1 :]).strip()
    return arguments.strip(), None


def parse_id(word: str) -> int:
    """A numeric id as typed by people: ``12`` or ``#12``; UsageError otherwise."""
    digits = word.removeprefix("#")
    if not digits.isdigit():
        raise UsageError(f"not an id: {word}")
    return int(digits)
