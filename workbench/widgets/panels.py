"""Generic ipywidgets wiring: controls around the figures of ``figures.py``, no logic of its own.

Usage in a notebook::

    from workbench.widgets.panels import LiveTrainingPlot, comparison_panel, smoke_banner, summary
    smoke_banner()                                # in smoke mode: "numbers are for plumbing only"
    live = LiveTrainingPlot("val_acc")
    display(live)                                 # then fit(..., callbacks=[live.callback]) in the same cell
    comparison_panel(result["metrics"])          # dropdown of metrics -> bar chart
    summary(verdict(scores, "macro-F1", lower_is_better=False)["text"])   # the last line

Everything sizes itself to the notebook's width (no fixed pixel widths): figures are
responsive, and :func:`side_by_side` wraps its children onto the next row when the notebook
is too narrow for them.
"""

from __future__ import annotations

import math
from typing import Any, Mapping

import plotly.graph_objects as go
from IPython.display import HTML

from workbench.widgets import figures


def figure_widget(fig: go.Figure | None = None) -> Any:
    """Wrap a figure in a responsive ``go.FigureWidget`` (needs anywidget, a core dependency).

    Use this instead of ``go.FigureWidget(fig)``: a plain FigureWidget draws at the width the
    notebook had when the cell ran and keeps it, so after a window or sidebar resize it sticks out
    of a narrower notebook. Here the layout has no fixed width and plotly.js gets
    ``responsive: True``, so the figure follows its container.
    """
    widget = go.FigureWidget(figures.responsive(fig if fig is not None else go.Figure()))
    # FigureWidget has no public config argument; ``_config`` is the synced trait its front end
    # passes to ``Plotly.newPlot``.
    widget._config = {**(widget._config or {}), "responsive": True, "displaylogo": False}
    return widget


def side_by_side(*children: Any, min_width: str = "360px") -> Any:
    """Children (figures, widgets) in one row that wraps when the notebook is narrower than the row.

    A plain ``HBox`` of two 700 px figures is 1400 px wide whatever the notebook's width and
    overflows it; here each child takes an equal share of the row but at least ``min_width``,
    and moves to the next row when there is no room.

    Args:
        *children: ipywidgets (a ``FigureWidget`` is one) or ``go.Figure`` objects (wrapped).
        min_width: Narrowest width of a child before it wraps (CSS length).
    """
    import ipywidgets as w

    boxes = []
    for child in children:
        if isinstance(child, go.Figure) and not isinstance(child, go.FigureWidget):
            child = figure_widget(child)
        boxes.append(w.Box([child], layout=w.Layout(flex=f"1 1 {min_width}", min_width="0", max_width="100%",
                                                    overflow="hidden")))
    return w.Box(boxes, layout=w.Layout(display="flex", flex_flow="row wrap", width="100%", max_width="100%"))


class TextHTML(HTML):
    """``IPython.display.HTML`` whose plain-text form is readable text, not ``<... HTML object>``.

    A notebook shows the HTML; text exports, nbval and a console show ``text``.
    """

    def __init__(self, html: str, text: str):
        super().__init__(html)
        self.text = text

    def __repr__(self) -> str:
        return self.text


def _html(html: str, text: str) -> TextHTML:
    return TextHTML(html, text)


def smoke_banner(smoke: bool | None = None) -> Any:
    """The notebook banner of smoke mode: the numbers below test the plumbing, not the models.

    Args:
        smoke: Show it; ``None`` (default) reads ``WORKBENCH_SMOKE=1`` from the environment.

    Returns:
        An ``IPython.display.HTML`` object (shown when it is a cell's last expression or passed
        to ``display``), or ``None`` outside smoke mode, which a notebook shows as nothing.
    """
    from workbench.report import SMOKE_TEXT, smoke_banner_html

    html = smoke_banner_html(smoke)
    return _html(html, "⚠ " + SMOKE_TEXT) if html else None


def summary(text: str) -> Any:
    """The honest one-line verdict, displayed prominently (``metrics.verdict(...)["text"]``).

    Returns:
        An ``IPython.display.HTML`` object with the same look as the report's
        :func:`workbench.report.summary_html`.
    """
    from workbench.report import summary_html

    return _html(summary_html(text), f"Summary: {text}")



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
    """A live plot of metrics per epoch in a notebook, fed by a Lightning callback.

    Display it, then train in the same cell; the cell stays busy while training runs (no thread),
    and the plot gains a point at the end of every epoch, the last one included::

        live = LiveTrainingPlot("val_acc")
        display(live)
        clf.fit(train, val, callbacks=[live.callback])

    The points are read in ``on_train_epoch_end``: Lightning runs it after the epoch's
    validation and after the module has logged the epoch's metrics. A callback's
    ``on_validation_epoch_end`` runs *before* the module's, so it sees the previous epoch's
    value: a plot fed from there is one epoch late and never shows the last epoch.

    Args:
        metric: Logged metric to draw, or several (one line each), e.g.
            ``("train_loss_epoch", "val_loss")``. Metrics not logged in an epoch are skipped.
        title: Figure title (default: the metric names).
        height: Figure height in pixels; the width follows the notebook.

    Attributes:
        widget: The ``go.FigureWidget``.
        callback: The Lightning callback to pass to ``fit(..., callbacks=[...])``.
        points: ``{metric: [(epoch, value), ...]}`` drawn so far (epochs counted from 1).
    """

    def __init__(self, metric: str | tuple[str, ...] | list[str] = "val_loss", title: str | None = None,
                 height: int = 300):
        import lightning as L

        self.metrics = [metric] if isinstance(metric, str) else list(metric)
        if not self.metrics:
            raise ValueError("LiveTrainingPlot needs at least one metric name")
        self.metric = self.metrics[0]
        self.points: dict[str, list[tuple[int, float]]] = {m: [] for m in self.metrics}
        fig = go.Figure([go.Scatter(x=[], y=[], mode="lines+markers", name=m) for m in self.metrics])
        fig.update_layout(title=title or f"{', '.join(self.metrics)} per epoch", xaxis_title="epoch", height=height,
                          xaxis=dict(tick0=1, dtick=1), showlegend=len(self.metrics) > 1,
                          # legend under the plot: beside it, it squeezes the plot in a narrow notebook
                          legend=dict(orientation="h", yanchor="top", y=-0.25, x=0),
                          margin=dict(l=10, r=10, t=40, b=10))
        self.widget = figure_widget(fig)
        outer = self

        class _Callback(L.Callback):
            def on_train_epoch_end(self, trainer: Any, module: Any) -> None:
                if trainer.is_global_zero and not trainer.sanity_checking:
                    outer.add_epoch(trainer.current_epoch + 1, trainer.callback_metrics)

        self.callback = _Callback()

    def add_epoch(self, epoch: int, metrics: Mapping[str, Any]) -> None:
        """Add the values of one finished epoch (``epoch`` counted from 1) and redraw."""
        with self.widget.batch_update():
            for trace, name in zip(self.widget.data, self.metrics):
                value = metrics.get(name)
                if value is None:
                    continue
                self.points[name].append((int(epoch), float(value)))
                trace.x = [e for e, _ in self.points[name]]
                trace.y = [v for _, v in self.points[name]]
            # Whole epochs only on the axis, at most about ten ticks (plotly's automatic ticks
            # would label 0.5 steps as "1, 1, 2, 2" with an integer format).
            self.widget.layout.xaxis.dtick = max(1, math.ceil(epoch / 10))

    def __repr__(self) -> str:
        return f"LiveTrainingPlot({', '.join(self.metrics)})"

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        # ``display(live)`` shows the widget itself (ipywidgets 8 display through this hook).
        return self.widget._repr_mimebundle_(**kwargs)
