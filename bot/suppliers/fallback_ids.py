"""Stable ids of fallback options: ``supplier/service/fallback``, given or derived by slugging.

The id names a fallback option in chat (``!fallback tested acme-cloud/payroll-saas/…``) and
keys its test history, so history survives a registry re-import that renumbers rows.
"""

from __future__ import annotations

import re
import unicodedata

# Three slugs joined by "/"; a slug is lowercase letters, digits and single hyphens.
_SLUG = r"[a-z0-9]+(?:-[a-z0-9]+)*"
FALLBACK_ID = re.compile(rf"{_SLUG}/{_SLUG}/{_SLUG}")


def slug(text: str) -> str:
    """``Acme Cloud B.V.`` as ``acme-cloud-b-v``: ASCII letters and digits joined by hyphens."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "-".join(re.findall(r"[a-z0-9]+", ascii_text.lower())) or "x"


def derived_id(supplier: str, service: str, fallback: str) -> str:
    """The id of a fallback option that declares none: its three names slugged."""
    return "/".join(slug(part) for part in (supplier, service, fallback))
