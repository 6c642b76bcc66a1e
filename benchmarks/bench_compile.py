"""Break-even of ``torch.compile``: compile time vs per-step time, eager and compiled.

``train.compile: auto`` (``workbench.training_speed.decide_compile``) compiles only where a run is
long enough to win back the compile time. This benchmark measures what that rule rests on, on
this machine (CPU here; the GPU constants of the rule come from the H200 benchmark, see
``workbench/training_speed.py``):

* **eager**: median time of one LoRA training step (forward, backward, AdamW step) without
  compilation, after warm-up steps.
* **compiled**: the same model after ``workbench.training.compile_model`` (regional compilation,
  one decoder/encoder layer). The first compiled step holds the compile time:
  ``compile_s = first compiled step - eager step``; then the median compiled step.
* **break-even steps** = ``compile_s / (eager - compiled)``: a run shorter than that is slower
  with compilation (infinite when the compiled step is not faster).

Models (fixed shapes, so nothing recompiles):

* ``minilm``: the embedded MiniLM-L6 (22.7M parameters) with LoRA r=8 on query/value and a
  linear head, batch 16 x 64 tokens (the legal_de tiny recipe's shape).
* ``tiny_llama``: a random ``LlamaForCausalLM`` (hidden 128, 3 layers, 4 heads; the shape of
  ``tests/test_gpu.py``) with LoRA r=8 on all linear layers, batch 8 x 128 tokens.

Run::

    python benchmarks/bench_compile.py            # both models, ~2-4 min on 2 shared cores
    python benchmarks/bench_compile.py --smoke    # tiny Llama only, few steps (~1 min)

Timings on a shared machine are upper bounds. The last line is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
import warnings
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import torch  # noqa: E402


def _minilm(batch: int, seq: int):
    from transformers import AutoModel

    from workbench.config import LoraArgs
    from workbench.lora import apply_lora
    from workbench.models import default_text_model_path

    torch.manual_seed(0)
    encoder = AutoModel.from_pretrained(default_text_model_path(), local_files_only=True, use_safetensors=True)

    class Classifier(torch.nn.Module):
        def __init__(self, enc):
            super().__init__()
            self.encoder, self.head = enc, torch.nn.Linear(enc.config.hidden_size, 6)

        def forward(self, input_ids, attention_mask, labels):
            h = self.encoder(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state.mean(1)
            return torch.nn.functional.cross_entropy(self.head(h), labels)

    model = apply_lora(Classifier(encoder), LoraArgs(r=8, alpha=16, dropout=0.0, target_modules=["query", "value"],
                                                     modules_to_save=["head"]), task_type=None)
    vocab = encoder.config.vocab_size
    g = torch.Generator().manual_seed(0)
    inputs = {"input_ids": torch.randint(1000, vocab, (batch, seq), generator=g),
              "attention_mask": torch.ones(batch, seq, dtype=torch.long),
              "labels": torch.randint(0, 6, (batch,), generator=g)}
    return model, inputs, lambda m, x: m(**x)


def _tiny_llama(batch: int, seq: int):
    from transformers import LlamaConfig, LlamaForCausalLM

    from workbench.config import LoraArgs
    from workbench.lora import apply_lora

    torch.manual_seed(0)
    cfg = LlamaConfig(hidden_size=128, intermediate_size=256, num_hidden_layers=3, num_attention_heads=4,
                      num_key_value_heads=2, vocab_size=512, max_position_embeddings=seq)
    model = apply_lora(LlamaForCausalLM(cfg), LoraArgs(r=8, alpha=16, dropout=0.0, target_modules="all-linear"),
                       task_type="CAUSAL_LM")
    ids = torch.randint(0, cfg.vocab_size, (batch, seq), generator=torch.Generator().manual_seed(0))
    return model, {"input_ids": ids, "labels": ids}, lambda m, x: m(**x).loss


MODELS = {"minilm": (_minilm, 16, 64), "tiny_llama": (_tiny_llama, 8, 128)}


def _steps(model, inputs, loss_fn, n: int) -> list[float]:
    params = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(params, lr=1e-4)
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        loss = loss_fn(model, inputs)
        loss.backward()
        opt.step()
        opt.zero_grad(set_to_none=True)
        times.append(time.perf_counter() - t0)
    return times


def measure(name: str, steps: int, warmup: int) -> dict:
    """Eager and compiled step times and the compile time of one model (fresh model for each side)."""
    from workbench.training import compile_model

    build, batch, seq = MODELS[name]
    model, inputs, loss_fn = build(batch, seq)
    model.train()
    eager = _steps(model, inputs, loss_fn, warmup + steps)[warmup:]
    model, inputs, loss_fn = build(batch, seq)
    model.train()
    compile_model(model)
    compiled_all = _steps(model, inputs, loss_fn, warmup + steps)
    eager_s, compiled_s = statistics.median(eager), statistics.median(compiled_all[warmup:])
    # The first compiled steps hold the compile (forward graph on step 1; backward on step 1 as
    # well with AOTAutograd); what they took beyond a compiled step is the compile cost.
    compile_s = sum(t - compiled_s for t in compiled_all[:warmup])
    saved = eager_s - compiled_s
    return {"model": name, "batch": batch, "seq": seq, "eager_step_s": round(eager_s, 5),
            "compiled_step_s": round(compiled_s, 5), "compile_s": round(compile_s, 2),
            "speedup": round(eager_s / compiled_s, 3) if compiled_s else None,
            "break_even_steps": round(compile_s / saved) if saved > 0 else None}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--smoke", action="store_true", help="tiny Llama only, few steps")
    p.add_argument("--steps", type=int, default=None, help="timed steps per side (default 20, smoke 6)")
    p.add_argument("--warmup", type=int, default=2, help="untimed steps (eager) / compile steps (compiled)")
    p.add_argument("--models", nargs="*", default=None, choices=sorted(MODELS))
    args = p.parse_args()
    warnings.filterwarnings("ignore")
    torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS", "1") or 1))
    steps = args.steps or (6 if args.smoke else 20)
    names = args.models or (["tiny_llama"] if args.smoke else ["minilm", "tiny_llama"])
    rows = []
    for name in names:
        row = measure(name, steps, args.warmup)
        rows.append(row)
        be = row["break_even_steps"]
        print(f"{name:10s} eager {row['eager_step_s'] * 1e3:8.1f} ms/step | compiled {row['compiled_step_s'] * 1e3:8.1f} "
              f"ms/step (x{row['speedup']}) | compile {row['compile_s']:6.1f} s | break-even "
              f"{'never' if be is None else f'{be} steps'}", flush=True)
    from workbench.training_speed import GPU_BREAK_EVEN_STEPS, decide_compile

    rule = {"gpu_break_even_steps": GPU_BREAK_EVEN_STEPS,
            "auto_on_cpu": decide_compile("auto", "cpu", 10**6)[0],
            "auto_on_gpu_100_steps": decide_compile("auto", "cuda", 100)[0],
            "auto_on_gpu_1000_steps": decide_compile("auto", "cuda", 1000)[0]}
    print(json.dumps({"benchmark": "compile", "device": "cpu", "threads": torch.get_num_threads(),
                      "torch": torch.__version__, "steps": steps, "results": rows, "rule": rule}))


if __name__ == "__main__":
    main()
