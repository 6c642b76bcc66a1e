"""A tiny training run used by the kill-and-resume test (run as a script, or imported).

``python train_target.py RUN_DIR EPOCHS KILL_SEED MAX_DELAY_S``: trains, logging an audit event
each epoch; with KILL_SEED >= 0 a thread waits for the first ``last.ckpt`` and then, after a
random delay, sends SIGKILL to its own process (no cleanup, no exit handlers: like the OOM killer).
"""

from __future__ import annotations

import os
import random
import signal
import sys
import threading
import time
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


def run(run_dir: str | os.PathLike, epochs: int):
    net = model()
    result = fit(net, Classify(), make_loader(data(), 32, seed=3), make_loader(data(128, seed=5), 64, shuffle=False),
                 TrainArgs(max_epochs=epochs, batch_size=32, lr=1e-2, progress_bar=False), run_dir,
                 callbacks=[AuditEachEpoch()])
    return net, result


def _killer(run_dir: Path, seed: int, max_delay: float) -> None:
    last = run_dir / "checkpoints" / "last.ckpt"
    while not last.exists():
        time.sleep(0.01)
    time.sleep(random.Random(seed).uniform(0.0, max_delay))
    os.kill(os.getpid(), signal.SIGKILL)


if __name__ == "__main__":
    run_dir, epochs, kill_seed, max_delay = Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
    if kill_seed >= 0:
        threading.Thread(target=_killer, args=(run_dir, kill_seed, max_delay), daemon=True).start()
    run(run_dir, epochs)
    print("FINISHED")
