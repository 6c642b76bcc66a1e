"""How the supply-chain backtest scales with the number of series, up to the M5 shape.

Runs ``workbench supply backtest --simulated m5`` (the simulator's M5-shaped set: 10 DCs x SKUs,
1,941 days, prices, promotions, holidays) at several series counts, each in its own process, and
measures wall time per stage and the peak resident memory (the process and, separately, its
largest worker process: joblib workers of the per-series baselines). It prints how cost grows
with the series count: the ratio of time (and memory) to the smallest size, next to the ratio of
series counts (linear growth gives equal ratios).

The recipe is the scale recipe, not the accuracy one: LoRA on a random sample of
``task.max_train_windows`` windows for one epoch (windows are cut lazily from one float32 array
per covariate, never materialised), no full fine-tuning, the two per-series baselines (seasonal
naive and ETS, parallel over series), 13 weekly test origins per series.

Usage::

    python benchmarks/bench_supply_scale.py                 # 1,000 / 5,000 / 30,490 series
    python benchmarks/bench_supply_scale.py --sizes 1000 5000
    python benchmarks/bench_supply_scale.py --smoke         # 100 / 300 series (CI)

The last line of the output is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GOAL_PEAK_GB_AT_30K = 12.0
SCALE_SETTINGS = [
    "task.full_finetune=false",
    'task.baselines=["seasonal_naive","ets"]',
    "task.max_train_windows=20000",
    "train.max_epochs=1",
    "train.progress_bar=false",
]


def run_one(n_series: int, out_dir: str, extra: list[str]) -> dict:
    """One backtest in this process; returns timings, peak memory and headline metrics."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("WORKBENCH_QUIET", "1")
    from workbench.usecases.supply_chain import default_config, run_experiment

    skus = max(1, n_series // 10)
    cfg = default_config().with_overrides([
        "task.sim_preset=m5", f"task.target_skus={skus}", f"run.output_dir={json.dumps(out_dir)}",
        f"run.name=scale-{n_series}", *SCALE_SETTINGS, *extra])
    t0 = time.perf_counter()
    result = run_experiment(cfg)
    wall = time.perf_counter() - t0
    self_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    child_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return {
        "n_series": int(result["n_series"]), "wall_s": wall,
        "peak_rss_gb": self_kb / 2**20, "peak_worker_rss_gb": child_kb / 2**20,
        "timings": {k: round(v, 2) for k, v in result["timings"].items()},
        "train_windows": result["fit"].get("adapter", {}).get("train_windows"),
        "wql": {k: v.get("wql") for k, v in result["metrics"].items()},
    }


def _work(run: dict) -> float:
    """Seconds of the backtest itself (wall time less loading the cached base)."""
    return run["wall_s"] - run["timings"].get("pretrain_or_load_s", 0.0)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="100 and 300 series")
    parser.add_argument("--sizes", type=int, nargs="*", help="series counts (multiples of 10)")
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)  # child mode: one size
    parser.add_argument("--pretrain-only", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--output-dir", default=None)
    parser.add_argument("--timeout", type=int, default=3600, help="seconds per size")
    parser.add_argument("--set", dest="overrides", action="append", default=[], metavar="SECTION.FIELD=VALUE")
    args = parser.parse_args(argv)
    out_dir = args.output_dir or tempfile.mkdtemp(prefix="bench-supply-scale-")
    if args.pretrain_only:
        from workbench.usecases.supply_chain import default_config
        from workbench.usecases.supply_chain.pretrain import pretrained_base

        pretrained_base(default_config().with_overrides([*SCALE_SETTINGS, *args.overrides]).task)
        return 0
    if args.one:
        print(json.dumps(run_one(args.one, out_dir, args.overrides)))
        return 0
    sizes = args.sizes or ([100, 300] if args.smoke else [1000, 5000, 30490])
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    # Pretrain (or load) the base once, so that no size pays the one-off pretraining.
    t0 = time.perf_counter()
    subprocess.run([sys.executable, __file__, "--pretrain-only", *[f"--set={o}" for o in args.overrides]],
                   check=True, env=env, cwd=ROOT, capture_output=True, text=True)
    print(f"base model ready in {time.perf_counter() - t0:.1f} s (pretrained once, then cached)", flush=True)
    runs = []
    for n in sizes:
        cmd = [sys.executable, __file__, "--one", str(n), "--output-dir", out_dir,
               *[f"--set={o}" for o in args.overrides]]
        t0 = time.perf_counter()
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=args.timeout, env=env, cwd=ROOT)
        except subprocess.TimeoutExpired:
            runs.append({"n_series": n, "status": f"timed out after {args.timeout} s"})
            print(f"{n:>6} series: timed out after {args.timeout} s", flush=True)
            continue
        if proc.returncode != 0:
            runs.append({"n_series": n, "status": f"failed (exit {proc.returncode})", "stderr": proc.stderr[-2000:]})
            print(f"{n:>6} series: failed\n{proc.stderr[-2000:]}", flush=True)
            continue
        r = json.loads(proc.stdout.strip().splitlines()[-1]) | {"status": "ok",
                                                                 "process_s": time.perf_counter() - t0}
        runs.append(r)
        print(f"{r['n_series']:>6} series: {r['wall_s']:8.1f} s  peak {r['peak_rss_gb']:.2f} GB "
              f"(largest worker {r['peak_worker_rss_gb']:.2f} GB)  {r['timings']}", flush=True)
    ok = [r for r in runs if r.get("status") == "ok"]
    growth = []
    if ok:
        ref = ok[0]
        for r in ok:
            growth.append({
                "n_series": r["n_series"],
                "series_ratio": r["n_series"] / ref["n_series"],
                "time_ratio": _work(r) / _work(ref),
                "memory_ratio": r["peak_rss_gb"] / ref["peak_rss_gb"],
                "seconds_per_1k_series": 1000 * _work(r) / r["n_series"],
            })
        print("\nseries   x series   x time   x memory   s per 1k series")
        for g in growth:
            print(f"{g['n_series']:>6}   {g['series_ratio']:8.1f}   {g['time_ratio']:6.2f}   {g['memory_ratio']:8.2f}"
                  f"   {g['seconds_per_1k_series']:8.1f}")
    largest = max(ok, key=lambda r: r["n_series"]) if ok else None
    summary = {
        "benchmark": "supply_scale",
        "runs": runs,
        "growth": growth,
        "peak_rss_gb_largest": largest["peak_rss_gb"] if largest else None,
        "goal_peak_gb_at_30k": GOAL_PEAK_GB_AT_30K,
        "meets_memory_goal": (largest["peak_rss_gb"] < GOAL_PEAK_GB_AT_30K
                              if largest and largest["n_series"] >= 30000 else None),
        "ratios": {f"time_per_series_{g['n_series']}_vs_{ok[0]['n_series']}": g["time_ratio"] / g["series_ratio"]
                   for g in growth[1:]},
    }
    print(json.dumps(summary))
    return 0 if len(ok) == len(runs) else 1


if __name__ == "__main__":
    sys.exit(main())
