"""Inventory simulation: turn quantile forecasts into a periodic-review order-up-to policy.

Policy (R, S) with review period R and lead time L (days): on each review day t the planner
orders ``max(0, S_t - inventory position)``, where the inventory position is stock on hand plus
open orders. The order arrives at the start of day t + L. The order-up-to level ``S_t`` is the
``service_level`` quantile of demand over the protection interval t .. t+L+R-1 (Silver, Pyke &
Thomas 2017, "Inventory and Production Management in Supply Chains", ch. 6: with an (R, S)
policy the stock must cover L + R days). The forecasters give this quantile directly as a
*cumulative* quantile forecast, so no independence assumption between days is needed.

Unmet demand is lost (a DC that cannot ship loses the order to another source). Reported:

* **fill rate** (beta service): served units / demanded units,
* **cycle service level** (alpha service): share of replenishment cycles, the R days between two
  arrivals, without any lost sales,
* average stock on hand (units and value at price), stock-out days, lost units, orders,
* cost = holding (``holding_rate`` per year of the unit price) + lost sales (``shortage_rate`` of
  the price per lost unit) + a fixed cost per order.

The first L days (before the first order can arrive) are warm-up and not counted.

Usage::

    from workbench.usecases.supply_chain.inventory import InventoryPolicy, simulate_inventory
    res = simulate_inventory(demand, order_up_to, InventoryPolicy(lead_time=2, review_period=7))
    res.fill_rate, res.cycle_service_level, res.avg_stock
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd


@dataclass
class InventoryPolicy:
    """A periodic-review order-up-to policy and its cost rates.

    Attributes:
        service_level: Target cycle service level; S is this quantile of protection-interval demand.
        lead_time: Days from order to arrival (L >= 0).
        review_period: Days between orders (R >= 1).
        holding_rate: Holding cost per year as a share of the unit price (capital, space, risk;
            20-30 % is the usual planning figure, Silver et al. 2017 ch. 2).
        shortage_rate: Cost of one lost unit as a share of its price (lost margin and goodwill).
        order_cost: Fixed cost per order placed (currency units).
    """

    service_level: float = 0.95
    lead_time: int = 3
    review_period: int = 7
    holding_rate: float = 0.25
    shortage_rate: float = 0.5
    order_cost: float = 10.0

    @property
    def protection_days(self) -> int:
        """Length of the protection interval, L + R days."""
        return self.lead_time + self.review_period

    def problems(self, prefix: str = "inventory") -> list[str]:
        """Every problem of this policy, each naming its field."""
        out = []
        if not 0 < self.service_level < 1:
            out.append(f"{prefix}.service_level must be in (0, 1), got {self.service_level}")
        if self.lead_time < 0:
            out.append(f"{prefix}.lead_time must be >= 0 days, got {self.lead_time}")
        if self.review_period < 1:
            out.append(f"{prefix}.review_period must be >= 1 day, got {self.review_period}")
        for name in ("holding_rate", "shortage_rate", "order_cost"):
            if getattr(self, name) < 0:
                out.append(f"{prefix}.{name} must be >= 0, got {getattr(self, name)}")
        return out


@dataclass
class InventoryResult:
    """Outcome of one series' simulation (daily arrays cover the whole test period)."""

    demand: np.ndarray
    on_hand: np.ndarray      # end-of-day stock
    served: np.ndarray
    lost: np.ndarray
    orders: np.ndarray       # quantity ordered on each day (0 when none)
    order_up_to: np.ndarray  # S on review days, NaN otherwise
    warmup: int
    price: float = 1.0
    policy: InventoryPolicy = field(default_factory=InventoryPolicy)
    cycles_total: int = 0
    cycles_ok: int = 0
    periods_per_year: float = 365.0  # 52.18 on weekly data: holding cost follows the data's period

    def summary(self) -> dict[str, float]:
        """Service, stock and cost figures over the evaluated days (after warm-up)."""
        w = slice(self.warmup, None)
        demand, served, lost, stock = self.demand[w], self.served[w], self.lost[w], self.on_hand[w]
        n = max(len(stock), 1)
        p = self.policy
        holding = float(stock.sum()) * self.price * p.holding_rate / self.periods_per_year
        shortage = float(lost.sum()) * self.price * p.shortage_rate
        ordering = float((self.orders[w] > 0).sum()) * p.order_cost
        total_demand = float(demand.sum())
        return {
            "fill_rate": float(served.sum() / total_demand) if total_demand > 0 else 1.0,
            "cycle_service_level": self.cycles_ok / self.cycles_total if self.cycles_total else float("nan"),
            "avg_stock": float(stock.sum() / n),
            "avg_stock_value": float(stock.sum() / n * self.price),
            "stockout_days": int((lost > 0).sum()),
            "lost_units": float(lost.sum()),
            "demand": total_demand,
            "orders": int((self.orders[w] > 0).sum()),
            "cycles": self.cycles_total,
            "cycles_ok": self.cycles_ok,
            "cost_holding": holding,
            "cost_shortage": shortage,
            "cost_ordering": ordering,
            "cost": holding + shortage + ordering,
        }


def simulate_inventory(demand, order_up_to, policy: InventoryPolicy, *, price: float = 1.0,
                       initial_stock: float | None = None, periods_per_year: float = 365.0) -> InventoryResult:
    """Run the (R, S) policy over a demand path.

    Args:
        demand: Daily demand, shape ``(T,)``.
        order_up_to: Order-up-to level for each day; a review happens where it is not NaN.
            Typically every ``policy.review_period`` days starting at day 0.
        policy: Lead time, review period and cost rates.
        price: Unit price for stock value and cost.
        initial_stock: Stock on hand at the start of day 0; default the first order-up-to level.
        periods_per_year: Periods (array steps) per year, for the holding cost: 365 for daily,
            365.25 / 7 for weekly data.

    Returns:
        The daily trajectory and counters; call ``.summary()`` for the figures.
    """
    d = np.asarray(demand, float)
    s_levels = np.asarray(order_up_to, float)
    if d.shape != s_levels.shape:
        raise ValueError(f"demand {d.shape} and order_up_to {s_levels.shape} must have the same shape")
    T, L = len(d), policy.lead_time
    first = np.flatnonzero(~np.isnan(s_levels))
    stock = float(initial_stock if initial_stock is not None else (s_levels[first[0]] if len(first) else 0.0))
    arrivals = np.zeros(T + L + 1)
    on_hand, served, lost, orders = (np.zeros(T) for _ in range(4))
    on_order = 0.0
    for t in range(T):
        stock += arrivals[t]
        on_order -= arrivals[t]
        if not np.isnan(s_levels[t]):
            q = max(0.0, s_levels[t] - (stock + on_order))
            if q > 0:
                orders[t] = q
                if L == 0:
                    stock += q  # arrives before today's demand
                else:
                    arrivals[t + L] += q
                    on_order += q
        served[t] = min(stock, d[t])
        lost[t] = d[t] - served[t]
        stock -= served[t]
        on_hand[t] = stock
    # Replenishment cycles: from each arrival (review day + L) to the next arrival.
    reviews = first
    cycles_total = cycles_ok = 0
    for k, r in enumerate(reviews):
        start = r + L
        end = reviews[k + 1] + L if k + 1 < len(reviews) else start + policy.review_period
        if end > T:  # incomplete cycle at the end of the test period
            break
        cycles_total += 1
        cycles_ok += int(lost[start:end].sum() == 0)
    return InventoryResult(demand=d, on_hand=on_hand, served=served, lost=lost, orders=orders,
                           order_up_to=s_levels, warmup=min(L, T), price=float(price), policy=policy,
                           cycles_total=cycles_total, cycles_ok=cycles_ok, periods_per_year=float(periods_per_year))


def quantile_at(values, taus, level: float) -> np.ndarray:
    """Linear interpolation of a quantile forecast at ``level`` along its last axis.

    Outside the forecast grid the nearest quantile is used (so levels above the highest
    forecast quantile are understated: keep the service level inside the grid).
    """
    values = np.asarray(values, float)
    taus = np.asarray(taus, float)
    k = np.searchsorted(taus, level)
    if k == 0:
        return values[..., 0]
    if k >= len(taus):
        return values[..., -1]
    w = (level - taus[k - 1]) / (taus[k] - taus[k - 1])
    return values[..., k - 1] * (1 - w) + values[..., k] * w


def order_up_to_from_forecasts(cumulative, taus, policy: InventoryPolicy) -> np.ndarray:
    """S for each origin: the service-level quantile of cumulative demand over L + R days.

    Args:
        cumulative: Cumulative quantile forecasts, shape ``(n_origins, horizon, n_taus)``; entry
            ``[:, h-1, :]`` is the quantile of demand summed over the first h days.
        taus: Quantile levels.
        policy: The policy (its protection interval must fit into the horizon).

    Returns:
        Order-up-to levels, shape ``(n_origins,)``.
    """
    h = policy.protection_days
    if h > cumulative.shape[1]:
        raise ValueError(f"lead time + review period = {h} days exceeds the forecast horizon {cumulative.shape[1]}")
    return np.maximum(quantile_at(cumulative[:, h - 1, :], taus, policy.service_level), 0.0)


def service_curve(simulate_at, levels) -> pd.DataFrame:
    """Trade-off curve: achieved service and stock for several target service levels.

    Args:
        simulate_at: Callable ``level -> dict`` of portfolio figures (see ``backtest.py``).
        levels: Target service levels to try.

    Returns:
        One row per level with the figures returned by ``simulate_at``.
    """
    rows = [{"target": float(lv), **simulate_at(float(lv))} for lv in levels]
    return pd.DataFrame(rows)


def stock_needed(curve, target: float, *, service: str = "cycle_service_level",
                 stock: str = "avg_stock_value") -> dict:
    """Stock needed to reach an achieved service level: the one function every widget and report uses.

    The points of a service-stock curve (one per target level tried) are sorted by stock and made
    monotone in service (more stock never lowers service in expectation; simulation noise can), then
    the smallest stock at which the piecewise-linear curve reaches ``target`` is returned.

    Args:
        curve: DataFrame (or dict of lists) with the columns ``service`` and ``stock``.
        target: The achieved service level to reach, e.g. 0.95.
        service: Service column (``cycle_service_level`` or ``fill_rate``).
        stock: Stock column (``avg_stock_value`` or ``avg_stock``).

    Returns:
        ``{"stock", "status", "text"}``. ``status`` is ``"interpolated"`` (target inside the range
        achieved), ``"at_lowest"`` (every point tried is already at or above the target: ``stock``
        is the lowest stock tried, an upper bound of what is needed, never NaN) or ``"not_reached"``
        (no point reaches the target: ``stock`` is NaN and the text names the highest stock tried)
        or ``"no_data"``.
    """
    c = pd.DataFrame(curve)
    if c.empty or service not in c or stock not in c:
        return {"stock": float("nan"), "status": "no_data", "text": "no service-stock curve to read from"}
    c = c[[service, stock]].dropna().sort_values([stock, service])
    if c.empty:
        return {"stock": float("nan"), "status": "no_data", "text": "every point of the curve is undefined"}
    svc = np.maximum.accumulate(c[service].to_numpy(float))
    stk = c[stock].to_numpy(float)
    if svc[0] >= target:
        return {"stock": float(stk[0]), "status": "at_lowest",
                "text": f"already reached at the lowest stock tried ({stk[0]:,.0f}); less may suffice"}
    if svc[-1] < target:
        return {"stock": float("nan"), "status": "not_reached",
                "text": f"not reached: even the highest stock tried ({stk[-1]:,.0f}) achieves only {svc[-1]:.1%}"}
    # First segment whose upper end reaches the target; interpolate inside it (flat parts skipped).
    k = int(np.flatnonzero(svc >= target)[0])
    lo_s, hi_s, lo_x, hi_x = svc[k - 1], svc[k], stk[k - 1], stk[k]
    value = hi_x if hi_s == lo_s else lo_x + (target - lo_s) / (hi_s - lo_s) * (hi_x - lo_x)
    return {"stock": float(value), "status": "interpolated", "text": f"{value:,.0f}"}


def stock_for_service(curve: pd.DataFrame, target: float, *, service: str = "cycle_service_level",
                      stock: str = "avg_stock_value") -> float:
    """The ``stock`` of :func:`stock_needed` (NaN only when the target is not reached)."""
    return stock_needed(curve, target, service=service, stock=stock)["stock"]
