"""RSS (0.9x, 1.0, 2.0) and Atom feeds: every new entry becomes an alert.

Parsed with defusedxml (no entity expansion, no external entities: a feed is untrusted
input) and the standard library's ElementTree; entries need only an id, a title, a link
and a summary, so a full feed library would add little. The first poll only notes what
is there, so adding a feed does not post its whole history.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from bot.alerts.model import IncomingAlert, Severity
from bot.polling.fetch import FeedError
from bot.polling.statuspage import Changes

ATOM = "{http://www.w3.org/2005/Atom}"
RSS1 = "{http://purl.org/rss/1.0/}"
# Entry ids remembered per feed beyond those it shows now (most show a few dozen).
REMEMBERED = 500
# A feed that suddenly shows more new entries than this posts only the newest ones.
MAX_NEW = 50


@dataclass(frozen=True)
class FeedEntry:
    """One entry of a feed."""

    id: str
    title: str
    link: str | None
    summary: str


def parse_feed(body: bytes) -> list[FeedEntry]:
    """The entries of an RSS or Atom document, newest first as the feed lists them."""
    try:
        root = fromstring(body)
    except (ParseError, DefusedXmlException) as exc:
        raise FeedError(f"not well-formed XML: {exc}"[:300]) from None
    if root.tag == ATOM + "feed":
        return [_atom_entry(entry) for entry in root.iter(ATOM + "entry")]
    items = list(root.iter("item")) + list(root.iter(RSS1 + "item"))
    if root.tag not in ("rss", "{http://www.w3.org/1999/02/22-rdf-syntax-ns#}RDF"):
        raise FeedError(f"not an RSS or Atom feed (root element {root.tag[:80]})")
    return [_rss_entry(item) for item in items]


def feed_changes(
    entries: list[FeedEntry], state: dict[str, Any], source: str, supplier: str, severity: Severity
) -> Changes:
    """Alerts for entries the previous polls did not see; the first poll only remembers.

    The state remembers the ids of all entries in the feed now, then of the newest
    earlier ones up to ``REMEMBERED``: an unchanged feed yields no alert, however long.
    """
    seen: list[str] = state.get("seen", [])
    known = set(seen)
    new = [entry for entry in entries if entry.id and _key(entry) not in known]
    changes = Changes()
    if "seen" in state:
        for entry in reversed(new[:MAX_NEW]):  # oldest first, so ids follow the feed
            changes.alerts.append(
                IncomingAlert(
                    supplier=supplier,
                    title=entry.title[:500] or entry.id[:500],
                    severity=severity,
                    details=entry.summary[:20_000],
                    links=[entry.link] if entry.link else [],
                    external_id=_key(entry),
                    source=source,
                )
            )
    # Every entry the feed shows now is remembered, however many: an id forgotten while
    # its entry is still listed would come back as new at the next poll.
    shown = list(dict.fromkeys(_key(entry) for entry in entries if entry.id))
    listed = set(shown)
    remembered = shown + [key for key in seen if key not in listed]
    changes.state = {"seen": remembered[: max(REMEMBERED, len(shown))]}
    return changes


def _key(entry: FeedEntry) -> str:
    # Ids can be long URLs; a hash keeps the alert's external id short and stable.
    return "entry:" + hashlib.sha256(entry.id.encode()).hexdigest()[:32]


def _text(element: Element | None) -> str:
    return "".join(element.itertext()).strip() if element is not None else ""


def _rss_entry(item: Element) -> FeedEntry:
    def child(name: str) -> Element | None:
        found = item.find(name)
        return found if found is not None else item.find(RSS1 + name)

    link = _text(child("link")) or None
    title = _text(child("title"))
    guid = _text(child("guid")) or item.get("{http://www.w3.org/1999/02/22-rdf-syntax-ns#}about")
    return FeedEntry(
        id=guid or link or title,
        title=" ".join(title.split()),
        link=_http(link),
        summary=_text(child("description")),
    )


def _atom_entry(entry: Element) -> FeedEntry:
    links = entry.findall(ATOM + "link")
    alternate = next((x for x in links if x.get("rel", "alternate") == "alternate"), None)
    link = alternate.get("href") if alternate is not None else None
    title = " ".join(_text(entry.find(ATOM + "title")).split())
    summary = _text(entry.find(ATOM + "summary")) or _text(entry.find(ATOM + "content"))
    return FeedEntry(
        id=_text(entry.find(ATOM + "id")) or link or title,
        title=title,
        link=_http(link),
        summary=summary,
    )


def _http(link: str | None) -> str | None:
    return link if link and link.startswith(("https://", "http://")) else None
