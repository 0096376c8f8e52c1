"""User text about snoozing alerts: starting, listing and ending snoozes, and the summary."""

from __future__ import annotations

from bot.messages.types import Catalogue

MESSAGES: Catalogue = {
    "alert.during_snooze": {
        "nl": "🔕 Tijdens sluimer binnengekomen (S1 wordt altijd geplaatst)",
        "en": "🔕 Arrived during snooze (S1 alerts are always posted)",
    },
    "alert.filed_held": {
        "nl": "Melding #{id} over {supplier} vastgelegd; {supplier} sluimert, dus ze komt in de "
        "samenvatting als de sluimer voorbij is.",
        "en": "Alert #{id} about {supplier} filed; {supplier} is snoozed, so it will be in the "
        "summary when the snooze ends.",
    },
    "snooze.started": {
        "nl": "Meldingen van {target} sluimeren tot {until} (sluimer #{id}): ze worden "
        "bewaard en geteld maar niet geplaatst, behalve S1. Reden: {reason}",
        "en": "Alerts of {target} snoozed until {until} (snooze #{id}): stored and counted "
        "but not posted, except S1. Reason: {reason}",
    },
    "snooze.list.title": {"nl": "Actieve sluimers:", "en": "Active snoozes:"},
    "snooze.list.line": {
        "nl": "{target} tot {until}, door {actor}: {reason}",
        "en": "{target} until {until}, by {actor}: {reason}",
    },
    "snooze.list.empty": {"nl": "Er sluimert niets.", "en": "Nothing is snoozed."},
    "snooze.unsnoozed": {
        "nl": "Sluimer van {target} beëindigd; de samenvatting staat in de coördinatieruimte.",
        "en": "Snooze of {target} ended; the summary is in the coordination room.",
    },
    "snooze.ended": {
        "nl": "Sluimer van {target} voorbij: {count} {count:melding|meldingen} "
        "binnengekomen in de tussentijd.",
        "en": "Snooze of {target} is over: {count} {count:alert|alerts} arrived meanwhile.",
    },
    "snooze.ended_by": {
        "nl": "Sluimer van {target} vroeg beëindigd door {actor}: {count} "
        "{count:melding|meldingen} binnengekomen in de tussentijd.",
        "en": "Snooze of {target} ended early by {actor}: {count} {count:alert|alerts} "
        "arrived meanwhile.",
    },
    "snooze.per_severity": {"nl": "Per ernst: {counts}", "en": "By severity: {counts}"},
    "log.snoozed": {
        "nl": "Meldingen van {target} sluimeren tot {until}: {reason}",
        "en": "Alerts of {target} snoozed until {until}: {reason}",
    },
    "log.snooze_ended": {
        "nl": "Sluimer van {target} voorbij ({count} {count:melding|meldingen} in de tussentijd)",
        "en": "Snooze of {target} over ({count} {count:alert|alerts} meanwhile)",
    },
    "error.snooze_needs_source_id": {
        "nl": "Melding #{alert_id} heeft geen eigen id van de bron, dus herhalingen zijn niet "
        "te herkennen; laat {supplier} sluimeren.",
        "en": "Alert #{alert_id} has no id of its source, so its repeats cannot be "
        "recognised; snooze {supplier} instead.",
    },
    "error.not_snoozed": {
        "nl": "{target} sluimert niet.",
        "en": "{target} is not snoozed.",
    },
}
