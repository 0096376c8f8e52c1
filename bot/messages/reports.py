"""User text of the after-action report (all formats)."""

from __future__ import annotations

from bot.messages.types import Catalogue

MESSAGES: Catalogue = {
    "report.exercise": {
        "nl": "OEFENING — dit verslag gaat over een oefening, niet over een echte situatie",
        "en": "EXERCISE — this report is about an exercise, not a real situation",
    },
    "report.summary": {"nl": "Samenvatting", "en": "Summary"},
    "report.summary_text": {
        "nl": "{entries} {entries:logregel|logregels}: {decisions} {decisions:besluit|besluiten}, "
        "{actions} {actions:actie|acties} ({open} niet afgerond), {lessons} "
        "{lessons:leerpunt|leerpunten}, {corrections} {corrections:correctie|correcties}, "
        "{undisclosable} niet openbaar.",
        "en": "{entries} log {entries:entry|entries}: {decisions} "
        "{decisions:decision|decisions}, {actions} {actions:action|actions} ({open} not "
        "done), {lessons} {lessons:lesson|lessons}, {corrections} "
        "{corrections:correction|corrections}, {undisclosable} not disclosable.",
    },
    "report.metrics": {"nl": "Doorlooptijden", "en": "Metrics"},
    "report.metric": {"nl": "Moment", "en": "Moment"},
    "report.after_signal": {"nl": "Na eerste signaal", "en": "After first signal"},
    "report.metric.first_signal": {"nl": "Eerste signaal", "en": "First signal"},
    "report.metric.acknowledged": {"nl": "Erkend", "en": "Acknowledged"},
    "report.metric.escalated": {"nl": "Opgeschaald", "en": "Escalated"},
    "report.metric.first_decision": {"nl": "Eerste besluit", "en": "First decision"},
    "report.metric.closed": {"nl": "Gesloten", "en": "Closed"},
    "report.phases": {"nl": "Fasen", "en": "Phases"},
    "report.started": {"nl": "Begin", "en": "Started"},
    "report.ended": {"nl": "Einde", "en": "Ended"},
    "report.duration": {"nl": "Duur", "en": "Duration"},
    "report.ongoing": {"nl": "loopt nog", "en": "ongoing"},
    "report.options": {"nl": "Gewogen opties", "en": "Options weighed"},
    "report.chosen": {"nl": "gekozen", "en": "chosen"},
    "report.why_not": {"nl": "niet gekozen omdat", "en": "not chosen because"},
    "report.information": {"nl": "Beschikbare informatie", "en": "Information available"},
    "report.present": {"nl": "Aanwezig", "en": "Present"},
    "report.decision_point": {"nl": "Beslispunt", "en": "Decision point"},
    "report.recorded": {"nl": "Vastgelegd", "en": "Recorded"},
    "report.review": {"nl": "Herzien op", "en": "Review at"},
    "report.corrected_by": {"nl": "Gecorrigeerd in logregel", "en": "Corrected in log entry"},
    "report.corrects": {"nl": "corrigeert logregel {seq}", "en": "corrects log entry {seq}"},
    "report.steps": {
        "nl": "Draaiboekstappen: gepland en werkelijk",
        "en": "Playbook steps: planned and actual",
    },
    "report.step": {"nl": "Stap", "en": "Step"},
    "report.event": {"nl": "Gebeurtenis", "en": "Event"},
    "report.planned": {"nl": "Gepland", "en": "Planned"},
    "report.actual": {"nl": "Werkelijk", "en": "Actual"},
    "report.late": {"nl": "te laat", "en": "late"},
    "report.on_time": {"nl": "op tijd", "en": "on time"},
    "report.no_steps": {
        "nl": "Het log bevat geen stappen van een draaiboek.",
        "en": "The log holds no playbook steps.",
    },
    "report.actions": {"nl": "Acties", "en": "Actions"},
    "report.owner": {"nl": "Eigenaar", "en": "Owner"},
    "report.due": {"nl": "Deadline", "en": "Due"},
    "report.status": {"nl": "Status", "en": "Status"},
    "report.status.open": {"nl": "open", "en": "open"},
    "report.status.done": {"nl": "afgerond", "en": "done"},
    "report.status.overdue": {"nl": "te laat", "en": "overdue"},
    "report.no_actions": {"nl": "Geen acties.", "en": "No actions."},
    "report.lessons": {
        "nl": "Leerpunten: wat ging goed, wat kan beter",
        "en": "Lessons: what went well, what to improve",
    },
    "report.no_lessons": {"nl": "Nog geen leerpunten.", "en": "No lessons yet."},
    "report.confidential": {"nl": "niet openbaar", "en": "not disclosable"},
    "report.generated": {"nl": "Gemaakt op", "en": "Generated at"},
    "report.verify_hint": {
        "nl": "Controleer tegen de database met: weerbaar log verify {id}",
        "en": "Check against the database with: weerbaar log verify {id}",
    },
    "report.unknown": {"nl": "onbekend", "en": "unknown"},
    "report.edition.internal": {
        "nl": "Interne versie: bevat niet-openbare logregels en namen; niet voor openbaarmaking.",
        "en": "Internal version: contains entries and names not for disclosure.",
    },
    "report.edition.disclosure": {
        "nl": "Versie voor openbaarmaking (Woo): niet-openbare logregels zijn geweigerd, "
        "namen buiten de openbare rollen vervangen door hun rol.",
        "en": "Disclosure version (Woo): entries not disclosable are withheld, names outside "
        "the public roles replaced by their role.",
    },
    "report.edition": {"nl": "Versie", "en": "Version"},
    "disclosure.withheld": {
        "nl": "[Logregel {seq} ({kind}, {date}) geweigerd: {ground}]",
        "en": "[Entry {seq} ({kind}, {date}) withheld: {ground}]",
    },
    "disclosure.no_ground": {"nl": "grond niet vastgelegd", "en": "ground not recorded"},
    "disclosure.member": {"nl": "lid taskforce", "en": "taskforce member"},
    "disclosure.external": {"nl": "extern", "en": "external"},
    "disclosure.role.coordinator": {"nl": "coördinator", "en": "coordinator"},
    "disclosure.role.scribe": {"nl": "notulist", "en": "scribe"},
    "disclosure.role.comms": {"nl": "communicatie", "en": "communications"},
    "disclosure.role.liaison": {"nl": "verbindingsofficier", "en": "liaison"},
    "report.inventory": {"nl": "Inventarislijst", "en": "Inventory"},
    "report.inventory_text": {
        "nl": "{withheld} logregels geweigerd, {partly} deels openbaar (namen vervangen door "
        "rollen); openbare rollen: {roles}.",
        "en": "{withheld} entries withheld, {partly} partly disclosed (names replaced by "
        "roles); public roles: {roles}.",
    },
    "report.inventory.kind": {"nl": "Soort", "en": "Kind"},
    "report.inventory.date": {"nl": "Datum", "en": "Date"},
    "report.inventory.status": {"nl": "Openbaar", "en": "Disclosed"},
    "report.inventory.ground": {"nl": "Grond", "en": "Ground"},
    "report.inventory.disclosed": {"nl": "openbaar", "en": "disclosed"},
    "report.inventory.partly": {"nl": "deels openbaar", "en": "partly disclosed"},
    "report.inventory.withheld": {"nl": "geweigerd", "en": "withheld"},
}
