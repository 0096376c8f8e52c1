"""A situation full of confidential and hostile content, and reading rendered reports back.

Each secret is a unique plain word wrapped in markup and unicode, so it can be searched
for in every format's text (Markdown and HTML escape the markup around it, the PDF fonts
transliterate the unicode, but the word itself survives any rendering).
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from xml.etree import ElementTree

import pypdf

from bot.decisionlog.decisions import option
from bot.decisionlog.grounds import BY_KEY, Withheld
from bot.decisionlog.kinds import EntryKind
from bot.services import ServiceFactory
from tests.support.factories import ALERT, ALICE, BOB, CAROL

EXTERNAL = "@dave:elsewhere.example"
"""Someone outside the taskforce, mentioned in a public note."""
PUBLIC_FIGURE = CAROL
"""The incident coordinator: a public role, named in a disclosure."""


def _secret(word: str) -> str:
    return f'<script>alert("{word}")</script> **{word}** | ünïcödé ✓ {word}\u202e'


SECRETS = tuple(f"SECRET{name}" for name in ("NOTE", "DECISION", "WHY", "OPTION", "INFO"))
SECRETS += tuple(f"SECRET{name}" for name in ("LESSON", "CORRECTION", "ACTION", "OWNER"))


@dataclass(frozen=True)
class Confidential:
    """The situation written by ``confidential_situation`` and what it holds."""

    situation_id: int
    withheld: dict[int, str | None]  # seq -> ground key (None: none recorded)
    entries: int


async def confidential_situation(factory: ServiceFactory) -> Confidential:
    """A situation whose confidential entries hold every secret, split across kinds.

    Carol is the incident coordinator (a public role), Alice and Bob are members without
    one, and a public note mentions an external person and every secret-free id.
    """
    async with factory.transaction() as services:
        alert = await services.alerts.receive(ALERT)
        situation = await services.situations.escalate_alert(alert.id, ALICE)
        sid = situation.id
        await services.roles.assign(sid, None, CAROL, "coordinator", ALICE)
        public = await services.log.append(
            sid,
            EntryKind.NOTE,
            BOB,
            {"text": f"Called {EXTERNAL} and {ALICE}; {PUBLIC_FIGURE} informed"},
        )
        withheld: dict[int, str | None] = {}
        note = await services.log.append(
            sid,
            EntryKind.NOTE,
            ALICE,
            {"text": _secret("SECRETNOTE") + f" {BOB}", **Withheld(BY_KEY["5.1.2.i"]).payload()},
            disclosable=False,
        )
        withheld[note.seq] = "5.1.2.i"
        decision = await services.decisions.decide(
            sid,
            BOB,
            _secret("SECRETDECISION"),
            _secret("SECRETWHY"),
            options=[option(_secret("SECRETOPTION"), why_not="SECRETOPTION too")],
            information=_secret("SECRETINFO"),
            present=[ALICE, BOB, EXTERNAL],
            withheld=Withheld(),
        )
        withheld[decision.seq] = None
        lesson = await services.log.append(
            sid,
            EntryKind.LESSON,
            CAROL,
            {"text": _secret("SECRETLESSON"), **Withheld(BY_KEY["5.2"]).payload()},
            disclosable=False,
        )
        withheld[lesson.seq] = "5.2"
        correction = await services.log.correct(
            sid,
            public.seq,
            ALICE,
            _secret("SECRETCORRECTION"),
            withheld=Withheld(BY_KEY["5.1.2.e"]),
        )
        withheld[correction.seq] = "5.1.2.e"
        action = await services.log.append(
            sid,
            EntryKind.ACTION,
            ALICE,
            {"owner": "@SECRETOWNER:test", "action": _secret("SECRETACTION"), "due_at": None},
            disclosable=False,
        )
        withheld[action.seq] = None
        await services.log.append(sid, EntryKind.NOTE, CAROL, {"text": "All clear"})
        entries = len(await services.log.entries(sid))
    return Confidential(sid, withheld, entries)


def document_text(fmt: str, data: bytes) -> str:
    """The text a reader sees in a rendered report (PDF and ODT extracted)."""
    if fmt == "pdf":
        reader = pypdf.PdfReader(io.BytesIO(data))
        return "\n".join(page.extract_text() for page in reader.pages)
    if fmt == "odt":
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            root = ElementTree.fromstring(archive.read("content.xml"))
        return " ".join("".join(node.itertext()) for node in root.iter())
    return data.decode("utf-8")
