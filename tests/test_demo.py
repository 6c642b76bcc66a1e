"""The main job behind `make demo`: use cases run, one offline report with their sections."""

import json

from workbench.cli import main


def test_demo_smoke_writes_report_and_prints_json(tmp_path, capsys):
    out = tmp_path / "demo"
    assert main(["demo", "--smoke", "--only", "maintenance", "--output", str(out)]) == 0
    result = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert result["failed"] == [] and set(result["metrics"]) == {"maintenance"}
    metrics = result["metrics"]["maintenance"]
    assert {"baseline", "frozen_base", "adapter"} <= set(metrics)
    html = (out / "report.html").read_text()
    assert "plotly.min.js" in html and "<table" in html
    assert (out / "maintenance" / "config.yaml").is_file()
