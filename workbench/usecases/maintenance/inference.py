"""Using a saved maintenance adapter: evaluation on the test engines, and RUL predictions for a file.

``workbench evaluate --usecase maintenance --adapter DIR`` and ``workbench predict --usecase
maintenance --adapter DIR --input FILE --output OUT`` call these (through the package's
``evaluate_adapter`` and ``predict_file``).

* :func:`evaluate_adapter` scores a RUL adapter on the config's test engines (the user's C-MAPSS
  test and RUL files, or the simulated demo fleet regenerated from the config's seed), with the
  alarm threshold the training run chose on validation engines (``alarm.json`` in the adapter
  folder); a failure adapter on the fixed AI4I test split.
* :func:`predict_file` reads a C-MAPSS-format trajectory file (test-like: each engine cut at some
  cycle) and writes one row per engine: its id, last cycle, predicted RUL and the alarm flag. For
  a failure adapter it reads a process log (AI4I columns) and writes every row back with its failure
  probability and alarm (:func:`predict_failure_file`).
* Both serve the model the training run recommended on its validation engines when the adapter
  folder holds it (the adapter, the blend of adapter and LightGBM, or LightGBM: ``serving.json`` and
  ``baseline/``), else the adapter; ``task.serve`` overrides that (:func:`serving_plan`).

Usage::

    from workbench.usecases.maintenance.inference import evaluate_adapter, predict_file
    evaluate_adapter(cfg, "runs/maintenance/adapter")   # {"rmse", "score", ..., "alarm": {...}}
    predict_file(cfg, "runs/maintenance/adapter", "test_FD001.txt", "rul.csv")
"""

from __future__ import annotations

import json
import math
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from workbench.config import RunConfig
from workbench.governance.audit import record_event
from workbench.progress import emit, stage

ALARM_FILE = "alarm.json"
"""The alarm rule the training run chose on validation engines, stored next to the adapter."""


def _meta(adapter_dir: str | Path) -> tuple[Path, dict]:
    from workbench.serving import adapter_folder

    path = adapter_folder(adapter_dir, "maintenance", needs=("maintenance_estimator.json",))
    return path, json.loads((path / "maintenance_estimator.json").read_text(encoding="utf-8"))


def _alarm_rule(path: Path, cfg: RunConfig) -> dict[str, Any]:
    """The stored alarm rule, or (older adapters) none: then the threshold is chosen in hindsight."""
    f = path / ALARM_FILE
    if f.is_file():
        return json.loads(f.read_text(encoding="utf-8"))
    return {"horizon": cfg.task.horizon, "cost_missed": cfg.task.cost_missed, "cost_early": cfg.task.cost_early}


def serving_plan(path: Path, config: RunConfig) -> dict[str, Any]:
    """Which model a RUL adapter folder serves, with its alarm threshold.

    ``task.serve="recommended"`` (default) takes the model the training run recommended on its
    validation engines (``serving.json``: adapter, blend of adapter and LightGBM, or LightGBM); folders
    of older runs serve the adapter. An explicit ``adapter``/``blend``/``baseline`` is honoured when the
    folder holds what it needs, else it is a clear error (:func:`workbench.serving.serving_plan`).

    Returns:
        ``served``, ``recommended``, ``blend_weight``, ``alarm_rul`` (of the served model, or None),
        ``note`` (why the served model differs from the recommended one, or None).
    """
    from workbench.serving import SERVING_FILE
    from workbench.serving import serving_plan as plan_for
    from workbench.usecases.maintenance.experiment import BASELINE_DIR

    def missing(served: str, record: dict) -> str | None:
        if served != "adapter" and not (path / BASELINE_DIR).is_dir():
            return (f"holds no LightGBM model ({BASELINE_DIR}/); it comes from a training run of this version "
                    "with the baseline on; use task.serve=adapter")
        if served == "blend" and record.get("blend_weight") is None:
            return (f"records no blend weight in {SERVING_FILE} (the run had no validation engines); "
                    "use task.serve=adapter or baseline")
        return None

    plan = plan_for(path, config.task.serve, missing)
    record = plan.pop("record")
    return plan | {"blend_weight": record.get("blend_weight"),
                   "alarm_rul": (record.get("alarm_rul") or {}).get(plan["served"])}


def failure_serving_plan(path: Path, config: RunConfig) -> dict[str, Any]:
    """Which model a failure (AI4I) adapter folder serves: the adapter, or the LightGBM on process
    features where the run recommended and stored it (:func:`workbench.serving.serving_plan`).

    Returns:
        ``{"served", "recommended", "note", "record"}``.
    """
    from workbench.serving import serving_plan as plan_for

    def missing(served: str, record: dict) -> str | None:
        if served == "baseline" and (record.get("threshold") or {}).get("baseline") is None:
            return "holds no LightGBM failure model (a run without the baseline, or of an older version); " \
                   "use task.serve=adapter"
        return None if served in ("adapter", "baseline") else f"cannot serve {served} for failure; use adapter or baseline"

    return plan_for(path, config.task.serve, missing)


def _served_predictions(plan: dict, path: Path, est, frame: pd.DataFrame, adapter_pred: pd.Series) -> pd.Series:
    """The served model's RUL per engine (index: unit), given the adapter's predictions."""
    if plan["served"] == "adapter":
        return adapter_pred
    from workbench.usecases.maintenance.baselines import WindowFeatureRUL
    from workbench.usecases.maintenance.evaluation import blend
    from workbench.usecases.maintenance.experiment import BASELINE_DIR, lightgbm_preprocessor

    gbm = WindowFeatureRUL.load(path / BASELINE_DIR)
    w = lightgbm_preprocessor(est.preprocessor_).windows(frame, None, last_only=True)
    lgbm = pd.Series(gbm.predict(w.X), index=w.ids).reindex(adapter_pred.index)
    if plan["served"] == "baseline":
        return lgbm
    return pd.Series(blend(float(plan["blend_weight"]), adapter_pred, lgbm), index=adapter_pred.index)


def _finite(metrics: dict, keys: tuple[str, ...]) -> dict[str, float]:
    """The headline metrics for the audit log; a NaN (PR-AUC without failures) is left out, as the
    log is strict JSON."""
    return {k: float(metrics[k]) for k in keys if k in metrics and math.isfinite(float(metrics[k]))}


def load_rul_estimator(adapter_dir: str | Path):
    """The :class:`RULEstimator` saved in ``adapter_dir`` (raises ``FileNotFoundError`` if missing)."""
    from workbench.usecases.maintenance.model import RULEstimator

    path, meta = _meta(adapter_dir)
    if meta.get("task_kind") != "regression":
        raise ValueError(f"{path} holds a failure-classification adapter (AI4I); expected a RUL adapter")
    return RULEstimator.load(path)


def evaluate_adapter(config: RunConfig, adapter_dir: str | Path) -> dict[str, Any]:
    """Metrics of a saved adapter on the config's test data.

    Returns:
        RUL adapters: :func:`summarize_rul` of the served model (:func:`serving_plan`: by default
        the one the run recommended on validation engines) on the test engines' last cycles
        (``alarm`` at its stored validation-chosen threshold), ``model``, ``recommended``,
        ``serving_note``, ``dataset`` and, when the served model is not the adapter,
        ``adapter_alone`` (the same metrics of the adapter by itself).
        Failure adapters: precision, recall, F1, PR-AUC on the fixed AI4I test split of the served
        model (``model``: the adapter, or LightGBM where the run recommended it and stored it; then
        also ``adapter_alone``), ``recommended`` and ``serving_note`` (from ``serving.json``).

    Raises:
        FileNotFoundError: ``adapter_dir`` does not exist or is not a maintenance adapter.
    """
    path, meta = _meta(adapter_dir)
    task = config.task
    if meta.get("task_kind") == "classification":
        from workbench.usecases.maintenance.experiment import prepare_ai4i
        from workbench.usecases.maintenance.model import FailureEstimator

        from workbench.usecases.maintenance.baselines import ProcessFailureClassifier
        from workbench.usecases.maintenance.evaluation import failure_metrics
        from workbench.usecases.maintenance.experiment import BASELINE_DIR

        plan = failure_serving_plan(path, config)
        with stage("loading the adapter and the AI4I data"):
            est = FailureEstimator.load(path)
            d = prepare_ai4i(task, seed=config.run.seed, max_rows=config.data.max_rows)
        y_test = d["y"][d["idx"]["test"]]
        with stage(f"scoring the {'LightGBM baseline' if plan['served'] == 'baseline' else 'adapter'} on the "
                   "AI4I test split"):
            scores = est.evaluate(d["X"]["test"], y_test)
            if plan["served"] == "baseline":  # at the F1 threshold it chose on the run's validation rows
                adapter_alone = {k: scores[k] for k in ("f1", "precision", "recall", "pr_auc")}
                thr = float(plan["record"]["threshold"]["baseline"])
                gbm = ProcessFailureClassifier.load(path / BASELINE_DIR)
                scores = {**failure_metrics(y_test, gbm.predict_proba(d["rows"]["test"]), thr), "threshold": thr,
                          "adapter_alone": adapter_alone}
        # The compliance trail names which adapter and model scored which data, and how the rows were chosen.
        record_event("evaluate", usecase="maintenance", inputs={"adapter": path}, data=str(d["source"]),
                     selection="the fixed AI4I test split", rows=int(len(d["idx"]["test"])), model=plan["served"],
                     outputs=_finite(scores, ("f1", "precision", "recall", "pr_auc")))
        return {**scores, "dataset": d["source"], "model": plan["served"], "recommended": plan["recommended"],
                "serving_note": plan["note"]}

    from workbench.io import fingerprint_file
    from workbench.usecases.maintenance.data import load_cmapss
    from workbench.usecases.maintenance.evaluation import alarm_cost
    from workbench.usecases.maintenance.experiment import _target_files
    from workbench.usecases.maintenance.model import summarize_rul

    with stage("loading the adapter and the test engines"):
        est = load_rul_estimator(path)
        with tempfile.TemporaryDirectory(prefix="maint-eval-") as tmp:
            # The simulated demo fleet is regenerated from the config's seed, exactly as training wrote it.
            files, dataset = _target_files(task, Path(tmp), config.run.seed)
            data = load_cmapss(files["train"], files["test"], files["rul"])
            # Fingerprinted here: the simulated demo fleet's files live only in this temporary folder.
            fingerprints = {k: fingerprint_file(files[k]) for k in ("test", "rul") if files.get(k)}
    if data.test is None or data.test_rul is None:
        raise ValueError("evaluate needs test engines and their true RUL: set task.test_file and task.rul_file")
    rule = _alarm_rule(path, config)
    costs = {k: rule[k] for k in ("horizon", "cost_missed", "cost_early")}
    plan = serving_plan(path, config)
    with stage("scoring the adapter on the test engines"):
        adapter_pred = est.predict(data.test).set_index("unit")["rul_pred"]
    pred = _served_predictions(plan, path, est, data.test, adapter_pred)
    truth = data.test_rul.reindex(pred.index).to_numpy()

    def scored(p: pd.Series, alarm_rul: float | None) -> dict[str, Any]:
        out = summarize_rul(truth, p.to_numpy(), **costs)
        if alarm_rul is not None:  # the threshold chosen on validation engines in training, scored here
            at = alarm_cost(p.to_numpy(), truth, alarm_rul, **costs)
            out["alarm"] = {**{k: at[k] for k in ("tp", "fp", "fn", "tn", "alarms", "cost", "cost_per_engine")},
                            "alarm_rul": alarm_rul, "chosen_on": rule.get("chosen_on", "validation engines"),
                            "test_hindsight_cost": out["alarm"]["test_hindsight_cost"]}
        return out

    adapter_alarm = rule.get("alarm_rul")
    out = scored(pred, adapter_alarm if plan["served"] == "adapter" else plan["alarm_rul"])
    out.update(model=plan["served"], recommended=plan["recommended"], serving_note=plan["note"], dataset=dataset)
    if plan["served"] == "blend":
        out["blend_weight"] = plan["blend_weight"]
    if plan["served"] != "adapter":
        out["adapter_alone"] = scored(adapter_pred, adapter_alarm)
    record_event("evaluate", usecase="maintenance", inputs={"adapter": path}, data=str(dataset),
                 data_fingerprint=fingerprints, selection="every test engine at its last cycle", rows=int(len(pred)),
                 model=plan["served"], outputs=_finite(out, ("rmse", "rmse_capped", "score")))
    return out


SCALING_FILE = "ai4i_scaling.json"
"""Failure adapters: the window length and the training rows' feature means and deviations, so that
``predict`` builds the inputs of a new process log exactly as the run built its own."""

FAILURE_COLUMNS = ("p_failure", "failure_alarm", "model", "p_failure_adapter")
"""Columns a failure prediction appends to the process log."""


def predict_failure_file(config: RunConfig, adapter_dir: str | Path, input_path: str | Path,
                         output_path: str | Path) -> str:
    """Failure probability and alarm for every row of a process log (AI4I columns); write a CSV.

    Each row is read with the window of rows before it, in file order, as in training. Every
    input column is kept; appended are ``p_failure`` of the served model (by default the one the
    run recommended on validation rows), ``failure_alarm`` (``p_failure`` at or above the threshold
    that model chose on validation rows), ``model`` (its name) and ``p_failure_adapter`` (the
    adapter's own probability).

    Raises:
        FileNotFoundError: The adapter folder, its feature scaling (a run of an older version) or
            the input file is missing.
        DataFormatError: A process column is missing or bad (file, column, first bad row), or the
            log already has a column that predict adds.
    """
    from workbench.io import atomic_write_text
    from workbench.usecases.maintenance.baselines import ProcessFailureClassifier
    from workbench.usecases.maintenance.data import DataFormatError, ai4i_features, ai4i_windows, read_process_log
    from workbench.usecases.maintenance.experiment import BASELINE_DIR
    from workbench.usecases.maintenance.model import FailureEstimator

    path, _ = _meta(adapter_dir)
    if not (path / SCALING_FILE).is_file():
        raise FileNotFoundError(f"{path} has no {SCALING_FILE}: the failure run was made by an older version; "
                                "train it again to predict new logs")
    scaling = json.loads((path / SCALING_FILE).read_text(encoding="utf-8"))
    plan = failure_serving_plan(path, config)
    frame = read_process_log(input_path)
    clash = [c for c in FAILURE_COLUMNS if c in frame.columns]
    if clash:
        raise DataFormatError(f"{input_path}: the file already has the column(s) {clash} that predict adds; rename them")
    feats = ai4i_features(frame)[scaling["features"]]
    mean = pd.Series(scaling["mean"], index=scaling["features"])
    std = pd.Series(scaling["std"], index=scaling["features"])
    with stage("loading the adapter"):
        est = FailureEstimator.load(path)
    with stage(f"predicting failure for {len(frame):,} rows"):
        p_adapter = est.predict_proba(ai4i_windows(feats, int(scaling["window"]), np.arange(len(frame)), mean, std))
        if plan["served"] == "baseline":
            gbm = ProcessFailureClassifier.load(path / BASELINE_DIR)
            p = gbm.predict_proba(((feats - mean) / std).to_numpy(np.float32))
        else:
            p = p_adapter
    stored = (plan["record"].get("threshold") or {}).get(plan["served"])
    threshold = float(stored if stored is not None else est.threshold_)
    out = frame.copy()
    out["p_failure"], out["failure_alarm"] = np.round(p, 6), p >= threshold
    out["model"], out["p_failure_adapter"] = plan["served"], np.round(p_adapter, 6)
    atomic_write_text(output_path, out.to_csv(index=False))
    record_event("predict", usecase="maintenance", inputs={"adapter": path, "data": Path(input_path)},
                 outputs={"predictions": Path(output_path)}, rows=int(len(out)), threshold=threshold,
                 model=plan["served"])
    if plan["note"]:
        emit(f"predict: {plan['note']}")
    return str(output_path)


def predict_file(config: RunConfig, adapter_dir: str | Path, input_path: str | Path, output_path: str | Path) -> str:
    """Predict the RUL of every engine in a C-MAPSS-format file at its last cycle; write a CSV.

    A failure (AI4I) adapter predicts a process log instead (:func:`predict_failure_file`).

    Args:
        config: The run config (``task.serve`` picks the model, :func:`serving_plan`; ``task.horizon``
            decides the alarm flag when the folder has no stored alarm rule).
        adapter_dir: A RUL adapter folder (``runs/<run>/adapter``).
        input_path: Whitespace-separated C-MAPSS trajectories (unit, cycle, 3 settings, 21 sensors).
        output_path: CSV to write: ``unit, last_cycle, rul_pred, alarm, model, rul_pred_adapter``:
            ``rul_pred`` of the served model (by default the one the run recommended on validation
            engines), ``alarm`` = that prediction <= its validation-chosen threshold (else <= the
            horizon), ``model`` its name, and the adapter's own prediction beside it.

    Returns:
        The output path, as a string.
    """
    from workbench.io import atomic_write_text
    from workbench.usecases.maintenance.data import read_cmapss_file

    path, meta = _meta(adapter_dir)
    if meta.get("task_kind") == "classification":
        return predict_failure_file(config, path, input_path, output_path)
    with stage("loading the adapter"):
        est = load_rul_estimator(path)
    plan = serving_plan(path, config)
    frame = read_cmapss_file(input_path)
    with stage(f"predicting RUL for {frame['unit'].nunique()} engines"):
        pred = est.predict(frame)
        adapter_pred = pred.set_index("unit")["rul_pred"]
        served = _served_predictions(plan, path, est, frame, adapter_pred)
    rule = _alarm_rule(path, config)
    threshold = rule.get("alarm_rul", rule["horizon"]) if plan["served"] == "adapter" else (
        plan["alarm_rul"] if plan["alarm_rul"] is not None else rule["horizon"])
    rul = served.reindex(pred["unit"]).to_numpy()
    out = pd.DataFrame({"unit": pred["unit"].astype(int), "last_cycle": pred["cycle"].astype(int),
                        "rul_pred": np.round(rul, 2), "alarm": rul <= threshold, "model": plan["served"],
                        "rul_pred_adapter": pred["rul_pred"].round(2)})
    atomic_write_text(output_path, out.to_csv(index=False))
    record_event("predict", usecase="maintenance", inputs={"adapter": path, "data": Path(input_path)},
                 outputs={"predictions": Path(output_path)}, rows=int(len(out)), alarm_rul=float(threshold),
                 model=plan["served"])
    if plan["note"]:
        emit(f"predict: {plan['note']}")
    return str(output_path)
