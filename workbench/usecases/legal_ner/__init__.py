"""German legal entity recognition (LER classes): CRF, frozen base and LoRA tagger side by side.

The use-case contract of ``docs/architecture.md``: :data:`NAME`, :data:`TaskArgs`,
:func:`default_config`, :func:`run_experiment`, :func:`report_section`, plus
:func:`evaluate_adapter` and :func:`predict_file` for ``workbench evaluate/predict``.

Usage::

    from workbench.usecases import legal_ner
    cfg = legal_ner.default_config(smoke=True)
    cfg.data.train, cfg.data.test = "train.conll", "test.conll"   # or leave empty: generated data
    result = legal_ner.run_experiment(cfg)
    result["metrics"]["adapter"]["per_class"]["NRM"]["f1"]
"""

from __future__ import annotations

from workbench.config import RunConfig
from workbench.usecases.legal_ner.config import NerTaskArgs, default_config

NAME = "legal_ner"
TITLE = "German legal entities (LER classes; CRF vs MiniLM + LoRA)"
TaskArgs = NerTaskArgs
# Options of `workbench train/evaluate/predict` this use case uses (others are refused: workbench.cli.check_options).
CLI_OPTIONS = frozenset({"data", "train", "val", "test", "format", "base_model", "allow_download"})
CLI_INSTEAD = {
    "text_column": "--train a.conll (CoNLL: one 'word tag' line per token; JSONL: tokens and tags)",
    "label_column": "--train a.conll (the tag is the last CoNLL column, or 'tags' in JSONL)",
    "column": "--train a.conll --val b.conll --test c.conll",
    "sep": "--format conll (columns separated by whitespace)",
    "encoding": "--train a.conll (files are read as UTF-8)",
}

__all__ = ["NAME", "TaskArgs", "NerTaskArgs", "default_config", "run_experiment", "report_section",
           "evaluate_adapter", "predict_file", "load_tagger"]


def run_experiment(config: RunConfig) -> dict:
    """Train and score CRF, frozen base and LoRA tagger on held-out sentences (see ``experiment``)."""
    from workbench.usecases.legal_ner.experiment import run_experiment as _run

    return _run(config)


def evaluate_adapter(config: RunConfig, adapter_dir: str) -> dict:
    """Entity F1 of a saved tagger on held-out sentences (see ``inference``)."""
    from workbench.usecases.legal_ner import inference

    return inference.evaluate_adapter(config, adapter_dir)


def predict_file(config: RunConfig, adapter_dir: str, input_path: str, output_path: str) -> str:
    """Tag a CoNLL, JSONL or plain-text file and write CoNLL or JSONL (see ``inference``)."""
    from workbench.usecases.legal_ner import inference

    return inference.predict_file(config, adapter_dir, input_path, output_path)


def load_tagger(adapter_dir: str, config: RunConfig | None = None):
    """The tagger a saved run serves: the model it recommended on validation sentences (see ``inference``)."""
    from workbench.usecases.legal_ner import inference

    return inference.load_tagger(adapter_dir, config)


def report_section(result: dict) -> str:
    """HTML fragment for the demo report: headline table, F1 per class, then the verdict line."""
    import pandas as pd

    from workbench.report import escape, summary_html, table_html
    from workbench.usecases.legal_ner.experiment import MODEL_ROWS

    names = dict(MODEL_ROWS)
    m = result["metrics"]
    head = pd.DataFrame([{"model": names[k], "validation micro-F1": m[k].get("val_micro_f1"),
                          "entity micro-F1": m[k]["micro_f1"], "entity macro-F1": m[k]["macro_f1"],
                          "training s": m[k].get("train_seconds")} for k, _ in MODEL_ROWS if k in m]
                        ).set_index("model").rename_axis(None)
    classes = sorted({c for k in m for c in m[k].get("per_class", {})})
    per_class = pd.DataFrame({names[k]: {c: m[k]["per_class"].get(c, {}).get("f1") for c in classes}
                              for k, _ in MODEL_ROWS if k in m}).rename_axis(None)
    support = {c: max(m[k]["per_class"].get(c, {}).get("support", 0) for k in m) for c in classes}
    per_class.insert(0, "test entities", pd.Series(support))
    data = result.get("data", {})
    facts = (f"Data: {escape(str(data.get('source', '?')))}; {escape(str(data.get('split', '')))}; "
             f"tag set: {escape(str(result.get('tagset', '?')))}. Entity F1 follows seqeval (exact type and bounds).")
    recommended = (result.get("recommendation") or {}).get("text")
    return "\n".join([f"<p>{facts} The model to use is chosen on the validation sentences; the test columns "
                      "are read once, to score.</p>", table_html(head), "<h4>Entity F1 per class (test sentences)</h4>",
                      table_html(per_class), *([summary_html(recommended)] if recommended else []),
                      summary_html(result["verdict"])])
