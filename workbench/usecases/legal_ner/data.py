"""Data of legal entity recognition: a seeded LER-style sentence generator and the user's files.

The generator writes German court-decision sentences with IOB2 tags for the 19 fine classes of
the German LER corpus (Leitner, Rehm, Moreno-Schneider 2019). Names come from the lexicons the
workbench ships (``workbench.governance.pii_lexicon``), never from ``../shared``: the LER data is
for evaluation only, and the default path must run without it. ``COARSE`` maps the 19 classes to
LER's 7 coarse ones.

Usage::

    sents = generate(400, seed=0)                      # [(words, tags), ...], fine tags
    coarse = [to_coarse(s) for s in sents]
    train, val, test, info = prepare_data(config)      # generated, or the user's CoNLL/JSONL files
"""

from __future__ import annotations

import random
import re
from typing import Sequence

from workbench.conll import Sentence, TaggedFileError, map_tags, read_tagged, validate_iob2

FINE = ("PER", "RR", "AN", "LD", "ST", "STR", "LDS", "ORG", "UN", "INN", "GRT", "MRK",
        "GS", "VO", "EUN", "VS", "VT", "RS", "LIT")
"""The 19 fine LER classes."""

COARSE = {"PER": "PER", "RR": "PER", "AN": "PER", "LD": "LOC", "ST": "LOC", "STR": "LOC", "LDS": "LOC",
          "ORG": "ORG", "UN": "ORG", "INN": "ORG", "GRT": "ORG", "MRK": "ORG", "GS": "NRM", "VO": "NRM",
          "EUN": "NRM", "VS": "REG", "VT": "REG", "RS": "RS", "LIT": "LIT"}
"""Fine class to coarse class (``../shared/data/README.md``: PER, LOC, ORG, NRM, REG, RS, LIT)."""

_TOKEN = re.compile(r"\d+/\d+|\w+\.(?=[\s,;)]+\S)|\w+(?:[-'’]\w+)*|§+|[^\w\s]")


def tokenize(text: str) -> list[str]:
    """Split a plain sentence into LER-like tokens ("Abs." and "VI" stay whole, "§" alone)."""
    return _TOKEN.findall(text + " ")


def to_coarse(sent: Sentence) -> Sentence:
    """The sentence with its fine tags mapped to the 7 coarse classes (coarse tags stay)."""
    words, tags = sent
    return list(words), map_tags(tags, {**COARSE, **{v: v for v in COARSE.values()}})


# ----------------------------------------------------------------------------- lexicons
def _lexicon() -> tuple[list[str], list[str]]:
    from workbench.governance import pii_lexicon as lex

    return sorted(lex.FIRST_NAMES), sorted(lex.SURNAMES)


_LAENDER = ["Deutschland", "Frankreich", "Österreich", "Polen", "Italien", "Spanien", "Schweiz", "Türkei", "Bayern",
            "Niedersachsen", "Sachsen", "Hessen", "Brandenburg", "Thüringen", "Baden-Württemberg", "Nordrhein-Westfalen"]
_STAEDTE = ["Berlin", "Hamburg", "München", "Köln", "Frankfurt", "Stuttgart", "Leipzig", "Dresden", "Karlsruhe",
            "Kassel", "Erfurt", "Hannover", "Bremen", "Mainz", "Trier", "Regensburg", "Bielefeld", "Würzburg"]
_STRASSEN_HEAD = ["Haupt", "Bahnhof", "Schiller", "Goethe", "Linden", "Garten", "Berg", "Kirch", "Schul", "Mühlen"]
_STRASSEN_TAIL = ["straße", "weg", "allee", "platz", "gasse", "ring"]
_LANDSCHAFTEN = ["Schwarzwald", "Harz", "Eifel", "Allgäu", "Rhön", "Spreewald", "Erzgebirge", "Sauerland",
                 "Taunus", "Odenwald", "Rheinland", "Ruhrgebiet"]
_ORGS = ["Bundesrat", "Bundestag", "Europäische Kommission", "Deutscher Gewerkschaftsbund", "Vereinte Nationen",
         "SPD", "CDU", "Bundesregierung", "Bundesagentur für Arbeit", "Rat der Europäischen Union"]
_UN_HEAD = ["Müller", "Schmidt", "Nordstern", "Alpen", "Rhein", "Hanse", "Elbe", "Kronos", "Vita", "Solar"]
_UN_TAIL = ["GmbH", "AG", "KG", "GmbH & Co. KG", "SE", "Versicherung AG", "Bau GmbH", "Logistik GmbH"]
_INN = ["Bundesamt für Migration und Flüchtlinge", "Finanzamt", "Jobcenter", "Bundeskartellamt",
        "Deutsche Rentenversicherung Bund", "Bundesministerium der Finanzen", "Landratsamt", "Ausländerbehörde",
        "Bundesanstalt für Finanzdienstleistungsaufsicht", "Staatsanwaltschaft"]
_GERICHTE_BUND = ["Bundesgerichtshof", "Bundesverfassungsgericht", "Bundesverwaltungsgericht", "Bundesfinanzhof",
                  "Bundesarbeitsgericht", "Bundessozialgericht", "Gerichtshof der Europäischen Union"]
_GERICHTE_ORT = ["Amtsgericht", "Landgericht", "Oberlandesgericht", "Verwaltungsgericht", "Sozialgericht",
                 "Finanzgericht", "Arbeitsgericht", "Landesarbeitsgericht"]
_GERICHT_KURZ = ["BGH", "BVerfG", "BVerwG", "BFH", "BAG", "BSG", "OLG München", "LG Berlin", "OVG Münster"]
_MARKEN = ["Volkswagen", "Mercedes-Benz", "Adidas", "Nivea", "Haribo", "Lufthansa", "Facebook", "iPhone", "Porsche"]
_GESETZE = ["BGB", "StGB", "ZPO", "GG", "AufenthG", "AsylG", "SGB II", "SGB V", "VwGO", "HGB", "EStG", "AO",
            "UWG", "InsO", "StPO", "ArbGG", "KSchG", "BauGB"]
_VERORDNUNGEN = ["BauNVO", "StVO", "GefStoffV", "BetrKV", "ArbZV", "BeschV", "AufenthV", "FeV", "StVZO"]
_EU = ["Art. 3 Abs. 1 der Richtlinie 2008/115/EG", "Art. 267 AEUV", "Art. 6 Abs. 1 DSGVO",
       "Verordnung (EU) Nr. 604/2013", "Art. 4 Abs. 2 EUV", "Richtlinie 2011/95/EU", "Art. 47 GRCh"]
_VS = ["Satzung der Stadt {st} über die Erhebung von Gebühren", "Bebauungsplan Nr. {n} der Gemeinde {st}",
       "Abfallsatzung der Stadt {st}", "Polizeiverordnung der Stadt {st}"]
_VT = ["Tarifvertrag für den öffentlichen Dienst", "Manteltarifvertrag", "Mietvertrag vom {d}",
       "Arbeitsvertrag vom {d}", "Rahmenvertrag vom {d}", "Gesellschaftsvertrag vom {d}"]
_MONATE = ["Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September", "Oktober",
           "November", "Dezember"]
_SENATE = ["VI ZR", "VIII ZR", "XI ZR", "I ZR", "1 BvR", "2 BvR", "10 C", "1 C", "5 AZR", "B 14 AS", "IX R"]
_ENTSCHEIDUNG = ["Urteil", "Beschluss"]
_KOMMENTAR = [("Palandt", "BGB"), ("MüKoBGB", "BGB"), ("Fischer", "StGB"), ("Zöller", "ZPO"),
              ("Kopp/Schenke", "VwGO"), ("Bergmann/Dienelt", "Ausländerrecht"), ("Schönke/Schröder", "StGB")]


# Slot kinds that are one pick from a list (the others are composed in ``_Gen.slot``).
_PICK = {"LD": _LAENDER, "ST": _STAEDTE, "LDS": _LANDSCHAFTEN, "ORG": _ORGS, "INN": _INN, "MRK": _MARKEN, "EUN": _EU}


class _Gen:
    """One seeded sentence writer; each slot returns ``(words, fine_type)``."""

    def __init__(self, seed: int):
        self.rng = random.Random(seed)
        self.first, self.last = _lexicon()

    def c(self, seq):
        return self.rng.choice(seq)

    def date(self) -> str:
        return f"{self.rng.randint(1, 28)}. {self.c(_MONATE)} {self.rng.randint(1995, 2023)}"

    def aktenzeichen(self) -> str:
        return f"{self.c(_SENATE)} {self.rng.randint(1, 499)}/{self.rng.randint(10, 23)}"

    def slot(self, kind: str) -> tuple[str, str]:
        c, r = self.c, self.rng
        if kind in _PICK:
            return c(_PICK[kind]), kind
        if kind == "PER":
            return (f"{c(self.first)} {c(self.last)}" if r.random() < 0.6 else c(self.last)), "PER"
        if kind == "RR":
            return c(self.last), "RR"
        if kind == "AN":
            return (f"{c(self.first)} {c(self.last)}" if r.random() < 0.5 else c(self.last)), "AN"
        if kind == "STR":
            return f"{c(_STRASSEN_HEAD)}{c(_STRASSEN_TAIL)} {r.randint(1, 120)}", "STR"
        if kind == "UN":
            return f"{c(_UN_HEAD)} {c(_UN_TAIL)}", "UN"
        if kind == "GRT":
            return (c(_GERICHTE_BUND) if r.random() < 0.5 else f"{c(_GERICHTE_ORT)} {c(_STAEDTE)}"), "GRT"
        if kind == "GS":
            para = f"§ {r.randint(1, 900)}" + (f" Abs. {r.randint(1, 5)}" if r.random() < 0.6 else "")
            para += f" Satz {r.randint(1, 3)}" if r.random() < 0.3 else ""
            return f"{para} {c(_GESETZE)}", "GS"
        if kind == "VO":
            return f"§ {r.randint(1, 60)} {c(_VERORDNUNGEN)}", "VO"
        if kind == "VS":
            return c(_VS).format(st=c(_STAEDTE), n=r.randint(1, 90)), "VS"
        if kind == "VT":
            return c(_VT).format(d=self.date()), "VT"
        if kind == "RS":
            court = c(_GERICHT_KURZ)
            if r.random() < 0.6:
                return f"{court}, {c(_ENTSCHEIDUNG)} vom {self.date()} - {self.aktenzeichen()}", "RS"
            return f"{court}, {c(_ENTSCHEIDUNG)} vom {self.date()} - {self.aktenzeichen()} -, juris Rn. {r.randint(2, 60)}", "RS"
        if kind == "LIT":
            author, law = c(_KOMMENTAR)
            if r.random() < 0.5:
                return f"{author}/{c(self.last)}, {law}, {r.randint(10, 82)}. Aufl., § {r.randint(1, 900)} Rn. {r.randint(1, 80)}", "LIT"
            return f"{author}, {law}, {r.randint(10, 82)}. Aufl. {r.randint(2005, 2023)}, § {r.randint(1, 900)} Rn. {r.randint(1, 80)}", "LIT"
        raise KeyError(kind)


# Sentence frames: {X} is a slot of fine class X; the rest is plain German court prose.
_FRAMES = (
    "Der Kläger {PER} wohnt in der {STR} in {ST} .",
    "Die Klägerin wird durch Rechtsanwalt {AN} vertreten .",
    "Der Beklagte ist nach {GS} zur Zahlung verpflichtet .",
    "Der Anspruch folgt aus {GS} in Verbindung mit {GS} .",
    "Dies entspricht der ständigen Rechtsprechung ( vgl. {RS} ) .",
    "So auch {LIT} .",
    "Der Senat folgt insoweit {LIT} ; vgl. auch {RS} .",
    "Das {GRT} hat die Klage mit Urteil vom {DATE} abgewiesen .",
    "Gegen das Urteil des {GRT} wendet sich die Revision .",
    "Die Beklagte , die {UN} , vertreibt Fahrzeuge der Marke {MRK} .",
    "Der Antragsteller ist Staatsangehöriger von {LD} und reiste über {LD} ein .",
    "Das {INN} lehnte den Antrag mit Bescheid vom {DATE} ab .",
    "Die Anwendung von {VO} ist hier ausgeschlossen .",
    "Maßgeblich ist {EUN} .",
    "Die Gebühr beruht auf der {VS} .",
    "Die Parteien schlossen den {VT} .",
    "Nach dem {VT} schuldet die Beklagte den Lohn .",
    "Das Grundstück liegt im {LDS} in der Nähe von {ST} .",
    "Der {ORG} hat die Änderung des {GS} beschlossen .",
    "Richter am Bundesgerichtshof {RR} ist an der Unterschrift gehindert .",
    "{RR} {RR} {RR}",
    "Der Zeuge {PER} hat bekundet , er habe den Beklagten in {ST} gesehen .",
    "Die Kosten des Verfahrens trägt die Beklagte .",
    "Die Berufung ist zulässig , aber unbegründet .",
    "Der Bevollmächtigte {AN} rügt eine Verletzung von {EUN} .",
    "Die {UN} hat ihren Sitz in {ST} , {LD} .",
    "Das {GRT} hat dem {GRT} die Sache nach {EUN} vorgelegt .",
)


def generate(n: int, seed: int = 0) -> list[Sentence]:
    """``n`` LER-style sentences with fine IOB2 tags; the first 27 cover every frame (all 19 classes).

    Args:
        n: Number of sentences.
        seed: Seed of every choice: the same ``(n, seed)`` gives the same sentences.
    """
    gen = _Gen(seed)
    out: list[Sentence] = []
    for i in range(n):
        frame = _FRAMES[i] if i < len(_FRAMES) else gen.c(_FRAMES)
        words: list[str] = []
        tags: list[str] = []
        for part in re.split(r"(\{\w+\})", frame):
            if not part.strip():
                continue
            if part.startswith("{"):
                kind = part[1:-1]
                if kind == "DATE":
                    toks = tokenize(gen.date())
                    words += toks
                    tags += ["O"] * len(toks)
                    continue
                text, label = gen.slot(kind)
                toks = tokenize(text)
                words += toks
                tags += [f"B-{label}"] + [f"I-{label}"] * (len(toks) - 1)
            else:
                toks = part.split()
                words += toks
                tags += ["O"] * len(toks)
        out.append((words, tags))
    return out


# ----------------------------------------------------------------------------- a run's data
def _split(sents: list[Sentence], val_fraction: float, test_fraction: float, seed: int):
    order = list(range(len(sents)))
    random.Random(seed).shuffle(order)
    n_test = max(1, round(len(sents) * test_fraction)) if test_fraction > 0 else 0
    n_val = max(1, round(len(sents) * val_fraction)) if val_fraction > 0 else 0
    test = [sents[i] for i in order[:n_test]]
    val = [sents[i] for i in order[n_test:n_test + n_val]]
    return [sents[i] for i in order[n_test + n_val:]], val, test


def read_user_file(path: str, format: str | None = None) -> list[Sentence]:
    """A user's CoNLL or JSONL file, checked for IOB2 (errors name the file and the sentence).

    ``format`` (``conll`` or ``jsonl``, ``--format``) overrides what the suffix says.
    """
    from workbench.conll import read_conll, read_jsonl

    if format not in (None, "conll", "jsonl"):
        raise TaggedFileError(f"{path}: --format must be conll or jsonl for legal_ner, got {format!r}")
    sents = {"conll": read_conll, "jsonl": read_jsonl, None: read_tagged}[format](path)
    if not sents:
        raise TaggedFileError(f"{path}: no sentences found (expected CoNLL 'word tag' lines or JSONL "
                              '{"tokens": [...], "tags": [...]})')
    validate_iob2(sents, source=str(path))
    return sents


def prepare_data(config) -> tuple[list[Sentence], list[Sentence], list[Sentence], dict]:
    """Train, validation and test sentences of a run, in the task's tag set, and where they came from.

    Order of sources: separate files (``--train/--val/--test``, used as given; a missing val or
    test part is carved from train, seeded), then one file ``data.path`` (seeded sentence split),
    else the generator (``task.n_sentences``, ``task.generator_seed``).

    ``info["fingerprint"]`` identifies the training data (``run_info.json`` and ``seen_texts.json``
    carry it): the file's sha256, the files' joined by ``+``, or, for generated sentences, the
    sha256 of the sentences themselves.
    """
    import json

    from workbench import splits
    from workbench.io import fingerprint_bytes, fingerprint_file

    task, data = config.task, config.data
    seed = data.split_seed
    parts = splits.file_split(data, lambda p: read_user_file(p, data.format))
    if parts is not None:
        train, carved = parts["train"], []
        val, test = parts.get("val"), parts.get("test")
        if val is None and test is None:
            train, val, test = _split(train, data.val_fraction, data.test_fraction, seed)
            carved = ["val", "test"]
        elif val is None:
            train, val, _ = _split(train, data.val_fraction, 0.0, seed)
            carved = ["val"]
        elif test is None:
            train, _, test = _split(train, 0.0, data.test_fraction, seed)
            carved = ["test"]
        files = {k: getattr(data, k) for k in ("train", "val", "test") if getattr(data, k)}
        source = ", ".join(f"{k} {v}" for k, v in files.items())
        detail = f"{' and '.join(carved)} carved from train, seed {seed}" if carved else ""
        record_args = ("files",)
        record_kw = {"files": files, "detail": detail}
        fingerprint = "+".join(fingerprint_file(v) for v in files.values())
    elif data.path:
        train, val, test = _split(read_user_file(data.path, data.format), data.val_fraction, data.test_fraction, seed)
        source, record_args, record_kw = data.path, ("generated",), {"detail": f"sentence split of {data.path}, seed {seed}"}
        fingerprint = fingerprint_file(data.path)
    else:
        sents = generate(task.n_sentences, task.generator_seed)
        train, val, test = _split(sents, data.val_fraction, data.test_fraction, seed)
        source = f"generated LER-style sentences (n={task.n_sentences}, seed {task.generator_seed})"
        record_args, record_kw = ("generated",), {"detail": f"random sentence split, seed {seed}"}
        fingerprint = fingerprint_bytes(json.dumps(sents, ensure_ascii=False).encode("utf-8"))
    if task.tagset == "coarse":
        train, val, test = ([to_coarse(s) for s in part] for part in (train, val, test))
    sizes = {"train": len(train), "val": len(val), "test": len(test)}
    info = {"source": source, "fingerprint": fingerprint, "tagset": task.tagset, "rows": sizes,
            "split_record": splits.record(*record_args, sizes, unit="sentences", **record_kw)}
    info["split"] = splits.describe(info["split_record"])
    return train, val, test, info


def sentence_text(sent: Sentence | Sequence[str]) -> str:
    """A sentence's words joined by spaces: what the seen-text record hashes (tags do not matter)."""
    words = sent[0] if isinstance(sent, tuple) else sent
    return " ".join(words)


def tag_types(sents: Sequence[Sentence]) -> list[str]:
    """Entity types present in ``sents`` (sorted)."""
    return sorted({t[2:] for _, tags in sents for t in tags if t != "O"})
