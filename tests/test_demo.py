"""The main job behind `make demo`: use cases run inside progress stages, one offline report with
their sections, the verdict lines on top and in each section, the smoke banner in smoke mode."""

import json
import re

from workbench.cli import main
from workbench.demo import NO_VERDICT, verdict_text


def test_demo_smoke_writes_report_and_prints_json(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("WORKBENCH_QUIET", raising=False)
    out = tmp_path / "demo"
    assert main(["demo", "--smoke", "--only", "maintenance", "--output", str(out)]) == 0
    captured = capsys.readouterr()
    result = json.loads(captured.out.strip().splitlines()[-1])
    assert result["failed"] == [] and set(result["metrics"]) == {"maintenance"}
    metrics = result["metrics"]["maintenance"]
    assert {"baseline", "frozen_base", "adapter"} <= set(metrics)
    html = (out / "report.html").read_text()
    assert "plotly.min.js" in html and "<table" in html
    assert (out / "maintenance" / "config.yaml").is_file()

    # Progress: a stage around the use case with its time, epoch lines inside, one summary line.
    err = captured.err.splitlines()
    starts = [i for i, line in enumerate(err) if re.fullmatch(r"\[workbench\] \S.* …", line)]
    done = [line for line in err if re.fullmatch(r"\[workbench\] \S.*: done in [\d.]+ s", line)]
    assert starts and starts[0] == 0 and len(done) == 1, captured.err
    assert any(re.match(r"\[workbench\]   +epoch 1/\d+: train_loss ", line) for line in err), captured.err
    summary = [line for line in err if line.startswith("[workbench] summary: ")]
    assert len(summary) == 1 and re.match(r"\[workbench\] summary: .+ \([\d.]+ s\): \S", summary[0])
    assert "\r" not in captured.err  # no step-wise bar in a captured (CI) log

    # Report: the smoke banner on top, the verdict lines under it, each section ending with its verdict.
    text = result["verdicts"]["maintenance"]
    assert html.index('class="smoke"') < html.index("<h2")
    assert 'class="verdicts verdict"' in html and html.index('class="verdicts') < html.index("<h2")
    rec = result["recommendations"]["maintenance"]
    assert rec.startswith("Recommended (chosen on validation engines): ")  # the model to use, after the verdict
    if text:
        assert summary[0].endswith(f"{text} {rec}") and html.count('class="verdict"') >= 1
    else:
        assert summary[0].endswith(NO_VERDICT)


def test_verdict_text_accepts_the_verdict_dict_or_a_string():
    assert verdict_text({"verdict": {"text": "Best model on this data: Baseline.", "best": "baseline"}}) \
        == "Best model on this data: Baseline."
    assert verdict_text({"verdict": "Best: adapter."}) == "Best: adapter."
    assert verdict_text({}) is None
