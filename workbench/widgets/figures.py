"""Pure plotly builders shared by the use cases: data in, ``go.Figure`` out.

They need no kernel, so tests check them directly, and the widgets in ``panels.py`` and in the
use cases only wire them to controls. Every builder returns a *responsive* figure (see
:func:`responsive`): no fixed width, so it fits a narrow notebook and the report's page. Colours follow one palette across the workbench: the
baseline grey, the frozen base blue, the adapter orange, so a user learns them once.

Usage::

    from workbench.widgets.figures import confusion_matrix_figure, comparison_figure
    fig = comparison_figure({"baseline": {"macro_f1": .8}, "adapter": {"macro_f1": .9}}, "macro_f1")
"""

from __future__ import annotations

from typing import Any, Mapping, Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from workbench.report import column_decimals, format_number

COLORS = {"baseline": "#8c8c8c", "frozen_base": "#1f77b4", "adapter": "#ff7f0e", "truth": "#2ca02c",
          "full_finetune": "#9467bd", "blend": "#d62728", "hybrid": "#d62728"}
"""One colour per model role, the same in every figure."""

LABELS = {"baseline": "Baseline", "frozen_base": "Frozen base + head", "adapter": "LoRA adapter",
          "full_finetune": "Full fine-tuning", "blend": "Blend: adapter + baseline",
          "hybrid": "Hybrid: adapter + baseline"}


def responsive(fig: go.Figure) -> go.Figure:
    """Let ``fig`` take the width of its container: a notebook cell, a report page, a widget box.

    Removes a fixed ``layout.width`` (the usual cause of figures wider than the notebook) and
    turns on ``autosize``; the height stays as set. Returns the same figure.
    """
    fig.update_layout(autosize=True)
    fig.layout.width = None
    return fig


def role_color(role: str) -> str:
    """Colour of a model role (falls back to plotly's palette order)."""
    return COLORS.get(role, "#17becf")


def confusion_matrix_figure(cm: Any, labels: Sequence[str], title: str = "Confusion matrix",
                            normalise: bool = False) -> go.Figure:
    """Heatmap of a confusion matrix, true classes as rows, predictions as columns.

    Args:
        cm: Square count matrix.
        labels: Class names in index order.
        title: Figure title.
        normalise: Show row shares (recall per class) instead of counts; counts stay in hover.
    """
    cm = np.asarray(cm, dtype=float)
    if cm.ndim != 2 or cm.shape[0] != cm.shape[1] or cm.shape[0] != len(labels):
        raise ValueError(f"confusion matrix of shape {cm.shape} does not match {len(labels)} labels")
    z = cm / np.maximum(cm.sum(1, keepdims=True), 1) if normalise else cm
    text = [[f"{int(c)}" for c in row] for row in cm]
    fig = go.Figure(go.Heatmap(
        z=z, x=list(labels), y=list(labels), text=text, texttemplate="%{text}", colorscale="Blues",
        hovertemplate="true %{y}<br>predicted %{x}<br>count %{text}<extra></extra>", showscale=False,
    ))
    fig.update_layout(title=title, xaxis_title="predicted", yaxis_title="true", yaxis_autorange="reversed",
                      margin=dict(l=10, r=10, t=40, b=10))
    return responsive(fig)


def comparison_figure(metrics: Mapping[str, Mapping[str, float]], metric: str, title: str | None = None,
                      lower_is_better: bool = False) -> go.Figure:
    """Bar chart of one metric for each model role (baseline, frozen base, adapter...)."""
    roles = [r for r in metrics if metric in metrics[r] and metrics[r][metric] is not None]
    if not roles:
        raise ValueError(f"no model has the metric {metric!r}")
    values = [float(metrics[r][metric]) for r in roles]
    fig = go.Figure(go.Bar(
        x=[LABELS.get(r, r) for r in roles], y=values, marker_color=[role_color(r) for r in roles],
        text=[format_number(v, column_decimals(values)) for v in values], textposition="outside",
    ))
    hint = " (lower is better)" if lower_is_better else " (higher is better)"
    fig.update_layout(title=title or metric + hint, yaxis_title=metric, margin=dict(l=10, r=10, t=40, b=10))
    return responsive(fig)


def history_figure(history: pd.DataFrame, metrics: Sequence[str] | None = None, title: str = "Training") -> go.Figure:
    """Line plot of logged metrics over epochs (from ``FitResult.history``), epochs counted from 1."""
    if history is None or history.empty or "epoch" not in history:
        raise ValueError("the training history is empty: nothing to plot")
    metrics = list(metrics) if metrics else [c for c in history.columns if c != "epoch"]
    fig = go.Figure()
    for name in metrics:
        if name in history:
            sub = history[["epoch", name]].dropna()
            # Lightning counts epochs from 0; people (and the progress lines, "epoch 1/4") from 1.
            fig.add_trace(go.Scatter(x=sub["epoch"] + 1, y=sub[name], mode="lines+markers", name=name))
    fig.update_layout(title=title, xaxis_title="epoch", margin=dict(l=10, r=10, t=40, b=10))
    return responsive(fig)


def metrics_table(metrics: Mapping[str, Mapping[str, Any]], columns: Sequence[str] | None = None) -> pd.DataFrame:
    """The side-by-side table: one row per model role, one column per scalar metric."""
    rows = []
    for role, values in metrics.items():
        row = {"model": LABELS.get(role, role)}
        for key, value in values.items():
            if isinstance(value, (int, float, np.floating, np.integer)) and (columns is None or key in columns):
                row[key] = float(value)
        rows.append(row)
    return pd.DataFrame(rows).set_index("model")
