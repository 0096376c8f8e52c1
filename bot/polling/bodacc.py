"""BODACC collective-procedure notices from the opendatasoft API (``annonces-commerciales``).

The Bulletin officiel des annonces civiles et commerciales publishes every French court
ruling opening, converting or closing a collective procedure (sauvegarde, redressement,
liquidation judiciaire, plans, closures). The poller asks the Explore API v2.1 records
endpoint for notices of the ``collective`` family published since its watermark about
the registry's SIRENs, oldest first, and turns each new one into an alert: S1 for a
liquidation, S2 for redressement or sauvegarde, S3 for anything else (plans, closures).

The watermark is the newest publication date handled plus the notice ids already seen
on that date, so a restart neither repeats a notice nor misses one published later the
same day.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import urlencode

from pydantic import BaseModel, ConfigDict, Field

from bot.alerts.model import IncomingAlert, Severity
from bot.polling.documents import read_json

PAGE = 100  # the API's largest page
DETAIL_URL = "https://www.bodacc.fr/pages/annonces-commerciales-detail/?q.id=id:{id}"


class _Record(BaseModel):
    # The dataset has dozens of fields; only the ones used are read.
    model_config = ConfigDict(extra="ignore")

    id: str = Field(min_length=1, max_length=100)
    dateparution: date
    commercant: str = Field(default="", max_length=1000)
    tribunal: str = Field(default="", max_length=500)
    registre: list[str] | str | None = None
    # A JSON object serialised as text in the dataset (some exports give the object).
    jugement: str | dict[str, Any] | None = None
    url_complete: str | None = None
    familleavis_lib: str = ""


class _Page(BaseModel):
    model_config = ConfigDict(extra="ignore")

    total_count: int = 0
    results: list[_Record]


@dataclass(frozen=True)
class Notice:
    """One collective-procedure notice."""

    id: str
    published: date
    sirens: frozenset[str]
    company: str
    court: str
    ruling: str
    ruling_date: str
    complement: str
    link: str


def records_url(base: str, sirens: list[str], since: date, offset: int) -> str:
    """The records query: collective procedures about ``sirens`` published since ``since``."""
    # SIRENs are validated digits, so quoting them in ODSQL cannot inject anything.
    who = " OR ".join(f'registre="{siren}"' for siren in sirens)
    query = {
        "where": f"familleavis=\"collective\" AND dateparution>=date'{since.isoformat()}' "
        f"AND ({who})",
        "order_by": "dateparution, id",
        "limit": str(PAGE),
        "offset": str(offset),
    }
    return f"{base}?{urlencode(query)}"


def parse_page(body: bytes) -> list[Notice]:
    """The notices of one page of records; FeedError when it is not one."""
    page = read_json(body, _Page, "a BODACC records page")
    return [_notice(record) for record in page.results]


def new_notices(
    notices: list[Notice], state: dict[str, Any], sirens: dict[str, str], today: date
) -> tuple[list[tuple[Notice, str]], dict[str, Any]]:
    """(notice, supplier) not seen before, and the state after them.

    The first poll (no watermark yet) only remembers, so adding the poller does not post
    notices published before it; so does the first poll that asks about a SIREN (the
    SIRENs asked are remembered), so adding a supplier to the registry does not post its
    notices published since the watermark, which may be long ago.
    """
    since: str | None = state.get("since")
    seen = set(state.get("seen", []))
    # A state kept before the SIRENs were remembered: the registry's are taken as known.
    known = set(state.get("sirens", sirens))
    found = []
    for notice in notices:
        if since is None or notice.published.isoformat() < since or notice.id in seen:
            continue
        supplier = next(
            (sirens[s] for s in sorted(notice.sirens) if s in sirens and s in known), None
        )
        if supplier is not None:
            found.append((notice, supplier))
    # The watermark never moves back: the first poll asked from today on.
    newest = max([since or today.isoformat(), *(n.published.isoformat() for n in notices)])
    if newest != since:
        seen = set()
    seen |= {n.id for n in notices if n.published.isoformat() == newest}
    return found, {"since": newest, "seen": sorted(seen), "sirens": sorted(sirens)}


def notice_severity(ruling: str) -> Severity:
    """S1 for a liquidation, S2 for redressement or sauvegarde, S3 otherwise."""
    words = ruling.casefold()
    if "liquidation" in words:
        return Severity.S1
    if "redressement" in words or "sauvegarde" in words:
        return Severity.S2
    return Severity.S3


def notice_alert(notice: Notice, supplier: str, source: str) -> IncomingAlert:
    """The alert for ``supplier`` about ``notice``."""
    ruling = notice.ruling or "Procédure collective"
    details = (
        f"BODACC {notice.published.isoformat()}: {ruling}"
        + (f" ({notice.ruling_date})" if notice.ruling_date else "")
        + f"\nCourt: {notice.court or '?'}\nCompany: {notice.company} "
        f"(SIREN {', '.join(sorted(notice.sirens))})"
        + (f"\n{notice.complement}" if notice.complement else "")
    )
    return IncomingAlert.model_validate(
        {
            "supplier": supplier,
            "title": f"BODACC: {ruling}"[:500],
            "severity": notice_severity(ruling),
            "details": details[:20_000],
            "links": [notice.link],
            "external_id": f"bodacc:{notice.id}"[:500],
            "source": source,
        }
    )


def _notice(record: _Record) -> Notice:
    ruling = _ruling(record.jugement)
    link = record.url_complete or ""
    if not link.startswith(("https://", "http://")):
        link = DETAIL_URL.format(id=record.id)
    registre = [record.registre] if isinstance(record.registre, str) else record.registre or []
    sirens = frozenset(c for c in (re.sub(r"\D", "", r) for r in registre) if len(c) == 9)
    return Notice(
        id=record.id,
        published=record.dateparution,
        sirens=sirens,
        company=" ".join(record.commercant.split()),
        court=" ".join(record.tribunal.split()),
        ruling=str(ruling.get("nature", "")).strip()[:400],
        ruling_date=str(ruling.get("date", "")).strip()[:40],
        complement=str(ruling.get("complementJugement", "")).strip()[:4000],
        link=link,
    )


def _ruling(jugement: str | dict[str, Any] | None) -> dict[str, Any]:
    if isinstance(jugement, dict):
        return jugement
    if not jugement:
        return {}
    try:
        parsed = json.loads(jugement)
    except ValueError:
        return {"nature": jugement}  # plain text in older notices
    return parsed if isinstance(parsed, dict) else {}
