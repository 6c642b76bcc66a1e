"""QLoRA: load a base model in 4-bit NF4 (bitsandbytes) and prepare it for LoRA training.

QLoRA (Dettmers et al. 2023, arXiv:2305.14314) stores the frozen base in 4-bit NormalFloat with
double quantisation and computes in bf16; only the LoRA adapters are trained, in higher
precision. A 7-8B base then needs about 5 GiB for its weights instead of 15 GiB in bf16 (see
:mod:`workbench.memory` for a full plan). It needs an NVIDIA GPU and the optional extra
``bitsandbytes`` (``pip install ki-werkbank[gpu]``); everywhere else this module raises a
:class:`QuantizationUnavailable` that says what is missing, instead of silently training
something else.

Usage::

    from workbench.quantization import load_quantized_causal_lm, qlora_available
    if qlora_available():
        model = load_quantized_causal_lm("/models/llama-3.2-1b")   # NF4 base, bf16 compute
        peft_model = apply_lora(model, LoraArgs(r=16, target_modules="all-linear"), task_type="CAUSAL_LM")

A QLoRA adapter is an ordinary PEFT adapter: it loads onto the bf16 base as well (with a small
difference in outputs, since the base it was trained against was quantised). To merge, load the
base in bf16, not in 4 bit.
"""

from __future__ import annotations

import importlib.util
from typing import Any

import torch


class QuantizationUnavailable(RuntimeError):
    """4-bit loading was requested where it cannot work (no CUDA, no bitsandbytes)."""


def _missing() -> list[str]:
    missing = []
    if importlib.util.find_spec("bitsandbytes") is None:
        missing.append("the package bitsandbytes (pip install 'ki-werkbank[gpu]' or pip install bitsandbytes)")
    if not torch.cuda.is_available():
        missing.append("a CUDA GPU (torch.cuda.is_available() is False"
                       + (", and this torch is a CPU build)" if torch.version.cuda is None else ")"))
    return missing


def qlora_available() -> bool:
    """Whether 4-bit NF4 loading can work here (bitsandbytes importable and CUDA present)."""
    return not _missing()


def require_qlora() -> None:
    """Raise :class:`QuantizationUnavailable` naming everything that is missing for QLoRA."""
    missing = _missing()
    if missing:
        raise QuantizationUnavailable(
            "QLoRA (4-bit NF4 base) needs " + " and ".join(missing) + ". Without them, train a "
            "LoRA adapter on a bf16 or fp32 base (TrainArgs.precision), or pick a smaller base "
            "model; workbench.memory.plan_memory shows what fits.")


def nf4_config(compute_dtype: torch.dtype | str = "auto", double_quant: bool = True) -> Any:
    """The ``transformers.BitsAndBytesConfig`` of QLoRA: NF4, double quantisation, bf16 compute.

    Args:
        compute_dtype: dtype of the matmuls; ``auto`` = bf16 where the GPU supports it (Ampere and
            newer), else fp16.
        double_quant: Quantise the quantisation constants too (saves ~0.37 bits per parameter,
            QLoRA paper Sec. 3).

    Raises:
        QuantizationUnavailable: No CUDA GPU or no bitsandbytes.
    """
    require_qlora()
    from transformers import BitsAndBytesConfig

    if compute_dtype == "auto":
        compute_dtype = torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
    elif isinstance(compute_dtype, str):
        compute_dtype = {"bf16": torch.bfloat16, "bfloat16": torch.bfloat16, "fp16": torch.float16,
                         "float16": torch.float16, "fp32": torch.float32}[compute_dtype]
    return BitsAndBytesConfig(load_in_4bit=True, bnb_4bit_quant_type="nf4",
                              bnb_4bit_use_double_quant=double_quant, bnb_4bit_compute_dtype=compute_dtype)


def load_quantized_causal_lm(path: str, *, compute_dtype: torch.dtype | str = "auto",
                             gradient_checkpointing: bool = True, trust_remote_code: bool = False,
                             **kwargs: Any) -> Any:
    """Load a causal LM from a local directory with an NF4 base, ready for LoRA.

    Runs peft's ``prepare_model_for_kbit_training`` (casts norms and the head to fp32 for
    stable training, enables input gradients for checkpointing).

    Args:
        path: Local model directory (see :func:`workbench.models.resolve_base_model`).
        compute_dtype: See :func:`nf4_config`.
        gradient_checkpointing: Recompute activations (QLoRA's default; it is what makes long
            sequences fit).
        trust_remote_code: Never by default.
        **kwargs: Passed to ``from_pretrained`` (``attn_implementation="sdpa"``...).

    Raises:
        QuantizationUnavailable: No CUDA GPU or no bitsandbytes.
    """
    quant = nf4_config(compute_dtype)
    from peft import prepare_model_for_kbit_training
    from transformers import AutoModelForCausalLM

    model = AutoModelForCausalLM.from_pretrained(
        path, quantization_config=quant, device_map={"": torch.cuda.current_device()},
        dtype=quant.bnb_4bit_compute_dtype, trust_remote_code=trust_remote_code, **kwargs)
    return prepare_model_for_kbit_training(
        model, use_gradient_checkpointing=gradient_checkpointing,
        gradient_checkpointing_kwargs={"use_reentrant": False})


def quantize_model_nf4(model: torch.nn.Module, compute_dtype: torch.dtype | str = "auto",
                       skip: tuple[str, ...] = ("lm_head",)) -> torch.nn.Module:
    """Replace the linear layers of an in-memory model by bitsandbytes ``Linear4bit`` (NF4).

    For models built from a config (the GPU benchmark's random-weight Llama), where there is no
    directory for :func:`load_quantized_causal_lm`. Weights are quantised when the model moves
    to the GPU.

    Args:
        model: A torch model on CPU.
        compute_dtype: See :func:`nf4_config`.
        skip: Module-name suffixes to keep in full precision (the output head).

    Returns:
        The same model object, with ``Linear4bit`` layers, moved to the current CUDA device.
    """
    quant = nf4_config(compute_dtype)
    import bitsandbytes as bnb

    def replace(parent: torch.nn.Module, prefix: str) -> None:
        for name, child in list(parent.named_children()):
            full = f"{prefix}.{name}" if prefix else name
            if isinstance(child, torch.nn.Linear) and not any(full.endswith(s) for s in skip):
                q = bnb.nn.Linear4bit(child.in_features, child.out_features, bias=child.bias is not None,
                                      compute_dtype=quant.bnb_4bit_compute_dtype, quant_type="nf4",
                                      compress_statistics=quant.bnb_4bit_use_double_quant)
                q.weight = bnb.nn.Params4bit(child.weight.data.to("cpu"), requires_grad=False, quant_type="nf4",
                                             compress_statistics=quant.bnb_4bit_use_double_quant)
                if child.bias is not None:
                    q.bias = torch.nn.Parameter(child.bias.data, requires_grad=False)
                setattr(parent, name, q)
            else:
                replace(child, full)

    replace(model, "")
    return model.to(torch.cuda.current_device())
