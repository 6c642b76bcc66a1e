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
* :func:`predict_batched`: inference in batches; :class:`LazyWindows`: windows cut on demand.
* Pretraining (:func:`pretrain_patchtst`, :class:`PretrainArgs`, :func:`continue_pretraining`, ...)
  lives in :mod:`workbench.ts_pretrain`; its names are re-exported here (loaded on first use), so
  ``from workbench.timeseries import pretrain_patchtst`` keeps working.

Why ``norm_type="layernorm"``: PatchTST defaults to BatchNorm. Its running statistics move during
LoRA training but are not part of a LoRA adapter, so a saved-and-reloaded or merged model predicts
differently (measured: max abs diff 2.47, see ``../shared/STACK_NOTES.md``). LayerNorm has no
running statistics. If you do choose BatchNorm, pass ``norm_modules_to_save(model)`` as
``LoraArgs.modules_to_save`` so the statistics travel with the adapter.

Why ``scaling=None``: PatchTST's default ``"std"`` scaler standardises every window on its own,
which throws away the absolute level of a sensor. For wear and remaining life the level *is* the
signal, so series are standardised globally (fitted on training data) with :class:`SeriesScaler`.

Usage::

    from workbench.timeseries import PatchTSTSpec, sliding_windows, build_patchtst
    from workbench.ts_pretrain import pretrain_patchtst
    spec = PatchTSTSpec(context_length=32, patch_length=8, patch_stride=4)
    ws = sliding_windows(frame, id_col="unit", time_col="cycle", feature_cols=cols, window=32)
    base = pretrain_patchtst(ws.X, spec, name="my-fleet")          # cached after the first call
    reg = build_patchtst(spec, "regression", num_channels=ws.X.shape[-1], base=base.path)
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Sequence

import numpy as np
import pandas as pd
import torch
from torch import nn

if TYPE_CHECKING:  # for type checkers and IDEs; at run time the names come via __getattr__ below
    from workbench.ts_pretrain import (PretrainArgs, PretrainResult, continue_pretraining, pretrain_cache_key,
                                       pretrain_patchtst, supervised_pretraining)

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


# --------------------------------------------------------------------------------------------
# Re-exports of workbench.ts_pretrain (kept so callers and saved artefacts that name
# ``workbench.timeseries.<name>`` keep working)
# --------------------------------------------------------------------------------------------
_PRETRAIN_NAMES = frozenset({"PretrainArgs", "PretrainResult", "pretrain_cache_key", "pretrain_patchtst",
                             "continue_pretraining", "supervised_pretraining"})


def __getattr__(name: str):
    # Lazy (PEP 562) rather than a plain import at the bottom: ts_pretrain imports this module, so
    # an eager import would fail with a circular import whenever ts_pretrain is imported first.
    if name in _PRETRAIN_NAMES:
        from workbench import ts_pretrain

        return getattr(ts_pretrain, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | _PRETRAIN_NAMES)
