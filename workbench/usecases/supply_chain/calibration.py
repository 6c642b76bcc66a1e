"""Quantile calibration on the validation period: per-level shifts that minimise pinball loss on the count scale.

Why not the plain conformal shift (the empirical tau-quantile of ``(actual - q_tau) / scale``, one
per level for all series)? On count data the forecasts are read on the count scale (clipped at 0,
rounded), where a quantile and an actual can tie: a quantile of 0 and a zero day. The shift treats
the scale as continuous, and one shift for all series mixes smooth and intermittent ones. Counting
every tie as covered, the adapter's 80 % intervals read 0.88-0.94 on Online Retail (issue 12); the
tie-aware coverage (``forecast_metrics.interval_coverage``) is what to calibrate towards.

The shift used here is the one that **minimises the validation pinball loss of the count-scale
quantile** ``count(q + shift * scale)`` (each window's loss in units of its scale, so that every
window counts alike), level by level and per *zero-share group* of windows
(smooth, intermittent, sparse: the share of zero days in the window's context). For a count
variable the pinball loss is minimised exactly by a proper count quantile, ``P(Y < c) <= tau <=
P(Y <= c)``, so ties are handled as the randomised PIT handles them (a tie counts as much as it
must, not fully), and the validation pinball loss can only go down: shift 0 is one of the
candidates. Two safeguards: of the shifts within 1 % of the least loss the one nearest 0 is taken
(:data:`TOLERANCE`), and a level whose plain (unweighted, unrounded) validation pinball loss, the
one wQL sums, would rise keeps its forecasts. A group with too few validation points takes the
pooled shifts.

The minimiser is exact on small problems (every point where a rounded quantile changes is a
candidate) and on large ones a search over the score quantiles with a local refinement.

Usage::

    cal = fit_quantile_calibration(y_val, q_val, scale_val, taus, groups=zero_share_group(zs_val))
    q_test_calibrated = cal.apply(q_test, scale_test, zero_share_group(zs_test))
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

import numpy as np

from workbench.forecast_metrics import pinball_sum
from workbench.windows import SCALE_FLOOR

ZERO_SHARE_EDGES = (0.3, 0.7)
"""Zero-share boundaries of the calibration groups: smooth < 0.3 <= intermittent < 0.7 <= sparse."""
GROUP_NAMES = ("smooth", "intermittent", "sparse")
MIN_GROUP_POINTS = 500
"""Validation points (window days) a group needs for its own shifts; fewer take the pooled ones."""
MAX_POINTS = 100_000
"""Validation points used per group and level (a random subset beyond that: the search is O(points))."""
TOLERANCE = 0.01
"""Relative slack of the validation loss: of the parameters within 1 % of the least loss, the one nearest
"no change" is taken. A level's loss is flat over a wide range of shifts on sparse windows (every
quantile rounds to 0), and its exact minimum there can sit at a far shift that one or two windows
decide: on Online Retail a LightGBM 0.75 quantile of sparse windows moved by -13.7 scale units."""
EXACT_BREAKPOINTS = 20_000
"""Below this many rounding breakpoints the minimiser evaluates all of them (exact)."""


def zero_share_group(zero_share, edges=ZERO_SHARE_EDGES) -> np.ndarray:
    """Group name per window from the share of zero days in its context (see :data:`ZERO_SHARE_EDGES`)."""
    idx = np.searchsorted(np.asarray(edges, float), np.asarray(zero_share, float), side="right")
    return np.asarray(GROUP_NAMES, dtype=object)[idx]


def window_stats(panel, origins: np.ndarray, context: int) -> tuple[np.ndarray, np.ndarray]:
    """Scale (mean observed demand, floored like the neural windows) and zero share of each origin's context.

    Args:
        panel: A :class:`~workbench.windows.DemandPanel`.
        origins: ``(n, 2)`` series index and origin period index.
        context: Context length in periods (only periods before the origin are read).

    Returns:
        ``(scale, zero_share)``, each ``(n,)``; a window without observed periods has zero share 0.
    """
    origins = np.asarray(origins, dtype=np.int64)
    if len(origins) == 0:
        return np.zeros(0), np.zeros(0)
    pos = origins[:, 1][:, None] - context + np.arange(context)            # (n, C)
    inside = pos >= 0
    vals = np.full(pos.shape, np.nan)
    vals[inside] = panel.y[np.broadcast_to(origins[:, :1], pos.shape)[inside], pos[inside]]
    obs = ~np.isnan(vals)
    n_obs = obs.sum(axis=1)
    total = np.where(obs, vals, 0.0).sum(axis=1)
    mean = np.divide(total, n_obs, out=np.zeros(len(origins)), where=n_obs > 0)
    zeros = (obs & (np.where(obs, vals, 1.0) == 0)).sum(axis=1)
    zero_share = np.divide(zeros, n_obs, out=np.zeros(len(origins)), where=n_obs > 0)
    return np.maximum(mean, SCALE_FLOOR), zero_share


def _count_scale(values: np.ndarray, counts: bool) -> np.ndarray:
    v = np.maximum(values, 0.0)
    return np.round(v) if counts else v


def _objective(y, q, s, tau, shifts, counts: bool, w=None, chunk: int = 64) -> np.ndarray:
    """Summed (weighted) pinball loss of ``count(q + shift * s)`` for every candidate shift."""
    out = np.empty(len(shifts))
    w = np.ones(len(y)) if w is None else w
    for i in range(0, len(shifts), chunk):
        d = np.asarray(shifts[i:i + chunk])[:, None]
        c = _count_scale(q[None, :] + d * s[None, :], counts)
        diff = y[None, :] - c
        out[i:i + chunk] = (np.maximum(tau * diff, (tau - 1) * diff) * w[None, :]).sum(axis=1)
    return out


def _breakpoints(y, q, s, counts: bool, limit: int) -> np.ndarray | None:
    """Every parameter where some point's (rounded) quantile changes, or ``None`` when there are more than ``limit``."""
    move = s != 0                                                        # a point that does not move is constant
    y, q, s = y[move], q[move], s[move]
    if not counts:
        # Pinball kinks (quantile == actual) and the clip at 0 (quantile == 0).
        return np.concatenate([(y - q) / s, -q / s])
    top = float(np.max(y)) + 1.0 if len(y) else 0.0
    # c = round(q + d s) changes at q + d s = k + 0.5, k = 0 .. top (above top every actual is below c,
    # and the loss only grows); the clip at 0 adds the kink at q + d s = 0, which rounds to 0 anyway.
    n = len(y) * (int(top) + 1)
    if n > limit:
        return None
    k = np.arange(int(top) + 1, dtype=float) + 0.5
    return ((k[None, :] - q[:, None]) / s[:, None]).ravel()


def best_shift(y, q, s, tau: float, *, counts: bool, weights=None, neutral: float = 0.0, lower: float = -np.inf,
               tolerance: float = 0.0, exact_limit: int = EXACT_BREAKPOINTS, n_grid: int = 256) -> float:
    """The parameter ``d >= lower`` minimising ``sum weight * pinball_tau(y, count(q + d * s))``.

    With ``s`` the window scales this is a shift in scale units (``neutral`` 0); with ``q`` the
    median and ``s`` the quantile's distance from it, a width factor (``neutral`` 1, ``lower`` 0).
    Among parameters whose loss is within ``tolerance`` (relative) of the least, the one nearest
    ``neutral`` is taken (``tolerance=0``: the exact minimiser, ties to ``neutral``).

    Args:
        y: Actuals ``(n,)`` (no NaN).
        q: Forecasts ``(n,)`` the parameter moves from.
        s: Direction ``(n,)``: how far one unit of ``d`` moves each forecast.
        tau: The quantile level.
        counts: Read the quantile on the count scale (clip at 0 and round); else only clip at 0.
        weights: Weight ``(n,)`` of each point's loss (default 1).
        neutral: The parameter that leaves the forecasts as they are (always a candidate).
        lower: Smallest allowed parameter.
        tolerance: Relative slack of the loss (see :data:`TOLERANCE`).
        exact_limit: Evaluate every breakpoint when there are at most this many.
        n_grid: Candidates of the approximate search (score quantiles), refined locally.

    Returns:
        The parameter; ``neutral`` when nothing lowers the loss.
    """
    y, q, s = (np.asarray(a, float) for a in (y, q, s))
    w = np.ones(len(y)) if weights is None else np.asarray(weights, float)
    if len(y) == 0 or not np.any(s != 0):
        return float(neutral)
    bps = _breakpoints(y, q, s, counts, exact_limit)
    if bps is not None:
        b = np.unique(bps)
        # The loss is constant between rounding breakpoints (piecewise linear between pinball kinks,
        # so its minimum is at a kink): one candidate per piece, and the kinks themselves.
        mids = 0.5 * (b[1:] + b[:-1]) if counts else b
        cand = np.concatenate([[neutral], mids, [b[0] - 1.0, b[-1] + 1.0] if counts else []])
    else:
        move = s != 0
        scores = (y[move] - q[move]) / s[move]
        cand = np.concatenate([[neutral], np.unique(np.quantile(scores, np.linspace(0, 1, n_grid)))])
    cand = np.unique(np.maximum(cand, lower))
    loss = _objective(y, q, s, tau, cand, counts, w)
    best = _pick(cand, loss, neutral, 0.0)
    if bps is None:
        # Refine between the neighbouring candidates (the grid is coarse where scores are sparse).
        i = int(np.searchsorted(cand, best))
        lo, hi = cand[max(i - 1, 0)], cand[min(i + 1, len(cand) - 1)]
        fine = np.concatenate([[best], np.linspace(lo, hi, 65)])
        cand, loss = np.concatenate([cand, fine]), np.concatenate([loss, _objective(y, q, s, tau, fine, counts, w)])
    return _pick(cand, loss, neutral, tolerance)


def _pick(cand: np.ndarray, loss: np.ndarray, neutral: float, tolerance: float) -> float:
    """The candidate nearest ``neutral`` of those within ``tolerance`` (relative, plus rounding) of the least loss."""
    m = loss.min()
    tied = cand[loss <= m + max(tolerance * abs(m), 1e-9 * max(abs(m), 1.0))]
    return float(tied[np.argmin(np.abs(tied - neutral))])


METHODS = ("shift", "width")


@dataclass
class QuantileCalibration:
    """Fitted per-level parameters, pooled and per zero-share group.

    Attributes:
        taus: Quantile levels.
        pooled: ``(Q,)`` parameters fitted on all validation points.
        groups: ``{group name: (Q,) parameters}`` for groups with enough validation points.
        counts: Whether they were fitted on the count scale.
        n_points: Validation points per group (``"pooled"`` included).
        method: ``"shift"``: ``q + p * scale`` (p in window-scale units); ``"width"``:
            ``median + p * (q - median)`` (the median stays, each level's distance from it is scaled).
    """

    taus: list
    pooled: list
    groups: dict = field(default_factory=dict)
    counts: bool = True
    n_points: dict = field(default_factory=dict)
    method: str = "shift"

    def shifts_for(self, groups) -> np.ndarray:
        """``(n, Q)`` shifts for windows of the given groups (pooled shifts for a group without its own)."""
        pooled = np.asarray(self.pooled, float)
        if groups is None:
            return pooled[None, :]
        groups = np.asarray(groups, dtype=object)
        out = np.broadcast_to(pooled, (len(groups), len(pooled))).copy()
        for name, sh in self.groups.items():
            out[groups == name] = np.asarray(sh, float)
        return out

    def apply(self, quantiles: np.ndarray, scale, groups=None) -> np.ndarray:
        """Shifted quantiles ``max(q + shift * scale, 0)``, sorted across levels (``(n, H, Q)`` in and out)."""
        q = np.asarray(quantiles, float)
        if q.size == 0:
            return q.copy()
        sh = self.shifts_for(groups)                                          # (n or 1, Q)
        if self.method == "width":
            med = q[..., list(np.round(self.taus, 6)).index(0.5)][..., None]
            out = med + sh[:, None, :] * (q - med)
        else:
            out = q + sh[:, None, :] * np.asarray(scale, float)[:, None, None]
        return np.sort(np.maximum(out, 0.0), axis=-1)

    def to_dict(self) -> dict:
        """JSON-ready record (saved with a forecaster, shown in ``results.json``)."""
        return {"taus": list(map(float, self.taus)), "pooled": list(map(float, self.pooled)),
                "groups": {k: list(map(float, v)) for k, v in self.groups.items()}, "counts": bool(self.counts),
                "n_points": {k: int(v) for k, v in self.n_points.items()}, "method": self.method}

    @classmethod
    def from_dict(cls, d) -> "QuantileCalibration | None":
        """Inverse of :meth:`to_dict`; also reads the older plain list of pooled shifts."""
        if d is None:
            return None
        if isinstance(d, (list, tuple)):
            return cls(taus=[], pooled=list(d), groups={}, counts=False)
        return cls(taus=d["taus"], pooled=d["pooled"], groups=d.get("groups", {}), counts=d.get("counts", True),
                   n_points=d.get("n_points", {}), method=d.get("method", "shift"))


def fit_quantile_calibration(y, quantiles, scale, taus, *, groups=None, counts: bool | None = None,
                             method: str = "shift", tolerance: float = TOLERANCE,
                             min_group_points: int = MIN_GROUP_POINTS, max_points: int = MAX_POINTS,
                             seed: int = 0) -> QuantileCalibration:
    """Fit per-level (and per-group) shifts on validation forecasts; see the module docstring.

    Args:
        y: ``(n, H)`` validation actuals (NaN where unobserved).
        quantiles: ``(n, H, Q)`` forecasts of those windows (demand units).
        scale: ``(n,)`` window scales (see :func:`window_stats`).
        taus: Quantile levels.
        groups: ``(n,)`` group name per window (see :func:`zero_share_group`); ``None``: pooled only.
        counts: Count scale (clip and round); default: whether every observed actual is whole.
        method: ``"shift"`` (per-level shifts in scale units) or ``"width"`` (per-level factors on the
            distance from the median; needs the level 0.5). See :class:`QuantileCalibration`.
        tolerance: Relative slack of the validation loss (:data:`TOLERANCE`).
        min_group_points: Observed points a group needs for its own shifts.
        max_points: Points per fit beyond which a random subset is used.
        seed: Seed of that subset.

    Returns:
        A :class:`QuantileCalibration`.
    """
    y = np.asarray(y, float)
    q = np.asarray(quantiles, float)
    s = np.broadcast_to(np.asarray(scale, float)[:, None], y.shape)
    ok = ~np.isnan(y)
    if counts is None:
        counts = bool(ok.any() and np.all(y[ok] == np.round(y[ok])))
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, got {method!r}")
    levels = list(np.round(np.asarray(taus, float), 6))
    if method == "width" and 0.5 not in levels:
        raise ValueError(f"the width calibration scales distances from the median: the levels {list(taus)} "
                         "must include 0.5")
    neutral = 1.0 if method == "width" else 0.0
    rng = np.random.default_rng(seed)

    def fit(mask) -> tuple[list, int]:
        idx = np.flatnonzero(mask.ravel())
        if len(idx) > max_points:
            idx = np.sort(rng.choice(idx, max_points, replace=False))
        yy, ss = y.ravel()[idx], s.ravel()[idx]
        qq = q.reshape(-1, q.shape[-1])[idx]
        # Each window's loss in units of its scale: every window counts alike, so the fitted levels
        # cover their tau in the share of windows (what coverage reports), not in the share of volume.
        w = 1.0 / ss
        med = qq[:, levels.index(0.5)] if method == "width" else None
        params = []
        for k, t in enumerate(taus):
            base, step = (qq[:, k], ss) if method == "shift" else (med, qq[:, k] - med)
            p = best_shift(yy, base, step, float(t), counts=counts, weights=w, neutral=neutral,
                           lower=-np.inf if method == "shift" else 0.0, tolerance=tolerance)
            # Guard on the loss users read (wQL, pinball_tau: unweighted, unrounded): a level whose
            # validation loss would rise keeps its forecasts (re-sorting and the clip at 0 never raise it).
            if pinball_sum(yy, np.maximum(base + p * step, 0.0), t) > pinball_sum(yy, qq[:, k], t):
                p = neutral
            params.append(p)
        return params, int(mask.sum())

    pooled, n = fit(ok) if ok.any() else ([neutral] * len(taus), 0)
    cal = QuantileCalibration(taus=list(taus), pooled=pooled, counts=counts, n_points={"pooled": n}, method=method)
    if groups is not None:
        g = np.asarray(groups, dtype=object)
        for name in sorted(set(g.tolist())):
            mask = ok & (g == name)[:, None]
            cal.n_points[str(name)] = int(mask.sum())
            if mask.sum() >= min_group_points:
                cal.groups[str(name)] = fit(mask)[0]
    return cal


def validation_pinball(y, quantiles, taus) -> float:
    """Mean pinball loss over levels and observed points (to report a calibration's effect)."""
    y = np.asarray(y, float)
    q = np.asarray(quantiles, float)
    ok = ~np.isnan(y)
    if not ok.any():
        return float("nan")
    return float(np.mean([pinball_sum(y[ok], q[..., k][ok], t) / ok.sum() for k, t in enumerate(taus)]))


# ----------------------------------------------------------------------------- forecasts of the backtest
def calibration_origins(panel, args, train_end: int, val_end: int, *, max_windows: int | None = 50_000,
                        seed: int = 0) -> np.ndarray:
    """Origins whose whole horizon lies in the validation period ``[train_end, val_end)`` (stride 1, sampled)."""
    from workbench.windows import sample_origins, training_origins

    va = training_origins(panel, context=args.context_length, horizon=args.horizon, first=train_end,
                          last=val_end, stride=1, min_history=args.min_history)
    return sample_origins(va, max_windows, seed=seed)


def fit_forecast_calibration(fc_val, panel, context: int, *, method: str = "shift",
                             seed: int = 0) -> QuantileCalibration:
    """Fit a :class:`QuantileCalibration` on validation forecasts (a backtest ``Forecasts``).

    Windows are grouped by the zero share of their context (:func:`zero_share_group`) and scaled by
    its mean demand (:func:`window_stats`), the same for every model, neural or not.

    Args:
        fc_val: Forecasts at validation origins.
        panel: The data.
        context: Context length (periods) the window statistics read.
        method: ``"shift"``, ``"width"`` or ``"auto"`` (both fitted; the one of lower validation
            pinball loss, mean over levels, is kept).
        seed: Seed of the point subset on large panels.
    """
    from workbench.usecases.supply_chain.backtest import actuals

    y = actuals(panel, fc_val.origins, fc_val.daily.shape[1])
    scale, zero_share = window_stats(panel, fc_val.origins, context)
    groups = zero_share_group(zero_share)
    if method != "auto":
        return fit_quantile_calibration(y, fc_val.daily, scale, fc_val.taus, groups=groups, method=method, seed=seed)
    fits = [fit_quantile_calibration(y, fc_val.daily, scale, fc_val.taus, groups=groups, method=m, seed=seed)
            for m in METHODS]
    losses = [validation_pinball(y, cal.apply(fc_val.daily, scale, groups), fc_val.taus) for cal in fits]
    return fits[int(np.argmin(losses))]


def apply_forecast_calibration(cal: QuantileCalibration | None, fc, panel, context: int):
    """A copy of ``fc`` with calibrated daily quantiles (``fc`` itself when ``cal`` is ``None`` or it is empty)."""
    import dataclasses

    if cal is None or not len(fc.origins):
        return fc
    scale, zero_share = window_stats(panel, fc.origins, context)
    return dataclasses.replace(fc, daily=cal.apply(fc.daily, scale, zero_share_group(zero_share)))


def window_fingerprint(origins) -> dict:
    """``{"val_windows": count, "val_windows_sha256": short hash}`` of a set of validation windows.

    Models compare on validation only where they were scored on the same windows; the hash says
    which windows those were without storing them.
    """
    origins = np.ascontiguousarray(np.asarray(origins, dtype=np.int64))
    return {"val_windows": int(len(origins)), "val_windows_sha256": hashlib.sha256(origins.tobytes()).hexdigest()[:16]}


def calibration_report(fc_val, cal: QuantileCalibration, panel, context: int, *, calibrated=None) -> dict:
    """Validation pinball loss and 80 % interval coverage before and after ``cal`` (for ``results.json``).

    Args:
        fc_val: Raw forecasts at the validation origins.
        cal: The calibration fitted on them.
        panel: The data (validation actuals).
        context: Context length the window statistics read.
        calibrated: ``fc_val`` with ``cal`` applied, where the caller has it already (it is not
            applied a second time then).
    """
    from workbench.forecast_metrics import interval_coverage, to_count_scale
    from workbench.usecases.supply_chain.backtest import actuals

    y = actuals(panel, fc_val.origins, fc_val.daily.shape[1])
    after = (calibrated if calibrated is not None else apply_forecast_calibration(cal, fc_val, panel, context)).daily
    out = {}
    for when, q in (("raw", fc_val.daily), ("calibrated", after)):
        out[f"val_pinball_{when}"] = validation_pinball(y, q, fc_val.taus)
        out[f"val_coverage_80_{when}"] = interval_coverage(y, to_count_scale(q, y), fc_val.taus, 0.8)
        out[f"val_coverage_80_inclusive_{when}"] = interval_coverage(y, to_count_scale(q, y), fc_val.taus, 0.8,
                                                                     ties="inclusive")
    return out | window_fingerprint(fc_val.origins) | {"shifts": cal.to_dict()}


# ----------------------------------------------------------------------------- blend of two forecasters
BLEND_WEIGHTS = tuple(np.round(np.linspace(0.0, 1.0, 11), 2))
"""Weights of the first forecaster tried for a blend (0: the second alone, 1: the first alone)."""


def blend_forecasts(a, b, weight: float, name: str = "blend"):
    """``weight * a + (1 - weight) * b``, level by level, daily and cumulative quantiles.

    Averaging two forecasters' quantiles of the same level (quantile averaging) keeps every
    forecast's levels in order, and its pinball loss is at most the weighted mean of the two
    (the loss is convex in the quantile), so a blend cannot be worse than both parts.

    Raises:
        ValueError: The two forecast different windows or levels.
    """
    from workbench.usecases.supply_chain.backtest import Forecasts

    if not np.array_equal(a.origins, b.origins) or list(np.round(a.taus, 6)) != list(np.round(b.taus, 6)):
        raise ValueError(f"cannot blend {a.name} and {b.name}: they forecast different windows or quantile levels")
    w = float(weight)
    return Forecasts(name, a.origins, list(a.taus), w * a.daily + (1 - w) * b.daily,
                     w * a.cumulative + (1 - w) * b.cumulative, scale=a.scale)


def fit_blend_weight(val_a, val_b, panel, weights=BLEND_WEIGHTS) -> dict:
    """The weight of ``a`` whose blend has the least validation pinball loss (mean over levels).

    Args:
        val_a: First forecaster's (calibrated) forecasts at validation origins.
        val_b: Second forecaster's, at the same origins.
        panel: The data (validation actuals).
        weights: Weights tried; of equal losses the first in this order is kept.

    Returns:
        ``{"weight", "val_pinball", "val_pinball_by_weight": {weight: loss}, "val_coverage_80" (of the
        chosen blend, count scale), "val_windows", "val_windows_sha256"}``.
    """
    from workbench.forecast_metrics import interval_coverage, to_count_scale
    from workbench.usecases.supply_chain.backtest import actuals

    y = actuals(panel, val_a.origins, val_a.daily.shape[1])
    losses = {float(w): validation_pinball(y, blend_forecasts(val_a, val_b, w).daily, val_a.taus) for w in weights}
    best = min(losses, key=lambda w: losses[w])
    q = blend_forecasts(val_a, val_b, best).daily
    coverage = interval_coverage(y, to_count_scale(q, y), val_a.taus, 0.8)
    return {"weight": best, "val_pinball": losses[best], "val_pinball_by_weight": losses,
            "val_coverage_80": coverage} | window_fingerprint(val_a.origins)
