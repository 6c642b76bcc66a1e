"""Quantile calibration (count scale, per zero-share group) and the tie-aware 80 % coverage."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from workbench.forecast_metrics import interval_coverage, randomized_coverage_share
from workbench.usecases.supply_chain.calibration import (QuantileCalibration, best_shift, fit_quantile_calibration,
                                                         window_stats, zero_share_group)

TAUS = [0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.98]


def _loss(y, q, s, tau, d, counts, w=1.0):
    c = np.maximum(q + d * s, 0.0)
    c = np.round(c) if counts else c
    diff = y - c
    return float((np.maximum(tau * diff, (tau - 1) * diff) * w).sum())


def _brute_force_min(y, q, s, tau, counts, w):
    """Loss at every shift of a fine grid spanning all breakpoints, plus the breakpoints' neighbours."""
    top = y.max() + 2
    bps = np.concatenate([((k + 0.5) - q) / s for k in range(int(top) + 1)] + [(y - q) / s, -q / s])
    grid = np.concatenate([np.linspace(bps.min() - 1, bps.max() + 1, 4001), bps - 1e-7, bps + 1e-7, bps, [0.0]])
    return min(_loss(y, q, s, tau, d, counts, w) for d in grid)


@pytest.mark.parametrize("counts", [True, False])
@pytest.mark.parametrize("tau", [0.1, 0.5, 0.9])
def test_best_shift_matches_brute_force(counts, tau):
    rng = np.random.default_rng(int(tau * 100) + counts)
    n = 60
    y = rng.negative_binomial(1, 0.4, n).astype(float)                     # intermittent counts, many zeros
    q = np.abs(rng.normal(1.0, 1.0, n))
    s = rng.uniform(0.3, 3.0, n)
    w = 1.0 / s                                                            # as the calibration weighs windows
    d = best_shift(y, q, s, tau, counts=counts, weights=w)
    assert _loss(y, q, s, tau, d, counts, w) == pytest.approx(_brute_force_min(y, q, s, tau, counts, w), abs=1e-9)
    assert _loss(y, q, s, tau, d, counts, w) <= _loss(y, q, s, tau, 0.0, counts, w) + 1e-12   # never worse


def test_width_factor_matches_brute_force_and_keeps_the_median():
    rng = np.random.default_rng(3)
    n = 80
    y = rng.poisson(2.0, n).astype(float)
    med = rng.uniform(1.0, 3.0, n)
    dist = rng.uniform(0.1, 1.0, n)                                        # a too-narrow 0.9 quantile
    f = best_shift(y, med, dist, 0.9, counts=True, neutral=1.0, lower=0.0)
    grid = np.concatenate([np.linspace(0, 40, 40001), [1.0]])
    brute = min(_loss(y, med, dist, 0.9, d, True) for d in grid)
    assert f >= 0 and _loss(y, med, dist, 0.9, f, True) == pytest.approx(brute, abs=1e-9)
    q = np.stack([med - dist, med, med + dist], axis=-1)[:, None, :]
    cal = fit_quantile_calibration(y[:, None], q, np.ones(n), [0.1, 0.5, 0.9], method="width")
    assert cal.pooled[2] > 1.0                                              # widened
    np.testing.assert_allclose(cal.apply(q, np.ones(n))[..., 1], med[:, None])


def test_best_shift_grid_search_is_close_to_exact():
    """Beyond the exact limit the search over score quantiles lands within 0.5 % of the exact minimum."""
    rng = np.random.default_rng(5)
    n = 400
    y = rng.poisson(rng.gamma(1.0, 3.0, n)).astype(float)
    q = rng.gamma(1.0, 3.0, n)
    s = rng.uniform(0.5, 2.0, n)
    exact = best_shift(y, q, s, 0.9, counts=True)
    approx = best_shift(y, q, s, 0.9, counts=True, exact_limit=0)
    assert _loss(y, q, s, 0.9, approx, True) <= 1.005 * _loss(y, q, s, 0.9, exact, True)


def test_calibration_brings_count_intervals_to_nominal_and_lowers_pinball():
    """Too-narrow forecasts of Poisson counts, calibrated on one half, cover ~80 % on the other half."""
    rng = np.random.default_rng(0)
    n, H = 3000, 7
    lam = np.where(rng.random(n) < 0.5, rng.uniform(0.05, 0.5, n), rng.uniform(2, 30, n))   # sparse and smooth
    y = rng.poisson(np.broadcast_to(lam[:, None], (n, H))).astype(float)
    z = stats.norm.ppf(TAUS)
    narrow = lam[:, None, None] + 0.3 * np.sqrt(lam)[:, None, None] * z    # a third of the true spread
    q = np.broadcast_to(narrow, (n, H, len(TAUS)))
    zero_share = np.exp(-lam)                                             # known here: P(Y = 0)
    groups = zero_share_group(zero_share)
    fit, test = slice(0, n, 2), slice(1, n, 2)
    cal = fit_quantile_calibration(y[fit], q[fit], lam[fit], TAUS, groups=groups[fit])
    assert cal.counts and set(cal.groups) <= {"smooth", "intermittent", "sparse"} and cal.groups
    out = cal.apply(q[test], lam[test], groups[test])
    before = interval_coverage(y[test], np.round(np.maximum(q[test], 0)), TAUS)
    after = interval_coverage(y[test], np.round(out), TAUS)
    assert before < 0.6 and 0.76 <= after <= 0.86
    pin = lambda qq: np.mean([np.mean(np.maximum(t * (y[test] - qq[..., k]), (t - 1) * (y[test] - qq[..., k])))
                              for k, t in enumerate(TAUS)])
    assert pin(np.round(out)) < pin(q[test])


def test_calibration_round_trip_and_pooled_fallback():
    rng = np.random.default_rng(1)
    y = rng.poisson(3.0, (50, 5)).astype(float)
    q = np.full((50, 5, 3), 3.0)
    groups = np.array(["smooth"] * 45 + ["sparse"] * 5, dtype=object)
    cal = fit_quantile_calibration(y, q, np.ones(50), [0.1, 0.5, 0.9], groups=groups, min_group_points=100)
    assert "smooth" in cal.groups and "sparse" not in cal.groups       # 25 sparse points: pooled shifts
    assert np.allclose(cal.shifts_for(np.array(["sparse"], dtype=object))[0], cal.pooled)
    again = QuantileCalibration.from_dict(cal.to_dict())
    assert np.allclose(again.apply(q, np.ones(50), groups), cal.apply(q, np.ones(50), groups))
    assert QuantileCalibration.from_dict([0.1, 0.0, -0.1]).pooled == [0.1, 0.0, -0.1]   # older saves


@pytest.mark.parametrize("lam", [0.05, 0.5, 1.0, 5.0, 20.0, 100.0])
def test_randomized_coverage_of_true_count_quantiles_is_near_nominal(lam):
    """True Poisson quantiles cover 80 % under the randomised count; ties counted as covered read far higher."""
    y = np.random.default_rng(2).poisson(lam, 100_000).astype(float)
    q = np.broadcast_to(stats.poisson.ppf(TAUS, lam), (len(y), len(TAUS)))
    assert 0.77 <= interval_coverage(y, q, TAUS) <= 0.86
    if lam <= 1:
        assert interval_coverage(y, q, TAUS, ties="inclusive") > 0.9


def test_randomized_share_is_the_plain_indicator_away_from_ties():
    q = np.array([[1.0, 2.0, 4.0, 6.0, 8.0, 10.0, 12.0, 14.0]])
    y = np.array([0.0, 3.0, 5.0, 9.0, 11.0, 15.0])
    share = randomized_coverage_share(y, np.broadcast_to(q, (6, 8)), TAUS, 0.1, 0.9)
    assert share.tolist() == [0.0, 1.0, 1.0, 1.0, 0.0, 0.0]
    tie = randomized_coverage_share(np.array([2.0, 10.0]), np.broadcast_to(q, (2, 8)), TAUS, 0.1, 0.9)
    assert np.all((tie > 0) & (tie < 1))                                     # an interval end counts partly
    assert interval_coverage([1.5, 2.5], [[1.0, 2.0, 3.0]] * 2, [0.1, 0.5, 0.9]) == 1.0   # not counts: plain


def test_window_stats_reads_only_the_context_before_the_origin():
    import pandas as pd

    from workbench.usecases.supply_chain.data import validate_demand
    from workbench.windows import DemandPanel

    df = pd.DataFrame({"unique_id": "a", "ds": pd.date_range("2024-01-01", periods=10),
                       "y": [0, 0, 4, 0, 2, 0, 0, 99, 99, 99]})
    panel = DemandPanel.from_frame(validate_demand(df))
    scale, zero_share = window_stats(panel, np.array([[0, 7], [0, 2]]), context=5)
    assert scale[0] == pytest.approx(6 / 5) and zero_share[0] == pytest.approx(3 / 5)   # days 2..6
    assert zero_share[1] == 1.0 and scale[1] == pytest.approx(0.1)                  # days 0..1, floored scale
    assert list(zero_share_group([0.1, 0.5, 0.9])) == ["smooth", "intermittent", "sparse"]


def test_auto_keeps_the_method_of_lower_validation_pinball(tiny_demand):
    from workbench.usecases.supply_chain.backtest import Forecasts, actuals
    from workbench.usecases.supply_chain.calibration import (METHODS, fit_forecast_calibration, validation_pinball,
                                                             window_stats, zero_share_group)
    from workbench.windows import DemandPanel, training_origins

    panel = DemandPanel.from_frame(tiny_demand)
    origins = training_origins(panel, context=28, horizon=7, first=60, last=150, stride=1, min_history=7)
    y = actuals(panel, origins, 7)
    level = np.nanmean(panel.y[:, :60], axis=1)[origins[:, 0]]
    taus = [0.1, 0.5, 0.9]
    # A median far too low: only the shift can move it, the width method cannot.
    q = (0.3 * level)[:, None, None] * np.array([0.5, 1.0, 1.5])[None, None, :] * np.ones((1, 7, 1))
    fc = Forecasts("m", origins, taus, q, q)
    scale, zs = window_stats(panel, origins, 28)
    groups = zero_share_group(zs)
    loss = {m: validation_pinball(y, fit_forecast_calibration(fc, panel, 28, method=m).apply(q, scale, groups), taus)
            for m in METHODS}
    auto = fit_forecast_calibration(fc, panel, 28, method="auto")
    assert auto.method == min(loss, key=loss.get) == "shift"
    assert validation_pinball(y, auto.apply(q, scale, zero_share_group(zs)), taus) == pytest.approx(min(loss.values()))


def test_blend_weight_is_the_brute_force_minimum_of_validation_pinball():
    """fit_blend_weight against a plain loop over the weights and the pinball definition."""
    import pandas as pd

    from workbench.usecases.supply_chain.backtest import Forecasts
    from workbench.usecases.supply_chain.calibration import BLEND_WEIGHTS, blend_forecasts, fit_blend_weight
    from workbench.usecases.supply_chain.data import validate_demand
    from workbench.windows import DemandPanel

    rng = np.random.default_rng(3)
    T, H, taus = 60, 5, [0.1, 0.5, 0.9]
    demand = pd.DataFrame({"unique_id": np.repeat(["a", "b"], T), "ds": np.tile(pd.date_range("2024-01-01", periods=T), 2),
                           "y": rng.poisson(4.0, 2 * T).astype(float)})
    panel = DemandPanel.from_frame(validate_demand(demand))
    origins = np.array([[s, o] for s in (0, 1) for o in range(40, 55)])
    truth = np.stack([panel.y[s, o:o + H] for s, o in origins])
    a_q = truth[..., None] + rng.normal(0, 1.5, (len(origins), H, 1)) + np.array([-2.0, 0.0, 2.0])
    b_q = np.full((len(origins), H, 3), [2.0, 4.0, 6.5])
    a = Forecasts("adapter", origins, taus, a_q, np.cumsum(a_q, 1))
    b = Forecasts("lightgbm", origins, taus, b_q, np.cumsum(b_q, 1))

    def pinball(y, q, t):
        return np.mean(np.maximum(t * (y - q), (t - 1) * (y - q)))

    brute = {w: np.mean([pinball(truth, w * a_q[..., k] + (1 - w) * b_q[..., k], t) for k, t in enumerate(taus)])
             for w in BLEND_WEIGHTS}
    fit = fit_blend_weight(a, b, panel)
    assert fit["weight"] == min(brute, key=brute.get)
    assert fit["val_pinball"] == pytest.approx(min(brute.values()))
    assert fit["val_pinball"] <= min(brute[0.0], brute[1.0])  # never worse than either model alone
    # The chosen blend's 80 % interval coverage, for the recommendation's interval check.
    from workbench.forecast_metrics import interval_coverage, to_count_scale

    chosen = fit["weight"] * a_q + (1 - fit["weight"]) * b_q
    assert fit["val_coverage_80"] == pytest.approx(interval_coverage(truth, to_count_scale(chosen, truth), taus, 0.8))
    mixed = blend_forecasts(a, b, 0.3)
    assert np.allclose(mixed.daily, 0.3 * a_q + 0.7 * b_q) and np.allclose(mixed.cumulative, np.cumsum(mixed.daily, 1))
    with pytest.raises(ValueError, match="cannot blend adapter and lightgbm: they forecast different windows"):
        blend_forecasts(a, Forecasts("lightgbm", origins[:-1], taus, b_q[:-1], b_q[:-1]), 0.5)
