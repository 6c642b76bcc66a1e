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

from workbench.usecases.maintenance.evaluation import (alarm_cost, alarm_cost_steps, cheapest_alarm,
                                                       format_threshold)
from workbench.widgets.figures import LABELS, confusion_matrix_figure, metrics_table, responsive, role_color


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
    fig.update_xaxes(title_text="operating cycle", row=rows)
    fig.update_layout(title=title or f"Engine {unit}: sensor traces (raw sensor units)", height=max(250, 110 * rows),
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
                      xaxis_title="operating cycle", yaxis_title="remaining useful life (cycles)", margin=dict(l=10, r=10, t=50, b=10))
    return fig


def rul_scatter_figure(predictions: Mapping[str, Any], roles: list[str] | None = None) -> go.Figure:
    """Predicted vs true RUL at each test engine's last cycle, one colour per model."""
    truth = np.asarray(predictions["truth"], float)
    roles = roles or [r for r in ("baseline", "frozen_base", "adapter", "blend", "full_finetune") if r in predictions]
    fig = go.Figure()
    for role in roles:
        fig.add_trace(go.Scatter(x=truth, y=np.asarray(predictions[role], float), mode="markers",
                                 name=LABELS.get(role, role), marker=dict(color=role_color(role), size=6, opacity=0.75)))
    top = float(max(truth.max(), 1.0))
    fig.add_trace(go.Scatter(x=[0, top], y=[0, top], mode="lines", name="perfect", line=dict(color="#bbb", dash="dash")))
    fig.update_layout(title="Last cycle of each test engine: predicted vs true RUL", xaxis_title="true RUL (cycles, RUL file)",
                      yaxis_title="predicted RUL (cycles)", margin=dict(l=10, r=10, t=50, b=10))
    return fig


def cost_figure(pred_rul, true_rul, *, horizon: int = 30, cost_missed: float = 10.0, cost_early: float = 1.0,
                chosen: float | None = None, best_label: str = "cheapest") -> go.Figure:
    """Total maintenance cost over the alarm threshold "alarm when predicted RUL <= x" (a step function).

    Drawn from :func:`alarm_cost_steps`: the cost is constant on ``[from_rul, to_rul)`` and jumps at
    each predicted RUL, where the engine joins the alarm set (closed on the left, hence
    ``line_shape="hv"`` over ascending x). The green line is :func:`cheapest_alarm`, the orange one
    the chosen threshold.
    """
    pred = np.asarray(pred_rul, float)
    costs = {"horizon": horizon, "cost_missed": cost_missed, "cost_early": cost_early}
    steps = alarm_cost_steps(pred, true_rul, **costs)
    finite = steps["to_rul"].to_numpy()[:-1]
    lo = float(min(finite.min() if len(finite) else 0.0, 0.0)) - 1.0
    hi = float(max(finite.max() if len(finite) else 0.0, horizon)) + 10.0
    x = np.concatenate([[lo], steps["from_rul"].to_numpy()[1:], [hi]])
    y = np.concatenate([steps["cost"].to_numpy(), steps["cost"].to_numpy()[-1:]])
    fig = go.Figure(go.Scatter(x=x, y=y, mode="lines", line_shape="hv", name="total cost",
                               hovertemplate="threshold %{x:.2f} cycles: cost %{y:.1f}<extra></extra>"))
    best = cheapest_alarm(pred, true_rul, **costs)
    fig.add_vline(x=best["threshold"], line_dash="dash", line_color="#2ca02c",
                  annotation_text=f"{best_label}: RUL ≤ {format_threshold(best['threshold'])} (cost {best['cost']:g})")
    if chosen is not None:
        fig.add_vline(x=chosen, line_color="#ff7f0e", annotation_text=f"chosen: RUL ≤ {format_threshold(chosen)}",
                      annotation_position="bottom right")
    fig.update_layout(title=f"Total maintenance cost (missed failure {cost_missed:g}, early replacement {cost_early:g})",
                      xaxis_title="alarm threshold: alarm when predicted RUL ≤ x (cycles)",
                      yaxis_title="total cost (cost units)", autosize=True, margin=dict(l=10, r=10, t=50, b=10))
    return fig


def fleet_risk_figure(pred: pd.DataFrame, *, horizon: int = 30, top: int = 30) -> go.Figure:
    """Engines ranked by predicted RUL (lowest first); red bars are inside the alarm horizon."""
    p = pred.sort_values("rul_pred").head(top)
    colors = ["#d62728" if v <= horizon else "#ff7f0e" if v <= 2 * horizon else "#2ca02c" for v in p["rul_pred"]]
    fig = go.Figure(go.Bar(x=p["rul_pred"], y=[f"engine {u}" for u in p["unit"]], orientation="h", marker_color=colors,
                           hovertemplate="%{y}: predicted RUL %{x:.0f} cycles<extra></extra>"))
    fig.update_layout(title=f"Fleet risk ranking (red: predicted RUL ≤ {horizon} cycles)", xaxis_title="predicted RUL (cycles)",
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
    pick = W.Dropdown(options=units, value=units[0], description="engine", style={"description_width": "initial"})
    out_s, out_r = W.Output(layout=W.Layout(width="100%")), W.Output(layout=W.Layout(width="100%"))

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
                responsive(fig).show()

    pick.observe(show, names="value")
    show()
    # Stacked, not side by side: two plotly figures next to each other overflow a notebook column.
    return W.VBox([pick, out_r, out_s], layout=W.Layout(width="100%"))


def cost_panel(pred_rul, true_rul, *, horizon: int = 30, cost_missed: float = 10.0, cost_early: float = 1.0):
    """Cost inputs and the alarm threshold; counts, expected cost, confusion matrix and cost curve update live.

    Every number shown comes from :func:`alarm_cost` (the cost at the threshold in the box) and
    :func:`cheapest_alarm` (the "cheapest" button, and the start value): the panel computes nothing
    itself. Changing a cost redraws everything, and moves the threshold to the new cheapest one.
    """
    import ipywidgets as W

    pred_rul, true_rul = np.asarray(pred_rul, float), np.asarray(true_rul, float)
    wide = {"description_width": "initial"}
    full = W.Layout(width="100%", max_width="520px")
    s_miss = W.BoundedFloatText(value=cost_missed, min=0.01, max=1e6, step=1, description="cost of a missed failure",
                                style=wide, layout=full)
    s_early = W.BoundedFloatText(value=cost_early, min=0.01, max=1e6, step=1,
                                 description="cost of an early replacement", style=wide, layout=full)
    # A text box, not a slider: a slider snaps to its step, which would change the alarm set.
    s_thr = W.FloatText(value=float(horizon), step=1, description="alarm when predicted RUL ≤", style=wide, layout=full)
    best_btn = W.Button(description="cheapest threshold", tooltip="set the threshold with the lowest total cost",
                        layout=W.Layout(width="auto"))
    text = W.HTML(layout=W.Layout(width="100%"))
    out_cm, out_cost = W.Output(layout=W.Layout(width="100%")), W.Output(layout=W.Layout(width="100%"))
    state = {"busy": False}

    def costs() -> dict:
        return {"horizon": horizon, "cost_missed": float(s_miss.value), "cost_early": float(s_early.value)}

    def show(*_):
        c = alarm_cost(pred_rul, true_rul, s_thr.value, **costs())
        best = cheapest_alarm(pred_rul, true_rul, **costs())
        text.value = (f"<b>alarm when predicted RUL ≤ <span class='threshold'>{format_threshold(c['threshold'])}</span>"
                      f"</b>: {c['tp']} failures caught, {c['fn']} missed, {c['fp']} early replacements; expected cost "
                      f"<b class='cost'>{c['cost']:.1f}</b> ({c['cost_per_engine']:.2f} per engine). Cheapest: RUL ≤ "
                      f"{format_threshold(best['threshold'])} with cost {best['cost']:.1f} (a missed failure costs "
                      f"{s_miss.value:g}, an early replacement {s_early.value:g}).")
        cm = np.array([[c["tn"], c["fp"]], [c["fn"], c["tp"]]])
        for out, fig in ((out_cost, cost_figure(pred_rul, true_rul, **costs(), chosen=s_thr.value)),
                         (out_cm, confusion_matrix_figure(cm, [f"runs > {horizon} cycles", f"fails ≤ {horizon} cycles"],
                                                          title="Alarm vs failure within the horizon"))):
            out.clear_output(wait=True)
            with out:
                responsive(fig).show()

    def cheapest(*_):
        best = cheapest_alarm(pred_rul, true_rul, **costs())
        state["busy"] = True
        try:
            s_thr.value = best["threshold"]
        finally:
            state["busy"] = False
        show()  # always: an unchanged threshold must still redraw the new costs

    def on_threshold(*_):
        if not state["busy"]:
            show()

    for w in (s_miss, s_early):
        w.observe(cheapest, names="value")
    s_thr.observe(on_threshold, names="value")
    best_btn.on_click(cheapest)
    cheapest()
    panel = W.VBox([s_miss, s_early, W.HBox([s_thr, best_btn]), text, out_cost, out_cm], layout=W.Layout(width="100%"))
    panel.controls = {"cost_missed": s_miss, "cost_early": s_early, "threshold": s_thr, "cheapest": best_btn,
                      "text": text}
    return panel


def fleet_overview(pred: pd.DataFrame, *, horizon: int = 30, top: int = 30):
    """Ranked risk chart and table of the engines with the lowest predicted RUL."""
    import ipywidgets as W

    out = W.Output(layout=W.Layout(width="100%"))
    with out:
        responsive(fleet_risk_figure(pred, horizon=horizon, top=top)).show()
    table = pred.sort_values("rul_pred").head(top).assign(
        status=lambda d: np.where(d["rul_pred"] <= horizon, "alarm", np.where(d["rul_pred"] <= 2 * horizon, "watch", "ok")))
    return W.VBox([out, W.HTML(table.to_html(index=False, float_format=lambda v: f"{v:.1f}"))])


# ----------------------------------------------------------------------------- report
def report_html(result: dict) -> str:
    """The use case's section of the demo report: metrics, figures, the alarm decision, the verdict.

    The alarm numbers are the experiment's (:func:`summarize_rul`: threshold chosen on validation
    engines, scored on the test engines), and the cost curve is :func:`cost_figure`, drawn from the
    same library functions as the notebook panel.
    """
    from workbench.report import escape, figure_html, smoke_banner_html, summary_html, table_html
    from workbench.usecases.maintenance.evaluation import maintenance_verdict

    metrics = result.get("metrics", {})
    parts = [smoke_banner_html(bool(result.get("smoke"))) if "smoke" in result else smoke_banner_html()]
    corpus = "; ".join(result.get("base_corpus") or ["a simulated fleet"])
    parts.append(f"<p>Data: {escape(result.get('dataset', ''))}. Base model: PatchTST pretrained on {escape(corpus)} "
                 f"(<code>{escape(result.get('base_model', ''))}</code>).</p>")
    problem = result.get("problem", "rul")
    if problem == "failure":
        parts.append(table_html(metrics_table(metrics, ["precision", "recall", "f1", "pr_auc"])))
    else:
        parts.append("<p>Scored on the last cycle of each held-out test engine. <code>rmse</code>/<code>score</code>: "
                     "against the raw RUL file; <code>*_capped</code>: truth capped at 125 as in most papers. "
                     "The LightGBM baseline is trained on all training engines.</p>")
        parts.append(table_html(metrics_table(metrics, ["rmse", "score", "mae", "rmse_capped", "score_capped"])))
        parts.append(_runtime_html(result.get("runtime", {})))
        preds = result.get("predictions")
        if preds:
            parts.append(figure_html(rul_scatter_figure(preds), height=420))
        parts.append(_alarm_html(result))
    if metrics:
        rec = result.get("recommendation")
        if rec and rec.get("text"):  # the choice, made on validation engines; then how it did on test
            parts.append(summary_html(rec["text"]))
        parts.append(summary_html(maintenance_verdict(metrics, problem)["text"]))
    return "\n".join(p for p in parts if p)


def _runtime_html(runtime: dict) -> str:
    """Training engines, time and size per model; the pretraining in one sentence (other columns)."""
    from workbench.report import table_html

    cols = {"train_engines": "training engines", "seconds": "training time (s)", "epochs": "epochs",
            "trainable_params": "trainable parameters"}
    def cell(key, value):
        if value is None:
            return "–"
        return f"{value:.1f}" if key == "seconds" else f"{int(value):,}".replace(",", " ")

    rows = {LABELS.get(r, r): {label: cell(k, d.get(k)) for k, label in cols.items()}
            for r, d in runtime.items() if r not in ("pretrain", "fleet_adaptive")}
    if not rows:
        return ""
    table = pd.DataFrame(rows).T
    pre = runtime.get("pretrain", {})
    note = ("the base model came from the cache" if pre.get("from_cache")
            else f"pretraining the base model took {pre.get('seconds') or 0:.0f} s")
    return f"<h4>Runtime</h4><p>On this machine; {note}.</p>" + table_html(table)


def alarm_table(metrics: dict) -> pd.DataFrame:
    """One row per model: the validation-chosen threshold and its cost on validation and test engines."""
    rows = []
    for role, m in metrics.items():
        a = m.get("alarm") if isinstance(m, dict) else None
        if not a:
            continue
        val = a.get("val", {})
        rows.append({"model": LABELS.get(role, role), "alarm when RUL ≤": a["alarm_rul"],
                     "validation cost": val.get("cost"), "test cost": a["cost"], "caught": a["tp"],
                     "missed": a["fn"], "early replacements": a["fp"],
                     "test cost, best in hindsight": a.get("test_hindsight_cost")})
    return pd.DataFrame(rows).set_index("model") if rows else pd.DataFrame()


def _alarm_html(result: dict) -> str:
    from workbench.report import figure_html, table_html

    metrics, dec, preds = result.get("metrics", {}), result.get("decision", {}), result.get("predictions") or {}
    table = alarm_table(metrics)
    if table.empty:
        return ""
    parts = [f"<h4>Alarm rule</h4><p>Alarm when the predicted RUL is at or below the threshold; an engine fails if its "
             f"true RUL is ≤ {dec.get('horizon', 30)} cycles. A missed failure costs {dec.get('cost_missed', 10):g}, "
             f"an early replacement {dec.get('cost_early', 1):g}. Each threshold is chosen on validation engines "
             f"({dec.get('val_engines', '?')} engines of the training file, {dec.get('val_cuts', '?')} random cuts) "
             "and scored on the test engines; the last column is the best the rule could have done on the test "
             "engines in hindsight (not a fair score, for reference only).</p>", table_html(table, "{:.2f}")]
    role = "adapter" if "adapter" in preds else next((r for r in preds if r not in ("unit", "truth")), None)
    if role:
        chosen = metrics.get(role, {}).get("alarm", {}).get("alarm_rul")
        parts.append(figure_html(cost_figure(preds[role], preds["truth"], horizon=dec.get("horizon", 30),
                                             cost_missed=dec.get("cost_missed", 10.0),
                                             cost_early=dec.get("cost_early", 1.0), chosen=chosen,
                                             best_label="best on the test engines in hindsight"), height=360))
    return "\n".join(parts)
