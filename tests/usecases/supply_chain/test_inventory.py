"""The (R, S) inventory simulation against a case computed by hand."""

import numpy as np
import pandas as pd
import pytest

from workbench.usecases.supply_chain.inventory import (InventoryPolicy, order_up_to_from_forecasts, quantile_at,
                                                       simulate_inventory, stock_for_service)


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
    assert np.isnan(stock_for_service(curve, 0.5))


def test_policy_problems():
    p = InventoryPolicy(service_level=1.2, lead_time=-1, review_period=0, order_cost=-1).problems()
    assert len(p) == 4 and any("service_level" in x for x in p)
