"""Types shared by the catalogue modules."""

from __future__ import annotations

from typing import Literal

Language = Literal["nl", "en"]
LANGUAGES: tuple[Language, ...] = ("nl", "en")

Catalogue = dict[str, dict[Language, str]]


def merge_catalogues(*parts: Catalogue) -> Catalogue:
    """One catalogue from several; a key defined twice or missing a language is an error."""
    merged: Catalogue = {}
    for part in parts:
        for key, texts in part.items():
            if key in merged:
                raise ValueError(f"message {key!r} defined twice")
            missing = [lang for lang in LANGUAGES if lang not in texts]
            if missing:
                raise ValueError(f"message {key!r} has no text in {', '.join(missing)}")
            merged[key] = texts
    return merged
