"""Tests for the benchmark runner and the GPU benchmark's code path (no GPU needed)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks.run_all import discover, last_json

ROOT = Path(__file__).resolve().parents[2]


def _run(args: list[str], timeout: int = 300) -> subprocess.CompletedProcess:
    env = dict(os.environ, HF_HUB_OFFLINE="1", OMP_NUM_THREADS="1", PYTHONPATH=str(ROOT))
    return subprocess.run([sys.executable, *args], cwd=ROOT, env=env, text=True, capture_output=True,
                          timeout=timeout)


def test_last_json_takes_the_last_line_only():
    assert last_json('noise\n{"a": 1}\n{"ratio": 1.5}\n\n') == {"ratio": 1.5}
    assert last_json('{"a": 1}\nnot json') is None
    assert last_json("") is None


def test_discover_finds_the_benchmarks_and_rejects_unknown_names():
    names = [p.name for p in discover()]
    assert "bench_training_cpu.py" in names and "bench_gpu_llama.py" in names
    with pytest.raises(SystemExit, match="unknown benchmark"):
        discover(["nope"])


def test_gpu_benchmark_skips_cleanly_without_cuda():
    import torch

    if torch.cuda.is_available():
        pytest.skip("CUDA present: the benchmark would run for real")
    proc = _run(["benchmarks/bench_gpu_llama.py"], timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert result["benchmark"] == "gpu_llama" and "no CUDA" in result["skipped"]


def test_gpu_benchmark_code_path_on_cpu_with_a_tiny_llama():
    # The same two training paths as on the GPU (Trainer + peft, and workbench.fit), tiny and on
    # CPU, so that the GPU benchmark cannot rot unnoticed on machines without a GPU.
    proc = _run(["benchmarks/bench_gpu_llama.py", "--tiny", "--device", "cpu", "--steps", "3", "--warmup", "1",
                 "--batch-size", "auto"])
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    for side in ("baseline", "workbench"):
        assert result[side]["tokens_per_s"] > 0 and result[side]["timed_steps"] == 3
    assert result["ratio"] > 0 and result["flops_per_token"]["model_6n"] > result["flops_per_token"]["hardware_4n"]
    assert result["memory_plan"]["batch_size"] == result["batch_size"]


def test_mfu_formula_matches_hand_count():
    from transformers import LlamaConfig

    from benchmarks.bench_gpu_llama import LLAMA_1B, flops_per_token, peak_tflops

    cfg = LlamaConfig(**LLAMA_1B)
    fpt = flops_per_token(cfg, n_params_no_embed=1_000_000_000, seq_len=2048)
    assert fpt["model_6n"] == 6e9 + 12 * 22 * 32 * 64 * 2048
    assert fpt["model_6n"] - fpt["hardware_4n"] == 2e9
    assert peak_tflops("NVIDIA H100 80GB HBM3") == 989.4
    assert peak_tflops("NVIDIA H100 PCIe") == 756.0
    assert peak_tflops("NVIDIA A100-SXM4-80GB") == 312.0
    assert peak_tflops("Some GPU") is None


def test_leave_one_set_out_never_reads_the_held_out_set():
    from benchmarks.bench_supply_loss_weighting import leave_one_out

    def row(val0, val1, test0, test1):
        return {"0.0": {"val_pinball": val0, "test_wql": test0}, "1.0": {"val_pinball": val1, "test_wql": test1}}

    # Power 1 wins on validation in a and b, loses in c; c's own validation must not count for c.
    rows = {"a": row(1.0, 0.8, 0.5, 0.45), "b": row(2.0, 1.8, 0.4, 0.38), "c": row(1.0, 5.0, 0.3, 0.6)}
    out = leave_one_out(rows, [0.0, 1.0])
    assert out["c"]["chosen"] == 1.0 and out["c"]["test_ratio"] == 2.0  # chosen elsewhere, scored on c
    assert out["a"]["chosen"] == 0.0  # b (0.9) and c (5.0) elsewhere: geometric mean above 1
    assert out["a"]["val_ratio_elsewhere"] == 1.0 and out["a"]["test_ratio"] == 1.0


def test_a_kept_supply_run_is_read_back_only_under_the_same_resolved_config(tmp_path):
    from benchmarks.bench_supply_loss_weighting import run_config
    from benchmarks.kept import read_kept, run_key, write_kept

    def key(cfg, path):
        return run_key(cfg, drop={"data": ("path",)}, set="s", file=Path(path).name, smoke=True)

    here = run_config(tmp_path / "a" / "set0.csv", [], 0.0, True, tmp_path / "runs", "set0")
    done = tmp_path / "set0-p0.0.json"
    write_kept(done, key(here, tmp_path / "a" / "set0.csv"), {"test_wql": 0.3}, set="s", power=0.0)
    # the same set in a moved folder reads back; another power, or another default, does not
    moved = run_config(tmp_path / "b" / "set0.csv", [], 0.0, True, tmp_path / "other", "set0")
    assert read_kept(done, key(moved, tmp_path / "b" / "set0.csv")) == {"test_wql": 0.3}
    power = run_config(tmp_path / "a" / "set0.csv", [], 1.0, True, tmp_path / "runs", "set0")
    assert read_kept(done, key(power, tmp_path / "a" / "set0.csv")) is None
    changed = here.with_overrides(["task.calibrate_quantiles=false"])
    assert read_kept(done, key(changed, tmp_path / "a" / "set0.csv")) is None
    assert read_kept(done, key(here, tmp_path / "a" / "set1.csv")) is None  # another set file
