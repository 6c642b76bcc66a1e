"""Tests of the Annex IV technical documentation draft."""

from __future__ import annotations

import json

import pytest

from workbench.governance import audit
from workbench.governance.annex_iv import HUMAN, build_report, load_run_info
from workbench.governance.modelcard import write_model_card


@pytest.fixture()
def run_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("WORKBENCH_HOME", str(tmp_path / "home"))
    monkeypatch.delenv(audit.ENV_KEY, raising=False)
    run = tmp_path / "runs" / "legal-tiny"
    (run / "adapter").mkdir(parents=True)
    (run / "run_info.json").write_text(json.dumps({"version": "0.1.0", "data_fingerprint": "sha256:feed",
                                                   "host": "werk-7", "torch": "2.13.0"}))
    (run / "config.yaml").write_text("run: {name: legal-tiny, seed: 7}\nlora: {r: 8, alpha: 16}\n"
                                     "train: {max_epochs: 2, lr: 0.0002}\ndata: {path: clauses.csv}\n")
    (run / "results.json").write_text(json.dumps({"usecase": "legal_de", "metrics": {
        "baseline": {"macro_f1": 0.81}, "adapter": {"macro_f1": 0.84}}, "fit": {"seconds": 12.5}}))
    (run / "adapter" / "adapter_model.safetensors").write_bytes(b"x")
    write_model_card(run / "adapter", {"base_model": "minilm", "name": "legal-tiny"})
    audit.record_event("data.load", inputs={"data": "sha256:feed"}, run="legal-tiny")
    audit.record_event("train", run="legal-tiny", artefacts={"adapter": run / "adapter"})
    audit.record_event("train", run="other-run")
    return run


def test_report_from_run_dir_has_all_annex_sections(run_dir):
    report = build_report(run_dir)
    md, html = report
    for number in range(1, 10):
        assert f"## {number}. " in md
    assert "sha256:feed" in md and "r=8" in md and "lr=0.0002" in md and "seconds=12.5" in md
    assert "| macro_f1 | 0.81 | 0.84 |" in md
    assert md.count(HUMAN) >= 8  # the human parts are marked, not hidden
    assert "audit log OK" in md
    # only this run's entries: 2 of 3
    assert "data.load" in md and md.count("| train |") == 1
    assert html.startswith("<!DOCTYPE html>") and 'class="todo"' in html and "<table>" in html
    md_path, html_path = report.save(run_dir / "annex_iv")
    assert md_path.read_text() == md and html_path.suffix == ".html"


def test_report_from_dict_escapes_html(tmp_path):
    md, html = build_report({"run": "<script>alert(1)</script>", "metrics": {}}, [])
    assert "<script>alert" not in html and "&lt;script&gt;" in html
    assert "No evaluation results" in md and "No audit entries" in md


def test_bad_inputs():
    with pytest.raises(TypeError, match="run directory or a dict"):
        build_report(42, [])  # type: ignore[arg-type]
    with pytest.raises(FileNotFoundError, match="does not exist"):
        load_run_info("/nonexistent/run")
