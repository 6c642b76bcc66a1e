"""Benchmark of the maintenance use case: throughput, peak memory and FD001 accuracy vs the baseline.

Runs the same recipe as ``workbench maintenance cmapss`` on the real C-MAPSS FD001 files
(``../shared/data/cmapss`` by default): pretrain (or load) the factory base model, adapt it with
LoRA, train the frozen base + head and (optionally) full fine-tuning, fit the LightGBM baseline in
the same run, and score everything on the test file against the RUL file. It reports

* pretraining and fine-tuning throughput in windows/s and peak memory (RSS on CPU),
* RMSE and NASA score against the raw RUL file and against truth capped at 125,
* ratios to the baseline measured in the same run, and the published FD001 figures.

The last line of stdout is one JSON object. Usage::

    python benchmarks/bench_maintenance.py                       # default config, FD001
    python benchmarks/bench_maintenance.py --smoke               # seconds; checks the plumbing
    python benchmarks/bench_maintenance.py --data ../shared/data/cmapss --subset FD001 --set train.max_epochs=20

Threads: on a contended small CPU, one intra-op thread is much faster than oversubscribing
(measured 0.8 s vs 5.5 s per step on 2 shared cores); ``--threads`` sets ``torch.set_num_threads``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", default=str(REPO.parent / "shared" / "data" / "cmapss"), help="folder with the C-MAPSS files")
    ap.add_argument("--subset", default="FD001")
    ap.add_argument("--config", default=str(REPO / "configs" / "maintenance" / "default.yaml"))
    ap.add_argument("--smoke", action="store_true", help="tiny settings (plumbing check)")
    ap.add_argument("--set", dest="overrides", action="append", default=[], metavar="SECTION.FIELD=VALUE")
    ap.add_argument("--output-dir", default=str(REPO / "runs" / "bench"))
    ap.add_argument("--threads", type=int, default=int(os.environ.get("WORKBENCH_THREADS", "1")))
    args = ap.parse_args(argv)

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import torch

    torch.set_num_threads(args.threads)
    from workbench.config import RunConfig
    from workbench.usecases.maintenance import MaintenanceTaskArgs, default_config, recipe_config, run_experiment

    data = Path(args.data)
    files = {k: data / f"{k}_{args.subset}.txt" for k in ("train", "test", "RUL")}
    missing = [str(p) for p in files.values() if not p.is_file()]
    if missing:
        print(json.dumps({"skipped": f"C-MAPSS files not found: {missing}"}))
        return 0
    over = [f"task.train_file={json.dumps(str(files['train']))}", f"task.test_file={json.dumps(str(files['test']))}",
            f"task.rul_file={json.dumps(str(files['RUL']))}", f"run.output_dir={json.dumps(args.output_dir)}",
            f"run.name=bench-{args.subset}{'-smoke' if args.smoke else ''}", "run.resume=false", *args.overrides]
    if args.smoke:
        cfg = default_config(smoke=True).with_overrides(over)
    elif not Path(args.config).is_file():
        cfg = recipe_config().with_overrides(over)
    else:
        cfg = RunConfig.from_yaml(args.config, task_cls=MaintenanceTaskArgs, overrides=over)
    import shutil

    shutil.rmtree(cfg.run_dir(), ignore_errors=True)  # a benchmark never resumes an old run
    t0 = time.perf_counter()
    result = run_experiment(cfg)
    wall = time.perf_counter() - t0
    m, rt = result["metrics"], result["runtime"]
    base_rmse = m.get("baseline", {}).get("rmse")
    summary = {
        "benchmark": "maintenance", "subset": args.subset, "smoke": args.smoke, "threads": args.threads,
        "device": "cuda" if torch.cuda.is_available() else "cpu", "wall_s": round(wall, 1),
        "pretrain_windows_per_s": rt["pretrain"].get("windows_per_s"), "pretrain_from_cache": rt["pretrain"].get("from_cache"),
        "pretrain_peak_memory_mb": rt["pretrain"].get("peak_memory_mb"),
    }
    for role, r in m.items():
        summary[role] = {k: round(float(r[k]), 3) for k in ("rmse", "score", "rmse_capped", "score_capped", "mae")}
        if role in rt and "samples_per_s" in rt[role]:
            summary[role]["windows_per_s"] = round(rt[role]["samples_per_s"], 1)
            summary[role]["peak_memory_mb"] = round(rt[role]["peak_memory_mb"], 1)
            summary[role]["trainable_params"] = rt[role]["trainable_params"]
        if base_rmse:
            summary[role]["rmse_ratio_to_baseline"] = round(float(r["rmse"]) / base_rmse, 3)
    if base_rmse and "adapter" in m:
        # The runner's summary column: adapter RMSE over baseline RMSE (same run; < 1 = adapter better).
        summary["ratio"] = round(float(m["adapter"]["rmse"]) / base_rmse, 3)
        summary["ratio_meaning"] = "adapter RMSE / LightGBM RMSE on the test file (raw RUL), lower is better"
    summary["published_fd001_rmse_capped"] = result["published_fd001_rmse"]
    summary["run_dir"] = result["run_dir"]
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
