"""The detection rules behind :mod:`workbench.governance.pii`: checksums, formats and person names.

Holds the pure functions ``find_<type>(text) -> list[Span]`` (one per entity type), the checksum
validators (IBAN ISO 13616 mod 97, Steuer-ID § 139b AO / ISO 7064 MOD 11,10,
Rentenversicherungsnummer § 2 (6) VKVV), generators of valid test values, and the overlap
resolution.

Every rule runs in time linear in the text (up to sorting): regular expressions scan once,
token lookups use bisection, and the overlap resolution marks taken characters in a byte array
instead of comparing each span with all others (issue 13: 1 MB used to take 78 s). :class:`workbench.governance.pii.Pseudonymiser` combines
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
from workbench.governance.pii_names import find_person_names

ENTITY_TYPES = ("PERSON", "EMAIL", "PHONE", "IBAN", "TAX_ID", "PENSION_ID", "ADDRESS", "POSTCODE",
                "DATE_OF_BIRTH", "BIRTH_PLACE", "LICENCE_PLATE", "CASE_NUMBER")
DEFAULT_ENTITIES = tuple(e for e in ENTITY_TYPES if e != "CASE_NUMBER")
# Overlaps are resolved in this order: checksum-validated formats first, names last.
_PRIORITY = {"EMAIL": 0, "IBAN": 1, "TAX_ID": 2, "PENSION_ID": 3, "CASE_NUMBER": 4, "DATE_OF_BIRTH": 5,
             "PHONE": 6, "LICENCE_PLATE": 7, "ADDRESS": 8, "POSTCODE": 9, "BIRTH_PLACE": 10, "PERSON": 11}


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


def pension_id_check_digit(first_eleven: str) -> int:
    """Check digit of a Rentenversicherungsnummer from its first eleven characters.

    § 2 (6) VKVV: the letter (9th place) becomes its two-digit position in the alphabet
    (A = 01 ... Z = 26); the twelve digits are multiplied by 2, 1, 2, 5, 7, 1, 2, 1, 2, 1, 2, 1;
    the cross sums of the products are added; the check digit is the sum modulo 10.

    Args:
        first_eleven: Area number (2 digits), birth date DDMMYY, initial letter, serial (2 digits),
            spaces allowed, e.g. ``"65 170839 J 00"``.
    """
    compact = re.sub(r"\s", "", first_eleven).upper()
    if not re.fullmatch(r"\d{8}[A-Z]\d{2}", compact):
        raise ValueError(f"expected 8 digits, a letter and 2 digits, got {first_eleven!r}")
    digits = compact[:8] + f"{ord(compact[8]) - ord('A') + 1:02d}" + compact[9:]
    products = (int(d) * w for d, w in zip(digits, (2, 1, 2, 5, 7, 1, 2, 1, 2, 1, 2, 1)))
    return sum(p // 10 + p % 10 for p in products) % 10


def pension_id_is_valid(value: str) -> bool:
    """Check a Rentenversicherungsnummer (``12 150485 M 123`` or ``12150485M123``) by its check digit."""
    compact = re.sub(r"\s", "", value).upper()
    return bool(re.fullmatch(r"\d{8}[A-Z]\d{3}", compact)) and \
        pension_id_check_digit(compact[:11]) == int(compact[11])


def make_pension_id(rng: random.Random, area: str = "00") -> str:
    """A Rentenversicherungsnummer with a valid check digit (area ``00`` is not assigned)."""
    day, month, year = rng.randrange(1, 29), rng.randrange(1, 13), rng.randrange(100)
    first = f"{area}{day:02d}{month:02d}{year:02d}{chr(ord('A') + rng.randrange(26))}{rng.randrange(100):02d}"
    return f"{first[:2]} {first[2:8]} {first[8]} {first[9:]}{pension_id_check_digit(first)}"


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
_NAME_WORD = r"[A-ZÄÖÜ][a-zäöüß]+(?:-[A-ZÄÖÜ]?[a-zäöüß]+)*"
_ARTICLE = r"(?:der|des|dem|den|am|im|zum|zur|vom|von|an der|auf der|in der)"
_STREET_LEAD = "(?:" + "|".join(re.escape(p) for p in sorted(lex.STREET_LEADS, key=len, reverse=True)) + ")"
_STREET_HEAD = "(?:" + "|".join(lex.STREET_HEADS) + ")"
# "Am Alten Markt 5", "Unter den Linden 12", "Zur Alten Mühle 3": a lead, one to three name words
# (articles between them), a house number. "Straße des 17. Juni 3a", "Platz der Einheit 1": a
# head, an article, optionally an ordinal date, one or two name words, a house number.
_STREET_MULTI = re.compile(r"(?<![\w.-])(?:" + _STREET_LEAD
                           + r"((?: " + _NAME_WORD + r"| " + _ARTICLE + r"(?= [A-ZÄÖÜ])){1,4})"
                           r"|" + _STREET_HEAD + r" (?:des|der|dem|den|am|vom|zum|zur) (?:\d{1,2}\. )?" + _NAME_WORD
                           + r"(?: " + _NAME_WORD + r")?)" + _HOUSE_NO)
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
    """E-mail addresses of persons; functional mailboxes (``info@``, ``poststelle@``) stay."""
    return [s for s in _spans(_EMAIL, text, "EMAIL", "rule:email") if not _functional(s.text.split("@")[0])]


_FUNCTIONAL_ENDINGS = ("team", "management", "service", "stelle", "buero", "büro", "abteilung", "zentrale",
                       "verwaltung", "support", "info", "kontakt", "sekretariat")


def _functional(local: str) -> bool:
    """The local part of a functional mailbox: ``info``, ``qs-team``, ``forderungsmanagement``."""
    local = local.casefold()
    return (local in lex.FUNCTIONAL_MAILBOXES or local.endswith(_FUNCTIONAL_ENDINGS)
            or any(part in lex.FUNCTIONAL_MAILBOXES for part in re.split(r"[-._+]", local)))


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


_PENSION = re.compile(r"(?<![\w/])(\d{2}) ?(\d{2})(\d{2})(\d{2}) ?([A-Z]) ?(\d{2}) ?(\d)(?![\w/])")
_PENSION_CUE = re.compile(r"(Renten|Sozial)?versicherungs-?n(ummer|r\.?)|RV-?N(r|ummer)|SV-?N(r|ummer)|VSNR|RVNR",
                          re.I)
# Bereichsnummern of the pension insurers (Anlage zu § 2 (2) VKVV); 40 + a regional number for
# DRV Bund.
_PENSION_AREAS = frozenset(f"{n:02d}" for n in (2, 3, 4, 8, 9, *range(10, 22), 23, 24, 25, 26, 28, 29, 38, 39, 40,
                                                 *(40 + a for a in (2, 3, 4, 8, 9, *range(10, 22), 23, 24, 25, 26,
                                                                    28, 29)), 80, 81, 82, 89))


def find_pension_ids(text: str) -> list[Span]:
    """Rentenversicherungsnummern (``12 150485 M 123``, ``12150485M123``).

    A valid check digit suffices; without it, a cue word before it (``Rentenversicherungsnummer``,
    ``RV-Nr.``, ``SV-Nummer``) or a plausible birth date with an assigned area number (score 0.7:
    the shape is specific, and a typo in a real number must not let it through).
    """
    out = []
    for m in _PENSION.finditer(text):
        raw = m.group(0)
        day, month = int(m.group(2)), int(m.group(3))
        if pension_id_is_valid(raw):
            score = 1.0
        elif _PENSION_CUE.search(text[max(0, m.start() - 40) : m.start()]):
            score = 0.95
        elif m.group(1) in _PENSION_AREAS and 1 <= day <= 31 and 1 <= month <= 12:
            score = 0.7
        else:
            continue
        out.append(Span(m.start(), m.end(), "PENSION_ID", raw, "rule:pension-id", score))
    return out


_BIRTH_PLACE = re.compile(r"\b(?:geboren|geb\.)(?: am)?(?: (?:\d{1,2}\. ?\d{1,2}\. ?\d{2,4}|\d{1,2}\. ?(?:" + _MONTHS
                          + r") ?\d{4}),?)? in (" + _CITY + r")")
_BIRTH_PLACE_AFTER = re.compile(r"(?:\d{1,2}\. ?\d{1,2}\. ?\d{2,4}|\d{1,2}\. ?(?:" + _MONTHS + r") ?\d{4}) in ("
                                + _CITY + r") geboren\b")
_NOT_PLACES = frozenset(("Deutschland",)) | lex.NOT_NAMES


def find_birth_places(text: str) -> list[Span]:
    """Places of birth: ``geboren in X``, ``geb. am 12.03.1985 in X``, ``am 12.03.1985 in X geboren``."""
    spans = list(_spans(_BIRTH_PLACE, text, "BIRTH_PLACE", "rule:birth-place", group=1))
    spans += _spans(_BIRTH_PLACE_AFTER, text, "BIRTH_PLACE", "rule:birth-place", group=1)
    return [s for s in spans if s.text.split()[0] not in _NOT_PLACES]


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


def _prose(words: list[str]) -> bool:
    """A street-shaped match that is ordinary prose: "Im Jahr 2024", "Auf Seite 12" (not "Straße des 17. Juni")."""
    return words[0] not in lex.STREET_HEADS and any(w in lex.NOT_STREET_WORDS for w in words)


def find_addresses(text: str) -> list[Span]:
    """Street and house number (``Hauptstraße 12a``, ``Am Alten Markt 5``, ``Straße des 17. Juni 3a``) and Postfach."""
    out = []
    for match in _ADDRESS.finditer(text):
        words = match.group(0).split()
        if words[0] in lex.NOT_NAMES and words[0] not in lex.STREET_PREFIXES or _prose(words):
            continue
        out.append(Span(match.start(), match.end(), "ADDRESS", match.group(0), "rule:address"))
    for match in _STREET_MULTI.finditer(text):
        if _prose(match.group(0).split()):
            continue
        out.append(Span(match.start(), match.end(), "ADDRESS", match.group(0), "rule:address-multiword"))
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


# "... am 24.07.1963 in Stendal geboren": the cue follows the date.
_DOB_AFTER = re.compile(r",? (?:in (?:" + _CITY + r") )?geboren\b")


def find_dates_of_birth(text: str) -> list[Span]:
    """Dates next to a birth cue (``geb. 12.03.1985``, ``Geburtsdatum: 3. Mai 1990``); other dates stay."""
    out = []
    for match in _DATE.finditer(text):
        before = text[max(0, match.start() - 40) : match.start()]
        after = text[match.end() : match.end() + 40]
        if (_DOB_CUE.search(before) or _DOB_AFTER.match(after)) and _valid_date(match.group(0)):
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


# A citation of a published decision of a federal or European court: "BGH, Urteil vom 12. März
# 2015 - III ZR 123/14". Its file number is public and names the cited case, not the user's.
_FEDERAL_CITATION = re.compile(r"\b(?:BGH|BVerwG|BFH|BAG|BSG|BVerfG|BPatG|EuGH|EuG|EGMR)\s*,?\s*"
                               r"(?:Urteil|Urt\.|Beschluss|Beschl\.|Gerichtsbescheid|Vorlagebeschluss)"
                               r"\s+vom\s+[\w. ]{6,24}?\s*[-–]\s*$")


def find_case_numbers(text: str) -> list[Span]:
    """Court file numbers (``VIII ZR 277/16``, ``2 O 123/23``) and references after ``Az.``.

    File numbers in citations of published decisions of federal and European courts ("BGH,
    Urteil vom 12. März 2015 - III ZR 123/14") stay: they are public, and replacing them breaks
    the citation. A lower court's decision may be the user's own case, so it is replaced.
    """
    out = [s for s in _spans(_CASE, text, "CASE_NUMBER", "rule:aktenzeichen")
           if not _FEDERAL_CITATION.search(text[max(0, s.start - 80) : s.start])]
    out += list(_spans(_REF_CUE, text, "CASE_NUMBER", "rule:az-cue", group=2))
    return out


# ------------------------------------------------------------------------------ person names

# The name rules live in their own module, :mod:`workbench.governance.pii_names` (they are most
# of the code); ``find_person_names`` is imported at the top of this module.

# ------------------------------------------------------------------------------ detection + pseudonyms

_FINDERS: dict[str, Callable[[str], list[Span]]] = {
    "EMAIL": find_emails, "IBAN": find_ibans, "TAX_ID": find_tax_ids, "PENSION_ID": find_pension_ids,
    "PHONE": find_phones, "POSTCODE": find_postcodes, "ADDRESS": find_addresses,
    "DATE_OF_BIRTH": find_dates_of_birth, "BIRTH_PLACE": find_birth_places, "LICENCE_PLATE": find_plates,
    "CASE_NUMBER": find_case_numbers, "PERSON": find_person_names,
}


def resolve_overlaps(spans: Iterable[Span]) -> list[Span]:
    """Keep non-overlapping spans: higher-priority types first, then longer, then higher score.

    Sort once (O(n log n)), then mark the characters of each kept span in a byte array: a span
    is free when its range holds no mark (``bytearray.find`` over the span only). The work is the
    sort plus the total length of the spans, never spans x spans.
    """
    ordered = sorted(spans, key=lambda s: (_PRIORITY.get(s.label, 99), -(s.end - s.start), -s.score, s.start))
    if not ordered:
        return []
    taken_chars = bytearray(max(s.end for s in ordered) + 1)
    taken: list[Span] = []
    for span in ordered:
        if span.end > span.start and taken_chars.find(1, span.start, span.end) < 0:
            taken_chars[span.start : span.end] = b"\x01" * (span.end - span.start)
            taken.append(span)
    return sorted(taken, key=lambda s: s.start)
