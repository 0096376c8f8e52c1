"""User text of degraded mode: the mails sent while Matrix is down, and the summary after."""

from __future__ import annotations

from bot.messages.types import Catalogue

MESSAGES: Catalogue = {
    "degraded.entered.subject": {
        "nl": "Weerbaar: Matrix onbereikbaar sinds {since}",
        "en": "Weerbaar: Matrix unreachable since {since}",
    },
    "degraded.entered.body": {
        "nl": "Matrix onbereikbaar sinds {since} — meldingen komen nu per e-mail. "
        "Spreek beslissingen af via de telefoonboom; reageer in Matrix zodra het terug is.",
        "en": "Matrix unreachable since {since} — notices now come by e-mail. "
        "Agree decisions through the phone tree; respond in Matrix once it is back.",
    },
    "degraded.notices.subject": {
        "nl": "Weerbaar: {count} {count:melding|meldingen} terwijl Matrix onbereikbaar is",
        "en": "Weerbaar: {count} {count:notice|notices} while Matrix is unreachable",
    },
    "degraded.notices.alerts": {
        "nl": "Meldingen: {ids}",
        "en": "Alerts: {ids}",
    },
    "degraded.notices.todo": {
        "nl": "Reageer in Matrix zodra het terug is; deze berichten staan daar dan ook.",
        "en": "Respond in Matrix once it is back; these messages will be there too.",
    },
    "degraded.mailed_note": {
        "nl": "📧 Ook per e-mail verstuurd: Matrix was onbereikbaar.",
        "en": "📧 Also sent by e-mail: Matrix was unreachable.",
    },
    "degraded.left.subject": {
        "nl": "Weerbaar: Matrix weer bereikbaar",
        "en": "Weerbaar: Matrix reachable again",
    },
    "degraded.left.body": {
        "nl": "Matrix was onbereikbaar van {since} tot {until}. Wat intussen binnenkwam "
        "staat nu in de coördinatieruimte; meldingen komen weer alleen in Matrix.",
        "en": "Matrix was unreachable from {since} to {until}. What arrived meanwhile is "
        "now in the coordination room; notices come only in Matrix again.",
    },
    "degraded.summary": {
        "nl": "Matrix was onbereikbaar van {since} tot {until}. Intussen kwamen "
        "{count} {count:melding|meldingen} binnen.",
        "en": "Matrix was unreachable from {since} to {until}. Meanwhile "
        "{count} {count:alert|alerts} arrived.",
    },
    "degraded.summary.mailed": {
        "nl": "Per e-mail aan {recipient}: {count} {count:bericht|berichten}{alerts}",
        "en": "E-mailed to {recipient}: {count} {count:message|messages}{alerts}",
    },
    "degraded.summary.alerts": {
        "nl": " (meldingen {ids})",
        "en": " (alerts {ids})",
    },
    "degraded.summary.unreached": {
        "nl": "Niet bereikt (geen e-mailadres): {members}",
        "en": "Not reached (no e-mail address): {members}",
    },
    "degraded.summary.mail_failed": {
        "nl": "E-mail kon niet worden verstuurd: {error}",
        "en": "E-mail could not be sent: {error}",
    },
}
