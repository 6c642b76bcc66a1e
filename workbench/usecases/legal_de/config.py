"""The legal-text use case's config section (``task:`` in YAML) and its default run configs.

``LegalTaskArgs`` holds what is specific to clause classification: which data (the shipped
generated sample, a freshly generated set, or a user's file named in the ``data`` section),
token length, size limits for quick runs, and the settings of the two comparison models. The
shared sections (``lora``, ``train``, ``eval``, ``data``) come from :mod:`workbench.config`.

Usage::

    from workbench.usecases.legal_de import default_config
    cfg = default_config(smoke=True)                 # tiny and fast (CI, notebooks' smoke mode)
    cfg.data.path = "klauseln.csv"; cfg.data.columns = {"text": "Klausel", "label": "Typ"}
"""

from __future__ import annotations

from dataclasses import dataclass

from workbench.config import DataArgs, EvalArgs, LoraArgs, RunArgs, RunConfig, TrainArgs


@dataclass
class LegalTaskArgs:
    """Settings of German legal clause classification."""

    max_length: int = 128
    """Truncation length in tokens (German clauses: median 54 MiniLM tokens). Longer texts are cut;
    a run says how many in a progress line and records it in ``results.json`` (``truncation``)."""
    sample_version: str = "v2"
    """Version of the shipped generated sample used when ``data.path`` is empty."""
    n_per_class: int | None = None
    """Generate a fresh set with this many rows per class instead of the shipped sample."""
    generator_seed: int = 0
    """Seed of the wording when ``n_per_class`` is set."""
    max_train_rows: int | None = None
    """Use at most this many training rows (stratified; quick and smoke runs)."""
    max_eval_rows: int | None = None
    """Use at most this many validation and test rows each (stratified)."""
    labels: list | None = None
    """Allowed labels of a user's file; any other label is an error. ``None`` accepts all."""
    class_weighting: bool | str = "auto"
    """Weight the LoRA loss by inverse class frequency: ``auto`` does so when the largest class has at
    least 1.5 times the training rows of the smallest (skewed data such as the tenancy set, where a
    class with 5 % of the clauses would otherwise vanish); ``true`` always, ``false`` never. The
    baselines always use balanced class weights."""
    head_init: str = "linear_probe"
    """Start the LoRA model's head from the frozen-base logistic regression (``linear_probe``,
    LP-FT after Kumar et al. 2022) or from random weights (``random``)."""
    head_dropout: float = 0.1
    """Dropout probability on the pooled embedding before the classification head, in [0, 1).
    Active only while training; 0 turns it off (train and eval outputs of the head are then equal)."""
    domain_adaptation: bool = False
    """Before the task LoRA, continue masked-LM pretraining of the encoder with LoRA on the training
    texts only (no labels, never validation or test rows) and merge it into the encoder
    (:func:`workbench.masked_lm.domain_adapt`). Off by default: on the tenancy-law sentences it did not
    measurably help (docs/legal_de.md, "Domain adaptation")."""
    dapt_steps: int = 200
    """Optimizer steps (batches of 16 training texts) of that domain adaptation."""
    hybrid: bool = True
    """Also build the hybrid model: TF-IDF and LoRA adapter probabilities blended with one weight
    chosen on the validation rows (weight 0 is the pure adapter, 1 pure TF-IDF, so on validation it
    is never worse than either). It is saved with the adapter (``tfidf/``, ``hybrid.json``), shown as
    its own row, and ``evaluate``/``predict`` serve it, TF-IDF or the adapter from it (``serve``).
    ``false``: the pure adapter only."""
    baseline_C: float = 10.0
    """Inverse regularisation of the TF-IDF logistic regression."""
    frozen_C: float = 10.0
    """Inverse regularisation of the logistic-regression head on frozen embeddings."""
    serve: str = "recommended"
    """What ``workbench evaluate/predict`` use with an adapter folder: ``"recommended"`` (the model the
    run recommended on validation macro-F1: TF-IDF, the adapter or the hybrid, which must beat both
    by more than 1 % there), or ``"hybrid"``, ``"baseline"`` (TF-IDF) or ``"adapter"`` by name. A
    folder without a hybrid (``task.hybrid=false``, older runs) serves the adapter. Training ignores it."""

    def problems(self, prefix: str) -> list[str]:
        """Every problem of this section, each naming ``prefix.field``."""
        out = []
        if not isinstance(self.max_length, int) or not 8 <= self.max_length <= 512:
            out.append(f"{prefix}.max_length: expected an integer in [8, 512] (MiniLM has 512 positions), "
                       f"got {self.max_length!r}")
        if self.sample_version != "v2":
            out.append(f"{prefix}.sample_version: expected 'v2' (v1 cited impossible norms and was withdrawn), "
                       f"got {self.sample_version!r}")
        if self.n_per_class is not None and (not isinstance(self.n_per_class, int) or self.n_per_class < 6):
            out.append(f"{prefix}.n_per_class: expected null or an integer >= 6, got {self.n_per_class!r}")
        for name in ("max_train_rows", "max_eval_rows"):
            value = getattr(self, name)
            if value is not None and (not isinstance(value, int) or value < 2):
                out.append(f"{prefix}.{name}: expected null or an integer >= 2, got {value!r}")
        if self.labels is not None and (not isinstance(self.labels, list) or len(self.labels) < 2
                                        or not all(isinstance(x, str) and x for x in self.labels)):
            out.append(f"{prefix}.labels: expected null or a list of at least two non-empty strings, got {self.labels!r}")
        for name in ("baseline_C", "frozen_C"):
            value = getattr(self, name)
            if not isinstance(value, (int, float)) or isinstance(value, bool) or value <= 0:
                out.append(f"{prefix}.{name}: expected a positive number, got {value!r}")
        if self.serve not in ("recommended", "hybrid", "baseline", "adapter"):
            out.append(f"{prefix}.serve: expected 'recommended', 'hybrid', 'baseline' or 'adapter', got {self.serve!r}")
        hd = self.head_dropout
        if not isinstance(hd, (int, float)) or isinstance(hd, bool) or not 0 <= hd < 1:
            out.append(f"{prefix}.head_dropout: expected a number in [0, 1) (a dropout probability), got {hd!r}")
        if not isinstance(self.hybrid, bool):
            out.append(f"{prefix}.hybrid: expected true or false, got {self.hybrid!r}")
        if not isinstance(self.domain_adaptation, bool):
            out.append(f"{prefix}.domain_adaptation: expected true or false, got {self.domain_adaptation!r}")
        if not isinstance(self.dapt_steps, int) or isinstance(self.dapt_steps, bool) or self.dapt_steps < 1:
            out.append(f"{prefix}.dapt_steps: expected a positive integer, got {self.dapt_steps!r}")
        if self.head_init not in ("linear_probe", "random"):
            out.append(f"{prefix}.head_init: expected 'linear_probe' or 'random', got {self.head_init!r}")
        if not isinstance(self.class_weighting, bool) and self.class_weighting != "auto":
            out.append(f"{prefix}.class_weighting: expected true, false or 'auto', got {self.class_weighting!r}")
        return out


def default_config(smoke: bool = False) -> RunConfig:
    """The default run of this use case on the shipped sample.

    Args:
        smoke: Tiny and fast (a minute or two on 2 CPU cores): few rows, one short epoch.

    Returns:
        A validated :class:`workbench.config.RunConfig`.
    """
    # LoRA on all linear layers (STACK_NOTES: best on unseen clause templates); lr 1e-3 is the
    # usual LoRA range for small encoders (Hu et al. 2021 used 4e-4..5e-4 for RoBERTa-base with
    # r=8; a 6-layer MiniLM with a fresh head tolerates more).
    lora = LoraArgs(r=8, alpha=16, dropout=0.1, target_modules="all-linear")
    if smoke:
        return RunConfig(
            run=RunArgs(name="legal_de-smoke", usecase="legal_de", seed=42, resume=False),
            data=DataArgs(),
            lora=lora,
            train=TrainArgs(max_epochs=3, batch_size=16, lr=2e-3, warmup_ratio=0.1, progress_bar=False),
            eval=EvalArgs(batch_size=64),
            task=LegalTaskArgs(max_length=64, max_train_rows=192, max_eval_rows=96),
        )
    return RunConfig(
        run=RunArgs(name="legal_de", usecase="legal_de", seed=42, resume=True),
        data=DataArgs(),
        lora=lora,
        # Issue 13: a 3,000-clause run must end within 15 minutes on 2 CPU cores. 4 epochs of LoRA on
        # 3,040 short generated clauses took 14 min there, and real clauses run to max_length: the
        # budget caps LoRA at 11 minutes (the baselines, the frozen probe, scoring and the hybrid
        # take 1-3 more) and keeps the best validation state reached by then.
        train=TrainArgs(max_epochs=4, batch_size=16, lr=1e-3, warmup_ratio=0.1, max_minutes=11),
        eval=EvalArgs(batch_size=64),
        task=LegalTaskArgs(),
    )
