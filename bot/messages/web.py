"""User text of the web view (the situational picture on a screen) and of ``!web``."""

from __future__ import annotations

from bot.messages.types import Catalogue

MESSAGES: Catalogue = {
    "web.title": {"nl": "Weerbaar — situatiebeeld", "en": "Weerbaar — situational picture"},
    "web.nav": {"nl": "Hoofdmenu", "en": "Main menu"},
    "web.picture": {"nl": "Beeld", "en": "Picture"},
    "web.alerts": {"nl": "Meldingen", "en": "Alerts"},
    "web.logout": {"nl": "Afmelden", "en": "Log out"},
    "web.language": {"nl": "Taal", "en": "Language"},
    "web.exercise": {
        "nl": "OEFENING — deze pagina toont een oefening, geen echte situatie",
        "en": "EXERCISE — this page shows an exercise, not a real situation",
    },
    "web.exercise_short": {"nl": "OEFENING", "en": "EXERCISE"},
    "web.live": {
        "nl": "Dit beeld ververst zichzelf bij elke wijziging.",
        "en": "This picture refreshes itself on every change.",
    },
    "web.no_situations": {"nl": "Geen situaties.", "en": "No situations."},
    "web.supplier": {"nl": "Leverancier", "en": "Supplier"},
    "web.age": {"nl": "Leeftijd", "en": "Age"},
    "web.owner": {"nl": "Eigenaar", "en": "Owner"},
    "web.last_update": {"nl": "Laatste update", "en": "Last update"},
    "web.next_checkin": {"nl": "Volgende check-in", "en": "Next check-in"},
    "web.open_decisions": {"nl": "Open beslispunten", "en": "Open decisions"},
    "web.playbook_progress": {"nl": "Draaiboek", "en": "Playbook"},
    "web.progress": {"nl": "{done} van {total} stappen", "en": "{done} of {total} steps"},
    "web.unacknowledged": {"nl": "Onbevestigde meldingen", "en": "Unacknowledged alerts"},
    "web.none": {"nl": "geen", "en": "none"},
    "web.situation": {"nl": "Situatie #{id}", "en": "Situation #{id}"},
    "web.chain_intact": {
        "nl": "Logketen intact: {entries} {entries:regel|regels}, kop {head}",
        "en": "Log chain intact: {entries} {entries:entry|entries}, head {head}",
    },
    "web.chain_checkpoint": {
        "nl": "(regels 1 t/m {seq} volledig herberekend op {at}, de nieuwere bij deze weergave)",
        "en": "(entries 1 to {seq} recomputed in full at {at}, the newer ones for this page)",
    },
    "web.decisions_newest": {
        "nl": (
            "De nieuwste {shown} van {total} besluiten; de downloads hierboven hebben ze allemaal."
        ),
        "en": "The newest {shown} of {total} decisions; the downloads above hold all of them.",
    },
    "web.chain_broken": {
        "nl": "LOGKETEN GEBROKEN bij regel {seq} — vertrouw dit logboek niet",
        "en": "LOG CHAIN BROKEN at entry {seq} — do not trust this log",
    },
    "web.timeline": {"nl": "Tijdlijn", "en": "Timeline"},
    "web.timeline_newest": {
        "nl": "De nieuwste {shown} van {total} regels; de downloads hierboven hebben ze allemaal.",
        "en": "The newest {shown} of {total} rows; the downloads above hold all of them.",
    },
    "web.when": {"nl": "Tijd", "en": "Time"},
    "web.what": {"nl": "Wat", "en": "What"},
    "web.who": {"nl": "Wie", "en": "Who"},
    "web.kind": {"nl": "Soort", "en": "Kind"},
    "web.kind.alert": {"nl": "melding", "en": "alert"},
    "web.kind.log": {"nl": "logregel {seq}", "en": "log entry {seq}"},
    "web.downloads": {"nl": "Verslag downloaden", "en": "Download the report"},
    "web.alert_title": {"nl": "Titel", "en": "Title"},
    "web.source": {"nl": "Bron", "en": "Source"},
    "web.severity": {"nl": "Ernst", "en": "Severity"},
    "web.state": {"nl": "Stand", "en": "State"},
    "web.received": {"nl": "Ontvangen", "en": "Received"},
    "web.any": {"nl": "alle", "en": "any"},
    "web.filter": {"nl": "Filteren", "en": "Filter"},
    "web.no_alerts": {"nl": "Geen meldingen.", "en": "No alerts."},
    "web.alert_state.open": {"nl": "open", "en": "open"},
    "web.alert_state.acknowledged": {"nl": "bevestigd", "en": "acknowledged"},
    "web.alert_state.resolved": {"nl": "opgelost", "en": "resolved"},
    "web.login_title": {"nl": "Aanmelden", "en": "Log in"},
    "web.login_prompt": {
        "nl": "Meld je aan bij het situatiebeeld van Weerbaar. De link werkt één keer.",
        "en": "Log in to Weerbaar's situational picture. The link works once.",
    },
    "web.login_button": {"nl": "Aanmelden", "en": "Log in"},
    "web.login_failed": {
        "nl": "Deze aanmeldlink is onbekend, verlopen of al gebruikt. "
        "Vraag in Matrix een nieuwe met !webbeeld.",
        "en": "This login link is unknown, expired or already used. "
        "Ask for a new one in Matrix with !web.",
    },
    "web.forbidden": {
        "nl": "Alleen leden van de taskforce zien het situatiebeeld. "
        "Vraag in Matrix een aanmeldlink met !webbeeld.",
        "en": "Only taskforce members see the situational picture. "
        "Ask for a login link in Matrix with !web.",
    },
    "web.logged_out": {"nl": "Je bent afgemeld.", "en": "You are logged out."},
    "web.suppliers": {"nl": "Leveranciers", "en": "Suppliers"},
    "web.graph": {
        "nl": "Concentratie: leveranciers, hun diensten en de processen die ervan afhangen",
        "en": "Concentration: suppliers, their services and the processes that depend on them",
    },
    "web.graph_legend": {
        "nl": "Dikkere lijn: ernstiger proces (vitaal > kritiek > belangrijk). Gestippeld "
        "kader: terugvaloptie ontbreekt of is niet actueel (mislukt, nooit getest, verlopen "
        "of binnenkort toe); de minst actuele staat erin, met de dag van de laatste test.",
        "en": "Thicker line: more severe process (vital > critical > important). Dashed "
        "box: fallback option missing or not current (failed, never tested, overdue or due "
        "soon); the least current one is written in it, with the day of its last test.",
    },
    "web.fallback_none": {"nl": "geen terugvaloptie", "en": "no fallback option"},
    "web.fallback_state": {"nl": "terugval {status}", "en": "fallback {status}"},
    "web.fallback_state_dated": {
        "nl": "terugval {status} ({date})",
        "en": "fallback {status} ({date})",
    },
    "web.not_current": {
        "nl": "Terugvalopties die niet actueel zijn (mislukt, nooit getest, verlopen, "
        "binnenkort toe)",
        "en": "Fallback options not current (failed, never tested, overdue, due soon)",
    },
    "web.service": {"nl": "Dienst", "en": "Service"},
    "web.fallback": {"nl": "Terugvaloptie", "en": "Fallback option"},
    "web.freshness": {"nl": "Status en laatste test", "en": "Status and last test"},
    "web.contract_end": {"nl": "Contract tot", "en": "Contract until"},
    "web.dependents": {"nl": "Afhankelijke processen", "en": "Dependent processes"},
    "web.no_suppliers": {
        "nl": "Het register is leeg (weerbaar supplier import).",
        "en": "The registry is empty (weerbaar supplier import).",
    },
    "web.link_sent": {
        "nl": "Je aanmeldlink voor het situatiebeeld (werkt één keer, {minutes} minuten "
        "geldig; deel hem niet): {link}",
        "en": "Your login link for the situational picture (works once, valid for "
        "{minutes} minutes; do not share it): {link}",
    },
    "web.off": {
        "nl": "Het webbeeld staat op deze bot uit (instelling web.enabled).",
        "en": "The web view is switched off on this bot (setting web.enabled).",
    },
    "web.link_queued": {
        "nl": "Ik stuur je een aanmeldlink in een privégesprek met mij.",
        "en": "I am sending you a login link in a direct message.",
    },
    "web.not_found": {"nl": "Die pagina bestaat niet.", "en": "That page does not exist."},
}
