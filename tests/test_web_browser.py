"""The web view in a real browser (issue 20): headless Chromium, driven by Playwright.

Log in through the link the bot sent in Matrix, watch a situation escalate on the
picture without reloading it, open the supplier graph, download a report; on every page
axe-core finds no WCAG 2.1 A/AA violation and Tab reaches every link and control with a
visible focus. Screenshots and the download stay in ``test-artifacts/browser``.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from bot.alerts.model import IncomingAlert, Severity
from bot.app import Weerbaar
from bot.sandbox.world import SandboxWorld
from bot.situations.phases import Phase
from bot.suppliers.file import DependencyEntry, FallbackEntry, ServiceEntry, SupplierEntry
from tests.support.browser import (
    FOCUSABLE,
    artefact,
    axe_violations,
    describe,
    focus_outline,
    headless_chromium,
    missing,
    tab_stops,
)
from tests.support.homeserver import running_bot
from tests.support.matrix_user import DEFAULT_WAIT, MatrixUser, body_of
from tests.support.web import join_direct_room, web_bot_settings

if TYPE_CHECKING:
    from playwright.async_api import Page

PREFIX = "/beeld"
LINK = re.compile(r"http://127\.0\.0\.1:\d+/beeld/login\?token=[A-Za-z0-9_-]+")
WAIT_MS = DEFAULT_WAIT * 1000
TITLE = "Storing e-mail"
REGISTRY = [
    SupplierEntry(
        name="Acme Hosting",
        services=[
            ServiceEntry(
                name="E-mail",
                dependencies=[
                    DependencyEntry(organisation="Gemeente", process="Post", criticality="vital"),
                    DependencyEntry(
                        organisation="Gemeente", process="Vergunningen", criticality="important"
                    ),
                ],
                fallbacks=[FallbackEntry(description="webmail bij de tweede leverancier")],
            ),
            ServiceEntry(
                name="Salarisverwerking",
                dependencies=[
                    DependencyEntry(
                        organisation="Gemeente", process="Salarissen", criticality="critical"
                    )
                ],
                fallbacks=[
                    FallbackEntry(
                        description="handmatige run",
                        last_tested=date(2026, 3, 2),
                        result="geslaagd",
                    )
                ],
            ),
        ],
    ),
    SupplierEntry(name="Netwerk BV", contract_end=date(2027, 6, 30)),
]


async def _seed(bot: Weerbaar) -> int:
    """The supplier registry and a situation in the lauwe fase; the situation's id."""
    async with bot.factory.transaction() as services:
        await services.suppliers.replace_all(REGISTRY)
        alert = await services.alerts.receive(
            IncomingAlert(
                supplier="Acme Hosting", title=TITLE, severity=Severity.S2, source="monitoring"
            )
        )
        situation = await services.situations.track_alert(alert.id, "@alice:localhost")
        await services.situations.change_phase(
            situation.id, Phase.LAUWE_FASE, "@alice:localhost", "tweede melding binnen het uur"
        )
        return situation.id


async def _check_page(page: Page, name: str) -> None:
    """Screenshot, axe-core and keyboard checks of the page the browser shows now."""
    await page.screenshot(path=artefact(f"{name}.png"), full_page=True)
    violations = await axe_violations(page)
    assert not violations, f"axe-core on {name}:\n{describe(violations)}"
    focusable = page.locator(FOCUSABLE)
    wanted = [
        await focusable.nth(i).evaluate("e => e.outerHTML") for i in range(await focusable.count())
    ]
    assert wanted, f"{name}: nothing a keyboard can reach"
    stops = await tab_stops(page, len(wanted))
    assert stops == wanted, f"{name}: Tab order {stops} is not the page's {wanted}"
    assert await focus_outline(page) not in ("", "none"), f"{name}: focus is not visible"


async def test_the_web_view_in_a_real_browser(
    world: SandboxWorld, alice: MatrixUser, tmp_path: Path
) -> None:
    from playwright.async_api import expect

    settings = web_bot_settings(world, tmp_path / "bot", PREFIX, poll_seconds=0.2)
    base = settings.web.base_url
    room = world.coordination_room
    async with headless_chromium() as browser, running_bot(settings) as bot:
        situation_id = await _seed(bot)
        await alice.command(room, "!web")
        direct = await join_direct_room(alice)
        message = await alice.wait_for(direct, lambda event: "token=" in body_of(event))
        link = LINK.search(body_of(message))
        assert link is not None, body_of(message)

        context = await browser.new_context(accept_downloads=True)
        page = await context.new_page()
        page.set_default_timeout(WAIT_MS)
        errors: list[str] = []
        page.on(
            "console",
            lambda msg: (
                errors.append(f"{msg.text} {msg.location.get('url')}")
                if msg.type == "error"
                else None
            ),
        )

        # The link from the chat: a button that logs in, then the picture.
        await page.goto(link.group(0))
        await _check_page(page, "login")
        await page.get_by_role("button").click()
        await page.wait_for_url(f"{base}{PREFIX}/")
        card = page.get_by_role("link", name=f"#{situation_id} {TITLE}")
        await expect(
            page.locator("section[aria-labelledby=phase-lauwe_fase]").locator(card.first)
        ).to_be_visible()
        await _check_page(page, "picture")

        # Escalated in the chat: the open page follows by itself (its event stream).
        loads: list[str] = []
        page.on("load", lambda _page: loads.append(page.url))
        await alice.command(room, f"!fase {situation_id} crisis volledige uitval")
        crisis = page.locator("section[aria-labelledby=phase-crisis]")
        await expect(crisis.get_by_role("link", name=f"#{situation_id} {TITLE}")).to_be_visible()
        assert loads, "the picture changed without the page's own reload"
        assert page.url == f"{base}{PREFIX}/"
        await page.screenshot(path=artefact("picture-escalated.png"), full_page=True)

        # The supplier graph, drawn server-side.
        nav = page.get_by_role("navigation")
        await nav.get_by_role("link", name="Leveranciers").click()
        graph = page.get_by_role("img", name="Concentratie")
        await expect(graph).to_be_visible()
        await expect(graph).to_contain_text("Post [vitaal]")
        await expect(graph).to_contain_text("terugval NOOIT GETEST")
        await graph.screenshot(path=artefact("supplier-graph.png"))
        await _check_page(page, "suppliers")

        # The situation and its report.
        await nav.get_by_role("link", name="Beeld").click()
        await page.get_by_role("link", name=f"#{situation_id} {TITLE}").click()
        await expect(page.locator("#chain")).to_be_visible()
        await _check_page(page, "situation")
        async with page.expect_download() as waiting:
            await page.get_by_role("link", name="MD", exact=True).click()
        download = await waiting.value
        assert download.suggested_filename == f"situation-{situation_id}.md"
        saved = artefact(download.suggested_filename)
        await download.save_as(saved)
        report = saved.read_text(encoding="utf-8")
        assert TITLE in report
        assert "volledige uitval" in report

        await nav.get_by_role("link", name="Meldingen").click()
        await expect(page.get_by_role("cell", name=TITLE)).to_be_visible()
        await _check_page(page, "alerts")
        await page.goto(f"{base}{PREFIX}/?lang=en")
        await _check_page(page, "picture-en")

        # Under the strict policy nothing was blocked: no console errors at all (the
        # browser's own favicon request is no page's, and may miss).
        assert [error for error in errors if not error.endswith("/favicon.ico")] == []
        await context.close()


def test_without_chromium_the_browser_test_says_why(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    reason = missing()
    assert reason is not None
    assert "apt-get install -y chromium" in reason
