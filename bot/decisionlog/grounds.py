"""The Woo's exception grounds: why a log entry may be withheld from disclosure.

The Wet open overheid (Woo) lists the grounds on which information may be withheld
(art. 5.1 lid 1 a-e: absolute; lid 2 a-i: weighed against the public interest; 5.2:
personal policy opinions). A confidential log entry may name one; it is stored in the
entry's payload under ``ground``, so it is covered by the entry's hash like its text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.decisionlog.payloads import Grounded
from bot.i18n import Language


@dataclass(frozen=True)
class WooGround:
    """One exception ground: ``key`` is stored, the citation and label are shown."""

    article: str
    paragraph: int | None
    letter: str | None
    label: dict[Language, str]

    @property
    def key(self) -> str:
        """The stored form, e.g. ``5.1.2.i``."""
        return ".".join(str(part) for part in (self.article, self.paragraph, self.letter) if part)

    def citation(self, lang: Language) -> str:
        """``5.1 lid 2 sub i`` (Dutch) or ``5.1(2)(i)`` (English)."""
        if self.paragraph is None:
            return self.article
        if lang == "nl":
            return f"{self.article} lid {self.paragraph} sub {self.letter}"
        return f"{self.article}({self.paragraph})({self.letter})"

    def shown(self, lang: Language) -> str:
        """``art. 5.1 lid 2 sub i Woo (label)``, for reports and replies."""
        return f"art. {self.citation(lang)} Woo ({self.label[lang]})"


def _ground(article: str, paragraph: int | None, letter: str | None, nl: str, en: str) -> WooGround:
    return WooGround(article, paragraph, letter, {"nl": nl, "en": en})


GROUNDS: tuple[WooGround, ...] = (
    _ground("5.1", 1, "a", "eenheid van de Kroon", "unity of the Crown"),
    _ground("5.1", 1, "b", "veiligheid van de Staat", "security of the State"),
    _ground(
        "5.1",
        1,
        "c",
        "vertrouwelijk verstrekte bedrijfs- en fabricagegegevens",
        "company and manufacturing data supplied in confidence",
    ),
    _ground("5.1", 1, "d", "bijzondere persoonsgegevens", "special categories of personal data"),
    _ground("5.1", 1, "e", "identificatienummers", "national identification numbers"),
    _ground(
        "5.1",
        2,
        "a",
        "betrekkingen met andere staten en internationale organisaties",
        "relations with other states and international organisations",
    ),
    _ground(
        "5.1",
        2,
        "b",
        "economische of financiële belangen van de overheid",
        "economic or financial interests of the government",
    ),
    _ground(
        "5.1",
        2,
        "c",
        "opsporing en vervolging van strafbare feiten",
        "investigation and prosecution of criminal offences",
    ),
    _ground("5.1", 2, "d", "inspectie, controle en toezicht", "inspection and supervision"),
    _ground("5.1", 2, "e", "persoonlijke levenssfeer", "personal privacy"),
    _ground(
        "5.1",
        2,
        "f",
        "concurrentiegevoelige bedrijfs- en fabricagegegevens",
        "competitively sensitive company and manufacturing data",
    ),
    _ground("5.1", 2, "g", "bescherming van het milieu", "protection of the environment"),
    _ground(
        "5.1",
        2,
        "h",
        "beveiliging van personen en bedrijven, voorkomen van sabotage",
        "security of persons and companies, prevention of sabotage",
    ),
    _ground(
        "5.1",
        2,
        "i",
        "goed functioneren van de Staat en bestuursorganen",
        "proper functioning of the State and public bodies",
    ),
    _ground(
        "5.2",
        None,
        None,
        "persoonlijke beleidsopvattingen voor intern beraad",
        "personal policy opinions for internal deliberation",
    ),
)
BY_KEY = {ground.key: ground for ground in GROUNDS}
PRIVACY = BY_KEY["5.1.2.e"]
"""The ground for replacing people's names by their role."""

# Both citations of every ground, normalised: "5.1lid2subi" and "5.1(2)(i)".
_SPELLINGS = {
    re.sub(r"\s+", "", ground.citation(lang).lower()): ground
    for ground in GROUNDS
    for lang in ("nl", "en")
}
_NOISE = re.compile(r"^(art(ikel)?\.?)|(woo)$")


@dataclass(frozen=True)
class Withheld:
    """``--confidential [ground]``: the entry is not disclosable, for ``ground`` if given."""

    ground: WooGround | None = None

    def payload(self) -> Grounded:
        """The payload field recording the ground (nothing when no ground was given)."""
        return {"ground": self.ground.key} if self.ground else {}


def ground_field(withheld: Withheld | None) -> Grounded:
    """The payload field recording why an entry is withheld (nothing when it is not, or
    names no ground), to spread into its payload."""
    return withheld.payload() if withheld else {}


def find_ground(text: str) -> WooGround | None:
    """The ground cited as ``text`` (Dutch or English citation, "art." and "Woo" optional)."""
    normal = re.sub(r"\s+", "", text.lower())
    normal = _NOISE.sub("", normal)
    return _SPELLINGS.get(normal)


def citations(lang: Language) -> list[str]:
    """Every ground as cited in ``lang``, in the order of the law."""
    return [ground.citation(lang) for ground in GROUNDS]
