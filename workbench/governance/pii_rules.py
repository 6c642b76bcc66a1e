"""The detection rules behind :mod:`workbench.governance.pii`: checksums, formats and person names.

Holds the pure functions ``find_<type>(text) -> list[Span]`` (one per entity type), the checksum
validators (IBAN ISO 13616 mod 97, Steuer-ID § 139b AO / ISO 7064 MOD 11,10), generators of valid
test values, and the overlap resolution. :class:`workbench.governance.pii.Pseudonymiser` combines
them; use that class unless you need one rule on its own::

    from workbench.governance.pii_rules import find_ibans, steuer_id_is_valid
    find_ibans("Konto DE89 3704 0044 0532 0130 00")
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import random
import re
from typing import Callable, Iterable

from workbench.governance import pii_lexicon as lex

ENTITY_TYPES = ("PERSON", "EMAIL", "PHONE", "IBAN", "TAX_ID", "ADDRESS", "POSTCODE", "DATE_OF_BIRTH",
                "LICENCE_PLATE", "CASE_NUMBER")
DEFAULT_ENTITIES = tuple(e for e in ENTITY_TYPES if e != "CASE_NUMBER")
# Overlaps are resolved in this order: checksum-validated formats first, names last.
_PRIORITY = {"EMAIL": 0, "IBAN": 1, "TAX_ID": 2, "CASE_NUMBER": 3, "DATE_OF_BIRTH": 4, "PHONE": 5,
             "LICENCE_PLATE": 6, "ADDRESS": 7, "POSTCODE": 8, "PERSON": 9}


@dataclasses.dataclass(frozen=True)
class Span:
    """A detected piece of personal data: ``text[start:end]`` of type ``label``."""

    start: int
    end: int
    label: str
    text: str
    source: str = "rule"
    """What found it: ``rule`` names the rule (``rule:iban``), ``model`` a learned tagger."""
    score: float = 1.0


# ------------------------------------------------------------------------------ checksums


_IBAN_LENGTHS = {"DE": 22, "AT": 20, "CH": 21, "LI": 21, "NL": 18, "BE": 16, "LU": 20, "FR": 27, "IT": 27,
                 "ES": 24, "PT": 25, "PL": 28, "CZ": 24, "DK": 18, "SE": 24, "NO": 15, "FI": 18, "GB": 22,
                 "IE": 22, "GR": 27, "HR": 21, "HU": 28, "RO": 24, "SK": 24, "SI": 19, "TR": 26}


def iban_is_valid(iban: str) -> bool:
    """Check an IBAN: known country length and ISO 13616 mod-97 checksum (spaces ignored)."""
    compact = re.sub(r"\s", "", iban).upper()
    if not re.fullmatch(r"[A-Z]{2}\d{2}[A-Z0-9]{11,30}", compact):
        return False
    if _IBAN_LENGTHS.get(compact[:2], len(compact)) != len(compact):
        return False
    digits = "".join(str(int(ch, 36)) for ch in compact[4:] + compact[:4])
    return int(digits) % 97 == 1


def _iban_check_digits(country: str, bban: str) -> str:
    digits = "".join(str(int(ch, 36)) for ch in bban + country + "00")
    return f"{98 - int(digits) % 97:02d}"


def steuer_id_is_valid(value: str) -> bool:
    """Check a German tax ID (Steuerliche Identifikationsnummer, § 139b AO).

    Rules (BZSt): 11 digits, the first not 0; among the first ten, exactly one digit occurs
    twice or three times (three times not all adjacent) and the others at most once; the 11th
    digit is the ISO/IEC 7064 MOD 11,10 check digit of the first ten.
    """
    digits = re.sub(r"[\s/]", "", value)
    if not re.fullmatch(r"[1-9]\d{10}", digits):
        return False
    counts = [digits[:10].count(d) for d in set(digits[:10])]
    repeated = [c for c in counts if c > 1]
    if len(repeated) != 1 or repeated[0] > 3:
        return False
    if repeated[0] == 3 and re.search(r"(\d)\1\1", digits[:10]):
        return False
    return _steuer_check_digit(digits[:10]) == int(digits[10])


def _steuer_check_digit(first_ten: str) -> int:
    product = 10
    for ch in first_ten:  # ISO/IEC 7064 MOD 11,10
        total = (int(ch) + product) % 10 or 10
        product = (total * 2) % 11
    check = 11 - product
    return 0 if check == 10 else check


def make_iban(rng: random.Random, country: str = "DE", bank_code: str | None = None) -> str:
    """A syntactically valid IBAN (for tests and pseudonyms), grouped in fours."""
    bank = bank_code if bank_code is not None else f"{rng.randrange(10**7, 10**8)}"
    bban = bank + f"{rng.randrange(10**9, 10**10)}"
    compact = country + _iban_check_digits(country, bban) + bban
    return " ".join(compact[i : i + 4] for i in range(0, len(compact), 4))


def make_steuer_id(rng: random.Random) -> str:
    """A valid Steuer-ID (for tests), grouped ``12 345 678 901``."""
    while True:
        digits = [rng.randrange(1, 10)] + [rng.randrange(10) for _ in range(9)]
        candidate = "".join(map(str, digits))
        candidate += str(_steuer_check_digit(candidate))
        if steuer_id_is_valid(candidate):
            return f"{candidate[:2]} {candidate[2:5]} {candidate[5:8]} {candidate[8:]}"


# ------------------------------------------------------------------------------ format rules

_EMAIL = re.compile(r"(?<![\w.+-])[A-Za-z0-9][A-Za-z0-9._%+-]*@[A-Za-z0-9][A-Za-z0-9.-]*\.[A-Za-z]{2,24}(?![\w-])")
_IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{1,4}){3,8}\b")
_TAX = re.compile(r"(?<![\d/])(?<!\d[.,])[1-9]\d(?:[ /]?\d{3}){3}(?![\d/]|[.,]\d)")
_PHONE = re.compile(r"(?<![\w/+])(?<!\d[.,])(?:\+|00)?\(?\d[\d ()/\-–]{5,24}\d(?![\w/]|[.,]\d)")
_PHONE_CUE = re.compile(r"(Tel|Telefon|Fon|Fax|Telefax|Mobil|Handy|Mobilfunk|Rufnummer|Durchwahl|erreichbar|"
                        r"anrufen|Nummer|☎|T\.|M\.|F\.)[\s.:]*(unter[\s:]*)?$", re.I)
_CITY = (r"[A-ZÄÖÜ][a-zäöüß]+(?:-[A-ZÄÖÜ][a-zäöüß]+)*"
         r"(?: (?:am|an der|im|in der|ob der|bei|vor der) [A-ZÄÖÜ][a-zäöüß]+| \([A-ZÄÖÜ][a-zäöüß]+\)| i\. ?Br\.| a\. ?M\.)?")
_POSTCODE = re.compile(r"(?<![\w.,/-])(?:D-)?(\d{5}) (" + _CITY + r")")
_HOUSE_NO = r" \d{1,4}(?: ?[a-zA-Z]\b)?(?: ?[-/] ?\d{1,4}[a-z]?)?(?![\w,.]\d)"
_SUFFIX = "|".join(re.escape(s) for s in lex.STREET_SUFFIXES)
_HYPHEN_SUFFIX = "|".join("-" + re.escape(x[0].upper() + x[1:]) for x in lex.STREET_SUFFIXES)
_STREET_ONEWORD = r"[A-ZÄÖÜ][\wäöüß.-]*?(?:" + _SUFFIX + "|" + _HYPHEN_SUFFIX + r")"
_STREET_TWOWORD = (r"[A-ZÄÖÜ][\wäöüß-]+ (?:Straße|Str\.|Strasse|Weg|Allee|Platz|Ring|Damm|Gasse|Chaussee|Ufer|"
                   r"Markt|Landstraße|Steig|Tor|Höhe)")
_STREET_PREFIX = "(?:" + "|".join(re.escape(p) for p in lex.STREET_PREFIXES) + r") [A-ZÄÖÜ][\wäöüß-]+"
_ADDRESS = re.compile(r"\b(?:" + _STREET_TWOWORD + "|" + _STREET_ONEWORD + "|" + _STREET_PREFIX + ")" + _HOUSE_NO)
_POSTFACH = re.compile(r"\bPostfach \d{1,3}(?: \d{2,3}){1,3}\b")
_MONTHS = ("Januar|Februar|März|April|Mai|Juni|Juli|August|September|Oktober|November|Dezember|"
           "Jan\\.|Feb\\.|Mär\\.|Apr\\.|Jun\\.|Jul\\.|Aug\\.|Sep\\.|Sept\\.|Okt\\.|Nov\\.|Dez\\.")
_DATE = re.compile(r"(?<![\d.])(?:\d{1,2}\. ?\d{1,2}\. ?(?:19|20)?\d{2}|\d{1,2}\. ?(?:" + _MONTHS + r") ?\d{4}|"
                   r"(?:19|20)\d{2}-\d{2}-\d{2})(?![\d])")
_DOB_CUE = re.compile(r"(geb\.|geboren|Geburtsdatum|Geb\.-Datum|Geburtstag|\*|born)[^\n.;]{0,12}$|"
                      r"(geb\.|geboren|Geburtsdatum)\s*(am|:)?\s*$", re.I)
_PLATE = re.compile(r"(?<![\w-])[A-ZÄÖÜ]{1,3}(-| )[A-Z]{1,2} ?\d{1,4}[EH]?(?![\w-])")
_PLATE_CUE = re.compile(r"(Kennzeichen|Kfz|KFZ|Fahrzeug|amtl\.|PKW|Pkw|Lkw|LKW|zugelassen)", re.I)
_CASE = re.compile(r"(?<![\w/])(?:[A-Z] )?(?:[IVX]{1,5}|\d{1,3}) ?[A-Z][A-Za-z]{0,4}(?: [A-Z][A-Za-z]{0,3})? "
                   r"\d{1,5}/\d{2}(?:\d{2})?(?: [A-Z]\b)?(?![\w/])")
_REF_CUE = re.compile(r"\b(Az\.|Aktenzeichen|Geschäftszeichen|Unser Zeichen|Ihr Zeichen|Vorgangsnummer)\s*:?\s*"
                      r"([A-Za-z0-9][\w./ -]{2,30}?\d[\w/-]*)(?=[\s,;)]|$)")


def _spans(pattern: re.Pattern, text: str, label: str, source: str, group: int = 0) -> Iterable[Span]:
    for match in pattern.finditer(text):
        yield Span(match.start(group), match.end(group), label, match.group(group), source)


def find_emails(text: str) -> list[Span]:
    """E-mail addresses."""
    return list(_spans(_EMAIL, text, "EMAIL", "rule:email"))


def find_ibans(text: str, strict: bool = True) -> list[Span]:
    """IBANs with a valid checksum (``strict=False`` also keeps well-formed ones that fail it)."""
    out = []
    for match in _IBAN.finditer(text):
        raw = match.group(0)
        country = raw[:2]
        want = _IBAN_LENGTHS.get(country)
        # The regex may run into a following word in capitals ("BIC"): cut at the country length.
        lengths = [want] if want else list(range(34, 14, -1))
        for length in lengths:
            count, end = 0, None
            for i, ch in enumerate(raw):
                if ch != " ":
                    count += 1
                    if count == length:
                        end = i + 1
                        break
            if end is None:
                continue
            candidate = raw[:end]
            if iban_is_valid(candidate):
                out.append(Span(match.start(), match.start() + end, "IBAN", candidate, "rule:iban"))
                break
            if not strict and want:
                out.append(Span(match.start(), match.start() + end, "IBAN", candidate, "rule:iban-shape", 0.6))
                break
    return out


def find_tax_ids(text: str) -> list[Span]:
    """Steuer-IDs (11 digits, optionally grouped) that pass the § 139b AO checks."""
    return [s for s in _spans(_TAX, text, "TAX_ID", "rule:steuer-id") if steuer_id_is_valid(s.text)]


def find_phones(text: str) -> list[Span]:
    """German and international phone numbers; dates and amounts never match (no dots/commas)."""
    out = []
    for match in _PHONE.finditer(text):
        raw = match.group(0).rstrip(" -–/(")
        digits = re.sub(r"\D", "", raw)
        if not (raw.startswith(("+", "0", "(0")) and 7 <= len(digits) <= 15):
            continue  # E.164: at most 15 digits; German numbers start with 0 or +49/0049
        if raw.count("(") != raw.count(")"):
            continue
        cue = bool(_PHONE_CUE.search(text[max(0, match.start() - 30) : match.start()]))
        if not cue and len(digits) < 9:
            continue  # short numbers without a cue are too often something else
        out.append(Span(match.start(), match.start() + len(raw), "PHONE", raw, "rule:phone", 1.0 if cue else 0.8))
    return out


def find_postcodes(text: str) -> list[Span]:
    """German postcode followed by a city (``10115 Berlin``, ``D-60311 Frankfurt am Main``)."""
    out = []
    for match in _POSTCODE.finditer(text):
        city = match.group(2)
        if city.split()[0] in lex.NOT_CITIES or match.group(1).startswith("00"):
            continue
        out.append(Span(match.start(), match.end(), "POSTCODE", match.group(0), "rule:postcode"))
    return out


def find_addresses(text: str) -> list[Span]:
    """Street and house number (``Hauptstraße 12a``, ``Am Stadtpark 5``, ``Berliner Allee 3-5``) and Postfach."""
    out = []
    for match in _ADDRESS.finditer(text):
        first = match.group(0).split()[0]
        if first in lex.NOT_NAMES and first not in lex.STREET_PREFIXES:
            continue
        out.append(Span(match.start(), match.end(), "ADDRESS", match.group(0), "rule:address"))
    out += list(_spans(_POSTFACH, text, "ADDRESS", "rule:postfach"))
    return out


def _valid_date(raw: str) -> bool:
    nums = re.findall(r"\d+", raw)
    try:
        if "-" in raw:
            _dt.date(int(nums[0]), int(nums[1]), int(nums[2]))
        elif len(nums) == 3:
            year = int(nums[2]) + (1900 if len(nums[2]) == 2 else 0)
            _dt.date(year, int(nums[1]), int(nums[0]))
        return True
    except ValueError:
        return False


def find_dates_of_birth(text: str) -> list[Span]:
    """Dates next to a birth cue (``geb. 12.03.1985``, ``Geburtsdatum: 3. Mai 1990``); other dates stay."""
    out = []
    for match in _DATE.finditer(text):
        before = text[max(0, match.start() - 40) : match.start()]
        if _DOB_CUE.search(before) and _valid_date(match.group(0)):
            out.append(Span(match.start(), match.end(), "DATE_OF_BIRTH", match.group(0), "rule:dob"))
    return out


def find_plates(text: str) -> list[Span]:
    """German licence plates; the form with spaces only next to a cue such as ``Kennzeichen``."""
    out = []
    for match in _PLATE.finditer(text):
        if match.group(1) == " " and not _PLATE_CUE.search(text[max(0, match.start() - 40) : match.start()]):
            continue
        if match.group(0).split("-")[0].split(" ")[0] in ("AZ", "AR", "NR"):
            continue
        out.append(Span(match.start(), match.end(), "LICENCE_PLATE", match.group(0), "rule:plate"))
    return out


def find_case_numbers(text: str) -> list[Span]:
    """Court file numbers (``VIII ZR 277/16``, ``2 O 123/23``) and references after ``Az.``."""
    out = list(_spans(_CASE, text, "CASE_NUMBER", "rule:aktenzeichen"))
    out += list(_spans(_REF_CUE, text, "CASE_NUMBER", "rule:az-cue", group=2))
    return out


# ------------------------------------------------------------------------------ person names

_TOK = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?(?:-[^\W\d_]+)*|\d+|\n|[^\w\s]")
_TITLE_WORDS = frozenset("Dr Prof Dipl Ing Kfm Kffr Psych Mag med jur rer nat h c dent vet phil oec habil "
                         "MSc BSc LL M Sc".split())
_GREETINGS = frozenset("Liebe Lieber Hallo Hi Dear Servus Moin".split())
_CLOSINGS = re.compile(r"(Mit freundlichen Grüßen|Freundliche Grüße|Mit besten Grüßen|Beste Grüße|Viele Grüße|"
                       r"Herzliche Grüße|Hochachtungsvoll|Mit kollegialen Grüßen|Gruß)[ ,]*\n", re.I)


def _cue_pattern(cues: Iterable[str]) -> re.Pattern:
    # Word boundaries, so that "gegen" does not fire inside "gegenüber" or "gegenstandslos".
    return re.compile("|".join(r"(?<!\w)" + re.escape(c) + (r"(?!\w)" if c[-1].isalnum() else "") for c in cues))


_PHRASE_CUES = _cue_pattern(lex.PHRASE_CUES)
_SALUTATION_WORDS = frozenset(("Herrn", "Herr", "Frau"))
_ABBREV_SALUTATIONS = frozenset(("Hr", "Fr"))
_ROLE_CUES = frozenset(lex.ROLE_CUES)


class _Tokens:
    """Word tokens of a text with character offsets, and the tests the name rules need."""

    def __init__(self, text: str):
        self.text = text
        self.items = [(m.group(0), m.start(), m.end()) for m in _TOK.finditer(text)]

    def adjacent(self, i: int, j: int) -> bool:
        """Tokens ``i`` and ``j`` are separated by at most one space (names do not span columns)."""
        return 0 <= i < len(self.items) and 0 <= j < len(self.items) and \
            self.text[self.items[i][2] : self.items[j][1]] in ("", " ")

    def __len__(self) -> int:
        return len(self.items)

    def word(self, i: int) -> str:
        return self.items[i][0] if 0 <= i < len(self.items) else ""

    def is_cap(self, i: int) -> bool:
        w = self.word(i)
        return (len(w) > 1 and w[0].isupper() and any(c.islower() for c in w) and w not in lex.NOT_NAMES
                and w not in _ROLE_CUES and w not in _STRONG and w not in _TITLE_WORDS
                and w not in _SALUTATION_WORDS)

    def is_initial(self, i: int) -> bool:
        w = self.word(i)
        return len(w) == 1 and w.isupper() and w.isalpha() and self.word(i + 1) == "."

    def skip_titles(self, i: int) -> int:
        while self.word(i) in _TITLE_WORDS or self.word(i) in (".", "-"):
            i += 1
        return i

    def index_at(self, pos: int) -> int:
        for i, (_, start, _end) in enumerate(self.items):
            if start >= pos:
                return i
        return len(self.items)

    def take_name(self, i: int, max_words: int = 4) -> tuple[int, int] | None:
        """Longest run of name words from ``i`` (capitalised words, initials, particles); inclusive."""
        j, last, words = i, None, 0
        while j < len(self.items) and words < max_words:
            if j > i and not self.adjacent(j - 1, j):
                break
            if self.is_cap(j):
                last, words, j = j, words + 1, j + 1
            elif self.is_initial(j):
                j += 2  # "J." counts as part of a name only if a capitalised word follows
            elif self.word(j) in lex.NAME_PARTICLES and self.is_cap(j + 1) and last is not None or (
                    self.word(j) in lex.NAME_PARTICLES and j == i and self.is_cap(j + 1)):
                j += 1
            else:
                break
        return (i, last) if last is not None else None


_STRONG = frozenset(lex.STRONG_CUES)
_PARTY_CUES = frozenset(lex.PARTY_CUES)
_STRONG_PHRASES = _cue_pattern(lex.STRONG_PHRASES)
_NAME_FORM = re.compile(r"(Name, Vorname|Nachname, Vorname|Name/Vorname)\s*:\s*")


def _known(word: str) -> bool:
    return word in lex.FIRST_NAMES or word in lex.SURNAMES


def find_person_names(text: str) -> list[Span]:
    """Person names from cues, gazetteers and propagation within the document (see module doc)."""
    toks = _Tokens(text)
    found: dict[tuple[int, int], tuple[str, float]] = {}

    def words_in(run: tuple[int, int]) -> list[str]:
        return [toks.word(k) for k in range(run[0], run[1] + 1) if toks.is_cap(k)]

    def add(run: tuple[int, int] | None, source: str, score: float, strong: bool = False) -> None:
        """Accept a run if it is a name: two words, a known name, or one word after a strong cue."""
        if run is None or toks.word(run[1] + 1) in lex.COMPANY_SUFFIXES or toks.word(run[1] + 1) == "&":
            return  # "Stadtwerke Rheinhessen AG" is an organisation
        words = words_in(run)
        if not words or not (strong or len(words) >= 2 or any(_known(w) for w in words)):
            return
        found.setdefault(run, (source, score))

    def skip(j: int, tokens: tuple[str, ...] = ("\n", ":", ",", "(", ".")) -> int:
        while toks.word(j) in tokens:
            j += 1
        return j

    for i in range(len(toks)):
        w = toks.word(i)
        if w in _PARTY_CUES:  # anonymised parties: "der Angeklagte H.", "Frau S."
            j = i + 1
            nxt = toks.word(j)
            if len(nxt) == 1 and nxt.isupper() and nxt.isalpha() and toks.adjacent(i, j) and not toks.is_cap(j + 1):
                found.setdefault((j, j + 1 if toks.word(j + 1) == "." else j), ("rule:anonymised-party", 0.8))
        if w in _SALUTATION_WORDS or (w in _ABBREV_SALUTATIONS and toks.word(i + 1) == "."):
            start = toks.skip_titles(skip(i + 1, ("\n", ".")))
            add(toks.take_name(start), "rule:salutation", 0.95, strong=True)
        elif w in ("Dr", "Prof") and toks.word(i + 1) == "." and toks.word(i - 1) not in _SALUTATION_WORDS:
            add(toks.take_name(toks.skip_titles(i)), "rule:title", 0.9, strong=True)
        elif w in _ROLE_CUES or w in _STRONG:
            j = skip(i + 1, (":", ","))
            if toks.word(j) in ("am", "beim") and toks.word(j + 1) in lex.COURT_WORDS:
                j += 2  # "Richterin am Amtsgericht Dr. Hülsmann"
            if toks.word(j) not in _SALUTATION_WORDS:  # else the salutation rule takes it
                add(toks.take_name(toks.skip_titles(j)), "rule:role", 0.85, strong=w in _STRONG)
            # A name on the line (or before the comma) just before the role: signature blocks.
            if toks.word(i - 1) in ("\n", ",") and toks.word(i + 1) != ":":
                k = i - 2
                while k >= 0 and toks.word(k) == "\n":
                    k -= 1
                end = k
                while k >= 0 and (toks.is_cap(k) or toks.word(k) in lex.NAME_PARTICLES or toks.word(k) in ("-",)):
                    k -= 1
                if end > k and toks.word(k) in ("\n", "", ".") and toks.is_cap(k + 1):
                    add((k + 1, end), "rule:name-before-role", 0.8, strong=w in _STRONG)
        elif w in lex.FIRST_NAMES and toks.is_cap(i):
            run = toks.take_name(i)
            if run and run[1] > run[0]:
                add(run, "rule:given-name", 0.85)
            elif w not in lex.AMBIGUOUS_FIRST or toks.word(i - 1) in _GREETINGS:
                add((i, i), "rule:given-name-alone", 0.7)
        elif toks.is_initial(i) and toks.word(i + 2) in lex.SURNAMES:
            add((i, i + 2), "rule:initial", 0.8)
        # "Albrecht, Jonas" in lists and headers
        if toks.is_cap(i) and toks.word(i + 1) == "," and toks.word(i + 2) in lex.FIRST_NAMES and (
                w in lex.SURNAMES or toks.word(i - 1) in ("\n", ":", "") or i == 0):
            add((i, i + 2), "rule:surname-comma", 0.85)
    for form in _NAME_FORM.finditer(text):  # "Name, Vorname: Kowalczyk, Agnieszka"
        j = toks.index_at(form.end())
        if toks.is_cap(j) and toks.word(j + 1) == "," and toks.is_cap(j + 2):
            add((j, j + 2), "rule:name-form", 0.9, strong=True)
    cues = [(m, False) for m in list(_CLOSINGS.finditer(text)) + list(_PHRASE_CUES.finditer(text))]
    cues += [(m, True) for m in _STRONG_PHRASES.finditer(text)]
    for cue, strong in cues:
        j = skip(toks.index_at(cue.end()))
        if toks.word(j) in _SALUTATION_WORDS or (cue.group(0).startswith("geb") and not toks.is_cap(j)):
            continue
        add(toks.take_name(toks.skip_titles(j)), "rule:cue", 0.85, strong=strong)
    # Keep the longest of overlapping runs.
    runs = sorted(found.items(), key=lambda kv: (kv[0][0], -(kv[0][1] - kv[0][0])))
    kept: list[tuple[tuple[int, int], tuple[str, float]]] = []
    for run, meta in runs:
        if kept and run[0] <= kept[-1][0][1]:
            continue
        kept.append((run, meta))
    # Propagation: words of names found above mark the same words elsewhere in the document,
    # together with a capitalised word right before them ("Henrike Zabel" after "Frau Zabel").
    known = {toks.word(k) for (a, b), _ in kept for k in range(a, b + 1) if toks.is_cap(k) and len(toks.word(k)) > 2}
    covered = {k for (a, b), _ in kept for k in range(a, b + 1)}
    k = 0
    while k < len(toks):
        if k not in covered and toks.word(k) in known and toks.is_cap(k):
            start, end = k, k
            while (end + 1 < len(toks) and toks.word(end + 1) in known and end + 1 not in covered
                   and toks.adjacent(end, end + 1)):
                end += 1
            prev = k - 1
            if toks.word(prev) == "." and toks.is_initial(k - 2) and toks.adjacent(prev, k):
                start = k - 2  # "B. Oltmanns"
            elif (prev >= 0 and prev not in covered and toks.is_cap(prev) and toks.word(prev - 1) not in (".",)
                    and toks.items[prev][2] + 1 == toks.items[k][1] and toks.word(prev) not in lex.COURT_WORDS):
                start = prev
            kept.append(((start, end), ("rule:propagated", 0.8)))
            covered.update(range(start, end + 1))
            k = end + 1
        else:
            k += 1
    spans = []
    for (a, b), (source, score) in kept:
        start, end = toks.items[a][1], toks.items[b][2]
        spans.append(Span(start, end, "PERSON", text[start:end], source, score))
    return sorted(spans, key=lambda s: s.start)


# ------------------------------------------------------------------------------ detection + pseudonyms

_FINDERS: dict[str, Callable[[str], list[Span]]] = {
    "EMAIL": find_emails, "IBAN": find_ibans, "TAX_ID": find_tax_ids, "PHONE": find_phones,
    "POSTCODE": find_postcodes, "ADDRESS": find_addresses, "DATE_OF_BIRTH": find_dates_of_birth,
    "LICENCE_PLATE": find_plates, "CASE_NUMBER": find_case_numbers, "PERSON": find_person_names,
}


def resolve_overlaps(spans: Iterable[Span]) -> list[Span]:
    """Keep non-overlapping spans: higher-priority types first, then longer, then higher score."""
    ordered = sorted(spans, key=lambda s: (_PRIORITY.get(s.label, 99), -(s.end - s.start), -s.score, s.start))
    taken: list[Span] = []
    for span in ordered:
        if all(span.end <= t.start or span.start >= t.end for t in taken):
            taken.append(span)
    return sorted(taken, key=lambda s: s.start)
