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


# ----------------------------------------------------------------------------- the alarm decision (issue 10)
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from workbench.usecases.maintenance.evaluation import (alarm_cost, alarm_cost_steps, cheapest_alarm,  # noqa: E402
                                                       format_threshold, maintenance_verdict, readable_threshold)


def _brute_cost(pred, truth, t, horizon, cm, ce):
    """The cost of "alarm when pred <= t", one engine at a time (the definition, no vectorising)."""
    cost = 0.0
    for p, y in zip(pred, truth):
        alarm, fails = p <= t, y <= horizon
        cost += cm if (fails and not alarm) else ce if (alarm and not fails) else 0.0
    return cost


def test_issue10_boundary_engine_is_kept_by_the_cheapest_threshold():
    # The optimum alarms the engine predicted at 75.03: a rounded "75" would drop it (cost 21 instead of 1).
    pred = np.array([75.03, 10.0, 120.0, 60.0])
    truth = np.array([20.0, 5.0, 150.0, 90.0])
    best = cheapest_alarm(pred, truth, horizon=30, cost_missed=20, cost_early=1)
    assert best["cost"] == 1.0 and best["fn"] == 0 and best["fp"] == 1
    assert best["threshold"] >= 75.03 and best["interval"] == [75.03, 120.0]
    assert alarm_cost(pred, truth, best["threshold"], horizon=30, cost_missed=20, cost_early=1)["cost"] == 1.0
    assert alarm_cost(pred, truth, 75, horizon=30, cost_missed=20, cost_early=1)["cost"] == 21.0
    # Raising the missed-failure cost changes the cost at the same threshold (the stale "11.0" of the issue).
    assert alarm_cost(pred, truth, 60, horizon=30, cost_missed=100, cost_early=1)["cost"] == 101.0


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 60).map(lambda v: v / 2), st.integers(0, 80)), min_size=1, max_size=25),
       st.sampled_from([0.1, 1.0, 3.0, 10.0, 100.0]), st.sampled_from([0.1, 1.0, 5.0]), st.integers(0, 40),
       st.lists(st.floats(-5, 50, allow_nan=False), min_size=1, max_size=5))
def test_cheapest_alarm_and_cost_match_brute_force(pairs, cm, ce, horizon, probes):
    pred = np.array([p for p, _ in pairs])
    truth = np.array([y for _, y in pairs], float)
    kw = {"horizon": horizon, "cost_missed": cm, "cost_early": ce}
    # Every distinct alarm set is reached at some predicted value or below all of them.
    candidates = list(pred) + [pred.min() - 1.0]
    brute_best = min(_brute_cost(pred, truth, t, horizon, cm, ce) for t in candidates)
    best = cheapest_alarm(pred, truth, **kw)
    assert best["cost"] == pytest.approx(brute_best)
    # The returned threshold itself reproduces the optimum (no rounding that changes the alarm set).
    assert _brute_cost(pred, truth, best["threshold"], horizon, cm, ce) == pytest.approx(brute_best)
    lo, hi = best["interval"]
    assert lo <= best["threshold"] < hi
    # Ties go to the rule with more alarms: no cheaper-or-equal rule alarms more engines.
    more = [t for t in candidates if (pred <= t).sum() > (pred <= best["threshold"]).sum()]
    assert all(_brute_cost(pred, truth, t, horizon, cm, ce) > brute_best + 1e-9 for t in more)
    # The cost at any threshold, and the step table, agree with the definition.
    steps = alarm_cost_steps(pred, truth, **kw)
    for t in probes + list(pred):
        direct = _brute_cost(pred, truth, t, horizon, cm, ce)
        assert alarm_cost(pred, truth, t, **kw)["cost"] == pytest.approx(direct)
        row = steps[(steps["from_rul"] <= t) & (t < steps["to_rul"])]
        assert len(row) == 1 and row["cost"].iloc[0] == pytest.approx(direct)


def test_readable_threshold_stays_inside_the_interval():
    rng = np.random.default_rng(0)
    for _ in range(500):
        a, b = np.sort(rng.uniform(-10, 200, 2))
        if a == b:
            continue
        t = readable_threshold(a, b)
        assert a <= t < b and float(format_threshold(t)) == t
    assert readable_threshold(75.03, 120.0) == 76.0
    assert readable_threshold(-np.inf, 3.5) == 3.0 and readable_threshold(7.2, np.inf) == 8.0


def test_alarm_inputs_are_checked():
    with pytest.raises(ValueError, match="one per engine"):
        alarm_cost([1.0, 2.0], [1.0], 5)
    with pytest.raises(ValueError, match="NaN"):
        cheapest_alarm([1.0, np.nan], [1.0, 2.0])


def test_maintenance_verdict_names_the_baseline_when_it_wins_or_ties():
    v = maintenance_verdict({"baseline": {"rmse": 20.0}, "frozen_base": {"rmse": 25.0}, "adapter": {"rmse": 20.1}})
    assert v["best"] == "baseline" and not v["adapter_best"] and "LightGBM baseline" in v["text"]
    v = maintenance_verdict({"baseline": {"rmse": 30.0}, "adapter": {"rmse": 20.0}})
    assert v["adapter_best"] and v["text"].startswith("Best model on this data: LoRA adapter")
