"""Rolling-origin backtest: forecasts from every review day of the test period, scored and simulated.

Time layout of a panel with T days (all indices are day positions on the panel's calendar)::

    [0 ........ train_end) [train_end .. val_end) [val_end ............. T)
     adapter / baselines     validation (early      test: origins every R days
     fit their weights       stopping, checkpoint)  (R = review period)

An origin ``o`` is the first forecast day; a forecaster may read ``y`` only on days ``< o``.
Every origin's horizon must fit before T, so the last origin is ``T - H``. The inventory
simulation runs from ``val_end`` to the day after the last origin's review period, using the
order-up-to level each origin's cumulative forecast gives.

Usage::

    split = Split.from_args(len(panel.dates), args)
    fc = forecast_model(model, panel, split.test_origins(panel, args), args)
    per_series, summary = evaluate(fc, panel, args, split)
    inv = simulate_portfolio(fc, panel, args.inventory_policy())
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import torch

from workbench.usecases.supply_chain.inventory import (InventoryPolicy, order_up_to_from_forecasts,
                                                       simulate_inventory)
from workbench.forecast_metrics import series_metrics, summarize
from workbench.usecases.supply_chain.simulate import classify_sbc
from workbench.windows import PERIODS_PER_YEAR, DemandPanel, ForecastWindows, period_dates


@dataclass
class Split:
    """Day boundaries of a time split: train ``[0, train_end)``, val, test ``[val_end, T)``."""

    train_end: int
    val_end: int
    T: int

    @classmethod
    def from_args(cls, T: int, args) -> "Split":
        """Split the last ``test_periods`` for testing and the ``val_periods`` before for validation."""
        val_end = T - args.test_periods
        train_end = val_end - args.val_periods
        if train_end < args.min_history + args.horizon:
            # Periods, not days: on weekly or monthly data every setting counts the data's periods.
            raise ValueError(f"history of {T} periods is too short: need at least test_periods ({args.test_periods}) + "
                             f"val_periods ({args.val_periods}) + horizon ({args.horizon}) + min_history "
                             f"({args.min_history}) periods (days on daily data, weeks on weekly, months on "
                             "monthly data)")
        return cls(train_end, val_end, T)

    @classmethod
    def from_bounds(cls, panel: DemandPanel, val_start, test_start, args) -> "Split":
        """Split at the user's dates: validation from ``val_start``, test from ``test_start``.

        A missing validation start takes ``args.val_periods`` before the test start; a missing
        test start takes the last ``args.test_periods``.
        """
        T = len(panel.dates)
        val_end = int(panel.dates.searchsorted(pd.Timestamp(test_start))) if test_start is not None else T - args.test_periods
        train_end = int(panel.dates.searchsorted(pd.Timestamp(val_start))) if val_start is not None \
            else val_end - args.val_periods
        if train_end < args.min_history + args.horizon or val_end - train_end < 1 or T - val_end < args.horizon:
            raise ValueError(f"your split leaves {train_end} training, {val_end - train_end} validation and "
                             f"{T - val_end} test periods; need at least min_history + horizon "
                             f"({args.min_history + args.horizon}) training periods and a horizon ({args.horizon}) "
                             "of test periods")
        return cls(train_end, val_end, T)

    def test_origins(self, panel: DemandPanel, args) -> np.ndarray:
        """Origins every ``review_period`` days from ``val_end`` while the horizon fits.

        Only series with at least ``min_history`` observed days before the first test origin
        are included (new launches without history are reported separately).
        """
        starts = np.arange(self.val_end, self.T - args.horizon + 1, args.review_period)
        ok = self.eligible(panel, args)
        s, k = np.meshgrid(np.flatnonzero(ok), starts, indexing="ij")
        return np.column_stack([s.ravel(), k.ravel()]).astype(np.int64)

    def eligible(self, panel: DemandPanel, args) -> np.ndarray:
        """Series with enough history before the test period."""
        return (~np.isnan(panel.y[:, : self.val_end])).sum(axis=1) >= args.min_history


@dataclass
class Forecasts:
    """Quantile forecasts of one forecaster at many ``(series, origin)`` pairs, in demand units.

    Attributes:
        name: The forecaster's name.
        origins: ``(n, 2)`` series index and origin day index.
        taus: Quantile levels.
        daily: ``(n, H, Q)`` daily quantiles.
        cumulative: ``(n, H, Q)`` quantiles of demand summed over the first h+1 days.
        scale: ``(n,)`` the window scale of each forecast (neural models), or ``None``.
        calibration: ``{protection_days: (levels, corrections)}`` from :func:`calibrate`, or ``None``.
        validation: The same model's (calibrated) forecasts at validation origins, where the run made
            them (``experiment.calibrate_role``), or ``None``; the blend weight is chosen on them.
    """

    name: str
    origins: np.ndarray
    taus: list
    daily: np.ndarray
    cumulative: np.ndarray
    scale: np.ndarray | None = None
    calibration: dict | None = None
    validation: "Forecasts | None" = None

    def rows_of(self, series: int) -> np.ndarray:
        """Row indices of one series' forecasts, in their order.

        The grouping is computed once per ``Forecasts`` (a sort), so looking up every series costs
        O(n log n) in all; a boolean mask per series cost O(series x n), quadratic in the panel size.
        """
        groups = getattr(self, "_groups", None)
        if groups is None or groups[0] is not self.origins:
            order = np.argsort(self.origins[:, 0], kind="stable")
            keys, first = np.unique(self.origins[order, 0], return_index=True)
            bounds = dict(zip(keys.tolist(), zip(first.tolist(), np.r_[first[1:], len(order)].tolist())))
            groups = (self.origins, order, bounds)
            self._groups = groups
        _, order, bounds = groups
        lo, hi = bounds.get(int(series), (0, 0))
        return order[lo:hi]

    def frame(self, panel: DemandPanel) -> pd.DataFrame:
        """Long table ``unique_id, origin, ds, q<tau>...`` of the daily quantiles (for export/plots)."""
        n, H, Q = self.daily.shape
        s = np.repeat(self.origins[:, 0], H)
        o = np.repeat(self.origins[:, 1], H)
        h = np.tile(np.arange(H), n)
        cal = period_dates(panel.dates[0], int((o + h).max()) + 1 if len(o) else 1, panel.freq)
        out = pd.DataFrame({"unique_id": panel.ids[s], "origin": panel.dates[o], "ds": cal[o + h]})
        for k, t in enumerate(self.taus):
            out[f"q{t:g}"] = self.daily[..., k].reshape(-1)
        return out


@torch.no_grad()
def forecast_model(model: torch.nn.Module, panel: DemandPanel, origins: np.ndarray, args, *, name: str = "model",
                   batch_size: int = 512) -> Forecasts:
    """Run a :class:`QuantileForecaster` (plain or peft-wrapped) and rescale to demand units."""
    ds = ForecastWindows(panel, args.context_length, args.horizon, origins)
    was = model.training
    model.eval()
    daily, cum = [], []
    try:
        device = next(model.parameters()).device
        for i in range(0, len(ds), batch_size):
            b = ds.__getitems__(list(range(i, min(i + batch_size, len(ds)))))
            d, c = model(b["past"].to(device), b["future"].to(device))
            scale = b["scale"][:, None, None].to(device)
            daily.append((d * scale).cpu().numpy())
            cum.append((c * scale).cpu().numpy())
    finally:
        model.train(was)
    Q = len(args.quantiles)
    empty = np.zeros((0, args.horizon, Q))
    scale = ds.arrays(np.arange(len(ds)))["scale"] if len(ds) else np.zeros(0)
    return Forecasts(name, np.asarray(origins), list(args.quantiles),
                     np.concatenate(daily) if daily else empty, np.concatenate(cum) if cum else empty, scale)


CALIBRATION_LEVELS = np.round(np.arange(0.5, 0.995, 0.005), 4)


def validation_origins(panel: DemandPanel, args, split: "Split", days: int) -> np.ndarray:
    """Every day of the validation period from which ``days`` of actuals are known before ``val_end``."""
    starts = np.arange(split.train_end, split.val_end - days + 1)
    ok = np.flatnonzero(split.eligible(panel, args))
    s, k = np.meshgrid(ok, starts, indexing="ij")
    return np.column_stack([s.ravel(), k.ravel()]).astype(np.int64)


def calibrate(fc_val: Forecasts, panel: DemandPanel, days: int, levels=CALIBRATION_LEVELS) -> tuple[np.ndarray, np.ndarray]:
    """Conformal correction of the cumulative quantiles over ``days`` (the protection interval).

    Split-conformal quantile regression, one-sided (Romano, Patterson & Candes 2019, "Conformalized
    Quantile Regression"): on validation windows the model never trained on, the score is
    ``(actual sum - forecast tau-quantile of the sum) / window scale``; the correction for level tau
    is the ``ceil((n+1) tau) / n`` empirical quantile of the scores, so that
    ``P(sum <= q_tau + correction * scale) >= tau`` holds for exchangeable windows. A model whose
    quantiles are too narrow on a new region gets a positive correction, a too-wide one a negative.

    Args:
        fc_val: Forecasts at validation origins (with ``scale``).
        panel: The data (actuals of the validation period).
        days: Protection interval in days (lead time + review period).
        levels: Service levels to calibrate.

    Returns:
        ``(levels, corrections)``; corrections are in scaled units.
    """
    from workbench.usecases.supply_chain.inventory import quantile_at

    if fc_val.scale is None:
        raise ValueError("calibration needs the window scales of the forecasts (neural model forecasts)")
    y = actuals(panel, fc_val.origins, days)
    ok = ~np.isnan(y).any(axis=1)
    y_sum = y[ok].sum(axis=1)
    n = int(ok.sum())
    corr = np.zeros(len(levels))
    if n == 0:
        return np.asarray(levels, float), corr
    for i, lv in enumerate(levels):
        q = quantile_at(fc_val.cumulative[ok, days - 1, :], fc_val.taus, float(lv))
        scores = (y_sum - q) / fc_val.scale[ok]
        rank = min(1.0, np.ceil((n + 1) * lv) / n)
        corr[i] = float(np.quantile(scores, rank, method="higher"))
    return np.asarray(levels, float), corr


def forecast_baseline(baseline, panel: DemandPanel, origins: np.ndarray, split: Split) -> Forecasts:
    """Fit a baseline on the days before the test period and forecast the origins."""
    baseline.fit(panel, split.val_end)
    daily, cum = baseline.predict(panel, origins)
    return Forecasts(baseline.name, np.asarray(origins), list(baseline.taus), daily, cum)


def actuals(panel: DemandPanel, origins: np.ndarray, horizon: int) -> np.ndarray:
    """``(n, H)`` actual demand for the origins (NaN past the end of the data)."""
    pos = origins[:, 1][:, None] + np.arange(horizon)
    y = np.full(pos.shape, np.nan)
    ok = pos < panel.y.shape[1]
    y[ok] = panel.y[np.broadcast_to(origins[:, :1], pos.shape)[ok], pos[ok]]
    return y


def series_segments(panel: DemandPanel, split: Split) -> pd.DataFrame:
    """Static columns plus the Syntetos-Boylan class of each series' training history."""
    seg = panel.static.copy()
    seg["sbc_class"] = [classify_sbc(panel.y[i, : split.val_end])[0] for i in range(len(panel))]
    return seg


def evaluate(fc: Forecasts, panel: DemandPanel, args, split: Split,
             segments: pd.DataFrame | None = None) -> tuple[pd.DataFrame, dict]:
    """Accuracy of forecasts per series, per segment and overall.

    Args:
        fc: Forecasts at the test origins.
        panel: The data.
        args: Use-case settings (``season`` of the MASE scale is 1, see ``metrics.py``).
        split: The time split (scales use history before ``split.val_end``).
        segments: Per-series segment columns (default :func:`series_segments`).

    Returns:
        ``(per_series table, summary dict)``.
    """
    segments = series_segments(panel, split) if segments is None else segments
    y = actuals(panel, fc.origins, args.horizon)
    rows = []
    for s in np.unique(fc.origins[:, 0]):
        sel = fc.rows_of(s)
        m = series_metrics(y[sel], fc.daily[sel], fc.taus, panel.y[s, : split.val_end], season=1)
        rows.append({"unique_id": panel.ids[s], **m})
    per_series = pd.DataFrame(rows)
    if per_series.empty:
        return per_series, {"overall": {}}
    per_series = per_series.merge(segments, on="unique_id", how="left")
    cols = tuple(c for c in args.segment_columns if c in per_series.columns)
    return per_series, summarize(per_series, fc.taus, cols)


def order_levels(fc: Forecasts, policy: InventoryPolicy, panel: DemandPanel, series: int) -> np.ndarray:
    """Order-up-to array of one series over the panel calendar (NaN on non-review periods).

    Levels are non-negative and, where the series' demand is whole numbers, rounded to whole units.
    """
    levels = np.full(len(panel.dates), np.nan)
    sel = fc.rows_of(series)
    s_values = order_up_to_from_forecasts(fc.cumulative[sel], fc.taus, policy)
    cal = (fc.calibration or {}).get(policy.protection_days)
    if cal is not None and fc.scale is not None:
        correction = float(np.interp(policy.service_level, cal[0], cal[1]))
        s_values = np.maximum(s_values + correction * fc.scale[sel], 0.0)
    hist = panel.y[series][~np.isnan(panel.y[series])]
    if len(hist) and np.all(hist == np.round(hist)):
        # Count data: a planner stocks whole units, so S is put on the count scale too.
        s_values = np.round(s_values)
    levels[fc.origins[sel, 1]] = s_values
    return levels


def simulate_series(fc: Forecasts, panel: DemandPanel, series: int, policy: InventoryPolicy):
    """Inventory simulation of one series over the test period; returns an ``InventoryResult``."""
    sel = fc.rows_of(series)
    first, last = int(fc.origins[sel, 1].min()), int(fc.origins[sel, 1].max())
    # Run until the last order's cycle is complete (its arrival at last + L plus R periods): ending
    # at last + R cut every cycle short, so one origin gave zero cycles and a cycle service of 0.0.
    end = min(last + policy.lead_time + policy.review_period, len(panel.dates))
    levels = order_levels(fc, policy, panel, series)[first:end]
    demand = np.nan_to_num(panel.y[series, first:end])
    price = float(np.nanmedian(panel.price[series, first:end]))
    return simulate_inventory(demand, levels, policy, price=price,
                              periods_per_year=PERIODS_PER_YEAR.get(panel.freq, 365.0))


def simulate_portfolio(fc: Forecasts, panel: DemandPanel, policy: InventoryPolicy) -> tuple[pd.DataFrame, dict]:
    """Run the policy for every series and aggregate.

    Portfolio figures: fill rate = served / demanded over all series (volume-weighted); cycle
    service level = share of all replenishment cycles without lost sales; average stock in units
    and value summed over series; cost summed.

    Returns:
        ``(per-series table, portfolio dict)``.
    """
    rows = []
    for s in np.unique(fc.origins[:, 0]):
        res = simulate_series(fc, panel, int(s), policy).summary()
        rows.append({"unique_id": panel.ids[s], **res})
    per = pd.DataFrame(rows)
    if per.empty:
        return per, {}
    total = {
        "service_level_target": policy.service_level,
        "fill_rate": float((per["demand"] * per["fill_rate"]).sum() / max(per["demand"].sum(), 1e-9)),
        # NaN, never 0.0, when no complete cycle was simulated (too few origins).
        "cycle_service_level": (float(per["cycles_ok"].sum() / per["cycles"].sum()) if per["cycles"].sum()
                                else float("nan")),
        "cycles": int(per["cycles"].sum()),
        "avg_stock": float(per["avg_stock"].sum()),
        "avg_stock_value": float(per["avg_stock_value"].sum()),
        "stockout_days": int(per["stockout_days"].sum()),
        "lost_units": float(per["lost_units"].sum()),
        "cost": float(per["cost"].sum()),
        "n_series": int(len(per)),
        "n_origins": int(len(np.unique(fc.origins[:, 1]))),
    }
    total["meaningful"], total["note"] = inventory_reliability(total["n_origins"], total["cycles"])
    return per, total


MIN_ORIGINS = 3


def inventory_reliability(n_origins: int, cycles: int) -> tuple[bool, str]:
    """Whether inventory figures rest on enough review origins to be shown as results.

    With one or two origins the simulation covers one or two replenishment cycles per series, so
    fill rate, stock and cost mostly reflect the starting stock, not the policy: such figures are
    flagged and withheld from tables (``format_inventory``).

    Returns:
        ``(meaningful, note)``; the note says why figures are withheld ('' when they are not).
    """
    if cycles == 0:
        return False, (f"withheld: {n_origins} review origin(s) give no complete replenishment cycle; "
                       "lengthen the test period (test_periods) to at least 3 review periods")
    if n_origins < MIN_ORIGINS:
        return False, (f"withheld: only {n_origins} review origin(s) (at least {MIN_ORIGINS} needed); the "
                       "figures would mostly show the starting stock, not the policy")
    return True, ""


def service_curve_for(fc: Forecasts, panel: DemandPanel, args, levels) -> pd.DataFrame:
    """Achieved service and stock of one forecaster for several target service levels."""
    rows = []
    for lv in levels:
        _, tot = simulate_portfolio(fc, panel, args.inventory_policy(float(lv)))
        rows.append({"target": float(lv), **tot})
    return pd.DataFrame(rows)


def attach_calibration(fc: Forecasts, model: torch.nn.Module, panel: DemandPanel, args, split: Split) -> Forecasts:
    """Forecast the validation period with ``model`` and attach the conformal correction to ``fc``.

    Only the validation period (``[train_end, val_end)``) is used, never the test period, so the
    backtest stays out of sample. Returns ``fc`` (modified in place).
    """
    days = args.lead_time + args.review_period
    val = validation_origins(panel, args, split, days)
    if len(val) == 0:
        return fc
    fc_val = forecast_model(model, panel, val, args, name=f"{fc.name}-validation")
    fc.calibration = {days: calibrate(fc_val, panel, days)}
    return fc
