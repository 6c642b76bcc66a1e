"""The ``workbench`` command: headless runs on GPU nodes, the same as the notebook API.

    workbench train --usecase legal_de --data my.csv --text-column Text --label-column Label
    workbench train --config configs/legal_de/default.yaml --set train.lr=1e-3 --set lora.r=16
    workbench evaluate --config cfg.yaml --adapter runs/x/adapter
    workbench predict  --config cfg.yaml --adapter runs/x/adapter --input new.csv --output pred.csv
    workbench merge    --adapter runs/x/adapter --out merged/
    workbench demo     [--smoke] [--output runs/demo]
    workbench <usecase verbs>  (e.g. `workbench maintenance cmapss ...`, `workbench supply backtest ...`)
    workbench audit verify | show ...

Commands that compute metrics print them as ONE JSON object on the last line of output, so
scripts and schedulers can parse the result (``... | tail -1 | jq .``).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any, Sequence

from workbench.config import ConfigError, RunConfig
from workbench.io import print_json_line


_RUN_FLAGS = (("output_dir", "run.output_dir"), ("name", "run.name"))


def add_run_args(parser: argparse.ArgumentParser, *, name_help: str = "run name (default: from the config)") -> None:
    """Add ``--output-dir`` and ``--name``, the flags of every verb that makes a run directory.

    The core verbs and the use cases' verbs (``workbench maintenance cmapss``, ``workbench supply
    backtest`` ...) share them; :func:`run_overrides` turns the given ones into config overrides.
    """
    parser.add_argument("--output-dir", help="directory for run outputs (default: runs)")
    parser.add_argument("--name", help=name_help)


def run_overrides(args: argparse.Namespace) -> list[str]:
    """``--set``-style overrides (``run.output_dir=...``, ``run.name=...``) for the flags of
    :func:`add_run_args` that were given; flags left out (or absent from ``args``) add nothing."""
    return _flag_overrides(args, _RUN_FLAGS)


def _flag_overrides(args: argparse.Namespace, flags: Sequence[tuple[str, str]]) -> list[str]:
    """``key=<JSON string>`` for each ``(flag, key)`` whose flag was given."""
    return [f"{key}={json.dumps(str(getattr(args, flag)))}" for flag, key in flags if getattr(args, flag, None)]


def _add_config_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--config", help="YAML config (sections run, model, data, lora, train, eval, task)")
    p.add_argument("--usecase", help="use case (default: the config's run.usecase, else legal_de)")
    p.add_argument("--set", dest="overrides", action="append", default=[], metavar="SECTION.FIELD=VALUE",
                   help="override a config field, e.g. --set train.lr=1e-3 (repeatable)")
    p.add_argument("--smoke", action="store_true", help="tiny and fast settings (CI, first try)")
    p.add_argument("--data", help="your own data file (CSV, JSONL, Parquet...)")
    p.add_argument("--text-column", help="text column of your file (text use cases)")
    p.add_argument("--label-column", help="label column of your file (classification)")
    p.add_argument("--format", help="file format, if the suffix does not tell")
    add_run_args(p)
    p.add_argument("--base-model", help="base model directory (or hub id with --allow-download)")
    p.add_argument("--allow-download", action="store_true", help="allow fetching a hub id (off by default)")


def load_config(args: argparse.Namespace) -> tuple[Any, RunConfig]:
    """Build the run config from ``--config`` / use-case defaults plus CLI overrides."""
    import yaml

    from workbench.usecases import get_usecase

    name = args.usecase
    if args.config and not name:
        raw = yaml.safe_load(Path(args.config).read_text(encoding="utf-8")) or {}
        name = (raw.get("run") or {}).get("usecase")
    uc = get_usecase(name or "legal_de")
    overrides = list(args.overrides)
    if args.data:
        overrides.append(f"data.path={json.dumps(str(args.data))}")
    columns = {}
    if args.text_column:
        columns["text"] = args.text_column
    if args.label_column:
        columns["label"] = args.label_column
    if columns:
        overrides.append(f"data.columns={json.dumps(columns)}")
    overrides += _flag_overrides(args, (("format", "data.format"), ("base_model", "model.base_model"), *_RUN_FLAGS))
    if args.allow_download:
        overrides.append("model.allow_download=true")
    if args.config:
        cfg = RunConfig.from_yaml(args.config, task_cls=uc.TaskArgs, overrides=overrides)
    else:
        cfg = uc.default_config(smoke=args.smoke).with_overrides(overrides)
    return uc, cfg


def cmd_train(args: argparse.Namespace) -> int:
    uc, cfg = load_config(args)
    result = uc.run_experiment(cfg)
    print(f"outputs: {result.get('run_dir', cfg.run_dir())}", file=sys.stderr)
    print_json_line({"usecase": uc.NAME, **{k: v for k, v in result.items() if k in ("metrics", "run_dir")}})
    return 0


def cmd_evaluate(args: argparse.Namespace) -> int:
    uc, cfg = load_config(args)
    if not hasattr(uc, "evaluate_adapter"):
        raise SystemExit(f"workbench evaluate: use case {uc.NAME} has no evaluate_adapter()")
    print_json_line({"usecase": uc.NAME, "adapter": args.adapter, "metrics": uc.evaluate_adapter(cfg, args.adapter)})
    return 0


def cmd_predict(args: argparse.Namespace) -> int:
    uc, cfg = load_config(args)
    if not hasattr(uc, "predict_file"):
        raise SystemExit(f"workbench predict: use case {uc.NAME} has no predict_file()")
    out = uc.predict_file(cfg, args.adapter, args.input, args.output)
    print_json_line({"usecase": uc.NAME, "predictions": str(out)})
    return 0


def cmd_merge(args: argparse.Namespace) -> int:
    from workbench.lora import merge_adapter_dir

    out = merge_adapter_dir(args.adapter, args.out, base_model=args.base_model)
    print_json_line({"merged_model": str(out)})
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from workbench.demo import run_demo

    report = run_demo(output_dir=args.output, smoke=args.smoke, usecases=args.only)
    print(f"report: {report['report']}", file=sys.stderr)
    print_json_line(report)
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser, with the use cases' and governance's own verbs."""
    from workbench._version import __version__
    from workbench.usecases import USECASES, get_usecase

    parser = argparse.ArgumentParser(prog="workbench", description="KI-Werkbank: LoRA fine-tuning, offline.")
    parser.add_argument("--version", action="version", version=f"ki-werkbank {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("train", help="train and evaluate baseline, frozen base and LoRA adapter")
    _add_config_args(p)
    p.set_defaults(func=cmd_train)
    p = sub.add_parser("evaluate", help="evaluate a saved adapter on held-out data")
    _add_config_args(p)
    p.add_argument("--adapter", required=True, help="adapter directory")
    p.set_defaults(func=cmd_evaluate)
    p = sub.add_parser("predict", help="predict a file with a saved adapter")
    _add_config_args(p)
    p.add_argument("--adapter", required=True, help="adapter directory")
    p.add_argument("--input", required=True, help="input file")
    p.add_argument("--output", required=True, help="output CSV")
    p.set_defaults(func=cmd_predict)
    p = sub.add_parser("merge", help="merge an adapter into its base model (for serving)")
    p.add_argument("--adapter", required=True, help="adapter directory")
    p.add_argument("--out", required=True, help="output directory of the merged model")
    p.add_argument("--base-model", help="base model directory (default: recorded in the adapter)")
    p.set_defaults(func=cmd_merge)
    p = sub.add_parser("demo", help="run every use case end to end and write an HTML report")
    p.add_argument("--output", default="runs/demo", help="output directory (default runs/demo)")
    p.add_argument("--smoke", action="store_true", help="tiny settings (seconds per use case)")
    p.add_argument("--only", action="append", help="run only this use case (repeatable)")
    p.set_defaults(func=cmd_demo)

    for name in USECASES:
        try:
            uc = get_usecase(name)
        except ImportError:
            continue
        if hasattr(uc, "register_cli"):
            uc.register_cli(sub)
    try:
        from workbench.governance.cli import register_cli as governance_cli
    except ImportError:
        governance_cli = None
    if governance_cli is not None:
        governance_cli(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``workbench`` command."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if "--allow-download" not in argv:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")  # offline unless the user asks otherwise
    os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except ConfigError as exc:
        print(f"workbench: {exc}", file=sys.stderr)
        return 2
    except (FileNotFoundError, ValueError, KeyError) as exc:
        print(f"workbench: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
