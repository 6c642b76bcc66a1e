"""Speed switches of :func:`workbench.training.fit`: fused AdamW, ``torch.compile`` and its ``auto`` rule.

Split out of ``workbench.training`` (which re-exports the public names).

``train.compile: auto`` (the default) compiles on a CUDA GPU when the run has at least
:data:`GPU_BREAK_EVEN_STEPS` optimiser steps, and never on CPU or MPS; ``true``/``false`` force it.

Where the GPU numbers come from (one NVIDIA H200, torch 2.11, TinyLlama-1.1B shape, LoRA r=16 on all
linear layers, batch 8 x 2048 tokens, ``benchmarks/bench_gpu_llama.py`` on 2026-11-30, table in
``docs/deployment.md`` section 5): eager 54,277 tokens/s, compiled 80,752 tokens/s, i.e. 0.302 s
and 0.203 s per step (:data:`GPU_EAGER_STEP_S`, :data:`GPU_COMPILED_SPEEDUP` = 1.488), and about
30 s to compile one decoder layer (:data:`GPU_COMPILE_S`, regional compilation, same source).
Compiling saves 0.099 s per step, so it pays back after ``30 / 0.099 = 304`` steps (rounded up). A
smaller model saves less per step and needs more steps, a bigger one fewer: 304 is the figure of
the model the GPU defaults are tuned for, and 304 steps are about 1.5 minutes there.

Why never on CPU unless forced (``benchmarks/bench_compile.py``, 2 shared cores, one thread, torch
2.13, 2026-12-05; upper bounds): the MiniLM-L6 classifier with LoRA (legal_de's model, batch
16 x 64) took 29.8 s to compile and then ran *slower*, 592 ms per step against 482 ms eager
(x0.82): compiling never pays back. The tiny Llama of the tests (batch 8 x 128) took 15.6 s and
ran 1.30x faster (46 vs 60 ms), paying back only after 1,140 steps. A CPU gain depends on the
model and can be negative, so it is an explicit choice (``train.compile: true``).
"""

from __future__ import annotations

import contextlib
import math
from typing import Iterator, Sequence

import torch

from workbench.config import TrainArgs

__all__ = ["use_fused_adamw", "compile_model", "repeated_blocks", "lora_inputs_under_autocast", "decide_compile",
           "GPU_BREAK_EVEN_STEPS"]

GPU_COMPILE_S = 30.0
"""Regional compile time of one Llama decoder layer on the H200 (docs/deployment.md, compile row)."""
GPU_EAGER_STEP_S = 8 * 2048 / 54_277
"""Eager step of the 1.1B Llama, batch 8 x 2048, on the H200: 0.302 s (bench_gpu_llama.py)."""
GPU_COMPILED_SPEEDUP = 80_752 / 54_277
"""Compiled / eager tokens per second on the same run: 1.488."""
GPU_BREAK_EVEN_STEPS = math.ceil(GPU_COMPILE_S / (GPU_EAGER_STEP_S * (1.0 - 1.0 / GPU_COMPILED_SPEEDUP)))
"""Steps after which compiling has paid for itself on the GPU: 304."""
CPU_MEASURED = ("MiniLM LoRA: 29.8 s to compile, then x0.82 the eager speed; tiny Llama: 15.6 s, x1.30, "
                "break-even after 1,140 steps (benchmarks/bench_compile.py, 2 CPU cores)")
"""What ``benchmarks/bench_compile.py`` measured on the 2-core CPU machine (upper bounds, shared cores)."""


def decide_compile(setting: bool | str, accelerator: str, total_steps: int) -> tuple[bool, str]:
    """Whether to compile, and why (recorded in the run's log and ``FitResult.extra["compile"]``).

    Args:
        setting: ``TrainArgs.compile``: ``True``, ``False`` or ``"auto"``.
        accelerator: The resolved accelerator (``cuda``, ``cpu``, ``mps``).
        total_steps: Optimiser steps of the run.

    Returns:
        ``(compile?, reason)``.
    """
    if setting is True or setting is False:
        return setting, f"train.compile={str(setting).lower()} (set explicitly)"
    if setting != "auto":
        raise ValueError(f"train.compile must be true, false or 'auto', got {setting!r}")
    if accelerator != "cuda":
        return False, (f"auto: not on {accelerator} (compiling on CPU costs tens of seconds and hardly speeds up a "
                       f"step: {CPU_MEASURED}; train.compile=true forces it)")
    if total_steps >= GPU_BREAK_EVEN_STEPS:
        return True, (f"auto: {total_steps} steps >= {GPU_BREAK_EVEN_STEPS}, where the ~{GPU_COMPILE_S:.0f} s compile "
                      f"pays back at x{GPU_COMPILED_SPEEDUP:.2f} per step (H200, 1.1B Llama)")
    return False, (f"auto: {total_steps} steps < {GPU_BREAK_EVEN_STEPS}, too short to pay back the "
                   f"~{GPU_COMPILE_S:.0f} s compile (train.compile=true forces it)")


def use_fused_adamw(params: Sequence[torch.nn.Parameter], args: TrainArgs) -> bool:
    """Whether to use the fused AdamW kernel (one kernel per step instead of one per tensor).

    Only on CUDA and only without gradient clipping: Lightning's mixed-precision plugin refuses
    to clip the gradients of a fused optimizer ("performs unscaling of gradients internally"),
    also under bf16, where nothing is scaled. Clipping is on by default, so the common case uses
    the ``foreach`` path, which for LoRA's few million parameters costs well under a millisecond.
    """
    return (args.grad_clip is None and torch.cuda.is_available() and bool(params)
            and all(p.is_cuda for p in params))


def compile_model(model: torch.nn.Module) -> torch.nn.Module:
    """Compile ``model`` in place with ``torch.compile``, block by block where it has blocks.

    Transformers repeat one block (a decoder layer) many times. Compiling each block instead of
    the whole model ("regional compilation", PyTorch >= 2.5) gives the same fused kernels (norms,
    activations, rotary embeddings, the LoRA side path) for the compile time of a single block,
    because all blocks share one graph. ``Module.compile`` works in place, so parameter names,
    checkpoints and saved adapters stay as they are. Models without repeated blocks are
    compiled whole.

    Returns:
        The same ``model`` object.
    """
    blocks = repeated_blocks(model)
    for block in blocks or [model]:
        block.compile()
    return model


def repeated_blocks(model: torch.nn.Module) -> list[torch.nn.Module]:
    """The largest ``ModuleList`` whose entries all share one class (the transformer layers).

    Returns an empty list when the model has no such list of at least two blocks.
    """
    best: list[torch.nn.Module] = []
    best_size = 0
    for module in model.modules():
        if not isinstance(module, torch.nn.ModuleList) or len(module) < 2:
            continue
        if len({type(m) for m in module}) != 1:
            continue
        size = sum(p.numel() for p in module.parameters())
        if size > best_size:
            best, best_size = list(module), size
    return best


@contextlib.contextmanager
def lora_inputs_under_autocast(model: torch.nn.Module, precision: str) -> Iterator[None]:
    """Under mixed precision, let autocast choose the LoRA matmul dtype (no input up-cast).

    peft casts each LoRA layer's input to the adapter's dtype (fp32) before the adapter's
    matmuls, and autocast then casts it back to bf16 for them: two copies of every activation
    through memory, per adapted layer, per step. Under autocast those copies change nothing in
    the result, so they are switched off for the duration of training.
    """
    if not precision.endswith("-mixed"):
        yield
        return
    try:
        from peft.helpers import disable_input_dtype_casting
    except ImportError:  # peft without the switch (< 0.14): keep its default behaviour
        yield
        return
    with disable_input_dtype_casting(model):
        yield
