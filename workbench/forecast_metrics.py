"""Forecast-accuracy metrics for quantile forecasts: pure numpy functions (core).

Written for demand (the supply-chain use case scores with them) but free of any use case: every
quantile forecaster of the workbench can be scored with the same wQL, pinball and coverage.

Point metrics (MASE, RMSSE, sMAPE) use the **mean** forecast, read from the quantiles by
:func:`mean_from_quantiles`, not the median: on intermittent demand the median is about 0 on most
days and MASE would reward forecasting zeros (issue 12). Coverage is scored on the **count scale**
(:func:`to_count_scale`: quantiles clipped at 0 and rounded when the actuals are whole numbers), since
neural quantiles are never exactly 0 and every zero-demand day would otherwise count as a miss.
Conventions, chosen for demand data:

* **MASE / RMSSE** scale the error by the in-sample one-step naive error of the same series
  (Hyndman & Koehler 2006, "Another look at measures of forecast accuracy"; RMSSE as in the M5
  competition, Makridakis et al. 2022). A series whose history is constant has no scale: its
  value is NaN and it is left out of averages (counted in ``n_unscaled``).
* **sMAPE** = mean of ``2 |y - f| / (|y| + |f|)`` with the term set to 0 when both are 0 (a
  correct forecast of no demand) and 2 (its maximum) when exactly one is 0. It is undefined on
  zero actuals in its textbook form; this is the convention of Hyndman (2014, "Errors on
  percentage errors"). It is reported, but intermittent series make it meaningless, so do not
  rank models by it.
* **Pinball loss** per quantile ``tau``: ``max(tau (y - q), (tau - 1)(y - q))`` (Koenker 2005).
* **Weighted quantile loss** (wQL): ``2 * sum pinball / sum |y|`` per quantile, averaged over the
  quantiles (GluonTS ``mean_wQuantileLoss``; Chronos, Ansari et al. 2024). It is scale-free across
  series and defined on intermittent data.
* **Coverage** of the interval between the lowest and highest quantile (for the default levels the
  5-98 % interval, nominal 93 %): closer to the nominal level is better.

Per STACK_NOTES: an all-zero forecast can win MASE on intermittent demand, so judge models by
wQL / RMSSE and by the inventory decision (see ``inventory.py``).

Usage::

    from workbench.forecast_metrics import pinball_loss, weighted_quantile_loss
    pinball_loss([3, 0], [2, 1], 0.9)            # (0.9*1 + 0.1*1)/2 = 0.5
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def pinball_loss(y, q, tau: float) -> float:
    """Mean pinball (quantile) loss of forecasts ``q`` at level ``tau``."""
    y, q = np.asarray(y, float), np.asarray(q, float)
    diff = y - q
    return float(np.nanmean(np.maximum(tau * diff, (tau - 1) * diff)))


def pinball_sum(y, q, tau: float) -> float:
    """Summed pinball loss (the numerator of the weighted quantile loss)."""
    y, q = np.asarray(y, float), np.asarray(q, float)
    diff = y - q
    return float(np.nansum(np.maximum(tau * diff, (tau - 1) * diff)))


def weighted_quantile_loss(y, quantiles, taus) -> float:
    """Mean weighted quantile loss over ``taus``.

    Args:
        y: Actuals, any shape ``S``.
        quantiles: Forecasts of shape ``S + (len(taus),)``.
        taus: Quantile levels.

    Returns:
        ``mean_tau 2 * sum pinball_tau / sum |y|``; NaN if all actuals are 0.
    """
    y = np.asarray(y, float)
    quantiles = np.asarray(quantiles, float)
    denom = np.nansum(np.abs(y))
    if denom == 0:
        return float("nan")
    return float(np.mean([2 * pinball_sum(y, quantiles[..., k], t) / denom for k, t in enumerate(taus)]))


def coverage(y, lower, upper) -> float:
    """Share of actuals inside ``[lower, upper]``."""
    y, lower, upper = (np.asarray(a, float) for a in (y, lower, upper))
    ok = ~np.isnan(y)
    return float(np.mean((y[ok] >= lower[ok]) & (y[ok] <= upper[ok])))


def mean_from_quantiles(quantiles, taus) -> np.ndarray:
    """Mean forecast implied by quantile forecasts (last axis), for the point metrics.

    Integrates the quantile function ``Q(tau)`` over ``[0, 1]``, linear between the forecast levels
    and flat beyond the lowest and highest one (so the tails are not extrapolated). Negative
    quantiles are clipped at 0 first: demand cannot be negative.
    """
    q = np.maximum(np.asarray(quantiles, float), 0.0)
    t = np.asarray(taus, float)
    mean = q[..., 0] * t[0] + q[..., -1] * (1.0 - t[-1])
    for k in range(len(t) - 1):
        mean = mean + 0.5 * (q[..., k] + q[..., k + 1]) * (t[k + 1] - t[k])
    return mean


def to_count_scale(quantiles, y) -> np.ndarray:
    """Quantiles on the scale of the actuals: clipped at 0, rounded when every actual is a whole number."""
    q = np.maximum(np.asarray(quantiles, float), 0.0)
    y = np.asarray(y, float)
    finite = y[~np.isnan(y)]
    return np.round(q) if len(finite) and np.all(finite == np.round(finite)) else q


def naive_scale(history, power: int = 1, season: int = 1) -> float:
    """In-sample mean of ``|y_t - y_{t-season}| ** power`` (NaN when undefined or zero)."""
    h = np.asarray(history, float)
    h = h[~np.isnan(h)]
    if len(h) <= season:
        return float("nan")
    d = np.abs(h[season:] - h[:-season]) ** power
    s = float(np.mean(d))
    return s if s > 0 else float("nan")


def mase(y, f, history, season: int = 1) -> float:
    """Mean absolute scaled error (Hyndman & Koehler 2006)."""
    scale = naive_scale(history, 1, season)
    return float(np.nanmean(np.abs(np.asarray(y, float) - np.asarray(f, float))) / scale)


def rmsse(y, f, history, season: int = 1) -> float:
    """Root mean squared scaled error (M5 competition)."""
    scale = naive_scale(history, 2, season)
    return float(np.sqrt(np.nanmean((np.asarray(y, float) - np.asarray(f, float)) ** 2) / scale))


def smape(y, f) -> float:
    """Symmetric MAPE in [0, 2], with 0/0 := 0 (see the module docstring)."""
    y, f = np.asarray(y, float), np.asarray(f, float)
    num = 2 * np.abs(y - f)
    den = np.abs(y) + np.abs(f)
    terms = np.where(den == 0, 0.0, num / np.where(den == 0, 1, den))
    return float(np.nanmean(terms))


def interval_coverage(y, quantiles, taus, level: float = 0.8) -> float:
    """Coverage of the central ``level`` interval, e.g. 0.1-0.9 for 80 %; NaN if those levels are absent.

    Unlike :func:`coverage` of the outermost quantiles, the nominal level is known, so a value can
    be read as "too narrow" (below ``level``) or "too wide" (above).
    """
    taus = [round(float(t), 6) for t in taus]
    lo, hi = round((1 - level) / 2, 6), round((1 + level) / 2, 6)
    if lo not in taus or hi not in taus:
        return float("nan")
    q = np.asarray(quantiles, float)
    return coverage(y, q[..., taus.index(lo)], q[..., taus.index(hi)])


def series_metrics(y, quantiles, taus, history, season: int = 1) -> dict[str, float]:
    """All metrics of one series' forecasts.

    Args:
        y: Actuals, shape ``(n_origins, horizon)``.
        quantiles: Forecasts, shape ``(n_origins, horizon, len(taus))``; ``taus`` must contain 0.5.
        taus: Quantile levels, ascending.
        history: The series' training history (for the MASE/RMSSE scale).
        season: Lag of the naive scale.

    Returns:
        ``mase, rmsse, smape`` (of the mean forecast), ``wql``, ``coverage`` (count scale, outermost
        quantiles), ``coverage_80`` (count scale, 0.1-0.9 interval when those levels are forecast),
        ``pinball_<tau>...`` and ``volume`` (sum of actuals).
    """
    taus = list(taus)
    if 0.5 not in taus:
        raise ValueError(f"the quantile levels {taus} must include 0.5 for the point metrics")
    point = mean_from_quantiles(quantiles, taus)
    counted = to_count_scale(quantiles, y)
    out = {
        "mase": mase(y, point, history, season),
        "rmsse": rmsse(y, point, history, season),
        "smape": smape(y, point),
        "wql": weighted_quantile_loss(y, quantiles, taus),
        "coverage": coverage(y, counted[..., 0], counted[..., -1]),
        "coverage_80": interval_coverage(y, counted, taus, 0.8),
        "volume": float(np.nansum(y)),
    }
    for k, t in enumerate(taus):
        out[f"pinball_{t:g}"] = pinball_loss(y, quantiles[..., k], t)
    return out


def summarize(per_series: pd.DataFrame, taus, segment_cols: tuple[str, ...] = ()) -> dict:
    """Aggregate a per-series metric table into overall and per-segment figures.

    Scaled metrics (MASE, RMSSE) and sMAPE are averaged over series (NaN skipped); wQL is
    volume-weighted (the same as pooling the numerators), coverage and pinball are plain means.

    Args:
        per_series: One row per series with the columns of :func:`series_metrics`.
        taus: Quantile levels.
        segment_cols: Columns to group by for per-segment figures (e.g. ``region``, ``sbc_class``).

    Returns:
        ``{"overall": {...}, "by_<col>": {segment: {...}}}``.
    """

    def agg(g: pd.DataFrame) -> dict:
        vol = g["volume"].to_numpy()
        w = float(np.nansum(vol))
        res = {
            "n_series": int(len(g)),
            "mase": float(np.nanmean(g["mase"])) if g["mase"].notna().any() else float("nan"),
            "rmsse": float(np.nanmean(g["rmsse"])) if g["rmsse"].notna().any() else float("nan"),
            "smape": float(np.nanmean(g["smape"])),
            "wql": float(np.nansum(g["wql"].fillna(0) * vol) / w) if w > 0 else float("nan"),
            "coverage": float(np.nanmean(g["coverage"])),
            "coverage_80": (float(np.nanmean(g["coverage_80"])) if "coverage_80" in g and g["coverage_80"].notna().any()
                            else float("nan")),
            "n_unscaled": int(g["mase"].isna().sum()),
        }
        for t in taus:
            res[f"pinball_{t:g}"] = float(np.nanmean(g[f"pinball_{t:g}"]))
        return res

    out = {"overall": agg(per_series)}
    for col in segment_cols:
        if col in per_series.columns:
            out[f"by_{col}"] = {str(k): agg(g) for k, g in per_series.groupby(col, sort=True)}
    return out
