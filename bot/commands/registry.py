"""The command registry: names, Dutch aliases, argument specs, scope, and help."""

from __future__ import annotations

import html
import unicodedata
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from enum import Enum
from typing import TYPE_CHECKING

from bot import i18n
from bot.commands.access import Role
from bot.commands.arguments import Spec, UsageError
from bot.i18n import Language

if TYPE_CHECKING:
    from bot.commands.context import CommandContext

PREFIX = "!"

# Called as ``handler(context, **spec.parse(...))``: the parameters match the spec's names.
Handler = Callable[..., Awaitable[None]]


class Scope(Enum):
    """Where a command may be typed; the dispatcher checks it before the handler runs."""

    ANYWHERE = "anywhere"
    COORDINATION_ROOM = "coordination_room"
    INCIDENT_ROOM = "incident_room"  # the handler finds the situation in context.situation


@dataclass(frozen=True)
class Command:
    """One chat command with an English name and a Dutch alias.

    A command either has a ``handler`` with a ``spec`` of its arguments, or ``children``:
    subcommands (``!step done``) whose first word picks one. Role and scope are the
    parent's: they are checked before the subcommand is read. ``readme`` is the longer
    English description in the README's command table (the summary when empty).
    """

    name: str
    alias: str
    summary: dict[Language, str]
    handler: Handler | None = None
    spec: Spec = field(default_factory=Spec)
    role: Role = Role.MEMBER
    scope: Scope = Scope.ANYWHERE
    children: tuple[Command, ...] = ()
    readme: str = ""

    def word(self, lang: Language) -> str:
        """The name typed in ``lang``."""
        return self.alias if lang == "nl" else self.name

    def invocation(self, lang: Language) -> str:
        """How the command is typed in ``lang``, e.g. ``!besluit``."""
        return PREFIX + self.word(lang)

    def usage_line(self, lang: Language, child: Command | None = None) -> str:
        """The full usage in ``lang``, e.g. ``!besluit <tekst> --waarom <reden>``.

        With ``child``, that subcommand's usage only; without, all of them joined by ``|``.
        """
        if child is not None:
            arguments = child.typed(lang)
        elif self.children:
            arguments = " | ".join(each.typed(lang) for each in self.children)
        else:
            arguments = self.spec.usage(lang)
        return f"{self.invocation(lang)} {arguments}".rstrip()

    def typed(self, lang: Language) -> str:
        """A subcommand as typed after its parent, e.g. ``klaar <n> [notitie]``."""
        return f"{self.word(lang)} {self.spec.usage(lang)}".rstrip()

    def pick(self, context: CommandContext, arguments: str) -> tuple[Command | None, str]:
        """The subcommand named by the first word of ``arguments`` and the words after it.

        UsageError when the command has subcommands and none is named.
        """
        if not self.children:
            return None, arguments
        arguments = arguments.strip()
        first, _, rest = arguments.partition(_first_space(arguments))
        for child in self.children:
            if first.lower() in (child.name, child.alias):
                return child, rest
        choices = "|".join(child.word(context.lang) for child in self.children)
        raise UsageError(context.text("usage.subcommand", choices=choices))


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
    """Split ``!name rest`` into (name, rest); None when the message is not a command.

    What cannot be seen before the ``!`` (whitespace, and zero-width characters that come
    with pasted text) does not keep a message from being the command it looks like.
    """
    body = body[_invisible_lead(body) :]
    if not body.startswith(PREFIX) or len(body) == 1 or body[1].isspace():
        return None
    # The word ends at any whitespace: a note may start on the line after its command.
    word, _, rest = body[1:].partition(_first_space(body[1:]))
    return word, rest.strip()


def _invisible_lead(text: str) -> int:
    """How many characters at the start of ``text`` are whitespace or invisible format
    characters (Unicode category Cf: zero-width space and joiners, word joiner, BOM)."""
    return next(
        (
            i
            for i, char in enumerate(text)
            if not (char.isspace() or unicodedata.category(char) == "Cf")
        ),
        len(text),
    )


def _first_space(text: str) -> str:
    """The first whitespace character in ``text`` (a space when there is none)."""
    return next((char for char in text if char.isspace()), " ")
