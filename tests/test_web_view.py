"""The read-only web view (issue 20): access, picture, situation, alerts, escaping, SSE."""

from __future__ import annotations

import asyncio
import html
import re
from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path

import pytest
import pytest_asyncio

from bot.alerts.model import IncomingAlert, Severity
from bot.decisionlog.grounds import Withheld
from bot.playbooks.runs import load_runs, load_runs_of
from bot.services import ServiceFactory
from bot.situations.phases import Phase
from bot.storage.db import Database
from bot.suppliers.file import DependencyEntry, FallbackEntry, ServiceEntry, SupplierEntry
from bot.suppliers.freshness import DrillKind, Outcome
from bot.web import situation_page
from tests.support.clock import ManualClock, stepping_clock
from tests.support.databases import migrated_sqlite
from tests.support.factories import ALICE, BOB, CAROL, factory_for
from tests.support.tampering import tamper
from tests.support.web import PREFIX, Members, log_in, new_link_token, web_client

HOSTILE = '<script>alert("x")</script>'


@pytest_asyncio.fixture(loop_scope="session")
async def sqlite(tmp_path: Path) -> AsyncIterator[Database]:
    """A migrated SQLite database (the web view only reads what the services wrote)."""
    db = await migrated_sqlite(tmp_path / "web.db")
    yield db
    await db.dispose()


@pytest.fixture
def clock() -> ManualClock:
    """A clock that moves a second per reading."""
    return stepping_clock()


@pytest.fixture
def factory(sqlite: Database, clock: ManualClock) -> ServiceFactory:
    """Services for alice, bob and carol on the SQLite database."""
    return factory_for(sqlite, clock)


async def _situation(
    factory: ServiceFactory, supplier: str = "Acme", title: str = "Outage", **alert: object
) -> int:
    """A situation in the lauwe fase tracked from a new alert."""
    incoming = IncomingAlert(
        supplier=supplier, title=title, severity=Severity.S2, source="test", **alert
    )
    async with factory.transaction() as services:
        received = await services.alerts.receive(incoming)
        situation = await services.situations.track_alert(received.id, ALICE)
        await services.situations.change_phase(
            situation.id, Phase.LAUWE_FASE, ALICE, "two alerts in an hour"
        )
        return situation.id


# --- access ---


async def test_nothing_is_served_without_a_session(factory: ServiceFactory) -> None:
    situation_id = await _situation(factory, title="Secret outage")
    async with web_client(factory, Members(ALICE)) as client:
        for path in ("/", "/alerts", f"/situations/{situation_id}", "/events"):
            response = await client.get(PREFIX + path)
            body = await response.text()
            assert response.status == 403, path
            assert "Secret outage" not in body
            assert "default-src 'none'" in response.headers["Content-Security-Policy"]
        forged = await client.get(PREFIX + "/", cookies={"weerbaar_session": "guess"})
        assert forged.status == 403


async def test_a_link_logs_in_once_and_opening_it_uses_nothing(factory: ServiceFactory) -> None:
    async with web_client(factory, Members(ALICE)) as client:
        token = await new_link_token(factory, ALICE)
        # A chat client's link preview fetches the link: that must not use it up.
        page = await client.get(f"{PREFIX}/login", params={"token": token})
        assert page.status == 200
        assert 'name="token"' in await page.text()
        response = await client.post(
            f"{PREFIX}/login", data={"token": token}, allow_redirects=False
        )
        assert response.status == 303
        cookie = response.headers["Set-Cookie"]
        assert "HttpOnly" in cookie
        assert "SameSite=Strict" in cookie
        assert f"Path={PREFIX}" in cookie
        assert (await client.get(PREFIX + "/")).status == 200
        # The same link again, from another browser: refused.
        client.session.cookie_jar.clear()
        assert await log_in(client, token) == 403
        assert (await client.get(PREFIX + "/")).status == 403


async def test_a_link_expires_after_five_minutes(
    factory: ServiceFactory, clock: ManualClock
) -> None:
    async with web_client(factory, Members(ALICE)) as client:
        token = await new_link_token(factory, ALICE)
        clock.advance(minutes=5)
        assert await log_in(client, token) == 403


async def test_a_session_ends_after_twelve_hours(
    factory: ServiceFactory, clock: ManualClock
) -> None:
    async with web_client(factory, Members(ALICE)) as client:
        assert await log_in(client, await new_link_token(factory, ALICE)) == 303
        clock.advance(hours=11, minutes=59)
        assert (await client.get(PREFIX + "/")).status == 200
        clock.advance(minutes=1)
        assert (await client.get(PREFIX + "/")).status == 403


async def test_someone_outside_the_taskforce_gets_no_session(factory: ServiceFactory) -> None:
    async with web_client(factory, Members(ALICE)) as client:
        assert await log_in(client, await new_link_token(factory, CAROL)) == 403
        assert (await client.get(PREFIX + "/")).status == 403


async def test_removal_from_the_taskforce_ends_access_at_the_next_request(
    factory: ServiceFactory,
) -> None:
    members = Members(ALICE, BOB)
    async with web_client(factory, members) as client:
        assert await log_in(client, await new_link_token(factory, BOB)) == 303
        assert (await client.get(PREFIX + "/")).status == 200
        members.users.discard(BOB)
        assert (await client.get(PREFIX + "/")).status == 403


async def test_logout_ends_the_session(factory: ServiceFactory) -> None:
    async with web_client(factory, Members(ALICE)) as client:
        assert await log_in(client, await new_link_token(factory, ALICE)) == 303
        session = client.session.cookie_jar.filter_cookies(client.make_url(PREFIX + "/"))
        secret = session["weerbaar_session"].value
        assert (await client.get(PREFIX + "/logout")).status == 200
        # The old cookie, kept by someone, opens nothing any more.
        again = await client.get(PREFIX + "/", cookies={"weerbaar_session": secret})
        assert again.status == 403


# --- the picture ---


async def test_the_picture_shows_open_situations_by_phase_escaped(
    factory: ServiceFactory,
) -> None:
    await _situation(factory, supplier=HOSTILE, title=f"down {HOSTILE}")
    async with web_client(factory, Members(ALICE)) as client:
        await log_in(client, await new_link_token(factory, ALICE))
        response = await client.get(PREFIX + "/")
        body = await response.text()
    assert response.status == 200
    assert HOSTILE not in body
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in body
    # Every column, the situation under the lauwe fase, and its unacknowledged alert.
    for label in ("signaal", "lauwe fase", "crisis", "afschaling", "evaluatie"):
        assert f">{label} (" in body
    lauwe = body.index('id="phase-lauwe_fase"')
    assert lauwe < body.index("down &lt;script") < body.index('id="phase-crisis"')
    assert "Onbevestigde meldingen</dt><dd>1</dd>" in body
    # Live without JavaScript too; the one inline script carries the response's nonce.
    assert '<meta http-equiv="refresh" content="30">' in body
    nonce = response.headers["Content-Security-Policy"].split("'nonce-")[1].split("'")[0]
    assert f'<script nonce="{nonce}">' in body
    assert "OEFENING" not in body


async def test_playbook_runs_are_loaded_for_every_situation_at_once(
    factory: ServiceFactory,
) -> None:
    first, second, third = [await _situation(factory, supplier=name) for name in "ABC"]
    async with factory.transaction() as services:
        await services.playbook_runs.start(first, "cloud-saas-outage", ALICE)
        await services.playbook_runs.start(second, "cloud-saas-outage", ALICE)
        await services.playbook_runs.start(second, "forced-exit", ALICE)
        together = await load_runs_of(services.session, [first, second, third], factory.playbooks)
        one_by_one = {
            situation_id: await load_runs(services.session, situation_id, factory.playbooks)
            for situation_id in (first, second, third)
        }
    # Numbered per situation, like one situation's runs alone.
    assert [(run.number, run.record.playbook_id) for run in together[second]] == [
        (1, "cloud-saas-outage"),
        (2, "forced-exit"),
    ]
    assert together[third] == []
    for situation_id, runs in one_by_one.items():
        assert [(r.record.id, r.number, r.state.steps()) for r in together[situation_id]] == [
            (r.record.id, r.number, r.state.steps()) for r in runs
        ]
    async with web_client(factory, Members(ALICE)) as client:
        await log_in(client, await new_link_token(factory, ALICE))
        body = await (await client.get(PREFIX + "/", params={"lang": "en"})).text()
    assert body.count("Playbook</dt><dd>0 of ") == 2


async def test_language_switch_is_remembered(factory: ServiceFactory) -> None:
    async with web_client(factory, Members(ALICE)) as client:
        await log_in(client, await new_link_token(factory, ALICE))
        dutch = await (await client.get(PREFIX + "/")).text()
        assert '<html lang="nl">' in dutch
        assert "Meldingen" in dutch
        english = await (await client.get(PREFIX + "/", params={"lang": "en"})).text()
        assert '<html lang="en">' in english
        assert "warm-up phase" in english
        # The cookie keeps English for the next page.
        alerts = await (await client.get(PREFIX + "/alerts")).text()
        assert '<html lang="en">' in alerts
        assert "Alerts" in alerts


async def test_exercise_situations_carry_the_banner(factory: ServiceFactory) -> None:
    await _situation(factory, exercise=True)
    async with web_client(factory, Members(ALICE)) as client:
        await log_in(client, await new_link_token(factory, ALICE))
        picture = await (await client.get(PREFIX + "/")).text()
        english = await (await client.get(PREFIX + "/", params={"lang": "en"})).text()
        suppliers = await (await client.get(PREFIX + "/suppliers")).text()
    assert "OEFENING — deze pagina toont een oefening" in picture
    assert "EXERCISE — this page shows an exercise" in english
    # The suppliers page shows no situation, but the exercise is running: it says so too
    # (in English, the language chosen last).
    assert "EXERCISE — this page shows an exercise" in suppliers


async def test_the_suppliers_page_has_no_banner_without_an_open_exercise(
    factory: ServiceFactory,
) -> None:
    await _situation(factory)
    async with web_client(factory, Members(ALICE)) as client:
        await log_in(client, await new_link_token(factory, ALICE))
        suppliers = await (await client.get(PREFIX + "/suppliers")).text()
    assert "OEFENING" not in suppliers


async def test_the_picture_stream_says_when_something_changed(factory: ServiceFactory) -> None:
    situation_id = await _situation(factory)
    members = Members(ALICE)
    async with web_client(factory, members) as client:
        await log_in(client, await new_link_token(factory, ALICE))
        stream = await client.get(PREFIX + "/events")
        assert stream.headers["Content-Type"] == "text/event-stream"
        assert "default-src 'none'" in stream.headers["Content-Security-Policy"]
        async with factory.transaction() as services:
            await services.situations.change_phase(situation_id, Phase.CRISIS, ALICE, "spreads")
        changed = await asyncio.wait_for(stream.content.readuntil(b"\n\n"), timeout=30)
        assert changed == b"event: changed\ndata: picture\n\n"
        # Leaving the taskforce ends the stream; the page's reload then shows the refusal.
        members.users.clear()
        rest = await asyncio.wait_for(stream.content.read(), timeout=30)
        assert rest == b"event: changed\ndata: session\n\n"


async def test_a_change_before_the_stream_connects_reloads_the_picture(
    factory: ServiceFactory,
) -> None:
    # The browser opens the stream again after the bot restarted or the proxy cut it; what
    # changed in between must still reload the page, not only what changes afterwards.
    situation_id = await _situation(factory)
    members = Members(ALICE)
    async with web_client(factory, members) as client:
        await log_in(client, await new_link_token(factory, ALICE))
        page = await (await client.get(PREFIX + "/")).text()
        found = re.search(r'EventSource\("([^"]+)"\)', page)
        assert found is not None
        async with factory.transaction() as services:
            await services.situations.change_phase(situation_id, Phase.CRISIS, ALICE, "spreads")
        stream = await client.get(html.unescape(found.group(1)))
        members.users.clear()  # ends the stream at its next look
        events = await asyncio.wait_for(stream.content.read(), timeout=30)
    assert events.startswith(b"event: changed\ndata: picture\n\n")


# --- one situation ---


async def test_the_situation_page_merges_the_record_and_escapes_it(
    factory: ServiceFactory,
) -> None:
    situation_id = await _situation(factory, title=f"title {HOSTILE}")
    async with factory.transaction() as services:
        await services.decisions.decide(
            situation_id,
            ALICE,
            f"Switch to fallback {HOSTILE}",
            "Supplier gives no ETA",
            options=[
                {"option": "Wait", "chosen": False, "why_not": f"too slow {HOSTILE}"},
                {"option": "Fallback", "chosen": True, "why_not": None},
            ],
        )
    async with web_client(factory, Members(ALICE)) as client:
        await log_in(client, await new_link_token(factory, ALICE))
        response = await client.get(f"{PREFIX}/situations/{situation_id}", params={"lang": "en"})
        body = await response.text()
        download = await client.get(f"{PREFIX}/situations/{situation_id}/report.md")
        markdown = await download.text()
        missing = await client.get(f"{PREFIX}/situations/999")
    assert response.status == 200
    assert HOSTILE not in body
    main = body[body.index("<main>") :]
    # The chain's state is said first.
    assert main.index('id="chain"') < main.index("<table>")
    assert "Log chain intact" in main
    assert "too slow &lt;script&gt;" in main
    assert "Supplier gives no ETA" in main
    # The timeline merges the alert (first) with the log entries.
    timeline = main[main.index("Timeline") :]
    assert timeline.index(">alert<") < timeline.index(">log entry 1<")
    for ext in ("md", "html", "json", "csv", "pdf", "odt"):
        assert f"/situations/{situation_id}/report.{ext}" in main
    assert download.status == 200
    assert download.headers["Content-Type"].startswith("text/markdown")
    assert "Switch to fallback" in markdown
    assert missing.status == 404


@pytest.mark.parametrize("number", ["2147483648", "9223372036854775808", "9" * 5000])
async def test_a_situation_id_beyond_any_row_is_not_found_not_an_error(
    database: Database, clock: ManualClock, number: str
) -> None:
    # 2**31 overflows PostgreSQL's integer, 2**63 SQLite's, and 5000 digits int() itself.
    factory = factory_for(database, clock)
    async with web_client(factory, Members(ALICE)) as client:
        await log_in(client, await new_link_token(factory, ALICE))
        for path in (f"/situations/{number}", f"/situations/{number}/report.md"):
            response = await client.get(PREFIX + path)
            assert response.status == 404, path
            assert response.headers["Cache-Control"] == "no-store"


async def test_the_situation_page_marks_confidential_and_corrected_entries(
    factory: ServiceFactory,
) -> None:
    # As !log and every report do: a reader at the wall must not take a confidential entry
    # for a releasable one, nor a corrected decision for one that stands.
    situation_id = await _situation(factory)
    async with factory.transaction() as services:
        decision = await services.decisions.decide(
            situation_id, ALICE, "Pay the ransom", "No backups", withheld=Withheld()
        )
        correction = await services.log.correct(
            situation_id, decision.seq, ALICE, "Restore from tape instead"
        )
    async with web_client(factory, Members(ALICE)) as client:
        await log_in(client, await new_link_token(factory, ALICE))
        response = await client.get(f"{PREFIX}/situations/{situation_id}", params={"lang": "en"})
        body = await response.text()
    main = body[body.index("<main>") :]
    decisions = main[main.index("<h2>Decisions") : main.index("<h2>Timeline")]
    assert "Pay the ransom" in decisions
    assert "(not disclosable)" in decisions
    assert f"Corrected in log entry: {correction.seq}" in decisions
    timeline = main[main.index("<h2>Timeline") :]
    ransom = timeline[timeline.index(f">log entry {decision.seq}<") :].split("</tr>")[0]
    assert "(not disclosable)" in ransom
    tape = timeline[timeline.index(f">log entry {correction.seq}<") :].split("</tr>")[0]
    assert f"corrects log entry {decision.seq}" in tape
    assert "not disclosable" not in tape


async def test_a_broken_chain_is_said_first(factory: ServiceFactory, sqlite: Database) -> None:
    situation_id = await _situation(factory)
    await tamper(sqlite, "UPDATE log_entries SET actor = '@mallory:test' WHERE seq = 2")
    async with web_client(factory, Members(ALICE)) as client:
        await log_in(client, await new_link_token(factory, ALICE))
        body = await (await client.get(f"{PREFIX}/situations/{situation_id}?lang=en")).text()
    main = body[body.index("<main>") :]
    assert "LOG CHAIN BROKEN at entry 2" in main
    assert main.index("LOG CHAIN BROKEN") < main.index("<table>")


async def test_a_long_timeline_shows_its_newest_rows_and_says_so(
    factory: ServiceFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(situation_page, "TIMELINE_ROWS", 3)
    situation_id = await _situation(factory)
    async with factory.transaction() as services:
        for number in range(4):
            await services.watch.record_update(situation_id, f"update number {number}", ALICE)
    async with web_client(factory, Members(ALICE)) as client:
        await log_in(client, await new_link_token(factory, ALICE))
        body = await (await client.get(f"{PREFIX}/situations/{situation_id}?lang=en")).text()
    timeline = body[body.index("Timeline") :]
    # The alert, the tracking and phase entries and the first update fell off; the count says so.
    assert "The newest 3 of 7 rows" in timeline
    assert [f"update number {n}" in timeline for n in range(4)] == [False, True, True, True]
    assert ">alert<" not in timeline
    # The chain status still covers the whole log.
    assert "Log chain intact: 6 entries" in body


async def test_many_decisions_show_the_newest_and_say_how_many_there_are(
    factory: ServiceFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(situation_page, "DECISIONS_SHOWN", 2)
    situation_id = await _situation(factory)
    async with factory.transaction() as services:
        for number in range(3):
            await services.decisions.decide(situation_id, ALICE, f"decision {number}", "why")
    async with web_client(factory, Members(ALICE)) as client:
        await log_in(client, await new_link_token(factory, ALICE))
        body = await (await client.get(f"{PREFIX}/situations/{situation_id}?lang=en")).text()
    decisions = body[body.index("<h2>Decisions") : body.index("Timeline")]
    assert "The newest 2 of 3 decisions" in decisions
    assert [f">decision {n}<" in decisions for n in range(3)] == [False, True, True]


async def test_the_page_checks_the_chain_from_the_last_full_verification(
    factory: ServiceFactory, sqlite: Database
) -> None:
    situation_id = await _situation(factory)
    async with web_client(factory, Members(ALICE)) as client:
        await log_in(client, await new_link_token(factory, ALICE))
        page = f"{PREFIX}/situations/{situation_id}?lang=en"
        first = await (await client.get(page)).text()
        async with factory.transaction() as services:
            await services.watch.record_update(situation_id, "newer entry", ALICE)
        second = await (await client.get(page)).text()
        # A change to an entry after the checkpoint is found by the cheap check.
        await tamper(sqlite, "UPDATE log_entries SET actor = '@mallory:test' WHERE seq = 3")
        third = await (await client.get(page)).text()
    # The first view verified all entries itself: no checkpoint to mention.
    assert "Log chain intact: 2 entries" in first and "recomputed in full" not in first
    assert "Log chain intact: 3 entries" in second
    assert "(entries 1 to 2 recomputed in full at " in second
    assert "LOG CHAIN BROKEN at entry 3" in third


# --- alerts ---


async def test_alerts_filter_by_supplier_source_and_state(factory: ServiceFactory) -> None:
    async with factory.transaction() as services:
        first = await services.alerts.receive(
            IncomingAlert(supplier="Acme", title="Acme down", severity=Severity.S2, source="prom")
        )
        await services.alerts.receive(
            IncomingAlert(supplier=HOSTILE, title="Other down", severity=Severity.S3, source="rss")
        )
        await services.alerts.acknowledge(first.id, ALICE)
    async with web_client(factory, Members(ALICE)) as client:
        await log_in(client, await new_link_token(factory, ALICE))

        async def shown(**query: str) -> str:
            response = await client.get(PREFIX + "/alerts", params=query)
            assert response.status == 200
            return await response.text()

        everything = await shown()
        assert "Acme down" in everything and "Other down" in everything
        assert HOSTILE not in everything
        by_supplier = await shown(supplier="Acme")
        assert "Acme down" in by_supplier and "Other down" not in by_supplier
        by_source = await shown(source="rss")
        assert "Other down" in by_source and "Acme down" not in by_source
        by_state = await shown(state="open")
        assert "Other down" in by_state and "Acme down" not in by_state
        assert "Acme down" in await shown(state="acknowledged")


async def test_alert_filters_with_nul_characters_match_as_the_intake_stored_them(
    database: Database, clock: ManualClock
) -> None:
    # The intake drops NUL characters (PostgreSQL's text cannot hold them); a filter
    # typed or pasted with one must not reach PostgreSQL as it is (an internal error).
    factory = factory_for(database, clock)
    async with factory.transaction() as services:
        await services.alerts.receive(
            IncomingAlert(
                supplier="Ac\x00me", title="Acme down", severity=Severity.S2, source="prom"
            )
        )
    async with web_client(factory, Members(ALICE)) as client:
        await log_in(client, await new_link_token(factory, ALICE))
        for query in ({"supplier": "Ac\x00me"}, {"source": "pr\x00om"}):
            response = await client.get(PREFIX + "/alerts", params=query)
            assert response.status == 200, query
            assert "Acme down" in await response.text()


# --- suppliers ---


async def test_the_supplier_page_draws_the_concentration_graph_escaped(
    factory: ServiceFactory,
) -> None:
    def service(name: str, criticality: str, fallback: FallbackEntry) -> ServiceEntry:
        dependency = DependencyEntry(organisation="Gemeente", process=name, criticality=criticality)
        return ServiceEntry(name=name, dependencies=[dependency], fallbacks=[fallback])

    registry = [
        SupplierEntry(
            name=HOSTILE,
            services=[
                service("Payroll", "vital", FallbackEntry(description=f"manual run {HOSTILE}")),
                service(
                    "Mail",
                    "important",
                    FallbackEntry(
                        description="other mail", last_tested=date(2026, 1, 5), result="worked"
                    ),
                ),
                # 200 days before 2026-11-23: a year had not passed, but vital allows 180.
                service(
                    "Archive",
                    "vital",
                    FallbackEntry(
                        description="bank copy", last_tested=date(2026, 5, 7), result="worked"
                    ),
                ),
                # Never tested says the file; tested in the bot today says the history.
                service("DNS", "vital", FallbackEntry(id="h/dns/secondary", description="dns2")),
            ],
        ),
        SupplierEntry(name="Quiet", contract_end=date(2027, 1, 1)),
    ]
    async with factory.transaction() as services:
        await services.suppliers.replace_all(registry)
        option = await services.fallbacks.find("h/dns/secondary")
        assert option is not None
        await services.fallbacks.record(
            option,
            result=Outcome.WORKED,
            kind=DrillKind.TECHNICAL,
            duration_minutes=None,
            notes="switched over",
            recorded_by=ALICE,
            situation_id=None,
            evidence=None,
        )
    async with web_client(factory, Members(ALICE)) as client:
        await log_in(client, await new_link_token(factory, ALICE))
        response = await client.get(PREFIX + "/suppliers", params={"lang": "en"})
        body = await response.text()
        dutch = await (await client.get(PREFIX + "/suppliers", params={"lang": "nl"})).text()
    assert response.status == 200
    assert HOSTILE not in body
    graph = body[body.index("<svg") : body.index("</svg>")]
    # Said in text (and line style), not only in colour: readable in black and white.
    assert "Payroll [vital]" in graph
    assert "fallback NEVER TESTED" in graph
    assert "fallback current (2026-01-05)" in graph
    assert "fallback OVERDUE (2026-05-07)" in graph
    assert "fallback current (2026-11-23)" in graph
    # Dashed: the never tested and the overdue fallback's boxes, not the current ones.
    assert graph.count('stroke-dasharray="5 3"') == 2
    assert 'stroke-width="4"' in graph  # a vital process's line
    stale = body[body.index("Fallback options not current") : body.index("</table>")]
    assert "manual run &lt;script&gt;" in stale
    assert "NEVER TESTED" in stale
    assert "bank copy</td><td>OVERDUE (last test 2026-05-07: worked)" in stale
    assert "other mail" not in stale
    assert "dns2" not in stale
    assert "terugval VERLOPEN (2026-05-07)" in dutch
    assert "VERLOPEN (laatste test 2026-05-07: geslaagd)" in dutch
    assert "2027-01-01" in body
