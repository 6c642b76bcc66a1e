"""The LER-style sentence generator: German court-decision prose with IOB2 tags for the 19 LER classes.

The sentences follow published German citation conventions (norm citations "§ 3 Abs. 1 Nr. 2
AsylG", "§§ 3 , 4 AsylG", "Art. 2 Abs. 1 i. V. m. Art. 1 Abs. 1 GG"; decisions "BVerwG , Urteil vom
20. Februar 2013 - 10 C 23.12 - , BVerwGE 146 , 67 Rn. 12"; commentaries and journal articles) and
the span conventions of the LER annotation guidelines (Leitner, Rehm, Moreno-Schneider 2019):

* a citation of a decision is one RS entity from the court to the last page or margin number,
  the court included; a court named on its own is GRT;
* a norm chain joined by "i. V. m." is one entity when only the last norm names its law, and
  one entity per norm when each names its own law (the connector is then ``O``);
* "Abs.", "i.", "V.", "m.", "Rn." are tokens of their own; file numbers ("10 C 23.12",
  "IX ZB 12/19") keep their slash or dot; directive numbers are split ("2008 / 115 / EG").

Nothing is copied from LER: entity strings are composed from the word lists in
:mod:`workbench.usecases.legal_ner.lexicon` and the shipped PII lexicon (``workbench.governance.pii_lexicon``); ``../shared`` is never read. About a third of
the sentences carry no entity (LER dev: 57 %) and use the words that look like entities but are
not ("Kläger", "Senat", "FA", "Rn.", "a. a. O.") so that a tagger learns where entities stop.

Usage::

    from workbench.usecases.legal_ner.generator import generate
    words, tags = generate(10, seed=0)[0]
"""

from __future__ import annotations

import random

from workbench.usecases.legal_ner.lexicon import (
    _ANON, _CLAUSE, _ENTSCHEIDUNG, _EU_ACTS, _EU_NAMES, _GERICHTE_ADJ, _GERICHTE_BUND, _GERICHTE_LAND,
    _GERICHTE_ORT, _GERICHT_KURZ, _GESETZE, _GESETZE_LANG, _GESETZE_NAME, _INN, _INN_ORT, _JOIN, _KOMMENTARE,
    _LAENDER_BUND, _LANDSCHAFTEN, _LEAD, _MINISTERIEN, _MONATE, _NOUNS, _NPLAIN, _ORG, _ORG_ORT, _PLAIN,
    _SENATSENT, _SGB, _SILBEN, _STAATEN, _STAEDTE, _SUBJ, _TITEL, _UN_FIX, _UN_FORM, _UN_WORDS, _VERB,
    _VERORDNUNGEN, _VO_LANG, _VS, _VT, _VT_DATIERT, _ZEITSCHRIFTEN, _w,
)

Pair = tuple[str, str]

CLASS_WEIGHTS = {"GS": 20, "RS": 16, "LIT": 7, "GRT": 8, "VT": 6, "INN": 6, "PER": 6, "UN": 4, "RR": 4,
                 "EUN": 4, "LD": 4, "ORG": 4, "ST": 3, "VS": 3, "VO": 3, "MRK": 2, "LDS": 2, "AN": 2, "STR": 2}
"""Relative weight of the lead class of a sentence (LER dev shares, rare classes lifted)."""
EMPTY_SHARE = 0.33
"""Share of sentences without any entity."""


class Writer:
    """One seeded sentence writer; entity methods return ``[(word, tag), ...]``.

    Args:
        seed: Seed of every choice.
        first: First names to draw from.
        last: Surnames to draw from.
    """

    def __init__(self, seed: int, first: list[str], last: list[str]):
        self.rng = random.Random(seed)
        self.first, self.last = first, last

    # ------------------------------------------------------------------ small pieces
    def c(self, seq):
        return self.rng.choice(seq)

    def p(self, x: float) -> bool:
        return self.rng.random() < x

    def n(self, a: int, b: int) -> int:
        return self.rng.randint(a, b)

    def date(self) -> str:
        d, y = self.n(1, 28), self.n(1985, 2023)
        if self.p(0.6):
            return f"{d}. {self.c(_MONATE)} {y}"
        return f"{d}. {self.n(1, 12)}. {y}"

    def surname(self) -> str:
        if self.p(0.6):
            return self.c(self.last)
        # Composed surnames widen the name space beyond the lexicon, so that a tagger must learn
        # the context of a name rather than a list of names.
        if self.p(0.5):
            return (self.c(self.last)[:self.n(3, 5)] + self.c(_w("mann er ner ke feld berg hoff ling s bach l "
                                                                    "ert inger au ow itz"))).capitalize()
        return (self.c(_w("Fie Esch Grä Krö Schö Wal Ber Lin Ha Mo Ster Zie Bra Kna Rie Pö Du Ke")) +
                self.c(_w("back elbach fl hl dner ker zke bold mer stein hardt ski wig ling")))

    def anon(self) -> str:
        return self.c(_ANON) + self.c(["", "", ".", " …", " ..."])

    @staticmethod
    def ent(kind: str, text: str) -> list[Pair]:
        toks = text.split()
        return [(t, ("B-" if i == 0 else "I-") + kind) for i, t in enumerate(toks)]

    @staticmethod
    def o(text: str) -> list[Pair]:
        return [(t, "O") for t in text.split()]

    # ------------------------------------------------------------------ norms
    def law(self) -> str:
        r = self.rng.random()
        if r < 0.12:
            return f"SGB {self.c(_SGB)}"
        if r < 0.22:
            return self.c(_GESETZE_LANG)
        law = self.c(_GESETZE)
        return law + (" " + self.c(["aF", "a. F.", "nF", "n. F."]) if self.p(0.06) else "")

    def para_tail(self, art: bool = False) -> str:
        """Everything after the number: "Abs. 1 Satz 2 Nr. 3" in the common shapes."""
        s = ""
        if self.p(0.65):
            s += f" {self.c(['Abs.', 'Abs.', 'Abs.', 'Abs'])} {self.n(1, 8)}"
            if self.p(0.12):
                s += f" {self.c(['und', ','])} {self.n(2, 9)}"
        if self.p(0.35):
            s += f" {self.c(['Satz', 'Satz', 'S.'])} {self.n(1, 4)}"
        if self.p(0.25):
            s += f" {self.c(['Nr.', 'Nr.', 'Nr'])} {self.n(1, 12)}"
            if self.p(0.2):
                s += f" {self.c(['Buchst.', 'lit.', 'Buchstabe'])} {self.c('abcdef')}"
                s += f" Doppelbuchstabe {self.c(['aa', 'bb', 'cc'])}" if self.p(0.2) else ""
        if self.p(0.06):
            s += f" {self.c(['Hs.', 'Halbsatz', 'Alt.'])} {self.n(1, 2)}"
        return s

    def norm_core(self) -> str:
        """A provision without its law: "§ 60 Abs. 5" or "Art. 12 Abs. 1 Satz 1"."""
        if self.p(0.8):
            num = f"{self.n(1, 400)}{self.c(['', '', '', '', 'a', 'b', 'c'])}"
            return f"§ {num}{self.para_tail()}"
        return f"Art. {self.n(1, 146)}{self.para_tail(True)}"

    def gs_text(self) -> str:
        r = self.rng.random()
        if r < 0.55:
            return f"{self.norm_core()} {self.law()}"
        if r < 0.63:
            return f"Art. {self.n(1, 20)}{self.para_tail(True)} GG"
        if r < 0.71:  # several sections of one law
            a = self.n(1, 300)
            form = self.c([f"§§ {a} , {a + self.n(1, 5)}", f"§§ {a} ff.", f"§§ {a} bis {a + self.n(2, 9)}",
                           f"§ {a} f.", f"§§ {a} und {a + self.n(1, 5)}", f"§§ {a} , {a + 1} , {a + self.n(2, 6)}",
                           f"§ {a} ff."])
            return f"{form} {self.law()}"
        if r < 0.79:  # one entity: only the last provision names its law
            conn = self.c(["i. V. m.", "i. V. m.", "iVm", "in Verbindung mit", "und", ","])
            return f"{self.norm_core()} {conn} {self.norm_core()} {self.law()}"
        if r < 0.83:
            return f"{self.norm_core()} , {self.c(['Abs.', 'Satz'])} {self.n(2, 5)} {self.law()}"
        if r < 0.86:  # a list of provisions of one law stays one entity
            return f"{self.norm_core()} , {self.norm_core()} {self.c(['sowie', 'und'])} {self.norm_core()} {self.law()}"
        if r < 0.92:
            return self.c(_GESETZE_NAME) if self.p(0.5) else self.law()
        return f"{self.norm_core()} {self.law()} {self.c(['a. F.', 'aF', 'nF'])}"

    def vo_text(self) -> str:
        r = self.rng.random()
        if r < 0.55:
            return f"{self.norm_core()} {self.c(_VERORDNUNGEN)}"
        if r < 0.75:
            return f"{self.norm_core()} der {self.c(_VO_LANG)}"
        return self.c(_VERORDNUNGEN + _VO_LANG)

    def eun_text(self) -> str:
        r = self.rng.random()
        if r < 0.4:
            return f"Art. {self.n(1, 360)}{self.para_tail(True)} {self.c(_EU_ACTS)}"
        if r < 0.6:
            kind = self.c(["Richtlinie", "Verordnung ( EU ) Nr.", "Verordnung ( EG ) Nr.", "RL"])
            num = f"{self.n(1995, 2020)} / {self.n(1, 120)} / {self.c(['EG', 'EU', 'EWG'])}" \
                if kind in ("Richtlinie", "RL") else f"{self.n(1, 2000)} / {self.n(1995, 2020)}"
            pre = f"Art. {self.n(1, 40)}{self.para_tail(True)} der " if self.p(0.5) else ""
            if self.p(0.3):  # the full title of an EU act includes its date and subject
                num += f" des {self.c(['Europäischen Parlaments und des Rates', 'Rates'])} vom {self.date()}"
                num += self.c(["", " über den Schutz der Arbeitnehmer", " zu gemeinsamen Verfahren",
                               " über amtliche Kontrollen", " zur Koordinierung der Systeme der sozialen Sicherheit"])
            return f"{pre}{kind} {num}"
        if r < 0.7:
            return self.c(_EU_NAMES)
        if r < 0.8:
            return f"{self.c(['VO', 'VO ( EWG )', 'VO ( EG )'])} Nr. {self.n(1, 2000)}/{self.n(60, 99)}"
        return f"Art. {self.n(1, 50)} {self.c(['ZP 1 EMRK', 'EMRK', 'GRCh', 'der Charta'])}"

    # ------------------------------------------------------------------ decisions
    def aktenzeichen(self, court: str) -> str:
        n, y = self.n(1, 999), self.n(0, 23)
        yy = f"{y:02d}"
        roman = self.c(_SGB)
        forms = {
            "bgh": [f"{roman} ZR {n}/{yy}", f"{roman} ZB {n}/{yy}", f"{self.n(1, 6)} StR {n}/{yy}",
                    f"{roman} ZA {n}/{yy}", f"AnwZ ( Brfg ) {n}/{yy}"],
            "bverfg": [f"{self.n(1, 2)} BvR {n}/{yy}", f"{self.n(1, 2)} BvL {n}/{yy}", f"2 BvE {n}/{yy}"],
            "bverwg": [f"{self.n(1, 10)} {self.c(['C', 'B', 'CN', 'WD', 'WB', 'A'])} {n}.{yy}"],
            "bfh": [f"{roman} {self.c(['R', 'B', 'S'])} {n}/{yy}"],
            "bsg": [f"B {self.n(1, 14)} {self.c(['AS', 'KR', 'SB', 'EG', 'U', 'R', 'AL', 'SO', 'KA', 'P'])} {n}/{yy} "
                    f"{self.c(['R', 'B', 'R', 'BH'])}"],
            "bag": [f"{self.n(1, 10)} {self.c(['AZR', 'ABR', 'AZB', 'AZN'])} {n}/{yy}"],
            "eugh": [f"C- {n}/{yy}", f"C-{n}/{yy}", f"T- {n}/{yy}"],
            "other": [f"{self.n(1, 30)} {self.c(['U', 'W', 'K', 'A', 'L', 'S', 'Sa', 'O', 'Ss', 'B', 'E'])} {n}/{yy}",
                      f"L {self.n(1, 20)} AS {n}/{yy}", f"{self.n(1, 20)} K {n}/{yy}.A", f"{self.n(1, 20)} A {n}/{yy}"],
        }
        return self.c(forms.get(court, forms["other"]))

    def fundstelle(self) -> str:
        r = self.rng.random()
        if r < 0.3:
            return f"juris {self.c(['Rn.', 'Rn.', 'RdNr', 'Rz.'])} {self.n(2, 90)}"
        if r < 0.45:
            return "juris"
        if r < 0.75:
            rep = self.c(["BVerfGE", "BGHZ", "BGHSt", "BVerwGE", "BSGE", "BAGE", "BFHE"])
            return f"{rep} {self.n(1, 160)} , {self.n(1, 400)}" + self.c(["", f" Rn. {self.n(2, 60)}", f" , {self.n(1, 400)}"])
        return f"{self.c(_ZEITSCHRIFTEN)} {self.n(1985, 2023)} , {self.n(1, 3000)}" + \
            self.c(["", f" , {self.n(1, 3000)}", f" Rn. {self.n(2, 60)}", f" ( {self.n(1, 3000)} )"])

    def rs_text(self) -> str:
        r = self.rng.random()
        if r < 0.45:
            short = self.c(list(_GERICHT_KURZ) + ["EuGH", "OLG " + self.c(_STAEDTE), "OVG " + self.c(_LAENDER_BUND),
                                                   "VGH " + self.c(_LAENDER_BUND), "LSG " + self.c(_LAENDER_BUND),
                                                   "VG " + self.c(_STAEDTE), "LG " + self.c(_STAEDTE), "Senat"])
            court = _GERICHT_KURZ.get(short, "eugh" if short == "EuGH" else "other")
            h = self.rng.random()
            if short == "Senat":
                head = self.c([f"{self.c(_SENATSENT)} vom {self.date()}", f"Urteil des Senats vom {self.date()}",
                               f"Beschluss des Senats vom {self.date()}"])
            elif h < 0.55:
                head = f"{short} , {self.c(_ENTSCHEIDUNG)} vom {self.date()}"
            elif h < 0.7:  # BAG style: court and date only
                head = f"{short} {self.date()}"
            elif h < 0.85:
                head = f"{self.c(_ENTSCHEIDUNG)} des {short} vom {self.date()}"
                if self.p(0.4):
                    return f"{head} ( {self.aktenzeichen(court)} )"
            elif court == "bverfg":
                head = f"BVerfG , Beschluss der {self.n(1, 3)}. Kammer des {self.c(['Ersten', 'Zweiten'])} Senats vom {self.date()}"
            else:
                head = f"{short} , {self.c(_ENTSCHEIDUNG)} vom {self.date()}"
            s = f"{head} - {self.aktenzeichen(court)}"
            tail = self.rng.random()
            if tail < 0.1 and court in ("bag", "bfh", "bsg", "bgh"):
                return s + f" - zu {self.c(['I', 'II', 'III', 'B II'])} {self.n(1, 4)} {self.c('abcd')} der Gründe , {self.fundstelle()}"
            if tail < 0.35:
                return s + " -"
            if tail < 0.75:
                return s + f" - , {self.fundstelle()}"
            return s + f" {self.c(['-', ','])} {self.fundstelle()}"
        if r < 0.55:
            kind = self.c(["BFH-Urteil", "BFH-Beschluss", "BAG-Urteil", "BGH-Urteil"])
            return f"{kind} vom {self.date()} {self.aktenzeichen('bfh')} , BFHE {self.n(100, 270)} , {self.n(1, 500)}" \
                + self.c(["", f" , BStBl II {self.n(1990, 2023)} , {self.n(1, 999)}"])
        if r < 0.62:  # several volumes of one report series: one entity ("BVerfGE 5 , 22 < 24 > ; 62 , 392")
            rep = self.c(["BVerfGE", "BVerfGE", "BGHZ", "BVerwGE", "BSGE"])
            parts = []
            for _ in range(self.n(2, 4)):
                page = self.n(1, 400)
                parts.append(f"{self.n(1, 160)} , {page}" + self.c(["", f" < {page + self.n(1, 9)} >",
                                                                      f" < {page + self.n(1, 9)} f. >", f" < {page + 2} ff. >"]))
            return f"{rep} " + " ; ".join(parts)
        if r < 0.66:
            return self.c([f"{self.c(['BFH-Urteil', 'BFH-Beschluss'])} in BFHE {self.n(100, 270)} , {self.n(1, 900)}"
                           f" , BStBl II {self.n(1990, 2023)} , {self.n(1, 999)}",
                           f"{self.c(['BFH-Urteil in ', 'BFH-Beschluss in ', ''])}BFH / NV {self.n(1990, 2023)} , {self.n(1, 2000)}",
                           f"SozR {self.c(['3', '4'])} - {self.n(1000, 7999)} § {self.n(1, 200)}{self.c(['', 'a', 'b'])} Nr "
                           f"{self.n(1, 40)} {self.c(['S', 'RdNr'])} {self.n(1, 40)}{self.c(['', ' ff', ' f'])}"])
        if r < 0.78:
            rep = self.c(["BVerfGE", "BVerfGE", "BGHZ", "BGHSt", "BVerwGE", "BSGE", "BAGE", "BFHE"])
            s = f"{rep} {self.n(1, 160)} , {self.n(1, 400)}"
            return s + self.c(["", f" < {self.n(1, 400)} >", f" , {self.n(1, 400)}", f" Rn. {self.n(2, 60)}",
                               f" , {self.n(1, 400)} f.", f" = SozR 4 - {self.n(1000, 7999)} § {self.n(1, 200)} Nr {self.n(1, 40)}"])
        if r < 0.86:
            return f"BSG SozR {self.c(['4', '3', '1500', '2200'])} - {self.n(1000, 7999)} § {self.n(1, 200)} Nr " \
                   f"{self.n(1, 40)}" if self.p(0.6) else f"BSG SozR {self.n(1000, 5000)} § {self.n(1, 200)} Nr {self.n(1, 40)}"
        if r < 0.95:
            return f"{self.c(_ZEITSCHRIFTEN)} {self.n(1985, 2023)} , {self.n(1, 3000)}" + self.c(
                ["", f" , {self.n(1, 3000)}", f" Rn. {self.n(2, 60)}", f" ( {self.n(1, 3000)} )"])
        return f"EGMR , Urteil vom {self.date()} - {self.n(1000, 99999)}/{self.n(0, 23):02d} -" + self.c(
            ["", f" , {self.surname()} ./. {self.c(_STAATEN)}"])

    # ------------------------------------------------------------------ literature
    def lit_text(self) -> str:
        r = self.rng.random()
        auth = self.surname()
        aufl = f"{self.n(2, 82)}. Aufl."
        year = self.n(1990, 2023)
        where = f"§ {self.n(1, 400)} {self.c(['Rn.', 'Rn.', 'Rz', 'Rdnr.', 'RdNr'])} {self.n(1, 120)}"
        where += self.c(["", "", " ff.", " f.", f" , {self.n(1, 120)}"])
        if r < 0.22:
            comm, law = self.c(_KOMMENTARE)
            return f"{comm} / {auth} , {law} , {aufl}{self.c(['', f' {year}'])} , {where}"
        if r < 0.38:
            comm, law = self.c(_KOMMENTARE)
            stand = f"Stand {self.c(_MONATE)} {year} , " if self.p(0.25) else self.c([aufl + ' ' + str(year) + ' , ', ''])
            return f"{auth} {self.c(['in', 'in', 'in :', ', in :'])} {comm} , {law} , {stand}{where}"
        if r < 0.62:
            page = self.n(1, 3000)
            return f"{auth} , {self.c(_ZEITSCHRIFTEN)} {year} , {self.c(['', 'S. '])}{page}" + self.c(
                ["", f" ( {page + self.n(1, 9)} )", f" < {page + self.n(1, 9)} >", f" , {page + self.n(1, 9)} f.",
                 f" , {page + self.n(1, 9)}"])
        if r < 0.74:
            return f"{auth} , {self.c(_TITEL)} , {aufl} {self.c(['', str(year) + ' ,'])} {self.c(['Rn.', 'S.', '§ 3 Rn.'])} {self.n(1, 900)}"
        if r < 0.86:
            return f"{self.c(['BT-Drucks', 'BT-Drucks.', 'BT-Drs.', 'BR-Drucks', 'BR-Drs.'])} {self.n(8, 20)}/{self.n(1, 9999)}" \
                   f"{self.c(['', f' , S. {self.n(1, 200)}', f' S {self.n(1, 200)}', f' , {self.n(1, 200)} f.'])}"
        if r < 0.93:
            return f"{auth} , {self.c(['aaO', 'a. a. O.', 'a.a.O.'])} , {self.c(['', 'Rn. ', 'S. '])}{self.n(1, 900)}"
        return f"{auth} / {self.surname()} , {self.c(_TITEL)} , {year} , S. {self.n(1, 900)}"

    # ------------------------------------------------------------------ names and places
    def per_text(self) -> str:
        r = self.rng.random()
        if r < 0.45:
            return self.anon()
        if r < 0.65:
            return self.surname()
        if r < 0.9:
            return f"{self.c(self.first)} {self.surname()}"
        return f"{self.surname().upper()} , {self.c(self.first)}"

    def grt_text(self) -> str:
        r = self.rng.random()
        if r < 0.4:
            return self.c(_GERICHTE_BUND)
        if r < 0.65:
            return f"{self.c(_GERICHTE_ORT)} {self.c(_STAEDTE) if self.p(0.85) else self.anon()}"
        if r < 0.85:
            return f"{self.c(_GERICHTE_LAND)} {self.c(_LAENDER_BUND)}"
        return self.c(_GERICHTE_ADJ)

    def inn_text(self) -> str:
        if self.p(0.15):
            return f"{self.c(_MINISTERIEN)} des {self.c(['Landes', 'Freistaates'])} {self.c(_LAENDER_BUND)}"
        if self.p(0.7):
            return self.c(_INN + ["BA", "Luftwaffe", "Bundesministeriums der Verteidigung", "Bundesministeriums der Finanzen"])
        return f"{self.c(_INN_ORT)} {self.c(_STAEDTE) if self.p(0.8) else self.anon()}"

    def org_text(self) -> str:
        return self.c(_ORG) if self.p(0.8) else f"{self.c(_ORG_ORT)} {self.c(_STAEDTE)}"

    def un_text(self) -> str:
        r = self.rng.random()
        form = self.c(_UN_FORM)
        if r < 0.25:
            return f"{self.c(_ANON)} {self.c(['…', '...', ''])} {form}".replace("  ", " ")
        if r < 0.4:
            return f"{self.c(_ANON)}-{self.c(['GmbH', 'AG', 'KG', 'Bank', 'Partnership'])}"
        if r < 0.65:
            return f"{self.c(_UN_WORDS)} {self.c(['', 'Bau ', 'Logistik ', 'Immobilien ', 'Handels '])}{form}"
        if r < 0.8:
            return f"{self.surname()} {self.c(['& ' + self.surname() + ' ', ''])}{form}"
        return self.c(_UN_FIX) + (f" {self.c(_STAEDTE)}" if self.p(0.2) else "")

    def mrk_text(self) -> str:
        word = "".join(self.c(_SILBEN) for _ in range(self.n(2, 3)))
        word = word.upper() if self.p(0.4) else word.capitalize()
        if self.p(0.2):
            word += " " + self.c(["Plus", "Spray", "Kontor", "Slim", "Max", "Energy"])
        return f"„ {word} “" if self.p(0.3) else word

    def vt_text(self) -> str:
        r = self.rng.random()
        if r < 0.35:
            return self.c(_VT)
        if r < 0.6:
            return f"{self.c(_VT_DATIERT)} vom {self.date()}"
        if r < 0.85:
            return f"§ {self.n(1, 60)}{self.para_tail()} {self.c(['TV-L', 'TVöD', 'BAT', 'MTV', 'TV-N', 'AVR', 'BMT-G'])}"
        return f"§ {self.n(1, 30)} des {self.c(['Arbeitsvertrags', 'Mietvertrags', 'Gesellschaftsvertrags', 'Tarifvertrags'])}"

    def vs_text(self) -> str:
        r = self.rng.random()
        if r < 0.3:
            return f"BMF-Schreiben vom {self.date()} {self.c(['', ', ', '( '])}BStBl I {self.n(1990, 2023)} , {self.n(1, 2000)}" \
                .replace("( BStBl", "( BStBl") + self.c(["", f" , Rz {self.n(1, 90)}"])
        if r < 0.55:
            return f"{self.c(['Nr.', 'R', 'Tz.'])} {self.n(1, 300)}{self.c(['', '.' + str(self.n(1, 9))])}" \
                   f"{self.c(['', f' Abs. {self.n(1, 5)}'])} {self.c(_VS)}"
        if r < 0.7:
            return f"ZDv {self.c(_ANON)}- {self.n(100, 2999)}/{self.n(1, 99)}"
        if r < 0.85:
            return self.c(["Satzung der Stadt", "Gebührensatzung der Stadt", "Abfallsatzung der Stadt",
                           "Polizeiverordnung der Stadt", "Hundesteuersatzung der Stadt"]) + " " + self.c(_STAEDTE)
        return self.c(["Bebauungsplan Nr.", "Prüfungsordnung", "Studienordnung", "Beihilfevorschriften",
                       "Verwaltungsvorschrift", "Richtlinie des Landes"]) + " " + str(self.n(1, 99))

    def text_of(self, kind: str) -> str:
        """Plain text of one entity of fine class ``kind`` (tokens separated by spaces)."""
        fn = {"GS": self.gs_text, "VO": self.vo_text, "EUN": self.eun_text, "RS": self.rs_text,
              "LIT": self.lit_text, "PER": self.per_text, "RR": self.surname, "AN": self.per_text,
              "GRT": self.grt_text, "INN": self.inn_text, "ORG": self.org_text, "UN": self.un_text,
              "MRK": self.mrk_text, "VT": self.vt_text, "VS": self.vs_text,
              "LD": lambda: self.c(_STAATEN + _LAENDER_BUND[:16]),
              "ST": lambda: self.c(_STAEDTE) if self.p(0.75) else self.anon(),
              "LDS": lambda: self.c(_LANDSCHAFTEN),
              "STR": lambda: self.c([f"{self.c(_ANON)}straße", f"{self.c(_ANON)}-Straße", f"{self.c(self.last)}straße",
                                     f"{self.c(self.last)}weg {self.n(1, 99)}", f"Bundesstraße {self.n(1, 500)}",
                                     f"B {self.n(1, 500)}", f"A {self.n(1, 99)}", f"{self.c(self.last)}platz"])}
        if kind == "RR" and self.p(0.15):
            return f"{self.c(_ANON)}. {self.surname()}"
        if kind == "AN" and self.p(0.5):
            return self.anon()
        return fn[kind]()

    def entity(self, kind: str) -> list[Pair]:
        return self.ent(kind, self.text_of(kind))

    # ------------------------------------------------------------------ citations and chains
    def rs_series(self) -> list[Pair]:
        """"BAG 21. März 2017 - 7 AZR 222/15 - Rn. 28 ; 15. Mai 2012 - 7 AZR 35/11 -": one RS entity per
        decision; the later ones start with their date (the court is named once)."""
        court = self.c(list(_GERICHT_KURZ))
        key = _GERICHT_KURZ[court]
        out: list[Pair] = []
        for i in range(self.n(2, 3)):
            rn = self.c(["", f" Rn. {self.n(2, 60)}", f" - {self.fundstelle()}"])
            text = f"{self.date()} - {self.aktenzeichen(key)} -{rn}"
            out += (self.o(self.c([";", ";", "und"])) if i else []) + self.ent("RS", f"{court} {text}" if i == 0 else text)
        return out

    def cite_item(self) -> list[Pair]:
        if self.p(0.08):
            return self.rs_series()
        kind = self.c(["RS", "RS", "RS", "RS", "LIT", "LIT", "GS"])
        return self.entity(kind)

    def citation(self) -> list[Pair]:
        """"( vgl. X ; Y ; stRspr )": one to three citations in parentheses."""
        out = self.o("(") + self.o(self.c(["vgl.", "vgl.", "vgl.", "vgl", "so", "siehe", "s.", "ebenso", "vgl. nur",
                                           "vgl. zuletzt", "vgl. etwa", "st. Rspr. ; vgl.", "grundlegend", ""]))
        for i in range(self.n(1, 3)):
            if i:
                out += self.o(self.c([";", ";", "; vgl. auch", "; ferner", "; so auch", "; zuletzt", ", bestätigt durch"]))
            out += self.cite_item()
        out += self.o(self.c(["", "", "", "m. w. N.", "mwN", "; stRspr", "; st. Rspr.", ", jeweils m. w. N."]))
        return out + self.o(")")

    def chain(self) -> list[Pair]:
        """Two norms that each name their own law: one entity each, the connector outside."""
        a, b = self.c(["GS", "GS", "GS", "VO", "EUN"]), self.c(["GS", "GS", "VO", "EUN"])
        return self.entity(a) + self.o(self.c(["i. V. m.", "iVm", "in Verbindung mit", "und", "bzw.", "sowie", ",", "oder"])) \
            + self.entity(b)


def _frames() -> dict[str, list[str]]:
    """Sentence frames per lead class: ``{X}`` is an entity of fine class X, ``{CITE}`` a citation in
    parentheses, ``{CHAIN}`` two norms, ``{DATE}`` a date, ``{NORM}`` any norm-like entity."""
    return {
        "GS": ["Nach {GS} ist die Klage zulässig .", "Gemäß {GS} hat der Kläger einen Anspruch auf Erstattung der Kosten .",
               "Der Anspruch folgt aus {GS} .", "Die Voraussetzungen des {GS} liegen nicht vor .",
               "Das Berufungsgericht hat {GS} verletzt .", "Die Revision rügt eine Verletzung von {GS} .",
               "Die Beklagte ist nach {CHAIN} zur Zahlung verpflichtet .", "Dies folgt aus {CHAIN} {CITE} .",
               "Eine Rechtsgrundlage für den Bescheid ergibt sich weder aus {GS} noch aus {GS} .",
               "Maßgeblich ist insoweit {GS} in der zum Zeitpunkt der Entscheidung geltenden Fassung .",
               "Die Frist des {GS} ist gewahrt .", "Der Antrag ist nach {GS} statthaft , aber unbegründet .",
               "Dem steht {GS} nicht entgegen {CITE} .", "Ein Abschiebungsverbot nach {GS} besteht nicht .",
               "Die Kostenentscheidung beruht auf {GS} , die Entscheidung über die vorläufige Vollstreckbarkeit auf {GS} .",
               "Die Revision ist nicht zuzulassen , weil keiner der in {GS} genannten Gründe vorliegt .",
               "Das Grundrecht aus {GS} schützt auch die Freiheit , {GS} bleibt unberührt .",
               "Der Streitwert wird nach {GS} festgesetzt .", "Er ist ein Ausländer im Sinne des {GS} .",
               "Die Tat ist als Betrug ( {GS} ) strafbar .", "Diese Auslegung verstößt gegen {GS} {CITE} .",
               "a ) Nach {GS} kann das Gericht von einer weiteren Begründung absehen .",
               "Ob die Voraussetzungen des {GS} erfüllt sind , kann offenbleiben ."],
        "VO": ["Nach {VO} ist eine Ausnahme möglich .", "Die Anlage widerspricht {VO} .",
               "Ein Verstoß gegen {VO} liegt nicht vor .", "Die Zustimmung richtet sich nach {VO} und {GS} .",
               "Die Erlaubnis war nach {VO} zu versagen {CITE} ."],
        "EUN": ["Maßgeblich ist {EUN} .", "Das Gericht legt dem EuGH die Frage nach der Auslegung von {EUN} vor .",
                "Eine Verletzung von {EUN} ist nicht ersichtlich .", "Dies ist mit {EUN} vereinbar {CITE} .",
                "Der Kläger beruft sich auf {EUN} und {GS} ."],
        "RS": ["Dies entspricht der ständigen Rechtsprechung {CITE} .", "Der Senat hält daran fest {CITE} .",
               "Davon ist auch das Berufungsgericht ausgegangen {CITE} .",
               "So hat der Senat bereits entschieden ( {RS} ) .", "Nach {RS} ist dies nicht erforderlich .",
               "Die Frage ist geklärt ( {RS} ; {RS} ) .", "Anders liegt es nur in dem Fall , der {RS} zugrunde lag .",
               "Hieran hält die Rechtsprechung fest ( vgl. {RS} m. w. N. ) .",
               "Zwar hat das {GRT} in {RS} eine andere Auffassung vertreten ; dem folgt der Senat aber nicht .",
               "Auf die Ausführungen in {RS} wird Bezug genommen .", "{RS} .",
               "Das Urteil weicht nicht von {RS} ab ."],
        "LIT": ["So auch {LIT} .", "Der Senat folgt insoweit der herrschenden Meinung {CITE} .",
                "Im Schrifttum wird dies überwiegend abgelehnt ( {LIT} ; {LIT} ) .",
                "Nach anderer Ansicht genügt bereits die Anzeige ( {LIT} ) .",
                "Dies ist in der Literatur umstritten ( vgl. {LIT} ; a. A. {LIT} ) .",
                "Zur Begründung verweist der Gesetzgeber auf die Materialien ( {LIT} ) ."],
        "GRT": ["Dies hat das {GRT} bereits entschieden {CITE} .", "Insoweit hat der {GRT} die {N} offengelassen .",
                "Wie das {GRT} zutreffend ausgeführt hat , fehlt es an einer {N} .","{GRT} , {GRT} und {GRT} haben diese Frage unterschiedlich beantwortet .", "( {GRT} )",
                "Das hat auch der {GRT} so gesehen .", "Die Rechtsprechung des {GRT} ist insoweit uneinheitlich .",
                "{GRT} :", "Ebenso {GRT} und {GRT} {CITE} .", "Die {N} wurde vom {GRT} bestätigt .","Das {GRT} hat die Klage mit Urteil vom {DATE} abgewiesen .",
                "Gegen das Urteil des {GRT} wendet sich die Revision .",
                "Das {GRT} hat der Berufung stattgegeben .", "Der {GRT} hat die Sache an das {GRT} zurückverwiesen .",
                "Die Beschwerde gegen den Beschluss des {GRT} ist zulässig .",
                "Nach der Rechtsprechung des {GRT} {CITE} kommt es hierauf nicht an .",
                "Richter am {GRT} {RR} ist wegen Urlaubs an der Unterschrift gehindert .",
                "Das {GRT} hat das Verfahren ausgesetzt und die Frage dem {GRT} vorgelegt .",
                "Die Sache wird zur erneuten Verhandlung und Entscheidung an das {GRT} zurückverwiesen ."],
        "PER": ["Herrn {PER} wurde die {N} zugestellt .", "Die Aussage von Frau {PER} ist glaubhaft .",
                "Der Angeklagte {PER} schlug den Geschädigten {PER} .","{PER} hat die {N} nicht erhalten .", "Die Angaben von {PER} sind glaubhaft .",
                "{PER} , {PER} und {PER} waren in der Wohnung .", "Der Mitangeklagte {PER} ließ sich nicht ein .",
                "Die Geschädigte {PER} erlitt eine {N} .", "Das Kind {PER} lebt bei der Mutter .","Der Angeklagte {PER} wurde am {DATE} festgenommen .", "Die Zeugin {PER} hat bekundet , sie habe den Angeklagten gesehen .",
                "Der Zeuge {PER} hat die Aussage verweigert .", "{PER} und {PER} waren Gesellschafter der {UN} .",
                "Herr {PER} war bei der Beklagten als Kraftfahrer beschäftigt .",
                "Frau {PER} ist die Mutter des Klägers .", "Der Geschäftsführer {PER} unterzeichnete den Vertrag .",
                "Nach der Tat fuhren {PER} und {PER} gemeinsam nach {ST} .", "Der Erblasser {PER} verstarb am {DATE} ."],
        "RR": ["{RR}", "{RR}", "{RR}", "{RR}", "{RR} {RR} {RR}", "Die Richter {RR} , {RR} und {RR} haben beschlossen :",
               "Vorsitzender Richter {RR} ist wegen Krankheit verhindert .", "Richterin am {GRT} {RR} ist im Urlaub ."],
        "AN": ["Die Klägerin wird durch Rechtsanwalt {AN} vertreten .", "Prozessbevollmächtigter : Rechtsanwalt {AN}",
               "Der Verteidiger , Rechtsanwalt {AN} , beantragte Freispruch .",
               "Patentanwalt {AN} hat die Anmeldung eingereicht .", "Rechtsanwältin {AN} legte Berufung ein ."],
        "INN": ["{INN} und {INN} haben sich geäußert .", "Die {N} des {INN} ist nicht zu beanstanden .","Das {INN} lehnte den Antrag mit Bescheid vom {DATE} ab .", "Die Beklagte , die {INN} , hält den Bescheid für rechtmäßig .",
                "Der Kläger beantragte beim {INN} die Gewährung von Leistungen .",
                "Das {INN} setzte die Einkommensteuer auf {NUM} Euro fest .",
                "Die Entscheidung des {INN} ist bestandskräftig .", "Der {INN} hat Anklage erhoben ."],
        "ORG": ["Der {ORG} hat die Änderung beschlossen .", "Die Klägerin ist Mitglied der {ORG} .",
                "Die {ORG} hat eine Stellungnahme abgegeben .", "Nach der Satzung der {ORG} ist dies ausgeschlossen ."],
        "UN": ["Die Beklagte , die {UN} , vertreibt Fahrzeuge .", "Die Klägerin war bei der {UN} beschäftigt .",
               "Die {UN} hat ihren Sitz in {ST} .", "Die {UN} kaufte von der {UN} Waren im Wert von {NUM} Euro .",
               "Über das Vermögen der {UN} wurde am {DATE} das Insolvenzverfahren eröffnet ."],
        "MRK": ["Die Widerspruchsmarke {MRK} ist für Waren der Klasse {NUM} eingetragen .",
                "Die angegriffene Marke {MRK} ist der älteren Marke {MRK} nicht ähnlich .",
                "Die Beklagte vertreibt unter der Bezeichnung {MRK} Getränke .",
                "Das angemeldete Zeichen {MRK} ist nicht unterscheidungskräftig ."],
        "VT": ["Die Parteien schlossen den {VT} .", "Nach dem {VT} schuldet die Beklagte das Entgelt .",
               "Auf das Arbeitsverhältnis findet der {VT} Anwendung .", "Der Anspruch folgt aus {VT} .",
               "Die Eingruppierung richtet sich nach {VT} {CITE} .", "Im {VT} ist eine Ausschlussfrist vereinbart ."],
        "VS": ["Die Gebühr beruht auf der {VS} .", "Nach {VS} ist dies zulässig .",
               "Die Finanzverwaltung vertritt eine andere Ansicht ( {VS} ) .",
               "Das Vorhaben widerspricht den Festsetzungen im {VS} ."],
        "LD": ["Er ist in der {LD} geboren .", "Die Lage in der {LD} hat sich verschlechtert .",
               "Sie kehrte nach {LD} zurück , weil die {N} abgelaufen war .", "Die {N} der {LD} ist nicht anerkannt .","{LD}", "Die Lage in {LD} , {LD} und {LD} ist vergleichbar .", "In {LD} gilt eine andere {N} .",
               "Er lebte bis {YEAR} in {LD} und kehrte dann nach {LD} zurück .", "Die Beziehungen zwischen {LD} und {LD} .","Der Antragsteller ist Staatsangehöriger von {LD} .", "Er reiste über {LD} nach {LD} ein .",
               "Die Lage in {LD} hat sich nicht verändert .", "Dem Kläger droht in {LD} keine Verfolgung ."],
        "ST": ["Der Kläger wohnt in {ST} .", "Die Tat ereignete sich in {ST} .",
               "Der Angeklagte fuhr von {ST} nach {ST} .", "Sie zog im Jahr {YEAR} nach {ST} ."],
        "LDS": ["Das Grundstück liegt im {LDS} .", "Die Familie stammt aus {LDS} .", "Er verbrachte den Urlaub im {LDS} ."],
        "STR": ["Der Kläger wohnt in der {STR} in {ST} .", "Der Unfall ereignete sich auf der {STR} .",
                "Das Grundstück liegt an der {STR} ."],
    }


def _plain(w: Writer) -> list[Pair]:
    """A sentence without entities, from a small grammar over court prose."""
    r = w.rng.random()
    if r < 0.25:
        return _fill(w, w.c(_PLAIN))
    if r < 0.55:
        return _fill(w, w.c(_NPLAIN))
    lead = w.c(_LEAD)
    out = w.o(lead) if lead and lead[0].isdigit() or lead.endswith(")") else []
    out += w.o(f"{w.c(_SUBJ)} {w.c(_VERB)} {w.c(_CLAUSE)}")
    if w.p(0.4):
        out += w.o(f"{w.c(_JOIN)} {w.c(_CLAUSE)}")
    return out + w.o(".")


def _fill(w: Writer, frame: str) -> list[Pair]:
    out: list[Pair] = []
    for tok in frame.split():
        if tok.startswith("{") and tok.endswith("}"):
            kind = tok[1:-1]
            if kind == "CITE":
                out += w.citation()
            elif kind == "CHAIN":
                out += w.chain()
            elif kind == "DATE":
                out += w.o(w.date())
            elif kind == "NUM":
                out += w.o(str(w.n(1, 99999) if w.p(0.5) else w.n(1, 99)))
            elif kind == "GS" and w.p(0.15):  # norms that each name their law: one entity each
                out += w.chain()
            elif kind == "N":
                out.append((w.c(_NOUNS), "O"))
            elif kind == "MONEY":
                out += w.o(w.c([f"{w.n(1, 999)}.{w.n(100, 999)},{w.n(10, 99)} €", f"{w.n(1, 9999)} €", f"{w.n(1, 999)} Euro",
                                f"{w.n(1, 99)},{w.n(10, 99)} EUR", f"{w.n(1, 999)}.{w.n(100, 999)} DM"]))
            elif kind == "YEAR":
                out += w.o(str(w.n(1990, 2022)))
            else:
                out += w.entity(kind)
        else:
            out.append((tok, "O"))
    return out


# Frames for any class ({X} is the lead class): the same context for every class, so that a
# tagger must look at the entity itself and not only at the words around it.
_ANY = ["Nach Auffassung {X} ist die {N} unbegründet .", "Die {N} {X} ist nicht zu beanstanden .",
        "{X} ( {N} ) .", "Insoweit wird auf {X} verwiesen .", "Ebenso wenig überzeugt der Hinweis auf {X} .",
        "Dies gilt auch für {X} und {X} .", "{X} , {N} , {YEAR} .", "Streitig ist , ob {X} anwendbar ist .",
        "Zu {X} : Die {N} ist bereits geklärt .", "Anders als {X} meint , kommt es darauf nicht an .",
        "Im Hinblick auf {X} war die {N} zurückzuweisen .", "Hierzu gehört auch {X} .", "Vgl. {X} .",
        "Mit {X} hat sich das Berufungsgericht nicht befasst .", "Die Angaben zu {X} sind unvollständig ."]


def _lead_sentence(w: Writer, kind: str, frames: dict[str, list[str]]) -> list[Pair]:
    """A sentence around one entity of class ``kind``; sometimes a clause or a citation is added."""
    for _ in range(20):  # a frame whose lead entity sits in a citation may not produce it: draw again
        frame = w.c(_ANY).replace("{X}", "{" + kind + "}") if kind != "RR" and w.p(0.25) else w.c(frames[kind])
        out = _fill(w, frame)
        if ("B-" + kind) in (t for _, t in out):
            break
    if out and out[-1] == (".", "O") and kind not in ("RR",):
        if w.p(0.25):  # join a second clause
            out = out[:-1] + w.o(w.c(_JOIN)) + w.o(w.c(_CLAUSE))
            out += w.citation() if w.p(0.3) else []
            out += w.o(".")
        elif w.p(0.12) and "(" not in (t for t, _ in out):
            out = out[:-1] + w.citation() + w.o(".")
    return out


def generate_with(n: int, seed: int, first: list[str], last: list[str]) -> list[tuple[list[str], list[str]]]:
    """``n`` sentences (words, fine IOB2 tags); the first 19 lead with each LER class once, in order."""
    w = Writer(seed, first, last)
    frames = _frames()
    kinds = list(CLASS_WEIGHTS)
    weights = [CLASS_WEIGHTS[k] for k in kinds]
    out = []
    for i in range(n):
        if i < len(kinds):
            pairs = _lead_sentence(w, kinds[i], frames)
        elif w.p(EMPTY_SHARE):
            pairs = _plain(w)
        else:
            pairs = _lead_sentence(w, w.rng.choices(kinds, weights)[0], frames)
        out.append(([t for t, _ in pairs], [g for _, g in pairs]))
    return out
