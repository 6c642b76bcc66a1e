"""Shared time-series pieces: windows, scalers, a PatchTST builder and a cached pretraining call.

This module is core (the maintenance and the supply-chain use cases both build on it), so its API
is kept stable. It holds:

* :func:`sliding_windows` / :class:`WindowSet`: fixed-length windows over a long DataFrame
  (one row per series and time step), each window ending at one time step and never reaching
  past it, so a window can only see its series' past.
* :class:`SeriesScaler`: per-column standardisation fitted on training rows only, optionally per
  group (for example per operating condition), saved and loaded as plain JSON-able dicts.
* :class:`PatchTSTSpec` and :func:`build_patchtst`: a PatchTST (transformers) with the settings a
  sensor model needs: ``norm_type="layernorm"`` by default and ``scaling=None``.
* :func:`patchtst_lora_targets` / :func:`norm_modules_to_save`: what LoRA should wrap.
* :func:`pretrain_patchtst`: masked-patch (optionally then supervised) pretraining in one call, saved like any Hugging Face
  model under ``workbench.paths.models_cache_dir()`` and keyed by a hash of the spec, the
  training settings and the data, so the second call (a notebook, a test, the CLI) loads it.

Why ``norm_type="layernorm"``: PatchTST defaults to BatchNorm. Its running statistics move during
LoRA training but are not part of a LoRA adapter, so a saved-and-reloaded or merged model predicts
differently (measured: max abs diff 2.47, see ``../shared/STACK_NOTES.md``). LayerNorm has no
running statistics. If you do choose BatchNorm, pass ``norm_modules_to_save(model)`` as
``LoraArgs.modules_to_save`` so the statistics travel with the adapter.

Why ``scaling=None``: PatchTST's default ``"std"`` scaler standardises every window on its own,
which throws away the absolute level of a sensor. For wear and remaining life the level *is* the
signal, so series are standardised globally (fitted on training data) with :class:`SeriesScaler`.

Usage::

    from workbench.timeseries import PatchTSTSpec, sliding_windows, pretrain_patchtst, build_patchtst
    spec = PatchTSTSpec(context_length=32, patch_length=8, patch_stride=4)
    ws = sliding_windows(frame, id_col="unit", time_col="cycle", feature_cols=cols, window=32)
    base = pretrain_patchtst(ws.X, spec, name="my-fleet")          # cached after the first call
    reg = build_patchtst(spec, "regression", num_channels=ws.X.shape[-1], base=base.path)
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

import numpy as np
import pandas as pd
import torch
from torch import nn

__all__ = [
    "WindowSet",
    "sliding_windows",
    "SeriesScaler",
    "PatchTSTSpec",
    "PretrainArgs",
    "PretrainResult",
    "build_patchtst",
    "load_backbone",
    "patchtst_lora_targets",
    "norm_modules_to_save",
    "pretrain_patchtst",
    "pretrain_cache_key",
    "predict_batched",
    "continue_pretraining",
    "supervised_pretraining",
    "LazyWindows",
]


# --------------------------------------------------------------------------------------------
# Windows
# --------------------------------------------------------------------------------------------
@dataclass
class WindowSet:
    """Windows cut from a long frame.

    Attributes:
        X: ``(n_windows, window, n_channels)`` float32 inputs.
        y: ``(n_windows,)`` target at each window's last step, or ``None``.
        ids: ``(n_windows,)`` series id of each window.
        ends: ``(n_windows,)`` time value (e.g. cycle) of each window's last step.
        feature_cols: Channel names, in order.
    """

    X: np.ndarray
    y: np.ndarray | None
    ids: np.ndarray
    ends: np.ndarray
    feature_cols: list[str]

    def __len__(self) -> int:
        return len(self.X)

    def subset(self, mask: np.ndarray) -> "WindowSet":
        """Return the windows where ``mask`` is true (a boolean array or index array)."""
        return WindowSet(
            self.X[mask], None if self.y is None else self.y[mask], self.ids[mask], self.ends[mask],
            list(self.feature_cols),
        )


def sliding_windows(
    frame: pd.DataFrame,
    *,
    id_col: str,
    time_col: str,
    feature_cols: Sequence[str],
    window: int,
    target_col: str | None = None,
    stride: int = 1,
    last_only: bool = False,
    pad_short: bool = True,
    min_length: int = 1,
) -> WindowSet:
    """Cut fixed-length windows per series; each window ends at a step and contains only the past.

    Series shorter than ``window`` are padded at the front by repeating their first row (the
    usual practice for C-MAPSS test engines with short histories), when ``pad_short`` is true.
    Windows are also cut for the first ``window - 1`` steps in the same way, so every time step
    with at least ``min_length`` observed steps gets a window.

    Args:
        frame: Long frame, one row per (series, time step), sorted or not.
        id_col: Series id column.
        time_col: Time column (sorted ascending within each series here).
        feature_cols: Channels, in the order they appear in the window.
        window: Window length (time steps).
        target_col: Column whose value at the window's last step becomes ``y``.
        stride: Take every ``stride``-th end step (counted back from the last step, so the last
            step of each series is always included).
        last_only: Only the window ending at each series' last step (test-set evaluation).
        pad_short: Pad series/positions with fewer than ``window`` past steps. If false, such
            positions get no window.
        min_length: Minimum number of real (unpadded) steps a window must contain.

    Returns:
        The :class:`WindowSet`.

    Raises:
        KeyError: A named column is missing.
        ValueError: ``window``/``stride`` are not positive.
    """
    if window < 1 or stride < 1:
        raise ValueError(f"window and stride must be >= 1, got window={window}, stride={stride}")
    cols = [id_col, time_col, *feature_cols] + ([target_col] if target_col else [])
    missing = [c for c in cols if c not in frame.columns]
    if missing:
        raise KeyError(f"sliding_windows: columns {missing} not in frame (has {list(frame.columns)})")
    frame = frame.sort_values([id_col, time_col], kind="stable")
    xs, ys, ids, ends = [], [], [], []
    for uid, g in frame.groupby(id_col, sort=False):
        values = g[list(feature_cols)].to_numpy(dtype=np.float32)  # (T, C)
        T = len(values)
        if pad_short and T < window:
            pad = np.repeat(values[:1], window - 1, axis=0)
        else:
            pad = np.repeat(values[:1], max(window - 1, 0), axis=0) if pad_short else values[:0]
        padded = np.concatenate([pad, values], axis=0)  # (P + T, C)
        offset = len(padded) - T
        end_idx = np.array([T - 1]) if last_only else np.arange(T - 1, -1, -stride)[::-1]
        end_idx = end_idx[end_idx + 1 >= min_length]
        if not pad_short:
            end_idx = end_idx[end_idx + 1 >= window]
        if len(end_idx) == 0:
            continue
        starts = end_idx + offset - window + 1  # (n,)
        idx = starts[:, None] + np.arange(window)[None, :]  # (n, window)
        xs.append(padded[idx])
        ids.append(np.full(len(end_idx), uid))
        ends.append(g[time_col].to_numpy()[end_idx])
        if target_col:
            ys.append(g[target_col].to_numpy(dtype=np.float32)[end_idx])
    if not xs:
        n_ch = len(feature_cols)
        return WindowSet(np.zeros((0, window, n_ch), np.float32), np.zeros(0, np.float32) if target_col else None,
                         np.zeros(0), np.zeros(0), list(feature_cols))
    return WindowSet(
        np.concatenate(xs).astype(np.float32),
        np.concatenate(ys) if target_col else None,
        np.concatenate(ids),
        np.concatenate(ends),
        list(feature_cols),
    )


# --------------------------------------------------------------------------------------------
# Scaling
# --------------------------------------------------------------------------------------------
@dataclass
class SeriesScaler:
    """Standardise columns with mean/std fitted on training rows only, optionally per group.

    Attributes:
        columns: Columns to scale (others pass through).
        group_col: Optional column whose values select separate statistics (e.g. an operating
            condition id); ``None`` = one set of statistics.
        min_std: Floor for the standard deviation, so a (near-)constant column maps to ~0
            instead of dividing by zero.
        stats_: After ``fit``: ``{group: {"mean": {...}, "std": {...}}}`` (group ``"__all__"``
            when ``group_col`` is ``None``).
    """

    columns: list[str]
    group_col: str | None = None
    min_std: float = 1e-6
    stats_: dict[str, dict[str, dict[str, float]]] = field(default_factory=dict)

    def fit(self, frame: pd.DataFrame) -> "SeriesScaler":
        """Fit statistics on ``frame`` (training rows only!). Returns self."""
        missing = [c for c in self.columns + ([self.group_col] if self.group_col else []) if c not in frame]
        if missing:
            raise KeyError(f"SeriesScaler.fit: columns {missing} not in frame")
        groups = frame.groupby(self.group_col) if self.group_col else [("__all__", frame)]
        self.stats_ = {}
        for key, g in groups:
            key = key[0] if isinstance(key, tuple) else key
            mean = g[self.columns].mean()
            std = g[self.columns].std(ddof=0).clip(lower=self.min_std)
            self.stats_[str(key)] = {"mean": mean.to_dict(), "std": std.to_dict()}
        return self

    def transform(self, frame: pd.DataFrame) -> pd.DataFrame:
        """Return a copy with ``columns`` standardised.

        Raises:
            RuntimeError: Not fitted.
            ValueError: A group value was not seen in training.
        """
        if not self.stats_:
            raise RuntimeError("SeriesScaler is not fitted: call fit(train_frame) first")
        out = frame.copy()
        out[self.columns] = out[self.columns].astype(np.float64)
        if self.group_col is None:
            st = self.stats_["__all__"]
            out[self.columns] = (out[self.columns] - pd.Series(st["mean"])) / pd.Series(st["std"])
            return out
        for key, idx in out.groupby(self.group_col).groups.items():
            st = self.stats_.get(str(key))
            if st is None:
                raise ValueError(
                    f"SeriesScaler: {self.group_col}={key!r} was not in the training data "
                    f"(known: {sorted(self.stats_)})"
                )
            out.loc[idx, self.columns] = (out.loc[idx, self.columns] - pd.Series(st["mean"])) / pd.Series(st["std"])
        return out

    def fit_transform(self, frame: pd.DataFrame) -> pd.DataFrame:
        """``fit(frame).transform(frame)``."""
        return self.fit(frame).transform(frame)

    def to_dict(self) -> dict[str, Any]:
        """JSON-able state (to store beside an adapter)."""
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "SeriesScaler":
        """Rebuild from :meth:`to_dict` output."""
        return cls(**d)


# --------------------------------------------------------------------------------------------
# PatchTST
# --------------------------------------------------------------------------------------------
@dataclass
class PatchTSTSpec:
    """Shape of a PatchTST backbone (shared by pretraining and fine-tuning).

    Attributes:
        context_length: Window length in time steps.
        patch_length: Steps per patch (the transformer's token).
        patch_stride: Steps between patch starts (``< patch_length`` = overlapping patches).
        d_model: Hidden size.
        num_layers: Encoder layers.
        num_heads: Attention heads (must divide ``d_model``).
        ffn_dim: Feed-forward size.
        dropout: Dropout in attention, feed-forward and positional encoding.
        head_dropout: Dropout before the head.
        norm_type: ``"layernorm"`` (default, adapter round trip is exact) or ``"batchnorm"``.
        channel_attention: Also attend across channels within a layer (mixes sensors earlier
            than the head does).
        pooling_type: ``"mean"`` or ``"max"`` pooling of patch embeddings for the heads.
        mask_ratio: Share of patches masked in pretraining (PatchTST paper: 0.4).
    """

    context_length: int = 32
    patch_length: int = 8
    patch_stride: int = 4
    d_model: int = 64
    num_layers: int = 3
    num_heads: int = 4
    ffn_dim: int = 128
    dropout: float = 0.1
    head_dropout: float = 0.1
    norm_type: str = "layernorm"
    channel_attention: bool = False
    pooling_type: str = "mean"
    mask_ratio: float = 0.4

    def problems(self, prefix: str = "spec") -> list[str]:
        """Every invalid field, each naming the field."""
        p = []
        for name in ("context_length", "patch_length", "patch_stride", "d_model", "num_layers", "num_heads", "ffn_dim"):
            if int(getattr(self, name)) < 1:
                p.append(f"{prefix}.{name} must be >= 1, got {getattr(self, name)}")
        if self.patch_length > self.context_length:
            p.append(f"{prefix}.patch_length ({self.patch_length}) must be <= context_length ({self.context_length})")
        if self.num_heads >= 1 and self.d_model % self.num_heads:
            p.append(f"{prefix}.d_model ({self.d_model}) must be divisible by num_heads ({self.num_heads})")
        if self.norm_type not in ("layernorm", "batchnorm"):
            p.append(f"{prefix}.norm_type must be 'layernorm' or 'batchnorm', got {self.norm_type!r}")
        if self.pooling_type not in ("mean", "max"):
            p.append(f"{prefix}.pooling_type must be 'mean' or 'max', got {self.pooling_type!r}")
        for name in ("dropout", "head_dropout", "mask_ratio"):
            if not 0.0 <= float(getattr(self, name)) < 1.0:
                p.append(f"{prefix}.{name} must be in [0, 1), got {getattr(self, name)}")
        return p

    def hf_config(self, num_channels: int, **extra: Any):
        """The ``transformers.PatchTSTConfig`` for ``num_channels`` channels."""
        from transformers import PatchTSTConfig

        if self.problems():
            raise ValueError("; ".join(self.problems()))
        return PatchTSTConfig(
            num_input_channels=num_channels,
            context_length=self.context_length,
            patch_length=self.patch_length,
            patch_stride=self.patch_stride,
            d_model=self.d_model,
            num_hidden_layers=self.num_layers,
            num_attention_heads=self.num_heads,
            ffn_dim=self.ffn_dim,
            attention_dropout=self.dropout,
            ff_dropout=self.dropout,
            positional_dropout=self.dropout,
            head_dropout=self.head_dropout,
            norm_type=self.norm_type,
            channel_attention=self.channel_attention,
            pooling_type=self.pooling_type,
            random_mask_ratio=self.mask_ratio,
            mask_type="random",
            scaling=None,  # level matters, see module docstring
            loss="mse",
            **extra,
        )


def build_patchtst(
    spec: PatchTSTSpec,
    task: str,
    *,
    num_channels: int,
    num_targets: int = 1,
    base: str | Path | nn.Module | None = None,
    seed: int | None = None,
) -> nn.Module:
    """Build a PatchTST for ``task`` and optionally load a pretrained backbone into it.

    PatchTST is channel-independent in its backbone (one set of weights shared by all channels),
    so a backbone pretrained on N channels loads into a model with any number of channels; only
    the head (which flattens channels x d_model) is new.

    Args:
        spec: Backbone shape.
        task: ``"pretraining"``, ``"regression"`` or ``"classification"``.
        num_channels: Input channels.
        num_targets: Regression targets or classes.
        base: Directory of a saved pretrained PatchTST (any head), or a PatchTST module, whose
            ``model.*`` (backbone) weights are copied in.
        seed: Seed for the new head's initialisation.

    Returns:
        The model in train mode.
    """
    from transformers import PatchTSTForClassification, PatchTSTForPretraining, PatchTSTForRegression

    classes = {"pretraining": PatchTSTForPretraining, "regression": PatchTSTForRegression,
               "classification": PatchTSTForClassification}
    if task not in classes:
        raise ValueError(f"task must be one of {sorted(classes)}, got {task!r}")
    if seed is not None:
        torch.manual_seed(seed)
    cfg = spec.hf_config(num_channels, num_targets=num_targets)
    model = classes[task](cfg)
    if base is not None:
        load_backbone(model, base)
    model.train()
    return model


def load_backbone(model: nn.Module, base: str | Path | nn.Module) -> nn.Module:
    """Copy the backbone (``model.*`` keys) of ``base`` into ``model``; heads stay as they are.

    Raises:
        ValueError: A backbone key is missing or has another shape (a different spec).
    """
    if isinstance(base, (str, Path)):
        from safetensors.torch import load_file

        path = Path(base)
        if not (path / "model.safetensors").exists():
            raise FileNotFoundError(f"no model.safetensors in {path}: not a saved PatchTST")
        state = load_file(str(path / "model.safetensors"))
    else:
        state = base.state_dict()
    backbone = {k: v for k, v in state.items() if k.startswith("model.")}
    own = model.state_dict()
    bad = [k for k, v in backbone.items() if k not in own or own[k].shape != v.shape]
    missing = [k for k in own if k.startswith("model.") and k not in backbone]
    if bad or missing:
        raise ValueError(
            f"pretrained backbone does not fit this PatchTST spec: mismatched {bad[:5]}, missing {missing[:5]}"
        )
    model.load_state_dict(backbone, strict=False)
    return model


def patchtst_lora_targets(*, include_embedding: bool = False) -> list[str]:
    """LoRA target module names of PatchTST's encoder (attention and feed-forward linears).

    ``ff.0``/``ff.3`` are the two linears of each layer's feed-forward block. The patch
    embedding (``input_embedding``) is optional: adapting it changes how raw sensor values are
    read, which helps when the new fleet's sensors behave differently. The head is never a LoRA
    target: it is new per task and trained fully (``modules_to_save``).
    """
    targets = ["q_proj", "k_proj", "v_proj", "out_proj", "ff.0", "ff.3"]
    return targets + (["input_embedding"] if include_embedding else [])


def norm_modules_to_save(model: nn.Module) -> list[str]:
    """Names of BatchNorm modules (their running statistics must travel with an adapter)."""
    return sorted({name.split(".")[-1] for name, m in model.named_modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)})


@torch.no_grad()
def predict_batched(model: nn.Module, X: np.ndarray, *, batch_size: int = 512, output: str = "auto") -> np.ndarray:
    """Run a PatchTST (plain or peft-wrapped) over ``X`` in eval mode and return numpy outputs.

    Args:
        model: The model.
        X: ``(n, window, channels)`` inputs.
        batch_size: Batch size.
        output: ``"regression"``, ``"classification"`` (logits) or ``"auto"`` (whichever the
            model returns).
    """
    was_training = model.training
    model.eval()
    outs = []
    try:
        for i in range(0, len(X), batch_size):
            xb = torch.as_tensor(X[i : i + batch_size], dtype=torch.float32)
            res = model(past_values=xb)
            val = getattr(res, "regression_outputs", None) if output in ("auto", "regression") else None
            if val is None:
                val = res.prediction_logits
            outs.append(val.float().cpu().numpy())
    finally:
        model.train(was_training)
    return np.concatenate(outs) if outs else np.zeros((0, 1), np.float32)


# --------------------------------------------------------------------------------------------
# Pretraining with a cache
# --------------------------------------------------------------------------------------------
@dataclass
class PretrainArgs:
    """Settings of pretraining: masked-patch reconstruction, optionally followed by supervision.

    Attributes:
        epochs: Passes over the windows with the masked-patch objective (PatchTST paper).
        batch_size: Windows per step.
        lr: AdamW learning rate (linear warm-up, cosine decay to 10%).
        weight_decay: AdamW weight decay.
        seed: Seed for initialisation, masking and shuffling.
        max_windows: Subsample the windows to at most this many (``None`` = all).
        supervised_epochs: Passes with a regression head on ``targets`` after the masked
            epochs (0 = self-supervised only). For a simulated fleet the simulator knows the
            truth (e.g. remaining life), so the backbone can learn what matters downstream.
    """

    epochs: int = 10
    batch_size: int = 256
    lr: float = 1e-3
    weight_decay: float = 0.01
    seed: int = 0
    max_windows: int | None = None
    supervised_epochs: int = 0

    def problems(self, prefix: str = "pretrain") -> list[str]:
        """Every invalid field, each naming the field."""
        p = []
        if self.epochs < 1:
            p.append(f"{prefix}.epochs must be >= 1, got {self.epochs}")
        if self.batch_size < 1:
            p.append(f"{prefix}.batch_size must be >= 1, got {self.batch_size}")
        if not self.lr > 0:
            p.append(f"{prefix}.lr must be > 0, got {self.lr}")
        if self.max_windows is not None and self.max_windows < 1:
            p.append(f"{prefix}.max_windows must be >= 1 or null, got {self.max_windows}")
        if self.supervised_epochs < 0:
            p.append(f"{prefix}.supervised_epochs must be >= 0, got {self.supervised_epochs}")
        return p


@dataclass
class PretrainResult:
    """What :func:`pretrain_patchtst` returns.

    Attributes:
        path: Directory of the saved model (``config.json`` + ``model.safetensors`` +
            ``pretrain_info.json``).
        model: The loaded ``PatchTSTForPretraining`` (eval mode).
        from_cache: True when it was loaded instead of trained.
        info: Contents of ``pretrain_info.json`` (key, losses per epoch, seconds, windows/s,
            peak memory).
    """

    path: Path
    model: nn.Module
    from_cache: bool
    info: dict[str, Any]


def pretrain_cache_key(X: np.ndarray, spec: PatchTSTSpec, args: PretrainArgs, extra: dict | None = None,
                       targets: np.ndarray | None = None) -> str:
    """Hash of everything that determines a pretrained model: spec, settings, data, ``extra``."""
    digest = hashlib.sha256()
    digest.update(json.dumps({"spec": dataclasses.asdict(spec), "args": dataclasses.asdict(args),
                              "extra": extra or {}, "shape": list(X.shape)}, sort_keys=True).encode())
    digest.update(np.ascontiguousarray(X, dtype=np.float32).tobytes())
    if targets is not None:
        digest.update(b"targets" + np.ascontiguousarray(targets, dtype=np.float32).tobytes())
    return digest.hexdigest()[:16]


def _peak_memory_mb() -> float:
    if torch.cuda.is_available():
        return torch.cuda.max_memory_allocated() / 2**20
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # Linux: KiB


def _train_loop(model: nn.Module, loss_fn, Xt: torch.Tensor, yt: torch.Tensor | None, args: PretrainArgs,
                epochs: int, label: str, verbose: bool) -> list[float]:
    """AdamW with linear warm-up over 5% of the steps, then cosine to 10% (usual transformer schedule)."""
    opt = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=args.lr,
                            weight_decay=args.weight_decay)
    total = math.ceil(len(Xt) / args.batch_size) * epochs
    warm = max(1, total // 20)
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: (s + 1) / warm if s < warm else 0.1 + 0.45 * (1 + math.cos(math.pi * (s - warm) / max(1, total - warm)))
    )
    losses: list[float] = []
    # Train on a GPU when there is one (the data stays on the CPU and goes over batch by batch); the
    # model returns to where it came from, so callers and the cache see a CPU model either way.
    home = next(model.parameters()).device
    device = torch.device("cuda") if torch.cuda.is_available() else home
    model.to(device)
    model.train()
    try:
        for epoch in range(epochs):
            perm = torch.randperm(len(Xt))
            total_loss = 0.0
            for i in range(0, len(Xt), args.batch_size):
                idx = perm[i : i + args.batch_size]
                loss = loss_fn(model, Xt[idx].to(device), None if yt is None else yt[idx].to(device))
                opt.zero_grad(set_to_none=True)
                loss.backward()
                torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
                opt.step()
                sched.step()
                total_loss += float(loss.detach()) * len(idx)
            losses.append(total_loss / len(Xt))
            if verbose:
                print(f"pretrain ({label}) epoch {epoch + 1}/{epochs}: loss {losses[-1]:.4f}")
    finally:
        model.to(home)
    return losses


def pretrain_patchtst(
    X: np.ndarray,
    spec: PatchTSTSpec,
    args: PretrainArgs | None = None,
    *,
    targets: np.ndarray | None = None,
    name: str = "patchtst",
    cache_dir: str | Path | None = None,
    key_extra: dict | None = None,
    force: bool = False,
    verbose: bool = False,
) -> PretrainResult:
    """Pretrain a PatchTST (masked patches, then optionally supervised), or load it from the cache.

    One plain training loop rather than the Lightning fit of ``workbench.training``: the result
    is cached and content-addressed, so checkpoints/resume would add nothing, and a small loop
    keeps a cold test session fast. Downstream code uses only the backbone (``model.*`` weights,
    see :func:`load_backbone`), whichever head the saved model has.

    Args:
        X: ``(n_windows, context_length, channels)`` standardised windows.
        spec: Backbone shape.
        args: Training settings.
        targets: ``(n_windows,)`` or ``(n_windows, k)`` regression targets (best scaled to ~[0, 1])
            for ``args.supervised_epochs``; ignored when that is 0.
        name: Prefix of the cache directory name.
        cache_dir: Where to cache (default ``workbench.paths.models_cache_dir()``).
        key_extra: More things to include in the cache key (e.g. the simulator's settings).
        force: Train even if cached.
        verbose: Print the loss per epoch.

    Returns:
        A :class:`PretrainResult`; ``model`` is a ``PatchTSTForPretraining`` or, after a
        supervised stage, a ``PatchTSTForRegression``.
    """
    from transformers import PatchTSTForPretraining, PatchTSTForRegression

    from workbench.io import atomic_directory, atomic_write_json, safe_name

    args = args or PretrainArgs()
    if args.problems() or spec.problems():
        raise ValueError("; ".join(args.problems() + spec.problems()))
    if X.ndim != 3 or X.shape[1] != spec.context_length:
        raise ValueError(f"X must be (n, {spec.context_length}, channels), got {X.shape}")
    if not np.isfinite(X).all():
        raise ValueError("X contains NaN or inf: clean or impute before pretraining")
    supervised = args.supervised_epochs > 0
    if supervised:
        if targets is None or len(targets) != len(X):
            raise ValueError(f"supervised_epochs={args.supervised_epochs} needs one target per window "
                             f"(got {None if targets is None else len(targets)} for {len(X)} windows)")
        targets = np.asarray(targets, dtype=np.float32).reshape(len(X), -1)
        if not np.isfinite(targets).all():
            raise ValueError("targets contain NaN or inf")
    else:
        targets = None
    safe_name(name, what="pretrained model name")
    if cache_dir is None:
        from workbench.paths import models_cache_dir

        cache_dir = models_cache_dir()
    key = pretrain_cache_key(X, spec, args, key_extra, targets)
    path = Path(cache_dir) / f"{name}-{key}"
    if path.exists() and (path / "pretrain_info.json").exists() and not force:
        info = json.loads((path / "pretrain_info.json").read_text())
        klass = PatchTSTForRegression if info.get("model_class") == "PatchTSTForRegression" else PatchTSTForPretraining
        model = klass.from_pretrained(str(path))
        model.eval()
        return PretrainResult(path, model, True, info)

    rng = np.random.default_rng(args.seed)
    if args.max_windows and len(X) > args.max_windows:
        keep = np.sort(rng.choice(len(X), args.max_windows, replace=False))
        X = X[keep]
        targets = None if targets is None else targets[keep]
    torch.manual_seed(args.seed)
    Xt = torch.as_tensor(X, dtype=torch.float32)
    t0 = time.perf_counter()
    model = build_patchtst(spec, "pretraining", num_channels=X.shape[-1])
    losses = _train_loop(model, lambda m, xb, _: m(past_values=xb).loss, Xt, None, args, args.epochs, "masked", verbose)
    sup_losses: list[float] = []
    if supervised:
        reg = build_patchtst(spec, "regression", num_channels=X.shape[-1], num_targets=targets.shape[1], base=model)
        yt = torch.as_tensor(targets)
        sup_losses = _train_loop(
            reg, lambda m, xb, yb: torch.nn.functional.mse_loss(m(past_values=xb).regression_outputs, yb),
            Xt, yt, args, args.supervised_epochs, "supervised", verbose)
        model = reg
    seconds = time.perf_counter() - t0
    model.eval()
    info = {
        "key": key,
        "name": name,
        "model_class": type(model).__name__,
        "spec": dataclasses.asdict(spec),
        "args": dataclasses.asdict(args),
        "extra": key_extra or {},
        "n_windows": int(len(X)),
        "n_channels": int(X.shape[-1]),
        "loss_per_epoch": losses,
        "supervised_loss_per_epoch": sup_losses,
        "seconds": seconds,
        "windows_per_s": len(X) * (args.epochs + args.supervised_epochs) / max(seconds, 1e-9),
        "peak_memory_mb": _peak_memory_mb(),
    }
    with atomic_directory(path) as tmp:
        model.save_pretrained(str(tmp), safe_serialization=True)
        atomic_write_json(Path(tmp) / "pretrain_info.json", info)
    return PretrainResult(path, model, False, info)


def continue_pretraining(base: str | Path, X: np.ndarray, spec: PatchTSTSpec, out_dir: str | Path, *,
                         epochs: int = 2, lr: float = 5e-4, batch_size: int = 256, seed: int = 0,
                         max_windows: int | None = None, verbose: bool = False) -> dict[str, Any]:
    """Continue masked-patch pretraining of a saved backbone on new, unlabelled windows.

    The fleet-adaptive step of issue 12: before LoRA, the factory backbone reads the user's own
    training series with the self-supervised objective it was pretrained with (no labels, so
    nothing of the target leaks), which moves it towards this fleet's sensors and regimes. The
    result is saved like any pretrained PatchTST (``config.json`` + ``model.safetensors``), so
    :func:`build_patchtst` loads it as ``base``.

    Args:
        base: Directory of the saved base model.
        X: ``(n, context_length, channels)`` standardised windows of the user's training data.
        spec: Backbone shape of ``base``.
        out_dir: Where the adapted backbone goes (written atomically).
        epochs: Masked-patch epochs (>= 1).
        lr: AdamW learning rate (lower than pretraining: a nudge, not a new model).
        batch_size: Windows per step.
        seed: Seed of masking and shuffling.
        max_windows: Subsample the windows to at most this many.
        verbose: Print the loss per epoch.

    Returns:
        ``{"path", "loss_per_epoch", "seconds", "n_windows"}``.
    """
    from workbench.io import atomic_directory

    if epochs < 1:
        raise ValueError(f"continue_pretraining: epochs must be >= 1, got {epochs}")
    if X.ndim != 3 or X.shape[1] != spec.context_length:
        raise ValueError(f"X must be (n, {spec.context_length}, channels), got {X.shape}")
    args = PretrainArgs(epochs=epochs, batch_size=batch_size, lr=lr, seed=seed, max_windows=max_windows)
    if max_windows and len(X) > max_windows:
        X = X[np.sort(np.random.default_rng(seed).choice(len(X), max_windows, replace=False))]
    torch.manual_seed(seed)
    t0 = time.perf_counter()
    model = build_patchtst(spec, "pretraining", num_channels=X.shape[-1], base=base)
    losses = _train_loop(model, lambda m, xb, _: m(past_values=xb).loss, torch.as_tensor(X, dtype=torch.float32),
                         None, args, epochs, "fleet-adaptive", verbose)
    model.eval()
    with atomic_directory(Path(out_dir)) as tmp:
        model.save_pretrained(str(tmp), safe_serialization=True)
    return {"path": Path(out_dir), "loss_per_epoch": losses, "seconds": time.perf_counter() - t0, "n_windows": int(len(X))}


def supervised_pretraining(base: str | Path, X: np.ndarray, y: np.ndarray, spec: PatchTSTSpec, out_dir: str | Path, *,
                           epochs: int = 2, lr: float = 1e-3, batch_size: int = 256, seed: int = 0,
                           verbose: bool = False) -> dict[str, Any]:
    """Continue a saved backbone with a regression head on ``(X, y)`` and save it (a later stage of a
    factory recipe: e.g. simulated remaining life, which a simulator knows exactly).

    Returns:
        ``{"path", "loss_per_epoch", "seconds", "n_windows"}``; the saved model is a
        ``PatchTSTForRegression`` whose backbone :func:`load_backbone` reads.
    """
    from workbench.io import atomic_directory

    y = np.asarray(y, dtype=np.float32).reshape(len(X), -1)
    if X.ndim != 3 or X.shape[1] != spec.context_length or not np.isfinite(y).all():
        raise ValueError(f"X must be (n, {spec.context_length}, channels) with finite targets, got {X.shape}")
    args = PretrainArgs(epochs=epochs, batch_size=batch_size, lr=lr, seed=seed)
    torch.manual_seed(seed)
    t0 = time.perf_counter()
    reg = build_patchtst(spec, "regression", num_channels=X.shape[-1], num_targets=y.shape[1], base=base)
    losses = _train_loop(reg, lambda m, xb, yb: torch.nn.functional.mse_loss(m(past_values=xb).regression_outputs, yb),
                         torch.as_tensor(X, dtype=torch.float32), torch.as_tensor(y), args, epochs, "supervised", verbose)
    reg.eval()
    with atomic_directory(Path(out_dir)) as tmp:
        reg.save_pretrained(str(tmp), safe_serialization=True)
    return {"path": Path(out_dir), "loss_per_epoch": losses, "seconds": time.perf_counter() - t0, "n_windows": int(len(X))}


# --------------------------------------------------------------------------------------------
# Lazy windows (issue 11: thousands of series without materialising every window)
# --------------------------------------------------------------------------------------------
class LazyWindows(torch.utils.data.Dataset):
    """Windows cut on demand from per-series arrays: memory grows with the rows, not the windows.

    :func:`sliding_windows` materialises ``n_windows x window x channels`` floats, ``window``
    times the data itself (32x for a 32-cycle window). This dataset keeps one float32 array of
    all rows plus an index of window ends, and cuts each window in ``__getitem__`` with the same
    front padding (the series' first row repeated) as :func:`sliding_windows`, so
    ``LazyWindows(...)[i]`` equals ``sliding_windows(...).X[i]`` for the same arguments.

    Args:
        frame: Long frame, one row per (series, time step).
        id_col, time_col, feature_cols, window, target_col, stride, last_only: As
            :func:`sliding_windows`.
        min_end: Keep only windows whose end time value is at least this (e.g. full windows).

    Attributes:
        ids, ends, y: Per window, as in :class:`WindowSet` (``y`` is ``None`` without a target).
    """

    def __init__(self, frame: pd.DataFrame, *, id_col: str, time_col: str, feature_cols: Sequence[str], window: int,
                 target_col: str | None = None, stride: int = 1, last_only: bool = False,
                 min_end: float | None = None):
        if window < 1 or stride < 1:
            raise ValueError(f"window and stride must be >= 1, got window={window}, stride={stride}")
        cols = [id_col, time_col, *feature_cols] + ([target_col] if target_col else [])
        missing = [c for c in cols if c not in frame.columns]
        if missing:
            raise KeyError(f"LazyWindows: columns {missing} not in frame (has {list(frame.columns)})")
        frame = frame.sort_values([id_col, time_col], kind="stable")
        self.window = int(window)
        self.feature_cols = list(feature_cols)
        self.values = np.ascontiguousarray(frame[self.feature_cols].to_numpy(dtype=np.float32))
        ids = frame[id_col].to_numpy()
        times = frame[time_col].to_numpy()
        change = np.flatnonzero(np.r_[True, ids[1:] != ids[:-1]])
        starts, stops = change, np.r_[change[1:], len(ids)]
        ends, first = [], []
        for a, b in zip(starts, stops):
            idx = np.array([b - 1]) if last_only else np.arange(b - 1, a - 1, -stride)[::-1]
            ends.append(idx)
            first.append(np.full(len(idx), a))
        self.end_rows = np.concatenate(ends) if ends else np.zeros(0, int)
        self.first_rows = np.concatenate(first) if first else np.zeros(0, int)
        if min_end is not None:
            keep = times[self.end_rows] >= min_end
            self.end_rows, self.first_rows = self.end_rows[keep], self.first_rows[keep]
        self.ids = ids[self.end_rows]
        self.ends = times[self.end_rows]
        self.y = frame[target_col].to_numpy(dtype=np.float32)[self.end_rows] if target_col else None

    def __len__(self) -> int:
        return len(self.end_rows)

    def window_array(self, i: int) -> np.ndarray:
        """Window ``i`` as ``(window, channels)`` float32 (front-padded with the series' first row)."""
        end, first = int(self.end_rows[i]), int(self.first_rows[i])
        rows = np.arange(end - self.window + 1, end + 1)
        return self.values[np.maximum(rows, first)]

    def __getitem__(self, i: int):
        x = torch.from_numpy(self.window_array(i))
        if self.y is None:
            return x
        return x, torch.tensor(self.y[i])

    def take(self, index: np.ndarray) -> np.ndarray:
        """Windows ``index`` as one ``(len(index), window, channels)`` array (for a batch or a subset)."""
        index = np.asarray(index, dtype=int)
        rows = self.end_rows[index, None] + np.arange(-self.window + 1, 1)[None, :]
        return self.values[np.maximum(rows, self.first_rows[index, None])]

    def nbytes(self) -> int:
        """Bytes held (rows plus index), for memory reports."""
        return int(self.values.nbytes + self.end_rows.nbytes + self.first_rows.nbytes
                   + (self.y.nbytes if self.y is not None else 0))
