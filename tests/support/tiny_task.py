"""Tiny tasks that several tests train: a classifier (8 features, 3 classes, an MLP with LoRA) and
next-token prediction for causal LMs (:class:`NextToken`).

``tests/support`` is on pytest's ``pythonpath`` (``pyproject.toml``), so a test imports it by
name; a script that a test starts as a subprocess puts the folder on ``sys.path`` itself (see
``tests/hardening/train_target.py``)::

    from tiny_task import Classify, data, model
    fit(model(), Classify(), make_loader(data(), 32, seed=3), make_loader(data(128, seed=5), 64), ...)
"""

from __future__ import annotations

import torch
from torch import nn
from torch.utils.data import TensorDataset

from workbench.config import LoraArgs
from workbench.lora import apply_lora
from workbench.training import StepOutput


class Classify:
    """Cross-entropy on ``(x, y)`` batches; accuracy each epoch, the validation accuracy monitored."""

    monitor, monitor_mode = "val_acc", "max"

    def step(self, model, batch):
        x, y = batch
        logits = model(x)
        return StepOutput(nn.functional.cross_entropy(logits, y), logits, y)

    def epoch_metrics(self, preds, target):
        return {"acc": (preds.argmax(-1) == target).float().mean().item()}


def data(n: int = 384, seed: int = 0) -> TensorDataset:
    """``n`` rows of 8 Gaussian features and 3 classes from a simple rule (learnt in a few epochs)."""
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n, 8, generator=g)
    return TensorDataset(x, ((x[:, 0] + x[:, 1] > 0).long() + (x[:, 2] > 1).long()).clamp(max=2))


def base() -> nn.Module:
    """The MLP 8 -> 32 -> 3 (with dropout), seeded: the same weights on every call."""
    torch.manual_seed(1)
    return nn.Sequential(nn.Linear(8, 32), nn.ReLU(), nn.Dropout(0.2), nn.Linear(32, 3))


def model() -> nn.Module:
    """:func:`base` with LoRA on the first layer and the output layer trained in full."""
    return apply_lora(base(), LoraArgs(r=4, target_modules=["0"], modules_to_save=["3"]))


class NextToken:
    """Next-token loss of a causal LM on ``{"input_ids": ...}`` batches (labels = inputs; HF shifts)."""

    monitor, monitor_mode = "val_loss", "min"

    def step(self, model, batch):
        return StepOutput(loss=model(input_ids=batch["input_ids"], labels=batch["input_ids"]).loss)

    def epoch_metrics(self, preds, target):
        return {}
