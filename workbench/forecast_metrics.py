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
* **coverage_80** ("80 % interval coverage, goal near 0.80") of the 0.1-0.9 interval on the count
  scale. On whole-number actuals an actual equal to an interval end is a tie; it counts by the
  randomised PIT (Czado, Gneiting & Held 2009, "Predictive model assessment for count data"), with
  ``F`` read from the forecast's own quantile grid (:func:`randomized_coverage_share`). Counting
  every tie as covered (``coverage_80_inclusive``, also reported) made correct forecasts of
  intermittent demand read 0.90-0.98: an interval ``[0, 0]`` covers every zero day.

Per STACK_NOTES: an all-zero forecast can win MASE on intermittent demand, so judge models by
wQL / RMSSE and by the inventory decision (see ``inventory.py``).

Usage::

    from workbench.forecast_metrics import pinball_loss, weighted_quantile_loss
    pinball_loss([3, 0], [2, 1], 0.9)            # (0.9*1 + 0.1*1)/2 = 0.5
"""

from __future__ import annotations

import numpy as np
import pandas as pd


COVERAGE_80_LABEL = "80 % interval coverage, goal near 0.80"
"""How ``coverage_80`` is labelled wherever users read it (run summary, tables, widgets, notebooks)."""


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


def _grid_cdf(x, quantiles, taus) -> np.ndarray:
    """``P(Y <= x)`` of a count variable read from its quantile grid (``quantiles`` sorted, last axis).

    With ``n`` of the quantiles at or below ``x``, ``F(x)`` lies in ``[tau_n, tau_{n+1})``
    (``tau_0 = 0``, ``tau_{Q+1} = 1``). The whole numbers from the quantile ``c_n`` up to the next
    one ``c_{n+1}`` share that range; spread evenly, ``x`` takes
    ``tau_n + (tau_{n+1} - tau_n) (x - c_n + 0.5) / (c_{n+1} - c_n)`` (the midpoint when
    ``c_{n+1} = x + 1``). Below the lowest or above the highest quantile it takes the midpoint.
    """
    q = np.asarray(quantiles, float)
    x = np.asarray(x, float)
    Q = q.shape[-1]
    t = np.concatenate([[0.0], np.asarray(taus, float), [1.0]])
    n = (q <= x[..., None]).sum(axis=-1)
    a, b = t[n], t[n + 1]
    inner = (n > 0) & (n < Q)
    c_lo = np.take_along_axis(q, np.clip(n - 1, 0, Q - 1)[..., None], axis=-1)[..., 0]
    c_hi = np.take_along_axis(q, np.clip(n, 0, Q - 1)[..., None], axis=-1)[..., 0]
    gap = np.where(inner, c_hi - c_lo, 1.0)
    frac = np.where(inner, (x - c_lo + 0.5) / np.where(gap > 0, gap, 1.0), 0.5)
    return a + (b - a) * np.clip(frac, 0.0, 1.0)


def randomized_coverage_share(y, quantiles, taus, lo_level: float, hi_level: float) -> np.ndarray:
    """Per-actual share of the ``[lo_level, hi_level]`` interval hit by a randomised PIT (count data).

    On a count variable an actual ``y`` that equals an interval end is a tie: the randomised PIT
    (Brockwell 2007; Czado, Gneiting & Held 2009) draws the PIT uniformly from ``[F(y-1), F(y)]``, and
    the expected covered share is ``|[F(y-1), F(y)] & [lo, hi]| / (F(y) - F(y-1))``. ``F`` is read from
    the forecast's own quantile grid (:func:`_grid_cdf`; ``F(-1) = 0`` since demand is >= 0). Away
    from ties the share is 1 inside the interval and 0 outside, as for continuous data.

    Args:
        y: Whole-number actuals, shape ``S`` (NaN allowed).
        quantiles: Count-scale quantiles, shape ``S + (Q,)``, sorted along the last axis.
        taus: The ``Q`` levels.
        lo_level: Lower level of the interval (e.g. 0.1).
        hi_level: Upper level (e.g. 0.9).

    Returns:
        Shares in ``[0, 1]`` (NaN where ``y`` is NaN).
    """
    y = np.asarray(y, float)
    q = np.asarray(quantiles, float)
    yy = np.nan_to_num(y)
    f_hi = _grid_cdf(yy, q, taus)
    f_lo = np.where(yy - 1 < 0, 0.0, _grid_cdf(yy - 1, q, taus))
    width = f_hi - f_lo
    overlap = np.minimum(f_hi, hi_level) - np.maximum(f_lo, lo_level)
    inside = (f_hi >= lo_level) & (f_hi <= hi_level)                      # a point PIT (no tie)
    share = np.where(width > 0, np.clip(overlap / np.where(width > 0, width, 1.0), 0.0, 1.0), inside)
    return np.where(np.isnan(y), np.nan, share)


def interval_coverage(y, quantiles, taus, level: float = 0.8, ties: str = "randomized") -> float:
    """Coverage of the central ``level`` interval, e.g. 0.1-0.9 for 80 %; NaN if those levels are absent.

    Unlike :func:`coverage` of the outermost quantiles, the nominal level is known, so a value can
    be read as "too narrow" (below ``level``) or "too wide" (above).

    Args:
        y: Actuals.
        quantiles: Forecasts (last axis: levels), on the scale of the actuals (:func:`to_count_scale`).
        taus: Levels.
        level: Nominal coverage of the central interval.
        ties: ``"randomized"``: on whole-number actuals an actual equal to an interval end counts by
            :func:`randomized_coverage_share` (on other data there are no ties and it is the plain
            share); ``"inclusive"``: every tie counts as covered. On intermittent counts an interval
            of ``[0, 0]`` covers every zero day inclusively, so a calibrated forecast reads too wide
            (0.88-0.94 for 80 % intervals on Online Retail, issue 12); the randomised count is 0.80
            in expectation for a correct forecast.
    """
    taus = [round(float(t), 6) for t in taus]
    lo, hi = round((1 - level) / 2, 6), round((1 + level) / 2, 6)
    if lo not in taus or hi not in taus:
        return float("nan")
    q = np.asarray(quantiles, float)
    y = np.asarray(y, float)
    finite = y[~np.isnan(y)]
    if ties == "inclusive" or not len(finite) or not np.all(finite == np.round(finite)):
        return coverage(y, q[..., taus.index(lo)], q[..., taus.index(hi)])
    if ties != "randomized":
        raise ValueError(f"ties must be 'randomized' or 'inclusive', got {ties!r}")
    return float(np.nanmean(randomized_coverage_share(y, np.sort(q, axis=-1), taus, lo, hi)))


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
        quantiles), ``coverage_80`` (count scale, 0.1-0.9 interval when those levels are forecast,
        ties by the randomised PIT), ``coverage_80_inclusive`` (the same, every tie counted as covered),
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
        "coverage_80_inclusive": interval_coverage(y, counted, taus, 0.8, ties="inclusive"),
        "volume": float(np.nansum(y)),
    }
    for k, t in enumerate(taus):
        out[f"pinball_{t:g}"] = pinball_loss(y, quantiles[..., k], t)
    return out


def _mean_col(g: pd.DataFrame, col: str) -> float:
    return float(np.nanmean(g[col])) if col in g and g[col].notna().any() else float("nan")


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
            "coverage_80": _mean_col(g, "coverage_80"),
            "coverage_80_inclusive": _mean_col(g, "coverage_80_inclusive"),
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
