"""Typed command arguments: one spec parses, names and documents a command's arguments.

A ``Spec`` lists positional ``Arg``s and ``Flag``s (``--why``/``--waarom``). It turns the
typed text into keyword arguments for the handler, writes the usage line in either
language, and raises one ``UsageError`` naming the argument that does not fit.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING, Any

from bot.decisionlog.grounds import Withheld, citations, find_ground
from bot.errors import InvalidMoment
from bot.i18n import Language
from bot.row_ids import row_id
from bot.situations.phases import Phase
from bot.user_ids import is_user_id

if TYPE_CHECKING:
    from bot.commands.context import CommandContext

Bilingual = dict[Language, str]


class UsageError(Exception):
    """The arguments do not fit the command; the dispatcher replies with its usage.

    ``usage`` is the usage line to show when it is not the whole command's (a subcommand's).
    """

    def __init__(self, problem: str = "", *, usage: str | None = None) -> None:
        super().__init__(problem)
        self.usage = usage


class BadArgument(Exception):
    """One argument's text does not fit its kind; the message says why, in the command's
    language. The spec adds which argument it was."""


class Take(Enum):
    """How much of the typed text an argument takes."""

    WORD = "word"  # one word (quotes group words: "Acme Cloud")
    REST = "rest"  # the rest of the line
    TAIL = "tail"  # the last one or two words (a moment after free text)


@dataclass(frozen=True)
class Kind:
    """What an argument means: how much text it takes and how that text reads."""

    take: Take
    parse: Callable[[CommandContext, str], Any]


@dataclass(frozen=True)
class Arg:
    """A positional argument; ``label`` is its placeholder in usage and errors.

    ``asked`` marks an argument the handler asks for when it is missing (a guided
    decision): it may be left out (the handler gets None) but usage shows it as expected.
    """

    name: str
    kind: Kind
    label: Bilingual
    optional: bool = False
    asked: bool = False


@dataclass(frozen=True)
class Flag:
    """``--why <reason>``: a named value, or without ``kind`` a switch (True when given).

    ``spelling`` holds the English and Dutch names; either works in either language.
    ``bare``: the value when the flag is given without text (its value is then optional).
    """

    name: str
    spelling: Bilingual
    kind: Kind | None = None
    label: Bilingual | None = None
    required: bool = False
    asked: bool = False
    bare: Any = None

    def usage(self, lang: Language) -> str:
        """``--why <reason>``, bracketed when it may be left out."""
        shown = self.spelling[lang]
        if self.label is not None:
            label = self.label[lang]
            shown = f"{shown} {label}" if self.bare is None else f"{shown} [{label}]"
        return shown if self.required or self.asked else f"[{shown}]"


@dataclass(frozen=True)
class Spec:
    """Every argument of one command.

    ``all_or_none``: the command also runs with no arguments at all (then every value is
    None), e.g. ``!role`` lists roles, ``!role @bob:x scribe`` assigns one.
    """

    args: tuple[Arg, ...] = ()
    flags: tuple[Flag, ...] = ()
    all_or_none: bool = False

    def __post_init__(self) -> None:
        takes = [arg.kind.take for arg in self.args]
        # One REST (it ends the words) and one TAIL (taken from the end) keep parsing
        # unambiguous; both must come after every single word.
        for take in (Take.REST, Take.TAIL):
            if takes.count(take) > 1:
                raise ValueError(f"more than one {take.value} argument")
        if Take.TAIL in takes and takes[-1] is not Take.TAIL:
            raise ValueError("a tail argument must be the last")
        rest = [i for i, take in enumerate(takes) if take is not Take.WORD]
        if rest and any(take is Take.WORD for take in takes[rest[0] :]):
            raise ValueError("a word argument cannot follow the rest of the line")

    def names(self) -> list[str]:
        """The handler's keyword parameters, in order: positionals, then flags."""
        return [arg.name for arg in self.args] + [flag.name for flag in self.flags]

    def usage(self, lang: Language) -> str:
        """The arguments as typed, e.g. ``<decision> --why <rationale> [--confidential]``."""
        parts = [
            arg.label[lang] if not arg.optional or arg.asked else f"[{arg.label[lang]}]"
            for arg in self.args
        ]
        parts += [flag.usage(lang) for flag in self.flags]
        shown = " ".join(parts)
        return f"[{shown}]" if self.all_or_none and shown else shown

    def parse(self, context: CommandContext, text: str) -> dict[str, Any]:
        """The typed ``text`` as keyword arguments; UsageError naming the failing one."""
        if self.all_or_none and not text.strip():
            values: dict[str, Any] = dict.fromkeys(self.names())
            values.update({flag.name: False for flag in self.flags if flag.kind is None})
            return values
        head, raw, switches = self._split_flags(context, text)
        values = self._positionals(context, head)
        for flag in self.flags:
            values[flag.name] = self._flag_value(context, flag, raw, switches)
        return values

    def _split_flags(
        self, context: CommandContext, text: str
    ) -> tuple[str, dict[str, str], set[str]]:
        """The text before the first flag, each valued flag's text, the switches given.

        A value runs to the next flag; text after a switch belongs to what came before
        it. Whitespace inside a value is kept (a note may span lines).
        """
        spelled = {
            spelling.lower(): flag for flag in self.flags for spelling in flag.spelling.values()
        }
        pieces: dict[str | None, list[str]] = {None: []}
        switches: set[str] = set()
        current: str | None = None
        position = 0
        for match in re.finditer(r"\S+", text):
            flag = spelled.get(match.group().lower())
            if flag is None:
                continue
            if flag.name in pieces or flag.name in switches:
                raise _usage(context, flag.spelling[context.lang], "usage.twice")
            pieces[current].append(text[position : match.start()])
            position = match.end()
            if flag.kind is None:
                switches.add(flag.name)
            else:
                current = flag.name
                pieces[current] = []
        pieces[current].append(text[position:])
        joined = {
            name: " ".join(part.strip() for part in parts if part.strip())
            for name, parts in pieces.items()
        }
        head = joined.pop(None)
        return head, {str(name): value for name, value in joined.items()}, switches

    def _flag_value(
        self, context: CommandContext, flag: Flag, raw: dict[str, str], switches: set[str]
    ) -> Any:
        if flag.kind is None:
            return flag.name in switches
        label = flag.spelling[context.lang]
        if flag.name not in raw:
            if flag.required:
                raise _usage(context, label, "usage.missing")
            return None
        value = unquote(raw[flag.name])
        if not value and flag.bare is not None:
            return flag.bare
        if not value:
            raise _usage(context, label, "usage.no_value")
        return _parsed(context, label, flag.kind, value)

    def _positionals(self, context: CommandContext, head: str) -> dict[str, Any]:
        values: dict[str, Any] = {}
        rest = head.strip()
        last = self.args[-1] if self.args else None
        # A tail is read first, so the free text before it ends where the tail begins.
        if last is not None and last.kind.take is Take.TAIL:
            values[last.name], rest = _tail(context, last, rest)
        for arg in self.args:
            label = arg.label[context.lang]
            if arg.kind.take is Take.WORD:
                word, rest = _next_word(context, label, rest)
                values[arg.name] = _parsed(context, label, arg.kind, word) if word else None
            elif arg.kind.take is Take.REST:
                text, rest = unquote(rest), ""
                values[arg.name] = _parsed(context, label, arg.kind, text) if text else None
            if values[arg.name] is None and not (arg.optional or arg.asked):
                raise _usage(context, label, "usage.missing")
        if rest:
            named = last.label[context.lang] if last is not None else ""
            raise _usage(context, named, "usage.unexpected", words=rest)
        return values


def _usage(context: CommandContext, label: str, key: str, **params: Any) -> UsageError:
    return _named(context, label, context.text(key, **params))


def _named(context: CommandContext, label: str, problem: str) -> UsageError:
    if not label:
        return UsageError(problem)
    return UsageError(context.text("usage.argument", argument=label, problem=problem))


def _parsed(context: CommandContext, label: str, kind: Kind, text: str) -> Any:
    try:
        return kind.parse(context, text)
    except BadArgument as exc:
        raise _named(context, label, str(exc)) from None


def _next_word(context: CommandContext, label: str, text: str) -> tuple[str, str]:
    """The first word of ``text`` (a quoted phrase counts as one) and what follows it."""
    if text[:1] in ("'", '"'):
        end = text.find(text[0], 1)
        if end == -1:
            raise _usage(context, label, "usage.unbalanced_quote")
        return text[1:end].strip(), text[end + 1 :].strip()
    words = text.split(None, 1)
    if not words:
        return "", ""
    return words[0], words[1].strip() if len(words) > 1 else ""


# A moment at the end is its last two words ("tomorrow 09:00") or its last one ("17:00").
_TAIL_WORDS = (2, 1)


def _tail(context: CommandContext, arg: Arg, text: str) -> tuple[Any, str]:
    """The longest tail of ``text`` that reads as ``arg`` (one word always stays before it).

    The first reading's error is raised when no tail fits.
    """
    words = text.split()
    first_error: Exception | None = None
    for count in _TAIL_WORDS:
        if len(words) <= count:
            continue
        try:
            value = _parsed(context, arg.label[context.lang], arg.kind, " ".join(words[-count:]))
        except (UsageError, InvalidMoment) as exc:
            first_error = first_error or exc
            continue
        return value, " ".join(words[:-count])
    if first_error is not None:
        raise first_error
    return None, text


def unquote(text: str) -> str:
    """``text`` without one pair of surrounding quotes."""
    text = text.strip()
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "\"'":
        return text[1:-1].strip()
    return text


# --- The kinds -------------------------------------------------------------------------


def _text(_context: CommandContext, text: str) -> str:
    return text


def parse_id(context: CommandContext, word: str) -> int:
    """A numeric id as people type it: ``12`` or ``#12``."""
    number = row_id(word.removeprefix("#"))
    if number is None:
        raise BadArgument(context.text("usage.not_an_id", word=word))
    return number


def _user(context: CommandContext, word: str) -> str:
    if not is_user_id(word):
        raise BadArgument(context.text("usage.not_a_user", word=word))
    return word


@dataclass(frozen=True)
class StepRef:
    """A step, decision or fact of a playbook run: ``3``, ``fallback`` or ``2.3`` (run 2)."""

    run: int | None
    ref: str


_RUN_PREFIX = re.compile(r"(\d+)\.(.+)")


def _step(_context: CommandContext, word: str) -> StepRef:
    match = _RUN_PREFIX.fullmatch(word)
    if match is None:
        return StepRef(None, word)
    return StepRef(int(match.group(1)), match.group(2))


def _moment(context: CommandContext, text: str) -> Any:
    return context.moment(text)


# The words people type for a phase, in both languages; spaces and hyphens count as "_".
PHASE_WORDS: dict[str, Phase] = {
    "signal": Phase.SIGNAL,
    "signaal": Phase.SIGNAL,
    "lauwe_fase": Phase.LAUWE_FASE,
    "lauwe": Phase.LAUWE_FASE,
    "warm_up": Phase.LAUWE_FASE,
    "crisis": Phase.CRISIS,
    "de_escalation": Phase.DE_ESCALATION,
    "afschaling": Phase.DE_ESCALATION,
    "evaluation": Phase.EVALUATION,
    "evaluatie": Phase.EVALUATION,
    "closed": Phase.CLOSED,
    "gesloten": Phase.CLOSED,
}


def parse_phase(word: str) -> Phase | None:
    """The phase typed as ``word`` (English code or Dutch word), or None."""
    return PHASE_WORDS.get(word.strip().lower().replace("-", "_").replace(" ", "_"))


def _phase(context: CommandContext, word: str) -> Phase:
    phase = parse_phase(word)
    if phase is None:
        names = ", ".join(context.text(f"phase.{p.value}") for p in Phase)
        raise BadArgument(context.text("situation.unknown_phase", word=word, phases=names))
    return phase


def _alert_or_supplier(context: CommandContext, text: str) -> int | str:
    """An alert id when the text is one (``12``, ``#12``), else a supplier's name."""
    return parse_id(context, text) if text.removeprefix("#").isdecimal() else text


def _withheld(context: CommandContext, text: str) -> Withheld:
    """``--confidential <ground>``: a Woo exception ground, cited in Dutch or English."""
    ground = find_ground(text)
    if ground is None:
        raise BadArgument(
            context.text("usage.unknown_ground", word=text, grounds=citations(context.lang))
        )
    return Withheld(ground)


def count(low: int, high: int) -> Kind:
    """A whole number from ``low`` to ``high`` (``#`` allowed in front)."""

    def parse(context: CommandContext, word: str) -> int:
        number = parse_id(context, word)
        if not low <= number <= high:
            raise BadArgument(context.text("usage.out_of_range", word=word, low=low, high=high))
        return number

    return Kind(Take.WORD, parse)


def factor(low: float, high: float) -> Kind:
    """A number above ``low`` up to ``high``, e.g. a speed ``60`` or ``0.5``."""

    def parse(context: CommandContext, word: str) -> float:
        try:
            number = float(word)
        except ValueError:
            number = low
        if not low < number <= high:
            raise BadArgument(context.text("usage.out_of_range", word=word, low=low, high=high))
        return number

    return Kind(Take.WORD, parse)


def choice(options: Iterable[str], find: Callable[[str], Any]) -> Kind:
    """One word that ``find`` knows (returns non-None for), e.g. a report format."""
    shown = "|".join(options)

    def parse(context: CommandContext, word: str) -> Any:
        found = find(word)
        if found is None:
            raise BadArgument(context.text("usage.not_a_choice", word=word, choices=shown))
        return found

    return Kind(Take.WORD, parse)


# An answer that aborts a form asked in a thread (the guided decision, the tabletop drill).
CANCEL_WORDS = frozenset({"stop", "cancel", "annuleer"})

WORD = Kind(Take.WORD, _text)
TEXT = Kind(Take.REST, _text)
ID = Kind(Take.WORD, parse_id)
USER = Kind(Take.WORD, _user)
STEP = Kind(Take.WORD, _step)
MOMENT = Kind(Take.REST, _moment)
MOMENT_AT_END = Kind(Take.TAIL, _moment)
PHASE = Kind(Take.WORD, _phase)
ALERT_OR_SUPPLIER = Kind(Take.REST, _alert_or_supplier)
WITHHELD = Kind(Take.REST, _withheld)
