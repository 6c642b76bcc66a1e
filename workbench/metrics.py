"""Metric functions shared by the use cases: pure functions ``metric(y_true, y_pred) -> float``.

They take numpy arrays, lists or tensors, never change their inputs, and raise a clear
``ValueError`` for mismatched shapes or empty input, instead of returning NaN silently.
Use-case metrics that only one use case needs (NASA score, pinball loss...) live in that use
case until a second one needs them.

Usage::

    from workbench.metrics import accuracy, macro_f1, confusion_matrix, rmse
    accuracy([0, 1, 1], [0, 1, 0])          # 0.666...
"""

from __future__ import annotations

from typing import Any, Mapping, Sequence

import numpy as np


def _arrays(y_true: Any, y_pred: Any) -> tuple[np.ndarray, np.ndarray]:
    def conv(x: Any) -> np.ndarray:
        if hasattr(x, "detach"):
            x = x.detach().cpu().numpy()
        return np.asarray(x)

    t, p = conv(y_true), conv(y_pred)
    if t.shape[0] != p.shape[0]:
        raise ValueError(f"y_true has {t.shape[0]} entries but y_pred has {p.shape[0]}")
    if t.shape[0] == 0:
        raise ValueError("cannot score an empty set: y_true and y_pred are empty")
    return t, p


def accuracy(y_true: Any, y_pred: Any) -> float:
    """Share of exact matches."""
    t, p = _arrays(y_true, y_pred)
    return float(np.mean(t == p))


def confusion_matrix(y_true: Any, y_pred: Any, n_classes: int | None = None) -> np.ndarray:
    """Counts ``C[i, j]`` of true class ``i`` predicted as ``j`` (integer labels ``0..n-1``)."""
    t, p = _arrays(y_true, y_pred)
    t, p = t.astype(int), p.astype(int)
    n = n_classes if n_classes is not None else int(max(t.max(), p.max())) + 1
    if t.min() < 0 or p.min() < 0 or t.max() >= n or p.max() >= n:
        raise ValueError(f"labels must be integers in [0, {n}), got values outside")
    cm = np.zeros((n, n), dtype=np.int64)
    np.add.at(cm, (t, p), 1)
    return cm


def per_class_f1(y_true: Any, y_pred: Any, n_classes: int | None = None) -> np.ndarray:
    """F1 of each class; a class with neither true nor predicted members scores NaN."""
    cm = confusion_matrix(y_true, y_pred, n_classes)
    tp = np.diag(cm).astype(float)
    fp, fn = cm.sum(0) - tp, cm.sum(1) - tp
    denom = 2 * tp + fp + fn
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(denom > 0, 2 * tp / np.where(denom > 0, denom, 1), np.nan)


def macro_f1(y_true: Any, y_pred: Any, n_classes: int | None = None) -> float:
    """Unweighted mean F1 over the classes present in ``y_true`` or ``y_pred`` (scikit-learn's
    ``f1_score(average="macro")`` on the union of labels)."""
    f1 = per_class_f1(y_true, y_pred, n_classes)
    return float(np.nanmean(f1)) if np.any(~np.isnan(f1)) else 0.0


def precision_recall_f1(y_true: Any, y_pred: Any) -> dict[str, float]:
    """Binary precision, recall and F1 for the positive class 1 (0 where undefined)."""
    t, p = _arrays(y_true, y_pred)
    t, p = t.astype(bool), p.astype(bool)
    tp, fp, fn = float(np.sum(t & p)), float(np.sum(~t & p)), float(np.sum(t & ~p))
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1}


def pr_auc(y_true: Any, scores: Any) -> float:
    """Area under the precision-recall curve (average precision, as scikit-learn computes it)."""
    t, s = _arrays(y_true, scores)
    t = t.astype(bool)
    if not t.any():
        raise ValueError("PR-AUC is undefined without positive examples in y_true")
    order = np.argsort(-s, kind="stable")
    t, s = t[order], s[order]
    # Thresholds at distinct scores only, so tied scores form one step.
    distinct = np.r_[np.where(np.diff(s))[0], t.size - 1]
    tps = np.cumsum(t)[distinct]
    fps = (distinct + 1) - tps
    precision = tps / (tps + fps)
    recall = tps / t.sum()
    recall_prev = np.r_[0.0, recall[:-1]]
    return float(np.sum((recall - recall_prev) * precision))


def rmse(y_true: Any, y_pred: Any) -> float:
    """Root mean squared error."""
    t, p = _arrays(y_true, y_pred)
    return float(np.sqrt(np.mean((t.astype(float) - p.astype(float)) ** 2)))


def mae(y_true: Any, y_pred: Any) -> float:
    """Mean absolute error."""
    t, p = _arrays(y_true, y_pred)
    return float(np.mean(np.abs(t.astype(float) - p.astype(float))))


def classification_report(y_true: Any, y_pred: Any, labels: Sequence[str]) -> dict[str, Any]:
    """Accuracy, macro-F1, per-class F1 and the confusion matrix in one JSON-ready dict."""
    n = len(labels)
    f1 = per_class_f1(y_true, y_pred, n)
    return {
        "accuracy": accuracy(y_true, y_pred),
        "macro_f1": macro_f1(y_true, y_pred, n),
        "per_class_f1": {label: (None if np.isnan(v) else float(v)) for label, v in zip(labels, f1)},
        "confusion_matrix": confusion_matrix(y_true, y_pred, n).tolist(),
        "labels": list(labels),
        "n": int(len(np.asarray(y_true))),
    }


def verdict(scores: Mapping[str, float], metric: str, *, lower_is_better: bool, adapter: str = "adapter",
            labels: Mapping[str, str] | None = None, rel_tol: float = 0.01) -> dict[str, Any]:
    """The honest summary line of a comparison: which model is best on this data, plainly.

    Every notebook, report section and CLI summary ends with this line, so a user never has to
    read a table to learn that a simple baseline beat the adapter. Scores within ``rel_tol`` of the
    best (relative) tie with it; when the adapter ties with a simpler model, the simpler model is
    recommended, since it is cheaper to run and to explain.

    Args:
        scores: Model key (``"baseline"``, ``"frozen_base"``, ``"adapter"``, ...) to its score;
            NaN or None scores are ignored.
        metric: The metric's display name ("RMSE", "macro-F1").
        lower_is_better: True for errors and costs, False for accuracies.
        adapter: The key of the LoRA adapter in ``scores``.
        labels: Display names per key (default: the key).
        rel_tol: Relative difference below which two scores count as a tie.

    Returns:
        ``{"best": key, "tied": [keys tied with the best], "adapter_best": bool, "text": str}``.

    Raises:
        ValueError: no finite score was given.
    """
    names = dict(labels or {})
    valid = {k: float(v) for k, v in scores.items() if v is not None and np.isfinite(float(v))}
    if not valid:
        raise ValueError(f"verdict: no finite {metric} score among {list(scores)}")
    sign = 1.0 if lower_is_better else -1.0
    order = sorted(valid, key=lambda k: sign * valid[k])
    top = order[0]
    scale = max(abs(valid[top]), 1e-12)
    tied = [k for k in order[1:] if abs(valid[k] - valid[top]) <= rel_tol * scale]
    # A tie between the adapter and a simpler model goes to the simpler model.
    best = top
    if top == adapter and tied:
        best = tied[0]
    name = lambda k: names.get(k, k)  # noqa: E731
    fmt = lambda k: f"{valid[k]:.4g}"  # noqa: E731
    cap = lambda k: name(k)[:1].upper() + name(k)[1:]  # noqa: E731  (starts a sentence)
    others = [k for k in order if k != best]
    if best == adapter:
        text = (f"Best model on this data: {name(adapter)} ({metric} {fmt(adapter)}), ahead of "
                + ", ".join(f"{name(k)} ({fmt(k)})" for k in others) + ".")
    elif adapter in valid and (adapter in tied or (top == adapter and best != adapter)):
        text = (f"Best model on this data: {name(best)} ({metric} {fmt(best)}). {cap(adapter)} ({fmt(adapter)}) "
                f"ties with it (within {rel_tol:.0%}): prefer the simpler {name(best)}.")
    elif adapter in valid:
        text = (f"Best model on this data: {name(best)} ({metric} {fmt(best)}). {cap(adapter)} ({fmt(adapter)}) "
                f"does not beat it.")
    else:
        text = f"Best model on this data: {name(best)} ({metric} {fmt(best)})."
    return {"best": best, "tied": tied, "adapter_best": best == adapter, "text": text}


def only_if_clearly_better(scores: Mapping[str, Any], key: str = "blend", *, lower_is_better: bool,
                           rel_tol: float = 0.01) -> dict[str, Any]:
    """``scores`` without ``key`` unless it beats every other finite score by more than ``rel_tol``.

    For a combination of models (a blend): it runs two models, so a tie goes to the simpler one (as
    :func:`verdict` does for the adapter), and where its weight was chosen it can only tie or win.
    """
    if scores.get(key) is None:
        return {k: v for k, v in scores.items() if k != key}
    others = [float(v) for k, v in scores.items() if k != key and v is not None and np.isfinite(float(v))]
    if not others:
        return dict(scores)
    best, b = (min(others), float(scores[key])) if lower_is_better else (max(others), float(scores[key]))
    clearly = b < best - rel_tol * abs(best) if lower_is_better else b > best + rel_tol * abs(best)
    return dict(scores) if clearly else {k: v for k, v in scores.items() if k != key}


def recommendation(scores: Mapping[str, Any], metric: str, *, on: str, lower_is_better: bool,
                   labels: Mapping[str, str] | None = None, blend: str | None = None) -> dict[str, Any]:
    """The model to use, chosen on validation data (never on the test data that is scored once).

    :func:`verdict` on validation scores, its text starting ``Recommended (chosen on {on}): ``. A
    ``blend`` key competes only when it is clearly better (:func:`only_if_clearly_better`).

    Returns:
        :func:`verdict`'s dict; ``best`` is None (and the text says so) when no score is finite.
    """
    if blend is not None:
        scores = only_if_clearly_better(scores, blend, lower_is_better=lower_is_better)
    if not any(v is not None and np.isfinite(float(v)) for v in scores.values()):
        return {"best": None, "tied": [], "adapter_best": False, "text": f"No scores on {on}: no recommendation."}
    out = verdict(scores, metric, lower_is_better=lower_is_better, labels=labels)
    out["text"] = f"Recommended (chosen on {on}): " + out["text"].removeprefix("Best model on this data: ")
    return out
