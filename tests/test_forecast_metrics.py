"""Metric functions against values computed by hand."""

import numpy as np
import pandas as pd
import pytest

from workbench.forecast_metrics import (coverage, mase, pinball_loss, rmsse, series_metrics, smape, summarize,
                                        weighted_quantile_loss)


def test_pinball_by_hand():
    # y=3, q=2 at tau 0.9: 0.9*1 = 0.9; y=0, q=1: (0.9-1)*(-1) = 0.1; mean 0.5
    assert pinball_loss([3, 0], [2, 1], 0.9) == pytest.approx(0.5)
    assert pinball_loss([3, 0], [2, 1], 0.1) == pytest.approx((0.1 * 1 + 0.9 * 1) / 2)
    assert pinball_loss([4], [4], 0.3) == 0.0


def test_weighted_quantile_loss_by_hand():
    y = np.array([2.0, 0.0, 4.0])
    q = np.array([[1, 2], [0, 1], [5, 6]], dtype=float)                   # taus 0.1, 0.9
    # tau 0.1: (0.1*1) + 0 + (0.9*1) = 1.0 ; tau 0.9: 0 + 0.1*1 + 0.1*2 = 0.3 ; sum|y| = 6
    expected = np.mean([2 * 1.0 / 6, 2 * 0.3 / 6])
    assert weighted_quantile_loss(y, q, [0.1, 0.9]) == pytest.approx(expected)
    assert np.isnan(weighted_quantile_loss([0, 0], np.zeros((2, 1)), [0.5]))


def test_coverage():
    assert coverage([1, 5, 3, 10], [0, 0, 3, 0], [2, 4, 4, 9]) == pytest.approx(0.5)


def test_mase_and_rmsse_by_hand():
    history = [1, 3, 2, 4]                                                  # naive diffs 2, 1, 2
    assert mase([3, 5], [2, 2], history) == pytest.approx(((1 + 3) / 2) / (5 / 3))
    assert rmsse([3, 5], [2, 2], history) == pytest.approx(np.sqrt(((1 + 9) / 2) / ((4 + 1 + 4) / 3)))
    assert np.isnan(mase([1], [1], [2, 2, 2]))                              # constant history: no scale


def test_smape_zero_handling():
    # (0, 0) -> 0 ; (0, 2) -> 2 ; (2, 2) -> 0 ; (1, 3) -> 2*2/4 = 1
    assert smape([0, 0, 2, 1], [0, 2, 2, 3]) == pytest.approx((0 + 2 + 0 + 1) / 4)


def test_all_zero_forecast_can_win_mase_on_lumpy_demand():
    """The STACK_NOTES trap, pinned: MASE prefers zeros, the weighted quantile loss does not."""
    y = np.array([0, 0, 0, 9, 0, 0, 0, 12.0])
    hist = np.array([0, 0, 10, 0, 0, 0, 8, 0.0])
    zeros, mean = np.zeros(8), np.full(8, 2.6)
    assert mase(y, zeros, hist) < mase(y, mean, hist)
    taus = [0.1, 0.5, 0.9]
    q_zero = np.zeros((8, 3))
    q_good = np.column_stack([np.zeros(8), np.zeros(8), np.full(8, 10.0)])
    assert weighted_quantile_loss(y, q_good, taus) < weighted_quantile_loss(y, q_zero, taus)


def test_series_metrics_and_summary():
    y = np.array([[1.0, 2.0], [3.0, 0.0]])
    q = np.stack([0.5 * y, y, 1.5 * y], axis=-1)                              # mean forecast = y
    m = series_metrics(y, q, [0.1, 0.5, 0.9], history=[0, 1, 0, 1])
    assert m["mase"] == pytest.approx(0) and m["coverage"] == 1 and m["volume"] == 6
    assert m["pinball_0.5"] == 0 and m["pinball_0.1"] == pytest.approx(0.1 * 0.5 * 6 / 4)
    with pytest.raises(ValueError, match="must include 0.5"):
        series_metrics(y, q, [0.1, 0.4, 0.9], history=[0, 1])
    per = pd.DataFrame([dict(m, unique_id="a", sbc_class="smooth"), dict(m, unique_id="b", sbc_class="lumpy", wql=1.0,
                                                                          volume=2.0)])
    s = summarize(per, [0.1, 0.5, 0.9], ("sbc_class",))
    assert s["overall"]["n_series"] == 2
    assert s["overall"]["wql"] == pytest.approx((m["wql"] * 6 + 1.0 * 2) / 8)   # volume-weighted
    assert set(s["by_sbc_class"]) == {"smooth", "lumpy"}


def test_mean_from_quantiles_against_sampling():
    """The mean of a piecewise-linear quantile function, checked by sampling tau uniformly."""
    from workbench.forecast_metrics import mean_from_quantiles

    rng = np.random.default_rng(5)
    taus = [0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.98]
    for _ in range(50):
        q = np.sort(rng.gamma(1.0, 5.0, len(taus)))
        u = rng.uniform(0, 1, 400_000)
        sampled = np.interp(u, taus, q).mean()        # np.interp is flat beyond the ends, as documented
        assert mean_from_quantiles(q, taus) == pytest.approx(sampled, rel=0.01)


def test_point_metrics_use_the_mean_not_the_median_on_intermittent_demand():
    """Issue 12: the median of an intermittent series is 0, and MASE rewarded zeros."""
    taus = [0.1, 0.5, 0.9]
    y = np.array([[0.0, 0.0, 6.0, 0.0, 0.0, 6.0]])
    honest = np.broadcast_to(np.array([0.0, 0.0, 6.0]), (1, 6, 3))           # median 0, mean 1.8
    zeros = np.zeros((1, 6, 3))
    history = [0, 0, 6, 0, 0, 6, 0, 0, 6]
    m_honest, m_zero = series_metrics(y, honest, taus, history), series_metrics(y, zeros, taus, history)
    assert m_honest["rmsse"] < m_zero["rmsse"]
    assert m_honest["mase"] == pytest.approx(np.mean(np.abs(y - 1.8)) / 3.75)  # naive scale 30/8


def test_coverage_is_scored_on_the_count_scale():
    """Neural lower quantiles of 0.03 must not turn every zero-demand day into a miss."""
    taus = [0.05, 0.5, 0.98]
    y = np.array([[0.0, 0.0, 3.0, 1.0]])
    q = np.broadcast_to(np.array([0.03, 0.6, 3.4]), (1, 4, 3))
    assert series_metrics(y, q, taus, [0, 1, 0, 2])["coverage"] == 1.0
    assert series_metrics(y + 0.5, q, taus, [0, 1, 0, 2])["coverage"] == 0.75   # not counts: no rounding
