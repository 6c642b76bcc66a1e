"""Task objects for :func:`workbench.training.fit`: RUL regression and failure classification.

A task turns a batch ``(x, y)`` of windows into a loss and predictions; the core's one
LightningModule does the rest. Batches come from :func:`window_loader` (a seeded loader over
numpy windows).

Usage::

    task = RULTask(rul_cap=125)
    fit(model, task, window_loader(Xtr, ytr, 256), window_loader(Xva, yva, 512, shuffle=False), args, run_dir)
"""

from __future__ import annotations

import numpy as np
import torch
from torch.utils.data import TensorDataset

from workbench.training import StepOutput, make_loader
from workbench.usecases.maintenance.evaluation import failure_metrics, rmse


def window_loader(X: np.ndarray, y: np.ndarray, batch_size: int, *, shuffle: bool = True, seed: int = 0,
                  classification: bool = False):
    """A reproducible DataLoader over windows ``X`` ``(n, window, channels)`` and targets ``y``."""
    ds = TensorDataset(torch.as_tensor(X, dtype=torch.float32),
                       torch.as_tensor(y, dtype=torch.long if classification else torch.float32))
    return make_loader(ds, batch_size, shuffle=shuffle, seed=seed)


class RULTask:
    """Regression of capped RUL with MSE on the target scaled to ~[0, 1].

    Scaling by ``rul_cap`` keeps the loss near 1 at the start, so one learning rate fits all
    fleets; predictions are reported in cycles.

    Args:
        rul_cap: Target cap (also the scale).
    """

    monitor = "val_rmse"
    monitor_mode = "min"

    def __init__(self, rul_cap: int = 125):
        self.rul_cap = float(rul_cap)

    def step(self, model: torch.nn.Module, batch) -> StepOutput:
        x, y = batch  # x: (B, window, C), y: (B,) cycles
        out = model(past_values=x).regression_outputs.squeeze(-1)  # (B,) scaled
        loss = torch.nn.functional.mse_loss(out, y / self.rul_cap)
        return StepOutput(loss=loss, preds=out.detach() * self.rul_cap, target=y)

    def epoch_metrics(self, preds: torch.Tensor, target: torch.Tensor) -> dict[str, float]:
        return {"val_rmse": rmse(target.numpy(), preds.numpy())}


class FailureTask:
    """Binary failure classification with class-weighted cross-entropy.

    Failures are rare (3.4 % in AI4I); weighting the failure class by ``pos_weight`` keeps the
    model from predicting "no failure" everywhere.

    Args:
        pos_weight: Weight of the failure class (e.g. negatives / positives, capped).
    """

    monitor = "val_pr_auc"
    monitor_mode = "max"

    def __init__(self, pos_weight: float = 1.0):
        self.pos_weight = float(pos_weight)

    def step(self, model: torch.nn.Module, batch) -> StepOutput:
        x, y = batch
        logits = model(past_values=x).prediction_logits  # (B, 2)
        weight = torch.tensor([1.0, self.pos_weight], dtype=logits.dtype, device=logits.device)
        loss = torch.nn.functional.cross_entropy(logits, y, weight=weight)
        return StepOutput(loss=loss, preds=torch.softmax(logits.detach(), -1)[:, 1], target=y)

    def epoch_metrics(self, preds: torch.Tensor, target: torch.Tensor) -> dict[str, float]:
        m = failure_metrics(target.numpy(), preds.numpy())
        return {"val_pr_auc": 0.0 if np.isnan(m["pr_auc"]) else m["pr_auc"], "val_f1": m["f1"]}
