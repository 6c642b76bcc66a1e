"""Tests of the adapter registry: lineage, tags, safe names, export, load, consistency checks."""

from __future__ import annotations

import json

import pytest
import torch
from torch import nn

from workbench.config import LoraArgs
from workbench.governance import audit
from workbench.lora import AdapterMismatchError, apply_lora, save_adapter
from workbench.registry import AdapterRegistry, RegistryError


def _base(seed: int = 0) -> nn.Module:
    torch.manual_seed(seed)
    return nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2))


@pytest.fixture()
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("WORKBENCH_HOME", str(tmp_path / "home"))
    monkeypatch.delenv(audit.ENV_KEY, raising=False)
    return tmp_path / "home"


@pytest.fixture()
def adapter_dir(tmp_path, home):
    model = apply_lora(_base(), LoraArgs(r=2, target_modules=["0"]))
    with torch.no_grad():
        for name, p in model.named_parameters():
            if "lora_B" in name:
                p.fill_(0.1)  # non-zero so the adapter changes predictions
    return save_adapter(model, tmp_path / "run" / "adapter", base_model_id="tiny-mlp")


def _register(reg, name, adapter_dir, **kw):
    args = dict(base_model="tiny-mlp", usecase="legal_de", data_fingerprint="sha256:d1",
                metrics={"baseline": {"macro_f1": 0.7}, "adapter": {"macro_f1": 0.8}}, config={"lora": {"r": 2}})
    args.update(kw)
    return reg.register(name, adapter_dir, **args)


def test_register_list_get_tag_delete(home, adapter_dir):
    reg = AdapterRegistry()
    entry = _register(reg, "clauses-v1", adapter_dir, tags=["candidate"])
    assert entry["adapter_fingerprint"].startswith("sha256:")
    _register(reg, "clauses-v2", adapter_dir, parent_run="clauses-v1", usecase="maintenance")
    assert [e["name"] for e in reg.list()] == ["clauses-v1", "clauses-v2"]
    assert [e["name"] for e in reg.list(usecase="legal_de")] == ["clauses-v1"]
    reg.tag("clauses-v2", "approved")
    assert [e["name"] for e in reg.list(tag="approved")] == ["clauses-v2"]
    reg.tag("clauses-v2", "approved", remove=True)
    assert reg.list(tag="approved") == []
    assert reg.lineage("clauses-v2") == ["clauses-v2", "clauses-v1"]
    got = reg.get("clauses-v1")
    assert (home / "registry" / "clauses-v1" / "adapter" / "adapter_model.safetensors").is_file()
    assert got["metrics"]["adapter"]["macro_f1"] == 0.8
    assert (home / "registry" / "clauses-v1" / "adapter" / "README.md").is_file()  # model card added
    reg.delete("clauses-v1")
    with pytest.raises(KeyError, match="clauses-v2"):  # the message lists what exists
        reg.get("clauses-v1")
    ops = [e["operation"] for e in audit.read_entries()]
    assert ops.count("registry.register") == 2 and "registry.delete" in ops and "registry.tag" in ops
    assert audit.verify_log().ok
    assert reg.check() == []


@pytest.mark.parametrize("name", ["../escape", "/etc/passwd", "a/b", "", "..", "x\x00y", "a\\b", " lead"])
def test_names_cannot_escape(home, adapter_dir, name):
    reg = AdapterRegistry()
    with pytest.raises(ValueError):
        _register(reg, name, adapter_dir)
    assert not (home.parent / "escape").exists()


def test_refuses_bad_adapters_and_duplicates(home, adapter_dir, tmp_path):
    reg = AdapterRegistry()
    with pytest.raises(RegistryError, match="does not exist"):
        _register(reg, "x", tmp_path / "nowhere")
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(RegistryError, match="adapter_model.safetensors"):
        _register(reg, "x", empty)
    (adapter_dir / "pytorch_model.bin").write_bytes(b"pickle")
    with pytest.raises(RegistryError, match="pickle"):
        _register(reg, "x", adapter_dir)
    (adapter_dir / "pytorch_model.bin").unlink()
    with pytest.raises(RegistryError, match="metrics.adapter.f1"):
        _register(reg, "x", adapter_dir, metrics={"adapter": {"f1": "high"}})
    _register(reg, "x", adapter_dir)
    with pytest.raises(RegistryError, match="already registered"):
        _register(reg, "x", adapter_dir)
    _register(reg, "x", adapter_dir, overwrite=True, metrics={"adapter": {"f1": 0.9}})
    assert reg.get("x")["metrics"] == {"adapter": {"f1": 0.9}}


def test_load_checks_fingerprint_and_base(home, adapter_dir):
    reg = AdapterRegistry()
    _register(reg, "mlp", adapter_dir)
    x = torch.randn(3, 4)
    model = reg.load("mlp", _base(0)).eval()
    assert not torch.allclose(model(x), _base(0)(x))  # the adapter is applied
    with pytest.raises(AdapterMismatchError):
        reg.load("mlp", _base(1))  # another base model: refused, not silently wrong
    weights = home / "registry" / "mlp" / "adapter" / "adapter_model.safetensors"
    weights.write_bytes(weights.read_bytes()[:-1] + b"\x00")
    with pytest.raises(RegistryError, match="modified after registration"):
        reg.load("mlp", _base(0))
    assert any("fingerprint mismatch" in p for p in reg.check())


def test_export_is_peft_layout_with_card(home, adapter_dir, tmp_path):
    from peft import PeftModel

    reg = AdapterRegistry()
    _register(reg, "mlp", adapter_dir, parent_run="runs/legal-tiny")
    dest = reg.export("mlp", tmp_path / "serve")
    assert {"adapter_config.json", "adapter_model.safetensors", "README.md", "lineage.json"} <= {
        p.name for p in dest.iterdir()}
    assert json.loads((dest / "lineage.json").read_text())["lineage"] == ["mlp", "runs/legal-tiny"]
    model = PeftModel.from_pretrained(_base(0), str(dest)).eval()
    x = torch.randn(2, 4)
    assert torch.allclose(model(x), reg.load("mlp", _base(0)).eval()(x))
    with pytest.raises(FileExistsError):
        reg.export("mlp", dest)


def test_compare_table(home, adapter_dir):
    reg = AdapterRegistry()
    _register(reg, "a", adapter_dir)
    _register(reg, "b", adapter_dir, metrics={"adapter": {"macro_f1": 0.9, "loss": float("nan")}})
    table = reg.compare(["a", "b"])
    assert list(table.index) == ["a", "b"]
    assert table.loc["b", "adapter/macro_f1"] == 0.9 and table.loc["a", "baseline/macro_f1"] == 0.7
    assert table.loc["b", "adapter/loss"] == "nan"


def test_check_finds_and_repairs_interrupted_writes(home, adapter_dir):
    reg = AdapterRegistry()
    _register(reg, "ok", adapter_dir)
    (home / "registry" / ".half.abc.tmp").mkdir()
    (home / "registry" / "broken").mkdir()
    (home / "registry" / "broken" / "entry.json").write_text("{not json")
    problems = reg.check(repair=True)
    assert any("interrupted" in p for p in problems) and any("broken" in p for p in problems)
    assert not (home / "registry" / ".half.abc.tmp").exists()
    assert [e["name"] for e in reg.list()] == ["ok"]

