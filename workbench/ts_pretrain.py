"""Pretraining of a PatchTST backbone: masked patches, an optional supervised stage, a content cache.

Core, split out of :mod:`workbench.timeseries` (which re-exports every name here, so older imports
keep working). It holds:

* :class:`PretrainArgs` / :class:`PretrainResult`: settings and result of :func:`pretrain_patchtst`.
* :func:`pretrain_patchtst`: masked-patch (optionally then supervised) pretraining in one call, saved
  like any Hugging Face model under ``workbench.paths.models_cache_dir()`` and keyed by
  :func:`pretrain_cache_key` (a hash of the spec, the training settings and the data), so the second
  call (a notebook, a test, the CLI) loads it.
* :func:`continue_pretraining`: fleet-adaptive masked-patch steps on the user's unlabelled windows.
* :func:`supervised_pretraining`: a regression stage on a saved backbone (a factory recipe step).

All of them train with one small loop (:func:`_train_loop`, AdamW, warm-up then cosine) on a GPU
when there is one, and hand back a CPU model.

Usage::

    from workbench.timeseries import PatchTSTSpec, sliding_windows, build_patchtst
    from workbench.ts_pretrain import pretrain_patchtst
    base = pretrain_patchtst(ws.X, spec, name="my-fleet")          # cached after the first call
    reg = build_patchtst(spec, "regression", num_channels=ws.X.shape[-1], base=base.path)
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from workbench.timeseries import PatchTSTSpec, build_patchtst

__all__ = [
    "PretrainArgs",
    "PretrainResult",
    "pretrain_cache_key",
    "pretrain_patchtst",
    "continue_pretraining",
    "supervised_pretraining",
]


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
        from workbench.models import quiet_transformers

        with quiet_transformers():  # no "Loading weights" bar in notebooks and logs
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
