"""Rolling-origin backtest: no forecaster may read demand on or after its origin (leakage tests)."""

import dataclasses

import numpy as np
import pandas as pd
import pytest
import torch

from workbench.usecases.supply_chain.backtest import (Split, evaluate, forecast_baseline, forecast_model,
                                                      simulate_portfolio)
from workbench.usecases.supply_chain.baselines import CrostonTSB, ETSForecaster, LightGBMQuantile, SeasonalNaive
from workbench.usecases.supply_chain.model import QuantileForecaster, arch_config
from workbench.windows import DemandPanel, ForecastWindows, training_origins


@pytest.fixture()
def panel(tiny_demand):
    return DemandPanel.from_frame(tiny_demand)


def _future_changed(panel: DemandPanel, origin: int) -> DemandPanel:
    """The same panel with every demand value on or after ``origin`` replaced."""
    other = dataclasses.replace(panel, y=panel.y.copy())
    rng = np.random.default_rng(1)
    other.y[:, origin:] = rng.poisson(50, other.y[:, origin:].shape)
    return other


def _past_changed(panel: DemandPanel, origin: int) -> DemandPanel:
    other = dataclasses.replace(panel, y=panel.y.copy())
    other.y[:, origin - 10 : origin] *= 3
    return other


def test_split_and_test_origins(panel, tiny_task):
    split = Split.from_args(len(panel.dates), tiny_task)
    assert split.val_end == 150 - 28 and split.train_end == split.val_end - 14
    origins = split.test_origins(panel, tiny_task)
    assert set(np.unique(origins[:, 1])) == {122, 129, 136}                # every R=7 days while H=14 fits
    with pytest.raises(ValueError, match="too short"):
        Split.from_args(40, tiny_task)


def test_training_windows_never_reach_past_the_cutoff(panel, tiny_task):
    orig = training_origins(panel, context=28, horizon=14, first=0, last=100, stride=1)
    assert len(orig) > 0 and (orig[:, 1] + 14 <= 100).all()
    ds = ForecastWindows(panel, 28, 14, orig)
    changed = _future_changed(panel, 100)
    ds2 = ForecastWindows(changed, 28, 14, orig)
    a, b = ds.arrays(np.arange(len(orig))), ds2.arrays(np.arange(len(orig)))
    for key in ("past", "future", "target", "scale"):
        np.testing.assert_array_equal(a[key], b[key])


def test_model_forecasts_do_not_see_the_future(panel, tiny_task):
    torch.manual_seed(0)
    model = QuantileForecaster(arch_config(tiny_task)).eval()
    origins = np.array([[0, 110], [3, 110], [5, 110]])
    a = forecast_model(model, panel, origins, tiny_task)
    b = forecast_model(model, _future_changed(panel, 110), origins, tiny_task)
    np.testing.assert_array_equal(a.daily, b.daily)
    np.testing.assert_array_equal(a.cumulative, b.cumulative)
    c = forecast_model(model, _past_changed(panel, 110), origins, tiny_task)
    assert not np.allclose(a.daily, c.daily)                                  # the past does matter
    assert (np.diff(a.daily, axis=-1) >= 0).all() and (a.daily >= 0).all()    # ordered, non-negative
    assert (np.diff(a.cumulative, axis=1) >= -1e-5).all()                    # sums grow with the horizon


@pytest.mark.parametrize("make", [
    lambda t: SeasonalNaive(t.quantiles, t.horizon),
    lambda t: ETSForecaster(t.quantiles, t.horizon),
    lambda t: CrostonTSB(t.quantiles, t.horizon),
    lambda t: LightGBMQuantile(t.quantiles, t.horizon, n_estimators=5, min_history=7),
], ids=["seasonal_naive", "ets", "croston_tsb", "lightgbm"])
def test_baselines_do_not_see_the_future(panel, tiny_task, make):
    split = Split.from_args(len(panel.dates), tiny_task)
    origins = split.test_origins(panel, tiny_task)
    first = int(origins[:, 1].min())
    a = forecast_baseline(make(tiny_task), panel, origins[origins[:, 1] == first], split)
    b = forecast_baseline(make(tiny_task), _future_changed(panel, first), origins[origins[:, 1] == first], split)
    np.testing.assert_allclose(a.daily, b.daily)
    np.testing.assert_allclose(a.cumulative, b.cumulative)
    c = forecast_baseline(make(tiny_task), _past_changed(panel, first), origins[origins[:, 1] == first], split)
    assert not np.allclose(a.daily, c.daily)
    assert (a.daily >= 0).all() and (np.diff(a.daily, axis=-1) >= -1e-9).all()


def test_evaluate_and_simulate_portfolio(panel, tiny_task):
    split = Split.from_args(len(panel.dates), tiny_task)
    origins = split.test_origins(panel, tiny_task)
    fc = forecast_baseline(SeasonalNaive(tiny_task.quantiles, tiny_task.horizon), panel, origins, split)
    per, summary = evaluate(fc, panel, tiny_task, split)
    assert len(per) == len(panel) and {"wql", "mase", "sbc_class", "dc"} <= set(per.columns)
    assert "by_sbc_class" in summary and summary["overall"]["n_series"] == len(panel)
    per_inv, tot = simulate_portfolio(fc, panel, tiny_task.inventory_policy())
    assert 0 <= tot["fill_rate"] <= 1 and 0 <= tot["cycle_service_level"] <= 1
    assert tot["avg_stock_value"] > 0 and len(per_inv) == len(panel)
    frame = fc.frame(panel)
    assert len(frame) == len(origins) * tiny_task.horizon and "q0.5" in frame


def test_conformal_calibration_widens_too_narrow_quantiles(panel, tiny_task):
    from workbench.usecases.supply_chain.backtest import Forecasts, calibrate, order_levels

    rng = np.random.default_rng(0)
    origins = np.column_stack([np.zeros(200, int), np.arange(200) % 100])
    panel2 = dataclasses.replace(panel, y=panel.y.copy())
    panel2.y[0, :] = rng.poisson(10, panel.y.shape[1])
    taus = [0.5, 0.9, 0.95]
    cum = np.zeros((200, 14, 3))
    cum[:, :, :] = (np.arange(1, 15) * 10)[None, :, None]                   # all quantiles = the mean: too narrow
    fc = Forecasts("m", origins, taus, cum.copy(), cum, scale=np.full(200, 10.0))
    levels, corr = calibrate(fc, panel2, days=10)
    at95 = float(np.interp(0.95, levels, corr))
    assert at95 > 0 and np.all(np.diff(corr) >= -1e-12)                     # wider for higher levels
    # After the correction, the 95 % order-up-to level covers ~95 % of the 10-day sums.
    sums = np.array([panel2.y[0, o:o + 10].sum() for o in origins[:, 1]])
    assert np.mean(sums <= 100 + at95 * 10) >= 0.95
    fc.calibration = {10: (levels, corr)}
    S = order_levels(fc, tiny_task.inventory_policy(0.95), panel2, 0)
    assert np.nanmax(S) == pytest.approx(100 + at95 * 10)
    with pytest.raises(ValueError, match="window scales"):
        calibrate(Forecasts("b", origins, taus, cum, cum), panel2, days=10)


def test_one_origin_gives_a_complete_cycle_and_is_withheld(panel, tiny_task):
    """Issue 12: one origin gave cycle service 0.0 (the simulation ended before the cycle closed)."""
    split = Split.from_args(len(panel.dates), tiny_task)
    origins = split.test_origins(panel, tiny_task)
    one = origins[origins[:, 1] == origins[:, 1].min()]
    fc = forecast_baseline(SeasonalNaive(tiny_task.quantiles, tiny_task.horizon), panel, one, split)
    _, tot = simulate_portfolio(fc, panel, tiny_task.inventory_policy())
    assert tot["cycles"] == len(panel)                                    # one complete cycle per series
    assert tot["fill_rate"] > 0.5 and tot["cycle_service_level"] > 0
    assert tot["meaningful"] is False and "only 1 review origin" in tot["note"]
    _, full = simulate_portfolio(forecast_baseline(SeasonalNaive(tiny_task.quantiles, tiny_task.horizon), panel,
                                                   origins, split), panel, tiny_task.inventory_policy())
    assert full["meaningful"] is True and full["note"] == "" and full["cycles"] == 3 * len(panel)


def test_inventory_reliability_without_cycles():
    from workbench.usecases.supply_chain.backtest import inventory_reliability

    ok, note = inventory_reliability(1, 0)
    assert not ok and "no complete replenishment cycle" in note


def test_order_up_to_levels_are_whole_units_on_count_data(panel, tiny_task):
    from workbench.usecases.supply_chain.backtest import order_levels

    split = Split.from_args(len(panel.dates), tiny_task)
    fc = forecast_baseline(ETSForecaster(tiny_task.quantiles, tiny_task.horizon), panel,
                           split.test_origins(panel, tiny_task), split)
    levels = order_levels(fc, tiny_task.inventory_policy(), panel, 0)
    shown = levels[~np.isnan(levels)]
    assert len(shown) == 3 and np.all(shown >= 0) and np.all(shown == np.round(shown))


def _intermittent_panel(seed=0, S=6, T=60):
    """Monthly-like intermittent demand: demand in ~30 % of periods, sizes 1-9; one item stops selling."""
    import pandas as pd

    rng = np.random.default_rng(seed)
    y = (rng.random((S, T)) < 0.3) * rng.integers(1, 10, (S, T))
    y = y.astype(float)
    y[0, 40:] = 0.0                                     # obsolescence: the item stops selling
    y[1, 5] = np.nan                                    # an unobserved period changes nothing
    rows = [(f"p{s}", d, y[s, t]) for s in range(S) for t, d in enumerate(pd.date_range("2020-01-01", periods=T,
                                                                                          freq="MS"))]
    df = pd.DataFrame(rows, columns=["unique_id", "ds", "y"]).dropna().assign(promo=0.0, price=1.0, holiday=0.0)
    df.attrs["freq"] = "MS"
    from workbench.windows import DemandPanel

    return DemandPanel.from_frame(df), y


def _tsb_by_hand(y, alpha, beta, init):
    """The TSB recursions written out plainly for one series: forecasts after each period and the SSE."""
    obs = [v for v in y if not np.isnan(v)][:init]
    p = float(np.mean([v > 0 for v in obs]))
    pos = [v for v in obs if v > 0]
    z = float(np.mean(pos)) if pos else 0.0
    out, sse, seen = [], 0.0, 0
    for v in y:
        if not np.isnan(v):
            seen += 1
            if seen > init:
                sse += (v - p * z) ** 2
            if v > 0:
                p, z = p + beta * (1 - p), z + alpha * (v - z)
            else:
                p = p - beta * p
        out.append(p * z)
    return np.array(out), sse


def test_croston_tsb_matches_the_recursions_and_picks_the_best_grid_point_by_brute_force():
    panel, y = _intermittent_panel()
    model = CrostonTSB([0.1, 0.5, 0.9], horizon=3, init=6).fit(panel, fit_end=len(panel.dates))
    for s in range(len(y)):
        sse = {(a, b): _tsb_by_hand(y[s], a, b, 6)[1] for a in model.alphas for b in model.betas}
        best = min(sse, key=sse.get)
        assert sse[tuple(model.params_[s])] == pytest.approx(sse[best])           # brute force agrees
        np.testing.assert_allclose(model.forecast_[s], _tsb_by_hand(y[s], *model.params_[s], 6)[0], rtol=1e-12)
    # Obsolescence: after 20 periods without demand the forecast has decayed (Croston's would not).
    assert model.forecast_[0, -1] < 0.5 * model.forecast_[0, 39]


def test_croston_tsb_quantiles_on_intermittent_data_have_a_mass_at_zero_and_sane_upper_levels():
    panel, y = _intermittent_panel(seed=1, S=20, T=72)
    model = CrostonTSB([0.1, 0.5, 0.9], horizon=3).fit(panel, fit_end=60)
    daily, cum = model.predict(panel, np.array([(s, 60) for s in range(20)]))
    assert daily.shape == (20, 3, 3) and (daily >= 0).all() and (np.diff(daily, axis=-1) >= -1e-6).all()
    assert (daily[:, :, 0] == 0).mean() > 0.9                 # the 0.1 level sits on "no demand"
    future = y[:, 60:63]
    hit = (future <= daily[:, :, 2]).mean()                   # the 0.9 level covers most periods
    assert 0.75 <= hit <= 1.0


def _monthly_panel(S=12, T=60, seed=0) -> DemandPanel:
    """Monthly demand with a strong month-of-year pattern (a peak every December)."""
    rng = np.random.default_rng(seed)
    dates = pd.date_range("2019-01-01", periods=T, freq="MS")
    season = np.where(dates.month == 12, 60.0, 10.0)
    y = rng.poisson(season[None, :] * rng.uniform(0.5, 2.0, (S, 1))).astype(float)
    df = pd.DataFrame({"unique_id": np.repeat([f"T{i}" for i in range(S)], T), "ds": np.tile(dates, S),
                       "y": y.ravel(), "promo": 0, "price": 1.0, "holiday": 0})
    df.attrs["freq"] = "MS"
    return DemandPanel.from_frame(df)


def test_lightgbm_features_follow_the_frequency_and_a_saved_model_keeps_them(panel, tmp_path):
    """Daily data keeps the daily spans (same weekday of the last 4 weeks); monthly data reads the same
    month of the last 2 years and trains on an origin every month. The frequency is saved with the
    trees, and forecasting data of another frequency is refused."""
    from workbench.usecases.supply_chain.baselines import LGBM_PROFILES

    gbm = LightGBMQuantile([0.1, 0.5, 0.9], 3, n_estimators=5, min_history=6)
    origins = np.array([[0, 40], [1, 47]])
    X, *_ = gbm._features(panel, origins)
    win = ForecastWindows(panel, 56, 3, origins).arrays(np.arange(2))["past"][..., 0]
    h = np.arange(3)
    by_hand = np.mean([win[:, 56 - 7 * k + (h % 7)] for k in (1, 2, 3, 4)], axis=0)   # the daily formula
    np.testing.assert_allclose(X[..., 5], by_hand)
    np.testing.assert_allclose(X[:, 0, 1], win[:, -7:].mean(1))

    monthly = _monthly_panel()
    assert LGBM_PROFILES[monthly.freq]["stride"] == 1
    origins = np.array([[0, 47], [3, 50]])  # horizons Dec-Feb and Mar-May
    X, *_ = gbm._features(monthly, origins)
    past = ForecastWindows(monthly, 56, 3, origins).arrays(np.arange(2))["past"][..., 0]
    by_hand = np.mean([past[:, 56 - 12 * k + h] for k in (1, 2)], axis=0)   # the same months, 1 and 2 years back
    np.testing.assert_allclose(X[..., 5], by_hand)
    assert X[0, 0, 5] > 2 * X[0, 1, 5]  # December's lags read the Decembers
    np.testing.assert_allclose(X[:, 0, 2], past[:, -12:].mean(1))

    gbm.fit(monthly, 48)
    reloaded = LightGBMQuantile.load(gbm.save(tmp_path / "gbm"))
    assert reloaded.freq_ == "MS"
    np.testing.assert_allclose(reloaded.predict(monthly, origins)[0], gbm.predict(monthly, origins)[0])
    with pytest.raises(ValueError, match="fitted on monthly data; the data to forecast is daily"):
        reloaded.predict(panel, np.array([[0, 40]]))
    # The daily design on monthly data stays available by name (the benchmark compares it).
    daily_design = LightGBMQuantile([0.1, 0.5, 0.9], 3, n_estimators=5, min_history=6, profile="D", stride=7)
    X_daily, *_ = daily_design._features(monthly, origins)
    np.testing.assert_allclose(X_daily[:, 0, 1], past[:, -7:].mean(1))
    with pytest.raises(ValueError, match="unknown LightGBM profile 'Q'"):
        LightGBMQuantile([0.5], 3, profile="Q")
