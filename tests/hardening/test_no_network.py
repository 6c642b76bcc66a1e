"""Offline by default: a full tiny run (data, fit, adapter save/load, registry, model card, Annex IV,
pseudonymisation, audit verify) opens no network socket. The guard makes any attempt fail loudly."""

from __future__ import annotations

import socket

import pytest
import torch
from torch import nn
from torch.utils.data import TensorDataset


def test_guard_really_blocks(no_network):
    with pytest.raises(AssertionError, match="network access"):
        socket.create_connection(("example.org", 443), timeout=1)
    with pytest.raises(AssertionError, match="network access"):
        socket.socket(socket.AF_INET, socket.SOCK_STREAM).connect(("127.0.0.1", 9))
    assert len(no_network) == 2
    no_network.clear()


def test_full_tiny_run_opens_no_socket(no_network, tmp_path, monkeypatch):
    monkeypatch.setenv("WORKBENCH_HOME", str(tmp_path / "home"))
    from workbench.config import LoraArgs, TrainArgs
    from workbench.governance.annex_iv import build_report
    from workbench.governance.audit import read_entries, record_event, verify_log
    from workbench.governance.modelcard import write_model_card
    from workbench.governance.pii import Pseudonymiser
    from workbench.io import fingerprint_bytes
    from workbench.lora import apply_lora, load_adapter, save_adapter
    from workbench.registry import AdapterRegistry
    from workbench.training import StepOutput, fit, make_loader

    class Classify:
        monitor, monitor_mode = "val_acc", "max"

        def step(self, model, batch):
            x, y = batch
            logits = model(x)
            return StepOutput(nn.functional.cross_entropy(logits, y), logits, y)

        def epoch_metrics(self, preds, target):
            return {"acc": (preds.argmax(-1) == target).float().mean().item()}

    texts, _ = Pseudonymiser(seed=0).pseudonymise_many(["Herr Jonas Albrecht, Tel. 0171 2345678"])
    record_event("data.load", inputs={"data": fingerprint_bytes(texts[0].encode())}, run="offline")
    g = torch.Generator().manual_seed(0)
    x = torch.randn(128, 6, generator=g)
    data = TensorDataset(x, (x[:, 0] > 0).long())
    torch.manual_seed(0)
    base = nn.Sequential(nn.Linear(6, 16), nn.ReLU(), nn.Linear(16, 2))
    model = apply_lora(base, LoraArgs(r=2, target_modules=["0"], modules_to_save=["2"]))
    run = tmp_path / "runs" / "offline"
    result = fit(model, Classify(), make_loader(data, 32, seed=1), make_loader(data, 64, shuffle=False),
                 TrainArgs(max_epochs=2, batch_size=32, lr=1e-2, progress_bar=False), run)
    adapter = save_adapter(model, run / "adapter", base_model_id="tiny-mlp")
    write_model_card(adapter, {"name": "offline", "base_model": "tiny-mlp",
                               "metrics": {"adapter": {"acc": float(result.history["val_acc"].iloc[-1])}}})
    reg = AdapterRegistry()
    reg.register("offline", adapter, base_model="tiny-mlp", usecase="test", data_fingerprint="sha256:0",
                 metrics={"adapter": {"acc": 1.0}}, config={})
    again = reg.load("offline", _fresh_base())
    direct = load_adapter(_fresh_base(), adapter)
    probe = torch.randn(4, 6)
    assert torch.allclose(again.eval()(probe), direct.eval()(probe))
    md, html = build_report(run, read_entries())
    assert "Annex IV" in md
    assert verify_log().ok
    assert no_network == [], f"network access attempted: {no_network}"


def _fresh_base() -> nn.Module:
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(6, 16), nn.ReLU(), nn.Linear(16, 2))


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
