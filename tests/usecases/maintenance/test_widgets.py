"""Figures (no kernel needed) and widget wiring of the maintenance use case."""

import numpy as np
import pandas as pd
import pytest

from workbench.usecases.maintenance.evaluation import alarm_cost, cheapest_alarm
from workbench.usecases.maintenance.model import summarize_rul
from workbench.usecases.maintenance.simulate import FleetSpec, simulate_fleet
from workbench.usecases.maintenance.widgets import (cost_figure, cost_panel, fleet_overview, fleet_risk_figure,
                                                    report_html, rul_life_figure, rul_scatter_figure,
                                                    sensor_traces_figure)


def test_figures_carry_the_data():
    fleet = simulate_fleet(FleetSpec.preset("FD001", n_train=3, n_test=0, seed=0))
    fig = sensor_traces_figure(fleet.train, 2, ["s2", "s4", "s9"])
    assert len(fig.data) == 3 and len(fig.data[0].x) == (fleet.train["unit"] == 2).sum()
    with pytest.raises(ValueError, match="unit 99"):
        sensor_traces_figure(fleet.train, 99, ["s2"])
    life = rul_life_figure([1, 2, 3], [150, 149, 148], {"adapter": [120, 118, 119]}, unit=1)
    assert [t.name for t in life.data][-1] == "LoRA adapter" and max(life.data[1].y) == 125
    preds = {"unit": [1, 2], "truth": [10, 80], "baseline": [20, 70], "adapter": [12, 85]}
    assert len(rul_scatter_figure(preds).data) == 3
    cf = cost_figure([5, 40, 20, 100], [3, 25, 60, 120], horizon=30, chosen=20)
    assert cf.layout.shapes and "cheapest" in cf.layout.annotations[0].text
    risk = fleet_risk_figure(pd.DataFrame({"unit": [1, 2, 3], "cycle": [9, 9, 9], "rul_pred": [50.0, 10.0, 90.0]}))
    assert list(risk.data[0].y) == ["engine 2", "engine 1", "engine 3"] and risk.data[0].marker.color[0] == "#d62728"


def test_cost_panel_moves_to_the_cheapest_threshold():
    panel = cost_panel(np.array([5.0, 40.0, 20.0, 100.0]), np.array([3, 25, 60, 120]), horizon=30)
    c = panel.controls
    assert c["threshold"].value == 40  # catches both failures at one early replacement (40 is in [40, 100))
    c["cost_missed"].value = 0.1  # missed failures become cheap: only the surest alarm is still worth it
    assert 5 <= c["threshold"].value < 20
    assert "expected cost" in c["text"].value
    assert fleet_overview(pd.DataFrame({"unit": [1], "cycle": [3], "rul_pred": [12.0]})).children


def _shown(panel):
    import re

    text = panel.controls["text"].value
    thr = float(re.search(r"class='threshold'>([^<]+)<", text).group(1))
    cost = float(re.search(r"class='cost'>([^<]+)<", text).group(1))
    return thr, cost


def test_cost_panel_shows_exactly_the_library_result_issue10():
    # The optimum alarms the engine predicted at 75.03; rounding to 75 would drop it (cost 21 instead of 1).
    pred, truth = np.array([75.03, 10.0, 120.0, 60.0]), np.array([20.0, 5.0, 150.0, 90.0])
    panel = cost_panel(pred, truth, horizon=30, cost_missed=20, cost_early=1)
    c = panel.controls
    best = cheapest_alarm(pred, truth, horizon=30, cost_missed=20, cost_early=1)
    assert _shown(panel) == (best["threshold"], best["cost"]) == (76.0, 1.0)
    # A hand-typed threshold shows its own cost, from the library function.
    c["threshold"].value = 60
    assert _shown(panel) == (60.0, alarm_cost(pred, truth, 60, horizon=30, cost_missed=20, cost_early=1)["cost"])
    # A new cost moves to the new optimum and redraws (the text and the curve are never stale).
    c["cost_missed"].value = 100
    best = cheapest_alarm(pred, truth, horizon=30, cost_missed=100, cost_early=1)
    assert _shown(panel) == (best["threshold"], best["cost"])
    c["cheapest"].click()
    assert _shown(panel) == (best["threshold"], best["cost"])
    c["threshold"].value = 60
    assert _shown(panel)[1] == 101.0
    assert all(getattr(w.layout, "width", None) != "auto" or w is c["cheapest"] for w in panel.children)
    assert c["cost_missed"].style.description_width == "initial"


def test_cost_figure_is_a_left_closed_step_function():
    pred, truth = np.array([5.0, 40.0, 20.0, 100.0]), np.array([3, 25, 60, 120])
    fig = cost_figure(pred, truth, horizon=30, cost_missed=10, cost_early=1)
    line = fig.data[0]
    assert line.line.shape == "hv" and list(line.x) == sorted(line.x)
    # hv: the value at x[i] holds until x[i+1]; check it against the cost at that threshold.
    for x, y in zip(line.x[:-1], line.y[:-1]):
        assert y == alarm_cost(pred, truth, x, horizon=30, cost_missed=10, cost_early=1)["cost"]
    assert fig.layout.width is None and "cycles" in fig.layout.xaxis.title.text


def test_report_html_rul_has_alarm_table_and_verdict():
    preds = {"unit": [1, 2, 3], "truth": [10.0, 80.0, 40.0], "baseline": [20.0, 70.0, 45.0], "adapter": [12.0, 85.0, 30.0]}
    metrics = {r: summarize_rul(np.array(preds["truth"]), np.array(preds[r]), val_true=np.array([5.0, 90.0]),
                                val_pred=np.array([10.0, 80.0])) for r in ("baseline", "adapter")}
    html = report_html({"problem": "rul", "dataset": "sim", "base_model": "/m", "metrics": metrics, "predictions": preds,
                        "decision": {"horizon": 30, "cost_missed": 10.0, "cost_early": 1.0}, "smoke": True})
    assert "validation cost" in html and "Smoke mode" in html
    assert html.rstrip().endswith("</div>") or "Best model on this data" in html.split("<h4>Alarm rule")[-1]
    assert html.rfind("Best model on this data") > html.rfind("Alarm rule")


def test_report_html_for_failure_results():
    html = report_html({"problem": "failure", "dataset": "x.csv", "base_model": "/m",
                        "metrics": {"baseline": {"f1": 0.8, "pr_auc": 0.9}, "adapter": {"f1": 0.7, "pr_auc": 0.8}}})
    assert "f1" in html and "LoRA adapter" in html
    assert "Best model on this data: LightGBM baseline" in html
