"""German legal clause classification: TF-IDF, frozen base and LoRA side by side.

The use-case contract of ``docs/architecture.md``: :data:`NAME`, :data:`TaskArgs`,
:func:`default_config`, :func:`run_experiment` and :func:`report_section`. The estimator for
notebook users is :class:`~workbench.usecases.legal_de.model.LegalClauseClassifier`.

Usage::

    from workbench.usecases import legal_de
    cfg = legal_de.default_config(smoke=True)
    result = legal_de.run_experiment(cfg)          # writes adapter/, results.json into cfg.run_dir()
    result["metrics"]["adapter"]["macro_f1"]
    html = legal_de.report_section(result)

With a user's own file::

    cfg.data.path = "klauseln.csv"; cfg.data.columns = {"text": "Klausel", "label": "Typ"}
"""

from __future__ import annotations

import datetime as _dt
from pathlib import Path
from typing import Any

from workbench.config import RunConfig
from workbench.usecases.legal_de.config import LegalTaskArgs, default_config

NAME = "legal_de"
TaskArgs = LegalTaskArgs

__all__ = ["NAME", "TaskArgs", "LegalTaskArgs", "default_config", "run_experiment", "report_section",
           "evaluate_adapter", "predict_file",
           "DataError", "load_labelled_text", "prepare_data"]

# Rows of the comparison, in display order, with the names a reader sees.
MODEL_ROWS = (("baseline", "TF-IDF + logistic regression"),
              ("frozen_base", "Frozen base + linear head (LR on mean-pooled embeddings)"),
              ("adapter", "LoRA fine-tuned"))


def __getattr__(name: str) -> Any:
    # The data helpers on first use: they import pandas, and ``workbench`` imports this package on
    # every call to look for CLI verbs (``workbench audit verify`` should not wait for pandas).
    if name in ("DataError", "load_labelled_text", "prepare_data"):
        from workbench.usecases.legal_de import data

        return getattr(data, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _audit(operation: str, **fields) -> None:
    try:
        from workbench.governance.audit import record_event
    except ImportError:  # governance is a core module, but keep the use case usable without it
        return
    record_event(operation, **fields)


def _summary(metrics: dict) -> dict:
    keep = ("accuracy", "macro_f1", "confusion_matrix", "labels", "n", "train_seconds", "predict_seconds",
            "samples_per_s")
    return {k: metrics[k] for k in keep if k in metrics}


def run_experiment(config: RunConfig) -> dict:
    """Train and evaluate the baseline, the frozen base and the LoRA model on held-out data.

    Writes into ``config.run_dir()``: ``config.yaml`` and ``run_info.json`` (resolved config,
    library version, data fingerprint), ``metrics.csv`` and ``checkpoints/`` (training),
    ``adapter/`` (PEFT layout, head, label map and model card) and ``results.json``.

    Args:
        config: A run config; ``config.task`` may be ``None`` (defaults are used).

    Returns:
        ``{"usecase", "metrics": {"baseline", "frozen_base", "adapter"}, "run_dir", "data",
        "labels", "adapter_dir", "param_count", "examples"}``; ``examples`` holds the test texts
        with the true label and every model's prediction (for the report and the widget).
    """
    from workbench.io import atomic_write_json, write_run_info
    from workbench.usecases.legal_de.baselines import TfidfBaseline
    from workbench.usecases.legal_de.data import prepare_data
    from workbench.usecases.legal_de.model import FrozenBaseClassifier, LegalClauseClassifier

    if config.task is None:
        config.task = LegalTaskArgs()
    task = config.task
    run_dir = config.run_dir()
    run_dir.mkdir(parents=True, exist_ok=True)
    started = _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")
    train, val, test, data_info = prepare_data(config)
    write_run_info(run_dir, config, data_info["fingerprint"], usecase=NAME, started=started, data=data_info)
    _audit("data_load", config=config.to_dict(), inputs={"data": data_info["source"]},
           fingerprint=data_info["fingerprint"], rows=data_info["rows"])
    labels = data_info["labels"]
    metrics: dict[str, dict] = {}
    examples = {"text": test["text"].tolist(), "label": test["label"].tolist()}

    if config.eval.baseline:
        baseline = TfidfBaseline(C=task.baseline_C, seed=config.run.seed).fit(train)
        m = baseline.evaluate(test, labels=labels)
        examples["baseline"] = baseline.predict(test["text"])
        metrics["baseline"] = _summary(m)
    frozen = None
    if config.eval.frozen_base:
        frozen = FrozenBaseClassifier(base_model=config.model.base_model, max_length=task.max_length, C=task.frozen_C,
                                      batch_size=config.eval.batch_size, seed=config.run.seed,
                                      allow_download=config.model.allow_download).fit(train, labels=labels)
        m = frozen.evaluate(test)
        examples["frozen_base"] = m.pop("predictions")
        metrics["frozen_base"] = _summary(m)

    clf = LegalClauseClassifier(
        base_model=config.model.base_model, lora=config.lora, train=config.train, max_length=task.max_length,
        eval_batch_size=config.eval.batch_size, class_weighting=task.class_weighting, seed=config.run.seed,
        run_dir=run_dir, resume=config.run.resume, allow_download=config.model.allow_download,
        trust_remote_code=config.model.trust_remote_code, head_init=task.head_init, probe_C=task.frozen_C,
    ).fit(train, val, probe=frozen)  # LP-FT: the head starts from the frozen-base probe
    m = clf.evaluate(test)
    examples["adapter"] = m.pop("predictions")
    metrics["adapter"] = _summary(m)
    _audit("train", config=config.to_dict(), outputs={"run_dir": str(run_dir)},
           metrics={k: {x: v[x] for x in ("accuracy", "macro_f1")} for k, v in metrics.items()})

    adapter_dir = clf.save(run_dir / "adapter", extra={"metrics": {k: {x: v[x] for x in ("accuracy", "macro_f1")}
                                                                   for k, v in metrics.items()}})
    _write_card(adapter_dir, config, clf, metrics, data_info)
    fit = clf.fit_result_
    result = {
        "usecase": NAME,
        "metrics": metrics,
        "run_dir": str(run_dir),
        "adapter_dir": str(adapter_dir),
        "data": data_info,
        "labels": labels,
        "param_count": {"trainable": clf.param_count_.trainable, "total": clf.param_count_.total},
        "training": {"seconds": fit.seconds, "samples_per_s": fit.samples_per_s, "epochs": fit.epochs,
                     "peak_memory_mb": fit.peak_memory_mb, "precision": fit.precision,
                     "accelerator": fit.accelerator, "best_checkpoint": fit.best_checkpoint},
        "history": clf.history_.to_dict("list") if len(clf.history_) else {},
        "examples": examples,
    }
    atomic_write_json(run_dir / "results.json", result)
    write_run_info(run_dir, config, data_info["fingerprint"], usecase=NAME, started=started,
                   finished=_dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"), data=data_info,
                   metrics={k: {x: v[x] for x in ("accuracy", "macro_f1")} for k, v in metrics.items()})
    return result


def _write_card(adapter_dir: Path, config: RunConfig, clf, metrics: dict, data_info: dict) -> None:
    """Model card beside the adapter (the governance module's writer when it is there)."""
    info = {
        "name": f"{NAME}-{config.run.name}", "base_model": clf._base_id(), "usecase": NAME,
        "task": "text-classification", "language": "de", "labels": clf.labels_,
        "datasets": [{"name": data_info["source"], "fingerprint": data_info["fingerprint"],
                      "rows": sum(data_info["rows"].values())}],
        "metrics": {k: {x: v[x] for x in ("accuracy", "macro_f1")} for k, v in metrics.items()},
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


def evaluate_adapter(config: RunConfig, adapter_dir: str) -> dict:
    """Score a saved adapter on the config's held-out test split (``workbench evaluate``).

    With ``config.data.path`` set, the test split of the user's file (same fixed split as in
    training); otherwise the shipped sample's held-out template families.
    """
    from workbench.usecases.legal_de.data import prepare_data
    from workbench.usecases.legal_de.model import LegalClauseClassifier

    _, _, test, info = prepare_data(config)
    clf = LegalClauseClassifier.load(adapter_dir, base_model=config.model.base_model,
                                     allow_download=config.model.allow_download)
    metrics = _summary(clf.evaluate(test))
    _audit("evaluate", inputs={"adapter": Path(adapter_dir)}, data_fingerprint=info.get("fingerprint"),
           metrics={k: metrics[k] for k in ("accuracy", "macro_f1") if k in metrics})
    return metrics


def predict_file(config: RunConfig, adapter_dir: str, input_path: str, output_path: str) -> str:
    """Classify the texts of a file and write ``text, prediction, p_<label>...`` as CSV.

    The input is read like training data (CSV/JSONL/Parquet); its text column is
    ``config.data.columns["text"]`` (default ``text``). A label column is not needed.
    """
    import pandas as pd

    from workbench.io import atomic_write_text
    from workbench.usecases.legal_de.data import DataError, read_table
    from workbench.usecases.legal_de.model import LegalClauseClassifier

    column = (config.data.columns or {}).get("text", "text")
    frame = read_table(Path(input_path), format=config.data.format)
    if column not in frame.columns:
        raise DataError(f"{input_path}: text column {column!r} not found; the file has columns "
                        f"{list(map(str, frame.columns))} (choose it with --text-column)")
    texts = frame[column].fillna("").astype(str).str.strip()
    empty = texts.eq("")
    if empty.any():
        raise DataError(f"{input_path}: column {column!r} has {int(empty.sum())} empty text(s), first at data row "
                        f"{int(empty[empty].index[0]) + 1}")
    clf = LegalClauseClassifier.load(adapter_dir, base_model=config.model.base_model,
                                     allow_download=config.model.allow_download)
    proba = clf.predict_proba(list(texts))
    out = pd.DataFrame({"text": texts, "prediction": [clf.labels_[i] for i in proba.argmax(1)]})
    for i, label in enumerate(clf.labels_):
        out[f"p_{label}"] = proba[:, i].round(6)
    atomic_write_text(output_path, out.to_csv(index=False))
    _audit("predict", inputs={"adapter": Path(adapter_dir), "data": Path(input_path)},
           outputs={"predictions": Path(output_path)}, rows=len(out))
    return str(output_path)


def comparison_rows(result: dict) -> list[dict]:
    """The comparison table as rows: model, accuracy, macro-F1, training seconds."""
    rows = []
    for key, name in MODEL_ROWS:
        m = result["metrics"].get(key)
        if m:
            rows.append({"key": key, "model": name, "accuracy": m["accuracy"], "macro_f1": m["macro_f1"],
                         "train_seconds": m.get("train_seconds")})
    return rows


def report_section(result: dict) -> str:
    """HTML fragment for the demo report: comparison table, bar chart and confusion matrices.

    The plotly figures are embedded without plotly.js (``include_plotlyjs=False``); the page
    that holds the fragment loads plotly.js once.
    """
    from workbench.report import escape, figure_html
    from workbench.widgets.figures import comparison_figure, confusion_matrix_figure

    rows = comparison_rows(result)
    best_other = max((r["macro_f1"] for r in rows if r["key"] != "adapter"), default=None)
    body = "".join(
        f"<tr><td>{escape(r['model'])}</td><td>{r['accuracy']:.3f}</td><td>{r['macro_f1']:.3f}</td>"
        f"<td>{'' if r['train_seconds'] is None else format(r['train_seconds'], '.1f')}</td></tr>" for r in rows)
    verdict = ""
    adapter = result["metrics"].get("adapter")
    if adapter and best_other is not None:
        diff = adapter["macro_f1"] - best_other
        verdict = (f"<p>The LoRA model is {abs(diff):.3f} macro-F1 {'above' if diff >= 0 else 'below'} the best "
                   "other model on held-out data.</p>")
    data = result.get("data", {})
    parts = [
        f"<p>Data: {escape(data.get('source', '?'))}, rows {escape(data.get('rows', ''))}; "
        f"fingerprint <code>{escape(str(data.get('fingerprint', ''))[:23])}</code>. "
        f"Trainable parameters: {escape(result.get('param_count', {}))}.</p>",
        "<table><thead><tr><th>model</th><th>accuracy</th><th>macro-F1</th><th>training s</th></tr></thead>"
        f"<tbody>{body}</tbody></table>", verdict,
        figure_html(comparison_figure(result["metrics"], "macro_f1")),
    ]
    for key, name in MODEL_ROWS:
        m = result["metrics"].get(key)
        if m and m.get("confusion_matrix"):
            fig = confusion_matrix_figure(m["confusion_matrix"], m["labels"], title=f"Confusion matrix: {name}")
            parts.append(figure_html(fig))
    return "\n".join(parts)
