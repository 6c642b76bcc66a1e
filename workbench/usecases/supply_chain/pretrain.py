"""The demand base model: pretraining on the workbench's own simulator, the cache, and shipped bases.

A supply-chain adapter starts from a base :class:`~workbench.usecases.supply_chain.model.QuantileForecaster`
that learnt demand from the simulator (:mod:`workbench.usecases.supply_chain.simulate`), at the data's
frequency: a weekly or monthly base reads the simulation summed to weeks or months. A base is trained
once per setting and cached (``models_cache_dir()/supply-base-<key>``); the default configuration's
daily, weekly and monthly bases ship in the package (:data:`SHIPPED_DIR`, sha256 checked at load),
so no user waits for them.

Usage::

    from workbench.usecases.supply_chain.pretrain import pretrained_base
    base, info = pretrained_base(task, freq="MS")   # shipped, cached, or pretrained now
    # rebuild a shipped base: workbench supply pretrain --freq MS --force --ship
"""

from __future__ import annotations

import hashlib
import json
import shutil
import tempfile
import time
from pathlib import Path

import torch

from workbench.usecases.supply_chain.config import SupplyTaskArgs
from workbench.usecases.supply_chain.model import (BASE_VERSION, QuantileForecaster, arch_config, load_forecaster,
                                                   origin_stride, save_forecaster)


def _base_key(args: SupplyTaskArgs, freq: str = "D") -> str:
    fields = arch_config(args) | {k: getattr(args, k) for k in (
        "pretrain_epochs", "pretrain_lr", "pretrain_batch_size", "pretrain_stride", "sim_skus", "sim_days",
        "sim_seed", "source_regions", "min_history",
        # Pretraining stops test_periods + val_periods before the end of the simulation: part of the key.
        "test_periods", "val_periods")}
    fields["version"] = BASE_VERSION
    if freq != "D":  # a weekly or monthly base learns from the simulation summed to that frequency
        fields["freq"] = "M" if freq in ("MS", "ME") else freq
    return hashlib.sha256(json.dumps(fields, sort_keys=True, default=str).encode()).hexdigest()[:16]


SHIPPED_DIR = Path(__file__).resolve().parent / "base"
"""Bases shipped in the package, one folder per default setting (``supply-base-<key>``: the default
config's daily, weekly and monthly settings), so no user waits for pretraining. Each holds the
weights (safetensors), ``config.json`` and ``info.json`` with the sha256 that is checked at load;
``MODEL_CARD.md`` beside them states the corpus and the recipe. ``workbench supply pretrain --freq F
--force --ship`` rebuilds one."""


def shipped_base(key: str, path: Path = SHIPPED_DIR) -> tuple[QuantileForecaster, dict] | None:
    """The shipped base of this cache key, checksum checked; None when none is shipped for it.

    Raises:
        ValueError: The shipped weights do not match their recorded sha256 (a damaged install).
    """
    from workbench.io import fingerprint_file

    folder = Path(path) / f"supply-base-{key}"
    if not (folder / "info.json").is_file():
        return None
    info = json.loads((folder / "info.json").read_text(encoding="utf-8"))
    got = fingerprint_file(folder / "model.safetensors").removeprefix("sha256:")
    if got != info.get("sha256"):
        raise ValueError(f"{folder}/model.safetensors: sha256 {got} does not match info.json ({info.get('sha256')}); "
                         "the shipped base is damaged: reinstall the package, or rebuild it with "
                         "`workbench supply pretrain --force --ship`")
    return load_forecaster(folder), info | {"from_cache": True, "from_shipped": True, "path": str(folder)}


def ship_base(cache_path: str | Path, out: Path = SHIPPED_DIR) -> Path:
    """Copy a pretrained base from the cache into the package's shipped bases, with its sha256.

    Returns:
        The shipped folder (``out/supply-base-<key>``).
    """
    from workbench.io import atomic_directory, atomic_write_json, fingerprint_file

    src = Path(cache_path)
    info = json.loads((src / "info.json").read_text(encoding="utf-8"))
    dst = Path(out) / src.name
    with atomic_directory(dst) as tmp:
        for name in ("model.safetensors", "config.json"):
            shutil.copyfile(src / name, tmp / name)
        info = {k: v for k, v in info.items() if k not in ("from_cache", "path")}
        info["sha256"] = fingerprint_file(tmp / "model.safetensors").removeprefix("sha256:")
        atomic_write_json(tmp / "info.json", info)
    write_shipped_card(out)
    return dst


def write_shipped_card(out: Path = SHIPPED_DIR) -> Path:
    """``MODEL_CARD.md`` of the shipped bases: corpus, recipe, licence and one row per base (sha256)."""
    from workbench.io import atomic_write_text
    from workbench.windows import FREQ_NAMES

    rows = []
    for folder in sorted(Path(out).glob("supply-base-*")):
        info = json.loads((folder / "info.json").read_text(encoding="utf-8"))
        rows.append(f"| `{folder.name}` | {FREQ_NAMES.get(info.get('freq', 'D'), info.get('freq'))} | "
                    f"{info.get('sim_days', '?')} | {info.get('n_series', '?')} | {info.get('train_windows', '?')} | "
                    f"{info.get('parameters', '?')} | {info.get('epochs', '?')} | "
                    f"{(info.get('val_loss') or [float('nan')])[-1]:.4f} | {info.get('seconds', 0):.0f} s | `{info['sha256']}` |")
    text = f"""# Shipped demand base models (supply chain)

Small quantile forecasters (PatchTST-style encoder with a quantile head, `model.QuantileForecaster`),
one per frequency of the default configuration, so that no user waits for pretraining.

- **Corpus:** the workbench's own demand simulator (`simulate.py`): SKUs at the distribution centres
  of the source regions {", ".join(SupplyTaskArgs().source_regions)} (the region Ost is never seen, so adapting
  to it has work to do). Daily demand; the weekly and monthly bases read it summed to weeks or months
  (`simulate.summed_demand`). No real data and no personal data; generated here, so no third-party
  licence applies.
- **Recipe:** supervised pretraining with the pinball loss over the quantile levels, AdamW, the
  default `SupplyTaskArgs` of each frequency (`config.for_frequency`); the last validation + test
  periods of the simulation are held out for the base's own validation.
- **Use:** `pretrained_base(args, freq=...)` loads a shipped base when its cache key (architecture,
  pretraining, simulator and split settings, frequency) matches; other settings pretrain their own.
  The sha256 of `model.safetensors` is checked at every load.
- **Rebuild:** `workbench supply pretrain --freq D|W|MS --force --ship`.
- **Limits:** learnt from simulated demand only; it is a starting point for LoRA on the user's data,
  and a run reports it ("frozen base") next to the adapter and the baselines.

| folder | frequency | simulated days | series | training windows | parameters | epochs | last val loss | pretraining | sha256 of model.safetensors |
|---|---|---:|---:|---:|---:|---:|---:|---:|---|
""" + "\n".join(rows) + "\n"
    path = Path(out) / "MODEL_CARD.md"
    atomic_write_text(path, text)
    return path


def pretrain_days(args: SupplyTaskArgs, freq: str = "D") -> int:
    """Days of simulated history a base for data of frequency ``freq`` pretrains on.

    Daily: ``args.sim_days``. Weekly and monthly bases learn from the simulation summed to that
    frequency, and two years of days are only 104 weeks or 24 months, less than a monthly context
    plus validation and test. They get enough days for four contexts of training origins besides
    one context, a horizon, the validation and the test periods (at least ``sim_days``).
    """
    if freq == "D":
        return args.sim_days
    per = 7 if freq == "W" else 31
    periods = 5 * args.context_length + args.horizon + args.val_periods + args.test_periods
    return max(args.sim_days, per * periods)


def pretrained_base(args: SupplyTaskArgs, *, freq: str = "D", force: bool = False, progress_bar: bool = False,
                    verbose: bool = False) -> tuple[QuantileForecaster, dict]:
    """Return the base forecaster pretrained on simulated demand of ``args.source_regions``.

    The base is trained once (supervised, pinball loss, with ``workbench.training.fit``) and
    cached under ``workbench.paths.models_cache_dir()/supply-base-<key>``, where the key hashes
    the architecture, the pretraining settings, the simulator settings and the frequency. Later
    calls load it. For the default config's daily, weekly and monthly settings the package ships
    the base (:data:`SHIPPED_DIR`, sha256 checked): it is used without pretraining. A base for
    weekly or monthly data pretrains on the simulation summed to weeks or months
    (:func:`~workbench.usecases.supply_chain.simulate.summed_demand`, over :func:`pretrain_days`):
    daily patterns (weekdays) are not what a monthly series shows.

    Args:
        args: Use-case settings (their lengths count periods of ``freq``).
        freq: Frequency of the data the base will forecast: ``D``, ``W``, ``MS`` or ``ME``.
        force: Retrain even when cached or shipped (the result goes to the cache).
        progress_bar: Show Lightning's progress bar.
        verbose: Print where the base comes from.

    Returns:
        ``(model in eval mode, info dict)``; ``info["from_cache"]`` tells whether it was loaded.
    """
    from workbench.config import TrainArgs
    from workbench.paths import models_cache_dir
    from workbench.training import fit, make_loader
    from workbench.usecases.supply_chain.simulate import SimulationSpec, simulate_demand, summed_demand
    from workbench.usecases.supply_chain.task import QuantileTask
    from workbench.windows import DemandPanel, ForecastWindows, batch_identity, training_origins

    key = _base_key(args, freq)
    shipped = None if force else shipped_base(key)
    if shipped is not None:  # the default settings: the base that ships with the package
        if verbose:
            print(f"loaded the shipped base model from {shipped[1]['path']}")
        return shipped
    path = models_cache_dir() / f"supply-base-{key}"
    if path.is_dir() and (path / "info.json").is_file() and not force:
        info = json.loads((path / "info.json").read_text()) | {"from_cache": True, "path": str(path)}
        if verbose:
            print(f"loaded cached base model from {path}")
        return load_forecaster(path), info

    sim = simulate_demand(SimulationSpec(n_skus=args.sim_skus, n_days=pretrain_days(args, freq), seed=args.sim_seed,
                                         regions=tuple(args.source_regions)))
    panel = DemandPanel.from_frame(sim.demand if freq == "D" else summed_demand(sim.demand, freq))
    T = len(panel.dates)
    # Pretrain on the same history span an adapter would train on (the last val+test days of the
    # simulation are kept for the base's own validation and never used for training).
    train_end = T - args.test_periods - args.val_periods
    tr = training_origins(panel, context=args.context_length, horizon=args.horizon, first=0, last=train_end,
                          stride=args.pretrain_stride, min_history=args.min_history)
    va = training_origins(panel, context=args.context_length, horizon=args.horizon, first=train_end,
                          last=T - args.test_periods, stride=origin_stride(freq), min_history=args.min_history)
    torch.manual_seed(args.sim_seed)
    model = QuantileForecaster(arch_config(args))
    task = QuantileTask(args.quantiles)
    targs = TrainArgs(max_epochs=args.pretrain_epochs, batch_size=args.pretrain_batch_size, lr=args.pretrain_lr,
                      weight_decay=0.01, warmup_ratio=0.05, progress_bar=progress_bar, logger="csv",
                      accelerator="auto", precision="32-true")
    train_loader = make_loader(ForecastWindows(panel, args.context_length, args.horizon, tr), targs.batch_size,
                               batch_identity, seed=args.sim_seed)
    val_loader = make_loader(ForecastWindows(panel, args.context_length, args.horizon, va), 512, batch_identity,
                             shuffle=False)
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="supply-pretrain-") as run_dir:
        result = fit(model, task, train_loader, val_loader, targs, run_dir, resume=False, seed=args.sim_seed)
    seconds = time.perf_counter() - t0
    model.cpu().eval()
    hist = result.history
    info = {
        "key": _base_key(args, freq), "version": BASE_VERSION, "source_regions": list(args.source_regions),
        "freq": freq, "sim_days": pretrain_days(args, freq),
        "n_series": len(panel), "train_windows": int(len(tr)), "val_windows": int(len(va)),
        "epochs": args.pretrain_epochs, "seconds": seconds, "samples_per_s": result.samples_per_s,
        "peak_memory_mb": result.peak_memory_mb, "accelerator": result.accelerator,
        "val_loss": [float(v) for v in hist["val_loss"].dropna()] if "val_loss" in hist else [],
        "parameters": int(sum(p.numel() for p in model.parameters())),
    }
    save_forecaster(model, path, info)
    if verbose:
        print(f"pretrained base model in {seconds:.1f}s on {len(tr)} windows; cached at {path}")
    return model, info | {"from_cache": False, "path": str(path)}
