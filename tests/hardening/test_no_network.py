"""Offline by default: a full tiny run (data, fit, adapter save/load, registry, model card, Annex IV,
pseudonymisation, audit verify) opens no network socket. The guard makes any attempt fail loudly."""

from __future__ import annotations

import socket

import pytest
import torch


def test_guard_really_blocks(no_network):
    with pytest.raises(AssertionError, match="network access"):
        socket.create_connection(("example.org", 443), timeout=1)
    with pytest.raises(AssertionError, match="network access"):
        socket.socket(socket.AF_INET, socket.SOCK_STREAM).connect(("127.0.0.1", 9))
    assert len(no_network) == 2
    no_network.clear()


def test_full_tiny_run_opens_no_socket(no_network, tmp_path, monkeypatch):
    monkeypatch.setenv("WORKBENCH_HOME", str(tmp_path / "home"))
    from workbench.config import TrainArgs
    from workbench.governance.annex_iv import build_report
    from workbench.governance.audit import read_entries, record_event, verify_log
    from workbench.governance.modelcard import write_model_card
    from workbench.governance.pii import Pseudonymiser
    from workbench.io import fingerprint_bytes
    from workbench.lora import load_adapter, save_adapter
    from workbench.registry import AdapterRegistry
    from workbench.training import fit, make_loader

    from tiny_task import Classify, base, data, model as tiny_model  # imported here: under the guard too

    texts, _ = Pseudonymiser(seed=0).pseudonymise_many(["Herr Jonas Albrecht, Tel. 0171 2345678"])
    record_event("data.load", inputs={"data": fingerprint_bytes(texts[0].encode())}, run="offline")
    rows = data(128)
    model = tiny_model()
    run = tmp_path / "runs" / "offline"
    result = fit(model, Classify(), make_loader(rows, 32, seed=1), make_loader(rows, 64, shuffle=False),
                 TrainArgs(max_epochs=2, batch_size=32, lr=1e-2, progress_bar=False), run)
    adapter = save_adapter(model, run / "adapter", base_model_id="tiny-mlp")
    write_model_card(adapter, {"name": "offline", "base_model": "tiny-mlp",
                               "metrics": {"adapter": {"acc": float(result.history["val_acc"].iloc[-1])}}})
    reg = AdapterRegistry()
    reg.register("offline", adapter, base_model="tiny-mlp", usecase="test", data_fingerprint="sha256:0",
                 metrics={"adapter": {"acc": 1.0}}, config={})
    again = reg.load("offline", base())
    direct = load_adapter(base(), adapter)
    probe = torch.randn(4, 8)
    assert torch.allclose(again.eval()(probe), direct.eval()(probe))
    md, html = build_report(run, read_entries())
    assert "Annex IV" in md
    assert verify_log().ok
    assert no_network == [], f"network access attempted: {no_network}"


@pytest.mark.slow
def test_legal_de_smoke_experiment_opens_no_socket(no_network, tmp_path, monkeypatch):
    """The whole legal_de smoke experiment (MiniLM + LoRA + baselines + report) runs offline."""
    monkeypatch.setenv("WORKBENCH_HOME", str(tmp_path / "home"))
    from workbench.usecases import get_usecase

    usecase = get_usecase("legal_de")
    config = usecase.default_config(smoke=True)
    config.run.output_dir = str(tmp_path / "runs")
    result = usecase.run_experiment(config)
    assert "adapter" in result["metrics"]
    assert no_network == [], f"network access attempted: {no_network}"
