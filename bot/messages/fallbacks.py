"""User text of fallback options: the drill plan and recording a test."""

from __future__ import annotations

from bot.messages.types import Catalogue

MESSAGES: Catalogue = {
    "fallback_status.current": {"nl": "actueel", "en": "current"},
    "fallback_status.due_soon": {"nl": "binnenkort toe", "en": "due soon"},
    "fallback_status.overdue": {"nl": "VERLOPEN", "en": "OVERDUE"},
    "fallback_status.never_tested": {"nl": "NOOIT GETEST", "en": "NEVER TESTED"},
    "fallback_status.failed": {"nl": "MISLUKT", "en": "FAILED"},
    "fallback.freshness": {
        "nl": "{status} (laatste test {date}: {result})",
        "en": "{status} (last test {date}: {result})",
    },
    "fallback_result.worked": {"nl": "geslaagd", "en": "worked"},
    "fallback_result.partly": {"nl": "deels geslaagd", "en": "partly worked"},
    "fallback_result.failed": {"nl": "mislukt", "en": "failed"},
    "fallback_kind.tabletop": {"nl": "tafeloefening", "en": "tabletop"},
    "fallback_kind.technical": {"nl": "technische test", "en": "technical test"},
    "fallback_kind.live switch-over": {"nl": "echte omschakeling", "en": "live switch-over"},
    "drills.title": {
        "nl": "Oefenplan: terugvalopties om eerst te beoefenen (hoogste risico eerst)",
        "en": "Drill plan: fallback options to drill first (highest risk first)",
    },
    "drills.line": {
        "nl": "{rank}. {fallback}: {status}, risico {risk}\n"
        "   {supplier} / {service}: {description}\n"
        "   eigenaar {owner}; laatste test {age}; scenario {scenarios}",
        "en": "{rank}. {fallback}: {status}, risk {risk}\n"
        "   {supplier} / {service}: {description}\n"
        "   owner {owner}; last test {age}; scenario {scenarios}",
    },
    "drills.age": {
        "nl": "{days} {days:dag|dagen} geleden ({result})",
        "en": "{days} {days:day|days} ago ({result})",
    },
    "drills.today": {"nl": "vandaag ({result})", "en": "today ({result})"},
    "drills.never": {"nl": "nooit", "en": "never"},
    "drills.no_owner": {
        "nl": "niemand (leg vast in het register)",
        "en": "nobody (set it in the registry)",
    },
    "drills.no_scenario": {
        "nl": "geen: een tafeloefening volstaat",
        "en": "none: drill it as a tabletop",
    },
    "drills.empty": {
        "nl": "Geen terugvalopties die verlopen, ongetest of mislukt zijn.",
        "en": "No fallback options are overdue, untested or failed.",
    },
    "drills.none_registered": {
        "nl": "Geen terugvalopties geregistreerd (weerbaar supplier import).",
        "en": "No fallback options registered (weerbaar supplier import).",
    },
    "fallback.recorded": {
        "nl": "Test van {fallback} vastgelegd: {result} ({kind}, {duration}) door {actor}.",
        "en": "Test of {fallback} recorded: {result} ({kind}, {duration}) by {actor}.",
    },
    "fallback.in_log": {
        "nl": "In het log van situatie #{situation} als regel {seq}.",
        "en": "In the log of situation #{situation} as entry {seq}.",
    },
    "fallback.improvement": {
        "nl": "Verbeteractie {seq} voor {owner}, uiterlijk {due}.",
        "en": "Improvement action {seq} for {owner}, due {due}.",
    },
    "fallback.improvement_kept": {
        "nl": "Verbeteractie voor {owner}, uiterlijk {due}; herinnering in de coördinatieruimte. "
        "Klaar? !terugval verbeterd {fallback}",
        "en": "Improvement action for {owner}, due {due}; reminded in the coordination room. "
        "Done? !fallback improved {fallback}",
    },
    "fallback.improved": {
        "nl": "{count} {count:verbeteractie|verbeteracties} van {fallback} afgerond door {actor}.",
        "en": "{count} improvement {count:action|actions} of {fallback} marked done by {actor}.",
    },
    "fallback.improvement_due": {
        "nl": "{user}: de verbeteractie van terugvaloptie {fallback} is nu verlopen: {notes} "
        "(test van {tested}: {result}). Klaar? !terugval verbeterd {fallback}",
        "en": "{user}: the improvement action of fallback option {fallback} is due now: "
        "{notes} (test of {tested}: {result}). Done? !fallback improved {fallback}",
    },
    "error.improvement_refused": {
        "nl": "Geweigerd: alleen de eigenaar van {fallback} ({owner}), de eigenaar van de actie "
        "of een coördinator rondt een verbeteractie af.",
        "en": "Refused: only the owner of {fallback} ({owner}), the action's owner or a "
        "coordinator marks an improvement action done.",
    },
    "error.no_open_improvement": {
        "nl": "Terugvaloptie {fallback} heeft geen open verbeteractie.",
        "en": "Fallback option {fallback} has no open improvement action.",
    },
    "fallback.improvement_action": {
        "nl": "Verbeter terugvaloptie {fallback} ({result}): {notes}",
        "en": "Improve fallback option {fallback} ({result}): {notes}",
    },
    "fallback.status": {
        "nl": "Status nu: {status}.",
        "en": "Status now: {status}.",
    },
    "fallback.no_duration": {"nl": "duur onbekend", "en": "duration unknown"},
    "log.fallback_tested": {
        "nl": "Terugvaloptie {fallback} getest ({kind}): {result}; {notes}",
        "en": "Fallback option {fallback} tested ({kind}): {result}; {notes}",
    },
    "log.drill_planned": {
        "nl": "Oefening {drill_id} van terugvaloptie {fallback} gepland op {due_at} "
        "(scenario {scenario})",
        "en": "Drill {drill_id} of fallback option {fallback} planned for {due_at} "
        "(scenario {scenario})",
    },
    "log.drill_cancelled": {
        "nl": "Oefening {drill_id} van terugvaloptie {fallback} op {due_at} geannuleerd",
        "en": "Drill {drill_id} of fallback option {fallback} on {due_at} cancelled",
    },
    "log.drill_moved": {
        "nl": "Oefening {drill_id} van terugvaloptie {fallback} verplaatst van "
        "{previous_due_at} naar {due_at}",
        "en": "Drill {drill_id} of fallback option {fallback} moved from {previous_due_at} "
        "to {due_at}",
    },
    "error.unknown_drill": {
        "nl": "Er is geen geplande oefening {drill}; !oefenplan toont de nummers.",
        "en": "No drill {drill} is planned; !drills shows their numbers.",
    },
    "error.drill_change_refused": {
        "nl": "Geweigerd: alleen de eigenaar van {fallback} ({owner}) of een coördinator "
        "annuleert of verplaatst een oefening.",
        "en": "Refused: only the owner of {fallback} ({owner}) or a coordinator cancels or "
        "moves a drill.",
    },
    "drill.cancelled": {
        "nl": "Oefening {id} van {fallback} op {due} geannuleerd door {actor}; de "
        "herinneringen vervallen.",
        "en": "Drill {id} of {fallback} on {due} cancelled by {actor}; its reminders are "
        "withdrawn.",
    },
    "drill.moved": {
        "nl": "Oefening {id} van {fallback} verplaatst naar {due} door {actor}.",
        "en": "Drill {id} of {fallback} moved to {due} by {actor}.",
    },
    "drill.due": {
        "nl": "{user}: de geplande oefening {id} van terugvaloptie {fallback} is nu. {how}",
        "en": "{user}: planned drill {id} of fallback option {fallback} is due now. {how}",
    },
    "drill.due_tabletop": {
        "nl": "Start de tafeloefening met: !oefenen tafel {fallback}",
        "en": "Start the tabletop checklist with: !drill tabletop {fallback}",
    },
    "drill.due_scenario": {
        "nl": "Start de oefening met: !oefening start {scenario}",
        "en": "Start the exercise with: !exercise start {scenario}",
    },
    "tabletop.ask.switches": {
        "nl": "Tafeloefening van {fallback}. Wie schakelt over op deze terugvaloptie? "
        "(antwoord in deze thread; 'stop' breekt af)",
        "en": "Tabletop drill of {fallback}. Who switches over to this fallback option? "
        "(answer in this thread; 'stop' cancels)",
    },
    "tabletop.ask.duration": {
        "nl": "Hoe lang duurt de omschakeling? (bijv. 45m, 3h of een toelichting)",
        "en": "How long does the switch-over take? (e.g. 45m, 3h or an explanation)",
    },
    "tabletop.ask.data": {
        "nl": "Welke gegevens zijn ervoor nodig?",
        "en": "What data is needed for it?",
    },
    "tabletop.ask.informed": {
        "nl": "Wie wordt geïnformeerd?",
        "en": "Who is informed?",
    },
    "tabletop.ask.result": {
        "nl": "Werkt de terugvaloptie zo? gelukt, deels of mislukt",
        "en": "Does the fallback option work this way? worked, partly or failed",
    },
    "tabletop.not_a_result": {
        "nl": "{word} is geen uitkomst; antwoord gelukt, deels of mislukt.",
        "en": "{word} is not a result; answer worked, partly or failed.",
    },
    "tabletop.notes": {
        "nl": "Tafeloefening. Wie schakelt over: {switches}. Duur: {duration}. Gegevens "
        "nodig: {data}. Geïnformeerd: {informed}.",
        "en": "Tabletop drill. Who switches over: {switches}. Duration: {duration}. Data "
        "needed: {data}. Informed: {informed}.",
    },
    "tabletop.cancelled": {
        "nl": "Tafeloefening niet vastgelegd (afgebroken).",
        "en": "Tabletop drill not recorded (cancelled).",
    },
    "error.unknown_fallback": {
        "nl": "Terugvaloptie {fallback} staat niet in het register; !oefenplan en !leverancier "
        "tonen de ids.",
        "en": "Fallback option {fallback} is not in the registry; !drills and !supplier show "
        "the ids.",
    },
    "error.fallback_test_refused": {
        "nl": "Geweigerd: alleen de eigenaar van {fallback} ({owner}) of een coördinator legt een "
        "test vast.",
        "en": "Refused: only the owner of {fallback} ({owner}) or a coordinator records a test.",
    },
    "error.drill_plan_refused": {
        "nl": "Geweigerd: alleen de eigenaar van {fallback} ({owner}) of een coördinator plant "
        "een oefening.",
        "en": "Refused: only the owner of {fallback} ({owner}) or a coordinator plans a drill.",
    },
    "drill.planned": {
        "nl": "Oefening {id} van {fallback} gepland op {due} ({scenario}).",
        "en": "Drill {id} of {fallback} planned for {due} ({scenario}).",
    },
    "drill.reminders": {
        "nl": "Herinnering aan {owner}: {moments}.",
        "en": "Reminders to {owner}: {moments}.",
    },
    "drill.no_reminders": {
        "nl": "Geen herinnering meer: de oefening is binnen een dag.",
        "en": "No reminder left: the drill is within a day.",
    },
    "drill.tabletop_scenario": {
        "nl": "tafeloefening, geen scenario",
        "en": "tabletop, no scenario",
    },
    "drill.scenario": {"nl": "scenario {scenario}", "en": "scenario {scenario}"},
    "drill.reminder": {
        "nl": "{user}: over {days} {days:dag|dagen} de geplande oefening van terugvaloptie "
        "{fallback}, op {due} ({scenario}). Leg de uitkomst vast met !terugval getest.",
        "en": "{user}: in {days} {days:day|days} the planned drill of fallback option "
        "{fallback}, on {due} ({scenario}). Record the outcome with !fallback tested.",
    },
    "drills.planned_title": {"nl": "Geplande oefeningen:", "en": "Planned drills:"},
    "drills.planned_line": {
        "nl": "- {due}: oefening {id}, {fallback} ({scenario}), gepland door {actor}",
        "en": "- {due}: drill {id}, {fallback} ({scenario}), planned by {actor}",
    },
    "drills.planned_mark": {"nl": "oefening gepland {due}", "en": "drill planned {due}"},
    "digest.title": {
        "nl": "Weekoverzicht oefenplan (!oefenplan toont alles)",
        "en": "Weekly drill digest (!drills shows everything)",
    },
    "digest.overdue": {"nl": "Sinds vorige week verlopen:", "en": "Overdue since last week:"},
    "digest.overdue_line": {
        "nl": "- {fallback} (eigenaar {owner})",
        "en": "- {fallback} (owner {owner})",
    },
    "digest.planned": {"nl": "Gepland:", "en": "Planned:"},
    "digest.planned_line": {"nl": "- {due}: {fallback}", "en": "- {due}: {fallback}"},
    "digest.tested": {"nl": "Getest sinds vorige week:", "en": "Tested since last week:"},
    "digest.tested_line": {
        "nl": "- {fallback}: {result} ({day})",
        "en": "- {fallback}: {result} ({day})",
    },
    "usage.not_a_duration": {
        "nl": "{word} is geen duur; gebruik bijvoorbeeld 45m, 3h of 1h30m",
        "en": "{word} is not a duration; use e.g. 45m, 3h or 1h30m",
    },
    "report_fb.title": {
        "nl": "Terugvalopties van vitale en kritieke processen",
        "en": "Fallback options of vital and critical processes",
    },
    "report_fb.intro": {
        "nl": "Stand op {date}: per proces de leveranciers waarvan het afhangt, elke "
        "terugvaloptie met status, laatste test en open verbeteracties (situatie/regel).",
        "en": "As of {date}: per process the suppliers it depends on, each fallback option "
        "with its status, last test and open improvement actions (situation/entry).",
    },
    "report_fb.process": {"nl": "Proces", "en": "Process"},
    "report_fb.supplier": {"nl": "Leverancier / dienst", "en": "Supplier / service"},
    "report_fb.fallback": {"nl": "Terugvaloptie", "en": "Fallback option"},
    "report_fb.owner": {"nl": "Eigenaar", "en": "Owner"},
    "report_fb.status": {"nl": "Status", "en": "Status"},
    "report_fb.last_test": {"nl": "Laatste test", "en": "Last test"},
    "report_fb.next_drill": {"nl": "Volgende oefening", "en": "Next drill"},
    "report_fb.actions": {"nl": "Open verbeteracties", "en": "Open improvement actions"},
    "report_fb.none": {"nl": "GEEN TERUGVALOPTIE", "en": "NO FALLBACK"},
    "report_fb.caption": {
        "nl": "Overzicht van de terugvalopties per {date}: {lines} regels (vitale en kritieke "
        "processen).",
        "en": "Overview of the fallback options as of {date}: {lines} lines (vital and "
        "critical processes).",
    },
    "report_fb.no_woo": {
        "nl": "--woo geldt voor het verslag van een situatie, niet voor de terugvalopties",
        "en": "--woo is for a situation's report, not for the fallback options",
    },
    "report_fb.empty": {
        "nl": "Geen vitale of kritieke processen geregistreerd.",
        "en": "No vital or critical processes registered.",
    },
}
