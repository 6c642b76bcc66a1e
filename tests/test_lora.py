"""LoRA: layers against hand-computed values, targets, save/load/merge round trips, mismatch."""

import json
import math

import pytest
import torch
from torch import nn

from workbench.config import LoraArgs
from workbench.lora import (AdapterMismatchError, apply_lora, base_fingerprint, compare_adapters, count_parameters,
                            find_target_modules, load_adapter, merge_adapter, merge_adapter_dir, save_adapter)
from workbench.models import default_text_model_path, load_sequence_classifier


def _mlp():
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 2))


def _set_lora(model, a, b):
    layer = model.base_model.model[0]
    with torch.no_grad():
        layer.lora_A["default"].weight.copy_(a)
        layer.lora_B["default"].weight.copy_(b)
    return layer


@pytest.mark.parametrize("rslora", [False, True])
def test_lora_layer_matches_hand_computation(rslora):
    model = _mlp()
    w, bias = model[0].weight.detach().clone(), model[0].bias.detach().clone()
    peft_model = apply_lora(model, LoraArgs(r=2, alpha=4, dropout=0.0, target_modules=["0"], use_rslora=rslora))
    a = torch.tensor([[1.0, 0.0, -1.0, 2.0], [0.5, 0.5, 0.0, 0.0]])
    b = torch.tensor([[1.0, 2.0], [0.0, -1.0], [3.0, 0.0]])
    layer = _set_lora(peft_model, a, b)
    x = torch.tensor([[1.0, 2.0, 3.0, 4.0]])
    scale = 4 / math.sqrt(2) if rslora else 4 / 2
    expected = x @ w.T + bias + scale * (x @ a.T @ b.T)
    peft_model.eval()
    assert torch.allclose(layer(x), expected, atol=1e-6)


def test_fresh_lora_is_identity_and_only_lora_trains():
    model = _mlp()
    x = torch.randn(5, 4)
    before = model(x).detach()
    peft_model = apply_lora(model, LoraArgs(r=2, target_modules=["0"]))
    peft_model.eval()
    assert torch.allclose(peft_model(x), before)  # B starts at zero
    trainable = [n for n, p in peft_model.named_parameters() if p.requires_grad]
    assert trainable and all("lora_" in n for n in trainable)
    count = count_parameters(peft_model)
    assert count.trainable == 2 * 4 + 3 * 2 and count.total == count.trainable + 4 * 3 + 3 + 3 * 2 + 2
    assert "trainable" in str(count)


def test_target_discovery():
    assert find_target_modules(_mlp()) == ["0", "2"]  # plain module: every Linear

    class WithHead(nn.Module):
        def __init__(self):
            super().__init__()
            self.encoder = nn.Sequential(nn.Linear(4, 4), nn.Linear(4, 4))
            self.proj = nn.Linear(4, 4)
            self.head = nn.Linear(4, 1)

    assert find_target_modules(WithHead()) == ["encoder.0", "encoder.1", "proj"]  # the head stays out
    bert = load_sequence_classifier(default_text_model_path(), 2)
    assert find_target_modules(bert) == ["query", "value"]
    with pytest.raises(ValueError, match="no nn.Linear"):
        find_target_modules(nn.Sequential(nn.ReLU()))


def test_dora_option_builds():
    peft_model = apply_lora(_mlp(), LoraArgs(r=2, target_modules=["0"], use_dora=True))
    assert any("magnitude" in n for n, _ in peft_model.named_parameters())


def _trained_bert(n_labels=3):
    base = load_sequence_classifier(default_text_model_path(), n_labels)
    model = apply_lora(base, LoraArgs(r=4), task_type="SEQ_CLS")
    torch.manual_seed(0)
    with torch.no_grad():  # stand-in for training: move LoRA and head weights off their init
        for name, p in model.named_parameters():
            if p.requires_grad:
                p.add_(0.05 * torch.randn_like(p))
    return model.eval()


def test_save_load_merge_round_trip_gives_identical_predictions(tmp_path):
    model = _trained_bert()
    x = torch.randint(100, 2000, (4, 12))
    expected = model(input_ids=x).logits.detach()
    path = save_adapter(model, tmp_path / "adapter", base_model_id="embedded:all-MiniLM-L6-v2")
    assert (path / "adapter_config.json").is_file() and (path / "adapter_model.safetensors").is_file()
    assert json.loads((path / "adapter_config.json").read_text())["base_model_name_or_path"] == "embedded:all-MiniLM-L6-v2"
    loaded = load_adapter(load_sequence_classifier(default_text_model_path(), 3), path).eval()
    assert torch.allclose(loaded(input_ids=x).logits, expected, atol=1e-6)
    merged = merge_adapter(loaded)
    assert torch.allclose(merged(input_ids=x).logits, expected, atol=1e-5)
    # merged model saved as a plain HF model, loadable without peft
    out = merge_adapter_dir(path, tmp_path / "merged")
    from transformers import AutoModelForSequenceClassification

    plain = AutoModelForSequenceClassification.from_pretrained(out).eval()
    assert torch.allclose(plain(input_ids=x).logits, expected, atol=1e-5)


def test_loading_onto_another_base_fails_loudly(tmp_path):
    model = _trained_bert()
    path = save_adapter(model, tmp_path / "adapter", base_model_id="minilm")
    other = load_sequence_classifier(default_text_model_path(), 3)
    with torch.no_grad():
        other.bert.embeddings.word_embeddings.weight[5] += 1.0
    with pytest.raises(AdapterMismatchError, match="trained on base"):
        load_adapter(other, path)
    with pytest.raises(FileNotFoundError, match="adapter_config.json"):
        load_adapter(other, tmp_path)


def test_fingerprint_is_the_same_wrapped_or_not():
    base = load_sequence_classifier(default_text_model_path(), 2)
    fp = base_fingerprint(base)
    wrapped = apply_lora(base, LoraArgs(r=2), task_type="SEQ_CLS")
    del wrapped.workbench_base_fingerprint
    assert base_fingerprint(wrapped) == fp


def test_compare_adapters(tmp_path):
    x = torch.randint(100, 2000, (2, 8))
    paths = {}
    for i in range(2):
        torch.manual_seed(i)
        paths[f"a{i}"] = save_adapter(_trained_bert(2), tmp_path / f"a{i}", base_model_id="m")

    def evaluate(model):
        return {"mean_logit": float(model(input_ids=x).logits.mean())}

    results = compare_adapters(lambda: load_sequence_classifier(default_text_model_path(), 2), paths, evaluate)
    assert set(results) == {"base", "a0", "a1"} and results["a0"] != results["a1"]
