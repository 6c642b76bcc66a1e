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

from workbench.config import TrainArgs
from workbench.training import fit, make_loader

SUPPORT = str(Path(__file__).resolve().parents[1] / "support")
if SUPPORT not in sys.path:  # run as a script; under pytest the folder is on its pythonpath already
    sys.path.insert(0, SUPPORT)
from tiny_task import Classify, data, model  # noqa: E402  (the task, data and model of tests/test_training.py)


class AuditEachEpoch(L.Callback):
    """Writes to the audit log all the time, so that the kill can land inside a write."""

    def on_train_epoch_end(self, trainer, module):
        from workbench.governance.audit import record_event

        record_event("train.epoch", run="kill-test", epoch=trainer.current_epoch)


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
