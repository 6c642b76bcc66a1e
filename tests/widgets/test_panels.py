"""Generic panels: the live training plot through a real tiny fit, the smoke banner, the verdict
line and the wrapping row of figures."""

import plotly.graph_objects as go
import pytest

from workbench.config import TrainArgs
from workbench.report import SMOKE_TEXT
from workbench.training import fit, make_loader
from workbench.widgets import panels

from tiny_task import Classify, data, model  # tests/support


def _fit(run_dir, epochs, callbacks):
    return fit(model(), Classify(), make_loader(data(), 32, seed=3), make_loader(data(128, seed=5), 64, shuffle=False),
               TrainArgs(max_epochs=epochs, batch_size=32, lr=1e-2, progress_bar=False, logger="csv"), run_dir,
               callbacks=callbacks)


def test_live_plot_shows_every_epoch_including_the_last_with_its_own_values(tmp_path):
    live = panels.LiveTrainingPlot(("train_loss_epoch", "val_acc"))
    seen = []  # what the plot showed at the end of each epoch, to catch a plot that lags behind

    class Spy(__import__("lightning").Callback):
        def on_train_epoch_end(self, trainer, module):
            seen.append(list(live.widget.data[1].x or []))

    result = _fit(tmp_path / "run", 3, [live.callback, Spy()])
    history = result.history
    loss, acc = live.widget.data
    assert list(acc.x) == [1, 2, 3] and list(loss.x) == [1, 2, 3]
    assert list(acc.y) == pytest.approx(history["val_acc"].tolist())
    assert list(loss.y) == pytest.approx(history["train_loss_epoch"].tolist(), rel=1e-5)
    assert seen == [[1], [1, 2], [1, 2, 3]]  # up to date at every epoch end, not one epoch late
    assert live.points["val_acc"][-1] == (3, pytest.approx(history["val_acc"].iloc[-1]))
    assert live.widget.layout.width is None and live.widget._config["responsive"]  # follows the notebook's width
    assert "application/vnd.jupyter.widget-view+json" in live._repr_mimebundle_()


def test_live_plot_needs_a_metric():
    with pytest.raises(ValueError, match="at least one metric"):
        panels.LiveTrainingPlot(())


def test_smoke_banner_only_in_smoke_mode(monkeypatch):
    monkeypatch.delenv("WORKBENCH_SMOKE", raising=False)
    assert panels.smoke_banner() is None and panels.smoke_banner(smoke=False) is None
    shown = panels.smoke_banner(smoke=True)
    assert "not evidence of model quality" in shown._repr_html_() and SMOKE_TEXT[:40] in shown._repr_html_()
    monkeypatch.setenv("WORKBENCH_SMOKE", "1")
    assert "plumbing" in panels.smoke_banner()._repr_html_()


def test_summary_shows_the_verdict_escaped():
    html = panels.summary("Best model on this data: Baseline <TF-IDF> (macro-F1 0.81).")._repr_html_()
    assert 'class="verdict"' in html and "Baseline &lt;TF-IDF&gt;" in html
    # outside a browser (text export, console) the line reads as text, not "<HTML object>"
    assert repr(panels.summary("Best model: Baseline.")) == "Summary: Best model: Baseline."
    assert repr(panels.smoke_banner(smoke=True)).startswith("⚠ Smoke mode")


def test_side_by_side_wraps_instead_of_overflowing():
    fig = go.Figure(go.Bar(x=["a"], y=[1]), layout=dict(width=900))
    row = panels.side_by_side(fig, go.Figure())
    assert row.layout.flex_flow == "row wrap" and row.layout.width == "100%"
    first = row.children[0]
    assert first.layout.flex == "1 1 360px" and first.children[0].layout.width is None  # fixed width removed
