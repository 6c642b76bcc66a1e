"""Tests for workbench.quantization: clear refusal without CUDA/bitsandbytes, NF4 QLoRA on a GPU."""

from __future__ import annotations

import importlib.util

import pytest
import torch

from workbench.quantization import QuantizationUnavailable, nf4_config, qlora_available, require_qlora

HAS_BNB = importlib.util.find_spec("bitsandbytes") is not None


@pytest.mark.skipif(qlora_available(), reason="QLoRA works here; the refusal is tested on CPU machines")
def test_refuses_clearly_and_names_what_is_missing():
    with pytest.raises(QuantizationUnavailable) as err:
        require_qlora()
    msg = str(err.value)
    if not torch.cuda.is_available():
        assert "CUDA GPU" in msg
    if not HAS_BNB:
        assert "bitsandbytes" in msg and "pip install" in msg
    assert "plan_memory" in msg  # points at the alternative
    with pytest.raises(QuantizationUnavailable):
        nf4_config()


@pytest.mark.gpu
@pytest.mark.skipif(not HAS_BNB, reason="needs bitsandbytes (pip install 'ki-werkbank[gpu]')")
def test_qlora_tiny_llama_trains_on_gpu():
    from peft import LoraConfig, get_peft_model

    from workbench.causal_lm import tiny_llama
    from workbench.quantization import quantize_model_nf4

    cfg = nf4_config()
    assert cfg.bnb_4bit_quant_type == "nf4" and cfg.bnb_4bit_use_double_quant
    model = quantize_model_nf4(tiny_llama(500, hidden_size=128, num_layers=2))
    import bitsandbytes as bnb

    assert any(isinstance(m, bnb.nn.Linear4bit) for m in model.modules())
    peft_model = get_peft_model(model, LoraConfig(r=8, lora_alpha=16, target_modules="all-linear"))
    opt = torch.optim.AdamW([p for p in peft_model.parameters() if p.requires_grad], lr=1e-3)
    ids = torch.randint(0, 500, (2, 32), device="cuda")
    losses = []
    for _ in range(10):
        with torch.autocast("cuda", dtype=cfg.bnb_4bit_compute_dtype):
            loss = peft_model(input_ids=ids, labels=ids).loss
        loss.backward()
        opt.step()
        opt.zero_grad()
        losses.append(loss.item())
    assert losses[-1] < losses[0]


@pytest.mark.gpu
@pytest.mark.skipif(not HAS_BNB, reason="needs bitsandbytes (pip install 'ki-werkbank[gpu]')")
def test_qlora_trains_through_fit_and_stays_on_the_gpu(tmp_path):
    """The product path: NF4 base + LoRA through ``workbench.training.fit`` (Lightning), bf16."""
    from peft import LoraConfig, get_peft_model

    from workbench.causal_lm import tiny_llama
    from workbench.config import TrainArgs
    from workbench.quantization import quantize_model_nf4
    from workbench.training import fit

    from tiny_task import NextToken as LM

    model = get_peft_model(quantize_model_nf4(tiny_llama(500, hidden_size=128, num_layers=2)),
                           LoraConfig(r=8, lora_alpha=16, target_modules="all-linear"))
    g = torch.Generator().manual_seed(0)
    ids = torch.randint(0, 500, (32, 8), generator=g).repeat(1, 4)  # repeated 8-token patterns
    loader = torch.utils.data.DataLoader([{"input_ids": r} for r in ids], batch_size=8)

    def loss() -> float:
        with torch.no_grad(), torch.autocast("cuda", dtype=torch.bfloat16):
            return float(LM().step(model, {"input_ids": ids.cuda()}).loss)

    before = loss()
    result = fit(model, LM(), loader, None, TrainArgs(max_epochs=15, batch_size=8, lr=5e-3, logger="none",
                                                      progress_bar=False), tmp_path, resume=False)
    assert result.precision == "bf16-mixed"
    assert all(p.device.type == "cuda" for p in model.parameters())
    after = loss()
    assert after < before - 0.5, (before, after)
