"""CISA Known Exploited Vulnerabilities catalogue (``known_exploited_vulnerabilities.json``).

The catalogue is one JSON document listing every vulnerability CISA knows to be exploited;
entries are added, rarely changed and never removed. The poll state remembers every cveID
seen, so a restart neither repeats an entry nor misses one added meanwhile (a date
watermark alone would miss entries CISA adds with an earlier ``dateAdded``). The first
poll only remembers. New entries whose vendor or product matches a registry supplier
(name, alias or registered vulnerability name) become alerts.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from bot.alerts.model import IncomingAlert, Severity
from bot.polling.documents import read_json


class _Entry(BaseModel):
    # CISA adds fields over time (cwes, notes); only the ones used are read.
    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    cve: str = Field(alias="cveID", pattern=r"^CVE-\d{4}-\d{4,}$")
    vendor: str = Field(alias="vendorProject", max_length=500)
    product: str = Field(max_length=500)
    name: str = Field(default="", alias="vulnerabilityName", max_length=1000)
    added: str = Field(default="", alias="dateAdded", max_length=40)
    description: str = Field(default="", alias="shortDescription", max_length=10_000)
    action: str = Field(default="", alias="requiredAction", max_length=4000)
    due: str = Field(default="", alias="dueDate", max_length=40)
    ransomware: str = Field(default="Unknown", alias="knownRansomwareCampaignUse")


class _Catalogue(BaseModel):
    model_config = ConfigDict(extra="ignore")

    vulnerabilities: list[_Entry]


@dataclass(frozen=True)
class KevEntry:
    """One catalogue entry; matched against the registry like a CSAF advisory."""

    entry: _Entry

    @property
    def names(self) -> tuple[str, ...]:
        """Vendor, product, and both together (registries often say "Vendor Product")."""
        entry = self.entry
        return (entry.vendor, entry.product, f"{entry.vendor} {entry.product}")

    def alert(self, supplier: str, matched: str, source: str) -> IncomingAlert:
        """The alert for ``supplier``, which the entry names as ``matched``."""
        entry = self.entry
        ransomware = entry.ransomware.strip().casefold() == "known"
        details = (
            f"CISA Known Exploited Vulnerabilities: {entry.cve} in {entry.vendor} "
            f"{entry.product} (matches {matched}), added {entry.added}.\n{entry.description}\n"
            f"Required action: {entry.action}\nDue date: {entry.due}"
        )
        if ransomware:
            details += "\nKnown to be used in ransomware campaigns."
        return IncomingAlert.model_validate(
            {
                "supplier": supplier,
                "title": f"{entry.cve}: {entry.name or entry.product}"[:500],
                "severity": Severity.S1 if ransomware else Severity.S2,
                "details": details[:20_000],
                "links": [f"https://nvd.nist.gov/vuln/detail/{entry.cve}"],
                "external_id": f"kev:{entry.cve}:{supplier}"[:500],
                "source": source,
            }
        )


def parse_catalogue(body: bytes) -> list[KevEntry]:
    """The catalogue's entries; FeedError when it is not the catalogue."""
    catalogue = read_json(body, _Catalogue, "the CISA KEV catalogue")
    return [KevEntry(entry) for entry in catalogue.vulnerabilities]


def new_entries(entries: list[KevEntry], state: dict[str, Any]) -> list[KevEntry]:
    """Entries the previous polls did not see; none on the first poll."""
    if "known" not in state:
        return []
    known = set(state["known"])
    return [entry for entry in entries if entry.entry.cve not in known]


def remembered(entries: list[KevEntry], state: dict[str, Any]) -> dict[str, Any]:
    """The state after this poll: every cveID ever seen (the catalogue never shrinks)."""
    known = set(state.get("known", [])) | {entry.entry.cve for entry in entries}
    return {**state, "known": sorted(known)}
