"""The classical baseline of legal NER: a linear-chain CRF (python-crfsuite) on word features.

Features are the standard ones of CRF taggers (lower case, prefixes and suffixes, word shape,
title case, digits, the paragraph sign, and the same for the neighbouring words). The model is
crfsuite's own file format (no pickle), saved beside the adapter as ``crf.crfsuite``.

Usage::

    crf = CrfTagger().fit(train_sents)
    tags = crf.predict([["Nach", "§", "535", "BGB", "..."]])
    crf.save("run/adapter/crf.crfsuite"); CrfTagger.load("run/adapter/crf.crfsuite")
"""

from __future__ import annotations

import re
import tempfile
from pathlib import Path
from typing import Sequence

from workbench.conll import Sentence, repair_bio

CRF_FILE = "crf.crfsuite"


def _shape(word: str) -> str:
    # Xxxx, dd/dd, XX: runs of the same character class collapsed.
    s = re.sub(r"[A-ZÄÖÜ]", "X", word)
    s = re.sub(r"[a-zäöüß]", "x", s)
    s = re.sub(r"\d", "d", s)
    return re.sub(r"(.)\1+", r"\1\1", s)


def _word(word: str, prefix: str) -> dict[str, object]:
    return {f"{prefix}lower": word.lower(), f"{prefix}suf3": word[-3:].lower(), f"{prefix}shape": _shape(word),
            f"{prefix}title": word.istitle(), f"{prefix}upper": word.isupper()}


def word_features(words: Sequence[str], i: int) -> dict[str, object]:
    """Features of ``words[i]`` and its neighbours (two either side)."""
    w = words[i]
    f: dict[str, object] = {"bias": 1.0, "lower": w.lower(), "suf2": w[-2:].lower(), "suf3": w[-3:].lower(),
                            "suf4": w[-4:].lower(), "pre3": w[:3].lower(), "shape": _shape(w), "title": w.istitle(),
                            "upper": w.isupper(), "digit": w.isdigit(), "has_digit": any(c.isdigit() for c in w),
                            "para": w == "§", "dot": w.endswith("."), "slash": "/" in w, "len": min(len(w), 12)}
    for off in (-2, -1, 1, 2):
        j = i + off
        if 0 <= j < len(words):
            f.update(_word(words[j], f"{off}:"))
        else:
            f[f"{off}:edge"] = True
    return f


class CrfTagger:
    """Linear-chain CRF on word features (scikit-learn-like API).

    Args:
        c1: L1 penalty.
        c2: L2 penalty.
        max_iterations: L-BFGS iterations.
    """

    def __init__(self, c1: float = 0.05, c2: float = 0.05, max_iterations: int = 100):
        self.c1 = c1
        self.c2 = c2
        self.max_iterations = max_iterations

    def fit(self, sents: Sequence[Sentence]) -> "CrfTagger":
        """Train on ``(words, tags)`` sentences; returns self with ``model_path_`` and ``labels_``."""
        import pycrfsuite

        if not sents:
            raise ValueError("no training sentences")
        trainer = pycrfsuite.Trainer(verbose=False)
        for words, tags in sents:
            trainer.append([word_features(words, i) for i in range(len(words))], list(tags))
        trainer.set_params({"c1": self.c1, "c2": self.c2, "max_iterations": self.max_iterations,
                            "feature.possible_transitions": True})
        self._tmp_ = tempfile.TemporaryDirectory()  # the model file lives until save() copies it
        self.model_path_ = str(Path(self._tmp_.name) / CRF_FILE)
        trainer.train(self.model_path_)
        self._open()
        return self

    def _open(self) -> None:
        import pycrfsuite

        self.tagger_ = pycrfsuite.Tagger()
        self.tagger_.open(self.model_path_)
        self.labels_ = list(self.tagger_.labels())

    def predict(self, words_list: Sequence[Sequence[str]]) -> list[list[str]]:
        """One IOB2 tag per word (repaired: a stray ``I-X`` becomes ``B-X``)."""
        if not hasattr(self, "tagger_"):
            raise RuntimeError("this CrfTagger is not fitted: call fit(...) or CrfTagger.load(...) first")
        return [repair_bio(self.tagger_.tag([word_features(w, i) for i in range(len(w))])) if len(w) else []
                for w in words_list]

    def save(self, path: str | Path) -> Path:
        """Copy crfsuite's model file to ``path`` (atomically)."""
        from workbench.io import atomic_write_bytes

        path = Path(path)
        atomic_write_bytes(path, Path(self.model_path_).read_bytes())
        return path

    @classmethod
    def load(cls, path: str | Path) -> "CrfTagger":
        """Open a model file written by :meth:`save`."""
        if not Path(path).is_file():
            raise FileNotFoundError(f"no CRF model at {path}")
        crf = cls()
        crf.model_path_ = str(path)
        crf._open()
        return crf


def majority_tags(words_list: Sequence[Sequence[str]]) -> list[list[str]]:
    """The majority baseline: every word ``O`` (entity F1 0 by construction)."""
    return [["O"] * len(w) for w in words_list]
