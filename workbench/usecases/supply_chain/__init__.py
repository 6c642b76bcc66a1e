"""Supply chain: probabilistic demand forecasts from a LoRA-adapted base model, feeding inventory decisions.

The use case of issue 4. A forecasting base model (PatchTST backbone + covariate encoder +
monotone quantile head) is pretrained on simulated demand of several German regions and cached;
a team adapts it with LoRA to its own region or product family. The adapter is backtested with
rolling origins against the frozen base, full fine-tuning and classical baselines (seasonal
naive, ETS, LightGBM), and the forecasts drive an (R, S) inventory policy whose fill rate, cycle
service level, stock and cost are compared at the same target service level.

Contract (``docs/architecture.md``): ``NAME``, ``TaskArgs``, ``default_config``,
``run_experiment``, ``report_section``, ``register_cli``. Command line::

    workbench supply pretrain [--smoke] [--force]
    workbench supply backtest --file sales.csv [--format long|wide] [--column their=ours ...]
    workbench supply backtest --simulated m5 [--set task.target_skus=100]   # M5-shaped simulated set
    workbench supply simulate --out demand.parquet [--skus 40 --days 730 --regions Ost]

Each prints one JSON object on its last line.
"""

from __future__ import annotations

import argparse
import json
import sys

from workbench.cli import add_run_args, names_the_run, run_overrides
from workbench.config import EvalArgs, LoraArgs, RunArgs, RunConfig, TrainArgs
from workbench.io import print_json_line
from workbench.usecases.supply_chain.config import SMOKE_LENGTHS, SupplyTaskArgs

NAME = "supply_chain"
TITLE = "Supply chain (quantile demand forecasts, PatchTST + LoRA, inventory simulation)"
TaskArgs = SupplyTaskArgs
# Options of `workbench train/evaluate/predict` this use case uses (others are refused: workbench.cli.check_options).
CLI_OPTIONS = frozenset({"data", "train", "val", "test", "column", "format", "sep", "decimal", "date_format", "encoding"})
CLI_INSTEAD = {c: "name the columns unique_id, ds, y, or rename yours: --column Datum=ds --column Menge=y" for c in ("text_column", "label_column")}

__all__ = ["NAME", "TITLE", "TaskArgs", "SupplyTaskArgs", "default_config", "run_experiment", "report_section",
           "register_cli", "evaluate_adapter", "predict_file"]


def default_config(smoke: bool = False) -> RunConfig:
    """The default run: pretrain on regions Süd/West/Nord, adapt to the unseen region Ost.

    Args:
        smoke: Tiny settings (CI, ``make demo-smoke``, the notebook's smoke mode): 8 SKUs, 40
            weeks, a 4-patch PatchTST, 3 epochs; about a minute on two CPU cores including
            pretraining. Without ``smoke`` (``make demo``): 24 SKUs x 6 DCs x 2 years per region,
            2.7 minutes on two quiet CPU cores including pretraining (measured; wQL adapter 0.199,
            LightGBM 0.216, frozen base 0.239).
    """
    if smoke:
        task = SupplyTaskArgs(**SMOKE_LENGTHS, sim_skus=8, sim_days=280,
                              pretrain_epochs=3, pretrain_stride=7, window_stride=3, d_model=16, ffn_dim=32,
                              head_hidden=32, covariate_dim=16, full_finetune=True,
                              baselines=["seasonal_naive", "ets"], service_levels=[0.8, 0.9, 0.95, 0.98])
        train = TrainArgs(max_epochs=3, batch_size=128, lr=3e-3, warmup_ratio=0.05, progress_bar=False)
    else:
        task = SupplyTaskArgs(sim_skus=24, window_stride=3)
        train = TrainArgs(max_epochs=6, batch_size=256, lr=2e-3, warmup_ratio=0.05, progress_bar=False)
    return RunConfig(run=RunArgs(name="supply-chain-smoke" if smoke else "supply-chain", usecase=NAME, seed=0),
                     lora=LoraArgs(r=8, alpha=16, dropout=0.0), train=train, eval=EvalArgs(batch_size=512),
                     task=task)


def run_experiment(config: RunConfig) -> dict:
    """Frozen base, LoRA adapter, full fine-tuning and baselines, backtested (see ``experiment``)."""
    from workbench.usecases.supply_chain.experiment import run_experiment as _run

    return _run(config)


def evaluate_adapter(config: RunConfig, adapter_dir) -> dict:
    """Backtest a saved adapter on the configured data (``workbench evaluate``; see ``service``)."""
    from workbench.usecases.supply_chain.service import evaluate_adapter as _evaluate

    return _evaluate(config, adapter_dir)


def predict_file(config: RunConfig, adapter_dir, input_path, output_path) -> str:
    """Quantile forecasts of the next horizon per series as a long CSV (``workbench predict``)."""
    from workbench.usecases.supply_chain.service import predict_file as _predict

    return _predict(config, adapter_dir, input_path, output_path)


def report_section(result: dict) -> str:
    """HTML fragment for the demo report: accuracy table, inventory table, service-stock curve."""
    from workbench.usecases.supply_chain.widgets import report_html

    return report_html(result)


# ----------------------------------------------------------------------------- command line
def _config(args: argparse.Namespace) -> RunConfig:
    if getattr(args, "config", None):
        cfg = RunConfig.from_yaml(args.config, task_cls=SupplyTaskArgs, overrides=args.overrides)
    else:
        cfg = default_config(smoke=args.smoke).with_overrides(args.overrides)
    extra = run_overrides(args)
    return cfg.with_overrides(extra) if extra else cfg


def default_names() -> tuple[str, ...]:
    """The run names of this use case's defaults and shipped YAML files (``configs/supply_chain``): a
    verb's own name (``supply-<file>``) replaces these, never a name the user chose."""
    return tuple(dict.fromkeys([default_config().run.name, default_config(smoke=True).run.name]))


def _summary(result: dict) -> dict:
    """The one-line JSON: accuracy and inventory of each role."""
    keys = ("wql", "rmsse", "mase", "smape", "coverage", "coverage_80", "coverage_80_inclusive")
    inv_keys = ("fill_rate", "cycle_service_level", "avg_stock_value", "cost")
    out = {"data": result["data"], "run_dir": result["run_dir"], "service_level": result["service_level"],
           "n_series": result["n_backtested"]}
    for role, m in result["metrics"].items():
        out[role] = {k: m.get(k) for k in keys} | {k: result["inventory"].get(role, {}).get(k) for k in inv_keys}
        if "model" in m:
            out[role]["model"] = m["model"]
    from workbench.forecast_metrics import COVERAGE_80_LABEL

    out["labels"] = {"coverage_80": COVERAGE_80_LABEL}
    out["verdict"] = result.get("verdict")
    out["recommendation"] = (result.get("recommendation") or {}).get("text")
    out["served"] = (result.get("serving") or {}).get("served")
    return out


COVARIATES_HELP = """\
columns of a long file (one row per series and period):
  unique_id, ds, y            required (y: demand >= 0, 0 for no demand)
  promo, price, holiday       known future covariates (0/1, > 0, 0/1); missing ones are filled
  event_name_1, event_type_1, event_name_2, event_type_2
                              M5 events: any named event marks the holiday channel
  snap, snap_CA, snap_TX ...  SNAP days (per state_id): mark the promotion channel
  dc, state, region, family, sku, item_id, dept_id, cat_id, store_id, state_id, ...
                              static columns (segments in the report; state: German holidays)
wide files (M5: id, item_id, ..., d_1, d_2, ...) take --calendar and --prices for the covariates;
transaction files (UCI Online Retail: InvoiceNo, StockCode, Quantity, InvoiceDate, UnitPrice)
are summed per stock code and day. All lengths (--set task.horizon=..., task.test_periods=...)
count the data's periods: days, weeks or months.
"""


def _cmd_pretrain(args: argparse.Namespace) -> int:
    from workbench.usecases.supply_chain.pretrain import pretrained_base

    from workbench.usecases.supply_chain.config import for_frequency

    cfg = _config(args)
    task, _ = for_frequency(cfg.task, args.freq)  # the lengths a run on such data would use
    _, info = pretrained_base(task, freq=args.freq, force=args.force, verbose=True)
    if args.ship:
        from workbench.usecases.supply_chain.pretrain import ship_base

        if info.get("from_shipped"):
            raise SystemExit("supply pretrain --ship: this base is already the shipped one; add --force to rebuild it")
        info["shipped_to"] = str(ship_base(info["path"]))
    print_json_line({k: info.get(k) for k in ("path", "from_cache", "from_shipped", "shipped_to", "seconds",
                                              "samples_per_s", "train_windows", "parameters", "source_regions",
                                              "val_loss")})
    return 0


def _cmd_backtest(args: argparse.Namespace) -> int:
    from pathlib import Path

    cfg = _config(args)
    if args.simulated:
        # The simulator's set instead of a file (e.g. `--simulated m5`: 30,490 series x 1,941 days).
        over = [f"task.sim_preset={args.simulated}"]
        if not names_the_run(args, cfg, default_names()):
            over.append(f"run.name={json.dumps('supply-simulated-' + args.simulated)}")
    else:
        over = [f"data.path={json.dumps(str(args.file))}"]
        if args.format:
            over.append(f"data.format={args.format}")
        if not names_the_run(args, cfg, default_names()):
            over.append(f"run.name={json.dumps('supply-' + Path(args.file).stem)}")
    for flag, field_name in (("calendar", "calendar"), ("prices", "prices"), ("leading_zeros", "leading_zeros")):
        if getattr(args, flag, None):
            over.append(f"task.{field_name}={json.dumps(str(getattr(args, flag)))}")
    cfg = cfg.with_overrides(over)
    if args.column:
        mapping = {}
        for item in args.column:
            if "=" not in item:
                raise ValueError(f"--column expects THEIRS=OURS (e.g. datum=ds), got {item!r}")
            theirs, ours = item.split("=", 1)
            mapping[theirs] = ours
        cfg.data.columns = mapping
    result = run_experiment(cfg)
    from workbench.usecases.supply_chain.widgets import accuracy_frame

    # The result table a user reads first (stderr; the last stdout line stays one JSON object).
    print(f"forecast accuracy on the test period:\n{accuracy_frame(result).to_string()}", file=sys.stderr)
    from workbench.usecases.supply_chain.widgets import serving_text

    lines = [result.get("verdict", ""), (result.get("recommendation") or {}).get("text"), serving_text(result),
             f"outputs: {result['run_dir']}"]
    print("\n".join(x for x in lines if x), file=sys.stderr)
    print_json_line(_summary(result))
    return 0


def _cmd_simulate(args: argparse.Namespace) -> int:
    from pathlib import Path

    from workbench.io import atomic_write_bytes
    from workbench.usecases.supply_chain.simulate import SimulationSpec, simulate_demand

    spec = SimulationSpec(n_skus=args.skus, n_days=args.days, seed=args.seed,
                          regions=tuple(args.regions) if args.regions else SimulationSpec().regions)
    sim = simulate_demand(spec)
    out = Path(args.out)
    if out.suffix.lower() == ".parquet":
        import io

        buf = io.BytesIO()
        sim.demand.to_parquet(buf, index=False)
        atomic_write_bytes(out, buf.getvalue())
    else:
        atomic_write_bytes(out, sim.demand.to_csv(index=False).encode("utf-8"))
    print_json_line({"path": str(out), "rows": int(len(sim.demand)), "series": int(sim.demand["unique_id"].nunique())})
    return 0


def register_cli(subparsers) -> None:
    """Add ``workbench supply {pretrain,backtest,simulate}`` (alias ``supply_chain``)."""
    top = subparsers.add_parser("supply", aliases=[NAME],
                                help="supply chain: pretrain the demand base, backtest a demand file, simulate")
    sub = top.add_subparsers(dest="supply_cmd", required=True)

    def common(p: argparse.ArgumentParser) -> None:
        p.add_argument("--config", help="YAML config (e.g. configs/supply_chain/default.yaml)")
        p.add_argument("--smoke", action="store_true", help="tiny, fast settings")
        p.add_argument("--set", dest="overrides", action="append", default=[], metavar="SECTION.FIELD=VALUE")
        add_run_args(p, name_help="run name")

    p = sub.add_parser("pretrain", help="pretrain (or load the cached) demand base model")
    common(p)
    p.add_argument("--force", action="store_true", help="retrain even if cached")
    p.add_argument("--freq", choices=("D", "W", "MS"), default="D",
                   help="frequency of the data the base will forecast: daily (default), weekly or monthly; "
                        "a weekly or monthly base learns from the simulation summed to weeks or months, with "
                        "that frequency's default lengths")
    p.add_argument("--ship", action="store_true",
                   help="copy the base into the package's shipped bases (with its sha256), for maintainers "
                        "rebuilding them: workbench supply pretrain --freq D|W|MS --force --ship")
    p.set_defaults(func=_cmd_pretrain)
    p = sub.add_parser(
        "backtest", help="backtest a demand file: adapter vs frozen base vs baselines (JSON last line)",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Backtest a demand file: adapter vs frozen base vs baselines, then inventory.",
        epilog=COVARIATES_HELP)
    common(p)
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--file", help="CSV or Parquet, long (unique_id, ds, y, ...) or wide (d_1, d_2, ...)")
    src.add_argument("--simulated", choices=["default", "m5"],
                     help="backtest the simulator's set instead of a file: 'default' (region Ost) or 'm5' "
                          "(the M5 shape: 30,490 series x 1,941 days; fewer with --set task.target_skus=N, "
                          "10 series per SKU)")
    p.add_argument("--format", choices=["long", "wide", "transactions"],
                   help="layout (default: detected; transactions = invoice lines in the UCI Online Retail layout)")
    p.add_argument("--column", action="append", default=[], metavar="THEIRS=OURS",
                   help="rename a column, e.g. --column datum=ds --column menge=y")
    p.add_argument("--calendar", metavar="FILE", help="M5-style calendar (date or d, event_*, snap_*, wm_yr_wk)")
    p.add_argument("--prices", metavar="FILE", help="M5-style prices (store_id, item_id, wm_yr_wk, sell_price)")
    p.add_argument("--leading-zeros", choices=["demand", "missing"],
                   help="zeros before a series' first sale: real zero demand (default) or not listed yet")
    p.set_defaults(func=_cmd_backtest)
    p = sub.add_parser("simulate", help="write simulated demand (long format) to CSV or Parquet")
    p.add_argument("--out", required=True, help="output file (.csv or .parquet)")
    p.add_argument("--skus", type=int, default=40)
    p.add_argument("--days", type=int, default=730)
    p.add_argument("--regions", nargs="*", help="regions (Süd West Nord Ost)")
    p.add_argument("--seed", type=int, default=0)
    p.set_defaults(func=_cmd_simulate)
