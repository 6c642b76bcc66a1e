"""The core text classifier (workbench.text_classification): pooling, head, LoRA targets."""

from __future__ import annotations

import pytest
import torch
from transformers import BertConfig, BertModel

from workbench.text_classification import MeanPoolingClassifier, encoder_targets, mean_pool


def _tiny(num_labels: int = 3) -> MeanPoolingClassifier:
    torch.manual_seed(0)
    cfg = BertConfig(vocab_size=50, hidden_size=16, num_hidden_layers=2, num_attention_heads=2, intermediate_size=32)
    return MeanPoolingClassifier(BertModel(cfg), num_labels).eval()


def test_mean_pool_ignores_padding():
    hidden = torch.tensor([[[1.0, 1.0], [3.0, 3.0], [100.0, 100.0]]])
    assert torch.allclose(mean_pool(hidden, torch.tensor([[1, 1, 0]])), torch.tensor([[2.0, 2.0]]))


def test_forward_gives_logits_and_padding_does_not_change_them():
    model = _tiny()
    ids = torch.tensor([[5, 6, 7, 0, 0]])
    out = model(input_ids=ids, attention_mask=torch.tensor([[1, 1, 1, 0, 0]]))
    short = model(input_ids=ids[:, :3], attention_mask=torch.ones(1, 3, dtype=torch.long))
    assert out.logits.shape == (1, 3)
    assert torch.allclose(out.logits, short.logits, atol=1e-5)
    pooled = model.pooled(ids[:, :3])
    assert torch.allclose(pooled.norm(dim=-1), torch.ones(1))


def test_encoder_targets_are_the_encoders_linear_layers_only():
    targets = encoder_targets(_tiny())
    assert len(targets) == 2 * 6  # q, k, v, attention output, two feed-forward layers per block
    assert all(t.startswith("encoder.") and ".pooler." not in t for t in targets)
    assert "classifier" not in targets


def test_legal_de_keeps_importing_the_same_class():
    from workbench.usecases.legal_de import model

    assert model.MeanPoolingClassifier is MeanPoolingClassifier


def test_head_dropout_zero_gives_equal_train_and_eval_outputs():
    torch.manual_seed(0)
    cfg = BertConfig(vocab_size=50, hidden_size=16, num_hidden_layers=1, num_attention_heads=2, intermediate_size=32,
                     hidden_dropout_prob=0.0, attention_probs_dropout_prob=0.0)  # only the head's dropout varies
    ids = torch.tensor([[5, 6, 7, 8], [9, 10, 11, 0]])
    mask = torch.tensor([[1, 1, 1, 1], [1, 1, 1, 0]])
    off = MeanPoolingClassifier(BertModel(cfg), 3, dropout=0.0)
    on = MeanPoolingClassifier(BertModel(cfg), 3, dropout=0.5)
    on.load_state_dict(off.state_dict())
    eval_logits = off.eval()(input_ids=ids, attention_mask=mask).logits
    torch.testing.assert_close(off.train()(input_ids=ids, attention_mask=mask).logits, eval_logits, rtol=0, atol=0)
    torch.testing.assert_close(on.eval()(input_ids=ids, attention_mask=mask).logits, eval_logits, rtol=0, atol=0)
    torch.manual_seed(1)
    assert not torch.equal(on.train()(input_ids=ids, attention_mask=mask).logits, eval_logits)  # 0.5 does drop
    with pytest.raises(ValueError, match=r"dropout must be in \[0, 1\)"):
        MeanPoolingClassifier(BertModel(cfg), 3, dropout=1.0)
