"""Figures and widgets of the supply-chain use case.

Pure plotly builders (data in, ``go.Figure`` out, testable without a kernel):

* :func:`fan_chart`: history, actuals and the quantile fan of one series, base against adapter,
* :func:`inventory_figure`: stock on hand, order-up-to levels, demand and stock-outs of one series,
* :func:`service_stock_figure`: achieved cycle service level against average stock value per
  forecaster (the planner's trade-off curve),
* :func:`segment_figure`: accuracy per segment (Syntetos-Boylan class, family, DC),

the ipywidgets panels that wire them to controls (:func:`forecast_explorer`,
:func:`service_level_panel`, :func:`portfolio_view`), and :func:`report_html` for the demo report.

Usage in a notebook::

    forecast_explorer(panel, {"frozen_base": fc_base, "adapter": fc_adapter})
    service_level_panel(panel, {"adapter": fc_adapter, "ets": fc_ets}, task)
"""

from __future__ import annotations

from typing import Mapping

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from workbench.widgets.figures import COLORS, LABELS, metrics_table

EXTRA_COLORS = {"seasonal_naive": "#bcbd22", "ets": "#8c8c8c", "lightgbm": "#2ca02c", "baseline": "#8c8c8c"}
EXTRA_LABELS = {"seasonal_naive": "Seasonal naive", "ets": "ETS (A,N,A)", "lightgbm": "LightGBM quantile",
                "frozen_base": "Frozen base (zero-shot)"}


def color(role: str) -> str:
    """Colour of a forecaster role, shared palette first."""
    return EXTRA_COLORS.get(role) or COLORS.get(role, "#17becf")


def label(role: str) -> str:
    """Display name of a forecaster role."""
    return EXTRA_LABELS.get(role) or LABELS.get(role, role)


def _rgba(hex_color: str, alpha: float) -> str:
    h = hex_color.lstrip("#")
    r, g, b = (int(h[i:i + 2], 16) for i in (0, 2, 4))
    return f"rgba({r},{g},{b},{alpha})"


def fan_chart(panel, series: int, forecasts: Mapping[str, object], origin: int, *, history_days: int = 56,
              title: str | None = None) -> go.Figure:
    """History, actuals and quantile fans of several forecasters from one origin.

    Args:
        panel: The ``DemandPanel``.
        series: Series index.
        forecasts: Role -> ``Forecasts`` (each must contain ``(series, origin)``).
        origin: Origin day index.
        history_days: Days of history shown before the origin.
        title: Figure title (default: the series id).

    Raises:
        ValueError: A forecaster has no forecast for this series and origin.
    """
    fig = go.Figure()
    start = max(origin - history_days, 0)
    dates = panel.dates
    fig.add_trace(go.Scatter(x=dates[start:origin], y=panel.y[series, start:origin], name="history",
                             mode="lines", line=dict(color="#444")))
    for role, fc in forecasts.items():
        hit = np.flatnonzero((fc.origins[:, 0] == series) & (fc.origins[:, 1] == origin))
        if len(hit) == 0:
            raise ValueError(f"{role} has no forecast for series {panel.ids[series]!r} at {dates[origin].date()}")
        q = fc.daily[hit[0]]                                            # (H, Q)
        H = q.shape[0]
        step = dates[1] - dates[0] if len(dates) > 1 else pd.Timedelta(days=1)
        x = [dates[0] + (origin + h) * step for h in range(H)]
        taus = list(fc.taus)
        c = color(role)
        lo, hi = 0, len(taus) - 1
        fig.add_trace(go.Scatter(x=x + x[::-1], y=list(q[:, hi]) + list(q[::-1, lo]), fill="toself",
                                 fillcolor=_rgba(c, 0.15), line=dict(width=0), hoverinfo="skip",
                                 name=f"{label(role)} {taus[lo]:g}-{taus[hi]:g}"))
        if 0.25 in taus and 0.75 in taus:
            a, b = taus.index(0.25), taus.index(0.75)
            fig.add_trace(go.Scatter(x=x + x[::-1], y=list(q[:, b]) + list(q[::-1, a]), fill="toself",
                                     fillcolor=_rgba(c, 0.3), line=dict(width=0), hoverinfo="skip",
                                     name=f"{label(role)} 0.25-0.75"))
        fig.add_trace(go.Scatter(x=x, y=q[:, taus.index(0.5)], name=f"{label(role)} median", mode="lines",
                                 line=dict(color=c, width=2)))
    H = next(iter(forecasts.values())).daily.shape[1] if forecasts else 0
    end = min(origin + H, len(dates))
    fig.add_trace(go.Scatter(x=dates[origin:end], y=panel.y[series, origin:end], name="actual", mode="markers+lines",
                             line=dict(color=COLORS["truth"], dash="dot")))
    fig.add_vline(x=dates[origin], line_dash="dash", line_color="#999")
    fig.update_layout(title=title or f"{panel.ids[series]}: forecast from {dates[origin].date()}",
                      yaxis_title="units / day", margin=dict(l=10, r=10, t=40, b=10), legend=dict(orientation="h"))
    return fig


def inventory_figure(result, dates=None, title: str = "Inventory simulation") -> go.Figure:
    """Stock on hand, order-up-to levels, daily demand and stock-out days of one simulated series."""
    T = len(result.on_hand)
    x = list(dates[:T]) if dates is not None else list(range(T))
    fig = go.Figure()
    fig.add_trace(go.Bar(x=x, y=result.demand, name="demand", marker_color="#c7c7c7"))
    fig.add_trace(go.Scatter(x=x, y=result.on_hand, name="stock on hand (end of day)", mode="lines",
                             line=dict(color=COLORS["adapter"], width=2, shape="hv")))
    rev = ~np.isnan(result.order_up_to)
    fig.add_trace(go.Scatter(x=[x[i] for i in np.flatnonzero(rev)], y=result.order_up_to[rev], mode="markers",
                             name="order-up-to level S", marker=dict(symbol="triangle-up", size=9, color="#1f77b4")))
    out = np.flatnonzero(result.lost > 0)
    if len(out):
        fig.add_trace(go.Scatter(x=[x[i] for i in out], y=np.zeros(len(out)), mode="markers", name="stock-out",
                                 marker=dict(symbol="x", size=10, color="#d62728")))
    s = result.summary()
    fig.update_layout(title=f"{title}: fill rate {s['fill_rate']:.1%}, cycle service {s['cycle_service_level']:.1%}, "
                            f"avg stock {s['avg_stock']:.0f}, cost {s['cost']:.0f}",
                      margin=dict(l=10, r=10, t=40, b=10), legend=dict(orientation="h"), barmode="overlay")
    return fig


def service_stock_figure(curves: Mapping[str, Mapping], target: float | None = None,
                         service: str = "cycle_service_level") -> go.Figure:
    """Achieved service level against average stock value, one line per forecaster.

    Args:
        curves: Role -> curve (a DataFrame or ``to_dict(orient="list")`` of one) with columns
            ``target``, ``avg_stock_value`` and ``service``.
        target: Draw the target service level as a horizontal line.
        service: ``cycle_service_level`` or ``fill_rate``.
    """
    fig = go.Figure()
    for role, curve in curves.items():
        c = pd.DataFrame(curve)
        if c.empty:
            continue
        fig.add_trace(go.Scatter(x=c["avg_stock_value"], y=c[service], mode="lines+markers", name=label(role),
                                 line=dict(color=color(role)), text=[f"target {t:.0%}" for t in c["target"]],
                                 hovertemplate="%{text}<br>stock %{x:.0f}<br>achieved %{y:.1%}<extra></extra>"))
    if target is not None:
        fig.add_hline(y=target, line_dash="dash", line_color="#999")
    fig.update_layout(title=f"Achieved {service.replace('_', ' ')} against average stock value (up-left is better)",
                      xaxis_title="average stock value", yaxis_title=service.replace("_", " "),
                      yaxis_tickformat=".0%", margin=dict(l=10, r=10, t=40, b=10))
    return fig


def segment_figure(by_segment: Mapping[str, Mapping], column: str = "sbc_class", metric: str = "wql") -> go.Figure:
    """Grouped bars of one metric per segment and forecaster (from ``result["by_segment"]``)."""
    fig = go.Figure()
    key = f"by_{column}"
    for role, segs in by_segment.items():
        if key not in segs:
            continue
        names = sorted(segs[key])
        fig.add_trace(go.Bar(x=names, y=[segs[key][n].get(metric) for n in names], name=label(role),
                             marker_color=color(role)))
    fig.update_layout(barmode="group", title=f"{metric} by {column} (lower is better)", yaxis_title=metric,
                      margin=dict(l=10, r=10, t=40, b=10))
    return fig


# ----------------------------------------------------------------------------- panels (ipywidgets)
def forecast_explorer(panel, forecasts: Mapping[str, object], *, history_days: int = 56):
    """Pick SKU, location and origin; see history, quantile fans of each forecaster and actuals."""
    import ipywidgets as w

    static = panel.static
    skus = sorted(static["sku"].unique()) if "sku" in static else list(panel.ids)
    locs = sorted(static["dc"].unique()) if "dc" in static else ["-"]
    first = next(iter(forecasts.values()))
    origins = sorted(set(first.origins[:, 1].tolist()))
    sku = w.Dropdown(options=skus, description="SKU")
    loc = w.Dropdown(options=locs, description="Location")
    org = w.Dropdown(options=[(str(panel.dates[o].date()), o) for o in origins], description="Origin")
    fig = go.FigureWidget()
    msg = w.HTML()

    def series_index() -> int | None:
        if "sku" in static and "dc" in static:
            hit = np.flatnonzero((static["sku"] == sku.value).to_numpy() & (static["dc"] == loc.value).to_numpy())
            return int(hit[0]) if len(hit) else None
        return int(np.flatnonzero(panel.ids == sku.value)[0])

    def redraw(*_):
        s = series_index()
        try:
            if s is None:
                raise ValueError(f"{sku.value} is not stocked at {loc.value}")
            new = fan_chart(panel, s, forecasts, org.value, history_days=history_days)
            msg.value = ""
        except ValueError as exc:
            msg.value = f"<span style='color:#b00020'>{exc}</span>"
            return
        with fig.batch_update():
            fig.data = []
            fig.add_traces(list(new.data))
            fig.layout = new.layout

    for c in (sku, loc, org):
        c.observe(redraw, names="value")
    redraw()
    return w.VBox([w.HBox([sku, loc, org]), msg, fig])


def service_level_panel(panel, forecasts: Mapping[str, object], task, *, series: int = 0):
    """A service-level slider that re-runs the inventory simulation for every forecaster.

    Shows the stock curve of one series (for the first forecaster, usually the adapter) and a
    portfolio table: fill rate, cycle service level, stock value, stock-outs and cost.
    """
    import ipywidgets as w

    from workbench.usecases.supply_chain.backtest import simulate_portfolio, simulate_series

    slider = w.FloatSlider(value=task.service_level, min=0.8, max=0.98, step=0.01, description="Service level",
                           readout_format=".0%", continuous_update=False)
    pick = w.Dropdown(options=[(panel.ids[s], int(s)) for s in np.unique(next(iter(forecasts.values())).origins[:, 0])],
                      value=series if series in np.unique(next(iter(forecasts.values())).origins[:, 0]) else None,
                      description="Series")
    fig = go.FigureWidget()
    table = w.HTML()
    first = next(iter(forecasts))

    def redraw(*_):
        policy = task.inventory_policy(slider.value)
        rows = {}
        for role, fc in forecasts.items():
            _, tot = simulate_portfolio(fc, panel, policy)
            rows[label(role)] = {k: tot[k] for k in ("fill_rate", "cycle_service_level", "avg_stock_value",
                                                     "stockout_days", "cost")}
        table.value = pd.DataFrame(rows).T.to_html(float_format=lambda v: f"{v:,.3f}")
        if pick.value is not None:
            res = simulate_series(forecasts[first], panel, int(pick.value), policy)
            start = int(forecasts[first].origins[forecasts[first].origins[:, 0] == pick.value, 1].min())
            new = inventory_figure(res, panel.dates[start:], title=f"{label(first)} at {slider.value:.0%}")
            with fig.batch_update():
                fig.data = []
                fig.add_traces(list(new.data))
                fig.layout = new.layout

    slider.observe(redraw, names="value")
    pick.observe(redraw, names="value")
    redraw()
    return w.VBox([w.HBox([slider, pick]), fig, table])


def portfolio_view(result: dict):
    """Accuracy by segment: choose the segment column and the metric."""
    import ipywidgets as w

    cols = sorted({k[3:] for segs in result["by_segment"].values() for k in segs})
    col = w.Dropdown(options=cols, value="sbc_class" if "sbc_class" in cols else (cols[0] if cols else None),
                     description="Segment")
    met = w.Dropdown(options=["wql", "rmsse", "mase", "smape", "coverage"], description="Metric")
    fig = go.FigureWidget()

    def redraw(*_):
        if col.value is None:
            return
        new = segment_figure(result["by_segment"], col.value, met.value)
        with fig.batch_update():
            fig.data = []
            fig.add_traces(list(new.data))
            fig.layout = new.layout

    col.observe(redraw, names="value")
    met.observe(redraw, names="value")
    redraw()
    return w.VBox([w.HBox([col, met]), fig])


# ----------------------------------------------------------------------------- report
def accuracy_frame(result: dict) -> pd.DataFrame:
    """Accuracy table: one row per forecaster."""
    keys = ["wql", "rmsse", "mase", "smape", "coverage"]
    m = {label(r): v for r, v in result["metrics"].items() if r != "baseline"}
    return metrics_table(m, keys)[keys]


def inventory_frame(result: dict) -> pd.DataFrame:
    """Inventory table at the target service level, plus the stock each needs to reach the target."""
    rows = {}
    for role, inv in result["inventory"].items():
        if role == "baseline":
            continue
        rows[label(role)] = {"fill_rate": inv.get("fill_rate"), "cycle_service_level": inv.get("cycle_service_level"),
                             "avg_stock_value": inv.get("avg_stock_value"), "stockout_days": inv.get("stockout_days"),
                             "cost": inv.get("cost"),
                             "stock_value_at_target": result.get("stock_at_target", {}).get(role)}
    return pd.DataFrame(rows).T


def report_html(result: dict) -> str:
    """HTML fragment for the demo report."""
    from workbench.report import escape, figure_html, table_html

    target = result["service_level"]
    parts = [
        f"<p>Data: {escape(result['data'])}; {result['n_backtested']} series backtested from "
        f"{result['n_origins']} weekly origins over {escape(' to '.join(result['test_period']))} "
        f"({result['n_skipped_short_history']} series with too little history skipped). Quantiles "
        f"{escape(result['quantiles'])}. The baseline row of other use cases is "
        f"{escape(result['metrics'].get('baseline', {}).get('model', '-'))} here.</p>",
        "<h3>Forecast accuracy (median for point metrics; wQL over all quantiles)</h3>",
        table_html(accuracy_frame(result)),
        "<p class='note'>sMAPE counts 0/0 as 0 and is not meaningful on intermittent series; "
        "an all-zero forecast can win MASE there. Judge by wQL/RMSSE and by the decision below.</p>",
        f"<h3>Inventory: (R, S) policy at a {target:.0%} target cycle service level</h3>",
        table_html(inventory_frame(result), float_format="{:,.3f}"),
        "<p class='note'>stock_value_at_target: average stock value at which the forecaster's policy "
        "achieves the target cycle service level, interpolated along its service-stock curve (NaN: the "
        "target was not reached in the range tried).</p>",
        figure_html(service_stock_figure(result["service_curves"], target), height=420),
    ]
    raw = result.get("inventory_uncalibrated") or {}
    if raw:
        items = ", ".join(
            f"{escape(label(role))}: cycle service {raw[role]['cycle_service_level']:.1%} before, "
            f"{result['inventory'][role]['cycle_service_level']:.1%} after "
            f"(correction {result['calibration'].get(role, {}).get('correction_at_target', float('nan')):+.2f} x scale)"
            for role in raw if role in result["inventory"])
        parts.insert(5, "<p class='note'>Neural models' order-up-to levels are conformally corrected on the "
                        f"validation weeks (never the test weeks). {items}.</p>")
    if result.get("by_segment"):
        parts.append(figure_html(segment_figure(result["by_segment"], "sbc_class", "wql"), height=380))
    return "\n".join(parts)
