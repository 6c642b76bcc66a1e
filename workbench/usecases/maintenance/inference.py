"""Using a saved maintenance adapter: evaluation on the test engines, and RUL predictions for a file.

``workbench evaluate --usecase maintenance --adapter DIR`` and ``workbench predict --usecase
maintenance --adapter DIR --input FILE --output OUT`` call these (through the package's
``evaluate_adapter`` and ``predict_file``).

* :func:`evaluate_adapter` scores a RUL adapter on the config's test engines (the user's C-MAPSS
  test and RUL files, or the simulated demo fleet regenerated from the config's seed), with the
  alarm threshold the training run chose on validation engines (``alarm.json`` in the adapter
  folder); a failure adapter on the fixed AI4I test split.
* :func:`predict_file` reads a C-MAPSS-format trajectory file (test-like: each engine cut at some
  cycle) and writes one row per engine: its id, last cycle, predicted RUL and the alarm flag.

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

import pandas as pd

from workbench.config import RunConfig
from workbench.governance.audit import record_event
from workbench.progress import stage

ALARM_FILE = "alarm.json"
"""The alarm rule the training run chose on validation engines, stored next to the adapter."""


def _meta(adapter_dir: str | Path) -> tuple[Path, dict]:
    path = Path(adapter_dir)
    if not path.is_dir():
        raise FileNotFoundError(f"adapter folder not found: {path}")
    meta_file = path / "maintenance_estimator.json"
    if not meta_file.is_file():
        raise FileNotFoundError(f"adapter folder {path} has no maintenance_estimator.json: not a maintenance adapter "
                                "(pass runs/<run>/adapter of a maintenance run)")
    return path, json.loads(meta_file.read_text(encoding="utf-8"))


def _alarm_rule(path: Path, cfg: RunConfig) -> dict[str, Any]:
    """The stored alarm rule, or (older adapters) none: then the threshold is chosen in hindsight."""
    f = path / ALARM_FILE
    if f.is_file():
        return json.loads(f.read_text(encoding="utf-8"))
    return {"horizon": cfg.task.horizon, "cost_missed": cfg.task.cost_missed, "cost_early": cfg.task.cost_early}


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
        RUL adapters: :func:`summarize_rul` on the test engines' last cycles (``alarm`` at the
        stored validation-chosen threshold when the run saved one) plus ``n`` and ``dataset``.
        Failure adapters: precision, recall, F1, PR-AUC on the fixed AI4I test split.

    Raises:
        FileNotFoundError: ``adapter_dir`` does not exist or is not a maintenance adapter.
    """
    path, meta = _meta(adapter_dir)
    task = config.task
    if meta.get("task_kind") == "classification":
        from workbench.usecases.maintenance.experiment import prepare_ai4i
        from workbench.usecases.maintenance.model import FailureEstimator

        with stage("loading the adapter and the AI4I data"):
            est = FailureEstimator.load(path)
            d = prepare_ai4i(task, seed=config.run.seed, max_rows=config.data.max_rows)
        with stage("scoring the adapter on the AI4I test split"):
            scores = est.evaluate(d["X"]["test"], d["y"][d["idx"]["test"]])
        # The compliance trail names which adapter scored which data, and how the rows were chosen.
        record_event("evaluate", usecase="maintenance", inputs={"adapter": path}, data=str(d["source"]),
                     selection="the fixed AI4I test split", rows=int(len(d["idx"]["test"])),
                     outputs=_finite(scores, ("f1", "precision", "recall", "pr_auc")))
        return {**scores, "dataset": d["source"]}

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
    with stage("scoring the adapter on the test engines"):
        pred = est.predict(data.test).set_index("unit")["rul_pred"]
    truth = data.test_rul.reindex(pred.index).to_numpy()
    out = summarize_rul(truth, pred.to_numpy(), **costs)
    if "alarm_rul" in rule:
        scored = alarm_cost(pred.to_numpy(), truth, rule["alarm_rul"], **costs)
        out["alarm"] = {**{k: scored[k] for k in ("tp", "fp", "fn", "tn", "alarms", "cost", "cost_per_engine")},
                        "alarm_rul": rule["alarm_rul"], "chosen_on": rule.get("chosen_on", "validation engines"),
                        "test_hindsight_cost": out["alarm"]["test_hindsight_cost"]}
    out["dataset"] = dataset
    record_event("evaluate", usecase="maintenance", inputs={"adapter": path}, data=str(dataset),
                 data_fingerprint=fingerprints, selection="every test engine at its last cycle", rows=int(len(pred)),
                 outputs=_finite(out, ("rmse", "rmse_capped", "score")))
    return out


def predict_file(config: RunConfig, adapter_dir: str | Path, input_path: str | Path, output_path: str | Path) -> str:
    """Predict the RUL of every engine in a C-MAPSS-format file at its last cycle; write a CSV.

    Args:
        config: The run config (its ``task.horizon`` decides the alarm flag when the adapter has
            no stored alarm rule).
        adapter_dir: A RUL adapter folder (``runs/<run>/adapter``).
        input_path: Whitespace-separated C-MAPSS trajectories (unit, cycle, 3 settings, 21 sensors).
        output_path: CSV to write: ``unit, last_cycle, rul_pred, alarm`` (alarm = predicted RUL <=
            the stored validation-chosen threshold, else <= the horizon).

    Returns:
        The output path, as a string.
    """
    from workbench.io import atomic_write_text
    from workbench.usecases.maintenance.data import read_cmapss_file

    path, _ = _meta(adapter_dir)
    with stage("loading the adapter"):
        est = load_rul_estimator(path)
    frame = read_cmapss_file(input_path)
    with stage(f"predicting RUL for {frame['unit'].nunique()} engines"):
        pred = est.predict(frame)
    rule = _alarm_rule(path, config)
    threshold = rule.get("alarm_rul", rule["horizon"])
    out = pd.DataFrame({"unit": pred["unit"].astype(int), "last_cycle": pred["cycle"].astype(int),
                        "rul_pred": pred["rul_pred"].round(2), "alarm": pred["rul_pred"] <= threshold})
    atomic_write_text(output_path, out.to_csv(index=False))
    record_event("predict", usecase="maintenance", inputs={"adapter": path, "data": Path(input_path)},
                 outputs={"predictions": Path(output_path)}, rows=int(len(out)), alarm_rul=float(threshold))
    return str(output_path)
