"""Figures are built from real forecasts; panels wire controls to them."""

import plotly.graph_objects as go
import pytest

from workbench.usecases.supply_chain.backtest import Split, forecast_baseline, service_curve_for, simulate_series
from workbench.usecases.supply_chain.baselines import ETSForecaster, SeasonalNaive
from workbench.usecases.supply_chain.widgets import (fan_chart, forecast_explorer, inventory_figure,
                                                     portfolio_view, segment_figure, service_level_panel,
                                                     service_level_decision, service_stock_figure)
from workbench.windows import DemandPanel


@pytest.fixture(scope="module")
def setup(tiny_demand, tiny_task):
    panel = DemandPanel.from_frame(tiny_demand)
    split = Split.from_args(len(panel.dates), tiny_task)
    origins = split.test_origins(panel, tiny_task)
    fcs = {"seasonal_naive": forecast_baseline(SeasonalNaive(tiny_task.quantiles, tiny_task.horizon), panel, origins, split),
           "ets": forecast_baseline(ETSForecaster(tiny_task.quantiles, tiny_task.horizon), panel, origins, split)}
    return panel, fcs, int(origins[0, 1])


def test_fan_chart_has_history_bands_medians_and_actuals(setup):
    panel, fcs, origin = setup
    fig = fan_chart(panel, 0, fcs, origin)
    names = [t.name for t in fig.data]
    assert "history" in names and "actual" in names
    assert sum("median" in n for n in names) == 2
    with pytest.raises(ValueError, match="no forecast"):
        fan_chart(panel, 0, fcs, origin + 1)


def test_inventory_and_service_figures(setup, tiny_task):
    panel, fcs, _ = setup
    res = simulate_series(fcs["ets"], panel, 0, tiny_task.inventory_policy())
    fig = inventory_figure(res, panel.dates[122:])
    assert isinstance(fig, go.Figure) and "fill rate" in fig.layout.title.text
    curves = {r: service_curve_for(fc, panel, tiny_task, [0.8, 0.95]) for r, fc in fcs.items()}
    fig = service_stock_figure(curves, target=0.95)
    assert len(fig.data) == 2 and list(fig.data[0].x) == list(curves["seasonal_naive"]["avg_stock_value"])


def test_segment_figure_and_panels(setup, tiny_task):
    panel, fcs, _ = setup
    by_segment = {"ets": {"by_sbc_class": {"smooth": {"wql": 0.2}, "lumpy": {"wql": 0.9}}}}
    fig = segment_figure(by_segment, "sbc_class", "wql")
    assert list(fig.data[0].x) == ["lumpy", "smooth"] and list(fig.data[0].y) == [0.9, 0.2]
    box = forecast_explorer(panel, fcs)
    sku, loc, org = box.children[0].children
    before = len(box.children[2].data)
    org.value = org.options[-1][1]                                            # another origin redraws
    assert len(box.children[2].data) == before
    loc.value = loc.options[-1]
    assert box.children[1].value == ""                                       # every SKU is at every DC here
    panel_box = service_level_panel(panel, fcs, tiny_task)
    slider = panel_box.children[0].children[0]
    table_before = panel_box.children[3].value
    slider.value = 0.8
    assert panel_box.children[3].value != table_before and "ETS" in panel_box.children[3].value
    view = portfolio_view({"by_segment": by_segment})
    assert len(view.children[1].data) == 1


def test_service_level_panel_shows_the_library_decision(setup, tiny_task):
    """The stock number on screen is stock_needed on the chosen model's curve, for every target/model."""
    from workbench.usecases.supply_chain.backtest import simulate_portfolio
    from workbench.usecases.supply_chain.inventory import stock_needed

    panel, fcs, _ = setup
    adapter_like = {"ets": fcs["ets"], "adapter": fcs["seasonal_naive"]}
    box = service_level_panel(panel, adapter_like, tiny_task)
    slider, model, _ = box.children[0].children
    assert model.value == "adapter"                                           # the adapter by default
    for role, target in (("adapter", 0.9), ("ets", 0.85), ("ets", 0.95)):
        model.value, slider.value = role, target
        curve = service_curve_for(adapter_like[role], panel, tiny_task, tiny_task.service_levels)
        want = stock_needed(curve, target)
        shown = box.decision_
        assert shown["role"] == role and shown["stock_needed"] == want
        assert shown["inventory"] == simulate_portfolio(adapter_like[role], panel, tiny_task.inventory_policy(target))[1]
        number = f"{want['stock']:,.0f}" if want["status"] == "interpolated" else want["text"]
        assert number in box.children[1].value
    d = service_level_decision(panel, adapter_like, tiny_task, "ets", 0.5)
    assert d["stock_needed"]["status"] == "at_lowest" and d["stock_needed"]["stock"] == min(d["curve"]["avg_stock_value"])


def test_segment_figure_labels_coverage_correctly():
    fig = segment_figure({"ets": {"by_dc": {"A": {"coverage": 0.7}}}}, "dc", "coverage")
    assert "closer to the interval's nominal level is better" in fig.layout.title.text
    assert "lower is better" not in fig.layout.title.text and fig.layout.yaxis.title.text


def test_coverage_80_is_labelled_with_its_goal_in_tables_dropdown_and_figure():
    from workbench.forecast_metrics import COVERAGE_80_LABEL
    from workbench.usecases.supply_chain.widgets import accuracy_table

    assert COVERAGE_80_LABEL == "80 % interval coverage, goal near 0.80"
    table = accuracy_table({"adapter": {"wql": 0.3, "coverage_80": 0.81, "coverage": 0.95}, "baseline": {"wql": 1.0}})
    assert COVERAGE_80_LABEL in table.columns and table.loc["LoRA adapter", COVERAGE_80_LABEL] == 0.81
    assert list(table.index) == ["LoRA adapter"]                                  # the alias row is left out
    view = portfolio_view({"by_segment": {"ets": {"by_dc": {"A": {"coverage_80": 0.7, "wql": 0.5}}}}})
    metric = view.children[0].children[1]
    assert (COVERAGE_80_LABEL, "coverage_80") in metric.options
    metric.value = "coverage_80"                                                 # the figure follows the choice
    fig = view.children[1]
    assert COVERAGE_80_LABEL in fig.layout.title.text and "closer to 0.80 is better" in fig.layout.title.text
    assert any(s.y0 == 0.8 for s in fig.layout.shapes)                            # the goal line


def test_validation_recommendation_compares_only_models_validated_on_the_same_windows():
    from workbench.usecases.supply_chain.widgets import validation_recommendation

    same = {"val_windows": 100, "val_windows_sha256": "aaaa"}
    reports = {"adapter": {"val_pinball_calibrated": 2.0, **same},
               "lightgbm": {"val_pinball_calibrated": 1.8, **same},
               "ets": {"val_pinball_calibrated": 1.0, "val_windows": 50, "val_windows_sha256": "bbbb"},
               "seasonal_naive": {}}  # no validation windows: not scored
    rec = validation_recommendation(reports)
    assert rec["best"] == "lightgbm" and not rec["adapter_best"] and rec["left_out"] == ["ets"]
    assert "does not beat it" in rec["text"] and "Not compared (validated on other windows): ETS (A,N,A)." in rec["text"]
    reports["adapter"]["val_pinball_calibrated"] = 1.81  # within 1 %: the simpler LightGBM
    assert validation_recommendation(reports)["best"] == "lightgbm"
    reports["adapter"]["val_pinball_calibrated"] = 1.5
    assert validation_recommendation(reports)["adapter_best"]
    assert validation_recommendation({"adapter": {}})["best"] is None


def test_recommendation_warns_when_the_chosen_models_intervals_miss_80_percent_on_validation():
    from workbench.usecases.supply_chain.widgets import COVERAGE_80_BAND, validation_recommendation

    same = {"val_windows": 100, "val_windows_sha256": "aaaa"}
    reports = {"adapter": {"val_pinball_calibrated": 2.0, "val_coverage_80_calibrated": 0.79, **same},
               "frozen_base": {"val_pinball_calibrated": 1.5, "val_coverage_80_calibrated": 0.575, **same}}
    rec = validation_recommendation(reports)
    assert rec["best"] == "frozen_base" and rec["val_coverage_80"] == 0.575  # still chosen by pinball loss
    assert "covered 57 % of the validation actuals (nominal 80 %): too narrow" in rec["text"]
    assert rec["interval_warning"] in rec["text"]
    for coverage, expected in ((COVERAGE_80_BAND[0], None), (0.8, None), (COVERAGE_80_BAND[1], None),
                               (0.95, "too wide"), (None, None), (float("nan"), None)):
        reports["frozen_base"]["val_coverage_80_calibrated"] = coverage
        warning = validation_recommendation(reports)["interval_warning"]
        assert (warning is None) if expected is None else (expected in warning), coverage
    reports["adapter"]["val_pinball_calibrated"] = 1.0  # the adapter (0.79) is chosen: no warning
    reports["frozen_base"]["val_coverage_80_calibrated"] = 0.5
    assert validation_recommendation(reports)["interval_warning"] is None


def test_serving_text_offers_the_names_task_serve_takes():
    from workbench.usecases.supply_chain.widgets import serving_text

    record = {"recommended": "frozen_base", "served": "frozen_base", "note": None,
              "servable": ["adapter", "frozen_base", "lightgbm", "blend"]}
    text = serving_text({"serving": record})
    assert text.startswith("workbench evaluate/predict serve: Frozen base (zero-shot) (the recommended model;")
    assert text.endswith("--set task.serve=NAME chooses another: adapter, frozen_base, lightgbm, blend).")
    assert serving_text({}) is None
