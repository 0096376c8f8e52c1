"""User text of the lauwe fase: phases, the situational picture, check-ins, proposals."""

from __future__ import annotations

from bot.messages.types import Catalogue

MESSAGES: Catalogue = {
    "situation.tracked": {
        "nl": "Situatie #{id} geopend voor melding #{alert_id} ({supplier}: {title}), fase "
        "signaal. Verder met !fase {id} lauwe-fase <reden>.",
        "en": "Situation #{id} opened for alert #{alert_id} ({supplier}: {title}), phase "
        "signal. Next: !phase {id} lauwe_fase <reason>.",
    },
    "situation.phase_set": {
        "nl": "Situatie #{id} ({supplier}): fase {previous} → {current}, door {actor} "
        "(logregel {seq}). Reden: {reason}",
        "en": "Situation #{id} ({supplier}): phase {previous} → {current}, by {actor} "
        "(log entry {seq}). Reason: {reason}",
    },
    "situation.unknown_phase": {
        "nl": "Onbekende fase '{word}'. Fasen: {phases}.",
        "en": "Unknown phase '{word}'. Phases: {phases}.",
    },
    "situation.owner_set": {
        "nl": "{owner} is nu eigenaar van situatie #{id} en krijgt de check-ins.",
        "en": "{owner} now owns situation #{id} and gets its check-ins.",
    },
    "situation.update_recorded": {
        "nl": "Update voor situatie #{id} vastgelegd (logregel {seq}).",
        "en": "Update for situation #{id} recorded (log entry {seq}).",
    },
    "situation.update_next_checkin": {
        "nl": "Volgende check-in: {time}.",
        "en": "Next check-in: {time}.",
    },
    "status.title": {
        "nl": "Situatiebeeld: {count} open {count:situatie|situaties}",
        "en": "Situational picture: {count} open {count:situation|situations}",
    },
    "status.empty": {
        "nl": "Situatiebeeld: geen open situaties.",
        "en": "Situational picture: no open situations.",
    },
    "status.phase": {"nl": "{phase} ({count})", "en": "{phase} ({count})"},
    "status.line": {
        "nl": "#{id} {supplier}: {title}. Open sinds {age}, eigenaar {owner}, laatste update "
        "{update}, volgende check-in {checkin}",
        "en": "#{id} {supplier}: {title}. Open for {age}, owner {owner}, last update "
        "{update}, next check-in {checkin}",
    },
    "status.update": {"nl": "{time} door {actor}", "en": "{time} by {actor}"},
    "status.none": {"nl": "geen", "en": "none"},
    "duration.days": {"nl": "{days}d {hours}u", "en": "{days}d {hours}h"},
    "duration.hours": {"nl": "{hours}u {minutes}m", "en": "{hours}h {minutes}m"},
    "duration.minutes": {"nl": "{minutes}m", "en": "{minutes}m"},
    "watch.checkin": {
        "nl": "{user}: check-in voor situatie #{id} ({supplier}: {title}) in de lauwe fase. "
        "Hoe staat het ervoor? Antwoord met !bijwerken {id} <update>.",
        "en": "{user}: check-in for situation #{id} ({supplier}: {title}) in the warm-up phase. "
        "What is the current picture? Answer with !update {id} <update>.",
    },
    "watch.overdue": {
        "nl": "Herinnering {user}: nog geen update voor situatie #{id} ({supplier}) sinds de "
        "check-in van {asked}. !bijwerken {id} <update>",
        "en": "Reminder {user}: no update yet for situation #{id} ({supplier}) since the "
        "check-in at {asked}. !update {id} <update>",
    },
    "watch.proposal": {
        "nl": "Voorstel: overweeg escalatie van situatie #{id} ({supplier}: {title}). "
        "Reden: {reason}. Weerbaar stelt alleen voor; de taskforce besluit.",
        "en": "Proposal: consider escalating situation #{id} ({supplier}: {title}). "
        "Reason: {reason}. Weerbaar only proposes; the taskforce decides.",
    },
    "watch.proposal.escalate": {
        "nl": "Escaleren met crisisruimte: !escaleer {alert_id}",
        "en": "Escalate with an incident room: !escalate {alert_id}",
    },
    "watch.proposal.phase": {
        "nl": "Of alleen de fase: !fase {id} crisis <reden>",
        "en": "Or only the phase: !phase {id} crisis <reason>",
    },
    "watch.lauwe_proposal": {
        "nl": "Voorstel: open direct de lauwe fase voor {supplier}. Reden: {reason}. "
        "Weerbaar stelt alleen voor; de taskforce besluit.",
        "en": "Proposal: open the warm-up phase (lauwe fase) for {supplier} now. "
        "Reason: {reason}. Weerbaar only proposes; the taskforce decides.",
    },
    "watch.lauwe_proposal.track": {
        "nl": "Volgen en de fase zetten: !volg {alert_id}, dan !fase <situatie> lauwe-fase <reden>",
        "en": "Track it and set the phase: !track {alert_id}, then "
        "!phase <situation> lauwe_fase <reason>",
    },
    "watch.lauwe_proposal.phase": {
        "nl": "Situatie #{id} staat op signaal: !fase {id} lauwe-fase <reden>",
        "en": "Situation #{id} is at signal: !phase {id} lauwe_fase <reason>",
    },
    "watch.rule.insolvency_vital": {
        "nl": "melding #{alert_id} meldt een insolventieprocedure ({title}) en vitale "
        "processen hangen af van deze leverancier: {processes}",
        "en": "alert #{alert_id} reports an insolvency procedure ({title}) and vital "
        "processes depend on this supplier: {processes}",
    },
    "watch.rule.severity": {
        "nl": "melding #{alert_id} heeft ernst {severity} ({title})",
        "en": "alert #{alert_id} has severity {severity} ({title})",
    },
    "watch.rule.alert_count": {
        "nl": "{count} {count:melding|meldingen} voor deze leverancier in de afgelopen {hours} uur",
        "en": "{count} {count:alert|alerts} for this supplier in the last {hours} hours",
    },
    "watch.rule.vital_process": {
        "nl": "vitale processen hangen af van deze leverancier: {processes}",
        "en": "vital processes depend on this supplier: {processes}",
    },
    "log.owner_set": {
        "nl": "Eigenaar: {owner} (was {previous})",
        "en": "Owner: {owner} (was {previous})",
    },
    "log.situation_update": {"nl": "Update: {text}", "en": "Update: {text}"},
    "log.escalation_proposed": {
        "nl": "Weerbaar stelde escalatie voor (regel {rule})",
        "en": "Weerbaar proposed escalation (rule {rule})",
    },
    "error.situation_closed": {
        "nl": "Situatie #{situation_id} is gesloten.",
        "en": "Situation #{situation_id} is closed.",
    },
    "error.alert_already_tracked": {
        "nl": "Melding #{alert_id} hoort al bij situatie #{situation_id}.",
        "en": "Alert #{alert_id} already belongs to situation #{situation_id}.",
    },
    "error.supplier_has_open_situation": {
        "nl": "{supplier} heeft al een open situatie: #{situation_id}.",
        "en": "{supplier} already has an open situation: #{situation_id}.",
    },
    "poll.failed": {
        "nl": "Bron {source} is niet op te halen: {error}. Weerbaar blijft het proberen en "
        "meldt het als het weer werkt.",
        "en": "Feed {source} cannot be polled: {error}. Weerbaar keeps trying and says so "
        "when it works again.",
    },
    "poll.recovered": {
        "nl": "Bron {source} werkt weer (viel uit sinds {since}).",
        "en": "Feed {source} works again (failing since {since}).",
    },
}
