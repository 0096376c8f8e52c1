"""User text of the decision log: decisions, actions, notes, lessons, corrections, reminders."""

from __future__ import annotations

from bot.messages.types import Catalogue

MESSAGES: Catalogue = {
    "chain.broken": {
        "nl": "⚠️ Besluitenlog van situatie #{id}: KETEN GEBROKEN bij regel {seq} ({problem}). "
        "De log is buiten de bot om gewijzigd; regels vanaf {seq} zijn niet te vertrouwen. "
        "Controleer met: weerbaar log verify {id}",
        "en": "⚠️ Decision log of situation #{id}: CHAIN BROKEN at entry {seq} ({problem}). "
        "The log was changed outside the bot; entries from {seq} on cannot be trusted. "
        "Check with: weerbaar log verify {id}",
    },
    "chain.problem.missing": {"nl": "regel ontbreekt", "en": "entry missing"},
    "chain.problem.altered": {"nl": "inhoud gewijzigd", "en": "content altered"},
    "chain.problem.unlinked": {"nl": "koppeling verbroken", "en": "link broken"},
    "log.action": {
        "nl": "Actie voor {owner}: {action} (deadline: {due_at})",
        "en": "Action for {owner}: {action} (due: {due_at})",
    },
    "log.action_done": {
        "nl": "Actie {action_seq} afgerond: {action}",
        "en": "Action {action_seq} done: {action}",
    },
    "log.note": {"nl": "Notitie: {text}", "en": "Note: {text}"},
    "log.lesson": {"nl": "Leerpunt: {text}", "en": "Lesson: {text}"},
    "log.correction": {"nl": "Correctie: {correction}", "en": "Correction: {correction}"},
    "decision.details": {
        "nl": "Opties: {options}. Informatie: {information}. Aanwezig: {present}.",
        "en": "Options: {options}. Information: {information}. Present: {present}.",
    },
    "decision.review_set": {
        "nl": "Herzien op {time}; ik herinner de ruimte dan.",
        "en": "Review at {time}; I will remind the room then.",
    },
    "decision.review_due": {
        "nl": "Herinnering: besluit {seq} herzien: {decision}",
        "en": "Reminder: review decision {seq}: {decision}",
    },
    "action.recorded": {
        "nl": "Actie vastgelegd (logregel {seq}) voor {owner}: {action}. Deadline: {due}.",
        "en": "Action recorded (log entry {seq}) for {owner}: {action}. Due: {due}.",
    },
    "action.done": {
        "nl": "Actie {seq} afgerond (logregel {done_seq}).",
        "en": "Action {seq} done (log entry {done_seq}).",
    },
    "action.due": {
        "nl": "Herinnering voor {owner}: actie {seq} is nu verlopen: {action}",
        "en": "Reminder for {owner}: action {seq} is due now: {action}",
    },
    "action.no_deadline": {"nl": "geen", "en": "none"},
    "reminder.withheld": {
        "nl": "Herinnering over logregel {seq} van situatie #{id}; de inhoud is vertrouwelijk "
        "en staat alleen in de crisisruimte.",
        "en": "Reminder about log entry {seq} of situation #{id}; its content is confidential "
        "and only in the incident room.",
    },
    "note.recorded": {
        "nl": "Notitie vastgelegd (logregel {seq}).",
        "en": "Note recorded (log entry {seq}).",
    },
    "lesson.recorded": {
        "nl": "Leerpunt vastgelegd (logregel {seq}) voor de evaluatie.",
        "en": "Lesson recorded (log entry {seq}) for the evaluation.",
    },
    "correction.recorded": {
        "nl": "Correctie op logregel {corrects} vastgelegd (logregel {seq}).",
        "en": "Correction of log entry {corrects} recorded (log entry {seq}).",
    },
    "log.latest": {
        "nl": "Laatste {count} {count:logregel|logregels} van situatie #{id}:",
        "en": "Latest {count} log {count:entry|entries} of situation #{id}:",
    },
    "log.line": {"nl": "{seq}. {time} {actor}: {what}", "en": "{seq}. {time} {actor}: {what}"},
    "log.empty": {"nl": "Het log is nog leeg.", "en": "The log is still empty."},
    "log.confidential": {"nl": "(niet openbaar)", "en": "(not disclosable)"},
    "guided.ask.decision": {
        "nl": "Wat is het besluit? (antwoord in deze thread; 'stop' breekt af)",
        "en": "What is the decision? (answer in this thread; 'stop' cancels)",
    },
    "guided.ask.rationale": {
        "nl": "Waarom? Wat is de reden voor dit besluit?",
        "en": "Why? What is the rationale for this decision?",
    },
    "guided.ask.options": {
        "nl": "Welke opties zijn gewogen? Scheid met ';', reden van afwijzen na ':' "
        "(bijv. 'wachten: geen hersteltijd bekend; uitwijken'). '-' als er geen waren.",
        "en": "Which options were weighed? Separate with ';', why not after ':' "
        "(e.g. 'wait: no recovery time known; fail over'). '-' if there were none.",
    },
    "guided.ask.information": {
        "nl": "Op welke informatie is besloten? ('-' om over te slaan)",
        "en": "What information was the decision based on? ('-' to skip)",
    },
    "guided.ask.review": {
        "nl": "Wanneer herzien? (17:00, morgen 09:00, 2026-11-24 09:00, over 2h; '-' = niet)",
        "en": "When to review it? (17:00, tomorrow 09:00, 2026-11-24 09:00, in 2h; '-' = never)",
    },
    "error.form_in_thread": {
        "nl": "In deze thread loopt al een vragenlijst: beantwoord die, of typ 'stop', "
        "voordat je een nieuwe begint.",
        "en": "A form is already being answered in this thread: finish it, or type 'stop', "
        "before starting another.",
    },
    "guided.cancelled": {
        "nl": "Besluit niet vastgelegd (afgebroken).",
        "en": "Decision not recorded (cancelled).",
    },
    "error.log_entry_not_found": {
        "nl": "Situatie #{situation_id} heeft geen logregel {seq}.",
        "en": "Situation #{situation_id} has no log entry {seq}.",
    },
    "error.incomplete_decision": {
        "nl": "Een besluit heeft nodig: {missing}.",
        "en": "A decision needs: {missing}.",
    },
    "error.moment_in_the_past": {
        "nl": "Dat tijdstip ({moment}) is al voorbij.",
        "en": "That moment ({moment}) has already passed.",
    },
    "error.not_an_action": {
        "nl": "Logregel {seq} van situatie #{situation_id} is geen actie.",
        "en": "Log entry {seq} of situation #{situation_id} is not an action.",
    },
    "error.invalid_moment": {
        "nl": "Tijd '{text}' niet begrepen. Gebruik 17:00, morgen 09:00, 2026-11-24 09:00 of "
        "over 2h.",
        "en": "Cannot read the time '{text}'. Use 17:00, tomorrow 09:00, 2026-11-24 09:00 or "
        "in 2h.",
    },
}
