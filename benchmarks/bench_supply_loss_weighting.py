"""Volume weighting of the adapter's training loss (``task.loss_volume_power``), chosen across a family.

The adapter trains on the pinball loss of windows scaled by their context mean, so a slow mover
counts as much as a fast one. The run judges and serves models by the pinball loss in demand units
(the weighted quantile loss), where fast movers dominate. Weighting each training window by its
context mean to a power ``p`` moves the training loss toward the run's criterion: ``p = 0`` is the
unweighted loss, ``p = 1`` the demand-unit one.

This benchmark runs the user's command (``workbench supply backtest --file SET``, the default
config, without full fine-tuning) once per power on a family of sets: daily, weekly and monthly,
smooth and intermittent, simulated and real (UCI Online Retail, daily and weekly, read from
``../shared/data/online_retail`` when it is beside the checkout; never copied). Per set it reports
the adapter's validation pinball loss (calibrated, demand units: the run's criterion), its test
wQL and RMSSE, and the model the run recommends, with what that served model scores on test.

The power is chosen by leave-one-set-out on the **validation** figures only: for each held-out set,
the power with the lowest geometric mean of validation ratios (to ``p = 0``) over the other sets;
its test ratio on the held-out set is read once.

Usage::

    python benchmarks/bench_supply_loss_weighting.py               # all sets (about 40 minutes on 2 cores)
    python benchmarks/bench_supply_loss_weighting.py --smoke       # two tiny sets (about 2 minutes)
    python benchmarks/bench_supply_loss_weighting.py --powers 0 1  # other powers
    python benchmarks/bench_supply_loss_weighting.py --keep DIR    # resumable: finished runs are read back

The last line of the output is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # `python benchmarks/...` as the usage says

from benchmarks.bench_supply_frequency import INTERMITTENT, ONLINE_RETAIL, online_retail_weekly, simulated  # noqa: E402
from benchmarks.kept import read_kept, run_key, write_kept  # noqa: E402

DAILY = {  # simulator settings of the daily sets (new seeds: none of them was used to tune anything)
    "daily, mixed": dict(n_skus=24, n_days=730, regions=("Süd", "Ost"), seed=21),
    "daily, promotions every 14 days": dict(n_skus=20, n_days=730, regions=("West", "Ost"), seed=22,
                                            promo_every_days=14.0),
    "daily, intermittent classes": dict(n_skus=30, n_days=730, regions=("Nord", "Ost"), seed=23,
                                        class_mix=INTERMITTENT),
}
PERIODIC = {  # summed to weeks or months (bench_supply_frequency's construction): (spec, period, thinning)
    "weekly, mixed": (dict(n_skus=24, n_days=5 * 365, regions=("Süd", "Ost"), seed=11), "W", None),
    "weekly, intermittent classes": (dict(n_skus=30, n_days=4 * 365, regions=("West", "Nord"), seed=12,
                                          class_mix={"smooth": 0.1, "erratic": 0.1, "intermittent": 0.5,
                                                     "lumpy": 0.3}), "W", None),
    "monthly, mixed, 4 years": (dict(n_skus=60, n_days=4 * 365, regions=("Nord", "Süd"), seed=15), "MS", None),
    "monthly, intermittent classes": (dict(n_skus=50, n_days=6 * 365, regions=("West", "Ost"), seed=14,
                                           class_mix=INTERMITTENT), "MS", None),
    "monthly, thinned": (dict(n_skus=40, n_days=8 * 365, regions=("Süd", "Ost"), seed=13), "MS", 0.03),
}
SMOKE = {
    "daily, mixed (tiny)": dict(n_skus=4, n_days=400, regions=("Ost",), seed=21),
    "monthly, mixed (tiny)": (dict(n_skus=8, n_days=4 * 365, regions=("Nord",), seed=15), "MS", None),
}


def daily_frame(spec: dict) -> pd.DataFrame:
    from workbench.usecases.supply_chain.simulate import SimulationSpec, simulate_demand

    return simulate_demand(SimulationSpec(**spec)).demand


def build_sets(smoke: bool, folder: Path) -> dict[str, tuple[Path, list[str]]]:
    """Every set as a file and the overrides a user would give for it (``--file``, ``--format``)."""
    out = {}
    specs = SMOKE if smoke else {**DAILY, **PERIODIC}
    for name, spec in specs.items():
        path = folder / f"set{len(out)}.csv"
        if not path.is_file():
            (daily_frame(spec) if isinstance(spec, dict) else simulated(*spec)).to_csv(path, index=False)
        out[name] = (path, [])
    if not smoke and ONLINE_RETAIL.is_file():
        # Daily: the transaction lines as they are (the first 139 stock codes within 40,000 rows), read
        # as `--format transactions` reads them; weekly: the 250 best sellers summed to weeks.
        out["Online Retail, daily (real)"] = (ONLINE_RETAIL, ["data.format=transactions", "data.max_rows=40000"])
        path = folder / f"set{len(out)}.csv"
        if not path.is_file():
            online_retail_weekly().to_csv(path, index=False)
        out["Online Retail, weekly (real)"] = (path, [])
    return out


def run_config(path: Path, extra: list[str], power: float, smoke: bool, run_root: Path, tag: str):
    """The CLI's default config (no full fine-tuning) for one set at this power."""
    from workbench.usecases.supply_chain import default_config

    over = [f"data.path={json.dumps(str(path))}", "task.full_finetune=false", f"task.loss_volume_power={power}",
            f"run.output_dir={json.dumps(str(run_root))}", f"run.name=p{power}-{tag}", *extra]
    return default_config(smoke=smoke).with_overrides(over)


def run_one(cfg) -> dict:
    """One backtest with ``cfg`` (:func:`run_config`), summarised."""
    from workbench.usecases.supply_chain import run_experiment

    t0 = time.perf_counter()
    return summarise(run_experiment(cfg), time.perf_counter() - t0)


def summarise(res: dict, seconds: float) -> dict:
    """The figures this benchmark compares, from one run's result (``results.json``)."""
    rec = res.get("recommendation") or {}
    m = res["metrics"]
    best = rec.get("best")
    inv = (res.get("inventory") or {}).get("adapter") or {}
    cal = (res.get("quantile_calibration") or {}).get("adapter") or {}
    return {"val_pinball": (rec.get("scores") or {}).get("adapter"), "test_wql": m["adapter"]["wql"],
            "test_rmsse": m["adapter"].get("rmsse"), "coverage_80": m["adapter"].get("coverage_80"),
            "val_coverage_80": cal.get("val_coverage_80_calibrated"),
            # The order-up-to policy at the target service level, from the adapter's quantiles.
            "fill_rate": inv.get("fill_rate"), "cycle_service_level": inv.get("cycle_service_level"),
            "avg_stock_value": inv.get("avg_stock_value"),
            "recommended": best, "served_test_wql": m[best]["wql"] if best in m else None,
            "lightgbm_test_wql": (m.get("lightgbm") or {}).get("wql"),
            "frozen_test_wql": (m.get("frozen_base") or {}).get("wql"),
            "kept_base": bool((res.get("fit") or {}).get("adapter", {}).get("kept_base", False)),
            "seconds": round(seconds, 1)}


def leave_one_out(rows: dict, powers: list[float]) -> dict:
    """Per held-out set: the power of least geometric-mean validation ratio on the other sets."""
    def ratio(name, p, key):
        base = rows[name][str(powers[0])][key]
        got = rows[name][str(p)][key]
        return got / base if base and got is not None else float("nan")

    out = {}
    for held in rows:
        others = [n for n in rows if n != held]
        score = {p: float(np.exp(np.nanmean([np.log(ratio(n, p, "val_pinball")) for n in others]))) if others else 1.0
                 for p in powers}
        chosen = min(powers, key=lambda p: (round(score[p], 6), p))
        out[held] = {"chosen": chosen, "val_ratio_elsewhere": round(score[chosen], 4),
                     "test_ratio": round(ratio(held, chosen, "test_wql"), 4)}
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="two tiny sets")
    parser.add_argument("--powers", type=float, nargs="+", default=[0.0, 0.5, 1.0],
                        help="powers to compare; the first is the reference of the ratios")
    parser.add_argument("--keep", default=None, help="keep the sets and run folders here")
    args = parser.parse_args(argv)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    root = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="bench-weighting-"))
    root.mkdir(parents=True, exist_ok=True)
    sets = build_sets(args.smoke, root)
    rows: dict[str, dict] = {}
    for k, (name, (path, extra)) in enumerate(sets.items()):
        rows[name] = {}
        for p in args.powers:
            cfg = run_config(path, extra, p, args.smoke, root / "runs", f"set{k}")
            # a finished run of an earlier, interrupted call (--keep), read back only with the same resolved
            # config; the set's file name is in the key instead of its path
            key = run_key(cfg, drop={"data": ("path",)}, set=name, file=Path(path).name, smoke=args.smoke)
            done = root / f"set{k}-p{p}.json"
            r = read_kept(done, key)
            if r is None:
                r = run_one(cfg)
                write_kept(done, key, r, set=name, power=p)
            rows[name][str(p)] = r
            print(f"{name:32s} p={p:<4} val {r['val_pinball']:.4g} test wQL {r['test_wql']:.4f} "
                  f"RMSSE {r['test_rmsse']:.3f} coverage_80 val/test {r['val_coverage_80']:.3f}/{r['coverage_80']:.3f} "
                  f"fill rate {r['fill_rate']:.3f} stock {r['avg_stock_value']:.0f} "
                  f"recommended {r['recommended']} ({r['served_test_wql']:.4f}) {r['seconds']:.0f} s", flush=True)
    ref = str(args.powers[0])
    print(f"\n{'set':32s} " + " ".join(f"{'p=' + str(p):>18s}" for p in args.powers) + "   (val ratio / test ratio to p="
          f"{ref})")
    for name, r in rows.items():
        cells = []
        for p in args.powers:
            a, b = r[str(p)], r[ref]
            cells.append(f"{a['val_pinball'] / b['val_pinball']:8.3f} / {a['test_wql'] / b['test_wql']:6.3f}")
        print(f"{name:32s} " + " ".join(f"{c:>18s}" for c in cells))
    lofo = leave_one_out(rows, args.powers)
    print("\nleave one set out (chosen on validation elsewhere; test ratio of the held-out set):")
    for name, c in lofo.items():
        print(f"  {name:32s} p={c['chosen']:<4} val elsewhere {c['val_ratio_elsewhere']:.3f} test {c['test_ratio']:.3f}")
    print("\nthe adapter's intervals and the inventory decision it feeds, per power (mean over the sets):")
    for p in args.powers:
        rs = [r[str(p)] for r in rows.values()]
        print(f"  p={p:<4} coverage_80 val {np.mean([r['val_coverage_80'] for r in rs]):.3f} "
              f"(lowest {min(r['val_coverage_80'] for r in rs):.3f}), test {np.mean([r['coverage_80'] for r in rs]):.3f} "
              f"(lowest {min(r['coverage_80'] for r in rs):.3f}); fill rate {np.mean([r['fill_rate'] for r in rs]):.3f} "
              f"(lowest {min(r['fill_rate'] for r in rs):.3f})")
    test = [c["test_ratio"] for c in lofo.values()]
    geo = {str(p): round(float(np.exp(np.mean([np.log(r[str(p)]["val_pinball"] / r[ref]["val_pinball"])
                                               for r in rows.values()]))), 4) for p in args.powers}
    print(json.dumps({"benchmark": "supply_loss_weighting", "smoke": args.smoke, "powers": args.powers,
                      "sets": rows, "val_ratio_geomean": geo, "lofo": lofo,
                      "ratio": round(float(np.exp(np.mean(np.log(test)))), 4)}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
