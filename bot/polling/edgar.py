"""SEC EDGAR submissions (``https://data.sec.gov/submissions/CIK##########.json``).

One document per registered CIK lists the company's recent filings as parallel arrays
(``filings.recent.form``, ``accessionNumber``, ``filingDate``, ``items``, ...). Each new
8-K that reports a watched item becomes an alert, its severity that of its gravest item;
other forms, and 8-Ks reporting only other items (results, exhibits, Regulation FD),
are ignored. The state remembers, per CIK, the 8-K accession numbers in the recent list,
so a restart neither repeats nor misses a filing; a CIK seen for the first time is only
remembered.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from bot.alerts.model import IncomingAlert, Severity
from bot.polling.documents import read_json
from bot.polling.fetch import FeedError

FORM = "8-K"
# Form 8-K items that say a company is in trouble (SEC Form 8-K General Instructions).
ITEMS = {
    "1.03": ("Bankruptcy or receivership", Severity.S1),
    "2.04": ("Triggering events that accelerate a financial obligation", Severity.S2),
    "4.02": ("Non-reliance on previously issued financial statements", Severity.S2),
    "2.06": ("Material impairments", Severity.S3),
    "5.02": ("Departure or appointment of directors or officers", Severity.S3),
}
ORDER = (Severity.S1, Severity.S2, Severity.S3, Severity.S4)


class _Recent(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    accession: list[str] = Field(alias="accessionNumber")
    filed: list[str] = Field(alias="filingDate")
    form: list[str]
    items: list[str]
    document: list[str] = Field(alias="primaryDocument")


class _Filings(BaseModel):
    model_config = ConfigDict(extra="ignore")

    recent: _Recent


class _Submissions(BaseModel):
    model_config = ConfigDict(extra="ignore")

    name: str = Field(default="", max_length=500)
    filings: _Filings


@dataclass(frozen=True)
class Filing:
    """One 8-K filing."""

    accession: str
    filed: str
    items: tuple[str, ...]
    link: str


def submissions_url(base: str, cik: str) -> str:
    """The submissions document of ``cik`` (10 digits) under ``base``."""
    return f"{base.rstrip('/')}/CIK{cik}.json"


def parse_filings(body: bytes, cik: str) -> list[Filing]:
    """The 8-K filings in the recent list; FeedError when it is not a submissions document."""
    recent = read_json(body, _Submissions, "an EDGAR submissions document").filings.recent
    columns = (recent.accession, recent.filed, recent.form, recent.items, recent.document)
    if len({len(column) for column in columns}) != 1:
        raise FeedError("EDGAR submissions: the filing columns differ in length")
    return [
        Filing(
            accession=accession,
            filed=filed,
            items=tuple(item.strip() for item in items.split(",") if item.strip()),
            link=f"https://www.sec.gov/Archives/edgar/data/{int(cik)}/"
            f"{accession.replace('-', '')}/{document}",
        )
        for accession, filed, form, items, document in zip(*columns, strict=True)
        if form == FORM
    ]


def new_filings(
    filings: list[Filing], state: dict[str, Any], cik: str
) -> tuple[list[Filing], list[str]]:
    """Watched 8-Ks not seen before (none for a new CIK), and the accessions to remember."""
    known = state.get(cik)
    current = [filing.accession for filing in filings]
    if not isinstance(known, list):
        return [], current
    seen = set(known)
    found = [f for f in filings if f.accession not in seen and any(i in ITEMS for i in f.items)]
    return list(reversed(found)), current  # EDGAR lists newest first; post oldest first


def filing_alert(filing: Filing, supplier: str, cik: str, source: str) -> IncomingAlert:
    """The alert for ``supplier`` about ``filing``."""
    watched = [item for item in filing.items if item in ITEMS]
    severity = min((ITEMS[item][1] for item in watched), key=ORDER.index)
    described = "; ".join(f"Item {item} {ITEMS[item][0]}" for item in watched)
    return IncomingAlert.model_validate(
        {
            "supplier": supplier,
            "title": f"SEC 8-K: {described}"[:500],
            "severity": severity,
            "details": f"Form 8-K filed {filing.filed} (CIK {cik}, accession "
            f"{filing.accession}), items {', '.join(filing.items)}.",
            "links": [filing.link],
            "external_id": f"edgar:{filing.accession}"[:500],
            "source": source,
        }
    )
