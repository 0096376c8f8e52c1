"""User text about intake sources and pollers falling silent, and ``!sources``."""

from __future__ import annotations

from bot.messages.types import Catalogue

MESSAGES: Catalogue = {
    "heartbeat.silent": {
        "nl": "bron {source} stil sinds {since}",
        "en": "source {source} silent since {since}",
    },
    "heartbeat.silent_details": {
        "nl": "Niets ontvangen (melding, herstel of heartbeat), verwacht elke {every}. "
        "Controleer of de monitoring nog draait.",
        "en": "Nothing received (alert, resolve or heartbeat), expected every {every}. "
        "Check that the monitoring still runs.",
    },
    "heartbeat.back": {
        "nl": "bron {source} is terug (stil sinds {since})",
        "en": "source {source} is back (silent since {since})",
    },
    "sources.title": {"nl": "Bronnen", "en": "Sources"},
    "sources.none": {
        "nl": "Er zijn geen bronnen of pollers ingesteld.",
        "en": "No sources or pollers are configured.",
    },
    "sources.line": {
        "nl": "{source} ({kind}): {state}; laatste contact {last}; verwacht {every}",
        "en": "{source} ({kind}): {state}; last contact {last}; expected {every}",
    },
    "sources.state.ok": {"nl": "in orde", "en": "ok"},
    "sources.state.silent": {"nl": "stil sinds {since}", "en": "silent since {since}"},
    "sources.state.unwatched": {"nl": "niet bewaakt", "en": "not watched"},
    "sources.never": {"nl": "nooit", "en": "never"},
    "sources.every": {"nl": "elke {every}", "en": "every {every}"},
    "sources.not_expected": {"nl": "niet", "en": "never"},
}
