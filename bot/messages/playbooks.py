"""User text of playbook runs, incident roles, reminders and closing (issue 5)."""

from __future__ import annotations

from bot.messages.types import Catalogue

MESSAGES: Catalogue = {
    # --- step statuses and lines ------------------------------------------------------------
    "step.status.pending": {"nl": "wacht op besluit", "en": "awaiting decision"},
    "step.status.blocked": {"nl": "geblokkeerd", "en": "blocked"},
    "step.status.active": {"nl": "actief", "en": "active"},
    "step.status.done": {"nl": "klaar", "en": "done"},
    "step.status.skipped": {"nl": "overgeslagen", "en": "skipped"},
    "step.status.not_applicable": {"nl": "niet van toepassing", "en": "not applicable"},
    "decision.status.waiting": {"nl": "nog niet aan de orde", "en": "not yet due"},
    "decision.status.open": {"nl": "open", "en": "open"},
    "decision.status.decided": {"nl": "besloten", "en": "decided"},
    "decision.status.not_applicable": {"nl": "niet van toepassing", "en": "not applicable"},
    "run.header": {
        "nl": "Draaiboek {number}: {title} (versie {version}), gestart {started}",
        "en": "Playbook {number}: {title} (version {version}), started {started}",
    },
    "run.step_line": {
        "nl": "{number}. [{status}] {title} — eigenaar {owner}, deadline {due}{extra}",
        "en": "{number}. [{status}] {title} — owner {owner}, deadline {due}{extra}",
    },
    "run.overdue": {"nl": " — TE LAAT", "en": " — OVERDUE"},
    "run.done_at": {"nl": " — klaar {time} door {actor}", "en": " — done {time} by {actor}"},
    "run.skipped_because": {
        "nl": " — overgeslagen door {actor}: {reason}",
        "en": " — skipped by {actor}: {reason}",
    },
    "run.waits_for_decision": {
        "nl": " (wacht op besluit {id})",
        "en": " (waits for decision {id})",
    },
    "run.waits_for_fact": {
        "nl": " (wacht op feit {id}: !feit {id} <waarde>)",
        "en": " (waits for fact {id}: !fact {id} <value>)",
    },
    "run.checklist_item": {"nl": "   [{mark}] {item}. {text}", "en": "   [{mark}] {item}. {text}"},
    "run.decision_line": {
        "nl": "Beslispunt {id} [{status}] ({role} besluit{due}): {question}",
        "en": "Decision {id} [{status}] ({role} decides{due}): {question}",
    },
    "run.decision_due": {"nl": ", uiterlijk {due}", "en": ", by {due}"},
    "run.option_line": {
        "nl": "   - {id}: {label} — {consequences}",
        "en": "   - {id}: {label} — {consequences}",
    },
    "run.chosen": {
        "nl": "   gekozen: {option} door {actor}",
        "en": "   chosen: {option} by {actor}",
    },
    "run.complete": {"nl": "Alle stappen zijn afgerond.", "en": "All steps are settled."},
    "run.fact_needed": {
        "nl": "Nodig: {question} → !feit {id} <{expected}>",
        "en": "Needed: {question} → !fact {id} <{expected}>",
    },
    "run.yes_no": {"nl": "ja/nee", "en": "yes/no"},
    "run.nothing_due": {
        "nl": "Niets open in draaiboek {number}.",
        "en": "Nothing open in playbook {number}.",
    },
    "run.none": {
        "nl": "Er loopt nog geen draaiboek. Start er een met !draaiboek start <naam>.",
        "en": "No playbook is running. Start one with !playbook start <name>.",
    },
    # --- replies to commands ----------------------------------------------------------------
    "run.step_done": {
        "nl": "Stap {number} ({title}) klaar, door {actor} om {time}.",
        "en": "Step {number} ({title}) done by {actor} at {time}.",
    },
    "run.unchecked": {
        "nl": "Niet afgevinkt: {items}.",
        "en": "Not checked: {items}.",
    },
    "run.step_skipped": {
        "nl": "Stap {number} ({title}) overgeslagen door {actor}. Reden: {reason}",
        "en": "Step {number} ({title}) skipped by {actor}. Reason: {reason}",
    },
    "run.item_checked": {
        "nl": "Stap {number}, punt {item} afgevinkt: {text} ({done}/{count})",
        "en": "Step {number}, item {item} checked: {text} ({done}/{count})",
    },
    "run.option_chosen": {
        "nl": "Besluit {decision}: {option} (logregel {seq}). Waarom: {rationale}",
        "en": "Decision {decision}: {option} (log entry {seq}). Why: {rationale}",
    },
    "run.opened_steps": {"nl": "Nu open: {steps}", "en": "Now open: {steps}"},
    "run.fact_set": {
        "nl": "Feit {id} = {value} vastgelegd door {actor}.",
        "en": "Fact {id} = {value} recorded by {actor}.",
    },
    "run.options": {
        "nl": "   Opties: {options} → !kies {id} <optie> --waarom <reden>",
        "en": "   Options: {options} → !choose {id} <option> --why <rationale>",
    },
    "run.waiting": {
        "nl": "Nog {count} {count:stap wacht|stappen wachten} (geblokkeerd, later of niet "
        "gestart); alle stappen: !stappen",
        "en": "{count} more {count:step is|steps are} waiting (blocked, later or not "
        "started); all steps: !steps",
    },
    "run.next_header": {"nl": "Nu aan de beurt:", "en": "Due now:"},
    # --- reminders --------------------------------------------------------------------------
    "reminder.step": {
        "nl": "⏰ {who}: stap {number} ({title}) van draaiboek {run} had klaar moeten zijn om "
        "{due}.",
        "en": "⏰ {who}: step {number} ({title}) of playbook {run} was due at {due}.",
    },
    "reminder.step_escalation": {
        "nl": "⚠️ {who}: stap {number} ({title}) van draaiboek {run} is nog open, ook na een "
        "herinnering aan {owner}. Deadline was {due}.",
        "en": "⚠️ {who}: step {number} ({title}) of playbook {run} is still open after a "
        "reminder to {owner}. It was due at {due}.",
    },
    "reminder.decision": {
        "nl": "⏰ {who}: beslispunt {id} van draaiboek {run} moest uiterlijk {due} genomen "
        "zijn: {question}",
        "en": "⏰ {who}: decision {id} of playbook {run} was due at {due}: {question}",
    },
    "reminder.decision_escalation": {
        "nl": "⚠️ {who}: beslispunt {id} van draaiboek {run} is nog steeds open (deadline {due}).",
        "en": "⚠️ {who}: decision {id} of playbook {run} is still open (due {due}).",
    },
    "reminder.nobody": {"nl": "(nog niemand met rol {role})", "en": "(nobody holds {role} yet)"},
    "log.step_done": {
        "nl": "Stap {step_number} ({step_id}) klaar; gepland {planned_due}",
        "en": "Step {step_number} ({step_id}) done; planned {planned_due}",
    },
    "log.step_skipped": {
        "nl": "Stap {step_number} ({step_id}) overgeslagen: {reason}",
        "en": "Step {step_number} ({step_id}) skipped: {reason}",
    },
    "log.checklist_checked": {
        "nl": "Stap {step_number} ({step_id}): punt {item} afgevinkt",
        "en": "Step {step_number} ({step_id}): item {item} checked",
    },
    "log.option_chosen": {
        "nl": "Beslispunt {decision_id}: optie {option_id} gekozen "
        "(besluit regel {decision_entry})",
        "en": "Decision point {decision_id}: option {option_id} chosen "
        "(decision entry {decision_entry})",
    },
    "log.fact_set": {"nl": "Feit {fact_id} = {value}", "en": "Fact {fact_id} = {value}"},
    "log.reminder_sent": {
        "nl": "Herinnering ({stage}) voor {subject} {subject_id} aan {mentioned}",
        "en": "Reminder ({stage}) for {subject} {subject_id} to {mentioned}",
    },
    "log.role_assigned": {
        "nl": "Rol {role} toegewezen aan {user}",
        "en": "Role {role} assigned to {user}",
    },
    "log.sitrep": {"nl": "Situatierapport: {text}", "en": "Situation report: {text}"},
    # --- incident roles and closing ---------------------------------------------------------
    "sitrep.recorded": {
        "nl": "Situatierapport vastgelegd (regel {seq}) door {actor}.",
        "en": "Situation report recorded (entry {seq}) by {actor}.",
    },
    "sitrep.latest": {
        "nl": "Laatste situatierapport (regel {seq}, {time}, {actor}):\n{text}",
        "en": "Latest situation report (entry {seq}, {time}, {actor}):\n{text}",
    },
    "sitrep.none": {
        "nl": "Er is nog geen situatierapport; !sitrap <tekst> legt er een vast.",
        "en": "There is no situation report yet; !sitrep <text> records one.",
    },
    "sitrep.next": {
        "nl": "Het volgende wordt gevraagd om {time}.",
        "en": "The next one will be asked for at {time}.",
    },
    "sitrep.reminder": {
        "nl": "{who}: tijd voor een situatierapport. Vat samen hoe het ervoor staat met "
        "!sitrap <tekst>. Vorige: {last}.",
        "en": "{who}: time for a situation report. Summarise where things stand with "
        "!sitrep <text>. Last one: {last}.",
    },
    "sitrep.nobody": {
        "nl": "niemand is {scribe} of {coordinator} (!rol)",
        "en": "nobody is {scribe} or {coordinator} (!role)",
    },
    "sitrep.none_yet": {"nl": "nog geen", "en": "none yet"},
    "role.assigned": {
        "nl": "{user} is nu {role} in dit incident (door {actor}).",
        "en": "{user} is now {role} in this incident (by {actor}).",
    },
    "role.handed_over": {
        "nl": "Coördinatie overgedragen van {previous} aan {user}.",
        "en": "Coordination handed over from {previous} to {user}.",
    },
    "role.list": {"nl": "Rollen: {roles}", "en": "Roles: {roles}"},
    "close.done": {
        "nl": "Situatie #{id} gesloten door {actor} en naar evaluatie. Reden: {reason}",
        "en": "Situation #{id} closed by {actor} and moved to evaluation. Reason: {reason}",
    },
    "close.run": {
        "nl": "Draaiboek {number} ({playbook}): {done} klaar ({late} te laat), "
        "{skipped} overgeslagen, {not_applicable} niet van toepassing, {open} nog open",
        "en": "Playbook {number} ({playbook}): {done} done ({late} late), {skipped} skipped, "
        "{not_applicable} not applicable, {open} still open",
    },
    "close.decisions": {
        "nl": "Besluiten vastgelegd: {count}. Het volledige verslag: !rapport",
        "en": "Decisions recorded: {count}. The full report: !report",
    },
    "summary.title": {
        "nl": "📌 Situatie #{id} — {supplier}: {title}",
        "en": "📌 Situation #{id} — {supplier}: {title}",
    },
    "summary.phase": {"nl": "Fase: {phase}", "en": "Phase: {phase}"},
    "summary.roles": {"nl": "Rollen: {roles}", "en": "Roles: {roles}"},
    "summary.run": {
        "nl": "Draaiboek {number} ({title}), nu: {steps}",
        "en": "Playbook {number} ({title}), now: {steps}",
    },
    "summary.decision": {
        "nl": "Open beslispunt {id}: {question}",
        "en": "Open decision {id}: {question}",
    },
    # --- refusals ---------------------------------------------------------------------------
    "error.run_refused": {
        "nl": "Dat past niet in het draaiboek.",
        "en": "That does not fit the playbook.",
    },
    "error.unknown_step": {
        "nl": "Stap '{step}' bestaat niet. Stappen: 1 t/m {count}, of een id: {available}.",
        "en": "There is no step '{step}'. Steps: 1 to {count}, or an id: {available}.",
    },
    "error.step_already_done": {
        "nl": "Stap {step} is al klaar.",
        "en": "Step {step} is already done.",
    },
    "error.step_already_skipped": {
        "nl": "Stap {step} is al overgeslagen.",
        "en": "Step {step} was already skipped.",
    },
    "error.step_not_applicable": {
        "nl": "Stap {step} is niet van toepassing in deze situatie.",
        "en": "Step {step} does not apply in this situation.",
    },
    "error.step_not_open": {
        "nl": "Stap {step} gaat pas open na een keuze in beslispunt {decisions} (!kies).",
        "en": "Step {step} only opens after a choice in decision {decisions} (!choose).",
    },
    "error.step_waits_for_decision": {
        "nl": "Stap {step} wacht op beslispunt {decision} (!kies {decision} <optie> --waarom ...).",
        "en": "Step {step} waits for decision {decision} (!choose {decision} <option> --why ...).",
    },
    "error.step_waits_for_fact": {
        "nl": "Stap {step} hangt af van feit {fact}; leg het eerst vast met !feit {fact} <waarde>.",
        "en": "Step {step} depends on fact {fact}; record it first with !fact {fact} <value>.",
    },
    "error.unknown_checklist_item": {
        "nl": "Stap {step} heeft geen punt {item} "
        "(de checklist heeft {count} {count:punt|punten}).",
        "en": "Step {step} has no item {item} (its checklist has {count} {count:item|items}).",
    },
    "error.checklist_item_already_checked": {
        "nl": "Punt {item} van stap {step} is al afgevinkt.",
        "en": "Item {item} of step {step} is already checked.",
    },
    "error.unknown_decision": {
        "nl": "Beslispunt '{decision}' bestaat niet. Beslispunten: {available}.",
        "en": "There is no decision '{decision}'. Decisions: {available}.",
    },
    "error.playbook_already_running": {
        "nl": "Draaiboek {playbook} loopt hier al (draaiboek {number}); zie !stappen {number}. "
        "Bewust een tweede keer starten: !draaiboek start {playbook} --opnieuw",
        "en": "Playbook {playbook} already runs here (playbook {number}); see !steps {number}. "
        "To start a second run on purpose: !playbook start {playbook} --again",
    },
    "error.unknown_option": {
        "nl": "Beslispunt {decision} heeft geen optie '{option}'. Opties: {available}.",
        "en": "Decision {decision} has no option '{option}'. Options: {available}.",
    },
    "error.decision_already_taken": {
        "nl": "Over beslispunt {decision} is al besloten: {option}.",
        "en": "Decision {decision} was already taken: {option}.",
    },
    "error.decision_not_open": {
        "nl": "Beslispunt {decision} is pas aan de orde als stap {step} klaar is.",
        "en": "Decision {decision} is only due once step {step} is done.",
    },
    "error.decision_not_applicable": {
        "nl": "Beslispunt {decision} is niet meer van toepassing.",
        "en": "Decision {decision} no longer applies.",
    },
    "error.unknown_fact": {
        "nl": "Feit '{fact}' bestaat niet in dit draaiboek. Feiten: {available}.",
        "en": "There is no fact '{fact}' in this playbook. Facts: {available}.",
    },
    "error.fact_already_set": {
        "nl": "Feit {fact} is al vastgelegd: {value}.",
        "en": "Fact {fact} was already recorded: {value}.",
    },
    "error.invalid_fact_value": {
        "nl": "'{value}' past niet bij feit {fact} (verwacht: {expected}).",
        "en": "'{value}' does not fit fact {fact} (expected: {expected}).",
    },
    "error.no_running_playbook": {
        "nl": "Er loopt nog geen draaiboek in deze crisisruimte (!draaiboek start <naam>).",
        "en": "No playbook is running in this incident room (!playbook start <name>).",
    },
    "error.ambiguous_run": {
        "nl": "Er lopen meerdere draaiboeken: {runs}. Zet het nummer ervoor, bijvoorbeeld 2.3 "
        "voor stap 3 van draaiboek 2.",
        "en": "Several playbooks are running: {runs}. Put the number in front, e.g. 2.3 for "
        "step 3 of playbook 2.",
    },
    "error.unknown_incident_role": {
        "nl": "Onbekende rol '{role}'. Rollen: {available}.",
        "en": "Unknown role '{role}'. Roles: {available}.",
    },
    "error.role_change_refused": {
        "nl": "Alleen de coördinator van dit incident ({coordinator}) mag dat "
        "(rollen toewijzen, overdragen, fase wijzigen, sluiten).",
        "en": "Only this incident's coordinator ({coordinator}) may do that "
        "(assign roles, hand over, change the phase, close).",
    },
    "error.role_holder_unknown": {
        "nl": "{user} is geen lid van deze crisisruimte of de taskforce; er is niets toegewezen.",
        "en": "{user} is not a member of this incident room or the taskforce; nothing was "
        "assigned.",
    },
    "error.decision_role_refused": {
        "nl": "Beslispunt {decision} is aan de {role} ({holders}) of de coördinator van dit "
        "incident ({coordinator}); er is niets vastgelegd.",
        "en": "Decision {decision} is for the {role} ({holders}) or this incident's "
        "coordinator ({coordinator}); nothing was recorded.",
    },
    "error.decision_for_coordinator": {
        "nl": "Beslispunt {decision} is aan de coördinator van dit incident ({coordinator}); "
        "er is niets vastgelegd.",
        "en": "Decision {decision} is for this incident's coordinator ({coordinator}); "
        "nothing was recorded.",
    },
    "error.decision_role_vacant": {
        "nl": "Beslispunt {decision} is aan de {role}, maar niemand heeft die rol: alleen de "
        "coördinator ({coordinator}) mag nu besluiten (of een {role} aanwijzen met !rol). "
        "Er is niets vastgelegd.",
        "en": "Decision {decision} is for the {role}, but nobody holds that role: only the "
        "coordinator ({coordinator}) may decide now (or appoint a {role} with !role). "
        "Nothing was recorded.",
    },
    "error.unknown_run": {
        "nl": "Draaiboek {run} bestaat niet in deze crisisruimte. Draaiboeken: {runs}.",
        "en": "There is no playbook {run} in this incident room. Playbooks: {runs}.",
    },
}
