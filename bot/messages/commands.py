"""User text about command arguments: what is wrong with the one that does not fit."""

from __future__ import annotations

from bot.messages.types import Catalogue

MESSAGES: Catalogue = {
    "usage.argument": {"nl": "{argument}: {problem}", "en": "{argument}: {problem}"},
    "usage.missing": {"nl": "ontbreekt", "en": "missing"},
    "usage.no_value": {"nl": "zonder waarde", "en": "has no value"},
    "usage.unknown_ground": {
        "nl": "geen Woo-weigeringsgrond: {word} (bekend: {grounds})",
        "en": "not a Woo exception ground: {word} (known: {grounds})",
    },
    "usage.twice": {"nl": "twee keer gegeven", "en": "given twice"},
    "usage.unexpected": {"nl": "te veel: {words}", "en": "unexpected: {words}"},
    "usage.unbalanced_quote": {
        "nl": "aanhalingsteken niet gesloten",
        "en": "quotation mark not closed",
    },
    "usage.not_an_id": {"nl": "geen nummer: {word}", "en": "not a number: {word}"},
    "usage.not_a_user": {
        "nl": "geen Matrix-id (@naam:server): {word}",
        "en": "not a Matrix id (@name:server): {word}",
    },
    "usage.out_of_range": {
        "nl": "{word} valt niet in {low}..{high}",
        "en": "{word} is not in {low}..{high}",
    },
    "usage.not_a_choice": {
        "nl": "{word} is geen van {choices}",
        "en": "{word} is not one of {choices}",
    },
    "usage.subcommand": {"nl": "kies {choices}", "en": "choose {choices}"},
    "error.not_coordination_room": {
        "nl": "{command} typ je in de coördinatieruimte.",
        "en": "Type {command} in the coordination room.",
    },
}
