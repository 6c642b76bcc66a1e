"""Predictive maintenance: a factory-pretrained PatchTST, LoRA-adapted to each fleet.

The use case of issue 3. A time-series base model is pretrained once on a broad simulated
turbofan fleet (six operating regimes, two fault modes) and cached, or taken from the package
(``task.base_model=shipped``: pretrained on randomised simulator physics, KernelSynth series, FD001
train and AI4I, see ``pretrain.py`` and ``base/MODEL_CARD.md``); each plant adapts it with
LoRA to its own fleet's run-to-failure histories (C-MAPSS format) for remaining-useful-life
regression, or to its machining log (AI4I 2020 format) for failure classification. Every result
stands next to the frozen base with a trained head and a LightGBM baseline, and RUL runs add a
blend of adapter and LightGBM (weight chosen on validation engines, ``metrics["blend"]``); the model
to use is recommended on validation engines (capped RMSE, ``result["recommendation"]``), the test
verdict reports it (see ``docs/maintenance.md``).
Options of issue 12: ``task.adapt_epochs`` (masked patches on the fleet's own training series
before LoRA), ``task.extra_inputs`` (engineered channels). Recipes are compared leave-one-fleet-out
in ``benchmarks/bench_fleets.py``; ``benchmarks/bench_maintenance_scale.py`` runs 5,000 engines.

Contract (``docs/architecture.md``): ``NAME``, ``TaskArgs``, ``default_config``,
``run_experiment``, ``report_section``, ``register_cli``. Command line::

    workbench maintenance pretrain [--smoke] [--rebuild-shipped]
    workbench maintenance cmapss --train train_FD001.txt --test test_FD001.txt --rul RUL_FD001.txt
    workbench maintenance simulate --subset FD004 --out data/fd004
    workbench maintenance ai4i --file ai4i2020.csv

Each prints one JSON object on its last line.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from workbench.cli import add_run_args, names_the_run, run_overrides
from workbench.config import EvalArgs, LoraArgs, RunArgs, RunConfig, TrainArgs
from workbench.io import print_json_line

NAME = "maintenance"
TITLE = "Predictive maintenance (turbofan RUL, PatchTST + LoRA)"
# Options of `workbench train/evaluate/predict` this use case uses (others are refused: workbench.cli.check_options).
CLI_OPTIONS = frozenset()
CLI_INSTEAD = {"data": "workbench maintenance cmapss --train train_FD001.txt --test test_FD001.txt --rul RUL_FD001.txt, or workbench maintenance ai4i --file ai4i2020.csv"}

__all__ = ["NAME", "TITLE", "TaskArgs", "MaintenanceTaskArgs", "default_config", "recipe_config", "run_experiment",
           "report_section", "register_cli", "evaluate_adapter", "predict_file"]


def __getattr__(name: str) -> Any:
    # ``TaskArgs`` on first use: its PatchTST spec imports torch, and ``workbench`` imports this package
    # to register its verbs on every call (``workbench audit verify`` should not wait for torch).
    if name in ("TaskArgs", "MaintenanceTaskArgs"):
        from workbench.usecases.maintenance.config import MaintenanceTaskArgs

        return MaintenanceTaskArgs
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def recipe_config() -> RunConfig:
    """The recipe for a real fleet (= ``configs/maintenance/default.yaml``; the CLI verbs' default).

    CPU-sized (measured on 2 shared cores, see ``benchmarks/bench_maintenance.py``): a 2-layer
    PatchTST with non-overlapping patches, pretrained on 200 simulated engines (masked patches, then
    simulated RUL), every third training window, 15 epochs. ``workbench maintenance cmapss`` sets
    the files of a subset and keeps everything else, so FD001 and the multi-condition, two-fault
    subsets go through the same settings.
    """
    from workbench.usecases.maintenance.config import MaintenanceTaskArgs

    task = MaintenanceTaskArgs(pretrain_units=200, pretrain_epochs=4, pretrain_supervised_epochs=4,
                               pretrain_max_windows=6000, d_model=32, num_layers=2, ffn_dim=64, patch_stride=8,
                               target_units=60, train_stride=3)
    train = TrainArgs(max_epochs=15, batch_size=256, lr=3e-3, warmup_ratio=0.05, progress_bar=False)
    return RunConfig(run=RunArgs(name="maintenance", usecase=NAME, seed=0), lora=LoraArgs(r=16, alpha=32, dropout=0.05),
                     train=train, eval=EvalArgs(batch_size=512), task=task)


def default_config(smoke: bool = False) -> RunConfig:
    """The demo run: adapt the factory base to a simulated FD004-like fleet (6 regimes, 2 fault modes).

    Args:
        smoke: Tiny settings (CI, notebooks in smoke mode): a small PatchTST, 16 engines, two
            epochs; about a minute on two CPU cores including pretraining. Without ``smoke``:
            :func:`recipe_config`, the settings for real fleets, on a simulated 60-engine fleet:
            about 2 minutes on two quiet CPU cores including pretraining. Measured with seeds 0
            and 1 (2026-12-06), RMSE raw / capped: adapter 29.7 / 26.1 and 28.3 / 22.8 (the pure
            adapter, ``task.extra_inputs=[]``: 28.2 / 24.7 and 28.1 / 23.7), LightGBM 29.3 / 25.5
            and 29.2 / 24.3, frozen base 30.2 / 26.6 and 30.3 / 26.5. The engineered inputs were
            chosen leave-one-fleet-out, not on this fleet, and lose here with seed 0
            (docs/maintenance.md). A lighter demo budget tried before, 50 engines and a shorter
            pretraining, left the adapter behind the frozen base: 33.3 vs 33.0.
    """
    cfg = recipe_config()
    if not smoke:
        return cfg
    return cfg.with_overrides(["task.pretrain_units=24", "task.pretrain_epochs=2", "task.pretrain_supervised_epochs=1",
                               "task.pretrain_max_windows=1500", "task.target_units=16", "task.train_stride=4",
                               "task.baseline_estimators=100", "train.max_epochs=2", "train.batch_size=128",
                               "run.name=maintenance-smoke"])


def run_experiment(config: RunConfig) -> dict:
    """Train and evaluate baseline, frozen base and LoRA adapter on held-out data (see ``experiment``)."""
    from workbench.usecases.maintenance.experiment import run_experiment as _run

    return _run(config)


def report_section(result: dict) -> str:
    """HTML fragment for the demo report: metrics table, figures and the alarm decision."""
    from workbench.usecases.maintenance.widgets import report_html

    return report_html(result)


def evaluate_adapter(config: RunConfig, adapter_dir: str) -> dict:
    """Score a saved adapter on the config's test engines (``workbench evaluate``; see ``inference``).

    Raises:
        FileNotFoundError: ``adapter folder not found: ...``.
    """
    from workbench.usecases.maintenance.inference import evaluate_adapter as _evaluate

    return _evaluate(config, adapter_dir)


def predict_file(config: RunConfig, adapter_dir: str, input_path: str, output_path: str) -> str:
    """Predict RUL per engine of a C-MAPSS-format file at its last cycle into a CSV (``workbench predict``);
    a failure adapter gives every row of a process log its failure probability and alarm."""
    from workbench.usecases.maintenance.inference import predict_file as _predict

    return _predict(config, adapter_dir, input_path, output_path)


# ----------------------------------------------------------------------------- command line
def _config(args: argparse.Namespace) -> RunConfig:
    from workbench.usecases.maintenance.config import MaintenanceTaskArgs

    if getattr(args, "config", None):
        cfg = RunConfig.from_yaml(args.config, task_cls=MaintenanceTaskArgs, overrides=args.overrides)
    elif args.smoke:
        cfg = default_config(smoke=True).with_overrides(args.overrides)
    else:
        cfg = recipe_config().with_overrides(args.overrides)
    extra = run_overrides(args)
    return cfg.with_overrides(extra) if extra else cfg


def default_names() -> tuple[str, ...]:
    """The run names of this use case's defaults and shipped YAML files (``configs/maintenance``): a
    verb's own name (``cmapss-train_FD001``, ``ai4i``) replaces these, never a name the user chose."""
    return tuple(dict.fromkeys([default_config().run.name, default_config(smoke=True).run.name,
                                recipe_config().run.name]))


def _short(metrics: dict, keys: tuple[str, ...]) -> dict:
    return {role: {k: m.get(k) for k in keys if k in m} for role, m in metrics.items()}


def _cmd_pretrain(args: argparse.Namespace) -> int:
    from workbench.usecases.maintenance.model import pretrain_base

    cfg = _config(args)
    if args.rebuild_shipped:  # the packaged base (broad corpus), same as python -m ...maintenance.pretrain
        from workbench.usecases.maintenance.pretrain import pretrain_shipped

        info = pretrain_shipped(cfg.task, scale=args.scale)
        print_json_line({k: info[k] for k in ("sha256", "corpus", "seconds", "supervised_windows")})
        return 0
    res = pretrain_base(cfg.task, force=args.force, verbose=True)
    print_json_line({"base_model": str(res.path), "from_cache": res.from_cache,
                "windows_per_s": res.info.get("windows_per_s"), "seconds": res.info.get("seconds"),
                "final_masked_mse": (res.info.get("loss_per_epoch") or [None])[-1]})
    return 0


def _cmd_cmapss(args: argparse.Namespace) -> int:
    cfg = _config(args)
    files = [f"task.train_file={json.dumps(args.train)}", f"task.test_file={json.dumps(args.test)}",
             f"task.rul_file={json.dumps(args.rul)}", "task.problem=rul"]
    if not names_the_run(args, cfg, default_names()):
        from pathlib import Path

        files.append(f"run.name={json.dumps('cmapss-' + Path(args.train).stem)}")
    cfg = cfg.with_overrides(files)
    result = run_experiment(cfg)
    print(f"outputs: {result['run_dir']}", file=sys.stderr)
    from workbench.usecases.maintenance.evaluation import maintenance_verdict

    short = _short(result["metrics"], ("rmse", "score", "rmse_capped", "mae"))
    for role, m in result["metrics"].items():  # the alarm rule chosen on validation engines, scored on the test ones
        a = m.get("alarm", {})
        short[role].update(alarm_rul=a.get("alarm_rul"), alarm_val_cost=a.get("val", {}).get("cost"),
                           alarm_test_cost=a.get("cost"))
    print_json_line({"dataset": result["dataset"], "run_dir": result["run_dir"], **short,
                     "recommendation": result.get("recommendation", {}).get("text"),
                     "verdict": maintenance_verdict(result["metrics"])["text"]})
    return 0


def _cmd_ai4i(args: argparse.Namespace) -> int:
    cfg = _config(args)
    over = ["task.problem=failure"]
    if args.file:
        over.append(f"task.ai4i_file={json.dumps(args.file)}")
    if not names_the_run(args, cfg, default_names()):
        over.append("run.name=ai4i")
    result = run_experiment(cfg.with_overrides(over))
    print(f"outputs: {result['run_dir']}", file=sys.stderr)
    rec = (result.get("recommendation") or {}).get("text")
    if rec:
        print(rec, file=sys.stderr)
    print_json_line({"dataset": result["dataset"], "run_dir": result["run_dir"],
                     **_short(result["metrics"], ("f1", "precision", "recall", "pr_auc", "val_pr_auc")),
                     "recommendation": rec, "verdict": result.get("verdict", {}).get("text")})
    return 0


def _cmd_simulate(args: argparse.Namespace) -> int:
    from workbench.usecases.maintenance.simulate import FleetSpec, simulate_fleet, write_cmapss

    over = {"seed": args.seed}
    if args.units:
        over.update(n_train=args.units, n_test=args.units)
    fleet = simulate_fleet(FleetSpec.preset(args.subset, **over))
    paths = write_cmapss(fleet, args.out, args.subset)
    print_json_line({k: str(v) for k, v in paths.items()} | {"train_units": int(fleet.train["unit"].nunique())})
    return 0


def register_cli(subparsers) -> None:
    """Add ``workbench maintenance {pretrain,cmapss,ai4i,simulate}``."""
    top = subparsers.add_parser(NAME, help="predictive maintenance: pretrain, adapt to C-MAPSS/AI4I, simulate")
    sub = top.add_subparsers(dest="maintenance_cmd", required=True)

    def common(p: argparse.ArgumentParser) -> None:
        p.add_argument("--config", help="YAML config (e.g. configs/maintenance/default.yaml)")
        p.add_argument("--smoke", action="store_true", help="tiny, fast settings")
        p.add_argument("--set", dest="overrides", action="append", default=[], metavar="SECTION.FIELD=VALUE")
        add_run_args(p, name_help="run name")

    p = sub.add_parser("pretrain", help="pretrain (or load the cached) factory base model")
    common(p)
    p.add_argument("--force", action="store_true", help="retrain even if cached")
    p.add_argument("--rebuild-shipped", action="store_true",
                   help="rebuild the shipped base in the package (broad corpus; ~5-20 min on 2 CPU cores)")
    p.add_argument("--scale", type=float, default=1.0, help="corpus size for --rebuild-shipped (GPU: larger)")
    p.set_defaults(func=_cmd_pretrain)
    p = sub.add_parser("cmapss", help="adapt to a C-MAPSS subset; print adapter/frozen/baseline RMSE and score")
    common(p)
    p.add_argument("--train", required=True, help="train_FD00x.txt")
    p.add_argument("--test", required=True, help="test_FD00x.txt")
    p.add_argument("--rul", required=True, help="RUL_FD00x.txt")
    p.set_defaults(func=_cmd_cmapss)
    p = sub.add_parser("ai4i", help="failure classification on AI4I 2020 (file or generated)")
    common(p)
    p.add_argument("--file", help="ai4i2020.csv (default: a generated log)")
    p.set_defaults(func=_cmd_ai4i)
    p = sub.add_parser("simulate", help="write a simulated fleet in C-MAPSS format")
    p.add_argument("--subset", default="FD004", help="FD001..FD004 (conditions and fault modes like NASA's)")
    p.add_argument("--out", required=True, help="output directory")
    p.add_argument("--units", type=int, help="engines in train and test (default: as NASA's subset)")
    p.add_argument("--seed", type=int, default=0)
    p.set_defaults(func=_cmd_simulate)
