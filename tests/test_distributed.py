"""DDP on CPU: 2 gloo processes under torchrun train the same adapter as one process.

Both runs use ``tests/ddp_train_script.py`` (workbench.fit + LoRA on a tiny MLP) with the same
effective batch: 64 samples in one process, 2 x 32 under DDP (gradients are averaged across
ranks). Only rank 0 saves the adapter. The saved adapters must agree within float tolerance
(the all-reduce sums in another order, and Adam's normalisation amplifies the last bits of small
gradients, so bit-equality is not expected).
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import torch

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "tests" / "ddp_train_script.py"

pytestmark = pytest.mark.skipif(not torch.distributed.is_available() or not torch.distributed.is_gloo_available(),
                                reason="torch.distributed with the gloo backend is not available")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _run(cmd: list[str], tmp: Path) -> None:
    env = dict(os.environ, OMP_NUM_THREADS="1", HF_HUB_OFFLINE="1", PYTHONPATH=str(ROOT),
               WORKBENCH_HOME=str(tmp / "home"), MASTER_ADDR="127.0.0.1")
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, f"{' '.join(cmd)} failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> dict[str, Path]:
    tmp = tmp_path_factory.mktemp("ddp")
    _run([sys.executable, str(SCRIPT), str(tmp / "single"), "--devices", "1", "--batch-size", "64"], tmp)
    _run([sys.executable, "-m", "torch.distributed.run", "--nproc_per_node", "2", "--master_addr", "127.0.0.1",
          "--master_port", str(_free_port()), str(SCRIPT), str(tmp / "ddp"), "--devices", "2", "--strategy", "ddp",
          "--batch-size", "32"], tmp)
    return {"single": tmp / "single", "ddp": tmp / "ddp"}


def test_both_ranks_trained_and_only_rank0_saved(runs):
    ddp = runs["ddp"]
    ranks = [json.loads((ddp / f"rank{k}.json").read_text()) for k in (0, 1)]
    # Each rank saw half of the samples of every step: 6 steps x 32.
    assert [r["samples"] for r in ranks] == [192, 192]
    assert json.loads((runs["single"] / "done.json").read_text())["samples"] == 384
    adapters = sorted(p.parent.name for p in ddp.rglob("adapter_model.safetensors"))
    assert adapters == ["adapter"]
    assert (ddp / "adapter" / "adapter_config.json").is_file()


def test_ddp_adapter_equals_single_process_adapter(runs):
    from safetensors.torch import load_file

    single = load_file(runs["single"] / "adapter" / "adapter_model.safetensors")
    ddp = load_file(runs["ddp"] / "adapter" / "adapter_model.safetensors")
    assert sorted(single) == sorted(ddp) and single
    lora_b = [k for k in single if "lora_B" in k]
    assert lora_b and max(single[k].abs().max().item() for k in lora_b) > 0.01, "the adapter did not train"
    for key in single:
        torch.testing.assert_close(ddp[key], single[key], atol=1e-5, rtol=1e-4, msg=f"tensor {key} differs")


# ----------------------------------------------------------------------------- two nodes, normal CLI
# Supply chain, not legal_de: its dropout is a config field (task.dropout=0, LoRA dropout 0), so one
# process and two ranks see the same function; legal_de's head dropout (0.1) is fixed in code, and a
# dropout mask drawn for 128 rows is not the two masks drawn for 2 x 64 rows. A CLI run takes ~10 s.
_CLI = ["-m", "workbench", "train", "--usecase", "supply_chain", "--smoke", "--set", "task.dropout=0",
        "--set", "task.full_finetune=false", "--set", "eval.baseline=false", "--set", "eval.frozen_base=false",
        "--set", "train.max_epochs=2", "--set", "train.accelerator=cpu", "--set", "train.devices=1"]
# 916 training windows: batches of 128 (one process) = 2 x 64 (two ranks); the last one (20) splits 10 + 10.


def _audit_ops(home: Path) -> list[str]:
    log = home / "audit" / "audit.jsonl"
    return [json.loads(line)["operation"] for line in log.read_text().splitlines() if line.strip()]


def _cli_env(home: Path) -> dict:
    return dict(os.environ, OMP_NUM_THREADS="1", HF_HUB_OFFLINE="1", WORKBENCH_HOME=str(home),
                PYTHONPATH=str(ROOT), TOKENIZERS_PARALLELISM="false")


@pytest.fixture(scope="module")
def two_nodes(tmp_path_factory) -> dict:
    tmp = tmp_path_factory.mktemp("nodes")
    home = tmp / "home"
    out: dict = {"tmp": tmp}

    def single(name: str) -> list[str]:
        before = len(_audit_ops(home)) if (home / "audit" / "audit.jsonl").is_file() else 0
        proc = subprocess.run([sys.executable, *_CLI, "--output-dir", str(tmp / "runs"), "--name", name],
                              cwd=ROOT, env=_cli_env(home), capture_output=True, text=True, timeout=300)
        assert proc.returncode == 0, proc.stderr[-3000:]
        return _audit_ops(home)[before:]

    single("warm")  # pretrains and caches the demand base model in WORKBENCH_HOME (every later run loads it)
    out["single_ops"] = single("single")
    before = len(_audit_ops(home))
    port = _free_port()
    cmd = [sys.executable, "-m", "torch.distributed.run", "--nnodes", "2", "--nproc_per_node", "1",
           "--rdzv_backend", "c10d", "--rdzv_endpoint", f"127.0.0.1:{port}", "--rdzv_id", "two-nodes",
           *_CLI, "--output-dir", str(tmp / "runs"), "--name", "nodes", "--set", "train.strategy=ddp",
           "--set", "train.num_nodes=2", "--set", "train.batch_size=64"]
    # Two torchrun agents = two "nodes"; the c10d rendezvous on 127.0.0.1 gives them node ranks 0 and 1.
    procs = [subprocess.Popen(cmd, cwd=ROOT, env=_cli_env(home), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True) for _ in range(2)]
    results = [p.communicate(timeout=300) for p in procs]
    for p, (so, se) in zip(procs, results):
        assert p.returncode == 0, f"node failed:\n{so[-2000:]}\n{se[-3000:]}"
    out["stdout"] = [so for so, _ in results]
    out["nodes_ops"] = _audit_ops(home)[before:]
    out["runs"] = tmp / "runs"
    return out


def test_two_nodes_write_once(two_nodes):
    runs = two_nodes["runs"]
    # The audit log holds exactly the lines of one run (the same operations as the one-process run).
    assert two_nodes["nodes_ops"] == two_nodes["single_ops"] and "train" in two_nodes["nodes_ops"]
    # One run folder with the same files as a one-process run; nothing rank-suffixed, no stray folder.
    assert sorted(p.name for p in runs.iterdir()) == ["nodes", "single", "warm"]
    names = lambda d: sorted(str(p.relative_to(d)) for p in d.rglob("*") if "checkpoints" not in p.parts)  # noqa: E731
    assert names(runs / "nodes") == names(runs / "single")
    assert not [p for p in (runs / "nodes").rglob("*") if "rank" in p.name]
    assert len(list((runs / "nodes").rglob("adapter_model.safetensors"))) == 1
    # Only rank 0 prints the result line.
    assert sum('"usecase": "supply_chain"' in s for s in two_nodes["stdout"]) == 1
    import yaml

    cfg = yaml.safe_load((runs / "nodes" / "config.yaml").read_text())
    assert cfg["train"]["num_nodes"] == 2 and cfg["train"]["strategy"] == "ddp"


def test_two_nodes_adapter_equals_single_process(two_nodes):
    from safetensors.torch import load_file

    runs = two_nodes["runs"]
    single = load_file(runs / "single" / "adapter" / "adapter_model.safetensors")
    nodes = load_file(runs / "nodes" / "adapter" / "adapter_model.safetensors")
    assert sorted(single) == sorted(nodes) and single
    assert max(single[k].abs().max().item() for k in single if "lora_B" in k) > 1e-3, "the adapter did not train"
    for key in single:
        torch.testing.assert_close(nodes[key], single[key], atol=1e-5, rtol=1e-4, msg=f"tensor {key} differs")


def test_rank_helpers_and_registry_on_another_rank(tmp_path, monkeypatch):
    from workbench.distributed import global_rank, is_rank_zero, outputs_on_rank_zero, rank_zero_only
    from workbench.config import RunConfig
    from workbench.registry import AdapterRegistry

    monkeypatch.delenv("RANK", raising=False)
    monkeypatch.delenv("LOCAL_RANK", raising=False)
    assert is_rank_zero() and global_rank() == 0
    cfg = RunConfig()
    cfg.run.output_dir = str(tmp_path / "runs")
    with outputs_on_rank_zero(cfg):
        assert cfg.run.output_dir == str(tmp_path / "runs")
    # Second node: LOCAL_RANK is 0 again there, RANK is the global rank.
    monkeypatch.setenv("RANK", "1")
    monkeypatch.setenv("LOCAL_RANK", "0")
    assert not is_rank_zero() and global_rank() == 1
    assert rank_zero_only(lambda: "written")() is None
    with outputs_on_rank_zero(cfg):
        scratch = Path(cfg.run.output_dir)
        assert scratch.is_dir() and scratch != tmp_path / "runs"
    assert cfg.run.output_dir == str(tmp_path / "runs") and not scratch.exists()
    reg = AdapterRegistry(tmp_path / "registry")
    out = reg.register("a", tmp_path / "missing-on-this-rank", base_model="b", usecase="legal_de",
                       data_fingerprint=None, metrics=None, config=None)
    assert "only global rank 0" in out["skipped"] and not (tmp_path / "registry" / "a").exists()
