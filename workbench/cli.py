"""The ``workbench`` command: headless runs on GPU nodes, the same as the notebook API.

    workbench train --usecase legal_de --data my.csv --text-column Text --label-column Label
    workbench train --usecase supply_chain --data bedarf.csv --sep ';' --decimal , --date-format %d.%m.%Y
    workbench train --config configs/legal_de/default.yaml --set train.lr=1e-3 --set lora.r=16
    workbench evaluate --adapter runs/x/adapter            # use case and config from the run folder
    workbench predict  --adapter runs/x/adapter --input new.csv --output pred.csv
    workbench merge    --adapter runs/x/adapter --out merged/
    workbench demo     [--smoke] [--output runs/demo]
    workbench <usecase verbs>  (e.g. `workbench maintenance cmapss ...`, `workbench supply backtest ...`)
    workbench audit verify | show ...

Commands that compute metrics print them as ONE JSON object on the last line of output, so
scripts and schedulers can parse the result (``... | tail -1 | jq .``).

Each use case declares which of the data and model options of ``train``/``evaluate``/``predict``
it uses (``CLI_OPTIONS`` in its package, see :mod:`workbench.usecases`); any other one is refused
with exit code 2 and a message that says what to use instead, so nothing that a run ignores ends
up in its ``config.yaml`` as if it had been used.
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


def names_the_run(args: argparse.Namespace, config: Any = None, default_names: Sequence[str] = ()) -> bool:
    """True when the user named the run: a verb's own default name (``cmapss-train_FD001``) must then
    not replace it, or a second run would overwrite the first's folder under a name the user did not
    choose.

    Args:
        args: The parsed command line: ``--name`` or ``--set run.name=...`` name the run.
        config: The resolved config; its ``run.name`` names the run too when it is none of
            ``default_names`` (a name written into the user's ``--config`` YAML file).
        default_names: The use case's own names (``maintenance``, ``maintenance-smoke``: the
            defaults and the shipped YAML files), which a verb's default name replaces.
    """
    if getattr(args, "name", None):
        return True
    if any(str(o).split("=", 1)[0].strip() == "run.name" for o in (getattr(args, "overrides", None) or [])):
        return True
    return config is not None and config.run.name not in set(default_names)


def _flag_overrides(args: argparse.Namespace, flags: Sequence[tuple[str, str]]) -> list[str]:
    """``key=<JSON string>`` for each ``(flag, key)`` whose flag was given."""
    return [f"{key}={json.dumps(str(getattr(args, flag)))}" for flag, key in flags if getattr(args, flag, None)]


# Table-reading flags: shared by the core verbs and the use cases' own verbs that read a user's file.
_TABLE_FLAGS = (("sep", "data.sep"), ("decimal", "data.decimal"), ("date_format", "data.date_format"),
                ("encoding", "data.encoding"))

# The data and model options of train/evaluate/predict that a use case may or may not use: option
# (argparse dest) -> (flag, the config field it sets). A use case lists the ones it uses in
# CLI_OPTIONS; the rest are refused (flag given) or reported (field set by --set or --config).
DATA_OPTIONS: dict[str, tuple[str, str | None]] = {
    "data": ("--data", "data.path"),
    "train": ("--train", "data.train"),
    "val": ("--val", "data.val"),
    "test": ("--test", "data.test"),
    "text_column": ("--text-column", None),
    "label_column": ("--label-column", None),
    "column": ("--column", None),
    "format": ("--format", "data.format"),
    "sep": ("--sep", "data.sep"),
    "decimal": ("--decimal", "data.decimal"),
    "date_format": ("--date-format", "data.date_format"),
    "encoding": ("--encoding", "data.encoding"),
    "base_model": ("--base-model", "model.base_model"),
    "allow_download": ("--allow-download", "model.allow_download"),
}

# Use-case name -> the top-level verbs its register_cli added (filled by build_parser), for hints.
_USECASE_VERBS: dict[str, list[str]] = {}


class UsageError(Exception):
    """The command line asks for something the chosen use case does not do (exit code 2)."""


def add_table_args(parser: argparse.ArgumentParser) -> None:
    """Add ``--sep --decimal --date-format --encoding``: how to read a user's CSV file.

    The core verbs and the use cases' verbs that read a table (``workbench supply backtest``)
    share them; :func:`table_overrides` turns the given ones into ``data.*`` config overrides,
    and the use case passes ``workbench.tabular.table_options(config.data)`` to ``read_table``.
    Left out, the reader detects each of them (and prints one line saying what it found).
    """
    g = parser.add_argument_group("reading your CSV file (detected when left out)")
    g.add_argument("--sep", metavar="CHAR", help="column separator, e.g. --sep ';' (German Excel) or --sep tab")
    g.add_argument("--decimal", choices=[",", "."], metavar="MARK",
                   help="decimal mark, ',' or '.': --decimal , for German numbers (1.234,56)")
    g.add_argument("--date-format", metavar="FORM", help="form of the dates, e.g. --date-format %%d.%%m.%%Y for 13.01.2024")
    g.add_argument("--encoding", metavar="NAME", help="text encoding, e.g. --encoding cp1252 (default: UTF-8, else cp1252)")


def table_overrides(args: argparse.Namespace) -> list[str]:
    """``data.sep=...``-style overrides for the flags of :func:`add_table_args` that were given."""
    return _flag_overrides(args, _TABLE_FLAGS)


def _add_config_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--config", metavar="FILE", help="YAML config (sections run, model, data, lora, train, eval, task)")
    p.add_argument("--usecase", metavar="NAME", help="use case: legal_de, legal_ner, maintenance or supply_chain (default: the config's "
                                     "run.usecase; evaluate/predict: the adapter's run; else legal_de)")
    p.add_argument("--set", dest="overrides", action="append", default=[], metavar="SECTION.FIELD=VALUE",
                   help="override a config field, e.g. --set train.lr=1e-3 (repeatable)")
    p.add_argument("--smoke", action="store_true", help="tiny and fast settings (CI, first try)")
    g = p.add_argument_group("your data (each use case takes the ones it uses; others are refused)")
    g.add_argument("--data", metavar="FILE", help="your own data file (CSV, TSV, JSONL, Parquet; also .gz/.zip)")
    g.add_argument("--train", metavar="FILE", help="your own training file; with --val/--test a split used as given "
                                                   "(instead of --data; a 'split' column in --data works too)")
    g.add_argument("--val", metavar="FILE", help="your own validation file (with --train)")
    g.add_argument("--test", metavar="FILE", help="your own test file (with --train), read once, to score")
    g.add_argument("--text-column", metavar="NAME", help="text column of your file, e.g. --text-column Klausel (legal_de)")
    g.add_argument("--label-column", metavar="NAME", help="label column of your file, e.g. --label-column Typ (legal_de)")
    g.add_argument("--column", action="append", default=[], metavar="THEIRS=OURS",
                   help="rename a column of your file, e.g. --column Datum=ds --column Menge=y (supply_chain; "
                        "repeatable)")
    g.add_argument("--format", help="legal_de: csv, jsonl or parquet if the suffix does not tell; "
                                    "supply_chain: long or wide layout")
    add_table_args(p)
    add_run_args(p)
    g = p.add_argument_group("base model")
    g.add_argument("--base-model", metavar="DIR", help="base model directory (or hub id with --allow-download)")
    g.add_argument("--allow-download", action="store_true", help="allow fetching a hub id (off by default)")


def _given(args: argparse.Namespace, option: str) -> bool:
    value = getattr(args, option, None)
    return value not in (None, False, "", [])


def _field(cfg: RunConfig, dotted: str) -> Any:
    section, name = dotted.split(".")
    return getattr(getattr(cfg, section), name, None)


def _instead(uc: Any, option: str) -> str:
    """What a user should do instead of ``option`` with this use case (its own hint, else the
    options it does take and its own verbs)."""
    hint = (getattr(uc, "CLI_INSTEAD", None) or {}).get(option)
    if hint:
        return f"Instead: {hint}"
    taken = sorted(getattr(uc, "CLI_OPTIONS", ()) or ())
    parts = ["It takes " + (", ".join(DATA_OPTIONS[o][0] for o in taken if o in DATA_OPTIONS) if taken
                            else "none of these options")]
    verbs = _USECASE_VERBS.get(uc.NAME)
    if verbs:
        parts.append(f"its own commands: workbench {verbs[0]} --help")
    return "; ".join(parts) + "."


def check_options(uc: Any, args: argparse.Namespace, verb: str, cfg: RunConfig | None = None) -> None:
    """Refuse the data/model options the use case does not use (given as flags or set in the config).

    A use case without ``CLI_OPTIONS`` takes all of them (a third-party use case written before
    the declaration existed).

    Raises:
        UsageError: Names the option, the use case and what to use instead.
    """
    accepted = getattr(uc, "CLI_OPTIONS", None)
    if accepted is None:
        return
    for option, (flag, dotted) in DATA_OPTIONS.items():
        if option in accepted:
            continue
        if _given(args, option):
            why = ("it would be ignored, and recorded in the run's config.yaml as if it had been used"
                   if verb == "train" else "it would be ignored")
            raise UsageError(f"workbench {verb}: {flag} is not used by use case {uc.NAME} ({why}). "
                             f"{_instead(uc, option)}")
        if cfg is not None and dotted and _field(cfg, dotted) not in (None, False, "", {}, []):
            raise UsageError(f"workbench {verb}: {dotted} is set (by --set or --config) but use case {uc.NAME} "
                             f"does not use it; remove it. {_instead(uc, option)}")


def _adapter_usecase(adapter: str | None) -> tuple[str | None, Path | None]:
    """(use case, run config) recorded beside a saved adapter, as far as they are there."""
    if not adapter:
        return None, None
    import yaml

    folder = Path(adapter)
    name = None
    meta = folder / "workbench_adapter.json"  # = workbench.lora.ADAPTER_META (lora imports torch)
    if meta.is_file():
        try:
            name = json.loads(meta.read_text(encoding="utf-8")).get("usecase")
        except (ValueError, UnicodeDecodeError):
            name = None
    run_config = folder.parent / "config.yaml"
    if not run_config.is_file():
        return name, None
    if name is None:
        try:
            name = ((yaml.safe_load(run_config.read_text(encoding="utf-8")) or {}).get("run") or {}).get("usecase")
        except (yaml.YAMLError, UnicodeDecodeError, AttributeError):
            return None, None
    return name, run_config


def load_config(args: argparse.Namespace, verb: str = "train") -> tuple[Any, RunConfig]:
    """Build the run config from ``--config`` / use-case defaults plus CLI overrides.

    For ``evaluate`` and ``predict`` without ``--config``/``--smoke``, the config of the run that
    saved the adapter (``<run>/config.yaml`` beside ``<run>/adapter``) is the starting point, so
    the adapter is scored on the data and split it was trained with; the use case comes from
    ``--usecase``, else the config, else the adapter's run, else ``legal_de``.

    Raises:
        UsageError: An option the use case does not use (see :func:`check_options`).
    """
    import yaml

    from workbench.usecases import get_usecase

    name = args.usecase
    if args.config and not name:
        raw = yaml.safe_load(Path(args.config).read_text(encoding="utf-8")) or {}
        name = (raw.get("run") or {}).get("usecase")
    run_config = None
    if verb in ("evaluate", "predict") and not args.config:
        recorded, run_config = _adapter_usecase(getattr(args, "adapter", None))
        if name and recorded and name != recorded:
            raise UsageError(f"workbench {verb}: the adapter {args.adapter} was trained by use case {recorded}, "
                             f"not {name}; leave out --usecase or pass --usecase {recorded}")
        name = name or recorded
        if args.smoke or (run_config is not None and name != recorded):
            run_config = None
    uc = get_usecase(name or "legal_de")
    check_options(uc, args, verb)
    overrides = list(args.overrides)
    if args.data:
        overrides.append(f"data.path={json.dumps(str(args.data))}")
    if verb == "train":
        for part in ("train", "val", "test"):
            if getattr(args, part, None):
                overrides.append(f"data.{part}={json.dumps(str(getattr(args, part)))}")
    else:
        for part in ("train", "val") + (("test",) if verb == "predict" else ()):
            if getattr(args, part, None):
                raise UsageError(f"workbench {verb}: --{part} is for workbench train; "
                                 + ("evaluate scores --test FILE (or --data FILE)" if verb == "evaluate"
                                    else "predict reads --input FILE"))
        if getattr(args, "test", None):  # evaluate --test FILE: score that file (its rows the adapter never saw)
            overrides.append(f"data.path={json.dumps(str(args.test))}")
        if args.data or getattr(args, "test", None):
            # The run's own split files (recorded in its config) give way to the file to score.
            overrides += ["data.train=null", "data.val=null", "data.test=null"]
    columns = {}
    if args.text_column:
        columns["text"] = args.text_column
    if args.label_column:
        columns["label"] = args.label_column
    for item in args.column:
        theirs, eq, ours = item.partition("=")
        if not (eq and theirs and ours):
            raise UsageError(f"workbench {verb}: --column expects THEIRS=OURS, e.g. --column Datum=ds, got {item!r}")
        columns[theirs] = ours
    if columns:
        overrides.append(f"data.columns={json.dumps(columns)}")
    overrides += _flag_overrides(args, (("format", "data.format"), ("base_model", "model.base_model"),
                                        *_TABLE_FLAGS, *_RUN_FLAGS))
    if args.allow_download:
        overrides.append("model.allow_download=true")
    if args.config or run_config is not None:
        source = args.config or run_config
        if run_config is not None:
            from workbench.progress import emit

            emit(f"using the adapter's run config {run_config}")
        cfg = RunConfig.from_yaml(source, task_cls=uc.TaskArgs, overrides=overrides)
    else:
        cfg = uc.default_config(smoke=args.smoke).with_overrides(overrides)
    check_options(uc, args, verb, cfg)
    return uc, cfg


def cmd_train(args: argparse.Namespace) -> int:
    from workbench.distributed import is_rank_zero, outputs_on_rank_zero

    uc, cfg = load_config(args, "train")
    with outputs_on_rank_zero(cfg):  # under torchrun every rank trains; only rank 0 writes (workbench.distributed)
        result = uc.run_experiment(cfg)
    if not is_rank_zero():
        return 0
    print(f"outputs: {result.get('run_dir', cfg.run_dir())}", file=sys.stderr)
    from workbench.demo import verdict_text

    # The honest lines travel with the figures: which model won on the test data, and which one the
    # run recommends (chosen on validation data) where the use case makes that choice.
    rec = result.get("recommendation")
    print_json_line({"usecase": uc.NAME, **{k: v for k, v in result.items() if k in ("metrics", "run_dir")},
                     "verdict": verdict_text(result), **({"recommendation": rec.get("text")} if isinstance(rec, dict) else {})})
    return 0


def _check_adapter(args: argparse.Namespace) -> None:
    """The adapter folder must exist before anything loads (a model load takes seconds)."""
    folder = Path(args.adapter)
    if not folder.exists():
        raise UsageError(f"adapter folder not found: {folder}")
    if not folder.is_dir():
        raise UsageError(f"adapter folder not found: {folder} is a file; pass the folder that holds the adapter "
                         "(e.g. runs/<run>/adapter)")


def _usecase_function(uc: Any, name: str, verb: str) -> Any:
    fn = getattr(uc, name, None)
    if not callable(fn):
        raise UsageError(f"workbench {verb}: use case {uc.NAME} cannot {verb} a saved adapter yet (it has no "
                         f"{name}()); its run directory holds the metrics of the training run")
    return fn


def cmd_evaluate(args: argparse.Namespace) -> int:
    _check_adapter(args)
    uc, cfg = load_config(args, "evaluate")
    evaluate = _usecase_function(uc, "evaluate_adapter", "evaluate")
    print_json_line({"usecase": uc.NAME, "adapter": args.adapter, "metrics": evaluate(cfg, args.adapter)})
    return 0


def cmd_predict(args: argparse.Namespace) -> int:
    _check_adapter(args)
    if not Path(args.input).is_file():
        raise UsageError(f"input file not found: {args.input}")
    uc, cfg = load_config(args, "predict")
    predict = _usecase_function(uc, "predict_file", "predict")
    out = predict(cfg, args.adapter, args.input, args.output)
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


_EPILOG = """\
examples:
  workbench train --usecase legal_de --data klauseln.csv --text-column Klausel --label-column Typ
  workbench train --usecase supply_chain --data bedarf.csv --sep ';' --decimal , --date-format %d.%m.%Y
  workbench evaluate --adapter runs/legal_de/adapter
  workbench predict --adapter runs/legal_de/adapter --input neu.csv --output vorhersage.csv
  workbench maintenance cmapss --train train_FD001.txt --test test_FD001.txt --rul RUL_FD001.txt
  workbench supply backtest --file bedarf.csv
  workbench demo --smoke

Run 'workbench COMMAND --help' for the options of one command. Commands that compute metrics
print them as one JSON object on the last line.
"""

_TRAIN_EPILOG = """\
examples:
  workbench train --usecase legal_de --smoke
  workbench train --usecase legal_de --data klauseln.csv --text-column Klausel --label-column Typ
  workbench train --usecase supply_chain --data bedarf.csv --sep ';' --decimal , --date-format %d.%m.%Y \
      --column Artikel=unique_id --column Datum=ds --column Menge=y
  workbench train --config configs/legal_de/default.yaml --set train.lr=1e-3 --set lora.r=16

German CSV exports (';', 1.234,56, 13.01.2024, UTF-8 with BOM or cp1252, .gz) are detected when
--sep/--decimal/--date-format/--encoding are left out; one line says what was detected.
Maintenance reads its own file formats: workbench maintenance cmapss|ai4i --help.
"""

_EVALUATE_EPILOG = """\
The use case and the config come from the adapter's run folder (runs/<run>/config.yaml) unless
--usecase, --config or --smoke say otherwise.

examples:
  workbench evaluate --adapter runs/legal_de/adapter
  workbench evaluate --adapter runs/x/adapter --config configs/legal_de/default.yaml --data test.csv
"""

_PREDICT_EPILOG = """\
The use case and the config come from the adapter's run folder (runs/<run>/config.yaml) unless
--usecase, --config or --smoke say otherwise.

examples:
  workbench predict --adapter runs/legal_de/adapter --input neu.csv --output vorhersage.csv
  workbench predict --adapter runs/legal_de/adapter --input neu.csv --text-column Klausel --output p.csv
  workbench predict --adapter runs/supply-chain/adapter --input bedarf.csv --column Datum=ds --output fc.csv
"""


def build_parser() -> argparse.ArgumentParser:
    """The argument parser, with the use cases' and governance's own verbs."""
    from workbench._version import __version__
    from workbench.usecases import USECASES, get_usecase

    parser = argparse.ArgumentParser(
        prog="workbench", description="KI-Werkbank: LoRA fine-tuning for industrial AI, offline.",
        formatter_class=argparse.RawDescriptionHelpFormatter, epilog=_EPILOG)
    parser.add_argument("--version", action="version", version=f"ki-werkbank {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def verb(name: str, help: str, epilog: str) -> argparse.ArgumentParser:
        return sub.add_parser(name, help=help, description=help[:1].upper() + help[1:] + ".", epilog=epilog,
                              formatter_class=argparse.RawDescriptionHelpFormatter)

    p = verb("train", "train and evaluate baseline, frozen base and LoRA adapter", _TRAIN_EPILOG)
    _add_config_args(p)
    p.set_defaults(func=cmd_train)
    p = verb("evaluate", "evaluate a saved adapter on held-out data", _EVALUATE_EPILOG)
    p.add_argument("--adapter", required=True, metavar="DIR", help="adapter folder, e.g. runs/legal_de/adapter")
    _add_config_args(p)
    p.set_defaults(func=cmd_evaluate)
    p = verb("predict", "predict a file with a saved adapter", _PREDICT_EPILOG)
    p.add_argument("--adapter", required=True, metavar="DIR", help="adapter folder, e.g. runs/legal_de/adapter")
    p.add_argument("--input", required=True, help="input file (read like --data: CSV, TSV, JSONL, Parquet)")
    p.add_argument("--output", required=True, help="output CSV")
    _add_config_args(p)
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
            before = set(sub.choices)
            uc.register_cli(sub)
            _USECASE_VERBS[name] = [v for v in sub.choices if v not in before]
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
    except UsageError as exc:
        message = str(exc)
        print(message if message.startswith("workbench ") else f"workbench: {message}", file=sys.stderr)
        return 2
    except ConfigError as exc:
        print(f"workbench: {exc}", file=sys.stderr)
        return 2
    except (FileNotFoundError, ValueError, KeyError) as exc:
        print(f"workbench: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
