"""Generic ipywidgets wiring: controls around the figures of ``figures.py``, no logic of its own.

Usage in a notebook::

    from workbench.widgets.panels import comparison_panel, live_training_plot
    comparison_panel(result["metrics"])          # dropdown of metrics -> bar chart
"""

from __future__ import annotations

from typing import Any, Mapping

import plotly.graph_objects as go

from workbench.widgets import figures


def figure_widget(fig: go.Figure) -> Any:
    """Wrap a figure in ``go.FigureWidget`` (needs anywidget, a core dependency)."""
    return go.FigureWidget(fig)


def comparison_panel(metrics: Mapping[str, Mapping[str, float]], lower_is_better: tuple[str, ...] = ()) -> Any:
    """A dropdown of the scalar metrics and a bar chart comparing the model roles.

    Args:
        metrics: ``{role: {metric: value}}`` as ``run_experiment`` returns it.
        lower_is_better: Metric names where lower is better (for the title hint).
    """
    import ipywidgets as w

    names = sorted({k for m in metrics.values() for k, v in m.items() if isinstance(v, (int, float))})
    if not names:
        raise ValueError("no scalar metrics to compare")
    dropdown = w.Dropdown(options=names, value=names[0], description="Metric")
    fig = figure_widget(figures.comparison_figure(metrics, names[0], lower_is_better=names[0] in lower_is_better))

    def update(change: dict) -> None:
        new = figures.comparison_figure(metrics, change["new"], lower_is_better=change["new"] in lower_is_better)
        with fig.batch_update():
            fig.data[0].x, fig.data[0].y = new.data[0].x, new.data[0].y
            fig.data[0].text, fig.data[0].marker.color = new.data[0].text, new.data[0].marker.color
            fig.layout.title.text, fig.layout.yaxis.title.text = new.layout.title.text, change["new"]

    dropdown.observe(update, names="value")
    return w.VBox([dropdown, fig])


class LiveTrainingPlot:
    """A Lightning callback that draws the validation metric live in a notebook.

    Pass an instance to ``fit(..., callbacks=[plot])`` and display ``plot.widget`` in a cell.
    """

    def __init__(self, metric: str = "val_loss"):
        import lightning as L

        self.metric = metric
        self.widget = figure_widget(go.Figure(go.Scatter(x=[], y=[], mode="lines+markers", name=metric)))
        self.widget.update_layout(title=f"{metric} per epoch", xaxis_title="epoch", height=300,
                                  margin=dict(l=10, r=10, t=40, b=10))
        outer = self

        class _Callback(L.Callback):
            def on_validation_epoch_end(self, trainer: Any, module: Any) -> None:
                value = trainer.callback_metrics.get(outer.metric)
                if value is not None and trainer.is_global_zero:
                    scatter = outer.widget.data[0]
                    scatter.x = list(scatter.x or []) + [trainer.current_epoch]
                    scatter.y = list(scatter.y or []) + [float(value)]

        self.callback = _Callback()
