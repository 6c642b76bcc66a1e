"""What legal NER is, for readers of the code: words in, one IOB2 tag per word out.

The task itself is :class:`workbench.token_classification.TokenClassificationTask` in the core;
this module names the use case's tag sets and scores predictions the seqeval way.
"""

from __future__ import annotations

from typing import Sequence

from workbench.conll import Sentence, bio_labels, entity_scores
from workbench.usecases.legal_ner.data import COARSE, FINE

COARSE_TYPES = tuple(dict.fromkeys(COARSE.values()))
"""The 7 coarse classes in LER order."""


def labels_for(tagset: str) -> list[str]:
    """The full IOB2 label list (``O`` first) of ``coarse`` or ``fine``."""
    return bio_labels(COARSE_TYPES if tagset == "coarse" else FINE)


def score(gold: Sequence[Sentence], pred_tags: Sequence[Sequence[str]]) -> dict:
    """Entity-level micro/macro F1 and per class (seqeval conventions) of predictions for ``gold``."""
    return entity_scores([tags for _, tags in gold], pred_tags)
