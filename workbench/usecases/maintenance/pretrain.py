"""The shipped factory base model: a broad pretraining corpus, the recipe, and the checked loader.

Issue 12: a base pretrained on one simulated fleet did not carry to real fleets. This recipe
pretrains the same small PatchTST (CPU-sized, see ``MaintenanceTaskArgs``) on a far broader corpus:

1. **Randomised simulator physics**: fleets with random regime maps (``regime_seed``), 1-6
   operating regimes, one or two fault modes, random onset, rate, curvature, noise level, sensor
   sensitivity and dead (constant) sensors.
2. **Generic synthetic series**: Gaussian-process kernel compositions (:mod:`workbench.synthetic`,
   KernelSynth as in Chronos).
3. **Real public degradation data** in ``../shared/data``: the FD001 *training* file and the AI4I
   2020 process log (both only unlabelled, in the masked stage).

Stage 1 is masked-patch reconstruction on all of it, channel by channel (PatchTST's backbone is
channel-independent, so every source contributes whatever its sensors are). Stage 2 regresses the
capped remaining life of the randomised simulated fleets, which the simulator knows exactly.
Because FD001 *train* is in the corpus, the FD001 row of ``benchmarks/bench_fleets.py`` is marked
"seen in pretraining" when this base is used.

The weights ship in ``workbench/usecases/maintenance/base/`` (``model.safetensors``,
``config.json``, ``base.json`` with the sha256, spec and corpus, ``MODEL_CARD.md``); the loader
checks the sha256 before use. Reproduce them with one command (about 10-20 min on 2 shared
CPU cores; the GPU path may use a larger ``--scale``)::

    python -m workbench.usecases.maintenance.pretrain [--scale 1.0] [--out DIR]
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from workbench.io import fingerprint_file
from workbench.timeseries import PatchTSTSpec
from workbench.ts_pretrain import PretrainArgs, PretrainResult

SHIPPED_DIR = Path(__file__).resolve().parent / "base"
"""Where the shipped base lives inside the package."""
SOURCE_SHARES = {"simulator": 0.45, "kernelsynth": 0.2, "FD001-train": 0.25, "AI4I-2020": 0.1}
"""Share of the masked-stage budget per source (a source with fewer windows uses all it has)."""
DATA_DIR = Path(__file__).resolve().parents[3].parent / "shared" / "data"
"""Default location of the real public data (``../shared/data`` next to the repository)."""


@dataclasses.dataclass
class CorpusArgs:
    """Sizes of the pretraining corpus (``scale`` multiplies the counts).

    Attributes:
        sim_fleets: Randomised simulated fleets.
        sim_units: Engines per simulated fleet.
        synthetic_windows: KernelSynth windows (univariate).
        real_stride: Window stride over the real files (FD001 train, AI4I).
        max_masked: Cap on univariate windows in the masked stage.
        masked_epochs: Masked-patch epochs.
        supervised_epochs: Simulated-RUL epochs.
        seed: Seed of everything.
    """

    sim_fleets: int = 24
    sim_units: int = 40
    synthetic_windows: int = 20_000
    real_stride: int = 2
    max_masked: int = 120_000
    masked_epochs: int = 4
    supervised_epochs: int = 4
    seed: int = 0

    def scaled(self, scale: float) -> "CorpusArgs":
        """A copy with the counts multiplied by ``scale`` (at least 2 fleets)."""
        return dataclasses.replace(self, sim_fleets=max(2, int(self.sim_fleets * scale)),
                                   synthetic_windows=int(self.synthetic_windows * scale),
                                   max_masked=max(1000, int(self.max_masked * scale)))


def random_fleet_spec(rng: np.random.Generator, units: int, seed: int):
    """A simulated fleet with randomised physics (regime map, modes, wear law, noise, dead sensors)."""
    from workbench.usecases.maintenance.simulate import FleetSpec

    lo = float(rng.uniform(5, 120))
    return FleetSpec(n_train=units, n_test=0, n_conditions=int(rng.choice([1, 1, 2, 3, 6, 6])),
                     fault_modes=[["hpc"], ["fan"], ["hpc", "fan"]][int(rng.integers(3))],
                     onset_range=(lo, lo + float(rng.uniform(20, 150))), rate_mean=float(np.exp(rng.uniform(np.log(0.02), np.log(0.09)))),
                     rate_sigma=float(rng.uniform(0.1, 0.45)), initial_wear_max=float(rng.uniform(0.02, 0.3)),
                     curvature=float(np.exp(rng.uniform(np.log(0.003), np.log(0.05)))),
                     noise_scale=float(rng.uniform(0.4, 2.5)), sensitivity_jitter=float(rng.uniform(0.05, 0.3)),
                     regime_seed=int(rng.integers(1 << 30)), dead_sensors=int(rng.choice([0, 0, 0, 1, 3])), seed=seed)


def _univariate(X: np.ndarray) -> np.ndarray:
    """``(n, w, c)`` -> ``(n * c, w, 1)``: one window per channel (channel-independent backbone)."""
    return np.ascontiguousarray(X.transpose(0, 2, 1).reshape(-1, X.shape[1], 1))


def build_corpus(window: int, rul_cap: int, args: CorpusArgs, data_dir: Path | None = DATA_DIR,
                 verbose: bool = False) -> dict[str, Any]:
    """The corpus: univariate windows per source (masked stage) and simulated RUL windows (supervised).

    Returns:
        ``{"masked": {source: (n, window, 1)}, "sup_X": (m, window, C), "sup_y": (m,), "sources": [...]}``.
    """
    from workbench.synthetic import synthetic_windows
    from workbench.usecases.maintenance.data import (CMapssPreprocessor, add_train_rul, ai4i_features, load_ai4i,
                                                     read_cmapss_file)
    from workbench.usecases.maintenance.simulate import simulate_fleet

    rng = np.random.default_rng(args.seed)
    masked: dict[str, list[np.ndarray]] = {"simulator": [], "kernelsynth": [], "FD001-train": [], "AI4I-2020": []}
    sup_X, sup_y, channels = [], [], None
    for k in range(args.sim_fleets):
        spec = random_fleet_spec(rng, args.sim_units, seed=args.seed * 100_000 + k)
        frame = add_train_rul(simulate_fleet(spec).train.drop(columns=["rul"]), cap=rul_cap)
        pre = CMapssPreprocessor(window=window, rul_cap=rul_cap).fit(frame)
        ws = pre.windows(frame, "rul_capped", stride=3)
        ws = ws.subset(ws.ends >= window)
        masked["simulator"].append(_univariate(ws.X))
        if spec.dead_sensors == 0:  # the supervised head needs one channel layout
            channels = channels or pre.channels
            if pre.channels == channels:
                sup_X.append(ws.X)
                sup_y.append(ws.y / float(rul_cap))
    masked["kernelsynth"].append(synthetic_windows(args.synthetic_windows, window, 1, seed=args.seed, length=128))
    if data_dir is not None and (Path(data_dir) / "cmapss" / "train_FD001.txt").is_file():
        frame = add_train_rul(read_cmapss_file(Path(data_dir) / "cmapss" / "train_FD001.txt"), cap=rul_cap)
        pre = CMapssPreprocessor(window=window, rul_cap=rul_cap).fit(frame)
        masked["FD001-train"].append(_univariate(pre.windows(frame, None, stride=args.real_stride).X))
    if data_dir is not None and (Path(data_dir) / "ai4i2020" / "ai4i2020.csv").is_file():
        feats = ai4i_features(load_ai4i(Path(data_dir) / "ai4i2020" / "ai4i2020.csv"))
        x = ((feats - feats.mean()) / feats.std(ddof=0).replace(0, 1.0)).to_numpy(np.float32)
        ends = np.arange(window - 1, len(x), args.real_stride * 4)
        masked["AI4I-2020"].append(_univariate(x[ends[:, None] - window + 1 + np.arange(window)]))
    out = {src: np.concatenate(v) for src, v in masked.items() if v}
    if verbose:
        print("corpus:", {k: v.shape[0] for k, v in out.items()}, "supervised:", sum(len(x) for x in sup_X), flush=True)
    if not sup_X:
        raise ValueError(f"build_corpus: none of the {args.sim_fleets} simulated fleets had all sensors; "
                         "raise sim_fleets")
    return {"masked": out, "sup_X": np.concatenate(sup_X), "sup_y": np.concatenate(sup_y), "sources": sorted(out),
            "sup_channels": channels}


def pretrain_shipped(task, out: Path = SHIPPED_DIR, *, scale: float = 1.0, data_dir: Path | None = DATA_DIR,
                     verbose: bool = True) -> dict[str, Any]:
    """Build the corpus, pretrain (masked, then simulated RUL) and write the shipped base to ``out``.

    Returns:
        The ``base.json`` contents.
    """
    import torch

    from workbench.io import atomic_directory, atomic_write_json, atomic_write_text
    from workbench.ts_pretrain import pretrain_patchtst, supervised_pretraining

    t0 = time.perf_counter()
    args = CorpusArgs().scaled(scale)
    spec: PatchTSTSpec = task.spec()
    corpus = build_corpus(task.window, task.rul_cap, args, data_dir, verbose)
    rng = np.random.default_rng(args.seed)
    # Balanced mixture: the simulator alone would give ~90 % of the windows and drown the real and
    # generic series; each source gets at most its share of the masked budget.
    parts, used = [], {}
    for src, X in corpus["masked"].items():
        n = min(len(X), int(SOURCE_SHARES.get(src, 0.1) * args.max_masked))
        parts.append(X[np.sort(rng.choice(len(X), n, replace=False))])
        used[src] = n
    Xm = np.concatenate(parts)
    torch.manual_seed(args.seed)
    with tempfile.TemporaryDirectory(prefix="maint-shipped-") as tmp:
        stage1 = pretrain_patchtst(Xm, spec, PretrainArgs(epochs=args.masked_epochs, lr=task.pretrain_lr, seed=args.seed),
                                   name="stage1", cache_dir=tmp, verbose=verbose)
        sup = supervised_pretraining(stage1.path, corpus["sup_X"], corpus["sup_y"], spec, Path(tmp) / "stage2",
                                     epochs=args.supervised_epochs, lr=task.pretrain_lr, seed=args.seed, verbose=verbose)
        info = {
            "spec": dataclasses.asdict(spec), "window": task.window, "rul_cap": task.rul_cap,
            "corpus": used, "corpus_available": {k: int(v.shape[0]) for k, v in corpus["masked"].items()},
            "corpus_args": dataclasses.asdict(args), "supervised_windows": int(len(corpus["sup_X"])),
            "supervised_channels": corpus["sup_channels"],
            "masked_loss_per_epoch": stage1.info["loss_per_epoch"], "supervised_loss_per_epoch": sup["loss_per_epoch"],
            "seconds": round(time.perf_counter() - t0, 1), "seen_real_fleets": ["FD001"] if "FD001-train" in corpus["masked"] else [],
            "command": f"python -m workbench.usecases.maintenance.pretrain --scale {scale}",
        }
        with atomic_directory(out) as dst:
            for name in ("config.json", "model.safetensors"):
                (dst / name).write_bytes((Path(sup["path"]) / name).read_bytes())
            info["sha256"] = fingerprint_file(dst / "model.safetensors").removeprefix("sha256:")
            atomic_write_json(dst / "base.json", info)
            atomic_write_text(dst / "MODEL_CARD.md", model_card(info))
            (dst / "__init__.py").write_text('"""Shipped weights of the maintenance factory base (see MODEL_CARD.md)."""\n')
    return info


def model_card(info: dict) -> str:
    """The shipped base's model card (corpus and recipe)."""
    corpus = "\n".join(f"| {k} | {v:,} |" for k, v in info["corpus"].items())
    return f"""# Maintenance factory base (PatchTST, shipped)

A small PatchTST backbone (d_model {info['spec']['d_model']}, {info['spec']['num_layers']} layers, context
{info['spec']['context_length']} cycles, patches of {info['spec']['patch_length']}) pretrained for remaining-useful-life
adaptation with LoRA. Sized for CPUs.

## Corpus (masked-patch stage, univariate windows)
| source | windows |
|---|---|
{corpus}

Randomised simulator physics (regime maps, 1-6 regimes, fault modes, wear law, noise, dead sensors),
KernelSynth Gaussian-process series (Chronos), and the real public FD001 *training* file and AI4I 2020
log (unlabelled). Then {info['supervised_windows']:,} simulated windows with their capped RUL
(supervised stage).

**FD001 train is in this corpus**: results on FD001 with this base are "seen in pretraining"; use
other fleets to judge transfer.

## Recipe
Masked epochs {info['corpus_args']['masked_epochs']}, supervised epochs {info['corpus_args']['supervised_epochs']};
losses {info['masked_loss_per_epoch']} / {info['supervised_loss_per_epoch']}; {info['seconds']} s on the
machine that built it. Reproduce: `{info['command']}`.

sha256 of model.safetensors: `{info['sha256']}` (checked at load).
"""


def load_shipped(task, path: Path = SHIPPED_DIR) -> PretrainResult:
    """The shipped base as a :class:`PretrainResult` (sha256 and spec checked).

    Raises:
        FileNotFoundError: No shipped base in ``path``.
        ValueError: The checksum does not match (a corrupted or replaced file) or the task's
            PatchTST spec is not the one the base was trained with.
    """
    from transformers import PatchTSTForRegression

    meta_file = Path(path) / "base.json"
    if not meta_file.is_file():
        raise FileNotFoundError(f"no shipped maintenance base in {path}: run "
                                "python -m workbench.usecases.maintenance.pretrain, or set task.base_model=simulator")
    info = json.loads(meta_file.read_text(encoding="utf-8"))
    got = fingerprint_file(Path(path) / "model.safetensors").removeprefix("sha256:")
    if got != info["sha256"]:
        raise ValueError(f"{path}/model.safetensors: sha256 {got} does not match base.json ({info['sha256']}); "
                         "the shipped weights are damaged: reinstall or rebuild them")
    want = dataclasses.asdict(task.spec())
    if want != info["spec"]:
        diff = {k: (info["spec"].get(k), v) for k, v in want.items() if info["spec"].get(k) != v}
        raise ValueError(f"the shipped base was trained with another PatchTST shape (shipped, asked): {diff}; "
                         "use the recipe's shape or task.base_model=simulator")
    from workbench.models import quiet_transformers

    with quiet_transformers():  # no "Loading weights" bar in notebooks and logs
        model = PatchTSTForRegression.from_pretrained(str(path))
    model.eval()
    return PretrainResult(Path(path), model, True, {**info, "key": "shipped-" + info["sha256"][:16], "from_shipped": True})


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description="rebuild the shipped maintenance base model")
    ap.add_argument("--scale", type=float, default=1.0, help="corpus size multiplier (GPU: larger)")
    ap.add_argument("--out", default=str(SHIPPED_DIR))
    ap.add_argument("--data", default=str(DATA_DIR), help="../shared/data (FD001 train, AI4I 2020)")
    a = ap.parse_args(argv)
    import torch

    torch.set_num_threads(1)
    from workbench.usecases.maintenance import recipe_config

    info = pretrain_shipped(recipe_config().task, Path(a.out), scale=a.scale, data_dir=Path(a.data))
    print(json.dumps({k: info[k] for k in ("sha256", "corpus", "seconds", "supervised_windows")}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
