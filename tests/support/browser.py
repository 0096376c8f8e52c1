"""Headless Chromium (Debian's package) driven by Playwright, and axe-core in its pages.

Playwright drives the system's ``/usr/bin/chromium``: its own browser download does not
work on these machines. Where Chromium, Playwright or axe-core is missing, the test is
skipped and says which and how to get it — never silently.
"""

from __future__ import annotations

import importlib.util
import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from tests.support.paths import REPO

if TYPE_CHECKING:
    from playwright.async_api import Browser, Page

AXE = REPO / "tests" / "browser" / "node_modules" / "axe-core" / "axe.min.js"
# Where the browser tests leave their screenshots and downloads (git-ignored).
ARTIFACTS = REPO / "test-artifacts" / "browser"
# WCAG 2.1 level A and AA: what Dutch government sites must meet.
WCAG_21_AA = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa")
# As root Chromium needs --no-sandbox; the rest keeps it off this machine's closed network.
_ARGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)
# What a keyboard user can reach with Tab on the web view's pages.
FOCUSABLE = "a[href], button, select, input:not([type=hidden]), textarea, [tabindex]"


def _chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


def missing() -> str | None:
    """Why the browser tests cannot run here, or None when they can."""
    if _chromium() is None:
        return "Chromium not installed: apt-get install -y chromium (.ci/run does, as root)"
    if importlib.util.find_spec("playwright") is None:
        return "Playwright for Python not installed: pip install -e '.[dev]'"
    if not AXE.is_file():
        return "axe-core not installed: npm ci --prefix tests/browser"
    return None


@asynccontextmanager
async def headless_chromium() -> AsyncIterator[Browser]:
    """The system's Chromium, headless, closed after; skips the test where it cannot run."""
    reason = missing()
    if reason is not None:
        pytest.skip(reason)
    from playwright.async_api import async_playwright

    async with async_playwright() as driver:
        browser = await driver.chromium.launch(executable_path=_chromium(), args=list(_ARGS))
        try:
            yield browser
        finally:
            await browser.close()


async def axe_violations(page: Page) -> list[dict[str, Any]]:
    """axe-core's WCAG 2.1 A and AA violations on ``page`` as it is now.

    The script goes in through the DevTools protocol, which the page's Content-Security-
    Policy does not govern: the policy stays as strict in the test as in use.
    """
    await page.evaluate(AXE.read_text(encoding="utf-8"))
    result: dict[str, Any] = await page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", list(WCAG_21_AA)
    )
    # A run that checked nothing would find nothing: it must have passed some rules.
    assert result["passes"], "axe-core checked no rule"
    violations: list[dict[str, Any]] = result["violations"]
    return violations


def describe(violations: list[dict[str, Any]]) -> str:
    """The violations as lines a reader can act on: rule, impact, help and the elements."""
    lines = []
    for violation in violations:
        lines.append(f"{violation['id']} ({violation['impact']}): {violation['help']}")
        lines.extend(f"    {node['html'][:160]}" for node in violation["nodes"])
    return "\n".join(lines)


async def tab_stops(page: Page, count: int) -> list[str]:
    """The elements Tab reaches, in order, pressing it ``count`` times from the top."""
    await page.evaluate("document.activeElement && document.activeElement.blur()")
    stops = []
    for _ in range(count):
        await page.keyboard.press("Tab")
        stops.append(await page.evaluate("document.activeElement.outerHTML"))
    return stops


async def focus_outline(page: Page) -> str:
    """The outline style of the focused element (a visible focus indicator is not 'none')."""
    style: str = await page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    return style


def artefact(name: str) -> Path:
    """A path for a screenshot or download kept after the test (under ``test-artifacts``)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS / name
