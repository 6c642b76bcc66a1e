"""Measuring the PII detector: the labelled German test set and per-type precision and recall.

Two yardsticks, because they answer different questions:

* **strict span P/R/F1** (CoNLL-style exact match of start, end and type): how well the
  detector finds each piece of personal data as a unit;
* **character recall** ("leak rate" = 1 - recall): the share of personal-data characters that
  end up replaced by *some* span. For data protection this is the number that matters: a name
  replaced together with its title is no leak, a missed surname is.

Data:

* ``datasets/pii_de/pii_de_test.txt``: hand-written German contracts, letters, e-mails, notes
  and court documents with inline labels ``[[PERSON:Jonas Albrecht]]`` (see the dataset card).
  It is held out: no rule list was built from it and nothing is trained on it.
* The German LER development split (Leitner et al. 2019, ``../shared/data/german_ler``) gives
  an independent check of person-name recall on real court decisions (classes PER, RR, AN).
* Held-out generated documents (:func:`heldout_documents`: another seed, and only the 20 % of
  every name list the tagger never saw): :func:`evaluate_survival` gives the share of
  personal-data strings that survive and of decoys kept; :func:`compare` puts rules only next
  to rules + the shipped tagger on both this and LER.

Usage::

    from workbench.governance.pii import Pseudonymiser
    from workbench.governance.pii_eval import load_pii_de, evaluate, evaluate_ler
    table = evaluate(Pseudonymiser(entities=ENTITY_TYPES), load_pii_de())
    print(table.round(3))
    python -m workbench.governance.pii_eval          # prints both evaluations
"""

from __future__ import annotations

import dataclasses
import os
import re
import time
from pathlib import Path
from typing import Iterable

from workbench.governance.pii import ENTITY_TYPES, Span

DATASET_DIR = Path(__file__).resolve().parents[2] / "datasets" / "pii_de"
SPLITS = ("dev", "test")
_MARK = re.compile(r"\[\[([A-Z_]+):(.*?)\]\]", re.S)
LER_PERSON_CLASSES = ("PER", "RR", "AN")
# Marks text that must stay: organisations, functional mailboxes, statute references, placeholder
# names. Scored by :func:`evaluate_decoys`, never counted as personal data.
DECOY = "DECOY"


@dataclasses.dataclass
class Document:
    """One labelled document: plain text and its gold spans."""

    id: str
    kind: str
    text: str
    spans: list[Span]
    decoys: list[Span] = dataclasses.field(default_factory=list)
    """Text marked ``[[DECOY:...]]``: looks like personal data but must stay."""


def _read_utf8(path: Path) -> str:
    if not path.is_file():
        raise FileNotFoundError(f"file not found: {path}")
    data = path.read_bytes()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValueError(f"{path}: not UTF-8 text (invalid byte at position {exc.start}); "
                         "convert it, e.g. iconv -f latin1 -t utf-8") from None


def parse_markup(marked: str, where: str = "text") -> tuple[str, list[Span]]:
    """Turn ``[[LABEL:text]]`` markup into plain text and gold spans.

    Raises:
        ValueError: Unknown label, nested or unclosed markup (the message names ``where`` and the line).
    """
    plain, spans, pos = [], [], 0
    offset = 0
    for match in _MARK.finditer(marked):
        label, inner = match.group(1), match.group(2)
        line = marked.count("\n", 0, match.start()) + 1
        if label not in ENTITY_TYPES and label != DECOY:
            raise ValueError(f"{where}, line {line}: unknown label {label!r}; expected one of {ENTITY_TYPES} "
                             f"or {DECOY}")
        if "[[" in inner or not inner.strip():
            raise ValueError(f"{where}, line {line}: empty or nested markup {match.group(0)[:40]!r}")
        before = marked[pos : match.start()]
        plain.append(before)
        offset += len(before)
        spans.append(Span(offset, offset + len(inner), label, inner, "gold"))
        plain.append(inner)
        offset += len(inner)
        pos = match.end()
    rest = marked[pos:]
    if "[[" in rest or "]]" in rest:
        line = marked.count("\n", 0, pos + max(rest.find("[["), rest.find("]]"))) + 1
        raise ValueError(f"{where}, line {line}: unclosed or malformed [[LABEL:text]] markup")
    plain.append(rest)
    return "".join(plain), spans


def load_pii_de(split: str = "test", path: str | os.PathLike | None = None) -> list[Document]:
    """Read a split of the labelled set (``### id | kind`` headers, ``#`` comment lines before the first).

    Args:
        split: ``"test"`` (held out: measured once, detector unchanged since) or ``"dev"`` (used
            to find and fix detector bugs; its figures are optimistic).
        path: Read this file instead.

    Raises:
        FileNotFoundError: The file does not exist.
        ValueError: A document header or its markup is malformed (names file and line).
    """
    if path is None and split not in SPLITS:
        raise ValueError(f"split: expected one of {SPLITS}, got {split!r}")
    path = Path(path) if path is not None else DATASET_DIR / f"pii_de_{split}.txt"
    raw = _read_utf8(path)
    docs: list[Document] = []
    chunks = re.split(r"^### ", raw, flags=re.M)
    for chunk in chunks[1:]:
        header, _, body = chunk.partition("\n")
        if "|" not in header:
            raise ValueError(f"{path}: document header {header!r} must read '### <id> | <kind>'")
        doc_id, kind = (part.strip() for part in header.split("|", 1))
        text, spans = parse_markup(body.strip("\n"), where=f"{path} document {doc_id}")
        docs.append(Document(doc_id, kind, text, [s for s in spans if s.label != DECOY],
                             [s for s in spans if s.label == DECOY]))
    if not docs:
        raise ValueError(f"{path}: no documents found (expected lines starting with '### ')")
    return docs


def _prf(tp: int, n_pred: int, n_gold: int) -> tuple[float, float, float]:
    p = tp / n_pred if n_pred else float("nan")
    r = tp / n_gold if n_gold else float("nan")
    f = 2 * p * r / (p + r) if n_pred and n_gold and (p + r) else float("nan")
    return p, r, f


def evaluate(detector, docs: Iterable[Document], entities: Iterable[str] | None = None):
    """Per-type strict P/R/F1, overlap precision and character recall of a detector.

    Args:
        detector: Anything with ``detect(text) -> list[Span]`` (e.g. a :class:`Pseudonymiser`).
        docs: Labelled documents.
        entities: Types to score (default: the detector's ``entities_`` or all types).

    Returns:
        pandas DataFrame indexed by type plus ``ALL``, columns ``gold, predicted, tp,
        precision, recall, f1, overlap_precision, char_recall, survived`` (``survived``: share
        of gold spans of which at least one non-space character stays unreplaced).
    """
    import pandas as pd

    types = tuple(entities or getattr(detector, "entities_", ENTITY_TYPES))
    stats = {t: {"gold": 0, "predicted": 0, "tp": 0, "overlap_ok": 0, "gold_chars": 0, "covered_chars": 0,
                 "survived": 0} for t in types}
    for doc in docs:
        pred = [s for s in detector.detect(doc.text) if s.label in types]
        gold = [s for s in doc.spans if s.label in types]
        gold_keys = {(s.start, s.end, s.label) for s in gold}
        covered = bytearray(len(doc.text))
        for s in pred:
            covered[s.start : s.end] = b"\1" * (s.end - s.start)
        for s in gold:
            stats[s.label]["gold"] += 1
            chars = sum(1 for i in range(s.start, s.end) if not doc.text[i].isspace())
            hit = sum(1 for i in range(s.start, s.end) if covered[i] and not doc.text[i].isspace())
            stats[s.label]["gold_chars"] += chars
            stats[s.label]["covered_chars"] += hit
            stats[s.label]["survived"] += hit < chars
        for s in pred:
            stats[s.label]["predicted"] += 1
            stats[s.label]["tp"] += (s.start, s.end, s.label) in gold_keys
            # A prediction overlapping any gold span replaced personal data, even if cut differently.
            stats[s.label]["overlap_ok"] += any(g.start < s.end and s.start < g.end for g in gold)
    rows = {}
    total = {k: 0 for k in next(iter(stats.values()))}
    for label, st in list(stats.items()) + [("ALL", total)]:
        if label != "ALL":
            for k, v in st.items():
                total[k] += v
        p, r, f = _prf(st["tp"], st["predicted"], st["gold"])
        rows[label] = {"gold": st["gold"], "predicted": st["predicted"], "tp": st["tp"], "precision": p,
                       "recall": r, "f1": f,
                       "overlap_precision": st["overlap_ok"] / st["predicted"] if st["predicted"] else float("nan"),
                       "char_recall": st["covered_chars"] / st["gold_chars"] if st["gold_chars"] else float("nan"),
                       "survived": st["survived"] / st["gold"] if st["gold"] else float("nan")}
    return pd.DataFrame.from_dict(rows, orient="index")


def evaluate_decoys(detector, docs: Iterable[Document]) -> dict:
    """How many ``[[DECOY:...]]`` strings stay untouched (no predicted span overlaps them).

    Returns:
        ``{"decoys": n, "kept": k, "kept_share": k / n, "replaced": [(doc id, decoy text, label), ...]}``.
    """
    total, kept, replaced = 0, 0, []
    for doc in docs:
        pred = detector.detect(doc.text)
        for d in doc.decoys:
            total += 1
            hits = [s for s in pred if s.start < d.end and d.start < s.end]
            kept += not hits
            replaced += [(doc.id, d.text, s.label) for s in hits]
    return {"decoys": total, "kept": kept, "kept_share": kept / total if total else float("nan"), "replaced": replaced}


def read_conll(path: str | os.PathLike) -> list[list[tuple[str, str]]]:
    """Sentences of ``token tag`` lines (CRLF tolerated, blank line between sentences).

    Raises:
        ValueError: A line without exactly two fields (names file and line number).
    """
    sentences, current = [], []
    for number, line in enumerate(_read_utf8(Path(path)).split("\n"), start=1):
        line = line.rstrip("\r\n")
        if not line.strip():
            if current:
                sentences.append(current)
                current = []
            continue
        parts = line.split(" ")
        if len(parts) != 2:
            raise ValueError(f"{path}, line {number}: expected 'token tag', got {line[:60]!r}")
        current.append((parts[0], parts[1]))
    if current:
        sentences.append(current)
    if not sentences:
        raise ValueError(f"{path}: no sentences found (expected 'token tag' lines)")
    return sentences


def evaluate_ler(detector, path: str | os.PathLike, max_sentences: int | None = None) -> dict:
    """Person-name recall (and a precision proxy) on German LER (classes PER, RR, AN).

    Sentences are rebuilt by joining tokens with spaces. Recall counts gold person entities
    that a predicted PERSON span overlaps; ``token_recall`` counts their tokens (the share of
    person-name words removed, the figure of issue 13); ``word_recall`` counts only tokens with a
    letter or digit (LER puts commas, quotes and "…" inside some names). Precision is a proxy: the share of predicted PERSON spans that
    overlap a gold person entity (LER also tags organisations and courts, which a name
    detector should leave alone). ``other_capitalised_kept`` is the share of capitalised words
    outside person names (nouns, courts, places, statutes) that no span of any type replaces:
    the price of the recall, in words a reader loses.

    The LER data is licensed for evaluation only: measure on it, never tune rules to it.
    """
    sentences = read_conll(path)[:max_sentences]
    gold_entities = hit_entities = gold_tokens = hit_tokens = predicted = predicted_ok = 0
    gold_words = hit_words = 0
    other_caps = other_caps_kept = 0
    started = time.perf_counter()
    for sentence in sentences:
        text, offsets, pos = [], [], 0
        for token, _ in sentence:
            offsets.append((pos, pos + len(token)))
            text.append(token)
            pos += len(token) + 1
        joined = " ".join(text)
        spans = detector.detect(joined)
        pred = [s for s in spans if s.label == "PERSON"]
        hit = [any(s.start < e and b < s.end for s in pred) for b, e in offsets]
        # Any span replaces a word, whatever its type: that is what "removed" and "kept" mean.
        replaced = [any(s.start < e and b < s.end for s in spans) for b, e in offsets]
        entities, current = [], None
        for i, (_, tag) in enumerate(sentence):
            cls = tag[2:] if tag[:2] in ("B-", "I-") else None
            if cls in LER_PERSON_CLASSES and (tag.startswith("I-") and current is not None):
                current.append(i)
            elif cls in LER_PERSON_CLASSES:
                current = [i]
                entities.append(current)
            else:
                current = None
        for ent in entities:
            gold_entities += 1
            gold_tokens += len(ent)
            hit_tokens += sum(hit[i] for i in ent)
            # LER also tags punctuation inside a name ("BRADLER , Christian", the quotes of
            # '" A "', the "…" of an elided name): word_recall counts only tokens with a letter or digit.
            words = [i for i in ent if any(c.isalnum() for c in sentence[i][0])]
            gold_words += len(words)
            hit_words += sum(hit[i] for i in words)
            hit_entities += any(hit[i] for i in ent)
        person_tokens = {i for ent in entities for i in ent}
        for i, (token, _) in enumerate(sentence):
            if i not in person_tokens and token[:1].isupper() and any(c.islower() for c in token):
                other_caps += 1
                other_caps_kept += not replaced[i]
        for s in pred:
            predicted += 1
            predicted_ok += any(i in person_tokens for i, (b, e) in enumerate(offsets) if s.start < e and b < s.end)
    return {"sentences": len(sentences), "gold_entities": gold_entities, "entity_recall": hit_entities / max(gold_entities, 1),
            "token_recall": hit_tokens / max(gold_tokens, 1), "word_recall": hit_words / max(gold_words, 1),
            "predicted": predicted,
            "precision_proxy": predicted_ok / predicted if predicted else float("nan"),
            "other_capitalised_kept": other_caps_kept / max(other_caps, 1),
            "seconds": time.perf_counter() - started}


_ID_WORD = re.compile(r"\w[\w-]*")


def evaluate_survival(detector, docs: Iterable[Document]) -> dict:
    """The share of gold personal-data strings that *survive* pseudonymisation, and decoys kept.

    A gold span survives when any of its identifying words (two or more characters, name
    particles such as "von" aside) is not covered by a predicted span of any type: "Herrn
    Brückners" with "Brückners" replaced is no leak, "Anna Schulz" with only "Anna" replaced is.
    A decoy is kept when no predicted span overlaps it.

    Returns:
        ``{"spans": n, "survived": k, "survival_share": k / n, "by_label": {label: share},
        "decoys": m, "decoys_kept_share": ..., "examples": [(doc id, label, text), ...]}`` (first 20 leaks).
    """
    from workbench.governance.pii_lexicon import NAME_PARTICLES

    total = survived = decoys = kept = 0
    by_label: dict[str, list[int]] = {}
    examples = []
    for doc in docs:
        pred = detector.detect(doc.text)
        covered = bytearray(len(doc.text))
        for p in pred:
            covered[p.start : p.end] = b"\x01" * (p.end - p.start)
        for g in doc.spans:
            words = [m for m in _ID_WORD.finditer(g.text) if len(m.group()) > 1 and m.group() not in NAME_PARTICLES]
            leak = any(not all(covered[g.start + m.start() : g.start + m.end()]) for m in words)
            total += 1
            survived += leak
            by_label.setdefault(g.label, [0, 0])
            by_label[g.label][0] += 1
            by_label[g.label][1] += leak
            if leak and len(examples) < 20:
                examples.append((doc.id, g.label, g.text))
        for d in doc.decoys:
            decoys += 1
            kept += not any(p.start < d.end and d.start < p.end for p in pred)
    return {"spans": total, "survived": survived, "survival_share": survived / max(total, 1),
            "by_label": {k: round(v[1] / v[0], 4) for k, v in sorted(by_label.items())},
            "decoys": decoys, "decoys_kept_share": kept / max(decoys, 1), "examples": examples}


def heldout_documents(n: int = 140, seed: int = 12345, holdout: float = 0.2) -> list[Document]:
    """Generated documents for evaluation: another seed and only the held-out 20 % of every name list."""
    from workbench.governance.pii_docs import generate_documents, load_lists, split_lists

    return generate_documents(n, seed=seed, lists=split_lists(load_lists(), holdout)[1])


def ler_path() -> Path:
    """``german_ler/ler_dev.conll`` under ``$WORKBENCH_SHARED_DATA`` (default ``../shared/data``)."""
    root = Path(os.environ.get("WORKBENCH_SHARED_DATA", Path(__file__).resolve().parents[3] / "shared" / "data"))
    return root / "german_ler" / "ler_dev.conll"


def compare(n_generated: int = 140, ler_sentences: int | None = None) -> dict:
    """Rules only vs rules + shipped tagger on held-out generated documents and German LER dev."""
    from workbench.governance.pii import Pseudonymiser

    docs = heldout_documents(n_generated)
    out = {}
    for name, use_tagger in (("rules", False), ("rules+tagger", True)):
        row = {"generated": evaluate_survival(Pseudonymiser(entities=ENTITY_TYPES, use_tagger=use_tagger), docs)}
        if ler_path().is_file():
            # LER as a user runs `workbench pii pseudonymise`: the default types (court file numbers,
            # CASE_NUMBER, are opt-in and would replace "2 BvR 1234/15" in every citation).
            row["ler"] = evaluate_ler(Pseudonymiser(use_tagger=use_tagger), ler_path(), max_sentences=ler_sentences)
        out[name] = row
    return out


def main() -> None:
    """Print the evaluation on the shipped test set and, when present, on German LER."""
    from workbench.governance.pii import Pseudonymiser

    results = compare()
    for name, row in results.items():
        gen = row["generated"]
        print(f"{name}: held-out generated docs: {gen['survival_share']:.1%} of {gen['spans']} PII strings survive "
              f"(goal <= 5 %), decoys kept {gen['decoys_kept_share']:.1%} (goal >= 98 %); by type {gen['by_label']}")
        if "ler" in row:
            ler = row["ler"]
            print(f"{name}: German LER dev: person-name words removed {ler['token_recall']:.1%} (goal >= 90 %; "
                  f"tokens with a letter or digit {ler['word_recall']:.1%}), "
                  f"other capitalised words kept {ler['other_capitalised_kept']:.1%} (goal >= 97 %), "
                  f"{ler['seconds']:.0f} s")
    detector = Pseudonymiser(entities=ENTITY_TYPES)
    for split in SPLITS:
        docs = load_pii_de(split)
        print(f"pii_de {split}:")
        print(evaluate(detector, docs).round(3).to_string())
        decoys = evaluate_decoys(detector, docs)
        if decoys["decoys"]:
            print(f"decoys kept: {decoys['kept']}/{decoys['decoys']} ({decoys['kept_share']:.1%}); "
                  f"replaced: {decoys['replaced']}")
    if "ler" in results["rules+tagger"]:
        print("German LER dev (PER/RR/AN), default types:", {k: round(v, 3) if isinstance(v, float) else v
                                                            for k, v in results["rules+tagger"]["ler"].items()})


if __name__ == "__main__":
    main()
