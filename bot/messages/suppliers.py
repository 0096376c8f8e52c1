"""User text of the supplier registry."""

from __future__ import annotations

from bot.messages.types import Catalogue

MESSAGES: Catalogue = {
    "supplier.header": {
        "nl": "Leverancier {name} (ook bekend als: {aliases}); contract loopt tot {contract}",
        "en": "Supplier {name} (also known as: {aliases}); contract ends {contract}",
    },
    "supplier.none": {"nl": "onbekend", "en": "unknown"},
    "supplier.service": {"nl": "Dienst {name}", "en": "Service {name}"},
    "supplier.dependency": {
        "nl": "  afhankelijk: {organisation} / {process} ({criticality})",
        "en": "  depends: {organisation} / {process} ({criticality})",
    },
    "supplier.fallback": {
        "nl": "  terugvaloptie {fallback}: {description}; eigenaar {owner}; {freshness}",
        "en": "  fallback option {fallback}: {description}; owner {owner}; {freshness}",
    },
    "criticality.vital": {"nl": "vitaal", "en": "vital"},
    "criticality.critical": {"nl": "kritiek", "en": "critical"},
    "criticality.important": {"nl": "belangrijk", "en": "important"},
    "concentration.title": {
        "nl": "Concentratierisico: leveranciers waar de meeste vitale processen van afhangen",
        "en": "Concentration risk: suppliers the most vital processes depend on",
    },
    "concentration.line": {
        "nl": "{rank}. {name}: {vital} vitaal, {critical} kritiek, {important} belangrijk",
        "en": "{rank}. {name}: {vital} vital, {critical} critical, {important} important",
    },
    "concentration.empty": {
        "nl": "Geen afhankelijkheden geregistreerd (weerbaar supplier import).",
        "en": "No dependencies registered (weerbaar supplier import).",
    },
    "concentration.not_current": {
        "nl": "Terugvalopties die niet actueel zijn: {count}",
        "en": "Fallback options not current: {count}",
    },
    "concentration.fallback": {
        "nl": "- {supplier} / {service}: {description} ({fallback}): {freshness}",
        "en": "- {supplier} / {service}: {description} ({fallback}): {freshness}",
    },
    "error.unknown_supplier": {
        "nl": "Leverancier {name} staat niet in het register.",
        "en": "Supplier {name} is not in the registry.",
    },
}
