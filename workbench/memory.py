"""Memory planner: estimate the memory a LoRA fine-tune needs before it starts, and measure it after.

Before training, :func:`plan_memory` adds up what a LoRA run keeps in accelerator memory:

- **weights** of the frozen base (fp32, bf16, or 4-bit NF4 for QLoRA),
- **adapter** parameters, their **gradients** and the **optimiser** state (AdamW: two fp32 moments),
- **activations** saved for the backward pass (per token and layer, see ``_ACT_COEFFS``),
- the **logits** of the output head (for a causal LM with a large vocabulary this dominates at
  long sequence lengths: 128k vocab x 2048 tokens x 4 bytes is 1 GiB per sequence per copy),
- a fixed **overhead** (CUDA context, cuBLAS workspace, allocator fragmentation).

:func:`suggest_batch_size` searches the largest batch whose plan fits a memory budget (by default
the free memory of the current CUDA device). After training, :func:`peak_memory_mb` reports the
peak actually used (``torch.cuda.max_memory_allocated`` on a GPU, the process's peak RSS on CPU),
so the plan can be compared with reality.

The plan works on any ``nn.Module`` - build big models on the ``meta`` device so that nothing is
allocated (:func:`meta_model_from_config`)::

    from transformers import LlamaConfig
    from workbench.memory import meta_model_from_config, plan_memory, suggest_batch_size
    model = meta_model_from_config(LlamaConfig(hidden_size=2048, num_hidden_layers=16, ...))
    plan = plan_memory(model, batch_size=4, seq_len=2048, lora_r=16, weight_dtype="bf16",
                       compute_dtype="bf16", gradient_checkpointing=True)
    print(plan)                       # table in GiB
    suggest_batch_size(model, seq_len=2048, budget_bytes=80 * 2**30, weight_dtype="bf16")

How the activation coefficients were obtained: the bytes that autograd saves for backward were
counted exactly with ``torch.autograd.graph.saved_tensors_hooks`` (:func:`measure_saved_bytes`,
deduplicated by storage) on tiny Llama and BERT models with peft LoRA, while varying hidden size,
MLP width, key/value width, heads and layers one at a time; the slopes give the coefficients. The
structure follows Korthikanti et al. 2022, "Reducing Activation Recomputation in Large
Transformer Models" (arXiv:2205.05198), Sec. 4.1: ``s*b*h*(34 + 5*a*s/h)`` bytes per layer for a
GPT layer in 16-bit; their ``5*a*s/h`` attention-score term disappears with fused (flash) attention.
The test ``tests/test_memory.py`` checks the estimate against a fresh measurement.
"""

from __future__ import annotations

import dataclasses
import math
import resource
import sys
from typing import Any, Iterable

import torch
from torch import nn

GIB = 2**30

# Bytes per parameter of the frozen base weights. NF4 with double quantisation stores 4 bits plus
# about 0.127 bits of quantisation constants per parameter (Dettmers et al. 2023, "QLoRA",
# arXiv:2305.14314, Sec. 3: 32-bit constant per 64 weights, double-quantised to 8 bit per block of
# 256 -> 8/64 + 32/(64*256) = 0.127 bits).
_WEIGHT_BYTES = {"fp32": 4.0, "bf16": 2.0, "fp16": 2.0, "nf4": (4 + 0.127) / 8}

# Activation coefficients in *elements* per token and transformer layer, for fp32 compute, measured
# with saved-tensor hooks (see module docstring). ``h``: hidden size, ``i``: MLP width, ``kv``:
# width of the key/value projections (h for classic attention, smaller with grouped-query
# attention), ``scores``: per attention-score element (heads * seq_len per token), paid only
# when the attention is not fused (eager attention, or attention dropout > 0, which makes SDPA
# fall back to the math kernel). ``lora_input``: per input feature of every LoRA-wrapped linear
# layer (peft applies a separate dropout to each wrapped layer's input and saves the result for
# the lora_A gradient; 1.5 = dropout output + its mask, rounded from the measured slope).
_ACT_COEFFS = {
    # gated-MLP decoders: Llama, Mistral, Qwen2, Gemma (RMSNorm saved in fp32, SiLU gate/up/product)
    "gated": {"h": 8.0, "i": 3.5, "kv": 2.0, "scores": 2.0},
    # BERT-style encoders (MiniLM): LayerNorm, GELU MLP, dropout masks on attention and hidden
    "bert": {"h": 9.5, "i": 1.5, "kv": 0.0, "scores": 3.0},
}
_LORA_INPUT_COEFF = 1.5
# Under bf16 autocast about 70 % of the fp32 bytes remain: matmul outputs are bf16, but norms,
# softmax statistics and the residual stream stay fp32 (measured ratio 0.68 on the tiny Llama).
_AUTOCAST_ACT_FACTOR = 0.7
# Fixed cost of a CUDA process: context (~300-500 MiB on H100 with CUDA 12), cuBLAS workspaces
# and the caching allocator's fragmentation reserve. A deliberately round, conservative figure.
_CUDA_OVERHEAD_BYTES = 1.0 * GIB
_GATED_TYPES = {"llama", "mistral", "mixtral", "qwen2", "qwen3", "gemma", "gemma2", "phi3", "olmo"}


@dataclasses.dataclass
class MemoryPlan:
    """Estimated memory of one training step, in bytes, by component.

    Attributes:
        weights: Frozen base weights (in their storage dtype).
        weight_casts: bf16 copies of fp32 weights that autocast makes and autograd keeps for the
            backward pass (zero when the weights are already stored in the compute dtype).
        adapter: Trainable (LoRA and ``modules_to_save``) parameters, kept in fp32.
        gradients: Gradients of the trainable parameters (fp32).
        optimizer: Optimiser state (AdamW: two fp32 moments per trainable parameter).
        activations: Tensors saved for backward by the transformer layers.
        logits: Output-head logits (saved copy, fp32 upcast for the loss, and their gradient).
        overhead: Fixed runtime overhead (CUDA context, workspaces, fragmentation).
        trainable_params: Number of trainable parameters.
        total_params: Number of parameters in total.
        batch_size: The planned batch size.
        seq_len: The planned sequence length.
    """

    weights: float
    weight_casts: float
    adapter: float
    gradients: float
    optimizer: float
    activations: float
    logits: float
    overhead: float
    trainable_params: int
    total_params: int
    batch_size: int
    seq_len: int

    _COMPONENTS = ("weights", "weight_casts", "adapter", "gradients", "optimizer", "activations",
                   "logits", "overhead")

    @property
    def total(self) -> float:
        """Total estimated bytes."""
        return float(sum(getattr(self, c) for c in self._COMPONENTS))

    def fits(self, budget_bytes: float) -> bool:
        """Whether the plan fits into ``budget_bytes``."""
        return self.total <= budget_bytes

    def to_dict(self) -> dict[str, float]:
        """Components and total in GiB (rounded to 3 digits), plus counts, for JSON reports."""
        out: dict[str, Any] = {f"{c}_gib": round(getattr(self, c) / GIB, 3) for c in self._COMPONENTS}
        out["total_gib"] = round(self.total / GIB, 3)
        out.update(trainable_params=self.trainable_params, total_params=self.total_params,
                   batch_size=self.batch_size, seq_len=self.seq_len)
        return out

    def __str__(self) -> str:
        rows = [f"{c:<13}{getattr(self, c) / GIB:>9.3f} GiB" for c in self._COMPONENTS]
        rows.append(f"{'total':<13}{self.total / GIB:>9.3f} GiB")
        head = (f"memory plan: batch {self.batch_size} x {self.seq_len} tokens, "
                f"{self.trainable_params:,} trainable of {self.total_params:,} parameters")
        return "\n".join([head, *rows])


def meta_model_from_config(config: Any, *, causal_lm: bool | None = None) -> nn.Module:
    """Build a Hugging Face model on the ``meta`` device: shapes only, no memory.

    Args:
        config: A ``transformers.PretrainedConfig``.
        causal_lm: Build an ``AutoModelForCausalLM`` (default for decoder configs) or an
            ``AutoModel``.

    Returns:
        The model with all parameters on the meta device.
    """
    from transformers import AutoModel, AutoModelForCausalLM

    if causal_lm is None:
        causal_lm = not getattr(config, "is_encoder_decoder", False) and config.model_type != "bert"
    factory = AutoModelForCausalLM if causal_lm else AutoModel
    with torch.device("meta"):
        return factory.from_config(config)


def _lora_targets(model: nn.Module, target_modules: Iterable[str] | str | None) -> list[nn.Linear]:
    """The linear layers that LoRA would wrap, following peft's suffix matching."""
    linears = [(n, m) for n, m in model.named_modules() if isinstance(m, nn.Linear)]
    if target_modules is None or target_modules == "all-linear":
        # peft's "all-linear" excludes the output head; so does the workbench's auto choice.
        head_names = ("lm_head", "classifier", "score", "head")
        return [m for n, m in linears if n.split(".")[-1] not in head_names]
    if isinstance(target_modules, str):
        target_modules = [target_modules]
    targets = list(target_modules)
    return [m for n, m in linears if any(n == t or n.endswith("." + t) for t in targets)]


def _arch(model: nn.Module) -> dict[str, Any]:
    """Hidden size, MLP width, key/value width, heads, layers, vocab and family of ``model``."""
    cfg = getattr(model, "config", None)
    if cfg is None:
        raise ValueError("plan_memory needs a Hugging Face model (with a .config); got "
                         f"{type(model).__name__}")
    h = cfg.hidden_size
    heads = cfg.num_attention_heads
    kv_heads = getattr(cfg, "num_key_value_heads", None) or heads
    head_dim = getattr(cfg, "head_dim", None) or h // heads
    family = "gated" if cfg.model_type in _GATED_TYPES else "bert"
    attn = getattr(cfg, "_attn_implementation", None) or "sdpa"
    attn_dropout = float(getattr(cfg, "attention_dropout", 0.0) or
                         getattr(cfg, "attention_probs_dropout_prob", 0.0) or 0.0)
    return dict(h=h, i=cfg.intermediate_size, kv=kv_heads * head_dim, heads=heads,
                layers=cfg.num_hidden_layers, vocab=cfg.vocab_size, family=family,
                fused_attention=attn in ("sdpa", "flash_attention_2", "flash_attention_3")
                and attn_dropout == 0.0,
                causal_lm=any(n.split(".")[-1] == "lm_head" for n, _ in model.named_modules()),
                num_labels=getattr(cfg, "num_labels", 2))


def plan_memory(
    model: nn.Module,
    *,
    batch_size: int,
    seq_len: int,
    lora_r: int = 8,
    target_modules: Iterable[str] | str | None = None,
    lora_dropout: float = 0.05,
    weight_dtype: str = "fp32",
    compute_dtype: str = "fp32",
    gradient_checkpointing: bool = False,
    optimizer_states: int = 2,
    cuda_overhead: bool = True,
) -> MemoryPlan:
    """Estimate the memory of one LoRA training step.

    Args:
        model: The *base* model (without adapters), e.g. from :func:`meta_model_from_config`.
        batch_size: Sequences per step (per device).
        seq_len: Tokens per sequence (the padded length).
        lora_r: LoRA rank.
        target_modules: Module-name suffixes LoRA wraps; ``None`` or ``"all-linear"`` = every
            linear layer except the output head.
        lora_dropout: LoRA dropout; at 0 peft skips the per-layer dropout copy.
        weight_dtype: Storage dtype of the frozen base: ``fp32``, ``bf16``, ``fp16`` or ``nf4``.
        compute_dtype: ``fp32`` or ``bf16``/``fp16`` (autocast or true half precision).
        gradient_checkpointing: Recompute layer activations in backward (keeps one hidden state
            per layer plus one layer's activations).
        optimizer_states: fp32 states per trainable parameter (AdamW 2, SGD with momentum 1).
        cuda_overhead: Add the fixed CUDA overhead (turn off for CPU plans).

    Returns:
        The :class:`MemoryPlan`.

    Raises:
        ValueError: Unknown dtype or non-positive sizes.
    """
    if weight_dtype not in _WEIGHT_BYTES:
        raise ValueError(f"weight_dtype must be one of {sorted(_WEIGHT_BYTES)}, got {weight_dtype!r}")
    if compute_dtype not in ("fp32", "bf16", "fp16"):
        raise ValueError(f"compute_dtype must be fp32, bf16 or fp16, got {compute_dtype!r}")
    if batch_size < 1 or seq_len < 1 or lora_r < 1:
        raise ValueError(f"batch_size, seq_len and lora_r must be >= 1, got {batch_size}, "
                         f"{seq_len}, {lora_r}")
    a = _arch(model)
    total_base = sum(p.numel() for p in model.parameters())
    targets = _lora_targets(model, target_modules)
    if not targets:
        raise ValueError(f"no linear layer matches target_modules={target_modules!r}")
    trainable = sum(lora_r * (m.in_features + m.out_features) for m in targets)
    linear_params = sum(m.weight.numel() for n, m in model.named_modules()
                        if isinstance(m, nn.Linear) and n.split(".")[-1] != "lm_head")

    tokens = batch_size * seq_len
    half = compute_dtype != "fp32"
    c = _ACT_COEFFS[a["family"]]
    per_layer = c["h"] * a["h"] + c["i"] * a["i"] + c["kv"] * a["kv"]
    if not a["fused_attention"]:
        per_layer += c["scores"] * a["heads"] * seq_len
    lora_in = sum(m.in_features for m in targets) / max(a["layers"], 1)
    # Without LoRA dropout the adapter reads the very tensor the frozen linear saved already (the
    # workbench trains without peft's fp32 up-cast under autocast), so it adds nothing. Checked on
    # an H200: 1.1B Llama, batch 8 x 2048, bf16: planned 42.5 GiB, measured peak 34.7 GiB (eager).
    if lora_dropout > 0:
        per_layer += _LORA_INPUT_COEFF * lora_in
    act_bytes_per_elem = 4.0 * (_AUTOCAST_ACT_FACTOR if half else 1.0)
    layer_bytes = per_layer * act_bytes_per_elem * tokens
    if gradient_checkpointing:
        # One fp32 hidden state per layer boundary, plus one layer recomputed at a time.
        activations = a["layers"] * a["h"] * 4.0 * tokens + layer_bytes
    else:
        activations = a["layers"] * layer_bytes
    if a["causal_lm"]:
        # Saved logits (compute dtype), fp32 upcast inside the loss, and the gradient (fp32).
        logits = tokens * a["vocab"] * ((2.0 if half else 4.0) + 4.0 + 4.0)
    else:
        logits = batch_size * a["num_labels"] * 12.0
    # Autocast casts fp32 weights to bf16 on every forward, and the frozen linear keeps the cast
    # copy for grad-of-input: one extra half-precision copy of every linear weight.
    casts = linear_params * 2.0 if (half and weight_dtype == "fp32") else 0.0
    if weight_dtype == "nf4":
        # bitsandbytes dequantises one layer at a time; the largest dequantised weight is live.
        casts = max(m.weight.numel() for m in targets) * 2.0 * 2
    return MemoryPlan(
        weights=total_base * _WEIGHT_BYTES[weight_dtype],
        weight_casts=casts,
        adapter=trainable * 4.0,
        gradients=trainable * 4.0,
        optimizer=trainable * 4.0 * optimizer_states,
        activations=activations,
        logits=logits,
        overhead=_CUDA_OVERHEAD_BYTES if cuda_overhead else 0.0,
        trainable_params=int(trainable),
        total_params=int(total_base + trainable),
        batch_size=batch_size,
        seq_len=seq_len,
    )


def gpu_budget_bytes(device: int | None = None, *, reserve_fraction: float = 0.05) -> int | None:
    """Free memory of a CUDA device minus a safety reserve, or ``None`` without CUDA.

    Args:
        device: CUDA device index (default: the current device).
        reserve_fraction: Share of the *total* memory kept free for other processes and spikes.
    """
    if not torch.cuda.is_available():
        return None
    free, total = torch.cuda.mem_get_info(device)
    return int(free - reserve_fraction * total)


def suggest_batch_size(
    model: nn.Module,
    *,
    seq_len: int,
    budget_bytes: float | None = None,
    max_batch_size: int = 4096,
    **plan_kwargs: Any,
) -> int:
    """Largest batch size whose :func:`plan_memory` fits ``budget_bytes``.

    Memory grows monotonically with the batch, so a doubling search followed by bisection finds
    the answer in ``O(log max_batch_size)`` plans.

    Args:
        model: The base model (see :func:`plan_memory`).
        seq_len: Tokens per sequence.
        budget_bytes: Memory available; default: :func:`gpu_budget_bytes` of the current GPU.
        max_batch_size: Upper bound of the search.
        **plan_kwargs: Passed to :func:`plan_memory` (``lora_r``, ``weight_dtype``, ...).

    Returns:
        The batch size, ``>= 1``.

    Raises:
        ValueError: No budget is given and there is no GPU, or not even batch size 1 fits
            (the message lists the plan and names the switches that reduce memory).
    """
    if budget_bytes is None:
        budget_bytes = gpu_budget_bytes()
        if budget_bytes is None:
            raise ValueError("suggest_batch_size: no CUDA device; pass budget_bytes explicitly")

    def fits(b: int) -> bool:
        return plan_memory(model, batch_size=b, seq_len=seq_len, **plan_kwargs).fits(budget_bytes)

    if not fits(1):
        plan = plan_memory(model, batch_size=1, seq_len=seq_len, **plan_kwargs)
        raise ValueError(
            f"even batch size 1 needs {plan.total / GIB:.2f} GiB > budget "
            f"{budget_bytes / GIB:.2f} GiB; try gradient_checkpointing=True, a shorter seq_len, "
            f"bf16 weights or QLoRA (weight_dtype='nf4').\n{plan}")
    lo, hi = 1, 2
    while hi <= max_batch_size and fits(hi):
        lo, hi = hi, hi * 2
    hi = min(hi, max_batch_size + 1)
    while hi - lo > 1:  # invariant: fits(lo), not fits(hi) (or hi beyond the bound)
        mid = (lo + hi) // 2
        lo, hi = (mid, hi) if fits(mid) else (lo, mid)
    return lo


def measure_saved_bytes(fn: Any, model: nn.Module | None = None) -> int:
    """Bytes of all tensors that autograd saves for backward while ``fn()`` runs.

    Storages are deduplicated (a tensor saved by several operations counts once), and the storages
    of ``model``'s parameters are left out (they are weights, not activations).

    Args:
        fn: Zero-argument callable running a forward pass (e.g. ``lambda: model(**batch).loss``).
        model: Its parameters are excluded from the count.

    Returns:
        The number of bytes.
    """
    params = set()
    if model is not None:
        params = {p.untyped_storage().data_ptr() for p in model.parameters()}
    seen: dict[tuple[int, int], int] = {}

    def pack(t: torch.Tensor) -> torch.Tensor:
        st = t.untyped_storage()
        if st.data_ptr() not in params:
            seen[(st.data_ptr(), st.nbytes())] = st.nbytes()
        return t

    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        fn()
    return int(sum(seen.values()))


def reset_peak_memory(device: torch.device | str | None = None) -> None:
    """Reset the CUDA peak counter (no-op on CPU, where peak RSS cannot be reset)."""
    if device is not None and torch.device(device).type == "cuda" or (
        device is None and torch.cuda.is_available()):
        torch.cuda.reset_peak_memory_stats(device)


def peak_memory_mb(device: torch.device | str | None = None) -> float:
    """Peak memory since the last :func:`reset_peak_memory`, in MiB.

    On CUDA: ``torch.cuda.max_memory_allocated`` (tensors only; ``nvidia-smi`` shows more because
    of the context and the allocator's cache). On CPU: the process's peak resident set size
    (``ru_maxrss``; KiB on Linux, bytes on macOS), which includes Python and libraries.
    """
    dev = torch.device(device) if device is not None else (
        torch.device("cuda") if torch.cuda.is_available() else torch.device("cpu"))
    if dev.type == "cuda":
        return torch.cuda.max_memory_allocated(dev) / 2**20
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss / 2**20 if sys.platform == "darwin" else rss / 1024


def compare_plan_to_peak(plan: MemoryPlan, peak_mb: float) -> dict[str, float]:
    """Planned total vs measured peak, for the report after training."""
    planned_mb = plan.total / 2**20
    return {"planned_mb": round(planned_mb, 1), "peak_mb": round(peak_mb, 1),
            "ratio_peak_to_plan": round(peak_mb / planned_mb, 3) if planned_mb else math.nan}
