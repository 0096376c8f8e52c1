"""User text of exercises (oefeningen): the exercise report and the chat command."""

from __future__ import annotations

from bot.messages.types import Catalogue

MESSAGES: Catalogue = {
    "exercise.report.title": {
        "nl": "{scenario} — verwacht tegenover gedaan",
        "en": "{scenario} — expected versus done",
    },
    "exercise.report.intro": {
        "nl": "Scenario {id} voor draaiboek {playbook}, gespeeld op snelheid {speed}x vanaf "
        "{started}. Tijden zijn oefentijd (T+).",
        "en": "Scenario {id} for playbook {playbook}, played at speed {speed}x from {started}. "
        "Times are exercise time (T+).",
    },
    "exercise.report.no_situation": {
        "nl": "Er is geen situatie geopend: niemand heeft een melding opgeschaald.",
        "en": "No situation was opened: nobody escalated an alert.",
    },
    "exercise.report.header": {
        "nl": "Verwacht | Uiterlijk | Uitkomst | Wanneer | Door",
        "en": "Expected | Deadline | Outcome | When | By",
    },
    "exercise.report.summary": {
        "nl": "{on_time} op tijd, {late} te laat, {missing} ontbreekt, {other} andere keuze.",
        "en": "{on_time} on time, {late} late, {missing} missing, {other} other choice.",
    },
    "exercise.outcome.on_time": {"nl": "op tijd", "en": "on time"},
    "exercise.outcome.late": {"nl": "te laat", "en": "late"},
    "exercise.outcome.missing": {"nl": "ontbreekt", "en": "missing"},
    "exercise.outcome.other_option": {
        "nl": "andere keuze ({chosen})",
        "en": "other choice ({chosen})",
    },
    "exercise.started": {
        "nl": "{scenario}: gestart door {actor} (snelheid {speed}x). De meldingen en de "
        "crisisruimte zijn gemarkeerd als OEFENING.",
        "en": "{scenario}: started by {actor} (speed {speed}x). Its alerts and incident room "
        "are marked EXERCISE.",
    },
    "exercise.finished": {
        "nl": "{scenario}: afgelopen. {summary} Verslag: !rapport in de crisisruimte.",
        "en": "{scenario}: finished. {summary} Report: !report in the incident room.",
    },
    "exercise.fallbacks.ask": {
        "nl": "Deze oefening beoefende terugvalopties. Leg hier per optie het resultaat vast, "
        "dan komt het in het logboek van de oefening:",
        "en": "This exercise drilled fallback options. Record the result of each here, so it "
        "joins the exercise's log:",
    },
    "exercise.fallbacks.line": {
        "nl": "!terugval getest {fallback} <gelukt|deels|mislukt> [--duur 3h] --waarom "
        "<toelichting>",
        "en": "!fallback tested {fallback} <worked|partly|failed> [--duration 3h] --why <notes>",
    },
    "exercise.failed": {
        "nl": "{scenario}: afgebroken. {reason}",
        "en": "{scenario}: stopped. {reason}",
    },
    "exercise.unknown": {
        "nl": "Onbekend scenario: {reason}",
        "en": "Unknown scenario: {reason}",
    },
    "exercise.no_players": {
        "nl": "Geen spelers ingesteld voor oefeningen (exercise.players in de configuratie).",
        "en": "No exercise players configured (exercise.players in the configuration).",
    },
}
