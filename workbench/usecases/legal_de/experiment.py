"""Run one legal_de experiment: TF-IDF, frozen base and LoRA side by side on held-out clauses.

:func:`run_experiment` is the use case's ``workbench train``; the package ``__init__`` re-exports
it (as the maintenance use case does), so ``legal_de.run_experiment(cfg)`` keeps working.
"""

from __future__ import annotations

import datetime as _dt
from pathlib import Path

from workbench.config import RunConfig
from workbench.usecases.legal_de import MODEL_ROWS, NAME
from workbench.usecases.legal_de.config import LegalTaskArgs


def _audit(operation: str, **fields) -> None:
    try:
        from workbench.governance.audit import record_event
    except ImportError:  # governance is a core module, but keep the use case usable without it
        return
    record_event(operation, **fields)


def _summary(metrics: dict) -> dict:
    keep = ("accuracy", "macro_f1", "per_class", "confusion_matrix", "labels", "n", "train_seconds",
            "predict_seconds", "samples_per_s", "blend_weight", "val_macro_f1")
    return {k: metrics[k] for k in keep if k in metrics}


def _headline(metrics: dict) -> dict:
    return {k: {x: v[x] for x in ("accuracy", "macro_f1")} for k, v in metrics.items()}


def minority_report(metrics: dict, train_labels) -> dict:
    """F1 of the class with the fewest training rows, for every model.

    Args:
        metrics: ``{role: summary}`` with ``per_class`` (see ``task.classification_metrics``).
        train_labels: The training labels.

    Returns:
        ``{"label", "train_rows", "train_share", "balanced", "f1": {role: f1}}``; ``balanced`` is
        true when every class has the same number of training rows (then no class is the
        minority and ``label`` is merely the first in alphabetical order). Empty without labels.
    """
    from collections import Counter

    counts = Counter(str(x) for x in train_labels)
    if not counts:
        return {}
    label, rows = min(counts.items(), key=lambda kv: (kv[1], kv[0]))
    return {"label": label, "train_rows": rows, "train_share": rows / sum(counts.values()),
            "balanced": max(counts.values()) == rows, "f1": {role: (m.get("per_class", {}).get(label) or {}).get("f1") for role, m in metrics.items()}}


SERVABLE = ("adapter", "baseline", "hybrid")
"""What an adapter folder with a hybrid holds: the adapter, the TF-IDF model (``tfidf/``) and the
blend weight; the served model is the hybrid at its weight, at 1.0 (TF-IDF alone) or at 0.0 (the
adapter alone). A folder without a hybrid holds the adapter only."""
SERVED_WEIGHT = {"baseline": 1.0, "adapter": 0.0}
"""The TF-IDF weight that serves a single model from a hybrid folder."""


def validation_scores(val, baseline, frozen, clf, hybrid) -> dict[str, float]:
    """Every model's macro-F1 on the validation rows (classes present there; ``hybrid.macro_f1``).

    With a hybrid, TF-IDF's and the adapter's scores are its blend at weight 1.0 and 0.0 (the same
    probabilities, no second pass); the frozen base predicts the rows once more.
    """
    from workbench.usecases.legal_de.hybrid import macro_f1

    if val is None or not len(val):
        return {}
    texts, y = val["text"].tolist(), val["label"].tolist()
    out = {}
    if hybrid is not None:
        out["adapter"], out["hybrid"] = hybrid.val_by_weight_[0.0], hybrid.val_macro_f1_
        if baseline is not None:  # the hybrid's TF-IDF part is the baseline itself
            out["baseline"] = hybrid.val_by_weight_[1.0]
    else:
        out["adapter"] = macro_f1(y, clf.predict(texts))
        if baseline is not None:
            out["baseline"] = macro_f1(y, baseline.predict(texts))
    if frozen is not None:
        out["frozen_base"] = macro_f1(y, frozen.predict(texts))
    return out


def recommend(metrics: dict) -> dict:
    """The model to use, chosen on validation macro-F1 (:func:`workbench.metrics.recommendation`);
    the hybrid, whose weight was chosen on those rows, only when it is clearly better (> 1 %)."""
    from workbench.metrics import recommendation

    out = recommendation({k: v.get("val_macro_f1") for k, v in metrics.items()}, "validation macro-F1",
                         on="validation rows", lower_is_better=False, labels=dict(MODEL_ROWS), blend="hybrid")
    return out | {"criterion": "val_macro_f1"}


def run_experiment(config: RunConfig) -> dict:
    """Train and evaluate the baseline, the frozen base, the LoRA model and their hybrid on held-out data.

    Writes into ``config.run_dir()``: ``config.yaml`` and ``run_info.json`` (resolved config,
    library version, data fingerprint, which split was used), ``metrics.csv`` and ``checkpoints/``
    (training), ``adapter/`` (PEFT layout, head, label map, model card, the hashes of the texts it
    saw, the hybrid's TF-IDF part and ``serving.json``: the model recommended on the validation
    rows, which ``evaluate``/``predict`` serve) and ``results.json``. Every step prints a progress line with its duration.

    Args:
        config: A run config; ``config.task`` may be ``None`` (defaults are used).

    Returns:
        ``{"usecase", "metrics": {"baseline", "frozen_base", "adapter", "hybrid"}, "verdict",
        "recommendation" (chosen on validation macro-F1), "serving" (``serving.json``), "run_dir",
        "data", "labels", "adapter_dir", "param_count", "class_weighting", "truncation", "domain_adaptation",
        "minority_class", "examples", ...}``; each model's metrics hold ``per_class`` precision,
        recall, F1 and support; ``examples`` holds the test texts with the true label and every
        model's prediction (for the report and the widget).
    """
    from workbench.io import atomic_write_json, write_run_info
    from workbench.metrics import verdict
    from workbench.progress import emit, stage
    from workbench.usecases.legal_de.baselines import TfidfBaseline
    from workbench.usecases.legal_de.data import prepare_data
    from workbench.usecases.legal_de.inference import write_seen_texts
    from workbench.usecases.legal_de.model import FrozenBaseClassifier, LegalClauseClassifier
    from workbench.usecases.legal_de.task import count_truncated

    if config.task is None:
        config.task = LegalTaskArgs()
    task = config.task
    run_dir = config.run_dir()
    run_dir.mkdir(parents=True, exist_ok=True)
    started = _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")
    with stage("legal_de: loading the clauses"):
        train, val, test, data_info = prepare_data(config)
    emit(f"data: {data_info['source']}, {data_info['split']}; rows: "
         + ", ".join(f"{part} {n:,}" for part, n in data_info["rows"].items()))
    write_run_info(run_dir, config, data_info["fingerprint"], usecase=NAME, started=started, data=data_info)
    _audit("data_load", config=config.to_dict(), inputs={"data": data_info["source"]},
           fingerprint=data_info["fingerprint"], rows=data_info["rows"], split=data_info["split"])
    labels = data_info["labels"]
    metrics: dict[str, dict] = {}
    examples = {"text": test["text"].tolist(), "label": test["label"].tolist()}

    baseline = None
    if config.eval.baseline:
        baseline = TfidfBaseline.from_config(config).fit(train)  # the estimators print their own progress
        m = baseline.evaluate(test, labels=labels)
        examples["baseline"] = baseline.predict(test["text"])
        metrics["baseline"] = _summary(m)
    frozen = None
    if config.eval.frozen_base:
        frozen = FrozenBaseClassifier.from_config(config).fit(train, labels=labels)
        m = frozen.evaluate(test)
        examples["frozen_base"] = m.pop("predictions")
        metrics["frozen_base"] = _summary(m)

    clf = LegalClauseClassifier.from_config(config, run_dir=run_dir)
    clf.fit(train, val, probe=frozen)  # LP-FT: the head starts from the frozen-base probe
    truncation = {"max_length": task.max_length}
    for part, frame in (("train", train), ("test", test)):
        n = count_truncated(frame["text"].tolist(), clf.tokenizer_, task.max_length)
        truncation[part] = {"truncated": n, "rows": len(frame), "share": n / max(len(frame), 1)}
    if truncation["train"]["truncated"] or truncation["test"]["truncated"]:
        emit(f"{truncation['train']['share']:.0%} of the training clauses ({truncation['train']['truncated']} of "
             f"{len(train)}) and {truncation['test']['truncated']} of {len(test)} test clauses are longer than "
             f"max_length={task.max_length} tokens and were cut (raise task.max_length, up to 512, to keep them whole)")
    weighting = {"setting": task.class_weighting, "used": clf.class_weights_ is not None,
                 "weights": None if clf.class_weights_ is None else dict(zip(clf.labels_, clf.class_weights_))}
    m = clf.evaluate(test)
    examples["adapter"] = m.pop("predictions")
    metrics["adapter"] = _summary(m)
    hybrid = None
    if task.hybrid and len(val):
        hybrid = _fit_hybrid(clf, baseline, train, val, task.baseline_C, config.run.seed)
        m = hybrid.evaluate(test)
        examples["hybrid"] = m.pop("predictions")
        metrics["hybrid"] = _summary(m)
    for role, score in validation_scores(val, baseline, frozen, clf, hybrid).items():
        metrics[role]["val_macro_f1"] = score
    recommendation = recommend(metrics)
    _audit("train", config=config.to_dict(), outputs={"run_dir": str(run_dir)}, metrics=_headline(metrics))

    summary = verdict({k: v["macro_f1"] for k, v in metrics.items()}, "macro-F1", lower_is_better=False,
                      labels=dict(MODEL_ROWS))
    split_record = {"split": data_info["split"], "data_fingerprint": data_info["fingerprint"]}
    # The hybrid saves the adapter plus its TF-IDF part and blend weight; evaluate/predict then use it.
    adapter_dir = (hybrid or clf).save(run_dir / "adapter", extra={"metrics": _headline(metrics), **split_record})
    write_seen_texts(adapter_dir, [*train["text"], *val["text"]], test_texts=test["text"], **split_record)
    from workbench.serving import SERVING_FILE, serving_record

    # What evaluate/predict serve: the recommended model, where the folder holds it (a hybrid folder
    # holds TF-IDF and the adapter too), with the TF-IDF weight that serves it.
    serving = serving_record(recommendation, SERVABLE if hybrid is not None else ("adapter",),
                             chosen_on="validation rows (macro-F1)",
                             weight={**SERVED_WEIGHT, "hybrid": hybrid.weight_} if hybrid is not None else None)
    atomic_write_json(adapter_dir / SERVING_FILE, serving)
    _write_card(adapter_dir, config, clf, metrics, data_info)
    fit = clf.fit_result_
    result = {
        "usecase": NAME,
        "metrics": metrics,
        "verdict": summary["text"],
        "best_model": summary["best"],
        "recommendation": recommendation,
        "serving": serving,
        "run_dir": str(run_dir),
        "adapter_dir": str(adapter_dir),
        "data": data_info,
        "split": data_info.get("split_record"),
        "labels": labels,
        "param_count": {"trainable": clf.param_count_.trainable, "total": clf.param_count_.total},
        "class_weighting": weighting,
        "truncation": truncation,
        # The masked-LM step before the task LoRA (training texts only), or None when it was off.
        "domain_adaptation": (None if getattr(clf, "dapt_info_", None) is None
                              else {k: v for k, v in clf.dapt_info_.items() if k != "lora_state"}),
        "minority_class": minority_report(metrics, train["label"]),
        "training": {"seconds": fit.seconds, "samples_per_s": fit.samples_per_s, "epochs": fit.epochs,
                     "peak_memory_mb": fit.peak_memory_mb, "precision": fit.precision,
                     "accelerator": fit.accelerator, "best_checkpoint": fit.best_checkpoint,
                     "time_budget": fit.extra.get("time_budget")},
        "history": clf.history_.to_dict("list") if len(clf.history_) else {},
        "examples": examples,
    }
    atomic_write_json(run_dir / "results.json", result)
    write_run_info(run_dir, config, data_info["fingerprint"], usecase=NAME, started=started,
                   finished=_dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"), data=data_info,
                   metrics=_headline(metrics), truncation=truncation, class_weighting=weighting["used"])
    emit(summary["text"])
    emit(recommendation["text"])
    return result


def _fit_hybrid(clf, baseline, train, val, tfidf_C: float, seed: int):
    """TF-IDF x adapter blend, its weight chosen on the validation rows (the adapter is already fitted)."""
    from workbench.progress import stage
    from workbench.usecases.legal_de.hybrid import HybridClauseClassifier

    with stage(f"hybrid: choosing the TF-IDF x LoRA blend weight on {len(val):,} validation texts"):
        return HybridClauseClassifier(clf, tfidf_C=tfidf_C, seed=seed).fit(train, val, tfidf=baseline)


def _write_card(adapter_dir: Path, config: RunConfig, clf, metrics: dict, data_info: dict) -> None:
    """Model card beside the adapter (the governance module's writer when it is there)."""
    info = {
        "name": f"{NAME}-{config.run.name}", "base_model": clf._base_id(), "usecase": NAME,
        "task": "text-classification", "language": "de", "labels": clf.labels_,
        "datasets": [{"name": data_info["source"], "fingerprint": data_info["fingerprint"],
                      "rows": sum(data_info["rows"].values()), "split": data_info["split"]}],
        "metrics": _headline(metrics),
        "compute": {"seconds": clf.fit_result_.seconds, "accelerator": clf.fit_result_.accelerator,
                    "precision": clf.fit_result_.precision},
        "limitations": ("MiniLM's vocabulary is English: German words split into many pieces. "
                        "Compare with the TF-IDF row before relying on the adapter."),
    }
    try:
        from workbench.governance.modelcard import write_model_card
    except ImportError:
        from workbench.io import atomic_write_text

        rows = "\n".join(f"| {name} | {metrics[key]['accuracy']:.3f} | {metrics[key]['macro_f1']:.3f} |"
                         for key, name in MODEL_ROWS if key in metrics)
        atomic_write_text(adapter_dir / "README.md", f"# {info['name']}\n\nLoRA adapter for German clause "
                          f"classification on `{info['base_model']}`.\n\n| model | accuracy | macro-F1 |\n|---|---|---|\n"
                          f"{rows}\n\n{info['limitations']}\n")
        return
    write_model_card(adapter_dir, info)
