"""User text about alerts: their state, grouping, filing and acknowledging them."""

from __future__ import annotations

from bot.messages.types import Catalogue

MESSAGES: Catalogue = {
    "alert.react_hint": {
        "nl": "Reageer met 👍 om te bevestigen (of !bevestig {id}), met ✅ als het opgelost is.",
        "en": "React 👍 to acknowledge (or !ack {id}), ✅ when it is resolved.",
    },
    "alert.filed": {
        "nl": "Melding #{id} over {supplier} vastgelegd en in de coördinatieruimte gezet.",
        "en": "Alert #{id} about {supplier} filed and posted in the coordination room.",
    },
    "alert.filed_by": {
        "nl": "Gemeld door {actor} in de chat",
        "en": "Filed by {actor} in the chat",
    },
    "alert.acknowledged": {
        "nl": "Melding #{id} bevestigd door {actor}.",
        "en": "Alert #{id} acknowledged by {actor}.",
    },
    "alert.acknowledged_supplier": {
        "nl": "Open meldingen van {supplier} bevestigd door {actor}: {ids} ({count}).",
        "en": "Open alerts of {supplier} acknowledged by {actor}: {ids} ({count}).",
    },
    "alert.state.repeated": {
        "nl": "{count} keer ontvangen, laatst om {time}",
        "en": "Received {count} {count:time|times}, last at {time}",
    },
    "alert.state.situation": {
        "nl": "Hoort bij situatie #{id}",
        "en": "Attached to situation #{id}",
    },
    "alert.state.acknowledged": {
        "nl": "✔ Bevestigd door {actor} om {time}",
        "en": "✔ Acknowledged by {actor} at {time}",
    },
    "alert.state.resolved": {
        "nl": "✅ Opgelost door {actor} om {time}",
        "en": "✅ Resolved by {actor} at {time}",
    },
    "alert.group.summary": {
        "nl": "{count} nieuwe meldingen voor {supplier} in de afgelopen {window}",
        "en": "{count} new alerts for {supplier} in the last {window}",
    },
    "alert.group.line": {
        "nl": "#{id} [{severity}] {title}",
        "en": "#{id} [{severity}] {title}",
    },
    "alert.group.more": {
        "nl": "… en nog {count}",
        "en": "… and {count} more",
    },
    "alert.group.hint": {
        "nl": "Bevestigen: !bevestig <id>",
        "en": "To acknowledge: !ack <id>",
    },
    "alert.window.minute": {"nl": "minuut", "en": "minute"},
    "alert.window.minutes": {"nl": "{count} minuten", "en": "{count} minutes"},
    "alert.window.seconds": {"nl": "{count} seconden", "en": "{count} seconds"},
    "log.alert_attached": {
        "nl": "Melding #{alert_id} [{severity}] toegevoegd: {title}",
        "en": "Alert #{alert_id} [{severity}] attached: {title}",
    },
    "error.alert_already_acknowledged": {
        "nl": "Melding #{alert_id} is al bevestigd door {actor}.",
        "en": "Alert #{alert_id} was already acknowledged by {actor}.",
    },
    "error.alert_already_resolved": {
        "nl": "Melding #{alert_id} is al opgelost (door {actor}).",
        "en": "Alert #{alert_id} is already resolved (by {actor}).",
    },
}
