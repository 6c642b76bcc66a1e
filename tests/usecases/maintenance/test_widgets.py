"""Figures (no kernel needed) and widget wiring of the maintenance use case."""

import numpy as np
import pandas as pd
import pytest

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
    sliders = panel.children[0].children
    thr = panel.children[1].children[0]
    assert thr.value == 40  # catches both failures at one early replacement
    sliders[0].value = 0.1  # missed failures become cheap: alarms are no longer worth it
    assert thr.value < 40
    assert "expected cost" in panel.children[2].value
    assert fleet_overview(pd.DataFrame({"unit": [1], "cycle": [3], "rul_pred": [12.0]})).children


def test_report_html_for_failure_results():
    html = report_html({"problem": "failure", "dataset": "x.csv", "base_model": "/m",
                        "metrics": {"baseline": {"f1": 0.8, "pr_auc": 0.9}, "adapter": {"f1": 0.7, "pr_auc": 0.8}}})
    assert "f1" in html and "LoRA adapter" in html
