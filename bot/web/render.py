"""The web view's pages: its templates over the reports' Jinja2 environment.

The overlay shares the reports' filters (``when``, ``duration``) and the catalogue's
``t``, and always escapes: every value a page shows is user text until proven otherwise.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from jinja2 import Environment, PackageLoader

from bot.i18n import Language
from bot.reports.templating import environment


@lru_cache(maxsize=8)
def _pages(lang: Language, timezone: str) -> Environment:
    return environment(lang, timezone, autoescape=True).overlay(
        loader=PackageLoader("bot.web", "templates"), autoescape=True
    )


def render_page(template: str, lang: Language, timezone: str, **context: Any) -> str:
    """The page ``template`` in ``lang`` with ``context``."""
    return _pages(lang, timezone).get_template(template).render(lang=lang, **context)
