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

from workbench.forecast_metrics import COVERAGE_80_LABEL
from workbench.windows import period_dates
from workbench.widgets.figures import COLORS, LABELS, metrics_table

EXTRA_COLORS = {"seasonal_naive": "#bcbd22", "ets": "#8c8c8c", "croston_tsb": "#8c564b", "lightgbm": "#2ca02c",
                "baseline": "#8c8c8c"}
EXTRA_LABELS = {"seasonal_naive": "Seasonal naive", "ets": "ETS (A,N,A)", "croston_tsb": "Croston (TSB)",
                "lightgbm": "LightGBM quantile", "blend": "Blend: adapter + LightGBM",
                "frozen_base": "Frozen base (zero-shot)"}


METRIC_NAMES = {"wql": "weighted quantile loss (wQL)", "rmsse": "RMSSE", "mase": "MASE", "smape": "sMAPE",
                "coverage_80": COVERAGE_80_LABEL,
                "coverage": "coverage of the lowest-highest quantile interval"}
# Coverage is not "lower is better": the best value is the interval's nominal level.
METRIC_GOAL = {"wql": "lower is better", "rmsse": "lower is better", "mase": "lower is better",
               "smape": "lower is better", "coverage_80": "closer to 0.80 is better",
               "coverage": "closer to the interval's nominal level is better"}
ACCURACY_KEYS = ("wql", "rmsse", "mase", "smape", "coverage_80", "coverage")
"""Columns of the accuracy tables, in order (``coverage_80`` next to the losses: users look there)."""


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
        x = list(period_dates(dates[0], origin + H, getattr(panel, "freq", "D"))[origin:])
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
    unit = {"W": "week", "MS": "month", "ME": "month"}.get(getattr(panel, "freq", "D"), "day")
    fig.update_layout(title=title or f"{panel.ids[series]}: forecast from {dates[origin]:%d.%m.%Y}",
                      xaxis_title="Datum", yaxis_title=f"demand (units per {unit})", xaxis_tickformat="%d.%m.%Y",
                      xaxis_hoverformat="%d.%m.%Y", autosize=True, margin=dict(l=10, r=10, t=40, b=10),
                      legend=dict(orientation="h"))
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
                            f"avg stock {s['avg_stock']:.0f} units, cost {s['cost']:.0f}",
                      xaxis_title="Datum" if dates is not None else "period", yaxis_title="units",
                      xaxis_tickformat="%d.%m.%Y" if dates is not None else None, autosize=True,
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
                      xaxis_title="average stock value (currency units, at unit price)",
                      yaxis_title=f"achieved {service.replace('_', ' ')} (%)", yaxis_tickformat=".0%", autosize=True,
                      margin=dict(l=10, r=10, t=40, b=10))
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
    names = METRIC_NAMES.get(metric, metric)
    fig.update_layout(barmode="group", title=f"{names} by {column.replace('_', ' ')} ({METRIC_GOAL.get(metric, '')})",
                      xaxis_title=column.replace("_", " "), yaxis_title=names, autosize=True,
                      margin=dict(l=10, r=10, t=40, b=10))
    if metric in ("coverage", "coverage_80"):
        fig.update_yaxes(tickformat=".0%")
    if metric == "coverage_80":
        fig.add_hline(y=0.8, line_dash="dash", line_color="#444", annotation_text="goal 0.80")
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


def service_level_decision(panel, forecasts: Mapping[str, object], task, role: str, target: float,
                           curves: Mapping[str, Mapping] | None = None) -> dict:
    """Everything the service-level panel shows for one model and target, computed by the library.

    The panel and the tests call this one function, so the number on screen is the library's.

    Args:
        panel: The ``DemandPanel``.
        forecasts: Role -> ``Forecasts``.
        task: The ``SupplyTaskArgs`` (policy and the service levels of the curve).
        role: The model whose decision is shown.
        target: Target service level.
        curves: Role -> precomputed service-stock curve (``result["service_curves"]``); computed
            with :func:`~workbench.usecases.supply_chain.backtest.service_curve_for` when missing.

    Returns:
        ``{"role", "target", "inventory" (portfolio figures at the target, see ``simulate_portfolio``),
        "stock_needed" (:func:`~workbench.usecases.supply_chain.inventory.stock_needed`), "curve"}``.
    """
    from workbench.usecases.supply_chain.backtest import service_curve_for, simulate_portfolio
    from workbench.usecases.supply_chain.inventory import stock_needed

    curve = (curves or {}).get(role)
    if curve is None:
        curve = service_curve_for(forecasts[role], panel, task, task.service_levels).to_dict(orient="list")
    _, inv = simulate_portfolio(forecasts[role], panel, task.inventory_policy(float(target)))
    return {"role": role, "target": float(target), "inventory": inv, "curve": curve,
            "stock_needed": stock_needed(curve, float(target))}


def _decision_html(d: dict) -> str:
    inv, need = d["inventory"], d["stock_needed"]
    text = f"Stock (value) to reach {d['target']:.0%} cycle service with {label(d['role'])}: <b>{need['text']}</b>"
    if need["status"] == "interpolated":
        text = f"Stock (value) to reach {d['target']:.0%} cycle service with {label(d['role'])}: <b>{need['stock']:,.0f}</b>"
    if not inv.get("meaningful", True):
        return f"{text}<br><span style='color:#b00020'>Inventory figures {escape_html(inv['note'])}</span>"
    return (f"{text}<br>At a {d['target']:.0%} target: fill rate {inv['fill_rate']:.1%}, cycle service "
            f"{inv['cycle_service_level']:.1%}, average stock value {inv['avg_stock_value']:,.0f}, "
            f"cost {inv['cost']:,.0f}")


def escape_html(text: str) -> str:
    """Escape text for an HTML widget."""
    import html

    return html.escape(str(text))


def service_level_panel(panel, forecasts: Mapping[str, object], task, *, series: int = 0,
                        curves: Mapping[str, Mapping] | None = None, role: str | None = None):
    """Target service level and model chooser: stock needed, inventory figures and one series' stock curve.

    The model shown defaults to the adapter. Every number comes from :func:`service_level_decision`.

    Args:
        panel: The ``DemandPanel``.
        forecasts: Role -> ``Forecasts``.
        task: The ``SupplyTaskArgs``.
        series: Series whose stock curve is drawn first.
        curves: Precomputed service-stock curves (``result["service_curves"]``), else computed.
        role: Model shown first (default ``adapter`` when present).
    """
    import ipywidgets as w

    from workbench.usecases.supply_chain.backtest import simulate_portfolio, simulate_series

    roles = list(forecasts)
    first = role if role in forecasts else ("adapter" if "adapter" in forecasts else roles[0])
    slider = w.FloatSlider(value=task.service_level, min=0.8, max=0.98, step=0.01, description="Service level",
                           readout_format=".0%", continuous_update=False, layout=w.Layout(width="auto"))
    model = w.Dropdown(options=[(label(r), r) for r in roles], value=first, description="Model",
                       layout=w.Layout(width="auto"))
    ids = np.unique(forecasts[first].origins[:, 0])
    pick = w.Dropdown(options=[(str(panel.ids[s]), int(s)) for s in ids],
                      value=int(series) if series in ids else int(ids[0]), description="Series",
                      layout=w.Layout(width="auto"))
    fig = go.FigureWidget(layout=dict(autosize=True))
    decision = w.HTML()
    table = w.HTML()
    cache: dict = dict(curves or {})
    box = w.VBox([w.HBox([slider, model, pick], layout=w.Layout(flex_flow="row wrap")), decision, fig, table],
                 layout=w.Layout(width="100%"))

    def redraw(*_):
        d = service_level_decision(panel, forecasts, task, model.value, slider.value, cache)
        cache[model.value] = d["curve"]
        box.decision_ = d  # the shown decision, for tests
        decision.value = _decision_html(d)
        policy = task.inventory_policy(slider.value)
        rows = {}
        for r, fc in forecasts.items():
            tot = d["inventory"] if r == model.value else simulate_portfolio(fc, panel, policy)[1]
            rows[label(r)] = {"fill rate (%)": 100 * tot["fill_rate"],
                              "cycle service (%)": 100 * tot["cycle_service_level"],
                              "avg stock value": tot["avg_stock_value"], "stock-out periods": tot["stockout_days"],
                              "cost": tot["cost"]}
        if not d["inventory"].get("meaningful", True):
            table.value = ""
        else:
            table.value = ("<div style='max-width:100%;overflow-x:auto'>"
                           + pd.DataFrame(rows).T.round(1).to_html(float_format=lambda v: f"{v:,.1f}") + "</div>")
        fc = forecasts[model.value]
        if pick.value is not None and (fc.origins[:, 0] == pick.value).any():
            res = simulate_series(fc, panel, int(pick.value), policy)
            start = int(fc.origins[fc.origins[:, 0] == pick.value, 1].min())
            new = inventory_figure(res, panel.dates[start:], title=f"{label(model.value)} at {slider.value:.0%}")
            with fig.batch_update():
                fig.data = []
                fig.add_traces(list(new.data))
                fig.layout = new.layout

    for c in (slider, model, pick):
        c.observe(redraw, names="value")
    redraw()
    return box


def portfolio_view(result: dict):
    """Accuracy by segment: choose the segment column and the metric."""
    import ipywidgets as w

    cols = sorted({k[3:] for segs in result["by_segment"].values() for k in segs})
    col = w.Dropdown(options=cols, value="sbc_class" if "sbc_class" in cols else (cols[0] if cols else None),
                     description="Segment")
    met = w.Dropdown(options=[(METRIC_NAMES[k] if k in ("coverage_80",) else k, k) for k in ACCURACY_KEYS],
                     description="Metric")
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
def accuracy_table(metrics: Mapping[str, Mapping]) -> pd.DataFrame:
    """Accuracy table of ``{role: overall metrics}``: one row per forecaster, ``coverage_80`` labelled.

    The 80 % interval coverage column is named :data:`COVERAGE_80_LABEL`, so that nobody reads it
    as "higher is better".
    """
    keys = [k for k in ACCURACY_KEYS if any(k in v for v in metrics.values())]
    m = {label(r): v for r, v in metrics.items() if r != "baseline"}
    return metrics_table(m, keys)[keys].astype(float).round(3).rename(columns={"coverage_80": COVERAGE_80_LABEL})


def accuracy_frame(result: dict) -> pd.DataFrame:
    """Accuracy table of a run: one row per forecaster (see :func:`accuracy_table`)."""
    return accuracy_table(result["metrics"])


def calibration_frame(result: dict) -> pd.DataFrame:
    """Validation-period quantile calibration per forecaster: pinball loss and 80 % coverage, before and after.

    Validation figures are where the calibration was fitted; test figures are out of sample.
    """
    rows = {}
    for role, e in (result.get("quantile_calibration") or {}).items():
        rows[label(role)] = {
            "val pinball raw": e.get("val_pinball_raw"), "val pinball calibrated": e.get("val_pinball_calibrated"),
            "val 80 % coverage raw": e.get("val_coverage_80_raw"),
            "val 80 % coverage calibrated": e.get("val_coverage_80_calibrated"),
            "test 80 % coverage raw": e.get("test_coverage_80_raw"),
            "test 80 % coverage calibrated": e.get("test_coverage_80_calibrated"),
            "test wQL raw": e.get("test_wql_raw"), "test wQL calibrated": e.get("test_wql_calibrated")}
    return pd.DataFrame(rows).T.astype(float).round(3)


def inventory_frame(result: dict) -> pd.DataFrame:
    """Inventory table at the target service level, plus the stock each needs to reach the target.

    Figures that rest on too few review origins (``meaningful`` false) are withheld (left empty);
    :func:`report_html` says why.
    """
    rows = {}
    needed = result.get("stock_needed", {})
    for role, inv in result["inventory"].items():
        if role == "baseline":
            continue
        ok = inv.get("meaningful", True)
        need = needed.get(role) or {"stock": result.get("stock_at_target", {}).get(role), "text": ""}
        pct = lambda k: round(100 * inv[k], 1) if ok and inv.get(k) is not None else None  # noqa: E731
        rows[label(role)] = {"fill rate (%)": pct("fill_rate"), "cycle service (%)": pct("cycle_service_level"),
                             "avg stock value": round(inv["avg_stock_value"]) if ok else None,
                             "stock-out periods": inv.get("stockout_days") if ok else None,
                             "cost": round(inv["cost"]) if ok else None,
                             "stock value needed for target": need.get("text") or need.get("stock")}
    return pd.DataFrame(rows).T


def wql_verdict(result: dict) -> dict:
    """The honest verdict on the main metric (wQL, lower is better) over every forecaster run.

    Returns:
        :func:`workbench.metrics.verdict`'s dict (``text`` is the line notebooks and reports end with).
    """
    from workbench.metrics import verdict

    scores = {r: m.get("wql") for r, m in result["metrics"].items() if r != "baseline"}
    return verdict(scores, "wQL", lower_is_better=True, labels={r: label(r) for r in scores})


COVERAGE_80_BAND = (0.70, 0.90)
"""Validation ``coverage_80`` outside this band earns the recommended model a warning: its quantiles
would set stock levels from intervals clearly too narrow (or too wide). The band is wide because a
validation period holds few windows; issue 12 asks for 0.78-0.82 on the test period."""


def interval_warning(coverage: float | None, band: tuple[float, float] = COVERAGE_80_BAND) -> str | None:
    """One sentence, for after the recommendation, when the recommended model's validation 80 % interval
    coverage lies outside ``band`` (else None)."""
    if coverage is None or not np.isfinite(coverage) or band[0] <= coverage <= band[1]:
        return None
    how = "too narrow" if coverage < band[0] else "too wide"
    return (f"Its 80 % intervals covered {coverage * 100:.0f} % of the validation actuals (nominal 80 %): {how} to set stock "
            f"levels from its quantiles as they are; compare the inventory table, or serve another model with "
            f"--set task.serve=NAME.")


def validation_recommendation(reports: dict[str, dict]) -> dict:
    """The model to use, chosen on the validation period, never on the test period.

    The criterion is each model's validation pinball loss (mean over its quantile levels) after the
    quantile calibration that every model gets on the same windows (``calibration_report``). A
    model scored on other windows than the adapter (another window sample) does not compete, and
    the text says so. Ties (within 1 %) go to the simpler model (:func:`workbench.metrics.verdict`).
    The adapter chose its best epoch on the same period, which favours it slightly; a ``blend``
    (whose weight was chosen there) competes only when it beats every single model by more than 1 %.

    Args:
        reports: Role to its calibration report (``DemandForecaster.calibration_report_`` for the
            adapter, :func:`workbench.usecases.supply_chain.experiment.calibrate_role`'s report for
            the others; empty where a model had no validation windows).

    The recommended model's validation ``coverage_80`` (``val_coverage_80_calibrated``) is checked
    as well: outside :data:`COVERAGE_80_BAND` the text warns that its intervals are too narrow or
    too wide to set stock from (:func:`interval_warning`). The choice itself stays by pinball loss.

    Returns:
        ``{"best", "tied", "adapter_best", "text", "criterion", "scores", "left_out",
        "val_coverage_80", "interval_warning"}``; ``best`` is None when no model has a validation
        score.
    """
    from workbench.metrics import recommendation

    scored = {r: rep for r, rep in reports.items() if rep and rep.get("val_pinball_calibrated") is not None}
    ref = (scored.get("adapter") or next(iter(scored.values()), {})).get("val_windows_sha256")
    same = {r: rep for r, rep in scored.items() if rep.get("val_windows_sha256") == ref}
    left_out = sorted(set(scored) - set(same))
    scores = {r: float(rep["val_pinball_calibrated"]) for r, rep in same.items()}
    # With no scored model the core says "No scores on the validation period: no recommendation."
    out = recommendation(scores, "validation pinball loss", on="the validation period", lower_is_better=True,
                         labels={r: label(r) for r in scores}, blend="blend")
    text = out["text"]
    if not same:
        text += " It has no window with a whole horizon; see the test verdict."
    if left_out:
        text += f" Not compared (validated on other windows): {', '.join(label(r) for r in left_out)}."
    best = out.get("best")
    coverage = (same.get(best) or {}).get("val_coverage_80_calibrated") if best else None
    warning = interval_warning(coverage) if best else None
    if warning:
        text += " " + warning
    return {**out, "text": text, "criterion": "val_pinball_calibrated", "scores": scores, "left_out": left_out,
            "val_coverage_80": coverage, "interval_warning": warning}


def serving_text(result: dict) -> str | None:
    """One line on what ``workbench evaluate``/``predict`` serve from the run's adapter folder (None
    for runs without an adapter folder)."""
    record = result.get("serving")
    if not record:
        return None
    why = record.get("note") or ("the recommended model" if record.get("recommended") else "no recommendation")
    # task.serve takes the role names, so those are what the line offers (with the served one's label).
    return (f"workbench evaluate/predict serve: {label(record['served'])} ({why}; --set task.serve=NAME chooses "
            f"another: {', '.join(record.get('servable', []))}).")


def report_html(result: dict) -> str:
    """HTML fragment for the demo report."""
    from workbench.report import escape, figure_html, smoke_banner_html, table_html

    target = result["service_level"]
    lo, hi = result["quantiles"][0], result["quantiles"][-1]
    parts = [
        smoke_banner_html(result.get("smoke")),
        f"<p>Data: {escape(result['data'])}; {result['n_backtested']} series backtested from "
        f"{result['n_origins']} weekly origins over {escape(' to '.join(result['test_period']))} "
        f"({result['n_skipped_short_history']} series with too little history skipped). Quantiles "
        f"{escape(result['quantiles'])}. The baseline row of other use cases is "
        f"{escape(result['metrics'].get('baseline', {}).get('model', '-'))} here.</p>",
        "<h3>Forecast accuracy (mean forecast for MASE/RMSSE/sMAPE; wQL over all quantiles)</h3>",
        table_html(accuracy_frame(result)),
        f"<p class='note'>{COVERAGE_80_LABEL}: share of actual values inside the 10 %-90 % quantile interval "
        "on the count scale; an actual equal to an interval end counts by the randomised PIT (a zero day "
        "under an interval starting at 0 counts only partly). coverage: the same share for the "
        f"{lo:.0%}-{hi:.0%} interval, ties counted as inside (nominal {hi - lo:.0%}). Closer to the nominal "
        "level is better, not higher.</p>",
        "<p class='note'>sMAPE counts 0/0 as 0 and is not meaningful on intermittent series; "
        "an all-zero forecast can win MASE there. Judge by wQL/RMSSE and by the decision below.</p>",
        f"<h3>Inventory: (R, S) policy at a {target:.0%} target cycle service level</h3>",
        table_html(inventory_frame(result)),
        "<p class='note'>Stock value needed for target: average stock value at which the forecaster's policy "
        "achieves the target cycle service level, read from its service-stock curve "
        "(<code>inventory.stock_needed</code>).</p>",
        *[f"<p class='note' style='color:#b00020'>{escape(label(r))}: inventory figures {escape(inv['note'])}.</p>"
          for r, inv in result["inventory"].items() if r != "baseline" and not inv.get("meaningful", True)],
        figure_html(service_stock_figure(result["service_curves"], target), height=420),
    ]
    raw = result.get("inventory_uncalibrated") or {}
    if raw:
        items = ", ".join(
            f"{escape(label(role))}: cycle service {raw[role]['cycle_service_level']:.1%} before, "
            f"{result['inventory'][role]['cycle_service_level']:.1%} after "
            f"(correction {result['calibration'].get(role, {}).get('correction_at_target', float('nan')):+.2f} x scale)"
            for role in raw if role in result["inventory"])
        parts.insert(8, "<p class='note'>Neural models' order-up-to levels are conformally corrected on the "
                        f"validation weeks (never the test weeks). {items}.</p>")
    cal = calibration_frame(result)
    if not cal.empty:
        parts[5:5] = ["<h3>Interval calibration on the validation period</h3>", table_html(cal),
                      "<p class='note'>Each quantile level is shifted by what minimises its pinball loss on the "
                      "validation period (count scale, per zero-share group of series); test figures are out of "
                      "sample.</p>"]
    if result.get("by_segment"):
        parts.append(figure_html(segment_figure(result["by_segment"], "sbc_class", "wql"), height=380))
    rec = (result.get("recommendation") or {}).get("text")
    if rec:
        parts.append(f"<p class='verdict'><strong>{escape(rec)}</strong></p>")
    if serving_text(result):
        parts.append(f"<p class='note'>{escape(serving_text(result))}</p>")
    parts.append(f"<p class='verdict'><strong>{escape(wql_verdict(result)['text'])}</strong></p>")
    return "\n".join(parts)
