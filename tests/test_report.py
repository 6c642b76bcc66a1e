"""The offline HTML report."""

import plotly.graph_objects as go

from workbench.report import build_report, figure_html, table_html
from workbench.widgets.figures import metrics_table


def test_report_is_offline_and_escapes_user_text(tmp_path):
    fig = go.Figure(go.Bar(x=["a"], y=[1]))
    section = table_html(metrics_table({"adapter": {"f1": 0.9}})) + figure_html(fig)
    path = build_report([("Legal <script>", section)], tmp_path / "report.html")
    html = path.read_text()
    assert '<script src="plotly.min.js"></script>' in html
    assert "cdn" not in html.lower() and "Legal &lt;script&gt;" in html
    assert (tmp_path / "plotly.min.js").stat().st_size > 1_000_000
    assert "0.9000" in html
