"""Pure plotly builders and generic panels, tested without a kernel."""

import pandas as pd
import pytest

from workbench.widgets import figures, panels


def test_confusion_matrix_figure_counts_and_labels():
    fig = figures.confusion_matrix_figure([[3, 1], [0, 4]], ["Haftung", "Kündigung"])
    heat = fig.data[0]
    assert list(heat.x) == ["Haftung", "Kündigung"] and heat.text[0][1] == "1"
    norm = figures.confusion_matrix_figure([[3, 1], [0, 4]], ["a", "b"], normalise=True)
    assert norm.data[0].z[0][0] == pytest.approx(0.75)
    with pytest.raises(ValueError, match="does not match 3 labels"):
        figures.confusion_matrix_figure([[1, 0], [0, 1]], ["a", "b", "c"])


def test_comparison_figure_uses_role_colours():
    metrics = {"baseline": {"f1": 0.7}, "frozen_base": {"f1": 0.6}, "adapter": {"f1": 0.8}}
    fig = figures.comparison_figure(metrics, "f1")
    assert list(fig.data[0].y) == [0.7, 0.6, 0.8]
    assert list(fig.data[0].marker.color) == [figures.COLORS[r] for r in metrics]
    with pytest.raises(ValueError, match="no model has the metric"):
        figures.comparison_figure(metrics, "rmse")


def test_history_and_table():
    hist = pd.DataFrame({"epoch": [0, 1], "val_loss": [1.0, 0.5], "train_loss_epoch": [1.2, 0.7]})
    fig = figures.history_figure(hist, ["val_loss"])
    assert list(fig.data[0].y) == [1.0, 0.5] and list(fig.data[0].x) == [1, 2]  # as the epoch lines count
    with pytest.raises(ValueError, match="empty"):
        figures.history_figure(pd.DataFrame())
    table = figures.metrics_table({"baseline": {"f1": 0.5, "cm": [[1]]}, "adapter": {"f1": 0.9}})
    assert table.loc["LoRA adapter", "f1"] == 0.9 and "cm" not in table


def test_comparison_panel_dropdown_updates_the_figure():
    panel = panels.comparison_panel({"baseline": {"a": 1.0, "b": 5.0}, "adapter": {"a": 2.0, "b": 3.0}})
    dropdown, fig = panel.children
    assert list(fig.data[0].y) == [1.0, 2.0]
    dropdown.value = "b"
    assert list(fig.data[0].y) == [5.0, 3.0]


def test_figures_are_responsive_and_label_bars_with_rounded_numbers():
    metrics = {"baseline": {"cost": 12345.678, "f1": 0.81234}, "adapter": {"cost": 9876.5, "f1": 0.9}}
    built = [figures.comparison_figure(metrics, "cost"), figures.confusion_matrix_figure([[1, 0], [0, 1]], ["a", "b"]),
             figures.history_figure(pd.DataFrame({"epoch": [0, 1], "val_loss": [1.0, 0.5]}))]
    for fig in built:
        assert fig.layout.width is None and fig.layout.autosize is True
    assert list(built[0].data[0].text) == ["12,346", "9,876"]  # four significant digits
    assert list(figures.comparison_figure(metrics, "f1").data[0].text) == ["0.8123", "0.9000"]  # aligned decimals
    fixed = panels.figure_widget(figures.responsive(figures.comparison_figure(metrics, "f1").update_layout(width=1600)))
    assert fixed.layout.width is None and fixed._config["responsive"] is True
