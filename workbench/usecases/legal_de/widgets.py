"""Interactive evaluation of clause classifiers: pure figure builders, then widget wiring.

Pure functions (no kernel needed, tested directly):

* :func:`probability_figure`: class probabilities of the frozen base and the adapter side by side;
* :func:`misclassified_table`: the test examples a model got wrong;
* :func:`cell_examples`: the examples behind one cell of a confusion matrix;
* :func:`examples_frame`: ``run_experiment``'s ``examples`` as a DataFrame;
* :func:`per_class_table`: F1 per class and model, with the class's test rows.

Widget wiring (ipywidgets + plotly ``FigureWidget``, which needs ``anywidget``):

* :class:`ClauseExplorer` with three tabs: *Try a clause* (type or pick a clause, see both models'
  probabilities), *Misclassified* (browse the adapter's errors, load one into the first tab),
  *Confusion matrix* (click a cell to list its examples).

Usage in a notebook::

    from workbench.usecases.legal_de.widgets import ClauseExplorer
    ClauseExplorer(adapter=clf, frozen=frozen, examples=test_df_with_predictions).widget
"""

from __future__ import annotations

import html
from typing import Any, Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from workbench.widgets.figures import COLORS, LABELS, confusion_matrix_figure
from workbench.widgets.panels import figure_widget


# ----------------------------------------------------------------------------- pure builders
def probability_figure(labels: Sequence[str], probabilities: dict[str, Sequence[float]],
                       title: str = "Predicted class probabilities") -> go.Figure:
    """Horizontal grouped bars: one bar per class and model.

    Args:
        labels: Class names (bar positions).
        probabilities: ``{role: probabilities}`` with roles such as ``frozen_base`` and
            ``adapter``; every vector has ``len(labels)`` entries.
        title: Figure title.

    Raises:
        ValueError: A probability vector has the wrong length.
    """
    fig = go.Figure()
    for role, p in probabilities.items():
        p = np.asarray(p, dtype=float).ravel()
        if p.shape[0] != len(labels):
            raise ValueError(f"{role}: {p.shape[0]} probabilities for {len(labels)} labels")
        fig.add_trace(go.Bar(y=list(labels), x=p, orientation="h", name=LABELS.get(role, role),
                             marker_color=COLORS.get(role), text=[f"{v:.2f}" for v in p], textposition="outside",
                             cliponaxis=False))  # labels beside short bars stay readable
    fig.update_layout(title=title, barmode="group", xaxis=dict(range=[0, 1], title="probability"),
                      yaxis=dict(autorange="reversed"), height=max(300, 45 * len(labels)),
                      margin=dict(l=10, r=10, t=40, b=10), legend=dict(orientation="h", y=-0.15))
    return fig


def per_class_table(metrics: dict, labels: Sequence[str] | None = None, names: dict | None = None) -> pd.DataFrame:
    """F1 per class (rows) for every model (columns), with the class's number of test rows.

    Args:
        metrics: ``{role: metrics}`` where each has ``per_class`` (``classification_metrics``).
        labels: Row order (default: the first model's order).
        names: Column names per role (default: the workbench's role names).

    Returns:
        A DataFrame indexed by class: ``test rows`` and one F1 column per model (NaN where a
        class is absent from both truth and predictions).
    """
    names = dict(names or LABELS)
    roles = [r for r, m in metrics.items() if m.get("per_class")]
    if not roles:
        raise ValueError("no model has a per-class report (per_class)")
    order = list(labels) if labels is not None else list(metrics[roles[0]]["per_class"])
    first = metrics[roles[0]]["per_class"]
    table = pd.DataFrame({"test rows": [first.get(c, {}).get("support", 0) for c in order]}, index=order)
    for role in roles:
        per_class = metrics[role]["per_class"]
        table[names.get(role, role)] = [np.nan if (per_class.get(c) or {}).get("f1") is None else per_class[c]["f1"]
                                        for c in order]
    return table


def examples_frame(examples: dict | pd.DataFrame) -> pd.DataFrame:
    """``{"text": [...], "label": [...], "<role>": [predictions]}`` as a DataFrame."""
    df = pd.DataFrame(examples) if not isinstance(examples, pd.DataFrame) else examples
    for column in ("text", "label"):
        if column not in df.columns:
            raise ValueError(f"examples need a {column!r} column, got {list(df.columns)}")
    return df.reset_index(drop=True)


def misclassified_table(examples: dict | pd.DataFrame, role: str = "adapter") -> pd.DataFrame:
    """Rows where ``role``'s prediction differs from the label, with the other models' predictions.

    Returns:
        DataFrame with the original index (position in the test set), ``text``, ``label`` and
        one column per model role present.
    """
    df = examples_frame(examples)
    if role not in df.columns:
        raise ValueError(f"no predictions of {role!r}; available: {[c for c in df.columns if c not in ('text', 'label')]}")
    return df[df[role] != df["label"]]


def cell_examples(examples: dict | pd.DataFrame, true_label: str, predicted: str, role: str = "adapter") -> pd.DataFrame:
    """The examples of one confusion-matrix cell: truth ``true_label``, predicted ``predicted``."""
    df = examples_frame(examples)
    if role not in df.columns:
        raise ValueError(f"no predictions of {role!r}")
    return df[(df["label"] == true_label) & (df[role] == predicted)]


def confusion_from_examples(examples: dict | pd.DataFrame, labels: Sequence[str], role: str = "adapter") -> np.ndarray:
    """Confusion matrix (rows true, columns predicted, ``labels`` order) from the examples."""
    df = examples_frame(examples)
    index = {x: i for i, x in enumerate(labels)}
    cm = np.zeros((len(labels), len(labels)), dtype=int)
    for t, p in zip(df["label"], df[role]):
        cm[index[t], index[p]] += 1
    return cm


def examples_html(rows: pd.DataFrame, roles: Sequence[str], limit: int = 20) -> str:
    """A small HTML table of examples (text escaped), at most ``limit`` rows."""
    if rows.empty:
        return "<i>no examples</i>"
    head = "".join(f"<th>{html.escape(LABELS.get(r, r))}</th>" for r in roles)
    body = "".join(
        f"<tr><td>{i}</td><td style='text-align:left'>{html.escape(str(row.text))}</td><td>{html.escape(str(row.label))}</td>"
        + "".join(f"<td>{html.escape(str(getattr(row, r)))}</td>" for r in roles) + "</tr>"
        for i, row in zip(rows.index[:limit], rows.head(limit).itertuples()))
    more = f"<p>{len(rows) - limit} more not shown</p>" if len(rows) > limit else ""
    return (f"<p>{len(rows)} example(s)</p><table><tr><th>#</th><th>text</th><th>true</th>{head}</tr>{body}</table>"
            + more)


# ----------------------------------------------------------------------------- widget wiring
class ClauseExplorer:
    """Three-tab evaluation widget for a fitted adapter and (optionally) the frozen base.

    Args:
        adapter: Fitted model with ``predict_proba(texts)`` and ``labels_`` (the LoRA model).
        frozen: Optional second model with the same interface and label order (frozen base).
        examples: Test examples with ``text``, ``label`` and prediction columns per role
            (``run_experiment(...)["examples"]`` or a DataFrame).
        role: Whose errors and confusion matrix the tabs show.

    The widget is ``self.widget``; the handlers are methods so that tests can call them.
    """

    def __init__(self, adapter: Any, frozen: Any | None = None, examples: dict | pd.DataFrame | None = None,
                 role: str = "adapter"):
        import ipywidgets as w

        self.adapter, self.frozen, self.role = adapter, frozen, role
        self.labels = list(adapter.labels_)
        self.examples = examples_frame(examples) if examples is not None else pd.DataFrame(columns=["text", "label"])
        self.roles = [r for r in ("baseline", "frozen_base", "adapter", "hybrid") if r in self.examples.columns]

        # Tab 1: try a clause.
        options = [("(type your own clause)", -1)] + [
            (f"{i}: [{lab}] {txt[:70]}", i) for i, (txt, lab) in enumerate(zip(self.examples["text"], self.examples["label"]))]
        self.picker = w.Dropdown(options=options, value=-1, description="Example", layout=w.Layout(width="95%"))
        self.text = w.Textarea(value="Gerichtsstand für alle Streitigkeiten aus diesem Vertrag ist München.",
                               layout=w.Layout(width="95%", height="90px"))
        self.button = w.Button(description="Classify", button_style="primary")
        first = self._probabilities(self.text.value)
        self.proba_fig = figure_widget(probability_figure(
            self.labels, first, title=f"Adapter predicts: {self.labels[int(np.argmax(first['adapter']))]}"))
        self.picker.observe(self.on_pick, names="value")
        self.button.on_click(lambda _: self.update_probabilities())
        tab_try = w.VBox([self.picker, self.text, self.button, self.proba_fig])

        # Tab 2: misclassified examples.
        self.errors = misclassified_table(self.examples, role) if role in self.examples.columns else self.examples.iloc[:0]
        self.error_list = w.Select(options=[(f"{i}: true {r.label} / predicted {getattr(r, role)}", i)
                                            for i, r in zip(self.errors.index, self.errors.itertuples())],
                                   rows=8, layout=w.Layout(width="95%"))
        self.error_detail = w.HTML()
        self.to_try = w.Button(description="Open in 'Try a clause'")
        self.error_list.observe(self.on_error_selected, names="value")
        self.on_error_selected({"new": self.error_list.value})  # Select starts on its first option
        self.to_try.on_click(lambda _: self.open_selected_error())
        tab_err = w.VBox([w.HTML(f"<b>{len(self.errors)}</b> of {len(self.examples)} test examples misclassified "
                                 f"by {LABELS.get(role, role)}"), self.error_list, self.error_detail, self.to_try])

        # Tab 3: confusion matrix, click a cell.
        self.cell_detail = w.HTML("<i>click a cell to list its examples</i>")
        children = [tab_try, tab_err]
        titles = ["Try a clause", "Misclassified"]
        if role in self.examples.columns and len(self.examples):
            cm = confusion_from_examples(self.examples, self.labels, role)
            self.cm_fig = figure_widget(confusion_matrix_figure(cm, self.labels,
                                                                title=f"{LABELS.get(role, role)}: click a cell"))
            self.cm_fig.data[0].on_click(self._on_cm_click)
            children.append(w.VBox([self.cm_fig, self.cell_detail]))
            titles.append("Confusion matrix")
        self.widget = w.Tab(children=children, titles=titles)

    # -------------------------------------------------------------- handlers
    def _probabilities(self, text: str) -> dict[str, np.ndarray]:
        out = {}
        if self.frozen is not None:
            out["frozen_base"] = self.frozen.predict_proba([text])[0]
        out["adapter"] = self.adapter.predict_proba([text])[0]
        return out

    def update_probabilities(self) -> None:
        """Recompute both models' probabilities for the text box and redraw the bars."""
        text = self.text.value.strip()
        if not text:
            return
        probs = self._probabilities(text)
        with self.proba_fig.batch_update():
            for trace, p in zip(self.proba_fig.data, probs.values()):
                trace.x = p
                trace.text = [f"{v:.2f}" for v in p]
            best = self.labels[int(np.argmax(probs["adapter"]))]
            self.proba_fig.layout.title.text = f"Adapter predicts: {best}"

    def on_pick(self, change: dict) -> None:
        """Load the picked example into the text box and classify it."""
        i = change["new"]
        if i is not None and i >= 0:
            self.text.value = self.examples["text"].iloc[i]
            self.update_probabilities()

    def on_error_selected(self, change: dict) -> None:
        """Show the selected misclassified example with every model's prediction."""
        i = change["new"]
        if i is None:
            return
        self.error_detail.value = examples_html(self.errors.loc[[i]], self.roles)

    def open_selected_error(self) -> None:
        """Put the selected error into the first tab."""
        if self.error_list.value is not None:
            self.picker.value = int(self.error_list.value)
            self.widget.selected_index = 0

    def show_cell(self, true_label: str, predicted: str) -> None:
        """List the examples of one confusion-matrix cell."""
        rows = cell_examples(self.examples, true_label, predicted, self.role)
        self.cell_detail.value = f"<b>true {html.escape(true_label)}, predicted {html.escape(predicted)}</b>" + \
            examples_html(rows, self.roles)

    def _on_cm_click(self, trace: Any, points: Any, state: Any) -> None:
        if points.xs and points.ys:
            self.show_cell(str(points.ys[0]), str(points.xs[0]))
