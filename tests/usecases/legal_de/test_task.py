"""Tests of tokenisation, dynamic padding, length grouping, the Task and the metrics."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from workbench.usecases.legal_de.task import (PadCollator, SequenceClassificationTask, TokenizedText,
                                              classification_metrics, make_loader, predict_logits)


@pytest.fixture(scope="module")
def tokenizer():
    from workbench.models import default_text_model_path, load_tokenizer

    return load_tokenizer(default_text_model_path())


@pytest.fixture(scope="module")
def tiny_model():
    """A randomly initialised 1-layer BERT classifier (the task logic, not the weights, is tested)."""
    from transformers import BertConfig, BertForSequenceClassification

    torch.manual_seed(0)
    cfg = BertConfig(vocab_size=30522, hidden_size=32, num_hidden_layers=1, num_attention_heads=2,
                     intermediate_size=64, num_labels=3)
    return BertForSequenceClassification(cfg).eval()


TEXTS = ["Kurz.", "Gerichtsstand ist München.", "Die Haftung ist auf Vorsatz und grobe Fahrlässigkeit beschränkt.",
         "Der Vertrag kann mit einer Frist von drei Monaten zum Quartalsende gekündigt werden, erstmals zum 31.12."]


def test_tokenized_text_truncates_and_keeps_labels(tokenizer):
    ds = TokenizedText(TEXTS, [0, 1, 2, 0], tokenizer, max_length=8)
    assert len(ds) == 4 and max(ds.lengths) == 8 and ds.lengths[0] < 8
    assert ds[1]["labels"] == 1 and ds[1]["input_ids"][0] == tokenizer.cls_token_id
    with pytest.raises(ValueError, match="4 texts but 3 labels"):
        TokenizedText(TEXTS, [0, 1, 2], tokenizer)


def test_pad_collator_pads_to_longest_in_batch():
    batch = PadCollator(pad_token_id=0)([{"input_ids": [5, 6, 7], "labels": 1}, {"input_ids": [8], "labels": 0}])
    assert batch["input_ids"].tolist() == [[5, 6, 7], [8, 0, 0]]
    assert batch["attention_mask"].tolist() == [[1, 1, 1], [1, 0, 0]]
    assert batch["labels"].tolist() == [1, 0]
    assert "labels" not in PadCollator(0)([{"input_ids": [1]}])


def test_length_grouped_loader_pads_less_and_is_seeded(tokenizer):
    rng = np.random.default_rng(0)
    texts = [" ".join(["Wort"] * int(n)) for n in rng.integers(2, 60, size=256)]
    labels = [0] * len(texts)

    def padded_positions(loader):
        return sum(int((1 - b["attention_mask"]).sum()) for b in loader)

    grouped = make_loader(texts, labels, tokenizer, batch_size=16, shuffle=True, group_by_length=True, seed=1)
    plain = make_loader(texts, labels, tokenizer, batch_size=16, shuffle=True, group_by_length=False, seed=1)
    assert padded_positions(grouped) < 0.3 * padded_positions(plain)
    again = make_loader(texts, labels, tokenizer, batch_size=16, shuffle=True, group_by_length=True, seed=1)
    first = [b["input_ids"].shape for b in grouped]
    assert first == [b["input_ids"].shape for b in again]
    assert sum(s[0] for s in first) == 256  # every item exactly once


def test_task_step_and_epoch_metrics(tiny_model, tokenizer):
    task = SequenceClassificationTask(num_labels=3)
    assert (task.monitor, task.monitor_mode) == ("val_macro_f1", "max")
    loader = make_loader(TEXTS, [0, 1, 2, 0], tokenizer, batch_size=4)
    out = task.step(tiny_model, next(iter(loader)))
    assert out.loss.ndim == 0 and out.loss.item() > 0 and out.preds.shape == (4,)
    weighted = SequenceClassificationTask(3, class_weights=[1.0, 0.0, 0.0]).step(tiny_model, next(iter(loader)))
    assert not torch.isclose(weighted.loss, out.loss)
    m = task.epoch_metrics(torch.tensor([0, 1, 1, 2]), torch.tensor([0, 1, 2, 2]))
    assert m["accuracy"] == pytest.approx(0.75)
    assert m["macro_f1"] == pytest.approx((1 + 2 / 3 + 2 / 3) / 3)


def test_predict_logits_restores_input_order(tiny_model, tokenizer):
    logits = predict_logits(tiny_model, TEXTS, tokenizer, batch_size=2)
    assert logits.shape == (4, 3)
    for i, text in enumerate(TEXTS):  # one at a time: no padding, no reordering
        single = predict_logits(tiny_model, [text], tokenizer, batch_size=1)
        np.testing.assert_allclose(logits[i], single[0], atol=1e-5)


def test_classification_metrics_match_scikit_learn():
    from sklearn.metrics import accuracy_score, confusion_matrix, f1_score

    rng = np.random.default_rng(3)
    labels = ["Haftung", "Kündigung", "Laufzeit", "Vergütung"]
    y = list(rng.choice(labels[:3], 50))
    p = list(rng.choice(labels, 50))
    m = classification_metrics(y, p, labels)
    assert m["accuracy"] == pytest.approx(accuracy_score(y, p))
    assert m["macro_f1"] == pytest.approx(f1_score(y, p, labels=labels, average="macro"))
    assert m["confusion_matrix"] == confusion_matrix(y, p, labels=labels).tolist()
    with pytest.raises(ValueError, match="not in the label list"):
        classification_metrics(["a"], ["b"], ["a"])
