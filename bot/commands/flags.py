"""Free text with ``--flag value`` parts, as in ``!decide X --why Y --review 17:00``."""

from __future__ import annotations

from collections.abc import Mapping

from bot.commands.registry import UsageError


def split_flags(
    arguments: str, valued: Mapping[str, str], switches: Mapping[str, str] | None = None
) -> tuple[str, dict[str, str], set[str]]:
    """Split ``arguments`` into the text before the first flag, flag values and switches.

    ``valued`` and ``switches`` map every spelling (``--why``, ``--waarom``) to one
    canonical name. A value runs up to the next flag; surrounding quotes are dropped.
    UsageError for a flag given twice or a valued flag without a value.
    """
    switches = switches or {}
    head: list[str] = []
    values: dict[str, list[str]] = {}
    present: set[str] = set()
    current: list[str] = head
    for word in arguments.split():
        name = valued.get(word.lower())
        switch = switches.get(word.lower())
        if name is not None or switch is not None:
            canonical = name or switch
            assert canonical is not None
            if canonical in values or canonical in present:
                raise UsageError(f"{word} given twice")
            if switch is not None:
                present.add(switch)
                continue
            current = values.setdefault(canonical, [])
        else:
            current.append(word)
    result = {name: _unquote(" ".join(words)) for name, words in values.items()}
    empty = [name for name, value in result.items() if not value]
    if empty:
        raise UsageError(f"no value for {', '.join(sorted(empty))}")
    return " ".join(head), result, present


def _unquote(text: str) -> str:
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "\"'":
        return text[1:-1].strip()
    return text
