"""Curated table of real German and EU norms per clause type, and a parser for citations.

The clause generator may only cite norms from this table, so that a generated clause never
cites something impossible ("§ 624 DSGVO", "Art. 97 BGB", "Art. 152 ZPO"): the DSGVO is cited by
article ("Art."), German statutes by paragraph ("§"), and each norm fits the clause's topic.
Every entry was checked against the statute's text (gesetze-im-internet.de, eur-lex.europa.eu);
the ``topic`` is the norm's official heading or its content in a few words.

:data:`LAWS` gives each law's notation and the range of its paragraph or article numbers (the
last number of the current text; lettered insertions such as "§ 573c" share their number's
range). :func:`parse_citations` finds every citation of a law in a text, and
:func:`citation_problems` says what is wrong with one: unknown law, wrong notation, number
outside the law's range, or a norm that is not in the curated table.

Usage::

    from workbench.usecases.legal_de.norms import NORMS, citation_problems, parse_citations
    NORMS["Kündigung"][0].citation          # '§ 314 BGB'
    [c.text for c in parse_citations("Die Haftung nach § 309 Nr. 7 BGB bleibt unberührt.")]
    citation_problems("Art. 97 BGB")        # ['Art. 97 BGB: BGB is cited with "§", not "Art."', ...]
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Law:
    """A statute: how it is cited and how far its numbering goes."""

    name: str
    """Full German name."""
    sign: str
    """``"§"`` for German statutes, ``"Art."`` for the DSGVO (an EU regulation)."""
    last: int
    """Highest paragraph or article number of the current text."""


# Highest numbers as of 2026 (gesetze-im-internet.de; DSGVO: Regulation (EU) 2016/679, 99 articles).
LAWS: dict[str, Law] = {
    "BGB": Law("Bürgerliches Gesetzbuch", "§", 2385),
    "ZPO": Law("Zivilprozessordnung", "§", 1117),
    "HGB": Law("Handelsgesetzbuch", "§", 619),  # Fifth Book (Seehandel) ends at § 619 since 2013
    "DSGVO": Law("Datenschutz-Grundverordnung", "Art.", 99),
    "BDSG": Law("Bundesdatenschutzgesetz", "§", 86),
    "GeschGehG": Law("Gesetz zum Schutz von Geschäftsgeheimnissen", "§", 23),
    "ProdHaftG": Law("Produkthaftungsgesetz", "§", 19),
    "InsO": Law("Insolvenzordnung", "§", 359),
    "KSchG": Law("Kündigungsschutzgesetz", "§", 26),
    "ArbZG": Law("Arbeitszeitgesetz", "§", 26),
    "BUrlG": Law("Bundesurlaubsgesetz", "§", 16),
    "GewO": Law("Gewerbeordnung", "§", 160),
    "TzBfG": Law("Teilzeit- und Befristungsgesetz", "§", 23),
    "UWG": Law("Gesetz gegen den unlauteren Wettbewerb", "§", 20),
}


@dataclass(frozen=True)
class Norm:
    """One citable norm, e.g. ``Norm("BGB", "309", "Nr. 7", "Klauselverbot Haftungsausschluss")``."""

    law: str
    number: str
    """Paragraph or article number, with a letter for insertions (``"573c"``, ``"634a"``)."""
    detail: str = ""
    """Subdivision as written after the number (``"Abs. 1"``, ``"Nr. 7"``), or empty."""
    topic: str = ""
    """What the norm regulates (its heading), for the dataset card and reviewers."""

    @property
    def citation(self) -> str:
        """The citation as written in a German text: ``§ 309 Nr. 7 BGB``, ``Art. 28 DSGVO``."""
        middle = f" {self.detail}" if self.detail else ""
        return f"{LAWS[self.law].sign} {self.number}{middle} {self.law}"

    @property
    def key(self) -> tuple[str, str]:
        """``(law, number)``: what a parsed citation is compared with."""
        return self.law, self.number


def _n(law: str, number: str, detail: str = "", topic: str = "") -> Norm:
    return Norm(law, number, detail, topic)


# label -> norms that fit a clause of that type. Only these are cited in generated text.
NORMS: dict[str, tuple[Norm, ...]] = {
    "Haftung": (
        _n("BGB", "276", "", "Verantwortlichkeit des Schuldners (Vorsatz und Fahrlässigkeit)"),
        _n("BGB", "276", "Abs. 3", "Haftung wegen Vorsatzes nicht im Voraus erlassbar"),
        _n("BGB", "278", "", "Verantwortlichkeit des Schuldners für Dritte (Erfüllungsgehilfen)"),
        _n("BGB", "280", "", "Schadensersatz wegen Pflichtverletzung"),
        _n("BGB", "309", "Nr. 7", "AGB: Haftungsausschluss bei Verletzung von Leben, Körper, Gesundheit und bei grobem Verschulden"),
        _n("BGB", "823", "Abs. 1", "Schadensersatzpflicht (unerlaubte Handlung)"),
        _n("ProdHaftG", "1", "", "Haftung des Herstellers"),
        _n("ProdHaftG", "14", "", "Unabdingbarkeit der Produkthaftung"),
    ),
    "Kündigung": (
        _n("BGB", "314", "", "Kündigung von Dauerschuldverhältnissen aus wichtigem Grund"),
        _n("BGB", "314", "Abs. 2", "Kündigung erst nach erfolgloser Abhilfefrist oder Abmahnung"),
        _n("BGB", "314", "Abs. 3", "Kündigung innerhalb angemessener Frist nach Kenntnis"),
        _n("BGB", "543", "", "Außerordentliche fristlose Kündigung aus wichtigem Grund (Miete)"),
        _n("BGB", "573c", "Abs. 1", "Fristen der ordentlichen Kündigung (Wohnraummiete)"),
        _n("BGB", "621", "", "Kündigungsfristen bei Dienstverhältnissen"),
        _n("BGB", "622", "", "Kündigungsfristen bei Arbeitsverhältnissen"),
        _n("BGB", "623", "", "Schriftform der Kündigung (Arbeitsverhältnis)"),
        _n("BGB", "626", "", "Fristlose Kündigung aus wichtigem Grund (Dienstvertrag)"),
        _n("InsO", "119", "", "Unwirksamkeit abweichender Vereinbarungen (Insolvenz)"),
        _n("KSchG", "1", "", "Sozial ungerechtfertigte Kündigungen"),
    ),
    "Gewährleistung": (
        _n("BGB", "433", "Abs. 1", "Pflichten des Verkäufers (Verschaffung frei von Mängeln)"),
        _n("BGB", "434", "", "Sachmangel"),
        _n("BGB", "437", "", "Rechte des Käufers bei Mängeln"),
        _n("BGB", "438", "", "Verjährung der Mängelansprüche"),
        _n("BGB", "439", "", "Nacherfüllung"),
        _n("BGB", "444", "", "Haftungsausschluss (Arglist, Garantie)"),
        _n("BGB", "634", "", "Rechte des Bestellers bei Mängeln"),
        _n("BGB", "634a", "", "Verjährung der Mängelansprüche (Werkvertrag)"),
        _n("BGB", "635", "", "Nacherfüllung (Werkvertrag)"),
        _n("BGB", "309", "Nr. 8", "AGB: Klauselverbote zu Mängelrechten"),
        _n("HGB", "377", "", "Untersuchungs- und Rügepflicht beim Handelskauf"),
    ),
    "Datenschutz": (
        _n("DSGVO", "5", "", "Grundsätze für die Verarbeitung personenbezogener Daten"),
        _n("DSGVO", "6", "", "Rechtmäßigkeit der Verarbeitung"),
        _n("DSGVO", "13", "", "Informationspflicht bei Erhebung"),
        _n("DSGVO", "15", "", "Auskunftsrecht der betroffenen Person"),
        _n("DSGVO", "17", "", "Recht auf Löschung"),
        _n("DSGVO", "28", "", "Auftragsverarbeiter"),
        _n("DSGVO", "28", "Abs. 3", "Vertrag zur Auftragsverarbeitung"),
        _n("DSGVO", "32", "", "Sicherheit der Verarbeitung"),
        _n("DSGVO", "33", "", "Meldung von Verletzungen an die Aufsichtsbehörde"),
        _n("BDSG", "26", "", "Datenverarbeitung für Zwecke des Beschäftigungsverhältnisses"),
    ),
    "Gerichtsstand": (
        _n("ZPO", "12", "", "Allgemeiner Gerichtsstand; Begriff"),
        _n("ZPO", "13", "", "Allgemeiner Gerichtsstand des Wohnsitzes"),
        _n("ZPO", "17", "", "Allgemeiner Gerichtsstand juristischer Personen"),
        _n("ZPO", "29", "", "Besonderer Gerichtsstand des Erfüllungsorts"),
        _n("ZPO", "38", "", "Zugelassene Gerichtsstandsvereinbarung"),
        _n("ZPO", "38", "Abs. 1", "Gerichtsstandsvereinbarung unter Kaufleuten"),
        _n("ZPO", "1029", "", "Schiedsvereinbarung (Begriff)"),
        _n("ZPO", "1031", "", "Form der Schiedsvereinbarung"),
        _n("BGB", "269", "", "Leistungsort"),
    ),
    "Vergütung": (
        _n("BGB", "286", "", "Verzug des Schuldners"),
        _n("BGB", "288", "Abs. 2", "Verzugszinsen: neun Prozentpunkte über dem Basiszinssatz"),
        _n("BGB", "271a", "", "Vereinbarungen über Zahlungs-, Überprüfungs- oder Abnahmefristen"),
        _n("BGB", "315", "", "Bestimmung der Leistung durch eine Partei"),
        _n("BGB", "320", "", "Einrede des nicht erfüllten Vertrags"),
        _n("BGB", "387", "", "Voraussetzungen der Aufrechnung"),
        _n("BGB", "309", "Nr. 3", "AGB: Aufrechnungsverbot"),
        _n("BGB", "612", "", "Vergütung (Dienstvertrag)"),
        _n("BGB", "614", "", "Fälligkeit der Vergütung (Dienstvertrag)"),
        _n("BGB", "631", "", "Vertragstypische Pflichten beim Werkvertrag"),
        _n("BGB", "632", "", "Vergütung (Werkvertrag)"),
        _n("BGB", "641", "", "Fälligkeit der Vergütung (Werkvertrag)"),
    ),
    "Vertraulichkeit": (
        _n("GeschGehG", "2", "", "Begriffsbestimmungen (Geschäftsgeheimnis)"),
        _n("GeschGehG", "4", "", "Handlungsverbote"),
        _n("GeschGehG", "5", "", "Ausnahmen"),
        _n("GeschGehG", "6", "", "Beseitigung und Unterlassung"),
        _n("BGB", "339", "", "Verwirkung der Vertragsstrafe"),
        _n("BGB", "343", "", "Herabsetzung der Strafe"),
    ),
    "Laufzeit": (
        _n("BGB", "542", "", "Ende des Mietverhältnisses"),
        _n("BGB", "545", "", "Stillschweigende Verlängerung des Mietverhältnisses"),
        _n("BGB", "550", "", "Form des Mietvertrags (länger als ein Jahr)"),
        _n("BGB", "620", "", "Beendigung des Dienstverhältnisses"),
        _n("BGB", "309", "Nr. 9", "AGB: Laufzeit bei Dauerschuldverhältnissen"),
        _n("BGB", "163", "", "Zeitbestimmung"),
        _n("TzBfG", "15", "", "Ende des befristeten Arbeitsvertrages"),
    ),
}

# Statute-style template families -> the norm each of their sentences paraphrases (in template
# order). A statute sentence is numbered and cited with its own source, never with a random one.
STATUTE_SOURCES: dict[tuple[str, str], tuple[Norm, ...]] = {
    ("Haftung", "verschulden_gesetz"): (_n("BGB", "276", "Abs. 1"), _n("BGB", "823", "Abs. 1"), _n("BGB", "276", "Abs. 3")),
    ("Kündigung", "gesetz_dauerschuld"): (_n("BGB", "314", "Abs. 1"), _n("BGB", "573c", "Abs. 1"), _n("BGB", "314", "Abs. 3")),
    ("Gewährleistung", "sachmangel_gesetz"): (_n("BGB", "433", "Abs. 1 Satz 2"), _n("BGB", "434", "Abs. 1"),
                                               _n("BGB", "434", "Abs. 5")),
    ("Datenschutz", "grundsätze_gesetz"): (_n("DSGVO", "5", "Abs. 1 lit. a"), _n("DSGVO", "6", "Abs. 1 lit. a"),
                                              _n("DSGVO", "5", "Abs. 1 lit. c")),
    ("Gerichtsstand", "zpo_gesetz"): (_n("ZPO", "13"), _n("ZPO", "38", "Abs. 1"), _n("ZPO", "29", "Abs. 1")),
    ("Vergütung", "werklohn_gesetz"): (_n("BGB", "631", "Abs. 1"), _n("BGB", "641", "Abs. 1"), _n("BGB", "632", "Abs. 2")),
    ("Vertraulichkeit", "geschgehg_gesetz"): (_n("GeschGehG", "4", "Abs. 1"), _n("GeschGehG", "2"), _n("GeschGehG", "4", "Abs. 2")),
    ("Laufzeit", "mietzeit_gesetz"): (_n("BGB", "542", "Abs. 2"), _n("BGB", "550"), _n("BGB", "545")),
}


# The slot of :mod:`.templates` that cites a norm of each clause type, and the norms that read
# right in that slot's sentences ("Die Haftung nach {law_liability} bleibt unberührt.").
MENTION_SLOTS: dict[str, str] = {
    "Haftung": "law_liability", "Kündigung": "law_termination", "Gewährleistung": "law_warranty",
    "Datenschutz": "law_data", "Gerichtsstand": "law_venue", "Vergütung": "law_payment",
    "Vertraulichkeit": "law_confidentiality", "Laufzeit": "law_term",
}
MENTION_NORMS: dict[str, tuple[str, ...]] = {
    "Haftung": ("§ 280 BGB", "§ 309 Nr. 7 BGB", "§ 823 Abs. 1 BGB", "§ 1 ProdHaftG", "§ 278 BGB"),
    "Kündigung": ("§ 314 BGB", "§ 543 BGB", "§ 626 BGB"),
    "Gewährleistung": ("§ 437 BGB", "§ 634 BGB"),
    "Datenschutz": ("Art. 6 DSGVO", "Art. 28 DSGVO", "Art. 32 DSGVO"),
    "Gerichtsstand": ("§ 38 ZPO", "§ 38 Abs. 1 ZPO"),
    "Vergütung": ("§ 286 BGB", "§ 288 Abs. 2 BGB"),
    "Vertraulichkeit": ("§ 4 GeschGehG", "§ 6 GeschGehG"),
    "Laufzeit": ("§ 545 BGB",),
}


def allowed_keys() -> set[tuple[str, str]]:
    """Every ``(law, number)`` of the curated table (clause norms and statute sources)."""
    keys = {norm.key for norms in NORMS.values() for norm in norms}
    keys.update(norm.key for norms in STATUTE_SOURCES.values() for norm in norms)
    return keys


def citations(label: str) -> tuple[str, ...]:
    """The citations (``§ 309 Nr. 7 BGB``) that fit a clause type.

    Raises:
        KeyError: ``label`` is not one of the clause types.
    """
    return tuple(norm.citation for norm in NORMS[label])


@dataclass(frozen=True)
class Citation:
    """A citation found in a text."""

    text: str
    sign: str
    number: str
    law: str

    @property
    def paragraph(self) -> int:
        """The number without an inserted letter (``573c`` -> 573)."""
        return int(re.match(r"\d+", self.number).group())


# A sign, a number with an optional letter, optional subdivisions (Abs. 1, Satz 2, Nr. 7, lit. a),
# then a law abbreviation. Abbreviations are matched generically (an upper-case word), so that a
# citation of a law outside the table is found and reported instead of passing unseen.
_CITATION = re.compile(
    r"(?P<sign>§§?|Art\.)\s*(?P<number>\d+[a-z]?)"
    r"(?:\s+(?:Abs\.|Satz|S\.|Nr\.|lit\.|Unterabs\.)\s*\d*[a-z]?)*"
    r"\s+(?P<law>[A-Z][A-Za-zÄÖÜäöü]*[A-Z][A-Za-zÄÖÜäöü]*)\b")


def parse_citations(text: str) -> list[Citation]:
    """Every ``<§|Art.> <number> [Abs. n ...] <LAW>`` citation in a text, in order."""
    return [Citation(m.group(0), m.group("sign"), m.group("number"), m.group("law")) for m in _CITATION.finditer(text)]


def citation_problems(text: str, curated_only: bool = True) -> list[str]:
    """What is wrong with the citations in ``text`` (empty when every one is right).

    Args:
        text: Any text; each citation in it is checked.
        curated_only: Also require each norm to be in the curated table (:func:`allowed_keys`).

    Returns:
        One message per problem, each quoting the citation.
    """
    out = []
    allowed = allowed_keys() if curated_only else set()
    for c in parse_citations(text):
        law = LAWS.get(c.law)
        if law is None:
            out.append(f"{c.text}: unknown law {c.law!r}; known: {sorted(LAWS)}")
            continue
        if ("Art." if c.sign == "Art." else "§") != law.sign:
            out.append(f"{c.text}: {c.law} is cited with {law.sign!r}, not {c.sign!r}")
        if not 1 <= c.paragraph <= law.last:
            out.append(f"{c.text}: {c.law} has {law.sign} 1 to {law.last}, not {c.number}")
        if curated_only and (c.law, c.number) not in allowed:
            out.append(f"{c.text}: not in the curated norm table")
    return out
