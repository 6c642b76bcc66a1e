"""The legal-NER use case's config section (``task:`` in YAML) and its default run configs.

Usage::

    from workbench.usecases.legal_ner import default_config
    cfg = default_config(smoke=True)
    cfg.data.train, cfg.data.test = "train.conll", "test.conll"
"""

from __future__ import annotations

from dataclasses import dataclass

from workbench.config import DataArgs, EvalArgs, LoraArgs, RunArgs, RunConfig, TrainArgs
from workbench.conll import DECODINGS


@dataclass
class NerTaskArgs:
    """Settings of German legal entity recognition (LER classes)."""

    tagset: str = "coarse"
    """``coarse`` (7 LER classes: PER, LOC, ORG, NRM, REG, RS, LIT) or ``fine`` (the 19 classes)."""
    n_sentences: int = 2000
    """Sentences the generator writes when no file is given."""
    generator_seed: int = 0
    """Seed of the generated sentences."""
    max_length: int = 128
    """Window length in subwords; longer sentences are tagged in overlapping windows (``stride``)."""
    stride: int = 32
    """Subwords shared by consecutive windows of a long sentence."""
    crf_c1: float = 0.05
    """L1 penalty of the CRF baseline."""
    crf_c2: float = 0.05
    """L2 penalty of the CRF baseline."""
    crf_max_iterations: int = 100
    """L-BFGS iterations of the CRF baseline."""
    frozen_C: float = 1.0
    """Inverse regularisation of the frozen-base logistic-regression head."""
    case_marks: bool | str = "auto"
    """Mark capitalised words for the LoRA tagger (token type 1, embedding trained with the adapter):
    ``auto`` when the base model lowercases its input, as the embedded MiniLM does; ``true``/``false``."""
    decoding: str = "viterbi"
    """How the neural taggers (adapter and frozen base) turn word probabilities into tags: ``viterbi``
    (the most probable valid IOB2 sequence, so one uncertain word does not cut an entity) or ``argmax``
    (each word's likeliest tag, stray ``I-`` repaired). The CRF decodes with its own transitions."""

    serve: str = "recommended"
    """What ``workbench evaluate/predict`` use from an adapter folder: ``recommended`` (the model the
    training run recommended on its validation sentences: the LoRA adapter or the CRF), ``adapter`` or
    ``baseline`` (the CRF). Training ignores it."""

    def problems(self, prefix: str) -> list[str]:
        """Every problem of this section, each naming ``prefix.field``."""
        out = []
        if self.tagset not in ("coarse", "fine"):
            out.append(f"{prefix}.tagset: expected 'coarse' or 'fine', got {self.tagset!r}")
        if not isinstance(self.n_sentences, int) or self.n_sentences < 30:
            out.append(f"{prefix}.n_sentences: expected an integer >= 30, got {self.n_sentences!r}")
        if not isinstance(self.max_length, int) or not 16 <= self.max_length <= 512:
            out.append(f"{prefix}.max_length: expected an integer in [16, 512], got {self.max_length!r}")
        if not isinstance(self.stride, int) or not 0 <= self.stride < (self.max_length if isinstance(self.max_length, int) else 0) - 2:
            out.append(f"{prefix}.stride: expected an integer in [0, max_length - 2), got {self.stride!r}")
        for name in ("crf_c1", "crf_c2"):
            v = getattr(self, name)
            if not isinstance(v, (int, float)) or isinstance(v, bool) or v < 0:
                out.append(f"{prefix}.{name}: expected a number >= 0, got {v!r}")
        if not isinstance(self.crf_max_iterations, int) or self.crf_max_iterations < 1:
            out.append(f"{prefix}.crf_max_iterations: expected a positive integer, got {self.crf_max_iterations!r}")
        if self.case_marks not in (True, False, "auto"):
            out.append(f"{prefix}.case_marks: expected true, false or 'auto', got {self.case_marks!r}")
        if self.decoding not in DECODINGS:
            out.append(f"{prefix}.decoding: expected {' or '.join(map(repr, DECODINGS))}, got {self.decoding!r}")
        if self.serve not in ("recommended", "adapter", "baseline"):
            out.append(f"{prefix}.serve: expected 'recommended', 'adapter' or 'baseline', got {self.serve!r}")
        if not isinstance(self.frozen_C, (int, float)) or isinstance(self.frozen_C, bool) or self.frozen_C <= 0:
            out.append(f"{prefix}.frozen_C: expected a positive number, got {self.frozen_C!r}")
        return out


def default_config(smoke: bool = False) -> RunConfig:
    """The run config of this use case: ``smoke`` is tiny (CI, the notebook's smoke mode).

    Returns:
        A validated :class:`workbench.config.RunConfig`.
    """
    lora = LoraArgs(r=8, alpha=16, dropout=0.05)
    if smoke:
        return RunConfig(
            run=RunArgs(name="legal_ner-smoke", usecase="legal_ner", seed=42, resume=False),
            data=DataArgs(),
            lora=lora,
            train=TrainArgs(max_epochs=3, batch_size=16, lr=5e-3, warmup_ratio=0.1, progress_bar=False),
            eval=EvalArgs(batch_size=64),
            task=NerTaskArgs(n_sentences=240, max_length=64, stride=16, crf_max_iterations=50),
        )
    return RunConfig(
        run=RunArgs(name="legal_ner", usecase="legal_ner", seed=42, resume=False),
        data=DataArgs(),
        lora=lora,
        # Chosen on generated validation sentences (docs/legal_ner.md, "A recipe that fits"): at batch 16,
        # lr 1e-3 and 3 epochs the tagger underfit (0.67 F1 on its own training sentences).
        train=TrainArgs(max_epochs=10, batch_size=8, lr=2e-3, warmup_ratio=0.1),
        eval=EvalArgs(batch_size=64),
        task=NerTaskArgs(),
    )
