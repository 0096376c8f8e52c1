"""The shell commands of a Markdown file, as written: its ``sh`` blocks and inline commands.

In a code block a command is one line, or several when a line ends in a backslash or a
quote is still open (the ``curl -d '{...}'`` bodies span lines); whole-line comments are
dropped. In the prose, an inline code span is a command when its first word is a
program an operator runs (``weerbaar purge``, ``docker compose up -d``). Tables are the
command reference (synopses such as ``weerbaar backup FILE [-c FILE]``), not commands.
"""

from __future__ import annotations

import re
import shlex
import textwrap
from dataclasses import dataclass
from pathlib import Path

FENCE = re.compile(r"^(?P<indent> *)```(?P<language>\S*)\s*$")
SHELL_LANGUAGES = frozenset({"sh", "bash", "shell", "console"})
PROGRAMS = frozenset(
    {"weerbaar", "docker", "python", "python3", "pip", "curl", "journalctl", "systemctl"}
)
INLINE_CODE = re.compile(r"`([^`]+)`")


@dataclass(frozen=True)
class Command:
    """One shell command of a Markdown file: where it starts and its text as written."""

    document: str
    line: int
    text: str

    @property
    def key(self) -> str:
        """The text on one line, continuations joined, white space runs as one space.

        Tables name commands by this key, so any change to a command in the document
        is a command the tables do not know yet.
        """
        return " ".join(self.text.replace("\\\n", " ").split())


def _is_fence(line: str) -> bool:
    return FENCE.match(line) is not None


def shell_blocks(path: Path) -> list[tuple[int, str]]:
    """(first line number, dedented text) of each shell code block of ``path``."""
    blocks: list[tuple[int, str]] = []
    lines = path.read_text().splitlines()
    index = 0
    while index < len(lines):
        opening = FENCE.match(lines[index])
        index += 1
        if not opening:
            continue
        body: list[str] = []
        start = index + 1
        while index < len(lines) and not FENCE.match(lines[index]):
            body.append(lines[index])
            index += 1
        index += 1  # the closing fence
        if opening["language"] in SHELL_LANGUAGES:
            blocks.append((start, textwrap.dedent("\n".join(body))))
    return blocks


def _complete(text: str) -> bool:
    if text.endswith("\\"):
        return False
    try:
        shlex.split(text, comments=True)
    except ValueError:  # an open quote: the command goes on on the next line
        return False
    return True


def shell_commands(path: Path, root: Path) -> list[Command]:
    """Every command of the shell code blocks of ``path``, in document order."""
    document = str(path.relative_to(root))
    commands: list[Command] = []
    for start, block in shell_blocks(path):
        pending: list[str] = []
        first = start
        for offset, line in enumerate(block.splitlines()):
            if not pending:
                if not line.strip() or line.lstrip().startswith("#"):
                    continue
                first = start + offset
            pending.append(line)
            text = "\n".join(pending)
            if _complete(text):
                commands.append(Command(document, first, text))
                pending = []
        assert not pending, f"{document}:{first}: unfinished command {pending}"
    return commands


def _prose(path: Path) -> str:
    """``path`` with code blocks and table rows blanked, keeping the line numbers."""
    lines = path.read_text().splitlines()
    inside = False
    for number, line in enumerate(lines):
        fence = _is_fence(line)
        if inside or fence or line.lstrip().startswith("|"):
            lines[number] = ""
        if fence:
            inside = not inside
    return "\n".join(lines)


def inline_commands(path: Path, root: Path) -> list[Command]:
    """Every inline code span of the prose of ``path`` that runs a program, in order."""
    document = str(path.relative_to(root))
    prose = _prose(path)
    commands: list[Command] = []
    for span in INLINE_CODE.finditer(prose):
        words = span[1].split()
        if len(words) > 1 and Path(words[0]).name in PROGRAMS:
            line = prose.count("\n", 0, span.start()) + 1
            # A code span wrapped over lines is one line when rendered (and pasted).
            commands.append(Command(document, line, re.sub(r"\s*\n\s*", " ", span[1])))
    return commands
