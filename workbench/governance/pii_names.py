"""Person-name rules of the German PII detector (see :mod:`workbench.governance.pii`).

Cues (Herr/Frau, titles, roles such as Mieterin, Kläger, Richterin am BGH and lists after them),
the given-name gazetteer (hyphenated names too), "Nachname, Vorname", particles ("von der
Heyde"), genitives ("Herrn Brückners Anhänger": only the name), judges' signature rows,
anonymised parties ("der Angeklagte H."), and propagation of found names through the document.
Organisations and authorities ("Freistaat Bayern"), placeholder names ("Max Mustermann") and
nouns after party cues ("der Kläger Anspruch ...") stay.

All of it is linear in the text: one tokenisation, bisection for offsets, sets for look-ups.
"""

from __future__ import annotations

import bisect
import re
from typing import TYPE_CHECKING, Iterable

from workbench.governance import pii_lexicon as lex

if TYPE_CHECKING:
    from workbench.governance.pii_rules import Span

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
        self.starts = [start for _, start, _ in self.items]  # sorted: index_at bisects it

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
                and w not in _SALUTATION_WORDS and w not in lex.ORG_WORDS)

    def is_initial(self, i: int) -> bool:
        w = self.word(i)
        return len(w) == 1 and w.isupper() and w.isalpha() and self.word(i + 1) == "."

    def skip_titles(self, i: int) -> int:
        while self.word(i) in _TITLE_WORDS or self.word(i) in (".", "-"):
            i += 1
        return i

    def index_at(self, pos: int) -> int:
        """Index of the first token starting at or after ``pos`` (bisection: O(log n))."""
        return bisect.bisect_left(self.starts, pos)

    def particles_then_cap(self, j: int) -> bool:
        """Tokens from ``j`` are one or two name particles, then a capitalised word ("von der Heyde")."""
        k = j
        while k < j + 2 and self.word(k) in lex.NAME_PARTICLES and self.adjacent(k, k + 1):
            k += 1
        return k > j and self.is_cap(k)

    def take_name(self, i: int, max_words: int = 4) -> tuple[int, int] | None:
        """Longest run of name words from ``i`` (capitalised words, initials, particles); inclusive.

        A word in the genitive ("Herrn Brückners Anhänger") ends the run when the next word is
        no known name: the noun after it is the thing owned, not a second name. (Names that end
        in a vowel + s, "Nikolaos", "Jonas", are no genitive: see :func:`_genitive`.)
        """
        j, last, words = i, None, 0
        while j < len(self.items) and words < max_words:
            if j > i and not self.adjacent(j - 1, j):
                break
            if self.is_cap(j):
                last, words, j = j, words + 1, j + 1
                w = self.word(last)
                if _genitive(w) and self.is_cap(j) and not _known(self.word(j)) and self.adjacent(last, j):
                    break
            elif self.is_initial(j):
                j += 2  # "J." counts as part of a name only if a capitalised word follows
            elif self.particles_then_cap(j):
                j += 1
            else:
                break
        return (i, last) if last is not None else None


_STRONG = frozenset(lex.STRONG_CUES)
_JUDGE_WORDS = frozenset(("Richter", "Richters", "Richterin", "Richtern", "Richterinnen"))
_PARTY_CUES = frozenset(lex.PARTY_CUES)
_STRONG_PHRASES = _cue_pattern(lex.STRONG_PHRASES)
_NAME_FORM = re.compile(r"(Name, Vorname|Nachname, Vorname|Name/Vorname)\s*:\s*")


def _first(word: str) -> bool:
    """A given name, including hyphenated ones whose parts are all given names ("Jens-Uwe")."""
    return word in lex.FIRST_NAMES or ("-" in word and all(p in lex.FIRST_NAMES for p in word.split("-")))


def _known(word: str) -> bool:
    return _first(word) or word in lex.SURNAMES


def _genitive(word: str) -> bool:
    """Reads as the genitive of a name: consonant + s ("Brückners", "Schmidts"), not a known name.

    A vowel before the s ("Nikolaos", "Papadakis", "Jonas", "Marie-Theres") or a double s
    ("Strauss") is the name itself.
    """
    return (len(word) > 3 and word.endswith("s") and word[-2] not in "aeiouyäöüAEIOU" and not word.endswith("ss")
            and not _known(word))


def _noun_like(word: str) -> bool:
    """A capitalised word that reads as a common noun (German capitalises nouns) rather than a surname."""
    return word in lex.COMMON_NOUNS or word.casefold().endswith(lex.NOUN_ENDINGS)


_COURT_PARTIES = frozenset(("Kläger", "Klägerin", "Beklagte", "Beklagter", "Antragsteller", "Antragstellerin",
                            "Antragsgegner", "Antragsgegnerin"))
_SIGNATURE_CONTEXT = re.compile(r"(Richter|Vorsitzende|Beisitzer|gez\.|Unterschrift|_{5,}|Die Kammer|Der Senat)")
_CELL_SPLIT = re.compile(r" {2,}|\t+")
_CELL_NAME = re.compile(r"(?:(?:Dr|Prof)\. )*(?:[A-ZÄÖÜ]\. )?(?:(?:von|van|de|zu|von der|von dem|van der|van den) )?"
                        r"[A-ZÄÖÜ][a-zäöüßéèáàçğşı]+(?:-[A-ZÄÖÜ][a-zäöüßéèáàçğşı]+)?"
                        r"(?: [A-ZÄÖÜ][a-zäöüßéèáàçğşı]+(?:-[A-ZÄÖÜ][a-zäöüßéèáàçğşı]+)?)?")


_NAME_LINE_WORD = re.compile(r"(?:Dr|Prof)\.|[A-ZÄÖÜ][a-zäöüßéèáàçğşı]+(?:-[A-ZÄÖÜ][a-zäöüßéèáàçğşı]+)?|"
                             r"von|van|de|zu|der|den")


def _signature_line(lines: list[tuple[int, str]], n: int) -> list[tuple[int, int]]:
    """A single-spaced line of surnames only ("Dr. Kahlert Oltmanns Strzelecki"): judges' signatures.

    Needs three or more name words, or two with a title, a known name or a signature cue in the
    three lines above; every capitalised word must pass the non-name, organisation and noun tests.
    """
    start, line = lines[n]
    words = line.split()
    if not 2 <= len(words) <= 8 or not all(_NAME_LINE_WORD.fullmatch(w) for w in words):
        return []
    names = [w for w in words if w[0].isupper() and w not in ("Dr.", "Prof.")]
    if len(names) < 2 or not words[-1][0].isupper() or any(
            w in lex.NOT_NAMES or w in lex.ORG_WORDS or w in _ROLE_CUES or w in _STRONG or w in _TITLE_WORDS
            or w in lex.STREET_HEADS or _noun_like(w) for w in names):
        return []
    near = "\n".join(other for _, other in lines[max(0, n - 3) : n])
    titled = len(names) < len(words) and any(w in ("Dr.", "Prof.") for w in words)
    if not (len(names) >= 3 or titled or any(_known(w) for w in names) or _SIGNATURE_CONTEXT.search(near)):
        return []
    offset = start + len(line) - len(line.lstrip())
    first = next(i for i, w in enumerate(words) if w not in ("Dr.", "Prof."))
    begin = offset + line.strip().index(words[first]) if first == 0 else offset + len(" ".join(words[:first])) + 1
    return [(begin, start + len(line.rstrip()))]


def _signature_rows(text: str) -> list[tuple[int, int]]:
    """Character ranges of names in signature rows: names several spaces apart on one line.

    Judges sign court decisions with their surnames in one row ("Müller     Dr. Kahl     Brandt").
    A row counts when every cell is a short name and the row is plausibly a signature: a cell is
    a known name or carries a title, the row is among the last five lines of the text, or a
    signature cue (Richter, Vorsitzende, gez., a line of underscores) stands within the three
    lines above or the line below. Table headers ("Datum    Betrag") fail
    because their words are listed as non-names or no cue is near.
    """
    out: list[tuple[int, int]] = []
    lines = [(m.start(), m.group(0)) for m in re.finditer(r"[^\n]+", text)]
    for n, (start, line) in enumerate(lines):
        if "  " not in line and "\t" not in line:
            out += _signature_line(lines, n)
            continue
        stripped = line.strip()
        if not stripped:
            continue
        offset = start + line.index(stripped[0])
        cells, pos = [], 0
        for part in _CELL_SPLIT.split(stripped):
            at = stripped.index(part, pos)
            cells.append((offset + at, part))
            pos = at + len(part)
        if len(cells) < 2 or not all(_CELL_NAME.fullmatch(c) for _, c in cells):
            continue
        words = [w.rstrip(".") for _, c in cells for w in c.split()]
        if any(w in lex.NOT_NAMES or w in lex.ORG_WORDS or w in _ROLE_CUES or w in _STRONG or _noun_like(w)
               for w in words if w[:1].isupper() and len(w) > 1 and w not in ("Dr", "Prof")):
            continue
        near = "\n".join(line for _, line in lines[max(0, n - 3) : n + 2] if line is not lines[n][1])
        titled = any(c.startswith(("Dr.", "Prof.")) for _, c in cells)
        at_end = n >= len(lines) - 5  # decisions end with the judges' signatures
        if any(_known(w) for w in words) or titled or at_end or _SIGNATURE_CONTEXT.search(near):
            for cell_start, cell in cells:
                name = re.sub(r"^(?:(?:Dr|Prof)\. )+", "", cell)
                out.append((cell_start + len(cell) - len(name), cell_start + len(cell)))
    return out


# ------------------------------------------------------------------ initials, case names, authors

_INITIAL_LEADS = frozenset(lex.INITIAL_LEADS)
_PARTY_ENDINGS = tuple(lex.PARTY_ENDINGS)
_LIST_WORDS = frozenset((",", "und", "sowie", "oder"))
_AFTER_INITIAL = frozenset((",", ")", ";", ":", "“", "”", '"', "'", "´", "…", "(", "[", "]", ".", "\n", ""))
_NOT_AFTER_INITIAL = frozenset(("bis",))  # "von A bis Z"
_ARTICLES = frozenset("der die das den dem des ein eine einen einem einer eines".split())
_REFERENCE_CODE = re.compile(r"[A-Z]{0,6}\d+[a-z]?")  # "D4", "E1a", "NK12": cited documents of patent cases


def _lone(toks: _Tokens, i: int) -> bool:
    w = toks.word(i)
    return len(w) == 1 and w.isalpha() and w.isupper()


def _initial_end(toks: _Tokens, i: int) -> int:
    """Last token of the initial(s) at ``i``: "K", "K." or two initials "E. K." read as one person."""
    end = i + 1 if toks.word(i + 1) == "." and toks.adjacent(i, i + 1) else i
    if end > i and _lone(toks, end + 1) and toks.adjacent(end, end + 1) and toks.word(end + 2) == "." \
            and toks.adjacent(end + 1, end + 2):
        end += 2
    return end


def _role_word(word: str) -> bool:
    """A word for a person that published decisions follow with an initial ("der Ohrenzeuge Z")."""
    return word in _PARTY_CUES or (word[:1].isupper() and word.casefold().endswith(_PARTY_ENDINGS))


def _initials(toks: _Tokens) -> list[tuple[int, int]]:
    """Lone capital letters that stand for a person ("an E erkennbar", "die von A erbrachten", "Herr Dr. A").

    Published German decisions anonymise parties, witnesses and relatives to initials, in every
    slot of a sentence. A lone capital counts when it opens or continues a noun phrase (after an
    article, preposition or conjunction, a salutation, a title, a word for a person, another such
    initial in a list, or at the start of a sentence) and is followed by a lower-case word or
    punctuation. Capitals after other nouns ("Anlage K 3", "Variante A ist"), before a number or a
    capitalised word ("der I. Zivilsenat") and "von A bis Z" stay.
    """
    runs: list[tuple[int, int]] = []
    last_end = -5
    i = 0
    while i < len(toks):
        if not _lone(toks, i) or (toks.word(i) == "I" and toks.word(i + 1) != "."):
            i += 1
            continue
        end = _initial_end(toks, i)
        if toks.word(end + 1) == "…" and toks.adjacent(end, end + 1):
            end += 1  # "Patentanwalt K…": the ellipsis stands for the rest of the elided name
        nxt = toks.word(end + 1)
        prev, before = toks.word(i - 1), toks.word(i - 2)
        lower_next = nxt[:1].islower() and nxt not in _NOT_AFTER_INITIAL
        free_next = lower_next or nxt in _AFTER_INITIAL
        cued = (prev in _SALUTATION_WORDS or _role_word(prev)  # role words include "Herren", "Damen"
                or (prev == "." and before in _TITLE_WORDS)
                or (prev in _LIST_WORDS and last_end >= i - 2)
                or (prev == "(" and nxt == ")" and _role_word(before)))  # "der Sachverständige (S)"
        lead = prev in _INITIAL_LEADS or (prev[:1].islower() and len(prev) > 2 and prev not in _LIST_WORDS
                                          and prev not in ("bis", "nach", "vgl"))
        start = prev in ("\n", "") or (prev == "," and nxt not in _LIST_WORDS) or (
            prev == ")" and (before.isdigit() or before.islower())) or (
            prev == "." and before.isalpha() and before.islower() and len(before) > 3)
        # At a sentence start a capital before an article is an enumerated feature ("C eine Messung").
        start = start and lower_next and nxt not in _ARTICLES
        if (cued and free_next) or (lead and free_next) or start:
            runs.append((i, end))
            last_end = end
        i = end + 1
    return runs


def _case_names(toks: _Tokens) -> list[tuple[int, int]]:
    """The applicant of an ECHR-style case name: "im Verfahren Karaçay v. Türkei", "Demir und Baykara v. Türkei"."""
    runs = []
    for i in range(1, len(toks)):
        versus = (toks.word(i) in ("v", "vs") and toks.word(i + 1) == "." and toks.word(i + 2)[:1].isupper()) or (
            toks.word(i) == "." and toks.word(i + 1) == "/" and toks.word(i + 2) == ".")
        if not versus:
            continue
        k, last = i - 1, None
        while k >= 0 and i - k <= 5 and toks.word(k) not in lex.CASE_NAME_WORDS and toks.adjacent(k, k + 1) and (
                toks.is_cap(k) or toks.word(k) in ("und", "and", "&")
                or (toks.word(k).isupper() and toks.word(k).isalpha())):
            last = k if toks.word(k) not in ("und", "and", "&") else last
            k -= 1
        if last is not None and toks.word(last) not in lex.COURT_WORDS:
            runs.append((last, i - 1))
    return runs


def _authors(toks: _Tokens) -> list[tuple[int, int]]:
    """Authors of cited documents: "J. Deubener et al.", "Oberdisse, E., et al.", "D4 Ekström, Å.: High ..."."""
    runs = []
    for i in range(len(toks)):
        if toks.word(i) == "et" and toks.word(i + 1) == "al":
            k, end = i - 1, None
            while k >= 0 and i - k <= 8 and toks.word(k) != "\n":
                w = toks.word(k)
                if w == "." and _lone(toks, k - 1):
                    end = k if end is None else end
                    k -= 2
                elif toks.is_cap(k) or (w.isupper() and w.isalpha() and len(w) > 2):
                    end = k if end is None else end
                    k -= 1
                elif w == "," and end is not None or w == "," and toks.word(k - 1) == ".":
                    k -= 1
                else:
                    break
            first = k + 1
            while first <= (end or -1) and toks.word(first) in (",", "."):
                first += 1
            if end is not None and first <= end:
                runs.append((first, end))
        # "BRADLER, Christian:" / "Ekström, Å.:" after a document code at the start of a line.
        w = toks.word(i)
        if (toks.is_cap(i) or (w.isupper() and w.isalpha() and len(w) > 2)) and toks.word(i + 1) == ",":
            j = i + 2
            end = j + 1 if _lone(toks, j) and toks.word(j + 1) == "." else j if toks.is_cap(j) else None
            code = toks.text[max(0, toks.items[i][1] - 10) : toks.items[i][1]].split()
            if end is not None and toks.word(end + 1) == ":" and code and _REFERENCE_CODE.fullmatch(code[-1]):
                runs.append((i, end))
    return runs


def find_person_names(text: str) -> list[Span]:
    """Person names from cues, gazetteers and propagation within the document (see module doc)."""
    from workbench.governance.pii_rules import Span  # here, not at the top: pii_rules imports this module

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
        if " ".join(words) in lex.PLACEHOLDER_NAMES:
            return  # "Max Mustermann" names no one (see pii_lexicon)
        found.setdefault(run, (source, score))

    def court_after(j: int) -> int:
        """Skip "am Amtsgericht" / "am BGH" after a judge's title."""
        if toks.word(j) in ("am", "beim") and (toks.word(j + 1) in lex.COURT_WORDS
                                               or toks.word(j + 1) in lex.COURT_ABBREVIATIONS):
            return j + 2
        return j

    def name_list(k: int) -> None:
        """Names listed after a judge cue: "die Richter Dr. Achterberg, Quandt und die Richterin Pohl"."""
        while toks.word(k) in (",", "und", "sowie"):
            k += 1
            if toks.word(k) in ("und", "sowie"):
                k += 1
            if toks.word(k) in ("die", "der", "den", "dem", "des") and toks.word(k + 1) in _STRONG:
                k = court_after(k + 2)
            run = toks.take_name(toks.skip_titles(k))
            if run is None:
                return
            add(run, "rule:role-list", 0.8, strong=True)
            k = run[1] + 1

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
            j = court_after(j)  # "Richterin am Amtsgericht Dr. Hülsmann"
            while toks.word(j) in _ROLE_CUES or toks.word(j) in _STRONG or toks.word(j) in _JUDGE_WORDS:
                # "des Vorsitzenden Richters Knoll": the second role word is no name
                j = court_after(j + 1)
            if toks.word(j) not in _SALUTATION_WORDS:  # else the salutation rule takes it
                run = toks.take_name(toks.skip_titles(j))
                # "der Kläger Brückner": a court party followed by one capitalised word that does
                # not read as a noun ("der Kläger Anspruch auf ...") is a surname.
                strong = w in _STRONG or (w in _COURT_PARTIES and run is not None
                                          and not _noun_like(toks.word(run[1])))
                add(run, "rule:role", 0.85, strong=strong)
                if w in _STRONG and run is not None:
                    name_list(run[1] + 1)
            # A name on the line (or before the comma) just before the role: signature blocks.
            if toks.word(i - 1) in ("\n", ",") and toks.word(i + 1) != ":":
                k = i - 2
                while k >= 0 and toks.word(k) == "\n":
                    k -= 1
                end = k
                while k >= 0 and (toks.is_cap(k) or toks.word(k) in lex.NAME_PARTICLES or toks.word(k) in ("-",)):
                    k -= 1
                # A heading ("A. Tatbestand" above "Rechtsanwalt B.") is no signature.
                if end > k and toks.word(k) in ("\n", "", ".") and toks.is_cap(k + 1) \
                        and not any(toks.word(x) in lex.HEADING_WORDS for x in range(k + 1, end + 1)):
                    add((k + 1, end), "rule:name-before-role", 0.8, strong=w in _STRONG)
        elif _first(w) and toks.is_cap(i):
            run = toks.take_name(i)
            if run and run[1] > run[0]:
                add(run, "rule:given-name", 0.85)
            elif w not in lex.AMBIGUOUS_FIRST or toks.word(i - 1) in _GREETINGS:
                add((i, i), "rule:given-name-alone", 0.7)
        elif toks.is_initial(i) and toks.word(i + 2) in lex.SURNAMES:
            add((i, i + 2), "rule:initial", 0.8)
        # "Albrecht, Jonas" in lists and headers
        if toks.is_cap(i) and toks.word(i + 1) == "," and _first(toks.word(i + 2)) and (
                w in lex.SURNAMES or toks.word(i - 1) in ("\n", ":", "", "(", ";") or i == 0
                or toks.word(i + 3) in ("\n", ")", ";", "") or toks.word(i - 1) in lex.NAME_PARTICLES):
            start = i - 1 if toks.word(i - 1) in lex.NAME_PARTICLES and toks.adjacent(i - 1, i) else i
            add((start, i + 2), "rule:surname-comma", 0.85)
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
    for run in _initials(toks):
        found.setdefault(run, ("rule:initial-in-prose", 0.8))
    for run in _case_names(toks) + _authors(toks):
        add(run, "rule:cited-name", 0.8, strong=True)
    for a, b in _signature_rows(text):
        first, last = toks.index_at(a), toks.index_at(b) - 1
        if first <= last:
            found.setdefault((first, last), ("rule:signature-row", 0.8))
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


