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

from typing import Any

from workbench.config import RunConfig
from workbench.usecases.legal_de.config import LegalTaskArgs, default_config

NAME = "legal_de"
TITLE = "German legal clauses (clause types, MiniLM + LoRA vs TF-IDF)"
TaskArgs = LegalTaskArgs
# Options of `workbench train/evaluate/predict` this use case uses (others are refused: workbench.cli.check_options).
CLI_OPTIONS = frozenset({"train", "val", "test", "data", "text_column", "label_column", "format", "sep", "encoding", "base_model", "allow_download"})

__all__ = ["NAME", "TaskArgs", "LegalTaskArgs", "default_config", "run_experiment", "report_section",
           "evaluate_adapter", "predict_file",
           "DataError", "load_labelled_text", "prepare_data"]

# Rows of the comparison, in display order, with the names a reader sees.
MODEL_ROWS = (("baseline", "TF-IDF + logistic regression"),
              ("frozen_base", "Frozen base + linear head (LR on mean-pooled embeddings)"),
              ("adapter", "LoRA fine-tuned"),
              ("hybrid", "Hybrid: TF-IDF x LoRA (blend weight chosen on validation)"))


def __getattr__(name: str) -> Any:
    # The data helpers on first use: they import pandas, and ``workbench`` imports this package on
    # every call to look for CLI verbs (``workbench audit verify`` should not wait for pandas).
    if name in ("DataError", "load_labelled_text", "prepare_data"):
        from workbench.usecases.legal_de import data

        return getattr(data, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def run_experiment(config: RunConfig) -> dict:
    """Train and evaluate baseline, frozen base and LoRA adapter on held-out clauses (see ``experiment``)."""
    from workbench.usecases.legal_de.experiment import run_experiment as _run

    return _run(config)


def minority_report(metrics: dict, train_labels) -> dict:
    """F1 of the class with the fewest training rows, for every model (see ``experiment``)."""
    from workbench.usecases.legal_de.experiment import minority_report as _report

    return _report(metrics, train_labels)


def evaluate_adapter(config: RunConfig, adapter_dir: str) -> dict:
    """Score a saved adapter on held-out rows only (``workbench evaluate``).

    See :func:`workbench.usecases.legal_de.inference.evaluate_adapter`: the test rows of the
    recorded split, or every row of a file the adapter never saw; a missing folder or a foreign
    adapter is a clear error.
    """
    from workbench.usecases.legal_de import inference

    return inference.evaluate_adapter(config, adapter_dir)


def predict_file(config: RunConfig, adapter_dir: str, input_path: str, output_path: str) -> str:
    """Classify the texts of a file; every input column is kept, prediction columns are added.

    See :func:`workbench.usecases.legal_de.inference.predict_file`.
    """
    from workbench.usecases.legal_de import inference

    return inference.predict_file(config, adapter_dir, input_path, output_path)


def comparison_rows(result: dict) -> list[dict]:
    """The comparison table as rows: model, accuracy, macro-F1, minority-class F1, training seconds."""
    minority = result.get("minority_class") or {}
    rows = []
    for key, name in MODEL_ROWS:
        m = result["metrics"].get(key)
        if m:
            rows.append({"key": key, "model": name, "accuracy": m["accuracy"], "macro_f1": m["macro_f1"],
                         "minority_f1": (minority.get("f1") or {}).get(key),
                         "train_seconds": m.get("train_seconds")})
    return rows


def per_class_rows(result: dict) -> list[dict]:
    """One row per class and model: precision, recall, F1 and support on the test rows."""
    rows = []
    for key, name in MODEL_ROWS:
        for label, v in (result["metrics"].get(key, {}).get("per_class") or {}).items():
            rows.append({"model": name, "class": label, **v})
    return rows


def result_verdict(result: dict) -> str:
    """The honest one-line summary of a run (macro-F1), also for results saved before it existed."""
    from workbench.metrics import verdict

    return verdict({k: v["macro_f1"] for k, v in result["metrics"].items()}, "macro-F1", lower_is_better=False,
                   labels=dict(MODEL_ROWS))["text"]


def report_section(result: dict) -> str:
    """HTML fragment for the demo report: tables, bar chart, confusion matrices, then the verdict.

    The plotly figures are embedded without plotly.js (``include_plotlyjs=False``); the page
    that holds the fragment loads plotly.js once. Numbers are rounded, nothing is shown as a
    Python dict, and the fragment ends with the verdict line (macro-F1) naming the best model.
    """
    import pandas as pd

    from workbench.report import escape, figure_html, summary_html, table_html
    from workbench.widgets.figures import comparison_figure, confusion_matrix_figure

    rows = comparison_rows(result)
    minority = result.get("minority_class") or {}
    skewed = bool(minority) and not minority.get("balanced")
    val = {key: (result["metrics"].get(key) or {}).get("val_macro_f1") for key, _ in MODEL_ROWS}
    table = pd.DataFrame([{"model": r["model"], "accuracy": r["accuracy"], "macro-F1": r["macro_f1"],
                           **({f"F1 of {minority['label']} (smallest class)": r["minority_f1"]} if skewed else {}),
                           **({"validation macro-F1": val[r["key"]]} if any(v is not None for v in val.values()) else {}),
                           "training s": r["train_seconds"]}
                          for r in rows]).set_index("model").rename_axis(None)  # one header row
    data = result.get("data", {})
    rows_text = ", ".join(f"{k} {v:,}" for k, v in (data.get("rows") or {}).items())
    params = result.get("param_count") or {}
    params_text = (f"{params['trainable']:,} of {params['total']:,} ({params['trainable'] / params['total']:.2%})"
                   if params.get("total") else "–")
    trunc = result.get("truncation") or {}
    weighting = result.get("class_weighting") or {}
    facts = [f"Data: {escape(data.get('source', '?'))} ({escape(data.get('split', 'split not recorded'))}); "
             f"rows: {escape(rows_text)}; fingerprint <code>{escape(str(data.get('fingerprint', ''))[:23])}</code>.",
             f"Trainable parameters: {escape(params_text)}."]
    if skewed:
        facts.append(f"Smallest class in training: {escape(minority['label'])} ({minority['train_rows']:,} rows, "
                     f"{minority['train_share']:.1%}); its F1 is in the table.")
    elif minority:
        facts.append(f"Every class has {minority['train_rows']:,} training rows (balanced).")
    if weighting:
        facts.append("LoRA loss: " + ("balanced class weights." if weighting.get("used") else "unweighted (classes balanced)."))
    if trunc.get("train"):
        facts.append(f"Texts cut at max_length={trunc['max_length']} tokens: {trunc['train']['share']:.0%} of training, "
                     f"{trunc['test']['share']:.0%} of test clauses.")
    parts = ["<p>" + "<br>".join(facts) + "</p>", table_html(table),
             figure_html(comparison_figure(result["metrics"], "macro_f1"))]
    if per_class_rows(result):
        from workbench.usecases.legal_de.widgets import per_class_table

        ordered = {key: result["metrics"][key] for key, _ in MODEL_ROWS if key in result["metrics"]}
        frame = per_class_table(ordered, labels=result.get("labels"), names=dict(MODEL_ROWS))
        parts += ["<h4>F1 per class (test rows)</h4>", table_html(frame)]
    for key, name in MODEL_ROWS:
        m = result["metrics"].get(key)
        if m and m.get("confusion_matrix"):
            fig = confusion_matrix_figure(m["confusion_matrix"], m["labels"], title=f"Confusion matrix: {name}")
            parts.append(figure_html(fig))
    rec, serving = result.get("recommendation") or {}, result.get("serving") or {}
    if rec.get("text"):
        served = dict(MODEL_ROWS).get(serving.get("served"), serving.get("served"))
        parts.append(f"<p class='verdict'><strong>{escape(rec['text'])}</strong></p>"
                     + (f"<p class='note'>workbench evaluate/predict serve: {escape(served)}"
                        f"{' (' + escape(serving['note']) + ')' if serving.get('note') else ''}; "
                        "task.serve chooses another.</p>" if serving else ""))
    parts.append(summary_html(result.get("verdict") or result_verdict(result)))
    return "\n".join(parts)
