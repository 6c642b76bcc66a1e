"""The (R, S) inventory simulation against a case computed by hand."""

import numpy as np
import pandas as pd
import pytest

from workbench.usecases.supply_chain.inventory import (InventoryPolicy, order_up_to_from_forecasts, quantile_at,
                                                       simulate_inventory, stock_for_service,
                                                       stock_needed)


def test_hand_computed_case():
    """R = 2, L = 1, S = 10 on review days 0, 2, 4; demand 4, 5, 6, 2, 3, 3.

    day 0: stock 10, IP 10 -> no order; demand 4 -> 6
    day 1: demand 5 -> 1
    day 2: review, IP 1 -> order 9 (arrives day 3); demand 6 -> serve 1, lose 5 -> 0
    day 3: +9 -> 9; demand 2 -> 7
    day 4: review, IP 7 -> order 3 (arrives day 5); demand 3 -> 4
    day 5: +3 -> 7; demand 3 -> 4
    """
    pol = InventoryPolicy(service_level=0.9, lead_time=1, review_period=2, holding_rate=365.0, shortage_rate=2.0,
                          order_cost=5.0)
    levels = np.array([10, np.nan, 10, np.nan, 10, np.nan])
    res = simulate_inventory([4, 5, 6, 2, 3, 3], levels, pol, price=1.0)
    np.testing.assert_allclose(res.on_hand, [6, 1, 0, 7, 4, 4])
    np.testing.assert_allclose(res.orders, [0, 0, 9, 0, 3, 0])
    np.testing.assert_allclose(res.lost, [0, 0, 5, 0, 0, 0])
    s = res.summary()
    # Warm-up = L = 1 day; evaluated days 1..5: demand 5+6+2+3+3 = 19, lost 5
    assert s["fill_rate"] == pytest.approx(14 / 19)
    # Cycles start at arrivals: days [1, 3) has the stock-out, [3, 5) fine, [5, 7) incomplete
    assert (s["cycles"], s["cycles_ok"]) == (2, 1) and s["cycle_service_level"] == 0.5
    assert s["avg_stock"] == pytest.approx((1 + 0 + 7 + 4 + 4) / 5)
    # holding: 16 unit-days x price 1 x 365/365; shortage: 5 x 2; ordering: 2 orders x 5
    assert s["cost_holding"] == pytest.approx(16.0) and s["cost_shortage"] == 10 and s["cost_ordering"] == 10
    assert s["stockout_days"] == 1


def test_zero_lead_time_orders_arrive_before_demand():
    pol = InventoryPolicy(lead_time=0, review_period=1)
    res = simulate_inventory([3, 3, 3], [5, 5, 5], pol, initial_stock=0)
    np.testing.assert_allclose(res.on_hand, [2, 2, 2])
    assert res.summary()["fill_rate"] == 1.0


def test_quantile_interpolation_and_order_up_to():
    taus = [0.5, 0.9, 0.95]
    vals = np.array([10.0, 18.0, 20.0])
    assert quantile_at(vals, taus, 0.9) == 18
    assert quantile_at(vals, taus, 0.925) == pytest.approx(19)
    assert quantile_at(vals, taus, 0.99) == 20 and quantile_at(vals, taus, 0.1) == 10
    cum = np.zeros((2, 5, 3))
    cum[:, 2, :] = [[7, 9, 11], [1, 2, 3]]                                   # day index L+R-1 = 2
    S = order_up_to_from_forecasts(cum, taus, InventoryPolicy(service_level=0.95, lead_time=1, review_period=2))
    np.testing.assert_allclose(S, [11, 3])
    with pytest.raises(ValueError, match="exceeds the forecast horizon"):
        order_up_to_from_forecasts(cum, taus, InventoryPolicy(lead_time=3, review_period=7))


def test_higher_target_means_more_stock_and_service():
    rng = np.random.default_rng(0)
    demand = rng.poisson(5, 140).astype(float)
    out = []
    for S in (30, 45, 60):
        levels = np.full(140, np.nan)
        levels[::7] = S
        out.append(simulate_inventory(demand, levels, InventoryPolicy(lead_time=2, review_period=7)).summary())
    assert out[0]["avg_stock"] < out[1]["avg_stock"] < out[2]["avg_stock"]
    assert out[0]["fill_rate"] <= out[1]["fill_rate"] <= out[2]["fill_rate"] == 1.0


def test_stock_for_service_interpolates():
    curve = pd.DataFrame({"cycle_service_level": [0.8, 0.9, 1.0], "avg_stock_value": [100, 200, 400]})
    assert stock_for_service(curve, 0.95) == pytest.approx(300)
    # Every point above the target: the lowest stock tried, flagged, never NaN (issue 10).
    assert stock_for_service(curve, 0.5) == 100
    got = stock_needed(curve, 0.5)
    assert got["status"] == "at_lowest" and "lowest stock tried" in got["text"]
    out = stock_needed(curve, 1.01)
    assert out["status"] == "not_reached" and np.isnan(out["stock"]) and "400" in out["text"]


def _brute_force_stock(svc, stk, target, grid):
    """Smallest grid stock at which the monotone piecewise-linear curve reaches the target."""
    order = np.lexsort((svc, stk))
    x, y = np.asarray(stk, float)[order], np.maximum.accumulate(np.asarray(svc, float)[order])
    for g in grid:
        if g < x[0] or g > x[-1]:
            continue
        # Service at stock g: the highest service over the points at or below g, or on a segment.
        k = np.searchsorted(x, g, side="right")
        here = y[k - 1] if k == len(x) or x[k - 1] == g else y[k - 1] + (g - x[k - 1]) / (x[k] - x[k - 1]) * (y[k] - y[k - 1])
        if here >= target - 1e-12:
            return g
    return np.nan


def test_stock_needed_matches_brute_force_on_random_curves():
    rng = np.random.default_rng(7)
    for case in range(300):
        n = int(rng.integers(2, 7))
        stk = np.sort(rng.choice(np.arange(1, 200), size=n, replace=False)).astype(float)
        svc = np.clip(np.sort(rng.uniform(0.5, 1.0, n)) + rng.normal(0, 0.03, n), 0, 1)  # noise: not monotone
        target = float(rng.uniform(0.45, 1.02))
        curve = pd.DataFrame({"cycle_service_level": svc, "avg_stock_value": stk}).sample(frac=1, random_state=case)
        got = stock_needed(curve, target)
        grid = np.linspace(stk[0], stk[-1], 20001)
        want = _brute_force_stock(svc, stk, target, grid)
        step = grid[1] - grid[0]
        if np.isnan(want):
            assert got["status"] == "not_reached" and np.isnan(got["stock"]), case
        elif want == stk[0]:
            assert got["status"] in ("at_lowest", "interpolated") and got["stock"] == pytest.approx(stk[0], abs=step), case
        else:
            assert got["status"] == "interpolated", case
            assert want - step - 1e-9 <= got["stock"] <= want + 1e-9, (case, got, want)


def test_policy_problems():
    p = InventoryPolicy(service_level=1.2, lead_time=-1, review_period=0, order_cost=-1).problems()
    assert len(p) == 4 and any("service_level" in x for x in p)


def _brute_force_inventory(demand, levels, L):
    """Lost-sales (R, S) policy written independently: a list of (arrival day, quantity) orders."""
    pending, on_hand, lost_total, served_total, stocks = [], None, 0.0, 0.0, []
    reviews = [t for t, s in enumerate(levels) if not np.isnan(s)]
    on_hand = levels[reviews[0]]
    for t, d in enumerate(demand):
        on_hand += sum(q for day, q in pending if day == t)
        pending = [(day, q) for day, q in pending if day != t]
        if t in reviews:
            q = max(0.0, levels[t] - on_hand - sum(q for _, q in pending))
            if q > 0:
                if L == 0:
                    on_hand += q
                else:
                    pending.append((t + L, q))
        sold = min(on_hand, d)
        on_hand -= sold
        served_total += sold if t >= L else 0.0
        lost_total += (d - sold) if t >= L else 0.0
        stocks.append(on_hand)
    return served_total, lost_total, np.array(stocks)


def test_simulate_inventory_matches_brute_force_on_random_cases():
    rng = np.random.default_rng(11)
    for case in range(200):
        T, R, L = int(rng.integers(8, 40)), int(rng.integers(1, 8)), int(rng.integers(0, 4))
        demand = rng.poisson(rng.uniform(0.2, 8), T).astype(float)
        levels = np.full(T, np.nan)
        levels[::R] = rng.uniform(0, 40, len(levels[::R])).round(1)
        res = simulate_inventory(demand, levels, InventoryPolicy(lead_time=L, review_period=R))
        served, lost, stocks = _brute_force_inventory(demand, levels, L)
        s = res.summary()
        assert s["lost_units"] == pytest.approx(lost), case
        assert s["avg_stock"] == pytest.approx(stocks[L:].mean() if T > L else 0.0), case
        assert s["fill_rate"] == pytest.approx(served / demand[L:].sum() if demand[L:].sum() > 0 else 1.0), case


def test_holding_cost_follows_the_data_period():
    demand, levels = np.zeros(14), np.full(14, np.nan)
    levels[::7] = 10.0
    policy = InventoryPolicy(lead_time=0, review_period=7, order_cost=0)
    daily = simulate_inventory(demand, levels, policy, price=2.0).summary()["cost_holding"]
    weekly = simulate_inventory(demand, levels, policy, price=2.0, periods_per_year=365.25 / 7).summary()["cost_holding"]
    assert daily == pytest.approx(14 * 10 * 2 * 0.25 / 365)
    assert weekly == pytest.approx(daily * 365 / (365.25 / 7))
