"""Generated, labelled German documents with personal data: training and held-out test text for the PII tagger.

Why generated: real German text with labelled personal data cannot be shipped or trained on (it is
the very data the tagger must protect), and German LER is licensed for evaluation only. So the
workbench writes its own documents: letters, contracts, court decisions with judges' signature
rows, invoices, HR notes, e-mails and maintenance reports, with names, streets and towns drawn
from lists whose licences allow commercial use:

* surnames: ``../shared/data/german_gazetteers/personennamen.list`` (Apache-2.0);
* streets and towns: ``strassennamen.list`` / ``stadtnamen.list`` (CC BY-SA 2.0; the trained
  weights are not the list, the attribution is recorded in the model card);
* first names: Faker's ``de_DE``/``de_AT``/``de_CH`` person providers (MIT), used at build time
  only; without Faker the small list in :mod:`pii_lexicon` is used.

Every document carries gold spans (``PERSON``, ``ADDRESS``, ``BIRTH_PLACE`` and the structured
types the rules handle) and *decoys*: organisations and authorities ("gegen Freistaat Bayern"),
functional mailboxes (``info@``), statute references, placeholder names ("Max Mustermann": a
placeholder names no one, so it stays) and street-like words in prose ("auf offener Straße").

The hard cases of issue 13 are built in on purpose: hyphenated first names, "Nachname, Vorname",
particles ("von der Heyde"), judges' signature rows ("gez. Dr. Müller" over "Vorsitzende
Richterin am Landgericht"), multi-word streets ("Straße des 17. Juni 3a"), birth places
("geboren in Cottbus"), pension insurance numbers and genitive names ("Herrn Brückners
Anhänger": only "Brückners" is personal data).

Held-out evaluation uses a different seed *and* disjoint name lists: :func:`split_lists` puts
20 % of every list aside by a stable hash, so no held-out surname, first name, street or town is
ever seen in training.

Usage::

    from workbench.governance.pii_docs import load_lists, split_lists, generate_documents
    train_lists, heldout_lists = split_lists(load_lists())
    docs = generate_documents(2000, seed=0, lists=train_lists)   # list of pii_eval.Document
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import random
import re
from pathlib import Path

from workbench.governance import pii_lexicon as lex
from workbench.governance.pii_rules import Span, make_iban, make_pension_id, make_steuer_id

KINDS = ("letter", "contract", "court", "invoice", "hr_note", "email", "maintenance", "decision")
GAZETTEER_DIR = Path(__file__).resolve().parents[3] / "shared" / "data" / "german_gazetteers"
_STREET_RE = re.compile(r"^[A-ZÄÖÜ][\wäöüß.\- ]*"
                        r"(straße|weg|allee|platz|gasse|ring|damm|ufer|chaussee|steig|pfad)$")


@dataclasses.dataclass
class NameLists:
    """The lists names and places are drawn from (and where they came from)."""

    first: list[str]
    """Given names (hyphenated ones included)."""
    surnames: list[str]
    """Family names."""
    streets: list[str]
    """Street names without house number."""
    towns: list[str]
    """Town names."""
    sources: dict[str, str] = dataclasses.field(default_factory=dict)
    """List name -> source and licence (goes into the model card)."""


def _read_list(path: Path) -> list[str]:
    return [line.strip() for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _faker_first_names() -> tuple[list[str], str] | None:
    try:
        import importlib.metadata

        from faker.providers.person.de_AT import Provider as AT
        from faker.providers.person.de_CH import Provider as CH
        from faker.providers.person.de_DE import Provider as DE
    except ImportError:
        return None
    names: set[str] = set()
    for provider in (DE, AT, CH):
        for attr in ("first_names_female", "first_names_male", "first_names"):
            names.update(str(n) for n in getattr(provider, attr, ()))
    version = importlib.metadata.version("faker")
    first = sorted(n for n in names if re.fullmatch(r"[A-ZÄÖÜ][a-zäöüßéèA-Z-]+", n))
    return first, f"Faker {version} de_DE/de_AT/de_CH (MIT)"


def load_lists(data_dir: str | os.PathLike | None = None) -> NameLists:
    """Read the gazetteers (``../shared/data/german_gazetteers``) and Faker's first names.

    Missing sources fall back to the small lists in :mod:`pii_lexicon`, so the generator also
    runs where the shared data is absent (tests, a fresh clone).
    """
    root = Path(data_dir) if data_dir is not None else Path(os.environ.get("WORKBENCH_GAZETTEERS", GAZETTEER_DIR))
    sources = {}
    faker = _faker_first_names()
    if faker:
        first, sources["first"] = faker
    else:
        first, sources["first"] = sorted(lex.FIRST_NAMES), "workbench pii_lexicon (own list)"
    if (root / "personennamen.list").is_file():
        surnames = [n for n in _read_list(root / "personennamen.list")
                    if re.fullmatch(r"[A-ZÄÖÜ][a-zäöüß]{2,}", n) and n not in lex.NOT_NAMES]
        streets = [s for s in _read_list(root / "strassennamen.list") if _STREET_RE.match(s) and len(s) < 40]
        towns = [t for t in _read_list(root / "stadtnamen.list") if re.fullmatch(r"[A-ZÄÖÜ][\wäöüß\-]{2,}", t)]
        sources.update(surnames="german_gazetteers/personennamen.list (Apache-2.0)",
                       streets="german_gazetteers/strassennamen.list (CC BY-SA 2.0, attribution in the model card)",
                       towns="german_gazetteers/stadtnamen.list (CC BY-SA 2.0, attribution in the model card)")
    else:
        surnames = sorted(lex.SURNAMES)
        streets = ["Lindenstraße", "Bahnhofstraße", "Gartenweg", "Schillerplatz", "Am Mühlbach", "Eichenallee"]
        towns = ["Cottbus", "Ulm", "Bamberg", "Kassel", "Görlitz", "Passau", "Rostock", "Trier"]
        sources.update(surnames="pii_lexicon (own list)", streets="own list", towns="own list")
    return NameLists(first, surnames, streets, towns, sources)


def _held_out(name: str, share: float) -> bool:
    # A stable hash (not Python's salted hash): the split is the same in every run and process.
    return int(hashlib.sha256(name.encode("utf-8")).hexdigest()[:8], 16) / 16**8 < share


def split_lists(lists: NameLists, holdout: float = 0.2) -> tuple[NameLists, NameLists]:
    """Split every list into training (``1 - holdout``) and held-out parts, disjoint by name."""
    parts = []
    for keep_held in (False, True):
        parts.append(NameLists(*[[n for n in getattr(lists, f) if _held_out(n, holdout) == keep_held]
                                 for f in ("first", "surnames", "streets", "towns")], sources=dict(lists.sources)))
    return parts[0], parts[1]


class _Builder:
    """Appends text pieces and records the labelled ones as spans (offsets are exact by construction)."""

    def __init__(self):
        self.parts: list[str] = []
        self.pos = 0
        self.spans: list[Span] = []
        self.decoys: list[Span] = []

    def add(self, text: str, label: str | None = None) -> "_Builder":
        if label == "DECOY":
            self.decoys.append(Span(self.pos, self.pos + len(text), "DECOY", text, "gold"))
        elif label:
            self.spans.append(Span(self.pos, self.pos + len(text), label, text, "gold"))
        self.parts.append(text)
        self.pos += len(text)
        return self


_ORGS = ("Freistaat Bayern", "Land Berlin", "Bundesrepublik Deutschland", "Stadtwerke {town} GmbH",
         "Amtsgericht {town}", "Landgericht {town}", "Jobcenter {town}", "Deutsche Rentenversicherung Bund",
         "Finanzamt {town}", "{surname} Logistik GmbH", "Bäckerei {surname} KG", "Sparkasse {town}",
         "Landratsamt {town}", "Kanzlei {surname} & Partner mbB", "Techniker Krankenkasse")
_STATUTES = ("§ 823 Abs. 1 BGB", "§ 626 BGB", "Art. 6 Abs. 1 lit. f DSGVO", "§ 280 Abs. 1 BGB", "§ 543 Abs. 2 BGB",
             "§ 1 KSchG", "§ 263 StGB", "§ 91 ZPO", "Art. 3 GG", "§ 14 TzBfG")
_PROSE = ("Die Lieferung blieb auf offener Straße liegen.", "Der Weg zur Einigung war lang.",
          "Am Ende des Tages lag der Platz leer.", "Die Allee der Argumente überzeugt nicht.",
          "Der Ring der Dichtung war verschlissen.", "Auf dem Damm staute sich der Verkehr.",
          "Die Brücke zwischen den Parteien trug nicht.", "Im Übrigen bleibt es bei der Regelung.")
_JUDGE_ROLES = ("Vorsitzende Richterin am Landgericht", "Vorsitzender Richter am Landgericht", "Richter am Amtsgericht",
                "Richterin am Landgericht", "Richter am Oberlandesgericht", "Richterin am Arbeitsgericht")


class _Doc:
    """One document being written: draws people and places and knows the hard-case forms."""

    def __init__(self, rng: random.Random, lists: NameLists):
        self.rng, self.lists, self.b = rng, lists, _Builder()

    def first(self) -> str:
        return self.rng.choice(self.lists.first)

    def surname(self) -> str:
        r = self.rng.random()
        name = self.rng.choice(self.lists.surnames)
        if r < 0.06:
            return f"{self.rng.choice(('von', 'von der', 'van', 'zu', 'de'))} {name}"
        if r < 0.1:
            return f"{name}-{self.rng.choice(self.lists.surnames)}"
        return name

    def town(self) -> str:
        return self.rng.choice(self.lists.towns)

    def person(self, salutation: bool = True) -> str:
        """Write a person in one of the usual forms; returns the surname for later mentions."""
        rng, b = self.rng, self.b
        first, last = self.first(), self.surname()
        form = rng.random()
        if salutation and form < 0.35:
            b.add(rng.choice(("Herr ", "Frau ", "Herrn ")))
            if rng.random() < 0.25:
                b.add(rng.choice(("Dr. ", "Prof. Dr. ", "Dipl.-Ing. ")))
            b.add(f"{first} {last}" if rng.random() < 0.6 else last, "PERSON")
        elif form < 0.5:
            b.add(f"{last}, {first}", "PERSON")
        else:
            b.add(f"{first} {last}", "PERSON")
        return last

    def address(self) -> None:
        rng, b = self.rng, self.b
        street = rng.choice(self.lists.streets) if rng.random() > 0.05 else "Straße des 17. Juni"
        number = f"{rng.randint(1, 180)}{rng.choice(('', '', '', 'a', 'b'))}"
        b.add(f"{street} {number}", "ADDRESS")
        b.add(", " if rng.random() < 0.5 else "\n")
        b.add(f"{rng.randint(1000, 99999):05d} {self.town()}", "POSTCODE")

    def org(self) -> None:
        self.b.add(self.rng.choice(_ORGS).format(town=self.town(), surname=self.rng.choice(self.lists.surnames)),
                   "DECOY")

    def decoy_sentence(self) -> None:
        rng, b = self.rng, self.b
        choice = rng.randrange(6)
        if choice >= 4:
            b.add(rng.choice(_IDIOM_SENTENCES).format(A=rng.choice(_NOUNS), n=f"{rng.randint(2, 99) * 50:,}".replace(
                ",", ".")) + " ")
        elif choice == 0:
            b.add("Rechtsgrundlage ist ").add(rng.choice(_STATUTES), "DECOY").add(". ")
        elif choice == 1:
            b.add("Rückfragen bitte an ").add(f"{rng.choice(('info', 'poststelle', 'service', 'kontakt'))}@"
                                             f"{rng.choice(self.lists.surnames).lower()}-{rng.randrange(99)}.de",
                                             "DECOY").add(". ")
        elif choice == 2:
            b.add("Im Formular steht beispielhaft ").add(rng.choice(("Max Mustermann", "Erika Mustermann")),
                                                           "DECOY").add(". ")
        else:
            b.add(rng.choice(_PROSE) + " ")

    def genitive(self, last: str) -> None:
        if " " in last or last.endswith(("s", "z", "x", "ß")):
            return
        self.b.add(f"Das Fahrzeug {self.rng.choice(('Herrn', 'Frau'))} ").add(f"{last}s", "PERSON").add(
            f" {self.rng.choice(('Anhänger', 'Wagen', 'Vertreter', 'Mitarbeiter'))} war beteiligt. ")

    def birth(self) -> None:
        rng, b = self.rng, self.b
        b.add(rng.choice(("geboren in ", "geb. in ", "geboren am 3. Mai 1971 in ")))
        b.add(self.town(), "BIRTH_PLACE")


def _letter(d: _Doc) -> None:
    b, rng = d.b, d.rng
    d.person(salutation=True)
    b.add("\n")
    d.address()
    b.add(f"\n\nBetreff: Ihr Schreiben vom {rng.randint(1, 28)}.{rng.randint(1, 12)}.2024\n\nSehr geehrte")
    b.add("r Herr " if rng.random() < 0.5 else " Frau ")
    last = rng.choice(d.lists.surnames)
    b.add(last, "PERSON").add(",\n\nwir bestätigen den Eingang Ihrer Unterlagen. ")
    d.decoy_sentence()
    if rng.random() < 0.5:
        d.genitive(last)
    b.add("Die Rentenversicherungsnummer ").add(make_pension_id(rng), "PENSION_ID").add(" ist hinterlegt.\n\n")
    b.add("Mit freundlichen Grüßen\n\n")
    d.person(salutation=False)
    b.add(rng.choice(("\nSachbearbeitung\n", "\n", "\ni. A. der Geschäftsleitung\n")))
    d.org()


def _contract(d: _Doc) -> None:
    b, rng = d.b, d.rng
    b.add("Mietvertrag\n\nZwischen ")
    d.person()
    b.add(", wohnhaft ")
    d.address()
    b.add(rng.choice((", geboren in ", ", geb. in ")))
    b.add(d.town(), "BIRTH_PLACE")
    b.add(" (Vermieter),\nund ")
    d.person()
    b.add(" (Mieterin), Steuer-ID ").add(make_steuer_id(rng), "TAX_ID")
    b.add(",\nwird folgender Vertrag geschlossen. Die Zahlung erfolgt auf IBAN ").add(make_iban(rng), "IBAN")
    b.add(". ")
    d.decoy_sentence()
    b.add("Vertreten wird der Vermieter durch ")
    d.org()
    b.add(".\n")


def _court(d: _Doc) -> None:
    b, rng = d.b, d.rng
    b.add("Urteil\n\nIn dem Rechtsstreit\n")
    d.person()
    b.add(" – Kläger –\ngegen\n")
    d.org()
    b.add(" – Beklagter –\nhat das ")
    b.add(f"Landgericht {d.town()}", "DECOY")
    b.add(" durch die Richterin ")
    b.add(d.surname(), "PERSON")
    b.add(" für Recht erkannt: Die Klage wird abgewiesen. ")
    d.decoy_sentence()
    b.add("Der Zeuge ")
    b.add(f"{d.first()} {d.surname()}", "PERSON")
    bracket = rng.random() < 0.5
    b.add(" (geboren in " if bracket else ", geboren in ")
    b.add(d.town(), "BIRTH_PLACE")
    b.add(") sagte aus.\n\n" if bracket else ", sagte aus.\n\n")
    for k in range(rng.choice((1, 3))):
        b.add("gez. " if k == 0 else "")
        if rng.random() < 0.5:
            b.add("Dr. ")
        b.add(d.surname(), "PERSON")
        b.add("\n" + rng.choice(_JUDGE_ROLES) + "\n")


def _invoice(d: _Doc) -> None:
    b, rng = d.b, d.rng
    b.add("Rechnung Nr. ").add(f"{rng.randint(10000, 99999)}\n")
    d.org()
    b.add("\nRechnungsempfänger: ")
    d.person()
    b.add("\n")
    d.address()
    b.add(f"\n\nPosition 1: Wartung Heizung, {rng.randint(80, 900)},00 EUR\nBitte überweisen Sie auf ")
    b.add(make_iban(rng), "IBAN").add(". ")
    d.decoy_sentence()


def _hr_note(d: _Doc) -> None:
    b, rng = d.b, d.rng
    b.add("Personalnotiz\n\nMitarbeiterin: ")
    last = d.person(salutation=False)
    b.add(", ")
    d.birth()
    b.add(f"\nAbteilung: {rng.choice(('Einkauf', 'Vertrieb', 'Produktion', 'Buchhaltung'))}\n")
    b.add("Gespräch mit der Vorgesetzten ")
    d.person()
    b.add(" am Montag. ")
    d.genitive(last)
    d.decoy_sentence()
    b.add("Kontakt: ").add(f"{d.first().lower()}.{rng.choice(d.lists.surnames).lower()}@firma-{rng.randrange(99)}.de",
                           "EMAIL")
    b.add("\n")


def _email(d: _Doc) -> None:
    b, rng = d.b, d.rng
    b.add("Hallo ")
    b.add(d.first(), "PERSON")
    b.add(",\n\nkannst du bitte ")
    d.person()
    b.add(rng.choice((" zurückrufen? ", " die Unterlagen schicken? ")))
    d.decoy_sentence()
    b.add("Ich bin in ").add(d.town(), "DECOY" if rng.random() < 0.0 else None).add(" unterwegs.\n\nViele Grüße\n")
    b.add(f"{d.first()}", "PERSON")
    b.add("\n")


def _maintenance(d: _Doc) -> None:
    b, rng = d.b, d.rng
    b.add(f"Wartungsbericht Anlage {rng.randint(1, 40)}\n\nTechniker: ")
    d.person(salutation=False)
    b.add("\nStandort: ")
    d.address()
    b.add(f"\nBefund: Lager {rng.randint(1, 4)} zeigt Verschleiß, Drehzahl {rng.randint(900, 3000)} U/min. ")
    d.decoy_sentence()
    b.add("Abgenommen durch ")
    d.person()
    b.add(" im Auftrag von ")
    d.org()
    b.add(".\n")


# Published decisions of the federal courts, written the way those courts write them (issue 13:
# on real decisions the tagger missed judges' signature rows and parties anonymised to initials).
_FEDERAL = (("Bundesgerichtshofs", "Zivilsenat", "ZR"), ("Bundesgerichtshofs", "Strafsenat", "StR"),
            ("Bundesarbeitsgerichts", "Senat", "AZR"), ("Bundesfinanzhofs", "Senat", "R"),
            ("Bundessozialgerichts", "Senat", "R"), ("Bundesverwaltungsgerichts", "Senat", "C"),
            ("Bundespatentgerichts", "Senat (Marken-Beschwerdesenat)", "W (pat)"))
_HEADINGS = lex.DECISION_HEADINGS
_ENUMERATORS = ("A.", "B.", "C.", "I.", "II.", "III.", "IV.", "1.", "2.", "3.", "a)", "b)", "aa)", "bb)", "cc)")
# {P}: a party or other person as the courts publish them (mostly an initial).
_PARTY_SENTENCES = (
    "Der Kläger {P} war seit dem Jahr 2009 bei der Beklagten als Sachbearbeiter beschäftigt.",
    "Die Klägerin verlangt von {P} die Rückzahlung eines Darlehens.",
    "{P} bestreitet, die Ware erhalten zu haben.",
    "Nach den Feststellungen des Landgerichts übergab {P} dem Angeklagten das Geld.",
    "Rechtsanwalt {P} wurde dem Angeklagten als Pflichtverteidiger beigeordnet.",
    "Die Zeugin {P} hat bekundet, sie habe den Vertrag nie unterschrieben.",
    "Die Erblasserin {P} hatte ihr Vermögen einer Stiftung zugewandt.",
    "Das Grundstück war seit 2011 an {P} verpachtet.",
    "Zwischen {P} und dem Beklagten bestand ein Mietverhältnis.",
    "Der Sachverständige {P} kam zu dem Ergebnis, dass der Mangel schon bei Übergabe vorlag.",
    "Mit Schreiben vom 3. Mai 2016 teilte {P} mit, er werde die Zahlungen einstellen.",
    "{P} ist die Mutter des Klägers und lebt seit 2015 in einem Pflegeheim.",
    "Die Beklagte schloss mit {P} einen befristeten Arbeitsvertrag.",
    "Nach Auffassung von {P} ist die Kündigung unwirksam.",
    "Der Geschäftsführer {P} unterzeichnete den Vertrag für die Gesellschaft.",
    "Die Steuerberaterin {P} reichte die Erklärung verspätet ein.",
    "Das Finanzamt ging davon aus, dass {P} die Leistungen im Inland erbracht habe.",
    "Ein Beweisbeschluss, mit dem {P} als Gutachter hätte beauftragt werden können, fehlt.",
    "Die Tätigkeit von {P} gehört nicht zu den sozietätsfähigen Berufen.",
    "Der Angeklagte traf sich mit {P} und {Q} in einer Gaststätte.",
    "{P} hat sich darauf berufen, dass die Akte unvollständig sei.",
    "Der Vater des Kindes, {P}, ist seit 2014 unbekannten Aufenthalts.",
    # Initials in every slot of a sentence, without a role word (issue 13, second round).
    "{P} fuhr mit hohem Tempo auf die Kreuzung zu.",
    "Da {P} das Grundstück bereits verkauft hatte, ging der Antrag ins Leere.",
    "Die von {P} erbrachten Leistungen sind steuerfrei.",
    "Bei Hingabe der Leistungen an {P} war die Absicht erkennbar.",
    "Ob {P} während der Maßnahme Leistungen erhielt, ist offen.",
    "In der Vernehmung sagte der Nachbar {P} aus, er habe nichts gehört.",
    "Sein Bruder {P} lebt seit Jahren in der Türkei.",
    "Eine Mail von {P} an {Q} vom 30. Januar 2011 liegt vor.",
    "Nachdem {P} bereits mit Schreiben vom 3. Mai widersprochen hatte, erging der Bescheid.",
    "Der Sachverständige ({I}) führte aus, der Mangel sei behebbar.",
    "Gestützt ist die Beurteilung auf Beiträge der Herren {I}, {I} und {I}.",
    "Der Beurteilungsbeitrag des Herrn Dr. {I} ist nachvollziehbar.",
    "Für die Behandlung der {P} kam die Krankenkasse auf.",
    "Der Senat kann offenlassen, wie nachhaltig {P} im Vorfeld mitgewirkt hat.",
    "Der Antrag der {P} auf Eingliederungshilfe wurde nicht weitergeleitet.",
)
# Applicants of cited cases ("Karaçay v. Türkei"): persons; the state stays.
_STATES = ("Deutschland", "Türkei", "Russland", "Polen", "Frankreich", "Italien", "Österreich", "Ukraine")
_CASE_LEADS = ("vgl. EGMR, Urteil vom 4. Mai 2010, ", "so schon der Gerichtshof im Verfahren ",
               "wie im Urteil in der Sache ", "EGMR, Entscheidung vom 12. Juni 2012, ")
# Prior art cited in patent decisions: document code, authors, title.
_TITLES = ("High temperature glass ceramics", "Check valves for fluid systems", "Thin film sensors",
           "A review of battery chargers", "Optical coatings on polymer substrates", "Stable contact sockets")
# Feature lists of patent claims: a capital letter before an article is no person.
_FEATURES = ("{L} eine Messeinrichtung zur Erfassung der Temperatur,", "{L} einen Antriebsmotor mit Getriebe,",
             "{L} ein Gehäuse aus Kunststoff, und", "Merkmal {L} ist aus dem Stand der Technik bekannt.")
# Left and right contexts around a person, combined freely: the tagger must read the slot, not
# memorise sentences.
_LEFT = ("Der Kläger", "Die Beklagte schloss mit", "Nach Auffassung von", "Der Antrag der", "Die Behandlung der",
         "Das Jobcenter zahlte für", "Die Zahlungen an", "Ansprüche bestehen gegen", "Ein Schreiben des Herrn",
         "Die Aussage der Zeugin", "Das Gutachten des Sachverständigen", "Die Mutter des Kindes,", "Dabei erhielt",
         "Die Vollmacht von", "In der Vernehmung räumte", "Das Landgericht hörte", "Unstreitig zahlte",
         "Die Erben der", "Der Vertrag zwischen der Klägerin und", "Das Konto von", "Der Bruder", "Hiernach hat",
         "Dem Schreiben von", "Die Tochter der Erblasserin,", "Der Prozessbevollmächtigte des", "Zeuge")
_RIGHT = ("hat die Forderung bestritten.", "vom 28. Februar 2014 blieb unbeantwortet.", "erhielt keine Leistungen.",
          "war an dem Geschäft nicht beteiligt.", "wurde nicht gehört.", "lebte seit 2010 im Ausland.",
          "in der Klinik wurde fortgesetzt.", "sei nicht ordnungsgemäß geladen worden.", "verstarb im Jahr 2016.",
          "führte das Gespräch allein.", "zu zahlen.", "gehörte der Betrieb.", "erbrachten Leistungen sind steuerfrei.",
          "kündigte das Mietverhältnis fristlos.", "ist nicht zu beanstanden.", "überwies den Betrag am selben Tag.")
# Legal prose without people: capitalised nouns in the slots where names stand elsewhere.
_NOUNS = ("Höhe", "Umfang", "Zweck", "Form", "Frist", "Anspruch", "Vertrag", "Antrag", "Schaden", "Zahlung", "Umstände",
          "Anforderungen", "Bedeutung", "Pflichten", "Kenntnis", "Folge", "Maßgabe", "Gesetz", "Schriftsatz", "Begehren",
          "Annahme", "Auslegung", "Rechtsprechung", "Begründung", "Entscheidung", "Wirkung", "Grundstück", "Wohnung",
          "Gesellschaft", "Vermögen", "Einkommen", "Unterhalt", "Betrag", "Zinsen", "Kosten", "Mangel", "Leistung",
          "Zeitraum", "Monat", "Monate", "Jahr", "Tag", "Ware", "Waren", "Marke", "Zeichen", "Dienstleistungen",
          "Verkehr", "Verfahren", "Beschwerde", "Revision", "Berufung", "Klage", "Urteil", "Beschluss", "Senat",
          "Kammer", "Behörde", "Verwaltung", "Arbeitgeber", "Arbeitsverhältnis", "Kündigung", "Abmahnung", "Lohn",
          "Steuer", "Umsatz", "Erklärung", "Bescheid", "Einspruch", "Tatsachen", "Beweis", "Zeugen", "Akte",
          "Verhandlung", "Termin", "Anfang", "Ende", "Mitte", "Teil", "Teile", "Artikel", "Absatz", "Satz", "Merkmal",
          "Merkmale", "Ergebnis", "Erfolg", "Glauben", "Treu", "Rede", "Fehler", "Gefahr", "Sicherheit", "Eigentum",
          "Besitz", "Mieter", "Miete", "Pacht", "Kaufpreis", "Rechnung", "Immobilien", "Unternehmen", "Computer",
          "Software", "Daten", "Zubehör", "Soldaten", "Beamte", "Klasse", "Gruppe", "Bundesländer", "Gemeinde")
_NOUN_TEMPLATES = ("Die {A} ergibt sich aus dem {B}.", "Maßgeblich ist der {A} der {B}.", "{A} und {B} sind zu trennen.",
                   "Auf die {A} kommt es nicht an.", "Danach richtet sich die {A} nach dem {B}.",
                   "Lediglich die {A} ist streitig.", "Allerdings fehlt es an einer {A}.",
                   "Ohne {A} ist der {B} unwirksam.", "Gleiches gilt für die {A} der {B}.",
                   "Ebenso ist die {A} bei der {B} zu berücksichtigen.", "Im Übrigen bleibt die {A} unberührt.")
# Prepositional idioms of German legal and business prose: a capitalised noun after "in", "zur",
# "im", the slot where "geboren in Passau" or "wohnhaft in Kiel" puts a place. A tagger trained
# longer without them took "in Höhe von", "in Betracht", "in Bezug auf" for names and places.
_IDIOM_SENTENCES = ("Die Forderung in Höhe von {n} Euro ist fällig.", "Eine Kündigung kommt nicht in Betracht.",
                    "In Bezug auf die {A} gilt nichts anderes.", "Das hat zur Folge, dass die {A} entfällt.",
                    "Im Zweifel ist die {A} eng auszulegen.", "Die Regelung gilt in Verbindung mit der {A}.",
                    "Die Änderung tritt am 1. Januar in Kraft.", "Die Leistung wurde nicht in Anspruch genommen.",
                    "Die Zahlung erfolgt in Form einer {A}.", "Die Daten werden zum Zweck der {A} verarbeitet.",
                    "Unter Berücksichtigung der {A} ist der Antrag begründet.",
                    "Mit Blick auf die {A} bestehen keine Zweifel.", "Im Hinblick auf die {A} ist nichts veranlasst.",
                    "Die Frist bestimmt sich nach Maßgabe der {A}.", "Im Rahmen der {A} ist dies zu berücksichtigen.",
                    "Die in Rede stehende {A} ist wirksam.", "Der Raum steht ab Montag zur Verfügung.",
                    "Eine Verlängerung kommt in Frage.", "Auf Grund der {A} ist die Klage abzuweisen.",
                    "Zu Lasten der {A} geht dies nicht.", "Die Haftung ist der Höhe nach begrenzt.",
                    "Der Vertrag wird in Kopie beigefügt.", "Die Ware wurde in Zahlung genommen.",
                    "Die Sache ist in Ordnung.", "Der Betrieb wurde in Gang gesetzt.")
# Single capitals that are not people: exhibits, plots, variants, sections, enumerations.
_LETTER_DECOYS = ("Der Kläger legte die Rechnung als Anlage K {n} vor.", "Die Flurstücke {L} und {M} wurden getauscht.",
                  "Nach Variante {L} wäre der Anspruch ausgeschlossen.", "Der Antrag zu {L} ist unbegründet.",
                  "Die Beklagte hat die Anlage B {n} nicht bestritten.", "Im Fall {L} liegt kein Mangel vor.",
                  "Die Wohnung im Haus {L} ist vermietet.", "Die Gruppe {L} umfasst alle Altverträge.")
_CITATIONS = ("BGH, Urteil vom 12. März 2015 - III ZR 123/14, NJW 2015, 1234 Rn. 12",
              "BVerfGE 12, 34, 56", "BSG SozR 4-2500 § 13 Nr. 1", "BAG, Urteil vom 7. Juli 2010 - 4 AZR 549/08",
              "BFHE 245, 112", "Palandt/Grüneberg, BGB, 79. Aufl., § 280 Rn. 4")


def _initial(rng: random.Random) -> str:
    return rng.choice("ABCDEFGHKLMNPRSTWZ")


def _party(d: _Doc) -> None:
    """Write a person as a federal court's published decision names them (mostly an initial)."""
    rng, r = d.rng, d.rng.random()
    if r < 0.08:  # two initials ("M. D."), first-name initial and surname initial
        text = f"{_initial(rng)}. {_initial(rng)}."
    elif r < 0.45:
        text = f"{_initial(rng)}."
    elif r < 0.72:
        text = _initial(rng)
    elif r < 0.75:
        text = _initial(rng) + rng.choice(("…", " …"))  # "Patentanwalt K…": the rest of the name elided
    elif r < 0.82:
        d.b.add(rng.choice(("Dr. ", "Herrn Dr. ", "Frau ")))
        text = f"{_initial(rng)}."
    else:
        text = d.surname()
    d.b.add(text, "PERSON")


def _cited_case(d: _Doc) -> None:
    """An ECHR-style case name: the applicant (a person) "v." a state, or "./." an authority."""
    rng, b = d.rng, d.b
    b.add("(" if rng.random() < 0.5 else "").add(rng.choice(_CASE_LEADS))
    r = rng.random()
    name = (d.surname() if r < 0.6 else f"{d.surname()} und {d.surname()}" if r < 0.8
            else f"{d.first()} {d.surname()}")
    b.add(name, "PERSON")
    if rng.random() < 0.8:
        b.add(" v. ").add(rng.choice(_STATES), "DECOY")
    else:
        b.add(" ./. ").add(rng.choice(_ORGS).format(town=d.town(), surname=rng.choice(d.lists.surnames)), "DECOY")
    b.add(f", Nr. {rng.randint(1000, 99999)}/{rng.randint(10, 20)}).\n")


def _prior_art(d: _Doc) -> None:
    """A document of the prior art, as patent decisions cite it: code, authors, title."""
    rng, b = d.rng, d.b
    b.add(f"{rng.choice(('D', 'E', 'NK', 'HLNK'))}{rng.randint(1, 30)}{rng.choice(('', '', 'a', 'b'))} ")
    r = rng.random()
    if r < 0.4:
        b.add(f"{_initial(rng)}. {d.surname()}", "PERSON").add(" et al., ")
    elif r < 0.7:
        b.add(f"{d.surname()}, {_initial(rng)}.", "PERSON").add(": ")
    else:
        b.add(f"{d.surname().upper()}, {d.first()}", "PERSON").add(": ")
    b.add(rng.choice(_TITLES) + f", {rng.randint(1990, 2015)}\n")


def _judges(d: _Doc, k: int) -> list[str]:
    return [d.surname() for _ in range(k)]


def _decision(d: _Doc) -> None:
    """A published federal decision: rubric with judges, anonymised parties, citations, signature rows."""
    b, rng = d.b, d.rng
    court, senate, register = rng.choice(_FEDERAL)
    b.add(rng.choice(("BUNDESGERICHTSHOF\n", "", "Bundesgerichtshof\n")))
    b.add(rng.choice(("Beschluss", "Urteil", "Im Namen des Volkes\nUrteil")) + "\n")
    b.add(f"{rng.choice(('I', 'II', 'III', 'IX', 'X', '1', '4', '10'))} {register} {rng.randint(10, 999)}/"
          f"{rng.randint(10, 23)}\n\n")
    judges = _judges(d, rng.choice((3, 5)))
    titled = [rng.random() < 0.4 for _ in judges]
    b.add(f"In dem Rechtsstreit hat der {rng.randint(1, 12)}. {senate} des {court} am {rng.randint(1, 28)}. "
          f"{rng.choice(('Januar', 'März', 'Mai', 'Juli', 'Oktober', 'November'))} {rng.randint(2012, 2023)} ")
    lead = rng.random() < 0.5
    b.add("unter Mitwirkung des Vorsitzenden Richters " if lead else "durch die Vorsitzende Richterin ")
    for i, (name, dr) in enumerate(zip(judges, titled)):
        if i:
            b.add(" und " if i == len(judges) - 1 else ", ")
            if rng.random() < 0.5:
                b.add(("der Richterin " if rng.random() < 0.5 else "des Richters ") if lead else
                      ("die Richterin " if rng.random() < 0.5 else "den Richter "))
        b.add("Dr. " if dr else "").add(name, "PERSON")
    b.add(rng.choice((" beschlossen:\n", " für Recht erkannt:\n")))
    b.add(rng.choice(("Die Revision wird zurückgewiesen.", "Die Beschwerde wird verworfen.",
                      "Das Urteil des Landgerichts wird aufgehoben.")) + "\n\n")
    for _ in range(rng.randint(3, 6)):
        r = rng.random()
        if r < 0.3:
            b.add(rng.choice(_HEADINGS) if rng.random() < 0.6 else
                  f"{rng.choice(_ENUMERATORS)} {rng.choice(_HEADINGS)}").add("\n")
        if rng.random() < 0.4:
            b.add(rng.choice(_ENUMERATORS) + " ")
        if rng.random() < 0.4:
            b.add(rng.choice(_NOUN_TEMPLATES + _IDIOM_SENTENCES).format(A=rng.choice(_NOUNS), B=rng.choice(_NOUNS),
                                                                        n=rng.randint(2, 99) * 50) + " ")
        template = rng.choice(_PARTY_SENTENCES) if rng.random() < 0.5 else \
            f"{rng.choice(_LEFT)} {{P}} {rng.choice(_RIGHT)}"
        pieces = re.split(r"(\{[PQI]\})", template)
        for piece in pieces:
            if piece in ("{P}", "{Q}"):
                _party(d)
            elif piece == "{I}":
                b.add(_initial(rng) + rng.choice(("", ".")), "PERSON")
            else:
                b.add(piece)
        if rng.random() < 0.35:
            b.add(" ").add(rng.choice(_LETTER_DECOYS).format(n=rng.randint(1, 30), L=_initial(rng), M=_initial(rng)),
                           "DECOY")
        if rng.random() < 0.3:
            b.add(" (vgl. ").add(rng.choice(_CITATIONS), "DECOY").add(")")
        b.add(" ")
        if rng.random() < 0.3:
            d.decoy_sentence()
        b.add("\n")
        r = rng.random()
        if r < 0.12:
            _cited_case(d)
        elif r < 0.2:
            _prior_art(d)
        elif r < 0.26:
            b.add(rng.choice(_FEATURES).format(L=_initial(rng)), "DECOY").add("\n")
    if rng.random() < 0.3:
        b.add(f"Richter{'in' if rng.random() < 0.5 else ''} am Bundesgerichtshof " + ("Dr. " if rng.random() < 0.3 else ""))
        b.add(d.surname(), "PERSON").add(" ist wegen Urlaubs an der Unterschrift gehindert.\n")
    # Signature rows: one judge a line, or all on one line; no role, no "gez.".
    b.add("\n")
    signers = _judges(d, rng.choice((3, 5)))
    one_line = rng.random() < 0.3
    for i, name in enumerate(signers):
        if rng.random() < 0.2:
            b.add("Dr. ")
        b.add(name, "PERSON")
        b.add(("   " if i < len(signers) - 1 else "\n") if one_line else "\n")


_WRITERS = {"letter": _letter, "contract": _contract, "court": _court, "invoice": _invoice, "hr_note": _hr_note,
            "email": _email, "maintenance": _maintenance, "decision": _decision}


def generate_documents(n: int, seed: int = 0, lists: NameLists | None = None, kinds=KINDS):
    """``n`` labelled documents (:class:`~workbench.governance.pii_eval.Document`), deterministic in ``seed``."""
    from workbench.governance.pii_eval import Document

    unknown = [k for k in kinds if k not in _WRITERS]
    if unknown:
        raise ValueError(f"kinds: unknown {unknown}; expected some of {KINDS}")
    lists = lists or load_lists()
    rng = random.Random(seed)
    docs = []
    for i in range(n):
        kind = kinds[i % len(kinds)]
        doc = _Doc(rng, lists)
        _WRITERS[kind](doc)
        docs.append(Document(f"gen-{seed}-{i}", kind, "".join(doc.b.parts), doc.b.spans, doc.b.decoys))
    return docs
