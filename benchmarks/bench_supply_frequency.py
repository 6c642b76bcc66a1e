"""LightGBM on weekly and monthly demand: the frequency's own feature spans against the daily design.

The LightGBM quantile baseline reads spans of the recent history (short and long means, lags of
the same season period) and trains on origins ``stride`` periods apart. Its features were built
for daily data; ``baselines.LGBM_PROFILES`` now gives each frequency its own. This benchmark
measures, in one process and on the same splits, LightGBM with the spans of the data's frequency
against the daily design it had before (``profile="D"``, ``stride=7``), next to ETS and Croston-TSB,
on a family of sets:

* the demand simulator summed to months (mixed classes over 8 and 4 years, intermittent classes,
  binomially thinned to sparse spare-part demand) and to weeks (mixed, intermittent, thinned);
* UCI Online Retail summed to weeks (the 250 best-selling stock codes with a whole year), read
  from ``../shared/data/online_retail`` when it is beside the checkout (never copied).

Every set runs with its frequency's default lengths (``config.for_frequency``). Every model gets the
validation-period calibration of a run (``experiment.calibrate_role``). The figures are the
validation pinball loss (a run's criterion for choosing a model) and the test wQL, read once. The
ratio columns are after / before: below 1 is better.

Usage::

    python benchmarks/bench_supply_frequency.py            # all sets (about 5 minutes on 2 cores)
    python benchmarks/bench_supply_frequency.py --smoke    # two small sets (CI)

The last line of the output is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
ONLINE_RETAIL = ROOT.parent / "shared" / "data" / "online_retail" / "online_retail.csv.gz"

MIXED = None  # the simulator's default class mix
INTERMITTENT = {"smooth": 0.05, "erratic": 0.05, "intermittent": 0.6, "lumpy": 0.3}
# name: (simulator settings, period, binomial thinning or None)
SETS = {
    "monthly, mixed, 8 years": (dict(n_skus=40, n_days=8 * 365, regions=("Süd", "Ost"), seed=13), "MS", None),
    "monthly, mixed, 4 years": (dict(n_skus=60, n_days=4 * 365, regions=("Nord", "Süd"), seed=15), "MS", None),
    "monthly, intermittent classes": (dict(n_skus=50, n_days=6 * 365, regions=("West", "Ost"), seed=14,
                                           class_mix=INTERMITTENT), "MS", None),
    "monthly, thinned": (dict(n_skus=40, n_days=8 * 365, regions=("Süd", "Ost"), seed=13), "MS", 0.03),
    "weekly, mixed": (dict(n_skus=24, n_days=5 * 365, regions=("Süd", "Ost"), seed=11), "W", None),
    "weekly, intermittent classes": (dict(n_skus=30, n_days=4 * 365, regions=("West", "Nord"), seed=12,
                                          class_mix={"smooth": 0.1, "erratic": 0.1, "intermittent": 0.5,
                                                     "lumpy": 0.3}), "W", None),
    "weekly, thinned": (dict(n_skus=24, n_days=5 * 365, regions=("Süd", "Ost"), seed=11), "W", 0.05),
}
SMOKE_SETS = {
    "monthly, mixed, 4 years": (dict(n_skus=8, n_days=4 * 365, regions=("Nord",), seed=15), "MS", None),
    "weekly, mixed": (dict(n_skus=6, n_days=2 * 365, regions=("Süd",), seed=11), "W", None),
}


COLUMNS = ["unique_id", "ds", "y", "promo", "price", "holiday"]


def summed(demand: pd.DataFrame, period: str) -> pd.DataFrame:
    """Daily demand summed to weeks (starting Monday) or months (starting on the 1st), as the product
    sums it (``simulate.summed_demand``: a period the days do not cover whole is dropped, so the test
    period never ends in a cut month). Series that end early are dropped; static columns are left out."""
    from workbench.usecases.supply_chain.simulate import summed_demand

    out = summed_demand(demand, "W" if period == "W" else "MS")[COLUMNS]
    return out[out.groupby("unique_id")["ds"].transform("max") == out["ds"].max()].reset_index(drop=True)


def simulated(spec: dict, period: str, thin: float | None, seed: int = 0) -> pd.DataFrame:
    from workbench.usecases.supply_chain.simulate import SimulationSpec, simulate_demand

    frame = summed(simulate_demand(SimulationSpec(**spec)).demand, period)
    if thin is not None:  # each unit sold is kept with probability `thin`: sparse, spare-part-like demand
        frame["y"] = np.random.default_rng(seed).binomial(frame["y"].astype(int), thin)
    return frame


def online_retail_weekly(path: Path = ONLINE_RETAIL, codes: int = 250) -> pd.DataFrame:
    """The best-selling stock codes of Online Retail, weekly, over the whole year.

    The codes that sell within the first 10 weeks are kept. A day without a sale line of a code is
    zero demand (the shop does not trade on Saturdays), and its price is the code's last price.
    The weeks are summed as the product sums them, so the first and last weeks, which the file
    covers only in part (it runs from a Wednesday to a Friday), are dropped.
    """
    from workbench.usecases.supply_chain.data import read_table, transactions_to_long
    from workbench.usecases.supply_chain.simulate import summed_demand

    daily = transactions_to_long(read_table(path))
    daily["ds"] = pd.to_datetime(daily["ds"])
    top = daily.groupby("unique_id")["y"].sum().nlargest(codes).index
    daily = daily[daily["unique_id"].isin(top)]
    days = pd.date_range(daily["ds"].min(), daily["ds"].max(), freq="D")
    first = daily.groupby("unique_id")["ds"].min()
    early = first[first <= days[0] + pd.Timedelta(days=70)].index
    full = (daily[daily["unique_id"].isin(early)].set_index(["unique_id", "ds"])[["y", "price"]]
            .reindex(pd.MultiIndex.from_product([sorted(early), days], names=["unique_id", "ds"])).reset_index())
    full["y"] = full["y"].fillna(0.0)
    full["price"] = full.groupby("unique_id")["price"].transform(lambda x: x.ffill().bfill())
    return summed_demand(full, "W")[["unique_id", "ds", "y", "price"]]


def score_set(frame: pd.DataFrame) -> dict:
    """Validation pinball loss and test wQL of LightGBM (before/after), ETS and Croston-TSB on one set."""
    from workbench.usecases.supply_chain.backtest import Forecasts, Split, evaluate
    from workbench.usecases.supply_chain.baselines import LightGBMQuantile, make_baseline
    from workbench.usecases.supply_chain.config import SupplyTaskArgs, for_frequency
    from workbench.usecases.supply_chain.data import demand_from_frame
    from workbench.usecases.supply_chain.experiment import calibrate_role
    from workbench.windows import DemandPanel

    panel = DemandPanel.from_frame(demand_from_frame(frame))
    args, _ = for_frequency(SupplyTaskArgs(), panel.freq)
    split = Split.from_args(len(panel.dates), args)
    origins = split.test_origins(panel, args)

    def build(name: str):
        if name == "lightgbm_before":
            return LightGBMQuantile(args.quantiles, args.horizon, min_history=args.min_history, profile="D", stride=7)
        return make_baseline(name, args.quantiles, args.horizon, args.season_length, args.min_history, 0)

    row = {"series": len(panel), "periods": len(panel.dates), "freq": panel.freq}
    for name in ("lightgbm_before", "lightgbm", "ets", "croston_tsb"):
        t0 = time.perf_counter()
        model = build(name).fit(panel, split.val_end)
        daily, cum = model.predict(panel, origins)
        fc = Forecasts(name, origins, list(model.taus), daily, cum)
        # Validated as a run validates it: refitted on the training period, then calibrated.
        _, cal, report = calibrate_role(name, fc, None, panel, args, split, make=lambda: build(name))
        overall = evaluate(cal, panel, args, split)[1]["overall"]
        row[name] = {"val_pinball": report.get("val_pinball_calibrated"), "test_wql": overall["wql"],
                     "coverage_80": overall.get("coverage_80"), "seconds": round(time.perf_counter() - t0, 1)}
    b, a = row["lightgbm_before"], row["lightgbm"]
    row["ratio_val"] = a["val_pinball"] / b["val_pinball"] if b["val_pinball"] else None
    row["ratio_test_wql"] = a["test_wql"] / b["test_wql"] if b["test_wql"] else None
    return row


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="two small simulated sets")
    args = parser.parse_args(argv)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")

    sets = SMOKE_SETS if args.smoke else SETS
    rows = {name: score_set(simulated(*spec)) for name, spec in sets.items()}
    if not args.smoke and ONLINE_RETAIL.is_file():
        rows["Online Retail, weekly (real)"] = score_set(online_retail_weekly())
    print(f"{'set':34s} {'series x periods':>16s} {'val before':>11s} {'val after':>10s} {'ratio':>6s} "
          f"{'ETS val':>8s} {'test before':>11s} {'test after':>10s} {'ratio':>6s} {'ETS test':>8s}")
    for name, r in rows.items():
        print(f"{name:34s} {r['series']:>7d} x {r['periods']:<6d} {r['lightgbm_before']['val_pinball']:11.4g} "
              f"{r['lightgbm']['val_pinball']:10.4g} {r['ratio_val']:6.3f} {r['ets']['val_pinball']:8.4g} "
              f"{r['lightgbm_before']['test_wql']:11.4f} {r['lightgbm']['test_wql']:10.4f} "
              f"{r['ratio_test_wql']:6.3f} {r['ets']['test_wql']:8.4f}")
    val = [r["ratio_val"] for r in rows.values()]
    # ratio: geometric mean over the sets of validation pinball loss after / before (below 1: better).
    print(json.dumps({"benchmark": "supply_frequency", "smoke": args.smoke, "sets": rows,
                      "ratio": round(float(np.exp(np.mean(np.log(val)))), 4),
                      "ratios": {name: r["ratio_val"] for name, r in rows.items()}}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
