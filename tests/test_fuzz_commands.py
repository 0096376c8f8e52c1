"""Generated command lines for every registered command, through the real dispatcher.

Every name and alias with random, oversized, confusable, Markdown- and HTML-laden
arguments and flags in both languages, on SQLite: no command may fail with an internal
error (the dispatcher logs and apologises instead of raising, so its error log is what
is checked), every message gets a reply, a refused one (usage, refusal, unknown) adds,
removes or changes no row anywhere but its reply, and no reply's ``formatted_body`` carries
markup from the input; everything a usage or refusal answer says is in the language of
the name typed.
"""

from __future__ import annotations

import asyncio
import logging
import re
import uuid
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import func, select

from bot import i18n
from bot.commands import build_registry
from bot.commands.access import AccessPolicy
from bot.commands.dispatcher import CommandDispatcher
from bot.i18n import Language
from bot.matrix.events import IncomingMessage
from bot.metrics import Metrics
from bot.storage.db import Database
from bot.storage.models import Base, OutboxRecord
from tests.support.factories import COORDINATION, make_factory
from tests.support.fuzzing import fuzz_settings

REGISTRY = build_registry()
WORDS = sorted(
    {"!" + word for command in REGISTRY.commands for word in (command.name, command.alias)}
)
FRAGMENTS = [
    "<zz-evil>",
    "<img src=x onerror=alert(1)>",
    "**vet**",
    "[a](javascript:alert(1))",
    '"',
    "'",
    '"unterminated',
    "--why",
    "--waarom",
    "--again",
    "--opnieuw",
    "--confidential",
    "--vertrouwelijk",
    "--options",
    "--speed",
    "in 2h",
    "morgen 09:00",
    "-1",
    "0",
    "99999999999999999999",
    "@alice:test",
    "Acme",
    "\u0430cme",  # a Cyrillic a
    "\u202e",
    "x" * 5000,
]
arguments = st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=15)), max_size=6).map(
    " ".join
)
UNESCAPED = re.compile(r"<(zz-evil|img)")


REPLY_TABLES = {"outbox", "handled_events"}
# The language of every catalogue text looked up while a command is handled.
LOOKED_UP: list[str] = []
# The dispatcher's outcomes for a command that was turned down: it leaves only its reply.
REFUSALS = {"usage", "refused", "unknown"}


class _Watch(logging.Handler):
    """The dispatcher's internal errors, and the outcome it logs for each command."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.errors: list[logging.LogRecord] = []
        self.outcomes: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.levelno >= logging.ERROR:
            self.errors.append(record)
        elif record.msg == "command %s from %s in %s: %s" and isinstance(record.args, tuple):
            self.outcomes.append(str(record.args[-1]))


async def _rows(database: Database) -> dict[str, list[tuple[object, ...]]]:
    """Every row of every table, except the reply and the claim every handled command
    leaves: a refused command must neither add, remove nor change one."""
    async with database.transaction() as session:
        return {
            table.name: sorted(
                (tuple(row) for row in await session.execute(select(table))), key=repr
            )
            for table in Base.metadata.sorted_tables
            if table.name not in REPLY_TABLES
        }


async def _one_command(
    dispatcher: CommandDispatcher, database: Database, body: str, outcomes: list[str]
) -> None:
    """Run ``body`` as alice's message in the coordination room and check what it left."""
    async with database.transaction() as session:
        last = await session.scalar(select(func.max(OutboxRecord.id)))
    before = await _rows(database)
    event = f"$fuzz{uuid.uuid4().hex}"
    LOOKED_UP.clear()
    await dispatcher.handle(IncomingMessage(event, COORDINATION, "@alice:test", body))
    if outcomes[-1] in ("usage", "refused"):
        # Everything a refusal says comes from the catalogue in the command's language.
        resolved = REGISTRY.resolve(body.split(maxsplit=1)[0].removeprefix("!"))
        assert resolved is not None, body
        assert set(LOOKED_UP) == {resolved[1]}, (body, LOOKED_UP)
    if outcomes[-1] in REFUSALS:
        assert await _rows(database) == before, (body, outcomes[-1])
    async with database.transaction() as session:
        query = select(OutboxRecord).where(OutboxRecord.id > (last or 0))
        replies = list(await session.scalars(query))
    assert replies, body
    if outcomes[-1] == "usage":
        # The usage answer is in the language of the name typed (alias: Dutch).
        resolved = REGISTRY.resolve(body.split(maxsplit=1)[0].removeprefix("!"))
        assert resolved is not None, body
        prefix = i18n.text("usage", resolved[1], usage="")
        assert replies[0].content["body"].startswith(prefix), (body, replies[0].content)
    for reply in replies:
        formatted = reply.content.get("formatted_body", "")
        assert not UNESCAPED.search(formatted), (body, formatted)


@pytest.mark.parametrize("database", ["sqlite"], indirect=True)
async def test_generated_command_lines_get_replies_never_internal_errors(
    database: Database,
) -> None:
    access = AccessPolicy(["@alice:test", "@bob:test"], [], [])
    dispatcher = CommandDispatcher(
        REGISTRY, make_factory(database), access, "en", "Europe/Amsterdam", Metrics()
    )
    loop = asyncio.get_running_loop()
    watch = _Watch()
    logger = logging.getLogger("bot.commands.dispatcher")

    @fuzz_settings(60)
    @given(body=st.tuples(st.sampled_from(WORDS), arguments).map(" ".join))
    def one_line(body: str) -> None:
        watch.errors.clear()
        # The dispatcher runs on the test's loop (where the database lives); hypothesis
        # drives it from this thread so that it can still shrink a failure.
        command = _one_command(dispatcher, database, body, watch.outcomes)
        asyncio.run_coroutine_threadsafe(command, loop).result()
        assert not watch.errors, (body, [record.getMessage() for record in watch.errors])

    level = logger.level
    logger.addHandler(watch)
    logger.setLevel(logging.INFO)
    text, html = i18n.text, i18n.html

    def recorded_text(key: str, lang: Language, **params: Any) -> str:
        LOOKED_UP.append(lang)
        return text(key, lang, **params)

    def recorded_html(key: str, lang: Language, **params: Any) -> str:
        LOOKED_UP.append(lang)
        return html(key, lang, **params)

    i18n.text, i18n.html = recorded_text, recorded_html
    try:
        await asyncio.to_thread(one_line)
    finally:
        i18n.text, i18n.html = text, html
        logger.removeHandler(watch)
        logger.setLevel(level)
    assert REFUSALS & set(watch.outcomes), "no generated command was refused"
