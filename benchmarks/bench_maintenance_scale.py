"""Benchmark: maintenance at 5,000 simulated engines vs 500 (issue 11): wall time, peak memory, growth.

Each fleet size runs in its own Python process (so peak RSS is that size's own): simulate a
fleet (6 regimes, 2 fault modes), fit the preprocessor, cut the training windows *lazily*
(:class:`workbench.timeseries.LazyWindows`: the rows are held, windows are cut per batch), adapt
the factory base with LoRA for one epoch, predict the test engines, and fit the LightGBM baseline
on window features computed chunk by chunk. It prints per size the wall time, the peak RSS, the
number of training windows, the bytes the windows would take if materialised, and the ratios of
5,000 to 500 engines (time and memory; near-linear time growth is the goal, memory should grow
much less than the window count).

Usage::

    python benchmarks/bench_maintenance_scale.py            # 500 and 5,000 engines
    python benchmarks/bench_maintenance_scale.py --smoke    # 30 and 120 engines (plumbing)

The last line of stdout is one JSON object; ``ratio`` is wall(large) / wall(small) divided by the
engine ratio (1.0 = linear). Timings on shared CPUs are upper bounds.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def one(units: int, epochs: int, estimators: int, seed: int = 0) -> dict:
    """Run one fleet size in this process and return its measurements."""
    import numpy as np
    import torch

    from workbench.config import LoraArgs, TrainArgs
    from workbench.usecases.maintenance import recipe_config
    from workbench.usecases.maintenance.baselines import WindowFeatureRUL
    from workbench.usecases.maintenance.data import add_train_rul
    from workbench.usecases.maintenance.model import RULEstimator, pretrain_base
    from workbench.usecases.maintenance.simulate import FleetSpec, simulate_fleet

    torch.set_num_threads(1)
    task = recipe_config().task
    t0 = time.perf_counter()
    base = pretrain_base(task)  # cached after the first call (not part of the scaling)
    t_base = time.perf_counter() - t0
    t0 = time.perf_counter()
    fleet = simulate_fleet(FleetSpec.preset("FD004", n_train=units, n_test=max(20, units // 10), seed=seed + 11))
    t_sim = time.perf_counter() - t0
    t0 = time.perf_counter()
    est = RULEstimator(base.path, task.spec(), mode="lora", lora=LoraArgs(r=16, alpha=32, dropout=0.05),
                       train=TrainArgs(max_epochs=epochs, batch_size=256, lr=3e-3, progress_bar=False),
                       train_stride=task.train_stride, val_fraction=0.1, seed=seed)
    est.fit(fleet.train.drop(columns=["rul"]))
    t_fit = time.perf_counter() - t0
    pred = est.predict(fleet.test.drop(columns=["rul"])).set_index("unit")["rul_pred"]
    rmse_adapter = float(np.sqrt(np.mean((pred - fleet.test_rul.reindex(pred.index)) ** 2)))
    t0 = time.perf_counter()
    pre = est.preprocessor_
    w = pre.lazy_windows(add_train_rul(fleet.train.drop(columns=["rul"]), task.rul_cap), "rul_capped",
                         stride=task.train_stride, min_end=task.window)
    gbm = WindowFeatureRUL(n_estimators=estimators, seed=seed).fit(w, w.y)
    wte = pre.windows(fleet.test.drop(columns=["rul"]), None, last_only=True)
    bpred = gbm.predict(wte.X)
    rmse_base = float(np.sqrt(np.mean((bpred - fleet.test_rul.reindex(wte.ids).to_numpy()) ** 2)))
    t_gbm = time.perf_counter() - t0
    n_rows = len(fleet.train)
    n_win = len(w)
    return {"units": units, "rows": n_rows, "train_windows": est.train_windows_, "baseline_windows": n_win,
            "materialised_window_mb": round(n_win * task.window * len(pre.channels) * 4 / 2**20, 1),
            "lazy_windows_mb": round(w.nbytes() / 2**20, 1),
            "seconds": {"base_load": round(t_base, 1), "simulate": round(t_sim, 1), "adapter_fit": round(t_fit, 1),
                        "baseline": round(t_gbm, 1)},
            "wall_s": round(t_sim + t_fit + t_gbm, 1),
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0, 1),
            "rmse": {"adapter": round(rmse_adapter, 2), "baseline": round(rmse_base, 2)}}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--smoke", action="store_true", help="30 and 120 engines")
    ap.add_argument("--sizes", type=int, nargs=2, default=None, metavar=("SMALL", "LARGE"))
    ap.add_argument("--epochs", type=int, default=1)
    ap.add_argument("--estimators", type=int, default=100, help="LightGBM rounds")
    ap.add_argument("--one", type=int, help=argparse.SUPPRESS)  # internal: run one size in this process
    args = ap.parse_args(argv)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    if args.one:
        print(json.dumps(one(args.one, args.epochs, args.estimators)))
        return 0
    sizes = args.sizes or ((30, 120) if args.smoke else (500, 5000))
    est = 20 if args.smoke else args.estimators
    out = {}
    for n in sizes:
        proc = subprocess.run([sys.executable, __file__, "--one", str(n), "--epochs", str(args.epochs),
                               "--estimators", str(est)], text=True, capture_output=True,
                              env=dict(os.environ, PYTHONPATH=str(REPO)))
        if proc.returncode:
            print(proc.stdout[-2000:], proc.stderr[-4000:], file=sys.stderr)
            raise SystemExit(f"size {n} failed (exit {proc.returncode})")
        out[n] = json.loads(proc.stdout.strip().splitlines()[-1])
        print(f"{n:>6} engines: {json.dumps(out[n])}", flush=True)
    small, large = (out[n] for n in sizes)
    k = sizes[1] / sizes[0]
    summary = {"benchmark": "maintenance_scale", "smoke": args.smoke, "sizes": list(sizes), "runs": out,
               "time_ratio": round(large["wall_s"] / max(small["wall_s"], 1e-9), 2),
               "memory_ratio": round(large["peak_rss_mb"] / small["peak_rss_mb"], 2), "engine_ratio": k,
               "ratio": round(large["wall_s"] / max(small["wall_s"], 1e-9) / k, 3),
               "ratio_meaning": "wall-time growth / engine growth (1.0 = linear; < 1 sub-linear)"}
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
