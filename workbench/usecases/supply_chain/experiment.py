"""One end-to-end experiment: base, LoRA adapter, full fine-tuning and baselines, backtested and simulated.

Read as a chain of named steps (litgpt's habit)::

    load_target_data -> pretrained_base -> split -> forecast (frozen, adapter, full, baselines)
    -> accuracy per series / segment / overall -> inventory at the target service level
    -> service-versus-stock curves -> save adapter + results.json

Usage::

    from workbench.usecases.supply_chain import default_config, run_experiment
    result = run_experiment(default_config(smoke=True))
    result["metrics"]["adapter"]["wql"], result["inventory"]["adapter"]["cycle_service_level"]
"""

from __future__ import annotations

import dataclasses
import time
from pathlib import Path

import numpy as np
import pandas as pd

from workbench.config import RunConfig
from workbench.forecast_metrics import COVERAGE_80_LABEL
from workbench.usecases.supply_chain.backtest import (Forecasts, Split, attach_calibration, evaluate,
                                                      forecast_baseline, forecast_model, series_segments,
                                                      service_curve_for, simulate_portfolio)
from workbench.usecases.supply_chain.baselines import make_baseline
from workbench.usecases.supply_chain.config import SupplyTaskArgs, for_frequency
from workbench.usecases.supply_chain.data import demand_from_frame, read_demand, validate_demand
from workbench.usecases.supply_chain.inventory import stock_needed
from workbench.usecases.supply_chain.model import DemandForecaster, base_model_id
from workbench.usecases.supply_chain.pretrain import pretrained_base
from workbench.usecases.supply_chain.simulate import M5_SHAPE, SimulationSpec, simulate_demand, simulate_panel
from workbench.windows import DemandPanel

HEADLINE = ("wql", "rmsse", "mase", "smape", "coverage", "coverage_80")


def load_target_data(config: RunConfig, raw: pd.DataFrame | None = None) -> tuple[pd.DataFrame, str]:
    """The data to adapt to: the user's file (``data.path``) or the simulated target region.

    Args:
        config: The run config.
        raw: The user's file as already read by ``workbench.tabular.read_table`` (so it is read once).

    Returns:
        ``(validated long table, description)``.
    """
    args: SupplyTaskArgs = config.task
    if config.data.path:
        if raw is None:
            raw = read_user_table(config)
        df = demand_from_frame(raw, source=str(config.data.path), **_demand_options(config))
        return df, f"file {Path(config.data.path).name}"
    # New SKUs in a region the base never saw: another seed, only the target region's DCs.
    sim = simulate_demand(SimulationSpec(n_skus=args.target_skus or args.sim_skus, n_days=args.sim_days,
                                         seed=args.sim_seed + 1, regions=(args.target_region,)))
    return validate_demand(sim.demand, source="simulator"), f"simulated region {args.target_region}"


def user_split_bounds(parts: dict[str, pd.DataFrame], source: str) -> tuple[pd.Timestamp | None, pd.Timestamp | None]:
    """First validation date and first test date of a user's split of a demand table.

    A forecast split is a split in time: every series' validation rows must come after all its
    training rows, and its test rows after those. The boundaries are common to all series (the
    backtest's origins lie on one calendar), so they are the earliest validation and test dates.

    Raises:
        DemandDataError: A series has training rows on or after the validation start, or
            validation rows on or after the test start (naming the series and the dates).
    """
    from workbench.usecases.supply_chain.data import DemandDataError

    val_start = parts["val"]["ds"].min() if "val" in parts else None
    test_start = parts["test"]["ds"].min() if "test" in parts else None
    problems = []
    for name, later, start in (("train", ("val", "test"), val_start or test_start), ("val", ("test",), test_start)):
        if name not in parts or start is None:
            continue
        late = parts[name][pd.to_datetime(parts[name]["ds"]) >= start]
        if len(late):
            r = late.iloc[0]
            problems.append(f"split: {name} rows on or after the {later[0]} start {pd.Timestamp(start).date()}, e.g. "
                            f"series {r['unique_id']!r} on {pd.Timestamp(r['ds']).date()} ({len(late)} rows); a "
                            f"forecast split is a split in time: {name} rows must come before {' and '.join(later)} rows")
    if problems:
        raise DemandDataError(source, problems)
    return val_start, test_start


def read_user_table(config: RunConfig) -> pd.DataFrame:
    """The user's demand file as a raw table (read once, recorded in the audit log)."""
    from workbench.tabular import read_table, table_options

    raw = read_table(config.data.path, **table_options(config.data))
    _audit_load(config.data.path)
    return raw


def _demand_options(config: RunConfig) -> dict:
    """How a raw table becomes demand (``data.demand_from_frame``): layout, renames, joins, pre-launch zeros."""
    args: SupplyTaskArgs = config.task
    return dict(format=config.data.format, columns=config.data.columns or None, calendar=args.calendar,
                prices=args.prices, leading_zeros=args.leading_zeros)


def load_target_panel(config: RunConfig, raw: pd.DataFrame | None = None) -> tuple[DemandPanel, str, str]:
    """The data to adapt to as a dense panel, with its description and content fingerprint.

    The M5-shaped simulated set (``task.sim_preset: m5``) is simulated straight into float32
    arrays: its long table would be 59 million rows (several GB with string ids), the panel is
    0.95 GB at full size.
    """
    from workbench.io import fingerprint_frame

    args: SupplyTaskArgs = config.task
    if not config.data.path and args.sim_preset == "m5":
        spec = SimulationSpec.m5(n_skus=args.target_skus or M5_SHAPE["n_skus"], seed=args.sim_seed + 1)
        panel, _ = simulate_panel(spec)
        return (panel, f"simulated M5-shaped set ({len(panel):,} series x {len(panel.dates):,} days)",
                fingerprint_panel(panel))
    df, description = load_target_data(config, raw)
    df = _limit_series(df, config.data.max_rows)
    return DemandPanel.from_frame(df), description, fingerprint_frame(df)


def load_user_split(config: RunConfig, raw: pd.DataFrame | None = None) -> tuple[DemandPanel, str, str, tuple, dict] | None:
    """The user's own split (``--train/--val/--test`` files, or a split column in ``raw``), or ``None``.

    Args:
        config: The run config.
        raw: The user's ``data.path`` file as read by :func:`read_user_table` (``None``: no such file).

    Returns:
        ``(panel, description, fingerprint, (val_start, test_start), split record)``, or ``None``
        when the data has no split of the user's own.
    """
    from workbench import splits
    from workbench.io import fingerprint_file
    from workbench.tabular import table_options

    opts = _demand_options(config)
    if config.data.train:
        parts = splits.file_split(config.data, lambda path: read_demand(
            path, table_options=table_options(config.data), **opts))
        files = {k: getattr(config.data, k) for k in parts}
        for path in files.values():
            _audit_load(path)
        source, kind = ", ".join(f"{k} {v}" for k, v in files.items()), "files"
        fingerprint = "+".join(fingerprint_file(v) for v in files.values())
    elif raw is not None:
        source, kind = str(config.data.path), "column"
        parts = splits.column_split(raw, config.data.split_column, source=source)
        if parts is None:
            return None
        fingerprint = fingerprint_file(config.data.path)
        # Each part is read the way a whole file is (renames, layouts, checks); then the time order is checked.
        parts = {name: demand_from_frame(rows, source=f"{source} ({name} rows)", **opts) for name, rows in parts.items()}
    else:
        return None
    val_start, test_start = user_split_bounds(parts, source)
    df = validate_demand(pd.concat(list(parts.values()), ignore_index=True).sort_values(["unique_id", "ds"],
                                                                                      kind="stable"), source=source)
    panel = DemandPanel.from_frame(df)
    record = splits.record(kind, {k: int(v["unique_id"].nunique()) for k, v in parts.items()}, unit="series",
                           files={k: getattr(config.data, k) for k in parts} if kind == "files" else None,
                           detail=", ".join(f"{k} from {pd.Timestamp(v['ds'].min()).date()}" for k, v in parts.items()))
    return panel, f"{source} (your split)", fingerprint, (val_start, test_start), record


def fingerprint_panel(panel: DemandPanel) -> str:
    """Content fingerprint of a panel: ids, calendar and the four value arrays."""
    import hashlib

    digest = hashlib.sha256()
    digest.update("\0".join(map(str, panel.ids)).encode())
    digest.update(f"{panel.dates[0]}|{len(panel.dates)}|{panel.freq}".encode())
    for a in (panel.y, panel.promo, panel.price, panel.holiday):
        digest.update(np.ascontiguousarray(a).tobytes())
    return "sha256:" + digest.hexdigest()


def _audit_load(path) -> None:
    try:
        from workbench.governance.audit import record_event
        from workbench.io import fingerprint_file
    except ImportError:
        return
    record_event("data_load", inputs={str(path): fingerprint_file(path)}, usecase="supply_chain")


def _limit_series(df: pd.DataFrame, max_rows: int | None) -> pd.DataFrame:
    """Keep whole series until ``max_rows`` rows (smoke runs on a user's file)."""
    if not max_rows or len(df) <= max_rows:
        return df
    counts = df.groupby("unique_id", sort=True).size().cumsum()
    keep = counts.index[counts <= max_rows]
    out = df[df["unique_id"].isin(keep if len(keep) else counts.index[:1])].reset_index(drop=True)
    out.attrs = dict(df.attrs)
    return out


def _roles_accuracy(forecasts: dict[str, Forecasts], panel: DemandPanel, args, split: Split,
                    segments: pd.DataFrame) -> tuple[dict, dict, pd.DataFrame]:
    metrics, by_segment, tables = {}, {}, []
    for role, fc in forecasts.items():
        per, summ = evaluate(fc, panel, args, split, segments)
        metrics[role] = summ["overall"]
        by_segment[role] = {k: v for k, v in summ.items() if k.startswith("by_")}
        tables.append(per.assign(model=role))
    return metrics, by_segment, pd.concat(tables, ignore_index=True) if tables else pd.DataFrame()


@dataclasses.dataclass
class PreparedDemand:
    """A run's demand data, split and backtest origins (:func:`prepare_data`)."""

    panel: DemandPanel
    """The dense demand panel (every series on one calendar)."""
    description: str
    """Where the data came from (``file absatz.csv``, ``simulated region Ost``)."""
    fingerprint: str
    """Content fingerprint of the data (recorded with the run)."""
    split: Split
    """Training, validation and test periods."""
    split_record: dict
    """What ``workbench.splits.record`` writes: which split was used, and its sizes."""
    frequency_defaults: dict
    """Lengths left at their daily defaults and replaced for weekly or monthly data (``for_frequency``)."""
    origins: np.ndarray
    """The rolling test origins ``(series, period)``."""
    segments: pd.DataFrame
    """Per-series segments (``sbc_class`` from the training history, family, dc)."""


def prepare_data(config: RunConfig, raw: pd.DataFrame | None = None) -> PreparedDemand:
    """Load the data of a run, choose its split and its test origins, as ``workbench supply backtest`` does.

    The user's file (``data.path``; a split column or ``--train/--val/--test`` files are used as
    given) or the simulated target region. For weekly or monthly data, the lengths left at their
    daily defaults take the frequency's ones, in ``config.task`` too (so ``config.yaml`` and the
    saved adapter record what was used). Prints the split and those replacements.

    Args:
        config: The run config.
        raw: The ``data.path`` table as already read (``workbench.tabular.read_table``), so that a
            notebook that read and renamed it does not read it again.

    Raises:
        ValueError: No series has enough history before the test period to be backtested.
    """
    from workbench import splits
    from workbench.progress import emit

    if config.task is None:
        config.task = SupplyTaskArgs()
    if raw is None and config.data.path:
        raw = read_user_table(config)  # read once, whatever the split
    user = load_user_split(config, raw)
    if user is None:
        panel, description, fingerprint = load_target_panel(config, raw)
    else:
        panel, description, fingerprint, (val_start, test_start), split_record = user
    args, frequency_defaults = for_frequency(config.task, panel.freq)
    config.task = args
    if user is None:
        split = Split.from_args(len(panel.dates), args)
        split_record = splits.record("generated", {"train": split.train_end, "val": split.val_end - split.train_end,
                                                   "test": split.T - split.val_end}, unit="periods",
                                     detail=f"last {args.test_periods} periods test, {args.val_periods} before "
                                            "them validation")
    else:
        split = Split.from_bounds(panel, val_start, test_start, args)
    if frequency_defaults:
        emit(f"{'weekly' if panel.freq == 'W' else 'monthly'} data: lengths left at their daily defaults now count "
             + ", ".join(f"{k}={v}" for k, (_, v) in frequency_defaults.items()) + " periods (set them to override)")
    emit(splits.describe(split_record))
    origins = split.test_origins(panel, args)
    if len(origins) == 0:
        raise ValueError("no series has enough history before the test period to be backtested")
    return PreparedDemand(panel, description, fingerprint, split, split_record, frequency_defaults, origins,
                          series_segments(panel, split))


def run_experiment(config: RunConfig) -> dict:
    """Train and evaluate frozen base, LoRA adapter, full fine-tuning and baselines; simulate inventory.

    The adapter is saved in PEFT layout under ``run_dir/adapter`` (with a model card when the
    governance module is installed), beside what serves the model recommended on the validation
    period (``serving.json``, LightGBM's trees: ``service.save_serving``); everything returned is also written to
    ``run_dir/results.json``; per-series metrics go to ``run_dir/per_series.csv``.

    Returns:
        ``{"usecase", "metrics": {"baseline", "frozen_base", "adapter", ...}, "inventory": {...},
        "service_curves": {...}, "stock_at_target": {...}, "run_dir", "timings", ...}``. The
        ``baseline`` role is the exponential-smoothing model (or the first baseline run).
    """
    from workbench.io import atomic_write_json, write_run_info

    t_start = time.perf_counter()
    run_dir = config.run_dir()
    run_dir.mkdir(parents=True, exist_ok=True)
    timings: dict[str, float] = {}

    from workbench.progress import stage

    with stage("loading demand data"):
        data = prepare_data(config)
    args, panel, split, segments, origins = config.task, data.panel, data.split, data.segments, data.origins
    description, data_fingerprint, split_record = data.description, data.fingerprint, data.split_record
    frequency_defaults = data.frequency_defaults
    write_run_info(run_dir, config, data_fingerprint, usecase="supply_chain", data=description)

    t0 = time.perf_counter()
    with stage("pretraining (or loading the cached) demand base model"):
        base, base_info = pretrained_base(args, freq=panel.freq)
    timings["pretrain_or_load_s"] = time.perf_counter() - t0

    forecasts: dict[str, Forecasts] = {}
    models: dict = {}
    fit_info: dict[str, dict] = {}
    if config.eval.frozen_base:
        t0 = time.perf_counter()
        with stage("backtesting the frozen base"):
            forecasts["frozen_base"] = forecast_model(base, panel, origins, args, name="frozen_base")
        models["frozen_base"] = base
        timings["frozen_base_predict_s"] = time.perf_counter() - t0

    adapter_est = full_est = None
    calibration_effect: dict[str, dict] = {}
    for role, est in fit_forecasters(config, base, data, run_dir=run_dir, timings=timings).items():
        mode = est.mode
        est.base_info_ = base_info  # the cached base this adapter belongs to
        t0 = time.perf_counter()
        with stage(f"backtesting the {'adapter' if mode == 'lora' else 'fully fine-tuned model'}"):
            raw = est.predict(panel, origins=origins, calibrated=False)
            forecasts[role] = est.calibrate(raw, panel)
        forecasts[role].name = role
        models[role] = est.model_
        timings[f"{role}_predict_s"] = time.perf_counter() - t0
        if est.quantile_calibration_ is not None:
            # What the calibration did, scored on the test period (it was fitted on validation only);
            # the calibrated side is the role's own accuracy, filled in once that is scored below.
            calibration_effect[role] = dict(est.calibration_report_, raw=evaluate(raw, panel, args, split,
                                                                                 segments)[1]["overall"])
        res = est.fit_result_
        fit_info[role] = {"train_windows": est.n_train_windows_, "seconds": res.seconds,
                          "samples_per_s": res.samples_per_s, "peak_memory_mb": res.peak_memory_mb,
                          "epochs": res.epochs, "trainable_parameters": int(sum(p.numel() for p in est.model_.parameters() if p.requires_grad)),
                          "total_parameters": int(sum(p.numel() for p in est.model_.parameters())),
                          # Whether adapting lowered the base's validation loss (else the base's function is kept).
                          "val_loss": est.val_loss_, "kept_base": est.kept_base_}
        if role == "adapter":
            adapter_est = est
        else:
            full_est = est  # stored beside the adapter: it may be the model to serve

    fitted: dict = {}  # baselines as fitted for the backtest: the recommended one may be served
    if config.eval.baseline:
        fitted = backtest_baselines(forecasts, data, args, config.run.seed, timings)
    if args.calibrate_baselines:
        calibration_effect.update(calibrate_roles(forecasts, base, data, args, config.run.seed, timings))

    blend_info = None
    if args.blend and adapter_est is not None and BLEND_PARTNER in forecasts:  # else add_blend adds nothing
        with stage(f"blending the adapter with {BLEND_PARTNER}: weight chosen on the validation period"):
            blend_info = add_blend(forecasts, adapter_est.validation_forecasts_, panel)

    with stage("scoring forecast accuracy"):
        metrics, by_segment, per_series = _roles_accuracy(forecasts, panel, args, split, segments)
    for role, effect in calibration_effect.items():
        before = effect.pop("raw")
        effect.update({f"test_{k}_{when}": m.get(k) for when, m in (("raw", before), ("calibrated", metrics[role]))
                       for k in ("wql", "coverage_80", "coverage_80_inclusive", "coverage")})
    baseline_role = "ets" if "ets" in forecasts else next((b for b in args.baselines if b in forecasts), None)
    if baseline_role is not None:
        metrics["baseline"] = dict(metrics[baseline_role], model=baseline_role)

    with stage("inventory simulation"):
        stock = simulate_inventory(forecasts, models, data, args)
    inventory, curves, needed = stock["inventory"], stock["service_curves"], stock["stock_needed"]
    stock_at_target, uncalibrated = stock["stock_at_target"], stock["inventory_uncalibrated"]
    if baseline_role is not None:
        inventory["baseline"] = inventory[baseline_role]

    adapter_dir = None
    if adapter_est is not None:
        adapter_dir = run_dir / "adapter"
        adapter_est.save(adapter_dir)

    per_series.to_csv(run_dir / "per_series.csv", index=False)
    result = {
        "usecase": "supply_chain",
        "data": description,
        "run_dir": str(run_dir),
        "adapter_dir": str(adapter_dir) if adapter_dir else None,
        "base_model": {k: base_info.get(k) for k in ("path", "from_cache", "seconds", "samples_per_s",
                                                     "train_windows", "parameters", "source_regions")},
        "n_series": int(len(panel)),
        "frequency": panel.freq,
        "frequency_defaults": frequency_defaults,
        "split": split_record,
        "n_backtested": int(len(np.unique(origins[:, 0]))),
        "n_skipped_short_history": int((~split.eligible(panel, args)).sum()),
        "n_origins": int(len(np.unique(origins[:, 1]))),
        "test_period": [str(panel.dates[split.val_end].date()), str(panel.dates[-1].date())],
        "quantiles": list(args.quantiles),
        "metrics": metrics,
        "by_segment": by_segment,
        "inventory": inventory,
        "service_curves": curves,
        "stock_at_target": stock_at_target,
        "stock_needed": needed,
        "inventory_uncalibrated": uncalibrated,
        "calibration": {role: {"days": int(d), "correction_at_target": float(np.interp(args.service_level, *cal))}
                        for role, fc in forecasts.items() if fc.calibration for d, cal in fc.calibration.items()},
        "quantile_calibration": calibration_effect,
        "metric_labels": {"coverage_80": COVERAGE_80_LABEL},
        "service_level": args.service_level,
        "fit": fit_info,
        "timings": timings | {"total_s": time.perf_counter() - t_start},
        "task": dataclasses.asdict(args),
        "smoke": _smoke_run(config),
    }
    from workbench.usecases.supply_chain.widgets import validation_recommendation, wql_verdict

    result["verdict"] = wql_verdict(result)["text"]
    # Which model to use, chosen on the validation period (the test period above is read once, to score).
    result["blend"] = blend_info
    result["recommendation"] = validation_recommendation(validation_reports(calibration_effect, blend_info))
    if adapter_dir is not None:
        from workbench.usecases.supply_chain.service import save_serving

        # What evaluate/predict serve: the recommended model where the folder can hold it.
        result["serving"] = save_serving(adapter_dir, result, fitted, config.run.seed, full_finetune=full_est)
        _model_card(adapter_dir, args, metrics, inventory, base_info, description, data_fingerprint)
    atomic_write_json(run_dir / "results.json", result)
    return result


BLEND_PARTNER = "lightgbm"
"""The baseline the adapter is blended with (``task.blend``): the strongest one on most sets."""


def add_blend(forecasts: dict[str, Forecasts], adapter_val: Forecasts | None, panel: DemandPanel) -> dict | None:
    """Add ``forecasts["blend"]``: the adapter's and LightGBM's quantiles averaged with the weight of least
    validation pinball loss (:func:`calibration.fit_blend_weight`), both calibrated.

    Returns:
        The weight and its validation losses, or ``None`` (nothing added) when LightGBM was not run,
        either model has no validation forecasts, or they were made at different windows.
    """
    from workbench.usecases.supply_chain.calibration import blend_forecasts, fit_blend_weight

    if BLEND_PARTNER not in forecasts:
        return None
    partner_val = forecasts[BLEND_PARTNER].validation
    if adapter_val is None or partner_val is None or not np.array_equal(adapter_val.origins, partner_val.origins):
        return None
    fit = fit_blend_weight(adapter_val, partner_val, panel)
    forecasts["blend"] = blend_forecasts(forecasts["adapter"], forecasts[BLEND_PARTNER], fit["weight"])
    return {**fit, "parts": ["adapter", BLEND_PARTNER]}


FIT_ROLES = {"adapter": "lora", "full_finetune": "full"}
"""The trained forecasters of a run, by role: the adapter and (``task.full_finetune``) full fine-tuning."""


def fit_forecasters(config: RunConfig, base, data: PreparedDemand, *, run_dir: Path | None = None,
                    timings: dict | None = None) -> dict[str, DemandForecaster]:
    """Train the run's forecasters on the training period, their best epoch chosen on the validation period.

    Returns:
        Role to fitted :class:`DemandForecaster` (``DemandForecaster.from_config``): ``adapter``
        (LoRA), and ``full_finetune`` (all weights of a copy of the base) where ``task.full_finetune``.
    """
    from workbench.progress import stage

    roles = [r for r in FIT_ROLES if r == "adapter" or config.task.full_finetune]
    out = {}
    for role in roles:
        t0 = time.perf_counter()
        est = DemandForecaster.from_config(config, base, mode=FIT_ROLES[role])
        with stage("LoRA training" if role == "adapter" else "full fine-tuning"):
            est.fit(data.panel, train_end=data.split.train_end, val_end=data.split.val_end,
                    run_dir=None if run_dir is None else Path(run_dir) / f"fit_{role}")
        if timings is not None:
            timings[f"{role}_fit_s"] = time.perf_counter() - t0
        out[role] = est
    return out


def backtest_baselines(forecasts: dict[str, Forecasts], data: PreparedDemand, args: SupplyTaskArgs, seed: int = 0,
                       timings: dict | None = None) -> dict:
    """Backtest every baseline of ``task.baselines`` on the test origins, into ``forecasts``.

    Returns:
        The baselines as fitted for the backtest, by name (the recommended one may be served).
    """
    from workbench.progress import stage

    fitted = {}
    for name in args.baselines:
        t0 = time.perf_counter()
        b = make_baseline(name, args.quantiles, args.horizon, args.season_length, args.min_history, seed)
        with stage(f"baseline {name}"):
            forecasts[name] = forecast_baseline(b, data.panel, data.origins, data.split)
        fitted[name] = b
        if timings is not None:
            timings[f"{name}_s"] = time.perf_counter() - t0
    return fitted


def calibrate_roles(forecasts: dict[str, Forecasts], base, data: PreparedDemand, args: SupplyTaskArgs,
                    seed: int = 0, timings: dict | None = None) -> dict[str, dict]:
    """Calibrate the frozen base's and the baselines' quantiles on the validation period, in ``forecasts``.

    The same calibration the adapter gets (:func:`calibrate_role`): every model's intervals then
    compare on equal terms, and every model has a validation score to be chosen by.

    Returns:
        Role to its calibration report, with ``raw``: the uncalibrated test accuracy (for the record).
    """
    from workbench.progress import stage

    reports = {}
    for role in [r for r in forecasts if r == "frozen_base" or r in args.baselines]:
        t0 = time.perf_counter()
        with stage(f"calibrating the quantiles of {role} on the validation period"):
            raw, forecasts[role], report = calibrate_role(role, forecasts[role], base, data.panel, args, data.split,
                                                          seed)
        if report:
            reports[role] = dict(report, raw=evaluate(raw, data.panel, args, data.split, data.segments)[1]["overall"])
        if timings is not None:
            timings[f"{role}_calibration_s"] = time.perf_counter() - t0
    return reports


def validation_reports(calibration: dict[str, dict], blend: dict | None) -> dict[str, dict]:
    """What :func:`widgets.validation_recommendation` chooses among: every model's calibration report,
    and the blend's validation scores (:func:`add_blend`) where there is a blend."""
    if not blend:
        return dict(calibration)
    return {**calibration, "blend": {"val_pinball_calibrated": blend["val_pinball"],
                                     "val_coverage_80_calibrated": blend.get("val_coverage_80"),
                                     "val_windows_sha256": blend["val_windows_sha256"]}}


def simulate_inventory(forecasts: dict[str, Forecasts], models: dict, data: PreparedDemand,
                       args: SupplyTaskArgs) -> dict:
    """Order-up-to simulation of every model's forecasts, and the stock each needs for the target service.

    With ``task.calibrate_service``, the neural models' (``models``: role to network) forecasts get
    the conformal correction from the validation period first (``attach_calibration``, in
    ``forecasts``); their uncorrected figures are kept for the record.

    Returns:
        ``{"inventory", "service_curves", "stock_needed", "stock_at_target", "inventory_uncalibrated"}``,
        each by role; ``stock_needed`` is :func:`inventory.stock_needed` at ``task.service_level``.
    """
    panel, policy = data.panel, args.inventory_policy()
    out = {k: {} for k in ("inventory", "service_curves", "stock_needed", "stock_at_target", "inventory_uncalibrated")}
    if args.calibrate_service:
        # Raw quantiles first (for the record), then the conformal correction from the validation period.
        for role, model in models.items():
            out["inventory_uncalibrated"][role] = simulate_portfolio(forecasts[role], panel, policy)[1]
            attach_calibration(forecasts[role], model, panel, args, data.split)
    for role, fc in forecasts.items():
        _, out["inventory"][role] = simulate_portfolio(fc, panel, policy)
        curve = service_curve_for(fc, panel, args, args.service_levels)
        out["service_curves"][role] = curve.to_dict(orient="list")
        # The one decision function the widgets and the report show (inventory.stock_needed).
        out["stock_needed"][role] = stock_needed(curve, args.service_level)
        out["stock_at_target"][role] = out["stock_needed"][role]["stock"]
    return out


def calibrate_role(role: str, fc: Forecasts, base, panel: DemandPanel, args: SupplyTaskArgs, split: Split,
                   seed: int = 0, *, make=None) -> tuple[Forecasts, Forecasts, dict]:
    """Calibrate the test forecasts of the frozen base or a baseline on the validation period.

    The frozen base forecasts the validation windows as it is; a baseline is refitted on the
    training period first (its test forecasts come from a fit that has seen the validation period,
    so its validation forecasts would be in-sample otherwise). ``make()`` builds that unfitted
    baseline (default: the baseline named ``role`` with the run's settings).

    Returns:
        ``(raw test forecasts, calibrated test forecasts, report)``; the report is empty (and the
        forecasts unchanged) when the validation period has no complete horizon.
    """
    from workbench.usecases.supply_chain.calibration import (apply_forecast_calibration, calibration_origins,
                                                             calibration_report, fit_forecast_calibration)
    from workbench.usecases.supply_chain.model import CALIBRATION_WINDOWS

    # The adapter's windows, too (same cap and seed): the validation pinball losses compare.
    val = calibration_origins(panel, args, split.train_end, split.val_end, max_windows=CALIBRATION_WINDOWS, seed=seed)
    if len(val) == 0:
        return fc, fc, {}
    if role == "frozen_base":
        fc_val = forecast_model(base, panel, val, args, name=f"{role}-validation")
    else:
        b = make() if make is not None else make_baseline(role, args.quantiles, args.horizon, args.season_length,
                                                          args.min_history, seed)
        b.fit(panel, split.train_end)
        daily, cum = b.predict(panel, val)
        fc_val = Forecasts(role, val, list(b.taus), daily, cum)
    cal = fit_forecast_calibration(fc_val, panel, args.context_length, method=args.calibration_method, seed=seed)
    out = apply_forecast_calibration(cal, fc, panel, args.context_length)
    out.name = role
    # The calibrated validation forecasts ride along: a blend's weight is chosen on them.
    out.validation = apply_forecast_calibration(cal, fc_val, panel, args.context_length)
    return fc, out, calibration_report(fc_val, cal, panel, args.context_length, calibrated=out.validation)



def _smoke_run(config: RunConfig) -> bool:
    """Whether this is a plumbing-only run (``WORKBENCH_SMOKE=1`` or a smoke-named run)."""
    from workbench.report import smoke_on

    return bool(smoke_on(None) or config.run.name.endswith("-smoke"))


def _model_card(adapter_dir: Path, args, metrics: dict, inventory: dict, base_info: dict, data: str,
                data_fingerprint: str) -> None:
    """Write the adapter's model card through the governance module when it is available."""
    try:
        from workbench.governance.modelcard import write_model_card
    except ImportError:
        return
    info = {
        "usecase": "supply_chain",
        "task": "probabilistic demand forecasting (quantiles) for inventory decisions",
        "base_model": base_model_id(base_info) if base_info.get("path") else None,
        "datasets": [{"name": data, "fingerprint": data_fingerprint}],
        "data_fingerprint": data_fingerprint,
        "metrics": {role: {k: metrics[role].get(k) for k in HEADLINE}
                    | {k: inventory.get(role, {}).get(k) for k in ("fill_rate", "cycle_service_level", "avg_stock_value")}
                    for role in metrics},
        "intended_use": "weekly replenishment planning; a planner reviews orders before release",
        "limitations": "forecasts for series with fewer than min_history days are not produced; "
                       "known future covariates (promotions, prices) must be supplied for the horizon",
    }
    try:
        write_model_card(adapter_dir, info)
    except Exception as exc:  # a model card must never lose a finished run
        import warnings

        warnings.warn(f"model card not written: {exc}", stacklevel=2)
