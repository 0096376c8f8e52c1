"""User text of the walking skeleton: alerts, incident rooms, commands, reports."""

from __future__ import annotations

from bot.messages.types import Catalogue

MESSAGES: Catalogue = {
    "alert.notice": {
        "nl": "Melding #{id} [{severity}] {supplier}: {title}",
        "en": "Alert #{id} [{severity}] {supplier}: {title}",
    },
    "alert.notice.html": {
        "nl": "<p>⚠️ <strong>Melding #{id}</strong> [{severity}] <strong>{supplier}</strong>: "
        "{title}</p>",
        "en": "<p>⚠️ <strong>Alert #{id}</strong> [{severity}] <strong>{supplier}</strong>: "
        "{title}</p>",
    },
    "alert.hint": {
        "nl": "Escaleren: !escaleer {id}",
        "en": "To escalate: !escalate {id}",
    },
    "incident.room_name": {
        "nl": "Crisis {supplier}: {title}",
        "en": "Crisis {supplier}: {title}",
    },
    "incident.room_topic": {
        "nl": "Situatie #{id}, geopend door {actor} na melding #{alert_id}. "
        "Start een draaiboek met !draaiboek start <naam>.",
        "en": "Situation #{id}, opened by {actor} after alert #{alert_id}. "
        "Start a playbook with !playbook start <name>.",
    },
    "incident.opened": {
        "nl": "Crisisruimte geopend voor situatie #{id} ({supplier}: {title}), fase crisis: {link}",
        "en": "Incident room opened for situation #{id} ({supplier}: {title}), phase crisis: "
        "{link}",
    },
    "incident.opened.html": {
        "nl": "<p>Crisisruimte geopend voor situatie #{id} (<strong>{supplier}</strong>: "
        '{title}), fase crisis: <a href="{link}">{room_name}</a></p>',
        "en": "<p>Incident room opened for situation #{id} (<strong>{supplier}</strong>: "
        '{title}), phase crisis: <a href="{link}">{room_name}</a></p>',
    },
    "incident.room_failed": {
        "nl": "De crisisruimte voor situatie #{id} ({supplier}) kon niet worden geopend: de "
        "homeserver weigert het ({error}). De situatie blijft in fase crisis; probeer het "
        "opnieuw met !escaleer {alert_id} zodra dat is verholpen.",
        "en": "The incident room for situation #{id} ({supplier}) could not be opened: the "
        "homeserver refuses it ({error}). The situation stays in crisis; try again with "
        "!escalate {alert_id} once that is fixed.",
    },
    "situation.phase_changed": {
        "nl": "Situatie #{id} ({supplier}): fase {previous} → {current}, door {actor}. "
        "Reden: {reason}",
        "en": "Situation #{id} ({supplier}): phase {previous} → {current}, by {actor}. "
        "Reason: {reason}",
    },
    "error.invalid_transition": {
        "nl": "Situatie #{situation_id} kan niet van {current} naar {to}. Mogelijk: {allowed}.",
        "en": "Situation #{situation_id} cannot move from {current} to {to}. Possible: {allowed}.",
    },
    "playbook.started": {
        "nl": "Draaiboek {title} (versie {version}) gestart door {actor}.",
        "en": "Playbook {title} (version {version}) started by {actor}.",
    },
    "decision.recorded": {
        "nl": "Besluit vastgelegd (logregel {seq}): {decision}. Waarom: {rationale}. "
        "Door {actor} om {time}.",
        "en": "Decision recorded (log entry {seq}): {decision}. Why: {rationale}. "
        "By {actor} at {time}.",
    },
    "phase.signal": {"nl": "signaal", "en": "signal"},
    "phase.lauwe_fase": {"nl": "lauwe fase", "en": "warm-up phase"},
    "phase.crisis": {"nl": "crisis", "en": "crisis"},
    "phase.de_escalation": {"nl": "afschaling", "en": "de-escalation"},
    "phase.evaluation": {"nl": "evaluatie", "en": "evaluation"},
    "phase.closed": {"nl": "gesloten", "en": "closed"},
    "log.situation_opened": {
        "nl": "Situatie geopend na melding #{alert_id} ({supplier}: {title})",
        "en": "Situation opened after alert #{alert_id} ({supplier}: {title})",
    },
    "log.phase_changed": {
        "nl": "Fase naar {to}: {reason}",
        "en": "Phase to {to}: {reason}",
    },
    "log.incident_room_opened": {
        "nl": "Crisisruimte {room_id} geopend, uitgenodigd: {invited}",
        "en": "Incident room {room_id} opened, invited: {invited}",
    },
    "log.playbook_started": {
        "nl": "Draaiboek {playbook_id} versie {playbook_version} gestart, eerste stap {first_step}",
        "en": "Playbook {playbook_id} version {playbook_version} started, first step {first_step}",
    },
    "log.decision": {
        "nl": "Besluit: {decision} (waarom: {rationale})",
        "en": "Decision: {decision} (why: {rationale})",
    },
    "report.title": {"nl": "Besluitenlog situatie #{id}", "en": "Decision log situation #{id}"},
    "report.supplier": {"nl": "Leverancier", "en": "Supplier"},
    "report.phase": {"nl": "Fase", "en": "Phase"},
    "report.opened": {"nl": "Geopend", "en": "Opened"},
    "report.room": {"nl": "Crisisruimte", "en": "Incident room"},
    "report.chain": {"nl": "Ketenkop (SHA-256)", "en": "Chain head (SHA-256)"},
    "report.chain_intact": {
        "nl": "{entries} {entries:regel|regels}, keten intact",
        "en": "{entries} {entries:entry|entries}, chain intact",
    },
    "report.chain_broken": {
        "nl": "{entries} {entries:regel|regels}, KETEN GEBROKEN bij regel {seq}",
        "en": "{entries} {entries:entry|entries}, CHAIN BROKEN at entry {seq}",
    },
    "report.decisions": {"nl": "Besluiten", "en": "Decisions"},
    "report.rationale": {"nl": "Waarom", "en": "Rationale"},
    "report.decided_by": {"nl": "Besloten door", "en": "Decided by"},
    "report.entry": {"nl": "Logregel", "en": "Log entry"},
    "report.no_decisions": {"nl": "Nog geen besluiten.", "en": "No decisions yet."},
    "report.playbooks": {"nl": "Draaiboeken", "en": "Playbooks"},
    "report.version": {"nl": "versie", "en": "version"},
    "report.no_playbooks": {"nl": "Geen draaiboek gestart.", "en": "No playbook started."},
    "report.timeline": {"nl": "Tijdlijn", "en": "Timeline"},
    "report.time": {"nl": "Tijd", "en": "Time"},
    "report.who": {"nl": "Wie", "en": "Who"},
    "report.what": {"nl": "Wat", "en": "What"},
    "report.caption": {
        "nl": "Besluitenlog van situatie #{id}, {entries} {entries:regel|regels}, ketenkop {head}.",
        "en": "Decision log of situation #{id}, {entries} {entries:entry|entries}, "
        "chain head {head}.",
    },
    "time.weekdays": {"nl": "ma di wo do vr za zo", "en": "Mon Tue Wed Thu Fri Sat Sun"},
    "time.months": {
        "nl": "jan feb mrt apr mei jun jul aug sep okt nov dec",
        "en": "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec",
    },
    "time.minutes": {"nl": "{count} min", "en": "{count} min"},
    "time.hours": {"nl": "{count} u", "en": "{count} h"},
    "time.days": {"nl": "{count} {count:dag|dagen}", "en": "{count} {count:day|days}"},
    "time.future": {"nl": "over {amount}", "en": "in {amount}"},
    "time.past": {"nl": "{amount} geleden", "en": "{amount} ago"},
    "help.title": {"nl": "Opdrachten van Weerbaar:", "en": "Weerbaar commands:"},
    "help.alias": {"nl": "ook", "en": "also"},
    "usage": {"nl": "Gebruik: {usage}", "en": "Usage: {usage}"},
    "error.unknown_command": {
        "nl": "Onbekende opdracht {command}. Typ !hulp voor alle opdrachten.",
        "en": "Unknown command {command}. Type !help for all commands.",
    },
    "error.edited_command": {
        "nl": "Bewerkingen leest Weerbaar niet: je bericht telt zoals je het eerst stuurde. "
        "Stuur {command} als nieuw bericht om het uit te voeren.",
        "en": "Edits are not read: your message counts as first sent. "
        "To run {command}, send it as a new message.",
    },
    "error.not_authorised": {
        "nl": "Geweigerd: {sender} is geen lid van de taskforce.",
        "en": "Refused: {sender} is not a member of the taskforce.",
    },
    "error.role_required": {
        "nl": "Geweigerd: {command} is voorbehouden aan de rol {role}.",
        "en": "Refused: {command} needs the role {role}.",
    },
    "role.observer": {"nl": "waarnemer", "en": "observer"},
    "role.member": {"nl": "lid", "en": "member"},
    "role.coordinator": {"nl": "coördinator", "en": "coordinator"},
    "error.internal": {
        "nl": "Er ging iets mis bij het uitvoeren van {command}; er is niets veranderd. "
        "Probeer het opnieuw of meld kenmerk {ref}.",
        "en": "Something went wrong running {command}; nothing was changed. "
        "Try again or report reference {ref}.",
    },
    "error.domain": {"nl": "Dat kan niet: {detail}", "en": "Not possible: {detail}"},
    "error.alert_not_found": {
        "nl": "Melding #{alert_id} bestaat niet.",
        "en": "Alert #{alert_id} does not exist.",
    },
    "error.situation_not_found": {
        "nl": "Situatie #{situation_id} bestaat niet.",
        "en": "Situation #{situation_id} does not exist.",
    },
    "error.already_escalated": {
        "nl": "Melding #{alert_id} is al geëscaleerd naar situatie #{situation_id} "
        "(ruimte {room_id}).",
        "en": "Alert #{alert_id} was already escalated to situation #{situation_id} "
        "(room {room_id}).",
    },
    "error.incident_room_being_opened": {
        "nl": "Melding #{alert_id} is al geëscaleerd naar situatie #{situation_id}; "
        "de crisisruimte wordt nog geopend.",
        "en": "Alert #{alert_id} was already escalated to situation #{situation_id}; "
        "its incident room is still being opened.",
    },
    "error.not_an_incident_room": {
        "nl": "Deze opdracht werkt alleen in een crisisruimte.",
        "en": "This command only works in an incident room.",
    },
    "error.unknown_playbook": {
        "nl": "Onbekend draaiboek '{name}'. Beschikbaar: {available}.",
        "en": "Unknown playbook '{name}'. Available: {available}.",
    },
    "error.no_playbooks": {
        "nl": "er zijn geen (geldige) draaiboeken",
        "en": "there are no (valid) playbooks",
    },
}
