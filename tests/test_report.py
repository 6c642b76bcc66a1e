"""The offline HTML report: fits the window, rounds numbers, renders dicts, ends sections with
the verdict, and warns in smoke mode."""

import math
import re

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from workbench.report import (SMOKE_TEXT, build_report, column_decimals, figure_html, format_number, rounded,
                              smoke_banner_html, summary_html, table_html, value_html, verdict_list_html)
from workbench.widgets.figures import metrics_table


def test_report_is_offline_and_escapes_user_text(tmp_path):
    fig = go.Figure(go.Bar(x=["a"], y=[1]))
    section = table_html(metrics_table({"adapter": {"f1": 0.9}})) + figure_html(fig)
    path = build_report([("Legal <script>", section)], tmp_path / "report.html", smoke=False)
    html = path.read_text()
    assert '<script src="plotly.min.js"></script>' in html
    assert "cdn" not in html.lower() and "Legal &lt;script&gt;" in html
    assert (tmp_path / "plotly.min.js").stat().st_size > 1_000_000
    assert "0.9000" in html


def test_page_fits_the_window_tables_scroll_and_figures_are_responsive(tmp_path):
    fig = go.Figure(go.Scatter(x=[1, 2], y=[3, 4]), layout=dict(width=1600, height=300))
    wide = pd.DataFrame(np.arange(40.0).reshape(1, 40), columns=[f"metric_{i}" for i in range(40)])
    html = build_report([("A", table_html(wide) + figure_html(fig))], tmp_path / "report.html").read_text()
    css = re.search(r"<style>(.*)</style>", html, re.S)[1]
    assert re.search(r"body\{[^}]*max-width:1100px", css) and ".table-wrap{max-width:100%;overflow-x:auto" in css
    assert 'name="viewport"' in html
    assert html.count('<div class="table-wrap"><table') == 1
    assert '"responsive": true' in html and "1600" not in html  # the fixed width is gone
    assert 'style="height:300px; width:100%;"' in html


def test_numbers_are_rounded_per_column_to_significant_digits():
    assert column_decimals([0.812345678, 0.9]) == 4 and column_decimals([41.2345, 3.1]) == 2
    assert column_decimals([12345.6, 7.0]) == 0 and column_decimals([float("nan"), None, 0.5]) == 4
    assert format_number(0.001) == "0.001" and format_number(12345.678) == "12,346" and format_number(3) == "3"
    assert format_number(np.float32(0.812345)) == "0.8123" and format_number(float("nan")) == "–"
    assert format_number(None) == "–" and format_number(0.5, decimals=3) == "0.500"
    df = pd.DataFrame({"acc": [0.812345678, 0.9], "rmse": [41.23456, 3.0], "n": [1200, 80],
                       "name": ["a", "b"]}, index=["baseline", "adapter"])
    html = table_html(df)
    cells = re.findall(r"<td>([^<]*)</td>", html)
    assert cells == ["0.8123", "41.23", "1,200", "a", "0.9000", "3.00", "80", "b"]
    assert "0.812345" not in html and "41.2345" not in html
    assert table_html(pd.DataFrame({"x": [1.23456, math.nan]}), "{:.1f}").count("<td>1.2</td>") == 1
    out = rounded(df)
    assert out.loc["baseline", "acc"] == 0.8123 and out.loc["baseline", "rmse"] == 41.23 and out["n"].tolist() == [1200, 80]


def test_dicts_become_tables_and_definition_lists_never_repr():
    per_model = {"baseline": {"rmse": 41.23456, "mae": 30.1}, "adapter": {"rmse": 38.0, "mae": np.float64(28.55555)}}
    html = value_html(per_model)
    assert '<div class="table-wrap"><table' in html and "<td>41.23</td>" in html and "{" not in html
    nested = value_html({"lr": 0.001, "target_modules": ["query", "value"], "run": {"seed": 42, "name": "<x>"},
                         "missing": None})
    assert nested.startswith('<dl class="kv">') and "<dt>lr</dt><dd>0.001</dd>" in nested
    assert "<dd>query, value</dd>" in nested and "<dt>seed</dt><dd>42</dd>" in nested and "&lt;x&gt;" in nested
    assert "{" not in nested and "[" not in nested and "None" not in nested
    assert "<table" in value_html([{"a": 1, "b": 2.5}, {"a": 3, "b": 4.25}])


def test_summary_line_and_smoke_banner(tmp_path, monkeypatch):
    line = summary_html("Best model on this data: Baseline (RMSE 41.2). LoRA adapter (45.1) does not beat it.")
    assert line.startswith('<p class="verdict" style="') and "<strong>Summary:</strong> Best model on this data" in line
    monkeypatch.delenv("WORKBENCH_SMOKE", raising=False)
    assert smoke_banner_html() == "" and smoke_banner_html(False) == ""
    assert "not evidence of model quality" in smoke_banner_html(True)
    monkeypatch.setenv("WORKBENCH_SMOKE", "1")
    assert SMOKE_TEXT in smoke_banner_html()
    smoky = build_report([("A", line)], tmp_path / "s.html", smoke=True).read_text()
    plain = build_report([("A", line)], tmp_path / "p.html", smoke=False).read_text()
    assert 'class="smoke"' in smoky and 'class="smoke"' not in plain
    assert smoky.index('class="smoke"') < smoky.index("<h2")  # at the top, before any numbers
    top = verdict_list_html({"Maintenance": "Best model on this data: Baseline."})
    assert "<li><strong>Maintenance:</strong> Best model on this data: Baseline.</li>" in top
    assert verdict_list_html({}) == ""
