"""Reliability metrics against hand-computed values."""

import math

import numpy as np
import pytest

from workbench.usecases.maintenance.evaluation import (best_f1_threshold, best_threshold, cost_curve, failure_metrics,
                                                       nasa_score, rul_metrics)


def test_nasa_score_is_asymmetric_and_matches_the_formula():
    # d = -13 (early): exp(1) - 1; d = +10 (late): exp(1) - 1; d = 0: 0
    assert nasa_score([50, 50, 50], [37, 60, 50]) == pytest.approx(2 * (math.e - 1))
    assert nasa_score([50], [60]) > nasa_score([50], [40])  # late is punished harder


def test_rul_metrics_raw_and_capped():
    m = rul_metrics([150, 20], [125, 20])
    assert m["rmse"] == pytest.approx(math.sqrt(25**2 / 2)) and m["rmse_capped"] == 0.0
    assert m["mae"] == pytest.approx(12.5) and m["n"] == 2


def test_cost_curve_and_best_threshold():
    # risk = -predicted RUL; engines 0 and 1 fail within the horizon
    pred = np.array([5.0, 40.0, 20.0, 100.0])
    fails = np.array([True, True, False, False])
    curve = cost_curve(-pred, fails, cost_missed=10, cost_early=1)
    never = curve.iloc[-1]
    assert never["fn"] == 2 and never["cost"] == 20
    best = best_threshold(-pred, fails, cost_missed=10, cost_early=1)
    # alarm at predicted RUL <= 40 catches both failures with one early replacement: cost 1
    assert best["threshold"] == -40 and best["cost"] == 1 and best["fn"] == 0 and best["fp"] == 1
    cheap_miss = best_threshold(-pred, fails, cost_missed=0.5, cost_early=1)
    assert cheap_miss["cost"] <= 1.0 and cheap_miss["fp"] == 0


def test_failure_metrics_and_threshold_choice():
    y = np.array([0, 0, 1, 1, 0, 1])
    s = np.array([0.1, 0.4, 0.8, 0.35, 0.2, 0.9])
    m = failure_metrics(y, s, threshold=0.5)
    assert m["precision"] == 1.0 and m["recall"] == pytest.approx(2 / 3) and m["f1"] == pytest.approx(0.8)
    assert 0.9 < m["pr_auc"] <= 1.0
    assert best_f1_threshold(y, s) == pytest.approx(0.35)
