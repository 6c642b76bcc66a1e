"""Benchmark of the supply-chain use case: throughput, memory, accuracy and inventory against baselines.

Runs the default experiment (pretrain on simulated regions Sued/West/Nord, adapt to the unseen
region Ost, 13-week rolling-origin backtest) and reports, all measured in the same run:

* training throughput (samples/s) of pretraining, LoRA and full fine-tuning, inference
  throughput (windows/s) of the adapted model, and peak memory,
* MASE, RMSSE, wQL, coverage_80 (80 % interval coverage, goal near 0.80) and coverage of frozen
  base, adapter, full fine-tuning and the baselines, with ratios against the best classical baseline,
  and what the validation-period quantile calibration did to each (validation and test); the blend
  of adapter and LightGBM (weight chosen on the validation period) and the model recommended there,
* fill rate, cycle service level and stock value at the target service level, and the stock
  each forecaster needs to reach the target (interpolated along its service-stock curve).

Usage::

    python benchmarks/bench_supply_chain.py [--smoke] [--output-dir runs/bench]

The last line of the output is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time

import numpy as np


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="tiny settings (about a minute)")
    parser.add_argument("--output-dir", default=None, help="run outputs (default: a temporary directory)")
    parser.add_argument("--set", dest="overrides", action="append", default=[], metavar="SECTION.FIELD=VALUE")
    args = parser.parse_args(argv)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")

    import torch

    from workbench.usecases.supply_chain import default_config, run_experiment
    from workbench.usecases.supply_chain.backtest import Split, forecast_model
    from workbench.usecases.supply_chain.experiment import load_target_data
    from workbench.usecases.supply_chain.model import DemandForecaster
    from workbench.windows import DemandPanel

    out_dir = args.output_dir or tempfile.mkdtemp(prefix="bench-supply-")
    cfg = default_config(smoke=args.smoke).with_overrides(
        [f"run.output_dir={json.dumps(out_dir)}", "run.name=bench-supply", *args.overrides])
    t0 = time.perf_counter()
    result = run_experiment(cfg)
    wall = time.perf_counter() - t0

    # Inference throughput of the saved adapter over every window of the test period.
    task = cfg.task
    est = DemandForecaster.load(result["adapter_dir"])
    df, _ = load_target_data(cfg)
    panel = DemandPanel.from_frame(df)
    split = Split.from_args(len(panel.dates), task)
    origins = np.array([(s, o) for s in range(len(panel)) for o in range(split.val_end, split.T - task.horizon + 1)])
    forecast_model(est.model_, panel, origins[:64], task)  # warm-up
    t1 = time.perf_counter()
    with torch.inference_mode():
        forecast_model(est.model_, panel, origins, task, batch_size=cfg.eval.batch_size)
    infer_s = time.perf_counter() - t1

    m, inv, stock = result["metrics"], result["inventory"], result["stock_at_target"]
    classical = [r for r in ("seasonal_naive", "ets", "lightgbm") if r in m]
    best = min(classical, key=lambda r: m[r]["wql"]) if classical else None
    rows = {}
    for role in [r for r in m if r != "baseline"]:
        rows[role] = {k: m[role].get(k) for k in ("mase", "rmsse", "wql", "coverage_80", "coverage", "smape")}
        rows[role] |= {k: inv[role].get(k) for k in ("fill_rate", "cycle_service_level", "avg_stock_value", "cost")}
        rows[role]["stock_value_at_target_csl"] = stock.get(role)
    summary = {
        "benchmark": "supply_chain",
        "smoke": args.smoke,
        "device": "cuda" if torch.cuda.is_available() else "cpu",
        "threads": torch.get_num_threads(),
        "wall_s": wall,
        "pretrain": result["base_model"],
        "fit": result["fit"],
        "inference_windows_per_s": len(origins) / infer_s,
        "peak_memory_mb": max(v.get("peak_memory_mb", 0) for v in result["fit"].values()) if result["fit"] else None,
        "service_level_target": result["service_level"],
        "best_classical_baseline": best,
        "models": rows,
        "ratios_vs_best_baseline": {
            role: {k: (rows[role][k] / rows[best][k]) if best and rows[best].get(k) else None
                   for k in ("wql", "rmsse", "mase", "stock_value_at_target_csl")}
            for role in rows
        },
        # coverage_80 = "80 % interval coverage, goal near 0.80"; the calibration's validation/test effect:
        "quantile_calibration": {role: {k: v for k, v in e.items() if k != "shifts"}
                                 for role, e in result.get("quantile_calibration", {}).items()},
        "blend_weight_of_adapter": (result.get("blend") or {}).get("weight"),
        "recommendation": (result.get("recommendation") or {}).get("text"),
        "verdict": result.get("verdict"),
        "timings": result["timings"],
        "run_dir": result["run_dir"],
    }
    from workbench.io import to_json

    print(to_json(summary, indent=2), file=sys.stderr)
    print(to_json(summary, indent=None))
    return 0


if __name__ == "__main__":
    sys.exit(main())
