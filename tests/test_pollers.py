"""Pollers against a local server: Statuspage, RSS/Atom, CSAF, and feeds that misbehave."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest_asyncio
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy import select

from bot.config import PollerSettings
from bot.polling.feeds import REMEMBERED
from bot.polling.poller import FeedPoller, register_pollers
from bot.sandbox.world import SandboxWorld
from bot.services import ServiceFactory
from bot.storage.db import Database
from bot.storage.models import AlertRecord, OutboxRecord, SourceContactRecord
from bot.suppliers.file import SupplierEntry
from tests.support.clock import ManualClock
from tests.support.factories import make_factory
from tests.support.feed_server import FeedServer
from tests.support.homeserver import bot_settings, running_bot
from tests.support.matrix_user import MatrixUser, body_of


@pytest_asyncio.fixture(loop_scope="session")
async def feeds() -> AsyncIterator[FeedServer]:
    server = FeedServer()
    await server.start()
    yield server
    await server.close()


def poller(factory: ServiceFactory, **settings: Any) -> FeedPoller:
    return FeedPoller(factory, PollerSettings(**settings))


async def alerts(database: Database) -> list[AlertRecord]:
    async with database.transaction() as session:
        return list(await session.scalars(select(AlertRecord).order_by(AlertRecord.id)))


async def bodies(database: Database) -> list[str]:
    async with database.transaction() as session:
        rows = await session.scalars(select(OutboxRecord).order_by(OutboxRecord.id))
        return [str(row.content["body"]) for row in rows]


def summary(components: list[tuple[str, str, str]], incidents: list[dict[str, Any]]) -> bytes:
    return json.dumps(
        {
            "page": {"id": "p1", "name": "Acme Status", "url": "https://status.acme.test"},
            "status": {"indicator": "major", "description": "Partial System Outage"},
            "components": [
                {"id": cid, "name": name, "status": status, "group": cid.startswith("grp")}
                for cid, name, status in components
            ],
            "incidents": incidents,
            "scheduled_maintenances": [],
        }
    ).encode()


INCIDENT = {
    "id": "inc42",
    "name": "Elevated API errors",
    "status": "investigating",
    "impact": "major",
    "shortlink": "https://stspg.io/inc42",
    "incident_updates": [{"body": "We are investigating elevated error rates."}],
}


async def test_statuspage_changes_become_alerts_and_resolve(
    database: Database, feeds: FeedServer
) -> None:
    factory = make_factory(database, clock=ManualClock())
    acme = poller(
        factory, name="acme-status", kind="statuspage", url=feeds.url("/s.json"), supplier="Acme"
    )
    feeds.bodies["/s.json"] = summary(
        [
            ("api", "API", "operational"),
            ("web", "Web portal", "partial_outage"),
            ("grp1", "EU region", "major_outage"),  # a group: its members speak for it
        ],
        [INCIDENT],
    )
    await acme.poll()
    await acme.poll()  # the same page again: nothing new
    first = await alerts(database)
    assert [(a.title, a.severity, a.external_id, a.count) for a in first] == [
        ("Web portal: partial outage", "S2", "component:web", 1),
        ("Elevated API errors", "S2", "incident:inc42", 1),
    ]
    assert first[1].links == ["https://stspg.io/inc42"]
    assert "elevated error rates" in first[1].details
    assert len(await bodies(database)) == 2

    feeds.bodies["/s.json"] = summary(
        [("api", "API", "major_outage"), ("web", "Web portal", "operational")], []
    )
    await acme.poll()
    latest = await alerts(database)
    assert [(a.external_id, a.status, a.resolved_by) for a in latest] == [
        ("component:web", "resolved", "acme-status"),
        ("incident:inc42", "resolved", "acme-status"),
        ("component:api", "open", None),
    ]
    assert latest[2].severity == "S1"


RSS = """<?xml version="1.0"?><rss version="2.0"><channel><title>Acme news</title>{items}
</channel></rss>"""
ITEM = """<item><title>{title}</title><link>https://acme.test/{guid}</link>
<guid>{guid}</guid><description>About {title}</description></item>"""
ATOM = """<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">
<title>Globex status</title><id>urn:globex</id>{entries}</feed>"""
ENTRY = """<entry><id>urn:globex:{n}</id><title>Globex notice {n}</title>
<link href="https://globex.test/{n}"/><summary>Summary {n}</summary></entry>"""


async def test_rss_and_atom_entries_after_the_first_poll_become_alerts(
    database: Database, feeds: FeedServer
) -> None:
    factory = make_factory(database, clock=ManualClock())
    rss = poller(
        factory, name="acme-news", kind="rss", url=feeds.url("/rss"), supplier="Acme", severity="S2"
    )
    atom = poller(factory, name="globex", kind="rss", url=feeds.url("/atom"), supplier="Globex")
    feeds.bodies["/rss"] = RSS.format(items=ITEM.format(title="Old news", guid="a1")).encode()
    feeds.bodies["/atom"] = ATOM.format(entries=ENTRY.format(n=1)).encode()
    await rss.poll()
    await atom.poll()
    assert await alerts(database) == []  # the first poll only notes what is there

    items = [
        ITEM.format(title="Price increase", guid="a2"),
        ITEM.format(title="Old news", guid="a1"),
    ]
    feeds.bodies["/rss"] = RSS.format(items="".join(items)).encode()
    feeds.bodies["/atom"] = ATOM.format(entries=ENTRY.format(n=2) + ENTRY.format(n=1)).encode()
    for _ in range(2):
        await rss.poll()
        await atom.poll()
    found = await alerts(database)
    assert [(a.supplier, a.source, a.title, a.severity, a.links) for a in found] == [
        ("Acme", "acme-news", "Price increase", "S2", ["https://acme.test/a2"]),
        ("Globex", "globex", "Globex notice 2", "S3", ["https://globex.test/2"]),
    ]
    assert found[0].details == "About Price increase"


def advisory(tracking_id: str, tree: dict[str, Any], **document: Any) -> bytes:
    return json.dumps(
        {
            "document": {
                "category": "csaf_security_advisory",
                "csaf_version": "2.0",
                "title": f"Advisory {tracking_id}",
                "publisher": {"category": "coordinator", "name": "CERT", "namespace": "https://c"},
                "tracking": {"id": tracking_id, "status": "final", "version": "1"},
                **document,
            },
            "product_tree": tree,
            "vulnerabilities": [
                {
                    "cve": "CVE-2026-0001",
                    "scores": [{"products": [], "cvss_v3": {"baseScore": 9.8}}],
                }
            ],
        }
    ).encode()


def vendor(name: str, product: str) -> dict[str, Any]:
    return {
        "branches": [
            {
                "category": "vendor",
                "name": name,
                "branches": [{"category": "product_name", "name": product}],
            }
        ]
    }


async def test_csaf_advisories_are_matched_to_suppliers_by_vendor_or_product(
    database: Database, feeds: FeedServer
) -> None:
    factory = make_factory(database, clock=ManualClock())
    async with factory.transaction() as services:
        await services.suppliers.replace_all(
            [SupplierEntry(name="Acme Cloud", aliases=["ACME Corp"]), SupplierEntry(name="Hooli")]
        )
    feeds.bodies["/csaf/provider-metadata.json"] = json.dumps(
        {
            "metadata_version": "2.0",
            "role": "csaf_trusted_provider",
            "distributions": [
                {"directory_url": feeds.url("/csaf/white")},
                {"rolie": {"feeds": [{"tlp_label": "WHITE", "url": feeds.url("/csaf/feed.json")}]}},
            ],
        }
    ).encode()
    feeds.bodies["/csaf/white/changes.csv"] = b'"2026/old-1.json","2026-01-01T10:00:00Z"\n'
    feeds.bodies["/csaf/feed.json"] = json.dumps({"feed": {"id": "f", "entry": []}}).encode()
    cert = poller(factory, name="ncsc", kind="csaf", url=feeds.url("/csaf/provider-metadata.json"))
    await cert.poll()
    assert await alerts(database) == []  # the first poll sets the watermark

    feeds.bodies["/csaf/white/changes.csv"] = (
        b'"2026/new-2.json","2026-02-02T10:00:00Z"\n'
        b'"2026/new-1.json","2026-02-01T10:00:00Z"\n'
        b'"2026/old-1.json","2026-01-01T10:00:00Z"\n'
    )
    feeds.bodies["/csaf/white/2026/new-1.json"] = advisory(
        "NCSC-2026-0001", vendor("ACME corp", "Payroll"), aggregate_severity={"text": "High"}
    )
    feeds.bodies["/csaf/white/2026/new-2.json"] = advisory(
        "NCSC-2026-0002",
        vendor("Initech", "TPS"),  # no supplier of ours
    )
    rolie_advisory = feeds.url("/csaf/white/2026/rolie-1.json")
    feeds.bodies["/csaf/white/2026/rolie-1.json"] = advisory(
        "NCSC-2026-0003", {"full_product_names": [{"name": "hooli", "product_id": "p1"}]}
    )
    feeds.bodies["/csaf/feed.json"] = json.dumps(
        {
            "feed": {
                "id": "f",
                "entry": [
                    {
                        "id": "NCSC-2026-0003",
                        "updated": "2026-02-03T08:00:00+00:00",
                        "content": {"type": "application/json", "src": rolie_advisory},
                    }
                ],
            }
        }
    ).encode()
    await cert.poll()
    await cert.poll()  # nothing changed since: nothing fetched again, nothing new
    found = await alerts(database)
    assert [(a.supplier, a.severity, a.title, a.source) for a in found] == [
        ("Acme Cloud", "S2", "NCSC-2026-0001: Advisory NCSC-2026-0001", "ncsc"),
        ("Hooli", "S1", "NCSC-2026-0003: Advisory NCSC-2026-0003", "ncsc"),
    ]
    assert "names ACME corp" in found[0].details and "CVE-2026-0001" in found[0].details
    assert found[1].links == [rolie_advisory]
    assert feeds.hits["/csaf/white/2026/new-1.json"] == 1


BOMB = b"""<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">
<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>
<rss><channel>&lol2;</channel></rss>"""


async def test_misbehaving_feeds_are_reported_once_until_they_recover(
    database: Database, feeds: FeedServer
) -> None:
    factory = make_factory(database, clock=ManualClock())
    feeds.bodies["/broken.json"] = b"{not json"
    feeds.bodies["/bomb.xml"] = BOMB
    feeds.bodies["/big.json"] = b" " * 5000
    feeds.bodies["/error.json"] = b"oops"
    feeds.status["/error.json"] = 500
    common = {"supplier": "Acme", "timeout_seconds": 0.5, "max_bytes": 4096}
    pollers = [
        poller(
            factory, name="malformed", kind="statuspage", url=feeds.url("/broken.json"), **common
        ),
        poller(factory, name="bomb", kind="rss", url=feeds.url("/bomb.xml"), **common),
        poller(factory, name="slow", kind="statuspage", url=feeds.url("/slow"), **common),
        poller(factory, name="huge", kind="statuspage", url=feeds.url("/big.json"), **common),
        poller(factory, name="endless", kind="rss", url=feeds.url("/endless"), **common),
        poller(factory, name="down", kind="statuspage", url=feeds.url("/error.json"), **common),
    ]
    for _ in range(3):
        for each in pollers:
            await each.poll()
    reports = await bodies(database)
    assert len(reports) == len(pollers)
    expected = {
        "malformed": "not a Statuspage summary",
        "bomb": "not well-formed XML",
        "slow": "no answer within 0.5 s",
        "huge": "larger than 4096 bytes",
        "endless": "larger than 4096 bytes",
        "down": "HTTP 500",
    }
    for report, (name, reason) in zip(reports, expected.items(), strict=True):
        assert report.startswith(f"Feed {name} cannot be polled: {reason}"), report

    feeds.bodies["/broken.json"] = summary([("api", "API", "operational")], [])
    await pollers[0].poll()
    await pollers[0].poll()
    latest = await bodies(database)
    assert len(latest) == len(pollers) + 1
    assert latest[-1].startswith("Feed malformed works again (failing since Mon 23 Nov 2026 ")
    assert await alerts(database) == []
    # Only a good poll is contact (heartbeat): the failing feeds were never heard from.
    async with database.transaction() as session:
        contacts = list(await session.scalars(select(SourceContactRecord)))
    assert [(c.source, c.last_contact_at) for c in contacts] == [("malformed", ManualClock().now())]


def test_one_scheduler_job_per_configured_poller(tmp_path: Path) -> None:
    scheduler = AsyncIOScheduler(timezone="UTC")
    settings = [
        PollerSettings(name="a", kind="statuspage", url="https://a.test/s.json", supplier="A"),
        PollerSettings(name="b", kind="csaf", url="https://b.test/p.json", interval_seconds=60),
    ]
    started = register_pollers(scheduler, make_factory(Database("sqlite+aiosqlite://")), settings)
    jobs = {job.id: job for job in scheduler.get_jobs()}
    assert sorted(jobs) == ["poll-a", "poll-b"]
    assert [p.settings.name for p in started] == ["a", "b"]
    assert jobs["poll-b"].trigger.interval.total_seconds() == 60


async def test_the_active_bot_polls_and_posts_in_the_coordination_room(
    world: SandboxWorld, alice: MatrixUser, feeds: FeedServer, tmp_path: Path
) -> None:
    feeds.bodies["/umbrella.json"] = summary([("db", "Database", "major_outage")], [])
    settings = bot_settings(
        world,
        tmp_path / "bot",
        pollers=[
            PollerSettings(
                name="umbrella",
                kind="statuspage",
                url=feeds.url("/umbrella.json"),
                supplier="Umbrella",
                interval_seconds=3600,
            )
        ],
    )
    async with running_bot(settings):
        notice = await alice.wait_for(
            world.coordination_room,
            lambda e: (
                body_of(e).startswith("Melding #")
                and "[S1] Umbrella: Database: major outage" in body_of(e)
            ),
        )
        assert "nl.weerbaar.alert_id" in notice["content"]


async def test_an_unchanged_feed_longer_than_the_remembered_ids_posts_nothing(
    database: Database, feeds: FeedServer
) -> None:
    # A feed listing more entries than a poller remembers ids of (an archive feed).
    factory = make_factory(database, clock=ManualClock())
    rss = poller(factory, name="archive", kind="rss", url=feeds.url("/rss"), supplier="Acme")
    items = [ITEM.format(title=f"News {n}", guid=f"n{n}") for n in range(REMEMBERED + 100, 0, -1)]
    feeds.bodies["/rss"] = RSS.format(items="".join(items)).encode()
    for _ in range(3):
        await rss.poll()
    assert await alerts(database) == []  # nothing new appeared after the first poll


async def test_csaf_advisories_changed_at_one_moment_are_not_skipped_at_the_batch_limit(
    database: Database, feeds: FeedServer
) -> None:
    factory = make_factory(database, clock=ManualClock())
    async with factory.transaction() as services:
        await services.suppliers.replace_all([SupplierEntry(name="Acme Cloud")])
    feeds.bodies["/csaf/provider-metadata.json"] = json.dumps(
        {"metadata_version": "2.0", "distributions": [{"directory_url": feeds.url("/csaf/w")}]}
    ).encode()
    feeds.bodies["/csaf/w/changes.csv"] = b'"old.json","2026-01-01T10:00:00Z"\n'
    cert = poller(
        factory,
        name="ncsc",
        kind="csaf",
        url=feeds.url("/csaf/provider-metadata.json"),
        max_advisories=2,
    )
    await cert.poll()  # the first poll sets the watermark
    # Three advisories published in one go, one more than a poll fetches.
    feeds.bodies["/csaf/w/changes.csv"] = b"".join(
        b'"new-%d.json","2026-02-01T10:00:00Z"\n' % n for n in (1, 2, 3)
    )
    for n in (1, 2, 3):
        feeds.bodies[f"/csaf/w/new-{n}.json"] = advisory(f"NCSC-{n}", vendor("Acme Cloud", "X"))
    for _ in range(3):
        await cert.poll()
    found = await alerts(database)
    assert sorted(a.title.split(":")[0] for a in found) == ["NCSC-1", "NCSC-2", "NCSC-3"]


async def test_a_component_that_gets_worse_is_announced_again_and_resolved_on_recovery(
    database: Database, feeds: FeedServer
) -> None:
    factory = make_factory(database, clock=ManualClock())
    acme = poller(
        factory, name="acme-status", kind="statuspage", url=feeds.url("/w.json"), supplier="Acme"
    )
    for status in ("degraded_performance", "major_outage", "operational"):
        feeds.bodies["/w.json"] = summary([("api", "API", status)], [])
        await acme.poll()
    assert [(a.title, a.severity, a.status) for a in await alerts(database)] == [
        ("API: degraded performance", "S3", "resolved"),
        ("API: major outage", "S1", "resolved"),
    ]
    # Two notices (edits start with "* "): the worsening was posted, not only counted.
    notices = [body for body in await bodies(database) if not body.startswith("* ")]
    assert [body.splitlines()[0] for body in notices] == [
        "Alert #1 [S3] Acme: API: degraded performance",
        "Alert #2 [S1] Acme: API: major outage",
    ]


async def test_a_feed_configured_with_a_suppliers_alias_is_held_back_by_its_snooze(
    database: Database, feeds: FeedServer
) -> None:
    clock = ManualClock()
    factory = make_factory(database, clock=clock)
    async with factory.transaction() as services:
        await services.suppliers.replace_all([SupplierEntry(name="Acme Cloud", aliases=["Acme"])])
        until = clock.now() + timedelta(hours=2)
        await services.snoozes.snooze_supplier("Acme Cloud", until, "@alice:test", "planned")
    posted = len(await bodies(database))
    acme = poller(
        factory, name="acme-status", kind="statuspage", url=feeds.url("/a.json"), supplier="Acme"
    )
    feeds.bodies["/a.json"] = summary([("web", "Web portal", "partial_outage")], [])
    await acme.poll()
    [alert] = await alerts(database)
    # Stored under the registry's name, like an alert from the intake, so the snooze of
    # Acme Cloud (and its open situation, its !ack) applies to it.
    assert (alert.supplier, alert.snooze_id is not None) == ("Acme Cloud", True)
    assert len(await bodies(database)) == posted


async def test_a_component_removed_from_the_page_while_down_is_resolved(
    database: Database, feeds: FeedServer
) -> None:
    factory = make_factory(database, clock=ManualClock())
    acme = poller(
        factory, name="acme-status", kind="statuspage", url=feeds.url("/r.json"), supplier="Acme"
    )
    feeds.bodies["/r.json"] = summary(
        [("api", "API", "operational"), ("legacy", "Legacy portal", "major_outage")], []
    )
    await acme.poll()
    # The supplier retires the broken component: the page no longer lists it.
    feeds.bodies["/r.json"] = summary([("api", "API", "operational")], [])
    await acme.poll()
    assert [(a.external_id, a.status) for a in await alerts(database)] == [
        ("component:legacy", "resolved")
    ]


async def test_an_incident_whose_impact_is_raised_is_announced_again(
    database: Database, feeds: FeedServer
) -> None:
    factory = make_factory(database, clock=ManualClock())
    acme = poller(
        factory, name="acme-status", kind="statuspage", url=feeds.url("/i.json"), supplier="Acme"
    )
    for impact in ("minor", "critical"):
        feeds.bodies["/i.json"] = summary([], [{**INCIDENT, "impact": impact}])
        await acme.poll()
    assert [(a.severity, a.status) for a in await alerts(database)] == [
        ("S3", "resolved"),
        ("S1", "open"),
    ]
    feeds.bodies["/i.json"] = summary([], [{**INCIDENT, "status": "resolved"}])
    await acme.poll()
    assert {a.status for a in await alerts(database)} == {"resolved"}
