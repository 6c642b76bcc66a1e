"""Figures and widgets of the maintenance use case, plus its section of the demo report.

Pure plotly builders (data in, ``go.Figure`` out, testable without a kernel):
:func:`sensor_traces_figure`, :func:`rul_life_figure`, :func:`rul_scatter_figure`,
:func:`cost_figure`, :func:`fleet_risk_figure`. ipywidgets wiring only, no training or metric
logic: :func:`engine_explorer` (pick an engine: sensor traces and predicted RUL over its life
for the base model and the adapter), :func:`cost_panel` (cost sliders move the alarm threshold;
confusion matrix and expected cost update), :func:`fleet_overview` (engines ranked by risk).

Usage (notebook)::

    engine_explorer(test_frame, {"frozen_base": frozen_est, "adapter": lora_est}, test_rul)
    cost_panel(pred_rul, true_rul, horizon=30)
    fleet_overview(lora_est.predict(test_frame), horizon=30)
"""

from __future__ import annotations

from typing import Any, Mapping

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from workbench.usecases.maintenance.evaluation import best_threshold, confusion, cost_curve
from workbench.widgets.figures import LABELS, confusion_matrix_figure, metrics_table, role_color


def sensor_traces_figure(frame: pd.DataFrame, unit: int, sensors: list[str], *, title: str | None = None) -> go.Figure:
    """Raw sensor traces of one engine, one small panel per sensor, cycles on the x axis."""
    g = frame[frame["unit"] == unit].sort_values("cycle")
    if g.empty:
        raise ValueError(f"unit {unit} is not in the frame (units {sorted(frame['unit'].unique())[:10]}...)")
    rows = int(np.ceil(len(sensors) / 2))
    fig = make_subplots(rows=rows, cols=2, shared_xaxes=True, subplot_titles=sensors, vertical_spacing=0.04)
    for i, s in enumerate(sensors):
        fig.add_trace(go.Scatter(x=g["cycle"], y=g[s], mode="lines", name=s, showlegend=False,
                                 line=dict(width=1, color="#555")), row=i // 2 + 1, col=i % 2 + 1)
    fig.update_layout(title=title or f"Engine {unit}: sensor traces", height=max(250, 110 * rows),
                      margin=dict(l=10, r=10, t=50, b=10))
    return fig


def rul_life_figure(cycles, truth, preds: Mapping[str, Any], *, unit: int | None = None, cap: int = 125) -> go.Figure:
    """Predicted RUL over an engine's life against the truth (and the capped truth)."""
    cycles = np.asarray(cycles)
    truth = np.asarray(truth, float)
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=cycles, y=truth, name="true RUL", line=dict(color=role_color("truth"), dash="dot")))
    fig.add_trace(go.Scatter(x=cycles, y=np.minimum(truth, cap), name=f"true RUL capped at {cap}",
                             line=dict(color=role_color("truth"))))
    for role, p in preds.items():
        fig.add_trace(go.Scatter(x=cycles, y=np.asarray(p, float), name=LABELS.get(role, role),
                                 line=dict(color=role_color(role))))
    fig.update_layout(title=f"Engine {unit}: predicted vs true RUL" if unit is not None else "Predicted vs true RUL",
                      xaxis_title="cycle", yaxis_title="RUL (cycles)", margin=dict(l=10, r=10, t=50, b=10))
    return fig


def rul_scatter_figure(predictions: Mapping[str, Any], roles: list[str] | None = None) -> go.Figure:
    """Predicted vs true RUL at each test engine's last cycle, one colour per model."""
    truth = np.asarray(predictions["truth"], float)
    roles = roles or [r for r in ("baseline", "frozen_base", "adapter", "full_finetune") if r in predictions]
    fig = go.Figure()
    for role in roles:
        fig.add_trace(go.Scatter(x=truth, y=np.asarray(predictions[role], float), mode="markers",
                                 name=LABELS.get(role, role), marker=dict(color=role_color(role), size=6, opacity=0.75)))
    top = float(max(truth.max(), 1.0))
    fig.add_trace(go.Scatter(x=[0, top], y=[0, top], mode="lines", name="perfect", line=dict(color="#bbb", dash="dash")))
    fig.update_layout(title="Last cycle of each test engine: predicted vs true RUL", xaxis_title="true RUL (RUL file)",
                      yaxis_title="predicted RUL", margin=dict(l=10, r=10, t=50, b=10))
    return fig


def cost_figure(pred_rul, true_rul, *, horizon: int = 30, cost_missed: float = 10.0, cost_early: float = 1.0,
                chosen: float | None = None) -> go.Figure:
    """Expected maintenance cost over the alarm threshold "alarm when predicted RUL <= x"."""
    curve = cost_curve(-np.asarray(pred_rul, float), np.asarray(true_rul) <= horizon,
                       cost_missed=cost_missed, cost_early=cost_early)
    x = -curve["threshold"]
    fig = go.Figure(go.Scatter(x=x, y=curve["cost"], mode="lines", line_shape="hv", name="total cost"))
    best = best_threshold(-np.asarray(pred_rul, float), np.asarray(true_rul) <= horizon,
                          cost_missed=cost_missed, cost_early=cost_early)
    fig.add_vline(x=-best["threshold"], line_dash="dash", line_color="#2ca02c",
                  annotation_text=f"cheapest: alarm at RUL <= {-best['threshold']:.0f}")
    if chosen is not None:
        fig.add_vline(x=chosen, line_color="#ff7f0e", annotation_text=f"chosen {chosen:.0f}", annotation_position="bottom")
    fig.update_layout(title=f"Maintenance cost (missed failure {cost_missed:g}, early replacement {cost_early:g})",
                      xaxis_title="alarm threshold: predicted RUL <= x cycles", yaxis_title="total cost",
                      margin=dict(l=10, r=10, t=50, b=10))
    return fig


def fleet_risk_figure(pred: pd.DataFrame, *, horizon: int = 30, top: int = 30) -> go.Figure:
    """Engines ranked by predicted RUL (lowest first); red bars are inside the alarm horizon."""
    p = pred.sort_values("rul_pred").head(top)
    colors = ["#d62728" if v <= horizon else "#ff7f0e" if v <= 2 * horizon else "#2ca02c" for v in p["rul_pred"]]
    fig = go.Figure(go.Bar(x=p["rul_pred"], y=[f"engine {u}" for u in p["unit"]], orientation="h", marker_color=colors,
                           hovertemplate="%{y}: predicted RUL %{x:.0f} cycles<extra></extra>"))
    fig.update_layout(title=f"Fleet risk ranking (red: predicted RUL <= {horizon} cycles)", xaxis_title="predicted RUL",
                      yaxis_autorange="reversed", height=max(300, 18 * len(p) + 80), margin=dict(l=10, r=10, t=50, b=10))
    return fig


# ----------------------------------------------------------------------------- widgets
def engine_explorer(frame: pd.DataFrame, estimators: Mapping[str, Any], test_rul: pd.Series | None = None,
                    sensors: list[str] | None = None):
    """Dropdown of engines; shows sensor traces and predicted RUL over life for each estimator.

    Args:
        frame: Raw C-MAPSS frame (test or train).
        estimators: Role (``"frozen_base"``, ``"adapter"``...) to fitted :class:`RULEstimator`.
        test_rul: RUL at each unit's last cycle (test frames); ``None`` for run-to-failure frames.
        sensors: Sensors to plot (default: the first estimator's kept sensors, at most 6).
    """
    import ipywidgets as W

    first = next(iter(estimators.values()))
    sensors = sensors or first.preprocessor_.sensors_[:6]
    units = sorted(frame["unit"].unique().tolist())
    pick = W.Dropdown(options=units, value=units[0], description="engine")
    out_s, out_r = W.Output(), W.Output()

    def show(*_):
        unit = pick.value
        g = frame[frame["unit"] == unit]
        last = g["cycle"].max()
        end_rul = float(test_rul.loc[unit]) if test_rul is not None else 0.0
        truth = end_rul + (last - g["cycle"].to_numpy())
        preds = {}
        for role, est in estimators.items():
            p = est.predict(g, last_only=False).sort_values("cycle")
            preds[role] = p["rul_pred"].to_numpy()
        for out, fig in ((out_s, sensor_traces_figure(frame, unit, sensors)),
                         (out_r, rul_life_figure(g["cycle"].to_numpy(), truth, preds, unit=unit))):
            out.clear_output(wait=True)
            with out:
                fig.show()

    pick.observe(show, names="value")
    show()
    return W.VBox([pick, W.HBox([out_s, out_r])])


def cost_panel(pred_rul, true_rul, *, horizon: int = 30, cost_missed: float = 10.0, cost_early: float = 1.0):
    """Sliders for the two costs and the threshold; confusion matrix and expected cost update live.

    The threshold slider starts at (and a button returns to) the cheapest threshold for the
    current costs.
    """
    import ipywidgets as W

    pred_rul, true_rul = np.asarray(pred_rul, float), np.asarray(true_rul, float)
    fails = true_rul <= horizon
    s_miss = W.FloatLogSlider(value=cost_missed, base=10, min=-1, max=3, description="missed failure")
    s_early = W.FloatLogSlider(value=cost_early, base=10, min=-1, max=3, description="early replacement")
    s_thr = W.IntSlider(value=horizon, min=0, max=int(max(pred_rul.max(), horizon) + 1), description="alarm RUL <=")
    best_btn = W.Button(description="cheapest threshold")
    text = W.HTML()
    out_cm, out_cost = W.Output(), W.Output()

    def cheapest(*_):
        b = best_threshold(-pred_rul, fails, cost_missed=s_miss.value, cost_early=s_early.value)
        s_thr.value = int(round(-b["threshold"]))

    def show(*_):
        alarm = pred_rul <= s_thr.value
        c = confusion(fails, alarm)
        cost = s_miss.value * c["fn"] + s_early.value * c["fp"]
        text.value = (f"<b>alarm when predicted RUL &le; {s_thr.value}</b>: {c['tp']} failures caught, {c['fn']} missed, "
                      f"{c['fp']} early replacements; expected cost <b>{cost:.1f}</b> ({cost / len(fails):.2f} per engine)")
        cm = np.array([[c["tn"], c["fp"]], [c["fn"], c["tp"]]])
        for out, fig in ((out_cm, confusion_matrix_figure(cm, [f"runs > {horizon}", f"fails <= {horizon}"],
                                                          title="Alarm vs failure within horizon")),
                         (out_cost, cost_figure(pred_rul, true_rul, horizon=horizon, cost_missed=s_miss.value,
                                                cost_early=s_early.value, chosen=s_thr.value))):
            out.clear_output(wait=True)
            with out:
                fig.show()

    for w in (s_miss, s_early):
        w.observe(cheapest, names="value")
    s_thr.observe(show, names="value")
    best_btn.on_click(cheapest)
    cheapest()
    show()
    return W.VBox([W.HBox([s_miss, s_early]), W.HBox([s_thr, best_btn]), text, W.HBox([out_cm, out_cost])])


def fleet_overview(pred: pd.DataFrame, *, horizon: int = 30, top: int = 30):
    """Ranked risk chart and table of the engines with the lowest predicted RUL."""
    import ipywidgets as W

    out = W.Output()
    with out:
        fleet_risk_figure(pred, horizon=horizon, top=top).show()
    table = pred.sort_values("rul_pred").head(top).assign(
        status=lambda d: np.where(d["rul_pred"] <= horizon, "alarm", np.where(d["rul_pred"] <= 2 * horizon, "watch", "ok")))
    return W.VBox([out, W.HTML(table.to_html(index=False, float_format=lambda v: f"{v:.1f}"))])


# ----------------------------------------------------------------------------- report
def report_html(result: dict) -> str:
    """The use case's section of the demo report (metrics table, figures, decision)."""
    from workbench.report import escape, figure_html, table_html

    metrics = result.get("metrics", {})
    parts = [f"<p>Data: {escape(result.get('dataset', ''))}. Base model: PatchTST pretrained on a simulated fleet "
             f"(cached at <code>{escape(result.get('base_model', ''))}</code>).</p>"]
    if result.get("problem") == "failure":
        parts.append(table_html(metrics_table(metrics, ["precision", "recall", "f1", "pr_auc"])))
        return "\n".join(parts)
    parts.append("<p>Scored on the last cycle of each held-out test engine. <code>rmse</code>/<code>score</code>: "
                 "against the raw RUL file; <code>*_capped</code>: truth capped at 125 as in most papers.</p>")
    parts.append(table_html(metrics_table(metrics, ["rmse", "score", "mae", "rmse_capped", "score_capped"])))
    rt = result.get("runtime", {})
    rows = {r: {k: v for k, v in d.items() if isinstance(v, (int, float)) and not isinstance(v, bool)} for r, d in rt.items()}
    if rows:
        parts.append("<h4>Runtime</h4>" + table_html(pd.DataFrame(rows).T, "{:.1f}"))
    preds = result.get("predictions")
    if preds:
        parts.append(figure_html(rul_scatter_figure(preds), height=420))
        role = "adapter" if "adapter" in preds else next(r for r in preds if r not in ("unit", "truth"))
        dec = result.get("decision", {})
        alarm = metrics.get(role, {}).get("alarm", {})
        parts.append(figure_html(cost_figure(preds[role], preds["truth"], horizon=dec.get("horizon", 30),
                                             cost_missed=dec.get("cost_missed", 10.0),
                                             cost_early=dec.get("cost_early", 1.0)), height=360))
        if alarm:
            parts.append(f"<p>Decision for the adapter: alarm when predicted RUL &le; {alarm.get('alarm_rul', 0):.0f} "
                         f"cycles; catches {alarm.get('tp')} of {alarm.get('tp', 0) + alarm.get('fn', 0)} engines failing "
                         f"within {dec.get('horizon')} cycles with {alarm.get('fp')} early replacements "
                         f"(cost {alarm.get('cost', 0):.0f}).</p>")
    return "\n".join(parts)
