"""The maintenance use case's config section (``task:`` in YAML) and its defaults.

``MaintenanceTaskArgs`` holds what is specific to predictive maintenance: where the fleet comes
from (real C-MAPSS files or the simulator), the PatchTST shape, pretraining of the factory base
model, and the decision costs. The shared sections (``lora``, ``train``, ``eval`` ...) come from
:mod:`workbench.config`.

Usage::

    from workbench.usecases.maintenance import default_config
    cfg = default_config(smoke=True)
    cfg.task.train_file = "train_FD001.txt"; cfg.task.test_file = ...; cfg.task.rul_file = ...
"""

from __future__ import annotations

from dataclasses import dataclass, field

from workbench.timeseries import PatchTSTSpec
from workbench.ts_pretrain import PretrainArgs


@dataclass
class MaintenanceTaskArgs:
    """Predictive-maintenance settings."""

    problem: str = "rul"
    """``"rul"`` (remaining useful life on C-MAPSS-format data) or ``"failure"`` (AI4I failures)."""
    train_file: str | None = None
    """C-MAPSS ``train_FD00x.txt``; ``None`` simulates a target fleet (``target_fleet``)."""
    test_file: str | None = None
    """C-MAPSS ``test_FD00x.txt`` (needed with ``train_file``)."""
    rul_file: str | None = None
    """C-MAPSS ``RUL_FD00x.txt`` (needed with ``test_file``)."""
    ai4i_file: str | None = None
    """``ai4i2020.csv`` for ``problem="failure"``; ``None`` generates a log with the AI4I rules."""
    target_fleet: str = "FD004"
    """Simulated fleet to adapt to when no files are given: FD001..FD004-like preset."""
    target_units: int | None = None
    """Engines of the simulated target fleet (train and test each); ``None`` = the preset's."""
    target_seed: int = 1
    """Seed of the simulated target fleet (the pretraining fleet uses another seed)."""
    base_model: str = "simulator"
    """Which factory base: ``"simulator"`` (pretrained on ``pretrain_fleet`` on first use and cached)
    or ``"shipped"`` (the weights in ``workbench/usecases/maintenance/base/``, pretrained on the broad
    corpus of :mod:`workbench.usecases.maintenance.pretrain`, sha256 checked; no waiting). The
    shipped corpus contains FD001 *train*, so FD001 results with it are "seen in pretraining"."""
    pretrain_fleet: str = "broad"
    """Simulated fleet the factory base model is pretrained on."""
    pretrain_units: int = 200
    """Engines in the pretraining fleet."""
    pretrain_epochs: int = 4
    """Masked-patch pretraining epochs."""
    pretrain_supervised_epochs: int = 4
    """Epochs of RUL regression on the simulated fleet after the masked-patch epochs (0 = off):
    the simulator knows every engine's remaining life, so the factory base learns wear features."""
    pretrain_max_windows: int | None = 6000
    """Subsample the pretraining windows to at most this many."""
    pretrain_lr: float = 1e-3
    """Pretraining learning rate."""
    window: int = 32
    """Window length in cycles (the model's context)."""
    patch_length: int = 8
    """Cycles per patch."""
    patch_stride: int = 8
    """Cycles between patch starts (= patch_length: non-overlapping patches, half the tokens of
    the PatchTST paper's stride = patch_length / 2, which matters on a CPU)."""
    d_model: int = 32
    """PatchTST hidden size."""
    num_layers: int = 2
    """PatchTST encoder layers."""
    num_heads: int = 4
    """Attention heads."""
    ffn_dim: int = 64
    """Feed-forward size."""
    dropout: float = 0.1
    """Dropout inside the encoder and before the head."""
    rul_cap: int = 125
    """Cap of the training target (piecewise-linear RUL, Heimes 2008)."""
    train_stride: int = 3
    """Take every n-th training window (1 = all); larger values make smoke runs cheaper."""
    max_train_units: int | None = None
    """Use at most this many training units (smoke runs)."""
    lora_embedding: bool = True
    """Also put LoRA on the patch embedding (when ``lora.target_modules`` is null): a new fleet's
    sensors respond differently to wear, and the embedding is where raw values are read."""
    adapt_epochs: int = 0
    """Fleet-adaptive step: epochs of masked-patch pretraining on this fleet's own training windows
    (no labels) before LoRA; 0 = off. The default is chosen by leave-one-fleet-out
    (``benchmarks/bench_fleets.py``), never on one fleet."""
    extra_inputs: list[str] = field(default_factory=lambda: ["health", "cycle"])
    """Engineered channels for the adapter next to the sensors: ``"health"`` (a linear health
    index fitted on the training rows) and/or ``"cycle"`` (cycles run). Empty = the pure adapter;
    the frozen base always reads the sensors only. Default both: chosen leave-one-fleet-out on 10
    fleets at full size (``benchmarks/bench_fleets.py``, docs/maintenance.md), which prints the pure
    adapter next to it."""
    compare_full_finetune: bool = False
    """Also fine-tune all weights (costs a full training run on top)."""
    serve: str = "recommended"
    """What ``workbench evaluate/predict`` use with a RUL adapter folder: ``"recommended"`` (the model
    the run recommended on validation engines, when the folder holds it: adapter, blend or LightGBM),
    or one of ``"adapter"``, ``"blend"``, ``"baseline"`` (LightGBM). Training ignores it."""
    failure_pooling: str = "max"
    """Pooling of patch embeddings for failure classification: a failure is decided by the latest
    processes, and max pooling keeps that patch's signal instead of averaging it over the window
    (measured on AI4I: F1 0.35 -> 0.51; the pooling is head-only, the base is shared)."""
    horizon: int = 30
    """Decision horizon in cycles: an engine 'fails' if its true RUL is <= horizon."""
    cost_missed: float = 10.0
    """Cost of a missed failure (relative units)."""
    cost_early: float = 1.0
    """Cost of an alarm on an engine that would have run past the horizon."""
    baseline_estimators: int = 400
    """Boosting rounds of the LightGBM baseline."""

    def problems(self, prefix: str = "task") -> list[str]:
        """Every invalid field, each naming the field."""
        p = []
        if self.problem not in ("rul", "failure"):
            p.append(f"{prefix}.problem: must be 'rul' or 'failure', got {self.problem!r}")
        if self.test_file and not self.rul_file:
            p.append(f"{prefix}.rul_file: required when test_file is given")
        if self.test_file and not self.train_file:
            p.append(f"{prefix}.train_file: required when test_file is given")
        if self.target_fleet not in ("FD001", "FD002", "FD003", "FD004"):
            p.append(f"{prefix}.target_fleet: must be FD001..FD004, got {self.target_fleet!r}")
        if self.base_model not in ("simulator", "shipped"):
            p.append(f"{prefix}.base_model: must be 'simulator' or 'shipped', got {self.base_model!r}")
        bad = [e for e in self.extra_inputs if e not in ("health", "cycle")]
        if bad:
            p.append(f"{prefix}.extra_inputs: unknown {bad}; choose from ['health', 'cycle']")
        if self.serve not in ("recommended", "adapter", "blend", "baseline"):
            p.append(f"{prefix}.serve: expected one of recommended, adapter, blend, baseline, got {self.serve!r}")
        if self.adapt_epochs < 0:
            p.append(f"{prefix}.adapt_epochs: must be >= 0, got {self.adapt_epochs}")
        if self.pretrain_supervised_epochs < 0:
            p.append(f"{prefix}.pretrain_supervised_epochs: must be >= 0, got {self.pretrain_supervised_epochs}")
        for name in ("pretrain_units", "pretrain_epochs", "window", "rul_cap", "train_stride", "horizon",
                     "baseline_estimators"):
            if getattr(self, name) < 1:
                p.append(f"{prefix}.{name}: must be >= 1, got {getattr(self, name)}")
        for name in ("target_units", "max_train_units", "pretrain_max_windows"):
            v = getattr(self, name)
            if v is not None and v < 2:
                p.append(f"{prefix}.{name}: must be >= 2 or null, got {v}")
        if self.failure_pooling not in ("mean", "max"):
            p.append(f"{prefix}.failure_pooling: must be 'mean' or 'max', got {self.failure_pooling!r}")
        if self.cost_missed <= 0 or self.cost_early <= 0:
            p.append(f"{prefix}.cost_missed/cost_early: must be > 0")
        p.extend(f"{prefix}.{x.split('.', 1)[1]}" for x in self.spec().problems("spec"))
        return p

    def spec(self) -> PatchTSTSpec:
        """The PatchTST backbone shape."""
        return PatchTSTSpec(context_length=self.window, patch_length=self.patch_length,
                            patch_stride=self.patch_stride, d_model=self.d_model, num_layers=self.num_layers,
                            num_heads=self.num_heads, ffn_dim=self.ffn_dim, dropout=self.dropout,
                            head_dropout=self.dropout, norm_type="layernorm")

    def pretrain_args(self, seed: int = 0) -> PretrainArgs:
        """Settings of the base model's pretraining."""
        return PretrainArgs(epochs=self.pretrain_epochs, lr=self.pretrain_lr, seed=seed,
                            max_windows=self.pretrain_max_windows, supervised_epochs=self.pretrain_supervised_epochs)


TaskArgs = MaintenanceTaskArgs
