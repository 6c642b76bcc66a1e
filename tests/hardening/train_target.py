"""A tiny training run used by the kill-and-resume test (run as a script, or imported).

``python train_target.py RUN_DIR EPOCHS KILL_SEED MAX_DELAY_S``: trains, logging an audit event
each epoch; with KILL_SEED >= 0 the process sends SIGKILL to itself at a random training step
after the first checkpoint (no cleanup, no exit handlers: like the OOM killer). MAX_DELAY_S is
kept for compatibility and unused.
"""

from __future__ import annotations

import os
import random
import signal
import sys
from pathlib import Path

import lightning as L
import torch
from torch import nn
from torch.utils.data import TensorDataset

from workbench.config import LoraArgs, TrainArgs
from workbench.lora import apply_lora
from workbench.training import StepOutput, fit, make_loader


class Classify:
    monitor, monitor_mode = "val_acc", "max"

    def step(self, model, batch):
        x, y = batch
        logits = model(x)
        return StepOutput(nn.functional.cross_entropy(logits, y), logits, y)

    def epoch_metrics(self, preds, target):
        return {"acc": (preds.argmax(-1) == target).float().mean().item()}


class AuditEachEpoch(L.Callback):
    """Writes to the audit log all the time, so that the kill can land inside a write."""

    def on_train_epoch_end(self, trainer, module):
        from workbench.governance.audit import record_event

        record_event("train.epoch", run="kill-test", epoch=trainer.current_epoch)


def data(n: int = 384, seed: int = 0) -> TensorDataset:
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n, 8, generator=g)
    return TensorDataset(x, ((x[:, 0] + x[:, 1] > 0).long() + (x[:, 2] > 1).long()).clamp(max=2))


def model() -> nn.Module:
    torch.manual_seed(1)
    base = nn.Sequential(nn.Linear(8, 32), nn.ReLU(), nn.Dropout(0.2), nn.Linear(32, 3))
    return apply_lora(base, LoraArgs(r=4, target_modules=["0"], modules_to_save=["3"]))


def run(run_dir: str | os.PathLike, epochs: int, callbacks=()):
    net = model()
    result = fit(net, Classify(), make_loader(data(), 32, seed=3), make_loader(data(128, seed=5), 64, shuffle=False),
                 TrainArgs(max_epochs=epochs, batch_size=32, lr=1e-2, progress_bar=False), run_dir,
                 callbacks=[AuditEachEpoch(), *callbacks])
    return net, result


class KillAtStep(L.Callback):
    """SIGKILL this process at the start of a random training step after the first checkpoint.

    A step count rather than a wall-clock delay: on a fast machine a delay can outlast the run.
    """

    def __init__(self, step: int):
        self.step = step

    def on_train_batch_start(self, trainer, module, batch, batch_idx):
        if trainer.global_step >= self.step:
            os.kill(os.getpid(), signal.SIGKILL)


if __name__ == "__main__":
    run_dir, epochs, kill_seed, max_delay = Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
    callbacks = []
    if kill_seed >= 0:
        steps_per_epoch = 384 // 32  # data() rows / batch size
        kill_step = random.Random(kill_seed).randint(steps_per_epoch + 1, epochs * steps_per_epoch - 1)
        callbacks.append(KillAtStep(kill_step))
    run(run_dir, epochs, callbacks)
    print("FINISHED")
