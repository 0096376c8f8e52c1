"""CSAF 2.0 security advisories from a provider (``provider-metadata.json``).

The provider's distributions list a directory (with ``changes.csv``) or ROLIE feeds;
both give each advisory's URL and when it last changed. A watermark remembers the newest
change handled, so every poll fetches only advisories that changed since; the first
poll only sets the watermark. Each advisory names vendors and products in its product
tree; those that match a supplier in the registry (by name or alias) become alerts.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urljoin

from bot.alerts.model import IncomingAlert, Severity
from bot.polling.fetch import FeedError

SEVERITY_WORDS = {
    "critical": Severity.S1,
    "high": Severity.S2,
    "important": Severity.S2,
    "medium": Severity.S3,
    "moderate": Severity.S3,
    "low": Severity.S4,
}
# CVSS base score thresholds (v3 qualitative scale), most severe first.
CVSS_SEVERITY = ((9.0, Severity.S1), (7.0, Severity.S2), (4.0, Severity.S3), (0.0, Severity.S4))


@dataclass(frozen=True)
class Listed:
    """An advisory in a provider's index: where it is and when it last changed."""

    url: str
    changed: datetime


@dataclass(frozen=True)
class Advisory:
    """The parts of a CSAF advisory an alert needs."""

    tracking_id: str
    title: str
    severity: Severity
    names: tuple[str, ...]
    url: str
    cves: tuple[str, ...]

    def alert(self, supplier: str, matched: str, source: str) -> IncomingAlert:
        """The alert for ``supplier``, which the advisory names as ``matched``."""
        details = f"CSAF advisory {self.tracking_id} names {matched}."
        if self.cves:
            details += " " + ", ".join(self.cves[:20])
        links = [self.url] if self.url.startswith(("https://", "http://")) else []
        return IncomingAlert.model_validate(
            {
                "supplier": supplier,
                "title": f"{self.tracking_id}: {self.title}"[:500],
                "severity": self.severity,
                "details": details,
                "links": links,
                "external_id": f"{self.tracking_id}:{supplier}"[:500],
                "source": source,
            }
        )


def _json(body: bytes, what: str) -> Any:
    try:
        return json.loads(body)
    except ValueError as exc:
        raise FeedError(f"{what} is not JSON: {exc}"[:300]) from None


def index_urls(metadata: bytes) -> list[tuple[str, str]]:
    """("directory", changes.csv URL) and ("rolie", feed URL) of every distribution."""
    document = _json(metadata, "provider metadata")
    distributions = document.get("distributions") if isinstance(document, dict) else None
    if not isinstance(distributions, list):
        raise FeedError("provider metadata has no distributions")
    found: list[tuple[str, str]] = []
    for distribution in distributions:
        if not isinstance(distribution, dict):
            continue
        directory = distribution.get("directory_url")
        if isinstance(directory, str):
            found.append(("directory", urljoin(directory.rstrip("/") + "/", "changes.csv")))
        rolie = distribution.get("rolie")
        feeds = rolie.get("feeds", []) if isinstance(rolie, dict) else []
        for feed in feeds if isinstance(feeds, list) else []:
            if isinstance(feed, dict) and isinstance(feed.get("url"), str):
                found.append(("rolie", feed["url"]))
    if not found:
        raise FeedError("provider metadata lists no directory or ROLIE feed")
    return found


def parse_changes_csv(body: bytes, changes_url: str) -> list[Listed]:
    """The lines of ``changes.csv``: advisory path (relative to the directory) and time."""
    try:
        rows = list(csv.reader(io.StringIO(body.decode("utf-8"))))
    except (UnicodeDecodeError, csv.Error) as exc:
        raise FeedError(f"changes.csv unreadable: {exc}"[:300]) from None
    listed = []
    for row in rows:
        if len(row) != 2:
            raise FeedError(f'changes.csv line is not "path","time": {row!r}'[:300])
        listed.append(Listed(urljoin(changes_url, row[0]), _time(row[1])))
    return listed


def parse_rolie(body: bytes) -> list[Listed]:
    """The entries of a ROLIE feed: the advisory's JSON URL and its update time."""
    document = _json(body, "ROLIE feed")
    feed = document.get("feed") if isinstance(document, dict) else None
    if not isinstance(feed, dict) or not isinstance(feed.get("entry", []), list):
        raise FeedError("not a ROLIE feed")
    listed = []
    for entry in feed.get("entry", []):
        content = entry.get("content") if isinstance(entry, dict) else None
        src = content.get("src") if isinstance(content, dict) else None
        if not isinstance(src, str):
            raise FeedError("ROLIE entry without content.src")
        listed.append(Listed(src, _time(str(entry.get("updated", "")))))
    return listed


def changed_since(listed: list[Listed], since: datetime, limit: int) -> list[Listed]:
    """The oldest ``limit`` advisories changed after ``since``, oldest first.

    The next poll resumes after the last one's time, so the batch never ends inside a
    group of advisories changed at one moment (the rest would be skipped for good): such
    a group is left whole to the next poll, or taken whole if it alone exceeds ``limit``.
    """
    newer = sorted((item for item in listed if item.changed > since), key=lambda i: i.changed)
    if len(newer) <= limit:
        return newer
    cut = limit
    while cut > 0 and newer[cut].changed == newer[cut - 1].changed:
        cut -= 1
    if cut == 0:
        cut = limit
        while cut < len(newer) and newer[cut].changed == newer[cut - 1].changed:
            cut += 1
    return newer[:cut]


def parse_advisory(body: bytes, url: str) -> Advisory:
    """An advisory's id, title, severity and the vendor and product names it concerns."""
    document = _json(body, "advisory")
    meta = document.get("document") if isinstance(document, dict) else None
    tracking = meta.get("tracking") if isinstance(meta, dict) else None
    if not isinstance(meta, dict) or not isinstance(tracking, dict) or "id" not in tracking:
        raise FeedError(f"{url} is not a CSAF document")
    names = tuple(dict.fromkeys(_names(document.get("product_tree", {}))))
    vulnerabilities = document.get("vulnerabilities", [])
    vulnerabilities = vulnerabilities if isinstance(vulnerabilities, list) else []
    cves = tuple(str(v["cve"]) for v in vulnerabilities if isinstance(v, dict) and "cve" in v)
    return Advisory(
        tracking_id=str(tracking["id"])[:200],
        title=str(meta.get("title", tracking["id"]))[:400],
        severity=_severity(meta, vulnerabilities),
        names=names,
        url=url,
        cves=cves,
    )


def _names(tree: Any) -> Iterator[str]:
    """Vendor and product names anywhere in a product tree."""
    if isinstance(tree, dict):
        if tree.get("category") in ("vendor", "product_name", "product_family"):
            name = tree.get("name")
            if isinstance(name, str):
                yield name
        for key in ("branches", "full_product_names"):
            for child in tree.get(key, []) if isinstance(tree.get(key), list) else []:
                if key == "full_product_names" and isinstance(child, dict):
                    name = child.get("name")
                    if isinstance(name, str):
                        yield name
                else:
                    yield from _names(child)


def _severity(meta: dict[str, Any], vulnerabilities: list[Any]) -> Severity:
    aggregate = meta.get("aggregate_severity")
    if isinstance(aggregate, dict):
        word = str(aggregate.get("text", "")).strip().lower()
        if word in SEVERITY_WORDS:
            return SEVERITY_WORDS[word]
    scores = [
        float(score["cvss_v3"]["baseScore"])
        for vulnerability in vulnerabilities
        if isinstance(vulnerability, dict)
        for score in vulnerability.get("scores", [])
        if isinstance(score, dict)
        and isinstance(score.get("cvss_v3"), dict)
        and isinstance(score["cvss_v3"].get("baseScore"), int | float)
    ]
    if scores:
        top = max(scores)
        return next(severity for floor, severity in CVSS_SEVERITY if top >= floor)
    return Severity.S3


def _time(value: str) -> datetime:
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        raise FeedError(f"not a timestamp: {value[:60]!r}") from None
    if moment.tzinfo is None:
        raise FeedError(f"timestamp without time zone: {value[:60]!r}")
    return moment
