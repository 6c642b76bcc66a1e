"""End-to-end runs of the maintenance use case: baseline vs frozen base vs LoRA (vs full fine-tuning).

:func:`run_rul` adapts the factory base model to a C-MAPSS-format fleet (real files or a
simulated fleet written to and read back from C-MAPSS files) and scores every model on each test
engine's last cycle against the RUL file. :func:`run_failure` does the same for failure
classification on AI4I 2020 (the real CSV or a generated log) with a fixed stratified split.
Both write ``results.json``, ``config.yaml``, ``run_info.json`` and the adapter (PEFT layout plus
model card) into the run directory and return the results dict of the use-case contract.

Usage::

    from workbench.usecases.maintenance import default_config, run_experiment
    result = run_experiment(default_config(smoke=True))
    result["metrics"]["adapter"]["rmse"]
"""

from __future__ import annotations

import dataclasses
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from workbench import splits
from workbench.config import RunConfig
from workbench.models import quiet_transformers
from workbench.progress import stage
from workbench.report import smoke_on
from workbench.serving import SERVING_FILE
from workbench.ts_pretrain import PretrainResult
from workbench.usecases.maintenance.baselines import ProcessFailureClassifier, WindowFeatureRUL
from workbench.usecases.maintenance.config import MaintenanceTaskArgs
from workbench.usecases.maintenance.data import (CMapssPreprocessor, DataFormatError, add_train_rul, ai4i_features,
                                                 ai4i_windows, cut_units, load_ai4i, load_cmapss, stratified_split)
from workbench.usecases.maintenance.evaluation import (best_f1_threshold, blend, blend_weight, failure_metrics,
                                                       maintenance_verdict)
from workbench.usecases.maintenance.model import (FailureEstimator, RULEstimator, base_corpus, pretrain_base,
                                                  summarize_rul, validation_pr_auc)
from workbench.usecases.maintenance.simulate import FleetSpec, simulate_ai4i, simulate_fleet, write_cmapss

ROLE_OF_MODE = {"frozen": "frozen_base", "lora": "adapter", "full": "full_finetune"}
ROLE_ORDER = ("baseline", "frozen_base", "adapter", "blend", "full_finetune")
LABEL_OF_ROLE = {"baseline": "the LightGBM baseline", "frozen_base": "the frozen base model + head",
                 "adapter": "the LoRA adapter", "blend": "the blend of adapter and LightGBM",
                 "full_finetune": "the fully fine-tuned model"}
PUBLISHED_FD001 = {"CNN (Babu 2016)": 18.45, "LSTM (Zheng 2017)": 16.14, "deep CNN (Li 2018)": 12.61}


def _modes(cfg: RunConfig) -> list[str]:
    modes = ["lora"]
    if cfg.eval.frozen_base:
        modes.insert(0, "frozen")
    if cfg.task.compare_full_finetune:
        modes.append("full")
    return modes


def _start(cfg: RunConfig) -> tuple[MaintenanceTaskArgs, Path, float, PretrainResult]:
    """The set-up both runs share: the run directory (created), the start time and the factory base
    model (pretrained, or loaded from the cache).

    Returns:
        ``(task, run_dir, t0, base)``.
    """
    task: MaintenanceTaskArgs = cfg.task
    run_dir = cfg.run_dir()
    run_dir.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    with stage("pretraining the factory base model (or loading it from the cache)"):
        base = pretrain_base(task)
    return task, run_dir, t0, base


def _in_order(metrics: dict[str, dict]) -> dict[str, dict]:
    """Each role's metrics, in display order."""
    return {r: metrics[r] for r in ROLE_ORDER if r in metrics}


def _target_files(task: MaintenanceTaskArgs, run_dir: Path, seed: int) -> tuple[dict[str, str], str]:
    """The C-MAPSS files to adapt to: the user's, or a simulated fleet written in that format."""
    if task.train_file:
        return {"train": task.train_file, "test": task.test_file, "rul": task.rul_file}, Path(task.train_file).stem
    overrides = {"seed": task.target_seed + 7919 * seed}
    if task.target_units:
        overrides.update(n_train=task.target_units, n_test=task.target_units)
    fleet = simulate_fleet(FleetSpec.preset(task.target_fleet, **overrides))
    paths = write_cmapss(fleet, run_dir / "data", task.target_fleet)
    return {k: str(v) for k, v in paths.items()}, f"simulated {task.target_fleet}-like fleet"


def _write_outputs(cfg: RunConfig, result: dict, est, data_fp: str | None, base_info: dict,
                   baseline: WindowFeatureRUL | None = None, scaling: dict | None = None) -> None:
    """The adapter folder (adapter, model card, alarm rule and, for RUL runs with a baseline, the
    LightGBM and ``serving.json``; for failure runs the feature scaling that predict applies),
    ``run_info.json`` and ``results.json``."""
    from workbench.io import atomic_write_json, write_run_info

    run_dir = cfg.run_dir()
    adapter_dir = run_dir / "adapter"
    est.save(adapter_dir)
    if scaling is not None:
        from workbench.usecases.maintenance.inference import SCALING_FILE

        atomic_write_json(adapter_dir / SCALING_FILE, scaling)
    if baseline is not None and result.get("problem") == "rul":
        # What `workbench evaluate/predict` serve: the model recommended on validation engines when the
        # folder holds it (adapter, blend or LightGBM), else the adapter; see inference.serving_plan.
        baseline.save(adapter_dir / BASELINE_DIR)
        atomic_write_json(adapter_dir / SERVING_FILE, serving_record(result))
    elif result.get("problem") == "failure" and result.get("recommendation"):
        # Failure: the LightGBM on process features beside the adapter, when the run trained one.
        if baseline is not None:
            baseline.save(adapter_dir / BASELINE_DIR)
        atomic_write_json(adapter_dir / SERVING_FILE, serving_record(result, baseline_saved=baseline is not None))
    try:
        from workbench.governance.modelcard import write_model_card

        write_model_card(adapter_dir, {
            "name": f"maintenance-{cfg.run.name}", "base_model": str(est.base_path), "usecase": "maintenance",
            "task": "time-series-regression" if cfg.task.problem == "rul" else "time-series-classification",
            "metrics": result["metrics"], "datasets": [{"name": result["dataset"]}],
            "data_fingerprint": data_fp, "config": cfg.to_dict(),
            "intended_use": "Decision support for maintenance planning of the fleet it was adapted to; "
                            "a reliability engineer reviews every alarm.",
            "limitations": "Trained on the given fleet's operating conditions and fault modes; predictions for "
                           "engines outside them are unreliable. RUL targets are capped at "
                           f"{cfg.task.rul_cap} cycles, so long remaining lives are under-estimated by design.",
        })
    except ImportError:  # pragma: no cover - governance is a core module
        pass
    result["adapter_dir"] = str(adapter_dir)
    alarm = result["metrics"].get("adapter", {}).get("alarm")
    if alarm:  # the rule `workbench evaluate/predict` apply: chosen on validation engines, never on test ones
        from workbench.usecases.maintenance.inference import ALARM_FILE

        atomic_write_json(adapter_dir / ALARM_FILE, {"alarm_rul": alarm["alarm_rul"], "chosen_on": alarm["chosen_on"],
                                                      **result.get("decision", {})})
    write_run_info(run_dir, cfg, data_fp, base_model=str(est.base_path), base_model_key=base_info.get("key"))
    atomic_write_json(run_dir / "results.json", result)


BASELINE_DIR = "baseline"
"""Subfolder of a RUL adapter folder with the LightGBM fitted on all training engines."""
SERVABLE = ("adapter", "blend", "baseline")


def serving_record(result: dict, baseline_saved: bool = True) -> dict[str, Any]:
    """What a run stores for serving (:func:`workbench.serving.serving_record`): the recommended
    role, the one served and, for RUL, the blend weight and the alarm threshold each servable model
    chose on the validation engines; for failure, each servable model's F1 threshold (chosen on the
    validation rows).

    Only the adapter, the blend and LightGBM are kept in the adapter folder (failure: the adapter
    and, when ``baseline_saved``, LightGBM); a recommendation of another model (the frozen base, full
    fine-tuning) falls back to the adapter, and the record says so.
    """
    from workbench.serving import serving_record as record

    metrics = result["metrics"]
    rec = result.get("recommendation") or {}
    if result.get("problem", "rul") == "rul":
        stored = [r for r in SERVABLE if r in metrics]
    else:  # failure: no blend; LightGBM where the run saved it
        stored = ["adapter"] + (["baseline"] if baseline_saved and "baseline" in metrics else [])
    extra = ({"threshold": {r: metrics[r].get("threshold") for r in stored}}
             if result.get("problem") == "failure" else {})
    where = "validation engines" if result.get("problem", "rul") == "rul" else "validation rows"
    return record(rec, stored, chosen_on=f"{where} ({rec.get('criterion', 'val_rmse')})",
                  blend_weight=metrics.get("blend", {}).get("weight"),
                  alarm_rul={r: metrics[r]["alarm"]["alarm_rul"] for r in SERVABLE
                             if r in metrics and "alarm" in metrics[r]}, **extra)


VAL_CUTS_PER_UNIT = 5  # random cuts per validation engine: more decisions to choose the alarm threshold on


@quiet_transformers()  # transformers' load reports, only during the run: the user's settings come back after it
def run_rul(cfg: RunConfig) -> dict[str, Any]:
    """RUL: baseline, frozen base + head, LoRA (and full fine-tuning) on one C-MAPSS-format subset.

    The alarm threshold of every model is chosen on validation engines of the training file (cut at
    random cycles like the test engines, :func:`cut_units`) and scored on the test engines; both
    costs are reported. The LightGBM baseline is trained on *all* training engines (it needs no
    early stopping); its threshold comes from a second LightGBM fitted on the training split only
    and applied to the same validation engines, so it never sees them either. With the adapter and
    the baseline both present, a fourth role ``blend`` (:func:`blend_metrics`) mixes their
    predictions with a weight chosen on the same validation engines; the adapter's row is unchanged.
    """
    from workbench.io import fingerprint_file

    task, run_dir, t0, base = _start(cfg)
    with stage("preparing the data"):
        files, dataset = _target_files(task, run_dir, cfg.run.seed)
        data = load_cmapss(files["train"], files["test"], files["rul"])
        data_fp = fingerprint_file(files["train"])
    metrics: dict[str, dict] = {}
    preds: dict[str, list[float]] = {}
    val_preds: dict[str, list[float]] = {}
    runtime: dict[str, dict] = {"pretrain": {
        "from_cache": base.from_cache, "windows_per_s": base.info.get("windows_per_s"),
        "seconds": base.info.get("seconds"), "peak_memory_mb": base.info.get("peak_memory_mb"),
        "n_windows": base.info.get("n_windows")}}
    costs = {"horizon": task.horizon, "cost_missed": task.cost_missed, "cost_early": task.cost_early}
    estimators: dict[str, RULEstimator] = {}
    val_frame = val_rul = gbm = None
    unrounded: dict[str, tuple[pd.Series, pd.Series]] = {}  # role -> (test, validation) predictions by unit
    for mode in _modes(cfg):
        role = ROLE_OF_MODE[mode]
        est = RULEstimator.from_config(cfg, base.path, mode=mode, run_dir=run_dir / f"fit_{mode}")
        with stage(f"training {LABEL_OF_ROLE[role]}"):
            est.fit(data.train)
        if val_frame is None:  # every estimator splits the units with the same seed: one validation set
            val_frame, val_rul = validation_cuts(data.train, est, task, cfg.run.seed)
        with stage(f"scoring {LABEL_OF_ROLE[role]} on the test and validation engines"):
            pred = est.predict(data.test).set_index("unit")["rul_pred"]
            vpred = est.predict(val_frame).set_index("unit")["rul_pred"] if len(val_frame) else pd.Series(dtype=float)
        truth = data.test_rul.reindex(pred.index)
        metrics[role] = summarize_rul(truth.to_numpy(), pred.to_numpy(), **costs,
                                      val_true=val_rul.reindex(vpred.index).to_numpy(), val_pred=vpred.to_numpy())
        preds[role] = pred.round(2).tolist()
        val_preds[role] = vpred.reindex(val_rul.index).round(2).tolist()
        unrounded[role] = (pred, vpred)
        if est.adapt_info_:  # the fleet-adaptive masked-patch step before LoRA
            runtime.setdefault("fleet_adaptive", {"seconds": est.adapt_info_["seconds"],
                                                  "windows": est.adapt_info_["n_windows"],
                                                  "loss_per_epoch": est.adapt_info_["loss_per_epoch"]})
        fr = est.fit_result_
        from workbench.lora import count_parameters

        pc = count_parameters(est.model_)
        runtime[role] = {"train_engines": int(len(est.train_units_)), "samples_per_s": fr.samples_per_s,
                         "seconds": fr.seconds, "peak_memory_mb": fr.peak_memory_mb,
                         "epochs": fr.epochs, "train_windows": est.train_windows_, "trainable_params": pc.trainable,
                         "total_params": pc.total}
        estimators[mode] = est
    ref = estimators["lora"]
    if cfg.eval.baseline:
        with stage(f"training {LABEL_OF_ROLE['baseline']} on all training engines"):
            t1 = time.perf_counter()
            bpred, bval, gbm = baseline_rul(task, cfg.run.seed, ref, data, val_frame)
            runtime["baseline"] = {"seconds": time.perf_counter() - t1, "train_engines": int(data.train["unit"].nunique())}
        truth = data.test_rul.reindex(bpred.index).to_numpy()
        metrics["baseline"] = summarize_rul(truth, bpred.to_numpy(), **costs,
                                            val_true=val_rul.reindex(bval.index).to_numpy(), val_pred=bval.to_numpy())
        preds["baseline"] = bpred.round(2).tolist()
        val_preds["baseline"] = bval.reindex(val_rul.index).round(2).tolist()
        if "adapter" in unrounded and len(val_rul):
            # The blend is a role of its own: the pure adapter's numbers stay in the table as they are.
            units = data.test_rul.index
            a_test, a_val = unrounded["adapter"]
            test_pair = a_test.reindex(units).to_numpy(), bpred.reindex(units).to_numpy()
            val_pair = a_val.reindex(val_rul.index).to_numpy(), bval.reindex(val_rul.index).to_numpy()
            metrics["blend"] = blend_metrics(data.test_rul.to_numpy(), *test_pair, val_rul.to_numpy(), *val_pair,
                                             rul_cap=task.rul_cap, costs=costs)
            w = metrics["blend"]["weight"]
            preds["blend"] = np.round(blend(w, *test_pair), 2).tolist()
            val_preds["blend"] = np.round(blend(w, *val_pair), 2).tolist()
    units = data.test_rul.index.tolist()
    result = {
        "usecase": "maintenance", "problem": "rul", "dataset": dataset, "files": files,
        "metrics": _in_order(metrics), "run_dir": str(run_dir), "runtime": runtime,
        "predictions": {"unit": units, "truth": data.test_rul.tolist(), **preds},
        "val_predictions": {"unit": val_rul.index.tolist(), "truth": val_rul.tolist(), **val_preds},
        "n_conditions": ref.preprocessor_.conditions_.n, "sensors": ref.preprocessor_.sensors_,
        "base_model": str(base.path), "base_corpus": base_corpus(task), "published_fd001_rmse": PUBLISHED_FD001,
        "split": splits.record("files" if task.train_file else "generated",
                               {"train": int(len(ref.train_units_)), "val": int(len(ref.val_units_)),
                                "test": int(len(units))}, unit="engines",
                               files={k: v for k, v in files.items() if v} if task.train_file and isinstance(files, dict)
                               else None,
                               detail="your train and test files as given; validation engines split from the training "
                                      "file by engine (seeded)" if task.train_file else "simulated fleet"),
        "decision": {**costs, "chosen_on": "validation engines (training file, split by engine, cut at random cycles)",
                     "val_engines": int(len(ref.val_units_)), "val_cuts": int(len(val_rul))},
        "smoke": bool(cfg.run.name.endswith("smoke") or smoke_on()),
        "verdict": maintenance_verdict(metrics, "rul"),
        # Which model to use is decided on the validation engines of the training file; the test
        # verdict above is the report of how that choice did on engines never used for a decision.
        "recommendation": maintenance_verdict(metrics, "rul", on="validation"),
        "adapter_inputs": ["sensors", *task.extra_inputs],
        "seconds": time.perf_counter() - t0,
    }
    if task.extra_inputs:  # the user reads "LoRA adapter" in the verdict: say what it reads that others do not
        result["verdict"] = {**result["verdict"], "text": result["verdict"]["text"] + inputs_note(task.extra_inputs)}
    with stage("writing the adapter and results"):
        _write_outputs(cfg, result, ref, data_fp, base.info, baseline=gbm)
    return result


EXTRA_INPUT_LABELS = {"health": "a health index fitted on the training engines", "cycle": "the cycle count"}


def inputs_note(extra_inputs) -> str:
    """The sentence a verdict gets when the adapter reads engineered inputs (``task.extra_inputs``)."""
    what = " and ".join(EXTRA_INPUT_LABELS.get(e, e) for e in extra_inputs)
    return (f" The LoRA adapter reads the sensors plus {what} (task.extra_inputs; "
            "--set 'task.extra_inputs=[]' for the pure adapter); the frozen base reads the sensors only.")


def blend_metrics(truth, adapter, baseline, val_truth, val_adapter, val_baseline, *, rul_cap: float = 125,
                  costs: dict | None = None) -> dict[str, Any]:
    """Metrics of the validation-weighted blend ``w * adapter + (1 - w) * LightGBM``.

    The weight is chosen on the validation engines only (:func:`blend_weight` on the capped truth,
    grid 0..1) and then applied to the test predictions. On the validation engines both inputs are
    out of sample: the adapter never trained on them, and the LightGBM predictions there come from
    the second LightGBM of :func:`baseline_rul`, fitted on the adapter's training engines only. On
    the test engines the blend uses the LightGBM fitted on all training engines, the one the
    baseline row reports: refitting on all data after choosing the weight is what stacking does,
    and it keeps the blend's LightGBM as strong as the baseline it is compared with.

    Args:
        truth, adapter, baseline: Test RUL (raw) and the two models' predictions, one per engine.
        val_truth, val_adapter, val_baseline: The same on the validation cuts.
        rul_cap: Cap of the truth for choosing the weight.
        costs: ``horizon``, ``cost_missed``, ``cost_early`` of the alarm rule.

    Returns:
        :func:`summarize_rul` of the blend plus ``weight`` (the adapter's share) and ``weight_chosen_on``.
        Its validation RMSE includes the choice of this one weight, so it is slightly optimistic there.
    """
    w = blend_weight(val_truth, val_adapter, val_baseline, cap=rul_cap)
    out = summarize_rul(np.asarray(truth, float), blend(w, adapter, baseline), **(costs or {}),
                        val_true=np.asarray(val_truth, float), val_pred=blend(w, val_adapter, val_baseline))
    out.update(weight=w, weight_chosen_on="validation engines (capped RMSE, grid 0..1 in steps of 0.05)")
    return out


def lightgbm_preprocessor(pre: CMapssPreprocessor) -> CMapssPreprocessor:
    """The adapter's preprocessor (standardisation, regime normalisation) without its engineered
    inputs: what LightGBM reads, in training (:func:`baseline_rul`) and when it is served
    (``inference._served_predictions``)."""
    return CMapssPreprocessor.from_dict({**pre.to_dict(), "extra_inputs": [], "health": None})


def validation_cuts(train: pd.DataFrame, est: RULEstimator, task: MaintenanceTaskArgs,
                    seed: int) -> tuple[pd.DataFrame, pd.Series]:
    """The validation engines of a fitted estimator, each cut ``VAL_CUTS_PER_UNIT`` times at random
    cycles like the test engines (:func:`cut_units`): where every model's recommendation, blend weight
    and alarm threshold are chosen. Returns ``(cut_frame, true_rul)``."""
    return cut_units(train[train["unit"].isin(est.val_units_)], cuts_per_unit=VAL_CUTS_PER_UNIT,
                     min_cycles=task.window, seed=seed)


def baseline_rul(task: MaintenanceTaskArgs, seed: int, ref: RULEstimator, data,
                 val_frame) -> tuple[pd.Series, pd.Series, WindowFeatureRUL]:
    """LightGBM predictions on the test engines (fit on all training engines) and on the validation
    cuts (fit on the training split only, so the threshold is not chosen on engines it trained on),
    and the LightGBM fitted on all training engines (saved beside the adapter, :func:`_write_outputs`).

    Uses the adapter's preprocessor (standardisation fitted on its training split) without its
    engineered inputs, so both read the same regime-normalised sensors.
    """
    # LightGBM reads the regime-normalised sensors only, whatever engineered inputs the adapter takes.
    pre = lightgbm_preprocessor(ref.preprocessor_)

    def windows(frame):
        # Full windows of real cycles only, as for the neural models (front padding biases the fit);
        # cut lazily and summarised chunk by chunk (baselines.features_of), so memory stays bounded.
        return pre.lazy_windows(add_train_rul(frame, task.rul_cap), "rul_capped",
                                min_end=min(task.window, int(frame.groupby("unit")["cycle"].max().min())))

    wte = pre.windows(data.test, None, last_only=True)
    w_all = windows(data.train)
    gbm = WindowFeatureRUL(n_estimators=task.baseline_estimators, seed=seed).fit(w_all, w_all.y)
    test_pred = pd.Series(gbm.predict(wte.X), index=wte.ids)
    if val_frame is None or not len(val_frame):
        return test_pred, pd.Series(dtype=float), gbm
    w_split = windows(data.train[data.train["unit"].isin(ref.train_units_)])
    gbm_split = WindowFeatureRUL(n_estimators=task.baseline_estimators, seed=seed).fit(w_split, w_split.y)
    wva = pre.windows(val_frame, None, last_only=True)
    return test_pred, pd.Series(gbm_split.predict(wva.X), index=wva.ids), gbm


def prepare_ai4i(task: MaintenanceTaskArgs, seed: int = 0, max_rows: int | None = None) -> dict[str, Any]:
    """AI4I rows, features, a fixed stratified 70/10/20 split and standardised windows."""
    frame = load_ai4i(task.ai4i_file) if task.ai4i_file else simulate_ai4i(n=max_rows or 10_000, seed=seed)
    if max_rows and len(frame) > max_rows:
        frame = frame.iloc[:max_rows].reset_index(drop=True)
    feats = ai4i_features(frame)
    y = frame["Machine failure"].to_numpy()
    if "split" in frame.columns:
        # The user's split column, used as given; without val rows, validation is a stratified
        # eighth of the training rows (seeded), and the record says so.
        part = frame["split"].to_numpy()
        tr, va, te = (np.flatnonzero(part == k) for k in ("train", "val", "test"))
        if len(tr) == 0 or len(te) == 0:
            raise DataFormatError(f"{task.ai4i_file}: the split column needs train and test rows (found "
                                  f"{pd.Series(part).value_counts().to_dict()})")
        detail = "your split column"
        if len(va) == 0:
            sub_tr, sub_va, _ = stratified_split(y[tr], (0.875, 0.125, 0.0), seed=0)
            tr, va = tr[sub_tr], tr[sub_va]
            detail += " (val carved from train, seed 0)"
        split = splits.record("column", {"train": len(tr), "val": len(va), "test": len(te)}, detail=detail)
    else:
        tr, va, te = stratified_split(y, (0.7, 0.1, 0.2), seed=0)  # fixed split: comparable across runs
        split = splits.record("generated", {"train": len(tr), "val": len(va), "test": len(te)},
                              detail="stratified 70/10/20, seed 0")
    mean, std = feats.iloc[tr].mean(), feats.iloc[tr].std(ddof=0).replace(0, 1.0)
    X = {k: ai4i_windows(feats, task.window, idx, mean, std) for k, idx in (("train", tr), ("val", va), ("test", te))}
    rows = {k: ((feats.iloc[idx] - mean) / std).to_numpy(np.float32) for k, idx in (("train", tr), ("val", va), ("test", te))}
    return {"frame": frame, "features": feats, "y": y, "idx": {"train": tr, "val": va, "test": te}, "X": X, "rows": rows,
            "source": task.ai4i_file or "generated AI4I-rule log", "split_record": split,
            # What predict needs to build the same inputs from a new log (training rows' statistics).
            "scaling": {"window": int(task.window), "features": list(feats.columns),
                        "mean": [float(v) for v in mean], "std": [float(v) for v in std]}}


@quiet_transformers()
def run_failure(cfg: RunConfig) -> dict[str, Any]:
    """Failure: LightGBM on process features vs frozen base + head vs LoRA on process windows."""
    task, run_dir, t0, base = _start(cfg)
    with stage("preparing the data"):
        d = prepare_ai4i(task, seed=cfg.run.seed, max_rows=cfg.data.max_rows)
    y, idx = d["y"], d["idx"]
    metrics: dict[str, dict] = {}
    runtime: dict[str, dict] = {"pretrain": {"from_cache": base.from_cache, "windows_per_s": base.info.get("windows_per_s")}}
    est = None
    for mode in _modes(cfg):
        spec = dataclasses.replace(task.spec(), pooling_type=task.failure_pooling)
        e = FailureEstimator(base.path, spec, mode=mode, lora=cfg.lora, train=cfg.train, seed=cfg.run.seed,
                             run_dir=run_dir / f"fit_{mode}", lora_embedding=task.lora_embedding)
        role = ROLE_OF_MODE[mode]
        with stage(f"training {LABEL_OF_ROLE[role]}"):
            e.fit(d["X"]["train"], y[idx["train"]], d["X"]["val"], y[idx["val"]])
        with stage(f"scoring {LABEL_OF_ROLE[role]} on the test split"):
            metrics[role] = {**e.evaluate(d["X"]["test"], y[idx["test"]]), "val_pr_auc": e.val_pr_auc_}
        runtime[role] = {"samples_per_s": e.fit_result_.samples_per_s, "seconds": e.fit_result_.seconds}
        if mode == "lora":
            est = e
    if cfg.eval.baseline:
        with stage(f"training {LABEL_OF_ROLE['baseline']}"):
            gbm = ProcessFailureClassifier(n_estimators=task.baseline_estimators, seed=cfg.run.seed)
            gbm.fit(d["rows"]["train"], y[idx["train"]])
        p_val = gbm.predict_proba(d["rows"]["val"])
        thr = best_f1_threshold(y[idx["val"]], p_val)
        metrics["baseline"] = {**failure_metrics(y[idx["test"]], gbm.predict_proba(d["rows"]["test"]), thr), "threshold": thr,
                               "val_pr_auc": validation_pr_auc(y[idx["val"]], p_val)}
    result = {"usecase": "maintenance", "problem": "failure", "dataset": d["source"],
              "metrics": _in_order(metrics), "run_dir": str(run_dir), "runtime": runtime,
              "split": d["split_record"], "base_model": str(base.path),
              "smoke": bool(cfg.run.name.endswith("smoke") or smoke_on()),
              "verdict": maintenance_verdict(metrics, "failure"),
              "recommendation": maintenance_verdict(metrics, "failure", on="validation"),
              "seconds": time.perf_counter() - t0}
    from workbench.io import fingerprint_frame

    with stage("writing the adapter and results"):
        _write_outputs(cfg, result, est, fingerprint_frame(d["frame"]), base.info,
                       baseline=gbm if cfg.eval.baseline else None, scaling=d["scaling"])
    return result


def run_experiment(cfg: RunConfig) -> dict[str, Any]:
    """Dispatch on ``cfg.task.problem`` (the use-case contract's entry point)."""
    if not isinstance(cfg.task, MaintenanceTaskArgs):
        raise TypeError(f"config.task must be MaintenanceTaskArgs, got {type(cfg.task).__name__}")
    return run_rul(cfg) if cfg.task.problem == "rul" else run_failure(cfg)


def task_summary(task: MaintenanceTaskArgs) -> dict[str, Any]:
    """The task section as a plain dict (for reports)."""
    return dataclasses.asdict(task)
