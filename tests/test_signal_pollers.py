"""Early signals: the CISA KEV catalogue and BODACC notices, from a local server."""

from __future__ import annotations

import re
import tomllib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from pydantic import ValidationError
from sqlalchemy import select

from bot.alerts.model import IncomingAlert
from bot.config import PollerSettings
from bot.polling.bodacc import notice_severity
from bot.polling.poller import FeedPoller
from bot.sandbox.world import SandboxWorld
from bot.services import ServiceFactory
from bot.storage.db import Database
from bot.storage.models import AlertRecord, LogEntryRecord, OutboxRecord, PollStateRecord
from bot.suppliers.file import Criticality, DependencyEntry, ServiceEntry, SupplierEntry
from bot.suppliers.identifiers import Identifiers
from tests.support.clock import ManualClock
from tests.support.databases import prepare_bot_database
from tests.support.factories import make_factory
from tests.support.feed_server import FeedServer
from tests.support.homeserver import bot_settings, running_bot
from tests.support.matrix_user import MatrixUser, body_of
from tests.support.signal_feeds import (
    CITRIX_BLEED,
    bodacc_notice,
    bodacc_page,
    edgar_submissions,
    gleif_page,
    gleif_parent,
    gleif_record,
    kev_catalogue,
    kev_entry,
)

HOURLY = 3600


@pytest_asyncio.fixture(loop_scope="session")
async def feeds() -> AsyncIterator[FeedServer]:
    server = FeedServer()
    await server.start()
    yield server
    await server.close()


def poller(factory: ServiceFactory, **settings: Any) -> FeedPoller:
    return FeedPoller(factory, PollerSettings(interval_seconds=HOURLY, **settings))


async def alerts(database: Database) -> list[AlertRecord]:
    async with database.transaction() as session:
        return list(await session.scalars(select(AlertRecord).order_by(AlertRecord.id)))


async def bodies(database: Database) -> list[str]:
    async with database.transaction() as session:
        rows = await session.scalars(select(OutboxRecord).order_by(OutboxRecord.id))
        return [str(row.content["body"]) for row in rows]


SUPPLIERS = [
    SupplierEntry(
        name="Citrix",
        identifiers=Identifiers(vulnerability_names=["NetScaler ADC and NetScaler Gateway"]),
    ),
    SupplierEntry(
        name="Acme Cloud",
        aliases=["Acme"],
        identifiers=Identifiers(siren="812345676", cik="1234567"),
    ),
    SupplierEntry(
        name="Globex", identifiers=Identifiers(siren="823456785", lei="5493001KJTIIGC8Y1R12")
    ),
]


async def registry(factory: ServiceFactory, suppliers: list[SupplierEntry] = SUPPLIERS) -> None:
    async with factory.transaction() as services:
        await services.suppliers.replace_all(suppliers)


# Globex hosts a vital process; Acme Cloud only an important one.
VITAL = [
    SupplierEntry(
        name="Acme Cloud",
        identifiers=Identifiers(siren="812345676"),
        services=[
            ServiceEntry(
                name="Mail",
                dependencies=[
                    DependencyEntry(
                        organisation="Gemeente X",
                        process="Nieuwsbrief",
                        criticality=Criticality.IMPORTANT,
                    )
                ],
            )
        ],
    ),
    SupplierEntry(
        name="Globex",
        identifiers=Identifiers(siren="823456785"),
        services=[
            ServiceEntry(
                name="Hosting",
                dependencies=[
                    DependencyEntry(
                        organisation="Gemeente X",
                        process="Uitkeringen",
                        criticality=Criticality.VITAL,
                    )
                ],
            )
        ],
    ),
]
# A BODACC watermark before the notices below, so they are new.
BODACC_SEEN = {"since": "2026-11-01", "seen": []}


async def test_new_kev_entries_for_registry_suppliers_become_alerts_once(
    database: Database, feeds: FeedServer
) -> None:
    factory = make_factory(database, clock=ManualClock())
    await registry(factory)
    settings = {"name": "kev", "kind": "cisa_kev", "url": feeds.url("/kev.json")}
    kev = poller(factory, contact="soc@example.org", **settings)
    old = kev_entry("CVE-2025-0001", "Acme", "Payroll")
    feeds.bodies["/kev.json"] = kev_catalogue(old)
    await kev.poll()
    assert await alerts(database) == []  # the first poll only remembers the catalogue
    assert feeds.headers["/kev.json"]["User-Agent"] == "Weerbaar feed poller (soc@example.org)"

    feeds.bodies["/kev.json"] = kev_catalogue(
        old,
        CITRIX_BLEED,  # matched by the product name registered for Citrix
        kev_entry("CVE-2026-1111", "ACME", "Payroll"),  # matched by the alias, any case
        kev_entry("CVE-2026-2222", "Initech", "TPS Reports", knownRansomwareCampaignUse="Known"),
    )
    await kev.poll()
    await kev.poll()  # unchanged: the server answers 304 and nothing is read
    assert feeds.not_modified["/kev.json"] == 1
    # A restart (a new poller on the same database) neither repeats nor misses.
    feeds.bodies["/kev.json"] += b" "
    await poller(factory, **settings).poll()
    found = await alerts(database)
    assert [(a.supplier, a.severity, a.title, a.source) for a in found] == [
        (
            "Citrix",
            "S1",
            "CVE-2023-4966: Citrix NetScaler ADC and NetScaler Gateway Buffer Overflow "
            "Vulnerability",
            "kev",
        ),
        (
            "Acme Cloud",
            "S2",
            "CVE-2026-1111: ACME Payroll Improper Authentication Vulnerability",
            "kev",
        ),
    ]
    citrix = found[0].details
    assert "Due date: 2023-11-08" in citrix
    assert "Required action: Apply mitigations per vendor instructions" in citrix
    assert "Known to be used in ransomware campaigns." in citrix
    assert found[0].links == ["https://nvd.nist.gov/vuln/detail/CVE-2023-4966"]
    assert "ransomware" not in found[1].details


async def test_a_kev_entry_naming_a_product_of_two_suppliers_alerts_both(
    database: Database, feeds: FeedServer
) -> None:
    factory = make_factory(database, clock=ManualClock())
    # Two hosting suppliers run the same appliance: an exploited flaw concerns both.
    appliance = Identifiers(vulnerability_names=["NetScaler ADC and NetScaler Gateway"])
    await registry(
        factory,
        [
            SupplierEntry(name="Acme Cloud", identifiers=appliance),
            SupplierEntry(name="Globex", identifiers=appliance),
        ],
    )
    kev = poller(factory, name="kev", kind="cisa_kev", url=feeds.url("/kev2.json"))
    feeds.bodies["/kev2.json"] = kev_catalogue()
    await kev.poll()
    feeds.bodies["/kev2.json"] = kev_catalogue(CITRIX_BLEED)
    await kev.poll()
    found = await alerts(database)
    assert sorted((a.supplier, a.external_id) for a in found) == [
        ("Acme Cloud", "kev:CVE-2023-4966:Acme Cloud"),
        ("Globex", "kev:CVE-2023-4966:Globex"),
    ]


async def test_bodacc_collective_procedures_for_registered_sirens_become_alerts(
    database: Database, feeds: FeedServer
) -> None:
    factory = make_factory(database, clock=ManualClock())
    await registry(factory)
    settings = {"name": "bodacc", "kind": "bodacc", "url": feeds.url("/records")}
    notices = poller(factory, **settings)
    earlier = bodacc_notice(
        "A202600010001", "2026-11-23", "812345676", "ACME CLOUD FRANCE", "Jugement arrêtant le plan"
    )
    feeds.bodies["/records"] = bodacc_page(earlier)
    await notices.poll()
    assert await alerts(database) == []  # the first poll only sets the watermark
    query = feeds.queries["/records"]
    assert query["where"] == (
        "familleavis=\"collective\" AND dateparution>=date'2026-11-23' "
        'AND (registre="812345676" OR registre="823456785")'
    )
    assert query["order_by"] == "dateparution, id" and query["limit"] == "100"

    liquidation = bodacc_notice(
        "A202600020002",
        "2026-11-25",
        "812345676",
        "ACME CLOUD FRANCE",
        "Jugement d'ouverture de liquidation judiciaire",
    )
    redressement = bodacc_notice(
        "A202600020003",
        "2026-11-25",
        "823456785",
        "GLOBEX SAS",
        "Jugement d'ouverture d'une procédure de redressement judiciaire",
        url_complete="https://www.bodacc.fr/pages/annonces-commerciales-detail/?q.id=id:X",
    )
    stranger = bodacc_notice(  # not ours: the server should not send it, and it is ignored
        "A202600020004", "2026-11-25", "834567893", "INITECH", "Jugement de liquidation judiciaire"
    )
    feeds.bodies["/records"] = bodacc_page(earlier, liquidation, redressement, stranger)
    await notices.poll()
    assert "dateparution>=date'2026-11-23'" in feeds.queries["/records"]["where"]
    await notices.poll()
    # A notice published later the same day after a restart is new; the others are not.
    sauvegarde = bodacc_notice(
        "A202600020009",
        "2026-11-25",
        "823456785",
        "GLOBEX SAS",
        "Jugement d'ouverture d'une procédure de sauvegarde",
    )
    feeds.bodies["/records"] = bodacc_page(liquidation, redressement, stranger, sauvegarde)
    await poller(factory, **settings).poll()
    assert "dateparution>=date'2026-11-25'" in feeds.queries["/records"]["where"]
    found = await alerts(database)
    assert [(a.supplier, a.severity, a.title) for a in found] == [
        ("Acme Cloud", "S1", "BODACC: Jugement d'ouverture de liquidation judiciaire"),
        ("Globex", "S2", "BODACC: Jugement d'ouverture d'une procédure de redressement judiciaire"),
        ("Globex", "S2", "BODACC: Jugement d'ouverture d'une procédure de sauvegarde"),
    ]
    assert "Court: TRIBUNAL DE COMMERCE DE NANTERRE" in found[0].details
    assert "(2026-01-28)" in found[0].details and "SIREN 812345676" in found[0].details
    assert "Maître Dupont" in found[0].details
    assert found[0].links == [
        "https://www.bodacc.fr/pages/annonces-commerciales-detail/?q.id=id:A202600020002"
    ]
    assert found[1].links == ["https://www.bodacc.fr/pages/annonces-commerciales-detail/?q.id=id:X"]


async def test_a_siren_added_to_the_registry_does_not_post_its_earlier_notices(
    database: Database, feeds: FeedServer
) -> None:
    clock = ManualClock()
    factory = make_factory(database, clock=clock)
    await registry(factory, SUPPLIERS[1:2])  # Acme Cloud only
    notices = poller(factory, name="bodacc", kind="bodacc", url=feeds.url("/records2"))
    feeds.bodies["/records2"] = bodacc_page()
    await notices.poll()  # the watermark: 2026-11-23
    # Weeks later Globex joins the registry, with a procedure opened before that.
    clock.advance(days=20)
    await registry(factory, SUPPLIERS[1:])
    earlier = bodacc_notice(
        "A202600030001", "2026-11-30", "823456785", "GLOBEX SAS", "Jugement de redressement"
    )
    feeds.bodies["/records2"] = bodacc_page(earlier)
    await notices.poll()
    assert await alerts(database) == []  # a new SIREN, like a new CIK, is only remembered
    later = bodacc_notice(
        "A202600030002", "2026-12-14", "823456785", "GLOBEX SAS", "Jugement de liquidation"
    )
    feeds.bodies["/records2"] = bodacc_page(earlier, later)
    await notices.poll()
    assert [a.external_id for a in await alerts(database)] == ["bodacc:A202600030002"]


def edgar_settings(feeds: FeedServer) -> dict[str, str]:
    """The SEC EDGAR poller's settings, against the local feed server."""
    return {
        "name": "edgar",
        "kind": "sec_edgar",
        "url": feeds.url("/submissions/"),
        "contact": "Weerbaar SOC soc@example.org",
    }


async def test_sec_8k_filings_with_watched_items_become_alerts(
    database: Database, feeds: FeedServer
) -> None:
    factory = make_factory(database, clock=ManualClock())
    await registry(factory)
    settings = edgar_settings(feeds)
    path = "/submissions/CIK0001234567.json"
    old = ("0001234567-26-000001", "2026-10-01", "8-K", "1.03,9.01")
    feeds.bodies[path] = edgar_submissions("1234567", "ACME CLOUD INC", old)
    await poller(factory, **settings).poll()
    assert await alerts(database) == []  # a CIK seen for the first time is only remembered
    agent = feeds.headers[path]["User-Agent"]
    assert agent == "Weerbaar feed poller (Weerbaar SOC soc@example.org)"

    feeds.bodies[path] = edgar_submissions(
        "1234567",
        "ACME CLOUD INC",
        ("0001234567-26-000006", "2026-11-20", "8-K", "2.06,4.02,9.01"),
        ("0001234567-26-000005", "2026-11-19", "10-Q", ""),
        ("0001234567-26-000004", "2026-11-18", "8-K", "2.02,9.01"),  # results: not watched
        ("0001234567-26-000003", "2026-11-17", "8-K", "5.02"),
        ("0001234567-26-000002", "2026-11-16", "8-K", "1.03"),
        old,
    )
    await poller(factory, **settings).poll()
    await poller(factory, **settings).poll()  # a restart: nothing again
    found = await alerts(database)
    assert [(a.supplier, a.severity, a.title) for a in found] == [
        ("Acme Cloud", "S1", "SEC 8-K: Item 1.03 Bankruptcy or receivership"),
        (
            "Acme Cloud",
            "S3",
            "SEC 8-K: Item 5.02 Departure or appointment of directors or officers",
        ),
        (
            "Acme Cloud",
            "S2",
            "SEC 8-K: Item 2.06 Material impairments; "
            "Item 4.02 Non-reliance on previously issued financial statements",
        ),
    ]
    assert found[0].links == [
        "https://www.sec.gov/Archives/edgar/data/1234567/000123456726000002/8k-2026-11-16.htm"
    ]
    assert "accession 0001234567-26-000002" in found[0].details


async def test_a_cik_edgar_does_not_know_is_skipped_and_the_others_are_polled(
    database: Database, feeds: FeedServer, caplog: pytest.LogCaptureFixture
) -> None:
    # EDGAR answers 404 for a CIK it has no submissions for (a typo in the registry, a
    # company deregistered): that one supplier must not hold back everyone else's filings.
    factory = make_factory(database, clock=ManualClock())
    unknown = SupplierEntry(name="Initech", identifiers=Identifiers(cik="7654321"))
    await registry(factory, [*SUPPLIERS, unknown])
    settings = edgar_settings(feeds)
    path = "/submissions/CIK0001234567.json"
    old = ("0001234567-26-000001", "2026-10-01", "8-K", "9.01")
    feeds.bodies[path] = edgar_submissions("1234567", "ACME CLOUD INC", old)
    await poller(factory, **settings).poll()
    new = ("0001234567-26-000002", "2026-11-16", "8-K", "1.03")
    feeds.bodies[path] = edgar_submissions("1234567", "ACME CLOUD INC", new, old)
    caplog.clear()
    await poller(factory, **settings).poll()
    found = await alerts(database)
    assert [(a.supplier, a.title) for a in found] == [
        ("Acme Cloud", "SEC 8-K: Item 1.03 Bankruptcy or receivership")
    ]
    assert not [body for body in await bodies(database) if "cannot be polled" in body]
    skipped = [r.getMessage() for r in caplog.records if "0007654321" in r.getMessage()]
    assert len(skipped) == 1 and "HTTP 404" in skipped[0], skipped


async def test_gleif_record_changes_become_alerts(database: Database, feeds: FeedServer) -> None:
    factory = make_factory(database, clock=ManualClock())
    await registry(factory)
    lei = "5493001KJTIIGC8Y1R12"
    gleif = poller(factory, name="gleif", kind="gleif", url=feeds.url("/api/v1"))
    feeds.bodies["/api/v1/lei-records"] = gleif_page(
        gleif_record(lei, "Globex Corporation", "ACTIVE", "ISSUED"),
        gleif_record("529900T8BM49AURSDO55", "Not ours AG", "ACTIVE", "ISSUED"),
    )
    await gleif.poll()
    assert await alerts(database) == []  # the first poll only remembers
    assert feeds.queries["/api/v1/lei-records"]["filter[lei]"] == lei

    feeds.bodies["/api/v1/lei-records"] = gleif_page(
        gleif_record(lei, "Globex Holdings Corporation", "ACTIVE", "ISSUED")
    )
    await gleif.poll()
    await gleif.poll()
    feeds.bodies["/api/v1/lei-records"] = gleif_page(
        gleif_record(
            lei, "Globex Holdings Corporation", "INACTIVE", "RETIRED", reason="CORPORATE_ACTION"
        )
    )
    await gleif.poll()
    await gleif.poll()
    found = await alerts(database)
    assert [(a.supplier, a.severity, a.title) for a in found] == [
        (
            "Globex",
            "S3",
            "LEI record changed: legal name Globex Corporation → Globex Holdings Corporation",
        ),
        (
            "Globex",
            "S2",
            "LEI record changed: entity status ACTIVE → INACTIVE; "
            "registration status ISSUED → RETIRED",
        ),
    ]
    assert "Expiry reason: CORPORATE_ACTION." in found[1].details
    assert found[1].links == [f"https://search.gleif.org/#/record/{lei}"]


async def test_a_new_ultimate_parent_is_an_s2_alert_and_not_repeated_after_a_restart(
    database: Database, feeds: FeedServer
) -> None:
    factory = make_factory(database, clock=ManualClock())
    await registry(factory)
    lei, parent, buyer = "5493001KJTIIGC8Y1R12", "529900PARENT0000AA11", "529900BUYER00000BB22"
    settings = {"name": "gleif", "kind": "gleif", "url": feeds.url("/api/v1")}
    relationship = f"/api/v1/lei-records/{lei}/ultimate-parent-relationship"
    feeds.bodies["/api/v1/lei-records"] = gleif_page(
        gleif_record(lei, "Globex Corporation", "ACTIVE", "ISSUED")
    )
    await poller(factory, **settings).poll()  # no parent reported (404): only remembered
    assert feeds.hits[relationship] == 1

    feeds.bodies[relationship] = gleif_parent(lei, parent)
    await poller(factory, **settings).poll()
    await poller(factory, **settings).poll()  # a restart neither repeats the change...
    feeds.bodies[relationship] = gleif_parent(lei, buyer)
    await poller(factory, **settings).poll()
    feeds.bodies[relationship] = gleif_parent(lei, buyer, status="INACTIVE")
    await poller(factory, **settings).poll()
    await poller(factory, **settings).poll()  # ...nor misses the next one
    found = await alerts(database)
    assert [(a.severity, a.title) for a in found] == [
        ("S2", f"LEI record changed: ultimate parent none → {parent}"),
        ("S2", f"LEI record changed: ultimate parent {parent} → {buyer}"),
        ("S3", f"LEI record changed: ultimate parent {buyer} → none"),
    ]
    assert found[1].links == [
        f"https://search.gleif.org/#/record/{lei}",
        f"https://search.gleif.org/#/record/{buyer}",
    ]


async def test_a_poll_state_from_before_the_parent_was_watched_raises_no_alert(
    database: Database, feeds: FeedServer
) -> None:
    factory = make_factory(database, clock=ManualClock())
    await registry(factory)
    lei = "5493001KJTIIGC8Y1R12"
    async with factory.transaction() as services:  # what the previous version remembered
        before = {
            "legal_name": "Globex",
            "entity_status": "ACTIVE",
            "registration_status": "ISSUED",
        }
        await services.polls.succeeded("gleif", {lei: before})
    feeds.bodies["/api/v1/lei-records"] = gleif_page(
        gleif_record(lei, "Globex", "ACTIVE", "ISSUED")
    )
    feeds.bodies[f"/api/v1/lei-records/{lei}/ultimate-parent-relationship"] = gleif_parent(
        lei, "529900PARENT0000AA11"
    )
    gleif = poller(factory, name="gleif", kind="gleif", url=feeds.url("/api/v1"))
    await gleif.poll()
    assert await alerts(database) == []
    async with factory.transaction() as services:
        assert (await services.polls.state("gleif"))[lei]["ultimate_parent"] == (
            "529900PARENT0000AA11"
        )


async def test_a_procedure_for_a_vital_supplier_proposes_the_lauwe_fase_at_once(
    database: Database, feeds: FeedServer
) -> None:
    factory = make_factory(database, clock=ManualClock())
    await registry(factory, VITAL)
    async with factory.transaction() as services:
        await services.polls.succeeded("bodacc", BODACC_SEEN)
    liquidation = bodacc_notice(
        "A202600020002", "2026-11-24", "823456785", "GLOBEX SAS", "Jugement de liquidation"
    )
    redressement = bodacc_notice(
        "A202600020003", "2026-11-24", "812345676", "ACME", "Jugement de redressement"
    )
    feeds.bodies["/records"] = bodacc_page(liquidation, redressement)
    notices = poller(factory, name="bodacc", kind="bodacc", url=feeds.url("/records"))
    await notices.poll()
    await notices.poll()  # nothing new: no second proposal
    globex, acme = await alerts(database)
    proposals = [body for body in await bodies(database) if body.startswith("Proposal")]
    assert proposals == [
        "Proposal: open the warm-up phase (lauwe fase) for Globex now. Reason: alert "
        f"#{globex.id} reports an insolvency procedure (BODACC: Jugement de liquidation) and "
        "vital processes depend on this supplier: Gemeente X / Uitkeringen (Hosting). "
        "Weerbaar only proposes; the taskforce decides.\n"
        f"Track it and set the phase: !track {globex.id}, then "
        "!phase <situation> lauwe_fase <reason>"
    ]
    assert acme.supplier == "Acme Cloud"  # an important process only: no proposal


async def test_a_procedure_for_a_vital_supplier_at_signal_proposes_its_phase_and_logs_it(
    database: Database, feeds: FeedServer
) -> None:
    factory = make_factory(database, clock=ManualClock())
    await registry(factory, VITAL)
    async with factory.transaction() as services:
        await services.polls.succeeded("bodacc", BODACC_SEEN)
        earlier = await services.alerts.receive(
            IncomingAlert(supplier="Globex", title="Late payments", source="manual")
        )
        situation = await services.situations.track_alert(earlier.id, "@alice:test")
    feeds.bodies["/records"] = bodacc_page(
        bodacc_notice(
            "A202600020004", "2026-11-24", "823456785", "GLOBEX SAS", "Jugement de sauvegarde"
        )
    )
    await poller(factory, name="bodacc", kind="bodacc", url=feeds.url("/records")).poll()
    proposals = [body for body in await bodies(database) if body.startswith("Proposal")]
    assert len(proposals) == 1
    assert proposals[0].endswith(
        f"Situation #{situation.id} is at signal: !phase {situation.id} lauwe_fase <reason>"
    )
    async with database.transaction() as session:
        kinds = await session.scalars(
            select(LogEntryRecord.kind).where(LogEntryRecord.situation_id == situation.id)
        )
        assert "escalation_proposed" in list(kinds)


async def test_misbehaving_signal_feeds_are_reported_once(
    database: Database, feeds: FeedServer
) -> None:
    factory = make_factory(database, clock=ManualClock())
    await registry(factory)
    feeds.bodies["/kev-bad.json"] = kev_catalogue({"cveID": "not a CVE", "product": "x"})
    feeds.bodies["/bodacc-bad"] = b'{"results": "none"}'
    feeds.bodies["/bodacc-big"] = b" " * 5000
    feeds.bodies["/edgar-bad/CIK0001234567.json"] = edgar_submissions("1234567", "A")[:-30]
    feeds.bodies["/gleif-bad/lei-records"] = b'{"data": [{"attributes": {}}]}'
    lei = "5493001KJTIIGC8Y1R12"
    feeds.bodies["/gleif-parent/lei-records"] = gleif_page(
        gleif_record(lei, "Globex", "ACTIVE", "ISSUED")
    )
    feeds.bodies[f"/gleif-parent/lei-records/{lei}/ultimate-parent-relationship"] = b"{}"
    feeds.bodies["/kev-down.json"] = b"oops"
    feeds.status["/kev-down.json"] = 503
    common = {"timeout_seconds": 0.5, "max_bytes": 4096}
    pollers = [
        poller(factory, name="kev-bad", kind="cisa_kev", url=feeds.url("/kev-bad.json"), **common),
        poller(factory, name="bodacc-bad", kind="bodacc", url=feeds.url("/bodacc-bad"), **common),
        poller(factory, name="kev-slow", kind="cisa_kev", url=feeds.url("/slow"), **common),
        poller(factory, name="bodacc-big", kind="bodacc", url=feeds.url("/bodacc-big"), **common),
        poller(factory, name="bodacc-end", kind="bodacc", url=feeds.url("/endless"), **common),
        poller(
            factory, name="kev-down", kind="cisa_kev", url=feeds.url("/kev-down.json"), **common
        ),
        poller(
            factory,
            name="edgar-bad",
            kind="sec_edgar",
            url=feeds.url("/edgar-bad"),
            contact="soc@example.org",
            **common,
        ),
        poller(factory, name="gleif-bad", kind="gleif", url=feeds.url("/gleif-bad"), **common),
        poller(
            factory, name="gleif-parent", kind="gleif", url=feeds.url("/gleif-parent"), **common
        ),
    ]
    for _ in range(3):
        for each in pollers:
            await each.poll()
    expected = {
        "kev-bad": "not the CISA KEV catalogue",
        "bodacc-bad": "not a BODACC records page",
        "kev-slow": "no answer within 0.5 s",
        "bodacc-big": "larger than 4096 bytes",
        "bodacc-end": "larger than 4096 bytes",
        "kev-down": "HTTP 503",
        "edgar-bad": "not an EDGAR submissions document",
        "gleif-bad": "not GLEIF LEI records",
        "gleif-parent": "not a GLEIF relationship record",
    }
    reports = await bodies(database)
    assert len(reports) == len(expected)
    for report, (name, reason) in zip(reports, expected.items(), strict=True):
        assert report.startswith(f"Feed {name} cannot be polled: {reason}"), report
    assert await alerts(database) == []


def test_signal_pollers_keep_to_the_interval_floor() -> None:
    with pytest.raises(ValidationError, match="a cisa_kev poller polls at most every 3600 s"):
        PollerSettings(name="k", kind="cisa_kev", url="https://x.test/k.json", interval_seconds=60)
    with pytest.raises(ValidationError, match="contact"):
        PollerSettings(name="b", kind="bodacc", url="https://x.test/r", contact="a\r\nX-Evil: 1")
    with pytest.raises(ValidationError, match="a sec_edgar poller needs a contact"):
        PollerSettings(name="s", kind="sec_edgar", url="https://data.sec.gov/submissions/")
    assert PollerSettings(name="b", kind="bodacc", url="https://x.test/r").interval_seconds == 3600


async def test_a_kev_entry_reaches_the_coordination_room(
    world: SandboxWorld, alice: MatrixUser, feeds: FeedServer, tmp_path: Path
) -> None:
    feeds.bodies["/kev-live.json"] = kev_catalogue(
        kev_entry("CVE-2025-0001", "Acme", "A"), CITRIX_BLEED
    )
    settings = bot_settings(
        world,
        tmp_path / "bot",
        pollers=[
            PollerSettings(
                name="kev",
                kind="cisa_kev",
                url=feeds.url("/kev-live.json"),
                interval_seconds=HOURLY,
            )
        ],
    )
    # The registry and the watermark of an earlier poll, in place before the bot starts.
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    await prepare_bot_database(settings)
    db = Database(settings.database_url)
    try:
        await registry(make_factory(db))
        async with db.transaction() as session:
            session.add(PollStateRecord(source="kev", state={"known": ["CVE-2025-0001"]}))
    finally:
        await db.dispose()
    async with running_bot(settings):
        notice = await alice.wait_for(
            world.coordination_room,
            lambda e: (
                body_of(e).startswith("Melding #")
                and "[S1] Citrix: CVE-2023-4966: Citrix NetScaler" in body_of(e)
            ),
        )
        assert "nl.weerbaar.alert_id" in notice["content"]


async def test_a_vital_suppliers_procedure_proposes_the_lauwe_fase_in_the_room(
    world: SandboxWorld, alice: MatrixUser, feeds: FeedServer, tmp_path: Path
) -> None:
    feeds.bodies["/bodacc-live"] = bodacc_page(
        bodacc_notice(
            "A202600030001", "2026-11-24", "823456785", "GLOBEX SAS", "Jugement de liquidation"
        )
    )
    settings = bot_settings(
        world,
        tmp_path / "bot",
        pollers=[
            PollerSettings(
                name="bodacc",
                kind="bodacc",
                url=feeds.url("/bodacc-live"),
                interval_seconds=HOURLY,
            )
        ],
    )
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    await prepare_bot_database(settings)
    db = Database(settings.database_url)
    try:
        await registry(make_factory(db), VITAL)
        async with db.transaction() as session:
            session.add(PollStateRecord(source="bodacc", state=BODACC_SEEN))
    finally:
        await db.dispose()
    async with running_bot(settings):
        proposal = await alice.wait_for(
            world.coordination_room,
            lambda e: body_of(e).startswith("Voorstel: open direct de lauwe fase voor Globex"),
        )
        assert "vitale processen hangen af van deze leverancier: Gemeente X / Uitkeringen" in (
            body_of(proposal)
        )
        assert "!volg " in body_of(proposal)


def test_the_readme_signal_poller_examples_are_valid() -> None:
    readme = Path(__file__).resolve().parent.parent / "README.md"
    blocks = re.findall(r"(?ms)^```toml\n(.*?)```", readme.read_text())
    (example,) = [block for block in blocks if 'kind = "cisa_kev"' in block]
    pollers = [PollerSettings(**each) for each in tomllib.loads(example)["pollers"]]
    assert [(p.kind, p.interval_seconds, p.contact) for p in pollers] == [
        ("cisa_kev", 3600, "soc@example.org"),
        ("bodacc", 3600, "soc@example.org"),
        ("sec_edgar", 600, "Taskforce Weerbaar soc@example.org"),
        ("gleif", 3600, "soc@example.org"),
    ]


def test_bodacc_rulings_by_severity() -> None:
    rulings = {
        "Jugement de conversion en liquidation judiciaire": "S1",
        "Jugement d'ouverture d'une procédure de sauvegarde accélérée": "S2",
        "Jugement arrêtant le plan de redressement": "S2",
        "Jugement de clôture pour extinction du passif": "S3",
        "Jugement arrêtant le plan de cession": "S3",
    }
    assert {ruling: notice_severity(ruling).value for ruling in rulings} == rulings
