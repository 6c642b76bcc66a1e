"""Data of legal entity recognition: a seeded LER-style sentence generator and the user's files.

The generator writes German court-decision sentences with IOB2 tags for the 19 fine classes of
the German LER corpus (Leitner, Rehm, Moreno-Schneider 2019). Names come from the lexicons the
workbench ships (``workbench.governance.pii_lexicon``), never from ``../shared``: the LER data is
for evaluation only, and the default path must run without it. ``COARSE`` maps the 19 classes to
LER's 7 coarse ones.

Usage::

    sents = generate(400, seed=0)                      # [(words, tags), ...], fine tags (see generator.py)
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


def generate(n: int, seed: int = 0) -> list[Sentence]:
    """``n`` LER-style sentences with fine IOB2 tags; the first 19 lead with each class once.

    The writer lives in :mod:`workbench.usecases.legal_ner.generator` (citation conventions,
    sentence frames, entity-free prose); names come from the shipped PII lexicon.

    Args:
        n: Number of sentences.
        seed: Seed of every choice: the same ``(n, seed)`` gives the same sentences.
    """
    from workbench.usecases.legal_ner.generator import generate_with

    return generate_with(n, seed, *_lexicon())


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
