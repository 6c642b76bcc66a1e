"""Reliability metrics: RUL error, the NASA score, failure detection and a maintenance-cost view.

Pure functions on numpy arrays, so they can be tested by hand and reused by widgets:

* :func:`nasa_score` -- the asymmetric scoring function of the PHM 2008 challenge (Saxena et al.
  2008): ``d = predicted - true``; ``exp(-d/13) - 1`` for early (``d < 0``) and ``exp(d/10) - 1``
  for late predictions, summed over engines. Late is punished harder: a late prediction means an
  engine flies past its replacement point.
* :func:`rul_metrics` -- RMSE, MAE and score on the last cycle of each test engine, against the
  raw RUL file and against the truth capped at 125 (both are reported; see STACK_NOTES).
* :func:`failure_metrics` -- precision, recall, F1 and PR-AUC for failure prediction.
* :func:`cost_curve` / :func:`best_threshold` -- expected maintenance cost of an alarm rule: a
  missed failure (no alarm, the engine fails within the horizon) costs ``cost_missed``, an alarm
  on an engine that would have run longer costs ``cost_early`` (parts and labour of an early
  replacement). The threshold with the lowest total cost is the operating point.

Usage::

    m = rul_metrics(y_true_last, y_pred_last)           # {"rmse": ..., "score": ..., "rmse_capped": ...}
    curve = cost_curve(-y_pred, y_true <= 30, cost_missed=10, cost_early=1)
"""

from __future__ import annotations

import numpy as np
import pandas as pd

RUL_CAP = 125


def rmse(y_true, y_pred) -> float:
    """Root mean squared error."""
    y_true, y_pred = np.asarray(y_true, float), np.asarray(y_pred, float)
    return float(np.sqrt(np.mean((y_pred - y_true) ** 2)))


def nasa_score(y_true, y_pred) -> float:
    """PHM 2008 asymmetric score (lower is better), summed over engines.

    ``d = y_pred - y_true``; ``s = exp(-d / 13) - 1`` if ``d < 0`` else ``exp(d / 10) - 1``
    (Saxena, Goebel, Simon, Eklund 2008, eq. 1).
    """
    d = np.asarray(y_pred, float) - np.asarray(y_true, float)
    return float(np.sum(np.where(d < 0, np.exp(-d / 13.0) - 1.0, np.exp(d / 10.0) - 1.0)))


def rul_metrics(y_true, y_pred, cap: int = RUL_CAP) -> dict[str, float]:
    """RUL metrics on one prediction per engine (its last observed cycle).

    Args:
        y_true: True RUL from the RUL file (raw, uncapped).
        y_pred: Predicted RUL.
        cap: Cap for the ``*_capped`` figures (truth clipped at ``cap``, as in most papers).

    Returns:
        ``rmse``, ``mae``, ``score`` against the raw truth; ``rmse_capped``, ``score_capped``
        against the capped truth; ``n`` engines.
    """
    y_true, y_pred = np.asarray(y_true, float), np.asarray(y_pred, float)
    capped = np.minimum(y_true, cap)
    return {
        "rmse": rmse(y_true, y_pred),
        "mae": float(np.mean(np.abs(y_pred - y_true))),
        "score": nasa_score(y_true, y_pred),
        "rmse_capped": rmse(capped, y_pred),
        "score_capped": nasa_score(capped, y_pred),
        "n": int(len(y_true)),
    }


def failure_metrics(y_true, score, threshold: float = 0.5) -> dict[str, float]:
    """Precision, recall, F1 at ``threshold`` and PR-AUC (average precision) of a failure score.

    Args:
        y_true: 1 = failure, 0 = no failure.
        score: Higher = more likely to fail (probability or any monotone score).
        threshold: Alarm when ``score >= threshold``.
    """
    from sklearn.metrics import average_precision_score, f1_score, precision_score, recall_score

    y_true = np.asarray(y_true).astype(int)
    score = np.asarray(score, float)
    pred = (score >= threshold).astype(int)
    has_pos = y_true.any()
    return {
        "precision": float(precision_score(y_true, pred, zero_division=0)),
        "recall": float(recall_score(y_true, pred, zero_division=0)),
        "f1": float(f1_score(y_true, pred, zero_division=0)),
        "pr_auc": float(average_precision_score(y_true, score)) if has_pos else float("nan"),
        "positives": int(y_true.sum()),
        "n": int(len(y_true)),
    }


def best_f1_threshold(y_true, score) -> float:
    """Threshold that maximises F1 (chosen on validation data, then applied to the test set)."""
    from sklearn.metrics import precision_recall_curve

    p, r, t = precision_recall_curve(np.asarray(y_true).astype(int), np.asarray(score, float))
    if len(t) == 0:
        return 0.5
    f1 = 2 * p[:-1] * r[:-1] / np.clip(p[:-1] + r[:-1], 1e-12, None)
    return float(t[int(np.argmax(f1))])


def confusion(y_true, alarm) -> dict[str, int]:
    """Counts ``tp`` (alarm, failure), ``fp`` (alarm, no failure), ``fn`` (missed), ``tn``."""
    y = np.asarray(y_true).astype(bool)
    a = np.asarray(alarm).astype(bool)
    return {"tp": int((a & y).sum()), "fp": int((a & ~y).sum()), "fn": int((~a & y).sum()), "tn": int((~a & ~y).sum())}


def cost_curve(risk, fails, *, cost_missed: float = 10.0, cost_early: float = 1.0,
               thresholds=None) -> pd.DataFrame:
    """Expected maintenance cost of "alarm when risk >= threshold" for every threshold.

    Args:
        risk: Higher = act sooner (e.g. ``-predicted_rul`` or a failure probability).
        fails: True where the engine fails within the decision horizon.
        cost_missed: Cost of a missed failure (unplanned outage, secondary damage).
        cost_early: Cost of an alarm on an engine that would have run on (early replacement,
            inspection).
        thresholds: Thresholds to evaluate (default: every distinct risk value, plus one above
            the maximum = never alarm).

    Returns:
        A frame with ``threshold, tp, fp, fn, tn, cost, cost_per_unit``, sorted by threshold.
    """
    risk = np.asarray(risk, float)
    fails = np.asarray(fails).astype(bool)
    if thresholds is None:
        uniq = np.unique(risk)
        thresholds = np.concatenate([uniq, [uniq.max() + 1.0 if len(uniq) else 1.0]])
    rows = []
    for t in thresholds:
        c = confusion(fails, risk >= t)
        cost = cost_missed * c["fn"] + cost_early * c["fp"]
        rows.append({"threshold": float(t), **c, "cost": float(cost), "cost_per_unit": float(cost / max(len(risk), 1))})
    return pd.DataFrame(rows).sort_values("threshold").reset_index(drop=True)


def best_threshold(risk, fails, *, cost_missed: float = 10.0, cost_early: float = 1.0) -> dict[str, float]:
    """The cost-minimising alarm threshold and its confusion counts and cost.

    Ties go to the lowest threshold (more alarms): with equal cost, the safer rule.
    """
    curve = cost_curve(risk, fails, cost_missed=cost_missed, cost_early=cost_early)
    row = curve.loc[curve["cost"].idxmin()]
    return {k: (float(v) if k in ("threshold", "cost", "cost_per_unit") else int(v)) for k, v in row.items()}


# ----------------------------------------------------------------------------- the alarm decision on predicted RUL
# The widgets, the report and the experiment all take their numbers from these three functions, so
# what a user reads in a panel is what the library computed (issue 10: a rounded threshold in the
# panel changed the alarm set and showed a cost the optimum never had).
def _alarm_inputs(pred_rul, true_rul, horizon: float) -> tuple[np.ndarray, np.ndarray]:
    pred = np.asarray(pred_rul, float).ravel()
    truth = np.asarray(true_rul, float).ravel()
    if pred.shape != truth.shape:
        raise ValueError(f"pred_rul has {pred.size} values, true_rul {truth.size}; expected one per engine")
    if pred.size and not np.all(np.isfinite(pred)):
        raise ValueError("pred_rul contains NaN or infinite values; expected finite RUL predictions")
    return pred, truth <= horizon


def alarm_cost(pred_rul, true_rul, threshold: float, *, horizon: float = 30, cost_missed: float = 10.0,
               cost_early: float = 1.0) -> dict[str, float]:
    """Counts and cost of the rule "alarm when predicted RUL <= threshold".

    Args:
        pred_rul: Predicted RUL per engine.
        true_rul: True RUL per engine; an engine fails within the horizon if ``true_rul <= horizon``.
        threshold: Alarm when ``pred_rul <= threshold`` (closed: an engine exactly at the threshold
            is alarmed).
        horizon: Decision horizon in cycles.
        cost_missed: Cost of a failure without alarm.
        cost_early: Cost of an alarm on an engine that would have run past the horizon.

    Returns:
        ``threshold, tp, fp, fn, tn, alarms, cost`` (total) and ``cost_per_engine``.
    """
    pred, fails = _alarm_inputs(pred_rul, true_rul, horizon)
    c = confusion(fails, pred <= threshold)
    cost = float(cost_missed * c["fn"] + cost_early * c["fp"])
    return {"threshold": float(threshold), **c, "alarms": c["tp"] + c["fp"], "cost": cost,
            "cost_per_engine": cost / max(pred.size, 1)}


def alarm_cost_steps(pred_rul, true_rul, *, horizon: float = 30, cost_missed: float = 10.0,
                     cost_early: float = 1.0) -> pd.DataFrame:
    """The cost of every alarm threshold, as the step function it is.

    The alarm set of "predicted RUL <= t" only changes when ``t`` reaches a predicted value, so the
    cost is constant on each interval ``[from_rul, to_rul)`` between consecutive distinct
    predictions (closed on the left: at ``t = from_rul`` that engine is already alarmed). The first
    row (``from_rul = -inf``) is "never alarm", the last one runs to ``+inf``.

    Returns:
        One row per interval: ``from_rul, to_rul, tp, fp, fn, tn, alarms, cost, cost_per_engine``,
        sorted by ``from_rul``.
    """
    pred, fails = _alarm_inputs(pred_rul, true_rul, horizon)
    n = max(pred.size, 1)
    uniq = np.unique(pred)
    starts = np.concatenate([[-np.inf], uniq])
    ends = np.concatenate([uniq, [np.inf]])
    # Cumulative counts over sorted predictions: alarms at threshold uniq[k] are all pred <= uniq[k].
    order = np.argsort(pred, kind="stable")
    sp, sf = pred[order], fails[order]
    upto = np.searchsorted(sp, uniq, side="right")
    tp_cum = np.concatenate([[0], np.cumsum(sf)])
    tp = np.concatenate([[0], tp_cum[upto]])
    alarms = np.concatenate([[0], upto])
    pos = int(fails.sum())
    fp, fn = alarms - tp, pos - tp
    tn = pred.size - pos - fp
    cost = cost_missed * fn + cost_early * fp
    return pd.DataFrame({"from_rul": starts, "to_rul": ends, "tp": tp.astype(int), "fp": fp.astype(int),
                         "fn": fn.astype(int), "tn": tn.astype(int), "alarms": alarms.astype(int),
                         "cost": cost.astype(float), "cost_per_engine": cost / n})


def readable_threshold(low: float, high: float) -> float:
    """The number with the fewest decimals in ``[low, high)`` (``low`` may be ``-inf``, ``high`` ``+inf``).

    Any threshold in the interval gives the same alarm set; a short one reads better ("RUL <= 76"
    instead of "RUL <= 75.0312") without changing a single alarm.
    """
    if low == -np.inf and high == np.inf:
        return 0.0
    if low == -np.inf:
        t = float(np.ceil(high) - 1.0)
        return t if t < high else float(high - 1.0)
    if high == np.inf:
        return float(np.ceil(low))
    for decimals in range(0, 10):
        scale = 10.0 ** decimals
        for k in (np.ceil(low * scale), np.ceil(low * scale) + 1):
            t = float(k / scale)
            if low <= t < high:
                return t
    return float(low)


def cheapest_alarm(pred_rul, true_rul, *, horizon: float = 30, cost_missed: float = 10.0,
                   cost_early: float = 1.0) -> dict[str, float]:
    """The exact cost-minimising rule "alarm when predicted RUL <= threshold".

    Scans every interval of :func:`alarm_cost_steps` (all distinct alarm sets, including "never
    alarm"). Among equally cheap rules the one with more alarms wins (the safer one). The returned
    ``threshold`` is a readable number inside the optimal interval, so
    ``alarm_cost(..., threshold)`` reproduces exactly the optimal alarm set and cost.

    Returns:
        :func:`alarm_cost` of the optimum, plus ``interval = [from_rul, to_rul)`` of all thresholds
        with that alarm set.
    """
    steps = alarm_cost_steps(pred_rul, true_rul, horizon=horizon, cost_missed=cost_missed, cost_early=cost_early)
    best = steps["cost"].min()
    # The last cheapest interval has the most alarms: ties go to the safer rule.
    row = steps[steps["cost"] <= best + 1e-9 * max(abs(best), 1.0)].iloc[-1]
    t = readable_threshold(float(row["from_rul"]), float(row["to_rul"]))
    out = alarm_cost(pred_rul, true_rul, t, horizon=horizon, cost_missed=cost_missed, cost_early=cost_early)
    out["interval"] = [float(row["from_rul"]), float(row["to_rul"])]
    return out


def format_threshold(t: float) -> str:
    """A threshold as shown to users: the shortest text that is still the exact value."""
    return f"{t:.10g}"


BLEND_GRID = tuple(round(i / 20, 2) for i in range(21))  # adapter weight 0, 0.05, ..., 1


def blend(weight: float, pred_adapter, pred_baseline) -> np.ndarray:
    """The blend ``weight * adapter + (1 - weight) * baseline`` of two aligned predictions (one per engine)."""
    return weight * np.asarray(pred_adapter, float) + (1.0 - weight) * np.asarray(pred_baseline, float)


def blend_weight(y_true, pred_adapter, pred_baseline, *, grid=BLEND_GRID, cap: float | None = RUL_CAP) -> float:
    """The adapter weight ``w`` of the blend ``w * adapter + (1 - w) * baseline`` with the lowest RMSE.

    Meant for validation engines only: both predictions must be out of sample there (the baseline
    that is blended on the test engines is refitted on all training engines, see
    :func:`workbench.usecases.maintenance.experiment.blend_metrics`).

    Args:
        y_true: True RUL per validation engine (or cut).
        pred_adapter: The adapter's predictions for the same engines.
        pred_baseline: The baseline's predictions for the same engines.
        grid: Candidate weights in ``[0, 1]`` (default 0, 0.05, ..., 1: both pure models included).
        cap: Clip the truth at this RUL before scoring (the capped RMSE; ``None`` = raw truth).
            Validation cuts early in an engine's life have a true RUL far above the training cap,
            which no model predicts; their raw error is mostly ``truth - cap`` and would decide
            the weight by how close each model comes to the cap, not by how well it tracks wear.

    Returns:
        The best weight; among equal RMSEs (within 1e-12) the largest weight (the adapter's share).

    Raises:
        ValueError: lengths differ, no engines, a weight outside [0, 1] or non-finite values.
    """
    t = np.asarray(y_true, float).ravel()
    a = np.asarray(pred_adapter, float).ravel()
    b = np.asarray(pred_baseline, float).ravel()
    if not (t.size == a.size == b.size) or t.size == 0:
        raise ValueError(f"blend_weight: expected one truth and two predictions per engine, got {t.size}, {a.size}, "
                         f"{b.size} values")
    if not (np.all(np.isfinite(t)) and np.all(np.isfinite(a)) and np.all(np.isfinite(b))):
        raise ValueError("blend_weight: truth and predictions must be finite")
    w = np.asarray(list(grid), float)
    if w.size == 0 or np.any((w < 0) | (w > 1)):
        raise ValueError(f"blend_weight: grid must be non-empty weights in [0, 1], got {list(grid)}")
    if cap is not None:
        t = np.minimum(t, cap)
    # (n_weights, n_engines) at once: 21 x a few hundred values.
    err = np.sqrt(np.mean((w[:, None] * a[None, :] + (1.0 - w[:, None]) * b[None, :] - t[None, :]) ** 2, axis=1))
    best = err.min()
    return float(w[np.flatnonzero(err <= best + 1e-12)].max())


def maintenance_verdict(metrics: dict, problem: str = "rul", *, on: str = "test") -> dict:
    """The honest one-line summary of a maintenance comparison (:func:`workbench.metrics.verdict`).

    RUL runs are judged by RMSE against the raw RUL file (lower is better), failure runs by F1 at
    the validation-chosen threshold. Ties (within 1 %) go to the simpler model.

    Args:
        metrics: Role to its metrics.
        problem: ``"rul"`` or ``"failure"``.
        on: ``"test"`` (reporting: the test engines, read once) or ``"validation"`` (the
            recommendation: RUL validation engines of the training file, ``val_rmse_capped``
            where every model has it, else ``val_rmse``; failure: PR-AUC on the validation rows,
            ``val_pr_auc``, free of the threshold each model chose there); the text then says
            which data it is based on, and ``criterion`` which key decided.

    A ``"blend"`` role (:func:`blend_weight`) only takes part when it beats every single model by
    more than 1 %: it needs two models, and on the validation engines its weight was chosen, so
    there it can only tie or win.
    """
    from workbench.metrics import only_if_clearly_better, recommendation, verdict
    from workbench.widgets.figures import LABELS

    key, name, lower = ("rmse", "RMSE (cycles)", True) if problem == "rul" else ("f1", "F1", False)
    extra = {"baseline": "LightGBM baseline", "blend": BLEND_LABEL}
    if on == "validation" and problem == "rul":
        # Capped validation RMSE where every model has it: validation cuts early in a life have a true
        # RUL far above the cap that no model predicts, and their raw error is noise between models.
        vkey = "val_rmse_capped" if all(m.get("val_rmse_capped") is not None for m in metrics.values()
                                        if isinstance(m, dict) and m.get("val_rmse") is not None) else "val_rmse"
        scores = {role: m.get(vkey) for role, m in metrics.items() if isinstance(m, dict)}
        labels = {**{r: LABELS.get(r, r) for r in scores}, **extra}
        what = "capped validation RMSE (cycles)" if vkey == "val_rmse_capped" else "validation RMSE (cycles)"
        out = recommendation(scores, what, on="validation engines", lower_is_better=True, labels=labels, blend="blend")
        out["criterion"] = vkey
        return out
    if on == "validation":  # failure: validation rows of the AI4I split, threshold-free PR-AUC
        scores = {role: m.get("val_pr_auc") for role, m in metrics.items() if isinstance(m, dict)}
        labels = {**{r: LABELS.get(r, r) for r in scores}, **extra}
        out = recommendation(scores, "validation PR-AUC", on="validation rows", lower_is_better=False,
                             labels=labels, blend="blend")
        out["criterion"] = "val_pr_auc"
        return out
    scores = only_if_clearly_better({role: m.get(key) for role, m in metrics.items() if isinstance(m, dict)},
                                    "blend", lower_is_better=lower)
    labels = {**{r: LABELS.get(r, r) for r in scores}, **extra}
    return verdict(scores, name, lower_is_better=lower, labels=labels)


BLEND_LABEL = "blend of adapter and LightGBM"

