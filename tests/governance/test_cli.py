"""Tests of the governance command-line verbs (through the stand-alone entry point)."""

from __future__ import annotations

import json

import pytest

from workbench.governance import audit
from workbench.governance.cli import main
from workbench.governance.pii import MappingVault


@pytest.fixture(autouse=True)
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("WORKBENCH_HOME", str(tmp_path / "home"))
    monkeypatch.delenv(audit.ENV_KEY, raising=False)
    return tmp_path / "home"


def test_pii_pseudonymise_with_encrypted_mapping(tmp_path, capsys):
    src = tmp_path / "brief.txt"
    src.write_text("Sehr geehrter Herr Jonas Albrecht, Ihre IBAN DE89 3704 0044 0532 0130 00 ist hinterlegt.\n")
    out, mapping, key = tmp_path / "out.txt", tmp_path / "map.enc", tmp_path / "dpo.key"
    assert main(["pii", "pseudonymise", str(src), "--out", str(out), "--mapping", str(mapping),
                 "--key-file", str(key)]) == 0
    text = out.read_text()
    # The real IBAN must go; its pseudonym is a random valid IBAN, whose check digits can be 89 too
    # (about 1 run in 97), so the test looks for the whole number, not the prefix.
    assert "Albrecht" not in text and "DE89 3704 0044 0532 0130 00" not in text
    restored = MappingVault(key.read_bytes().strip()).load(mapping)
    assert restored["Jonas Albrecht"] in text
    assert "2 pieces" in capsys.readouterr().err
    with pytest.raises(SystemExit, match="key-file"):
        main(["pii", "pseudonymise", str(src), "--mapping", str(mapping)])
    latin = tmp_path / "latin.txt"
    latin.write_bytes("Grüße".encode("latin-1"))
    with pytest.raises(SystemExit, match="not UTF-8"):
        main(["pii", "pseudonymise", str(latin)])


def test_pii_eval_prints_table(capsys):
    assert main(["pii", "eval", "--split", "test"]) == 0
    assert "PERSON" in capsys.readouterr().out


def test_registry_verbs(tmp_path, capsys):
    import torch
    from torch import nn

    from workbench.config import LoraArgs
    from workbench.lora import apply_lora, save_adapter
    from workbench.registry import AdapterRegistry

    torch.manual_seed(0)
    model = apply_lora(nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2)), LoraArgs(r=2, target_modules=["0"]))
    adapter = save_adapter(model, tmp_path / "adapter", base_model_id="tiny")
    AdapterRegistry().register("cli-a", adapter, base_model="tiny", usecase="legal_de", data_fingerprint="sha256:1",
                               metrics={"adapter": {"f1": 0.5}}, config={})
    assert main(["registry", "tag", "cli-a", "approved"]) == 0
    assert main(["registry", "list", "--tag", "approved"]) == 0
    assert "cli-a" in capsys.readouterr().out
    assert main(["registry", "show", "cli-a"]) == 0
    assert json.loads(capsys.readouterr().out)["lineage"] == ["cli-a"]
    assert main(["registry", "export", "cli-a", str(tmp_path / "serve")]) == 0
    assert (tmp_path / "serve" / "README.md").is_file()
    assert main(["registry", "check"]) == 0
    assert main(["registry", "delete", "cli-a", "--yes"]) == 0
    assert main(["audit", "verify"]) == 0


def test_annex_iv_verb(tmp_path, capsys):
    run = tmp_path / "runs" / "r"
    run.mkdir(parents=True)
    (run / "results.json").write_text(json.dumps({"usecase": "legal_de", "metrics": {"adapter": {"f1": 0.7}}}))
    assert main(["annex-iv", str(run)]) == 0
    assert (run / "annex_iv.md").is_file() and (run / "annex_iv.html").is_file()
