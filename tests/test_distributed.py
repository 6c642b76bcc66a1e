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
