"""Using a saved clause adapter: honest evaluation on unseen rows, and predictions for a file.

``workbench evaluate`` and ``workbench predict`` call these (through the use case's
``evaluate_adapter`` and ``predict_file``). What makes evaluation honest:

* ``run_experiment`` writes ``seen_texts.json`` into the adapter folder: the split that was
  used, the training file's fingerprint and a short hash (sha256, first 16 hex digits) of every
  training, validation and test text. The texts themselves are not stored.
* :func:`evaluate_adapter` scores only rows the adapter did not see: a file with a ``split``
  column is scored on its ``test`` rows; the training file itself on exactly the run's test rows;
  any other file on every row whose text was not used in training or validation (a test-only
  file: every row). The shipped sample is scored on its held-out template families.
* Which model is served: the one the training run recommended on its validation rows
  (``serving.json``: TF-IDF, the adapter or their hybrid, all held by a hybrid folder), unless
  ``task.serve`` names one (:func:`serving_plan`).
* An adapter whose labels do not match the data's labels (a "foreign" adapter, trained for
  another label set) is an error when no label is shared and a warning when some are missing,
  instead of a silent score of 0.0.

Usage::

    from workbench.usecases.legal_de.inference import evaluate_adapter, predict_file
    evaluate_adapter(cfg, "runs/legal_de/adapter")      # {"accuracy", "macro_f1", ..., "scored_rows", "selection"}
    predict_file(cfg, "runs/legal_de/adapter", "neu.csv", "neu.pred.csv")
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Iterable

import pandas as pd

# The seen-text record is core (legal_ner uses it too); re-exported here for older imports.
from workbench.splits import SEEN_FILE, text_hash, write_seen_texts  # noqa: F401
from workbench.splits import SplitError, read_seen_texts, select_unseen_texts
from workbench.usecases.legal_de.data import DataError


def check_adapter_dir(adapter_dir: str | Path) -> Path:
    """The adapter folder as a path; a clear error when it is missing or is not a clause adapter.

    Raises:
        FileNotFoundError: ``adapter folder not found: <path>``, or the folder lacks the files of
            a legal_de adapter (which ones is said).
    """
    from workbench.serving import adapter_folder

    return adapter_folder(adapter_dir, "legal_de", needs=("adapter_config.json", "label_map.json"))


def check_labels(adapter_labels: list[str], data_labels: Iterable[str], adapter_dir: Path, source: str) -> list[str]:
    """Compare the adapter's label map with the labels of the data to score.

    Returns:
        The data labels the adapter does not know (scored as errors; a warning line says so).

    Raises:
        DataError: The adapter knows none of the data's labels (a foreign adapter).
    """
    from workbench.progress import emit

    data_labels = sorted({str(x) for x in data_labels})
    unknown = [x for x in data_labels if x not in adapter_labels]
    if unknown and len(unknown) == len(data_labels):
        raise DataError(f"the adapter {adapter_dir} was trained for the labels {adapter_labels}, but {source} has "
                        f"the labels {data_labels}: none match, so every prediction would count as wrong. Use the "
                        "adapter trained on this label set, or choose the right label column (--label-column)")
    if unknown:
        emit(f"warning: {source} has labels the adapter {adapter_dir} never learned: {unknown}; their rows are "
             "scored as errors")
    return unknown


def select_unseen(frame: pd.DataFrame, seen: dict | None, fingerprint: str | None = None) -> tuple[pd.DataFrame, str]:
    """The rows of a labelled frame to score, and a description of the choice.

    Args:
        frame: The labelled rows (``text``, ``label``, optional ``split``).
        seen: The adapter's ``seen_texts.json`` (``None`` for adapters saved without it).
        fingerprint: The file's fingerprint: when it is the training file's, exactly the run's
            test rows are scored.
    """
    if "split" in frame.columns:
        test = frame[frame["split"] == "test"]
        if len(test):
            return test.reset_index(drop=True), f"file split column: {len(test)} test rows"
        if seen is None:
            raise DataError("the file's split column has no test rows; mark the held-out rows with split=test")
    try:
        keep, _, selection = select_unseen_texts(frame["text"].tolist(), seen, fingerprint, unit="rows")
    except SplitError:
        raise DataError(f"every row of the file was used to train or validate this adapter ({seen.get('split')}); "
                        "scoring them would overstate its quality. Evaluate on held-out rows") from None
    return frame.iloc[keep].reset_index(drop=True), selection


def evaluate_adapter(config, adapter_dir: str | Path) -> dict:
    """Score a saved adapter on rows it did not see (see the module docstring).

    Args:
        config: The run config; ``data.path`` empty means the shipped sample's held-out families.
        adapter_dir: The adapter folder of a run.

    Returns:
        Accuracy, macro-F1, per-class report and confusion matrix, plus ``scored_rows`` and
        ``selection`` (which rows were scored and why).

    Raises:
        FileNotFoundError: ``adapter folder not found: ...``.
        DataError: The data cannot be read, or the adapter is foreign to its labels.
    """
    from workbench.progress import stage
    from workbench.usecases.legal_de.experiment import _audit, _summary
    from workbench.usecases.legal_de.data import load_labelled_text, prepare_data
    from workbench.usecases.legal_de.hybrid import blend
    from workbench.usecases.legal_de.model import LegalClauseClassifier
    from workbench.usecases.legal_de.task import classification_metrics

    path = check_adapter_dir(adapter_dir)
    seen = read_seen_texts(path)
    with stage("legal_de: loading the data to score"):
        if config.data.path:
            cols = dict(config.data.columns or {})
            frame = load_labelled_text(config.data.path, text_column=cols.get("text", "text"),
                                       label_column=cols.get("label", "label"), format=config.data.format,
                                       max_rows=config.data.max_rows, encoding=getattr(config.data, "encoding", None),
                                       sep=getattr(config.data, "sep", None))
            from workbench.io import fingerprint_file

            fingerprint = fingerprint_file(config.data.path)
            test, selection = select_unseen(frame, seen, fingerprint)
            source = str(config.data.path)
        else:
            _, _, test, info = prepare_data(config)
            selection, source, fingerprint = f"{info['split']}: {len(test)} test rows", info["source"], info["fingerprint"]
    labels = json.loads((path / "label_map.json").read_text(encoding="utf-8"))["id2label"]
    check_labels([labels[str(i)] for i in range(len(labels))], test["label"], path, source)
    with stage("loading the adapter"):
        clf = load_classifier(path, config)
    if isinstance(clf, LegalClauseClassifier):
        metrics = _summary(clf.evaluate(test))  # prints its own progress line
    else:  # the served blend (a hybrid folder), and the adapter alone beside it (the same encoder pass)
        p_t, p_a = clf.components(test["text"].tolist())
        truth = test["label"].tolist()
        known = clf.labels_ + sorted(set(truth) - set(clf.labels_))
        metrics = _summary(classification_metrics(truth, [clf.labels_[i] for i in blend(p_t, p_a, clf.weight_).argmax(1)],
                                                  known))
        alone = classification_metrics(truth, [clf.labels_[i] for i in p_a.argmax(1)], known)
        metrics.update({"blend_weight": clf.weight_, "adapter_alone": {k: alone[k] for k in ("accuracy", "macro_f1")}})
    plan = clf.serving_
    metrics.update({"model": plan["served"], "recommended": plan["recommended"], "serving_note": plan["note"],
                    "scored_rows": len(test), "selection": selection})
    _audit("evaluate", inputs={"adapter": path}, data_fingerprint=fingerprint, selection=selection,
           model=metrics["model"], metrics={k: metrics[k] for k in ("accuracy", "macro_f1") if k in metrics})
    return metrics


def serving_plan(adapter_dir: str | Path, config) -> dict:
    """Which model an adapter folder serves (:func:`workbench.serving.serving_plan`) and the TF-IDF
    weight of the blend that serves it (``weight``: 1.0 TF-IDF alone, 0.0 the adapter alone; None
    for a folder without a hybrid, which serves the adapter).

    A hybrid folder of a run before ``serving.json`` serves the hybrid, as it did then.

    Raises:
        ValueError: ``task.serve`` names a model the folder does not hold.
    """
    from workbench.serving import serving_plan as plan_for
    from workbench.usecases.legal_de.experiment import SERVED_WEIGHT
    from workbench.usecases.legal_de.hybrid import HYBRID_META

    path = Path(adapter_dir)
    hybrid = (path / HYBRID_META).is_file()

    def missing(served: str, record: dict) -> str | None:
        if served != "adapter" and not hybrid:
            return (f"holds no hybrid ({HYBRID_META}, tfidf/): the run had task.hybrid=false or no validation "
                    "rows; use task.serve=adapter")
        return None

    want = getattr(config.task, "serve", "recommended")
    plan = plan_for(path, want, missing)
    record = plan.pop("record")
    if hybrid and not record and want == "recommended":
        plan["served"] = "hybrid"  # an older hybrid folder: its model was the hybrid
    if not hybrid:
        return plan | {"weight": None}
    # The run wrote the weight that serves each model; a folder from before serving.json gets the
    # same map from the hybrid's own weight.
    weights = record.get("weight") or {
        **SERVED_WEIGHT, "hybrid": json.loads((path / HYBRID_META).read_text(encoding="utf-8"))["weight"]}
    return plan | {"weight": float(weights[plan["served"]])}


def load_classifier(adapter_dir: str | Path, config):
    """The model an adapter folder serves (:func:`serving_plan`), with ``serving_`` (the plan) set.

    A hybrid folder (``task.hybrid``, default true) holds the adapter, TF-IDF and the blend weight:
    the served model is the hybrid at the run's weight (chosen on validation rows), at 1.0 (TF-IDF
    alone) or at 0.0 (the adapter alone), whichever the run recommended or ``task.serve`` names.
    Older folders and ``task.hybrid=false`` runs hold the adapter only.
    """
    from workbench.progress import emit
    from workbench.usecases.legal_de import MODEL_ROWS
    from workbench.usecases.legal_de.hybrid import HybridClauseClassifier
    from workbench.usecases.legal_de.model import LegalClauseClassifier

    path = check_adapter_dir(adapter_dir)
    plan = serving_plan(path, config)
    kwargs = {"base_model": config.model.base_model, "allow_download": config.model.allow_download}
    if plan["weight"] is None:
        clf = LegalClauseClassifier.load(path, **kwargs)
    else:
        clf = HybridClauseClassifier.load(path, **kwargs)
        clf.weight_ = plan["weight"]
    clf.serving_ = plan
    emit(f"serving {dict(MODEL_ROWS)[plan['served']]} from {path}" + (f" ({plan['note']})" if plan["note"] else ""))
    return clf


def predict_file(config, adapter_dir: str | Path, input_path: str | Path, output_path: str | Path) -> str:
    """Classify the texts of a file and write it back as CSV with prediction columns added.

    Every input column is kept in its order (ids, dates, anything); ``prediction``, ``model`` (which
    model made it: ``hybrid``, ``baseline`` or ``adapter``, see :func:`serving_plan`) and one
    ``p_<label>`` probability column per label are appended. The text column is
    ``config.data.columns["text"]`` (default ``text``); a label column is not needed.

    Raises:
        FileNotFoundError: ``adapter folder not found: ...`` or the input file is missing.
        DataError: The text column is missing or has empty texts, or the file already has a
            column with one of the names to add.
    """
    from workbench.io import atomic_write_text
    from workbench.progress import stage
    from workbench.usecases.legal_de.experiment import _audit
    from workbench.usecases.legal_de.data import read_table

    path = check_adapter_dir(adapter_dir)
    column = (config.data.columns or {}).get("text", "text")
    with stage(f"reading {input_path}"):
        frame = read_table(Path(input_path), format=config.data.format, encoding=getattr(config.data, "encoding", None),
                           sep=getattr(config.data, "sep", None))
    if column not in frame.columns:
        raise DataError(f"{input_path}: text column {column!r} not found; the file has columns "
                        f"{list(map(str, frame.columns))} (choose it with --text-column NAME)")
    texts = frame[column].fillna("").astype(str).str.strip()
    empty = texts.eq("")
    if empty.any():
        raise DataError(f"{input_path}: column {column!r} has {int(empty.sum())} empty text(s), first at data row "
                        f"{int(empty[empty].index[0]) + 1}")
    clf = load_classifier(path, config)
    added = ["prediction", "model", *(f"p_{label}" for label in clf.labels_)]
    clash = [c for c in added if c in frame.columns]
    if clash:
        raise DataError(f"{input_path}: the file already has the column(s) {clash} that predict adds; rename them")
    with stage(f"predicting {len(frame)} rows"):
        proba = clf.predict_proba(list(texts))
    out = frame.copy()
    out["prediction"] = [clf.labels_[i] for i in proba.argmax(1)]
    out["model"] = clf.serving_["served"]  # which model made these labels, in the file itself
    for i, label in enumerate(clf.labels_):
        out[f"p_{label}"] = proba[:, i].round(6)
    atomic_write_text(output_path, out.to_csv(index=False))
    _audit("predict", inputs={"adapter": path, "data": Path(input_path)},
           outputs={"predictions": Path(output_path)}, rows=len(out),
           model=clf.serving_["served"])
    return str(output_path)
