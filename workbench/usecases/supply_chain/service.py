"""Use a saved supply-chain adapter: ``workbench evaluate`` and ``workbench predict``.

* :func:`evaluate_adapter` backtests a saved adapter (rolling origins over the last
  ``test_periods`` of the configured data) and returns accuracy, inventory and the wQL figures.
* :func:`predict_file` reads a demand history file and writes quantile forecasts for the next
  ``horizon`` periods of every series, as a long CSV ``unique_id, ds, q0.1, q0.5, q0.9 ..., model``.

Both serve the model the training run recommended on its validation period (``serving.json``,
written by :func:`save_serving`): the adapter, its frozen base (the cached base it was fitted on),
the blend of adapter and LightGBM, LightGBM (its trees are stored in ``lightgbm/``) or a local
statistical model (ETS, Croston-TSB, seasonal naive:
refitted on the history it forecasts from, as in the run's backtest). Each keeps the quantile
calibration it got on the run's validation period. ``task.serve`` overrides the choice
(:func:`serving_plan`); a folder of an older run serves the adapter.

Usage::

    workbench evaluate --usecase supply_chain --adapter runs/supply-chain/adapter --data bedarf.csv
    workbench predict --usecase supply_chain --adapter runs/supply-chain/adapter --input bedarf.csv --output fc.csv
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from workbench.config import RunConfig
from workbench.governance.audit import record_event


LGBM_DIR = "lightgbm"
"""Subfolder of an adapter folder with the run's LightGBM quantile model (fitted before the test period)."""
FULL_DIR = "full_finetune"
"""Subfolder with the fully fine-tuned model (all weights, safetensors) when the run trained one."""
LOCAL_MODELS = ("ets", "croston_tsb", "seasonal_naive")
"""Baselines that are served by refitting them on the history they forecast from (per-series models)."""


def save_serving(adapter_dir, result: dict, fitted: dict, seed: int, *, full_finetune=None) -> dict:
    """Store what ``evaluate``/``predict`` need to serve the recommended model, and ``serving.json``.

    Args:
        adapter_dir: The run's adapter folder (the adapter is already saved there).
        result: The run's result (``recommendation``, ``blend``, ``quantile_calibration``: each
            model's validation calibration, whose ``shifts`` are stored).
        fitted: Baseline name to the fitted baseline object of the backtest (LightGBM's trees are
            saved; the local models need only their name).
        seed: The run's seed (the local models' settings).
        full_finetune: The fully fine-tuned :class:`DemandForecaster` of the run, if any (saved in
            ``full_finetune/``, with its own calibration).

    Returns:
        The record written (:func:`workbench.serving.serving_record` plus ``blend_weight``,
        ``blend_parts``, ``calibration`` per servable model, ``seed``).
    """
    from workbench.io import atomic_write_json
    from workbench.serving import SERVING_FILE, serving_record

    path = Path(adapter_dir)
    servable = ["adapter"]
    if "frozen_base" in (result.get("metrics") or {}):
        servable.append("frozen_base")  # the adapter's own base (the cached one it was fitted on), as it is
    if "lightgbm" in fitted:
        fitted["lightgbm"].save(path / LGBM_DIR)
        servable.append("lightgbm")
    servable += [name for name in LOCAL_MODELS if name in fitted]
    if full_finetune is not None:
        full_finetune.save(path / FULL_DIR)
        servable.append("full_finetune")
    blend = result.get("blend")
    if blend and all(p in servable for p in blend["parts"]):
        servable.append("blend")
    cal = result.get("quantile_calibration") or {}
    record = serving_record(result.get("recommendation"), servable,
                            chosen_on="the validation period (calibrated pinball loss, mean over levels)",
                            seed=int(seed),
                            blend_weight=blend["weight"] if "blend" in servable else None,
                            blend_parts=blend["parts"] if "blend" in servable else None,
                            calibration={r: (cal.get(r) or {}).get("shifts") for r in servable
                                         if r not in ("blend", "adapter", "full_finetune")})
    atomic_write_json(path / SERVING_FILE, record)
    return record


def serving_plan(adapter_dir, config: RunConfig) -> dict:
    """Which model a supply-chain adapter folder serves (:func:`workbench.serving.serving_plan`).

    Returns:
        ``{"served", "recommended", "note", "record"}``.

    Raises:
        FileNotFoundError: ``adapter_dir`` does not exist.
        ValueError: ``task.serve`` names a model the folder cannot serve.
    """
    from workbench.serving import SERVING_FILE
    from workbench.serving import serving_plan as plan_for

    path = Path(adapter_dir)

    def missing(served: str, record: dict) -> str | None:
        if served == "adapter":
            return None
        if not record:
            return (f"has no {SERVING_FILE} (a run of an older version): it serves the adapter only; "
                    "use task.serve=adapter")
        return None  # a role the run did not store (a baseline it did not run, no blend): the core refuses it

    from workbench.progress import emit

    plan = plan_for(path, getattr(config.task, "serve", "recommended"), missing)
    emit(f"serving {plan['served']} from {path}" + (f" ({plan['note']})" if plan["note"] else
                                                     " (recommended on the run's validation period)"
                                                     if plan["recommended"] else ""))
    return plan


def _calibrated(fc, role: str, record: dict, panel, context: int):
    """``fc`` with the validation calibration the run fitted for ``role`` (stored in ``serving.json``)."""
    from workbench.usecases.supply_chain.calibration import QuantileCalibration, apply_forecast_calibration

    cal = QuantileCalibration.from_dict((record.get("calibration") or {}).get(role))
    return apply_forecast_calibration(cal, fc, panel, context)


def served_forecasts(plan: dict, adapter_dir, panel, origins: np.ndarray, fit_end: int, saved: tuple | None = None):
    """The served model's calibrated quantile forecasts at ``origins``.

    Only what the served model needs is loaded: the adapter and its base for the adapter and the
    blend, the fully fine-tuned weights for ``full_finetune``; a baseline needs the run's task
    settings alone (horizon, quantiles, season).

    Args:
        plan: :func:`serving_plan`'s dict.
        adapter_dir: The adapter folder.
        panel: The data.
        origins: ``(n, 2)`` (series, first forecast period) pairs.
        fit_end: Where a local statistical model's history ends (the test start when backtesting,
            the end of the data when forecasting ahead).
        saved: ``model.saved_task_args(adapter_dir)`` where the caller has read it already.

    Returns:
        A :class:`~workbench.usecases.supply_chain.backtest.Forecasts` named after the served model.
    """
    from workbench.usecases.supply_chain.backtest import Forecasts
    from workbench.usecases.supply_chain.baselines import LightGBMQuantile, make_baseline
    from workbench.usecases.supply_chain.calibration import blend_forecasts
    from workbench.usecases.supply_chain.model import saved_task_args

    served, record = plan["served"], plan["record"]
    args, meta = saved if saved is not None else saved_task_args(adapter_dir)
    origins = np.asarray(origins)

    def baseline(role: str):
        if role == "lightgbm":
            b = LightGBMQuantile.load(Path(adapter_dir) / LGBM_DIR)
        else:
            b = make_baseline(role, args.quantiles, args.horizon, args.season_length, args.min_history,
                              int(record.get("seed", 0))).fit(panel, fit_end)
        daily, cum = b.predict(panel, origins)
        return _calibrated(Forecasts(role, origins, list(b.taus), daily, cum), role, record, panel,
                           args.context_length)

    if served == "adapter":
        fc = _load(adapter_dir).predict(panel, origins=origins)
    elif served == "frozen_base":
        from workbench.progress import stage
        from workbench.usecases.supply_chain.backtest import forecast_model
        from workbench.usecases.supply_chain.pretrain import pretrained_base

        with stage("loading the adapter's base"):
            base, _ = pretrained_base(args, freq=meta.get("freq", "D"))
        fc = _calibrated(forecast_model(base, panel, origins, args, name="frozen_base"), "frozen_base", record, panel,
                         args.context_length)
    elif served == "full_finetune":
        fc = _load(Path(adapter_dir) / FULL_DIR).predict(panel, origins=origins)  # its own calibration
    elif served == "blend":
        first, second = record["blend_parts"]
        if first != "adapter":
            raise ValueError(f"a blend of {first} and {second} is not servable: expected the adapter first")
        fc = blend_forecasts(_load(adapter_dir).predict(panel, origins=origins), baseline(second),
                             float(record["blend_weight"]))
    else:
        fc = baseline(served)
    fc.name = served
    return fc


def _load(adapter_dir):
    from workbench.progress import stage
    from workbench.usecases.supply_chain.model import DemandForecaster

    from workbench.serving import adapter_folder

    path = adapter_folder(adapter_dir, "supply_chain")
    with stage("loading the supply-chain adapter and its base"):
        return DemandForecaster.load(path)


def evaluate_adapter(config: RunConfig, adapter_dir) -> dict:
    """Backtest the model a saved adapter folder serves on the configured data (``data.path`` or the simulated target region).

    The data is read as the training run read it (its split, its ``data.max_rows`` series), so on
    the run's own file and config the served model scores what the run reported for it.

    Args:
        config: The run configuration (its data section names the demand file).
        adapter_dir: Folder written by ``DemandForecaster.save`` (``run_dir/adapter``).

    Returns:
        ``{"wql", "rmsse", "mase", "smape", "coverage", "coverage_80", "fill_rate",
        "cycle_service_level", "avg_stock_value", "inventory_meaningful", "inventory_note",
        "n_series", "data", "served", "recommended", "serving_note", "test_period"}`` (``served``:
        the model scored, :func:`serving_plan`; ``test_period``: first and last date scored).

    Raises:
        FileNotFoundError: ``adapter_dir`` does not exist.
        ValueError: ``task.serve`` names a model the folder cannot serve.
    """
    from workbench.progress import stage
    from workbench.usecases.supply_chain.experiment import load_target_panel, load_user_split, read_user_table

    from workbench.usecases.supply_chain.backtest import Split, evaluate, simulate_portfolio

    from workbench.usecases.supply_chain.model import saved_task_args

    plan = serving_plan(adapter_dir, config)
    saved = saved_task_args(adapter_dir)
    args = saved[0]  # the run's horizon, split lengths and inventory policy
    with stage("loading demand data"):
        # As the training run read it: the user's own split where the file has one, and the same
        # series (data.max_rows keeps whole series, the M5 preset simulates straight into a panel).
        raw = read_user_table(config) if config.data.path else None
        user = load_user_split(config, raw)
        if user is None:
            panel, description, _ = load_target_panel(config, raw)
            split = Split.from_args(len(panel.dates), args)
        else:
            panel, description, _, (val_start, test_start), _ = user
            split = Split.from_bounds(panel, val_start, test_start, args)
    with stage(f"backtesting the served model ({plan['served']})"):
        # Local models fit on the history before the test period, as in the training run's backtest.
        fc = served_forecasts(plan, adapter_dir, panel, split.test_origins(panel, args), split.val_end, saved)
        _, summary = evaluate(fc, panel, args, split)
        _, inv = simulate_portfolio(fc, panel, args.inventory_policy())
    acc = summary["overall"]
    out = {k: acc.get(k) for k in ("wql", "rmsse", "mase", "smape", "coverage", "coverage_80", "n_series")}
    out |= {k: inv.get(k) for k in ("fill_rate", "cycle_service_level", "avg_stock_value")}
    out |= {"inventory_meaningful": inv.get("meaningful"), "inventory_note": inv.get("note"), "data": description,
            "served": plan["served"], "recommended": plan["recommended"], "serving_note": plan["note"],
            "test_period": [str(panel.dates[split.val_end].date()), str(panel.dates[-1].date())]}
    # The compliance trail names which adapter and which model scored which data (the load is logged as data_load).
    record_event("evaluate", usecase="supply_chain", inputs={"adapter": Path(adapter_dir)}, data=description,
                 served=plan["served"], outputs={k: out[k] for k in ("wql", "rmsse", "coverage", "n_series")})
    return out


def predict_file(config: RunConfig, adapter_dir, input_path, output_path) -> str:
    """Quantile forecasts of the next ``horizon`` periods of every series in ``input_path``, by the
    model the adapter folder serves (:func:`serving_plan`).

    Future covariates are taken as in ``DemandForecaster.predict``: no promotions, the last
    price, no holidays. Quantiles are clipped at 0 (demand cannot be negative).

    Args:
        config: The run configuration (CSV reading options in its data section).
        adapter_dir: Folder of the saved adapter.
        input_path: Demand history (long ``unique_id, ds, y`` or wide), CSV or Parquet.
        output_path: CSV to write (atomically), long layout ``unique_id, ds, q<tau>..., model``
            (``model``: the served model, :func:`serving_plan`).

    Returns:
        The path written.

    Raises:
        FileNotFoundError: ``adapter_dir`` or ``input_path`` does not exist.
        ValueError: ``task.serve`` names a model the folder cannot serve.
    """
    from workbench.io import atomic_write_bytes
    from workbench.progress import stage
    from workbench.tabular import table_options
    from workbench.usecases.supply_chain.data import read_demand
    from workbench.windows import DemandPanel, period_dates

    plan = serving_plan(adapter_dir, config)
    with stage("loading demand data"):
        df = read_demand(input_path, format=config.data.format, columns=config.data.columns or None,
                         table_options=table_options(config.data))
        panel = DemandPanel.from_frame(df)
    with stage(f"forecasting the next horizon ({plan['served']})"):
        ahead = np.column_stack([np.arange(len(panel)), np.full(len(panel), len(panel.dates))])
        fc = served_forecasts(plan, adapter_dir, panel, ahead, len(panel.dates))
    n, H, _ = fc.daily.shape
    future = period_dates(panel.dates[-1], H + 1, panel.freq)[1:]
    out = pd.DataFrame({"unique_id": np.repeat(panel.ids[fc.origins[:, 0]], H),
                        "ds": np.tile([d.date().isoformat() for d in future], n)})
    for k, tau in enumerate(fc.taus):
        out[f"q{tau:g}"] = np.maximum(fc.daily[:, :, k].reshape(-1), 0.0).round(3)
    out["model"] = plan["served"]  # which model made these numbers, in the file itself
    atomic_write_bytes(Path(output_path), out.to_csv(index=False).encode("utf-8"))
    record_event("predict", usecase="supply_chain", inputs={"adapter": Path(adapter_dir), "data": Path(input_path)},
                 outputs={"predictions": Path(output_path)}, rows=len(out), served=plan["served"])
    return str(output_path)
