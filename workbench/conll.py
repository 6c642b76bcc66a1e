"""Read, write and check token-tagged sentences (CoNLL and JSONL), and score entities.

A *sentence* is a pair ``(words, tags)`` of equally long lists of strings; tags follow IOB2
(``O``, ``B-TYPE``, ``I-TYPE``). Two file forms are understood:

* CoNLL: one token per line, columns separated by whitespace, the **last** column is the tag
  (the first is the word; columns in between, such as POS tags, are ignored); a blank line ends a
  sentence; ``-DOCSTART-`` lines are skipped.
* JSONL: one JSON object per line, ``{"tokens": [...], "tags": [...]}`` (``ner_tags`` is accepted
  for ``tags`` as well).

Bad input raises :class:`TaggedFileError` naming the file, the line and the expected form.
Entity scoring follows seqeval's default (conlleval) conventions: an ``I-X`` that does not
continue an ``X`` entity starts a new one, and an entity counts only when type and both bounds
match.

Usage::

    sents = read_tagged("train.conll")          # or .jsonl
    validate_iob2(sents, source="train.conll")  # clear errors on I- without B- (strict mode)
    scores = entity_scores(gold_tags, pred_tags)  # micro/macro F1 and per class
"""

from __future__ import annotations

import json
import os
from collections import Counter
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np

from workbench.io import atomic_write_text

Sentence = tuple[list[str], list[str]]
"""One sentence: ``(words, tags)``."""


class TaggedFileError(ValueError):
    """A CoNLL or JSONL file is not in the expected form."""


# ----------------------------------------------------------------------------- reading
def read_conll(path: str | os.PathLike) -> list[Sentence]:
    """Read a CoNLL file: ``word [other columns] tag`` per line, blank lines between sentences.

    Raises:
        TaggedFileError: A non-blank line has a single column (no tag); names file and line.
    """
    path = Path(path)
    sents: list[Sentence] = []
    words: list[str] = []
    tags: list[str] = []
    with open(path, encoding="utf-8") as fh:
        for lineno, raw in enumerate(fh, 1):
            line = raw.rstrip("\n").rstrip("\r")
            if not line.strip():
                if words:
                    sents.append((words, tags))
                    words, tags = [], []
                continue
            cols = line.split()
            if cols[0] == "-DOCSTART-":
                continue
            if len(cols) < 2:
                raise TaggedFileError(
                    f"{path}, line {lineno}: expected 'word tag' (whitespace-separated, tag last), got {line!r}")
            words.append(cols[0])
            tags.append(cols[-1])
    if words:
        sents.append((words, tags))
    return sents


def read_jsonl(path: str | os.PathLike) -> list[Sentence]:
    """Read JSONL lines ``{"tokens": [...], "tags": [...]}`` (``ner_tags`` also accepted).

    Raises:
        TaggedFileError: Invalid JSON, missing keys, non-string items or unequal lengths.
    """
    path = Path(path)
    sents: list[Sentence] = []
    with open(path, encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, 1):
            if not line.strip():
                continue
            where = f"{path}, line {lineno}"
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                raise TaggedFileError(f"{where}: not valid JSON ({exc.msg})") from exc
            if not isinstance(obj, dict) or "tokens" not in obj or not ({"tags", "ner_tags"} & obj.keys()):
                raise TaggedFileError(f'{where}: expected an object {{"tokens": [...], "tags": [...]}}')
            toks, tags = obj["tokens"], obj.get("tags", obj.get("ner_tags"))
            if not (isinstance(toks, list) and isinstance(tags, list)
                    and all(isinstance(x, str) for x in toks) and all(isinstance(x, str) for x in tags)):
                raise TaggedFileError(f"{where}: 'tokens' and 'tags' must be lists of strings")
            if len(toks) != len(tags):
                raise TaggedFileError(f"{where}: {len(toks)} tokens but {len(tags)} tags")
            if toks:
                sents.append((list(toks), list(tags)))
    return sents


def read_tagged(path: str | os.PathLike) -> list[Sentence]:
    """Read a ``.jsonl``/``.json`` file with :func:`read_jsonl`, anything else as CoNLL."""
    path = Path(path)
    if not path.is_file():
        raise TaggedFileError(f"{path}: file not found")
    if path.suffix.lower() in (".jsonl", ".json"):
        return read_jsonl(path)
    return read_conll(path)


def read_plain(path: str | os.PathLike) -> list[list[str]]:
    """Read untagged text: one sentence per line, tokens separated by whitespace."""
    with open(path, encoding="utf-8") as fh:
        return [line.split() for line in fh if line.strip()]


# ----------------------------------------------------------------------------- writing
def write_conll(path: str | os.PathLike, sents: Iterable[Sentence]) -> Path:
    """Write sentences as ``word tag`` lines with a blank line after each sentence (atomically)."""
    parts = []
    for words, tags in sents:
        _check_pair(words, tags, where=str(path))
        parts.append("".join(f"{w} {t}\n" for w, t in zip(words, tags)) + "\n")
    return atomic_write_text(path, "".join(parts))


def write_jsonl(path: str | os.PathLike, sents: Iterable[Sentence]) -> Path:
    """Write sentences as JSONL ``{"tokens": [...], "tags": [...]}`` (atomically)."""
    lines = []
    for words, tags in sents:
        _check_pair(words, tags, where=str(path))
        lines.append(json.dumps({"tokens": list(words), "tags": list(tags)}, ensure_ascii=False) + "\n")
    return atomic_write_text(path, "".join(lines))


def write_tagged(path: str | os.PathLike, sents: Iterable[Sentence]) -> Path:
    """Write JSONL for ``.jsonl``/``.json`` paths, CoNLL otherwise."""
    if Path(path).suffix.lower() in (".jsonl", ".json"):
        return write_jsonl(path, sents)
    return write_conll(path, sents)


def _check_pair(words: Sequence[str], tags: Sequence[str], where: str) -> None:
    if len(words) != len(tags):
        raise ValueError(f"{where}: {len(words)} words but {len(tags)} tags")
    bad = [w for w in words if not w or any(c.isspace() for c in w)]
    if bad:
        raise ValueError(f"{where}: words must be non-empty and contain no whitespace, got {bad[0]!r}")


# ----------------------------------------------------------------------------- IOB2
def validate_iob2(sents: Sequence[Sentence], *, source: str = "<data>", labels: Iterable[str] | None = None,
                  strict: bool = True) -> None:
    """Check that every tag is ``O``/``B-X``/``I-X`` (and in ``labels`` if given).

    Args:
        sents: Sentences to check.
        source: File name used in error messages.
        labels: Allowed entity types (``X`` in ``B-X``) or full tags; ``None`` allows any type.
        strict: Also reject ``I-X`` that does not follow ``B-X``/``I-X`` (IOB1 or broken files).

    Raises:
        TaggedFileError: All problems found (up to 10 shown), each with sentence and token number.
    """
    allowed = None if labels is None else {entity_type(x) if x != "O" else "O" for x in labels}
    problems = []
    for si, (words, tags) in enumerate(sents, 1):
        prev = "O"
        for ti, tag in enumerate(tags, 1):
            where = f"sentence {si}, token {ti} ({words[ti - 1]!r})"
            if tag != "O" and (len(tag) < 3 or tag[:2] not in ("B-", "I-")):
                problems.append(f"{where}: tag {tag!r} is not O, B-TYPE or I-TYPE")
            elif allowed is not None and tag != "O" and tag[2:] not in allowed:
                problems.append(f"{where}: entity type {tag[2:]!r} is not one of {sorted(allowed - {'O'})}")
            elif strict and tag.startswith("I-") and prev[2:] != tag[2:]:
                problems.append(f"{where}: {tag!r} follows {prev!r}; IOB2 needs B-{tag[2:]} first")
            prev = tag
    if problems:
        more = f" (and {len(problems) - 10} more)" if len(problems) > 10 else ""
        raise TaggedFileError(f"{source}: not valid IOB2{more}:\n  " + "\n  ".join(problems[:10]))


def entity_type(tag: str) -> str:
    """``"B-PER"`` -> ``"PER"``; ``"O"`` -> ``"O"``; a bare type is returned as is."""
    return tag[2:] if tag[:2] in ("B-", "I-") else tag


def repair_bio(tags: Sequence[str]) -> list[str]:
    """Turn any tag sequence into valid IOB2: an ``I-X`` not continuing ``X`` becomes ``B-X``."""
    out = []
    prev = "O"
    for tag in tags:
        if tag.startswith("I-") and entity_type(prev) != tag[2:]:
            tag = "B-" + tag[2:]
        out.append(tag)
        prev = tag
    return out


def bio_allowed(labels: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """Which IOB2 tags may start a sentence and which may follow which.

    Returns:
        ``start`` (n,) and ``trans`` (n, n) boolean arrays: ``I-X`` may only follow ``B-X`` or
        ``I-X`` and never starts a sentence; every other move is allowed.
    """
    n = len(labels)
    start = np.array([not str(t).startswith("I-") for t in labels])
    trans = np.ones((n, n), dtype=bool)
    for j, t in enumerate(labels):
        if str(t).startswith("I-"):
            trans[:, j] = [entity_type(str(p)) == t[2:] for p in labels]
    return start, trans


def viterbi_bio(probs: np.ndarray, labels: Sequence[str]) -> list[str]:
    """The most probable *valid* IOB2 sequence under per-word tag probabilities.

    Word-wise argmax can end an entity early or start one with ``I-`` (then :func:`repair_bio`
    turns the stray ``I-X`` into a new entity, which splits one name in two). This decoder
    maximises the sum of log-probabilities over sequences that obey IOB2 instead, the same
    constraint a CRF layer learns, without training one.

    Args:
        probs: (n_words, n_labels) probabilities (rows need not sum to 1; zeros are allowed).
        labels: Tag names, in the column order of ``probs``.

    Returns:
        One tag per word (empty for no words).
    """
    probs = np.asarray(probs, dtype=np.float64)
    if probs.ndim != 2 or probs.shape[1] != len(labels):
        raise ValueError(f"probs must be (n_words, {len(labels)}), got {probs.shape}")
    if not len(probs):
        return []
    start, trans = bio_allowed(labels)
    logp = np.log(np.clip(probs, 1e-12, None))
    neg = -np.inf
    score = np.where(start, logp[0], neg)
    back = np.zeros(probs.shape, dtype=np.int64)
    penalty = np.where(trans, 0.0, neg)
    for i in range(1, len(probs)):
        cand = score[:, None] + penalty  # (from, to)
        back[i] = cand.argmax(0)
        score = cand.max(0) + logp[i]
    path = [int(score.argmax())]
    for i in range(len(probs) - 1, 0, -1):
        path.append(int(back[i, path[-1]]))
    return [labels[j] for j in reversed(path)]


DECODINGS = ("viterbi", "argmax")
"""How the neural taggers (:class:`workbench.token_classification.TokenTagger`, legal_ner's frozen base)
turn word probabilities into tags (:func:`decode_tags`)."""


def check_decoding(decoding: str) -> None:
    """Raise a clear error for an unknown ``decoding``."""
    if decoding not in DECODINGS:
        raise ValueError(f"decoding: expected one of {', '.join(DECODINGS)}, got {decoding!r}")


def decode_tags(probs: np.ndarray, labels: Sequence[str], decoding: str = "viterbi") -> list[str]:
    """Tags of one word list from its (n_words, n_labels) probabilities: the best valid IOB2 path
    (``"viterbi"``) or each word's likeliest tag, repaired (``"argmax"``)."""
    check_decoding(decoding)
    if not len(probs):
        return []
    if decoding == "viterbi":
        return viterbi_bio(probs, labels)
    return repair_bio([labels[i] for i in np.asarray(probs).argmax(-1)])


def bio_labels(types: Iterable[str]) -> list[str]:
    """Label list ``["O", "B-T1", "I-T1", ...]`` for entity types in the given order."""
    out = ["O"]
    for t in types:
        out += [f"B-{t}", f"I-{t}"]
    return out


def map_tags(tags: Sequence[str], mapping: dict[str, str]) -> list[str]:
    """Map entity types (``B-RR`` -> ``B-PER`` with ``{"RR": "PER"}``); unmapped types stay."""
    return [t if t == "O" else t[:2] + mapping.get(t[2:], t[2:]) for t in tags]


# ----------------------------------------------------------------------------- scoring
def entities(tags: Sequence[str]) -> list[tuple[str, int, int]]:
    """Entity spans ``(type, start, end_exclusive)`` with conlleval conventions (I- may start one)."""
    spans = []
    start, cur = None, None
    for i, tag in enumerate(list(tags) + ["O"]):
        typ = None if tag == "O" else entity_type(tag)
        begins = tag.startswith("B-") or (typ is not None and typ != cur)
        if cur is not None and (typ != cur or begins):
            spans.append((cur, start, i))
            cur = None
        if typ is not None and (begins or cur is None):
            start, cur = i, typ
    return spans


def entity_scores(gold: Sequence[Sequence[str]], pred: Sequence[Sequence[str]]) -> dict:
    """Entity-level precision, recall and F1, micro and macro, and per class (as seqeval).

    Args:
        gold: True tag sequences.
        pred: Predicted tag sequences, one per gold sequence and equally long.

    Returns:
        ``{"micro_f1", "macro_f1", "precision", "recall", "n_gold", "n_pred", "per_class"}``;
        ``per_class[type]`` holds ``precision``, ``recall``, ``f1`` and ``support`` (gold count).
        Macro-F1 averages over the types in gold or predictions (seqeval's ``average="macro"``).

    Raises:
        ValueError: The lists differ in number or a pair differs in length.
    """
    if len(gold) != len(pred):
        raise ValueError(f"{len(gold)} gold sequences but {len(pred)} predicted")
    tp: Counter = Counter()
    n_gold: Counter = Counter()
    n_pred: Counter = Counter()
    for i, (g, p) in enumerate(zip(gold, pred)):
        if len(g) != len(p):
            raise ValueError(f"sequence {i}: {len(g)} gold tags but {len(p)} predicted")
        gs, ps = set(entities(g)), set(entities(p))
        for e in gs:
            n_gold[e[0]] += 1
        for e in ps:
            n_pred[e[0]] += 1
        for e in gs & ps:
            tp[e[0]] += 1

    def prf(t: int, ng: int, np_: int) -> tuple[float, float, float]:
        prec = t / np_ if np_ else 0.0
        rec = t / ng if ng else 0.0
        f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
        return prec, rec, f1

    per_class = {}
    for typ in sorted(set(n_gold) | set(n_pred)):
        prec, rec, f1 = prf(tp[typ], n_gold[typ], n_pred[typ])
        per_class[typ] = {"precision": prec, "recall": rec, "f1": f1, "support": n_gold[typ]}
    prec, rec, f1 = prf(sum(tp.values()), sum(n_gold.values()), sum(n_pred.values()))
    macro = sum(c["f1"] for c in per_class.values()) / len(per_class) if per_class else 0.0
    return {"micro_f1": f1, "macro_f1": macro, "precision": prec, "recall": rec,
            "n_gold": sum(n_gold.values()), "n_pred": sum(n_pred.values()), "per_class": per_class}
