"""GPU checks (marker ``gpu``; skipped without CUDA): the same training path on a GPU in bf16.

Run on a CUDA machine with ``pytest -m gpu tests/test_gpu.py``. CI has no GPU; these run where one
is lent (see the closing notes of issue 6 for the card and the figures).
"""

from __future__ import annotations

import pytest
import torch

from workbench.config import TrainArgs
from workbench.training import compile_model, fit, repeated_blocks

from tiny_task import NextToken as _LMTask  # tests/support

pytestmark = pytest.mark.gpu


def _tiny_lora_llama(dtype=torch.bfloat16, seed: int = 0):
    from peft import LoraConfig, get_peft_model
    from transformers import LlamaConfig, LlamaForCausalLM

    cfg = LlamaConfig(hidden_size=128, intermediate_size=256, num_hidden_layers=3, num_attention_heads=4,
                      num_key_value_heads=2, vocab_size=256, max_position_embeddings=256, use_cache=False,
                      attn_implementation="sdpa")
    torch.manual_seed(seed)
    with torch.device("cuda"):
        base = LlamaForCausalLM(cfg).to(dtype)
    lora = LoraConfig(r=8, lora_alpha=16, lora_dropout=0.0, task_type="CAUSAL_LM",
                      target_modules=["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"])
    return get_peft_model(base, lora)


def _pattern_batches(n: int = 64, seq: int = 64):
    """Sequences that repeat a short per-row pattern: learnable in a few hundred steps."""
    g = torch.Generator().manual_seed(1)
    period = torch.randint(0, 256, (n, 8), generator=g)
    ids = period.repeat(1, seq // 8)
    return torch.utils.data.DataLoader([{"input_ids": row} for row in ids], batch_size=16, shuffle=False)


def _loss(model, loader) -> float:
    model.eval()
    with torch.no_grad(), torch.autocast("cuda", dtype=torch.bfloat16):
        vals = [_LMTask().step(model, {k: v.cuda() for k, v in b.items()}).loss.float().item() for b in loader]
    return sum(vals) / len(vals)


def test_auto_settings_train_in_bf16_on_the_gpu_and_report_peak_memory(tmp_path):
    model, loader = _tiny_lora_llama(), _pattern_batches()
    before = _loss(model, loader)
    args = TrainArgs(max_epochs=40, batch_size=16, lr=5e-3, warmup_ratio=0.0, logger="none", progress_bar=False)
    result = fit(model, _LMTask(), loader, None, args, tmp_path, resume=False)
    # Lightning's teardown moves the model to the CPU; fit puts it back on the GPU for evaluation.
    assert next(model.parameters()).device.type == "cuda"
    after = _loss(model, loader)
    assert result.accelerator == "cuda" and result.precision == "bf16-mixed"
    assert result.peak_memory_mb and result.peak_memory_mb > 0
    assert torch.backends.cuda.matmul.allow_tf32
    assert after < before - 1.0, (before, after)  # measured on CPU (32-true): 5.56 -> 3.75
    # peft's input casting is switched off only while training under autocast, then restored.
    from peft.tuners.tuners_utils import BaseTunerLayer

    flags = {getattr(m, "cast_input_dtype_enabled", True) for m in model.modules() if isinstance(m, BaseTunerLayer)}
    assert flags == {True}


def test_lora_without_input_upcast_gives_the_same_loss_and_gradients_under_autocast():
    from peft.helpers import disable_input_dtype_casting

    model = _tiny_lora_llama()
    ids = next(iter(_pattern_batches()))["input_ids"].cuda()
    for p in model.parameters():
        if p.requires_grad:
            torch.nn.init.normal_(p, std=0.02)  # lora_B starts at zero: give the side path a value

    def loss_and_grads():
        model.zero_grad()
        with torch.autocast("cuda", dtype=torch.bfloat16):
            loss = model(input_ids=ids, labels=ids).loss
        loss.backward()
        return loss.item(), [p.grad.clone() for p in model.parameters() if p.requires_grad]

    loss_cast, grads_cast = loss_and_grads()
    with disable_input_dtype_casting(model):
        loss_plain, grads_plain = loss_and_grads()
    assert loss_plain == pytest.approx(loss_cast, rel=1e-3)
    for a, b in zip(grads_cast, grads_plain):
        torch.testing.assert_close(a, b, rtol=2e-2, atol=1e-4)


def test_regional_compile_matches_eager_and_keeps_parameter_names(tmp_path):
    model = _tiny_lora_llama()
    names = [n for n, _ in model.named_parameters()]
    ids = next(iter(_pattern_batches()))["input_ids"].cuda()
    with torch.no_grad(), torch.autocast("cuda", dtype=torch.bfloat16):
        eager = model(input_ids=ids, labels=ids).loss.item()
    blocks = repeated_blocks(model)
    assert len(blocks) == 3
    compile_model(model)
    with torch.no_grad(), torch.autocast("cuda", dtype=torch.bfloat16):
        compiled = model(input_ids=ids, labels=ids).loss.item()
    assert compiled == pytest.approx(eager, rel=2e-2)
    assert [n for n, _ in model.named_parameters()] == names
    # And the compiled model trains through fit (backward through the compiled blocks).
    # grad_clip=None: the fused AdamW path (clipping would take the foreach path).
    args = TrainArgs(max_epochs=2, batch_size=16, lr=5e-3, logger="none", progress_bar=False, grad_clip=None)
    fit(model, _LMTask(), _pattern_batches(), None, args, tmp_path, resume=False)


def test_memory_plan_is_within_a_factor_of_the_measured_peak():
    """The planner's estimate for a small Llama against torch's measured peak of one step."""
    from peft import LoraConfig, get_peft_model
    from transformers import LlamaConfig, LlamaForCausalLM

    from workbench.memory import meta_model_from_config, plan_memory

    cfg = LlamaConfig(hidden_size=512, intermediate_size=1376, num_hidden_layers=4, num_attention_heads=8,
                      num_key_value_heads=4, vocab_size=8000, use_cache=False, attn_implementation="sdpa")
    batch, seq = 8, 1024
    plan = plan_memory(meta_model_from_config(cfg), batch_size=batch, seq_len=seq, lora_r=16, lora_dropout=0.0,
                       weight_dtype="bf16", compute_dtype="bf16", cuda_overhead=False)
    torch.cuda.empty_cache()
    torch.cuda.reset_peak_memory_stats()
    with torch.device("cuda"):
        base = LlamaForCausalLM(cfg).to(torch.bfloat16)
    model = get_peft_model(base, LoraConfig(r=16, lora_alpha=32, lora_dropout=0.0, target_modules="all-linear"))
    ids = torch.randint(0, 8000, (batch, seq), device="cuda")
    opt = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad])
    with torch.autocast("cuda", dtype=torch.bfloat16):
        loss = model(input_ids=ids, labels=ids).loss
    loss.backward()
    opt.step()
    torch.cuda.synchronize()
    measured = torch.cuda.max_memory_allocated()
    print(f"memory plan {plan.total / 2**20:.0f} MiB, measured peak {measured / 2**20:.0f} MiB")
    assert 0.5 * measured <= plan.total <= 2.0 * measured


def test_fsdp_through_lightning_trains_a_lora_adapter_on_one_gpu(tmp_path):
    """``train.strategy=fsdp`` (Lightning's FSDPStrategy) on one GPU: trains, restores the best
    checkpoint, and the adapter saves and reloads. On CPU the same setting is refused
    (tests/test_training.py); several GPUs: run the CLI under torchrun (docs/scaling.md)."""
    from workbench.lora import load_adapter, save_adapter

    model, loader = _tiny_lora_llama(), _pattern_batches()
    before = _loss(model, loader)
    args = TrainArgs(max_epochs=20, batch_size=16, lr=5e-3, warmup_ratio=0.0, logger="none", progress_bar=False,
                     strategy="fsdp", devices=1, accelerator="gpu")
    result = fit(model, _LMTask(), loader, None, args, tmp_path / "run", resume=False)
    assert result.accelerator == "cuda" and result.best_checkpoint
    model.cuda()
    after = _loss(model, loader)
    assert after < before - 0.5, (before, after)
    save_adapter(model, tmp_path / "adapter", base_model_id="tiny-llama")
    fresh = load_adapter(_tiny_lora_llama().unload(), tmp_path / "adapter", check_base=False)  # same seed: same base
    assert _loss(fresh.cuda(), loader) == pytest.approx(after, abs=5e-2)
