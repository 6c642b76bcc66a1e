"""Callbacks, loggers and log files of :func:`workbench.training.fit` (split out of ``training``).

* :class:`EpochProgress`: one line per finished epoch (loss, monitored metric, time left), and
  within long epochs where no bar is shown.
* :func:`make_logger`: CSV (always), TensorBoard or MLflow (when installed) loggers.
* :func:`progress_bar_callback`: the step-wise bar where it redraws in place.
* :func:`read_history`, :func:`keep_earlier_logs`: ``metrics.csv`` across resumed runs.
* :func:`quiet_lightning`: hide Lightning's start-up chatter.
* :func:`run_folder_lock`: one training at a time writes into a run folder.

``workbench.training`` re-exports :class:`EpochProgress`; import from there in user code.
"""

from __future__ import annotations

import contextlib
import json
import logging
import math
import os
import socket
import time
import warnings
from pathlib import Path
from typing import Any, Iterator

import lightning as L
import pandas as pd

from workbench.config import TrainArgs
from workbench.progress import emit, format_seconds, in_notebook

__all__ = ["EpochProgress", "heartbeat_seconds", "make_logger", "progress_bar_callback", "read_history",
           "keep_earlier_logs", "quiet_lightning", "run_folder_lock", "RunFolderInUse", "LOCK_FILE"]


def make_logger(args: TrainArgs, run_dir: Path) -> Any:
    from lightning.pytorch.loggers import CSVLogger

    loggers: list[Any] = []
    if args.logger != "none":
        loggers.append(CSVLogger(save_dir=str(run_dir), name="", version=""))
    if args.logger == "tensorboard":
        try:
            from lightning.pytorch.loggers import TensorBoardLogger

            loggers.append(TensorBoardLogger(save_dir=str(run_dir), name="tensorboard", version=""))
        except ModuleNotFoundError:
            warnings.warn("tensorboard is not installed; logging to CSV only", stacklevel=3)
    if args.logger == "mlflow":
        try:
            from lightning.pytorch.loggers import MLFlowLogger

            # A local file store: the workbench never talks to a remote server unless told.
            loggers.append(MLFlowLogger(tracking_uri=f"file:{run_dir / 'mlruns'}", experiment_name="workbench"))
        except ModuleNotFoundError:
            warnings.warn("mlflow is not installed; logging to CSV only", stacklevel=3)
    return loggers or False


def progress_bar_callback() -> Any:
    # Lightning's TQDM bar uses tqdm.auto when ipywidgets is importable: a widget in Jupyter,
    # a text bar in a terminal. Rich is not used because it floods notebook outputs.
    from lightning.pytorch.callbacks import TQDMProgressBar

    return TQDMProgressBar(refresh_rate=max(1, int(os.environ.get("WORKBENCH_PROGRESS_REFRESH", "1"))))


class EpochProgress(L.Callback):
    """Print ONE line per finished epoch to stderr: loss, the monitored metric, elapsed and left.

    ``fit`` adds it to every run, so a CLI run, ``workbench demo`` and a notebook cell show each
    epoch as it ends (``WORKBENCH_QUIET=1`` silences it, like every :mod:`workbench.progress`
    line)::

        [workbench] epoch 2/4: train_loss 0.5123, val_acc 0.8125 (best 0.8125), 12.4 s elapsed, about 12.4 s left

    The values are read in ``on_train_epoch_end``, which Lightning runs after the epoch's
    validation and after the module logged its epoch metrics, so the line shows this epoch's
    numbers (``on_validation_epoch_end`` of a callback runs *before* the module's and would show
    the previous epoch's).

    Where no step-wise bar redraws in place (a log file, a batch job, ``workbench demo`` into a
    file), a long epoch would print nothing for many minutes. With ``heartbeat_s`` the callback then
    also prints a line within the epoch, at most every ``heartbeat_s`` seconds::

        [workbench] epoch 1/4: batch 16/40 (40 %), 2 min 06 s elapsed, about 3 min 09 s left in this epoch

    Args:
        monitor: The validation metric to show (the task's monitor), or ``None``.
        mode: ``"min"`` or ``"max"``: which end of ``monitor`` is best (for the "best" note).
        heartbeat_s: Seconds between lines within an epoch; ``None`` = none (a bar shows the batches).
    """

    def __init__(self, monitor: str | None = None, mode: str = "min", heartbeat_s: float | None = None):
        self.monitor, self.mode, self.heartbeat_s = monitor, mode, heartbeat_s
        self.lines: list[str] = []
        self._start = 0.0
        self._first_epoch = 0
        self._best: float | None = None
        self._epoch_start = 0.0
        self._last_line = 0.0

    def on_train_start(self, trainer: L.Trainer, module: L.LightningModule) -> None:
        self._start = time.perf_counter()
        self._first_epoch = trainer.current_epoch  # > 0 after a resume: time only this run's epochs
        self._best = None

    def on_train_epoch_start(self, trainer: L.Trainer, module: L.LightningModule) -> None:
        self._epoch_start = self._last_line = time.perf_counter()

    def on_train_batch_end(self, trainer: L.Trainer, module: L.LightningModule, outputs: Any, batch: Any,
                           batch_idx: int) -> None:
        if self.heartbeat_s is None or not trainer.is_global_zero:
            return
        now = time.perf_counter()
        total = trainer.num_training_batches
        done = batch_idx + 1
        if now - self._last_line < self.heartbeat_s or not isinstance(total, int) or done >= total:
            return  # the epoch's own line follows the last batch
        self._last_line = now
        in_epoch = now - self._epoch_start
        line = (f"epoch {trainer.current_epoch + 1}/{self.total_epochs(trainer) or '?'}: batch {done}/{total} "
                f"({100 * done // total} %), {format_seconds(now - self._start)} elapsed, "
                f"about {format_seconds(in_epoch / done * (total - done))} left in this epoch")
        self.lines.append(line)
        emit(line)

    @staticmethod
    def total_epochs(trainer: L.Trainer) -> int | None:
        """Epochs this run will train at most (``max_epochs``, or derived from ``max_steps``)."""
        if trainer.max_epochs is not None and trainer.max_epochs > 0:
            epochs = trainer.max_epochs
        else:
            epochs = None
        if trainer.max_steps and trainer.max_steps > 0:
            per_epoch = trainer.num_training_batches
            if isinstance(per_epoch, int) and per_epoch > 0:
                per_epoch = max(1, math.ceil(per_epoch / max(1, trainer.accumulate_grad_batches)))
                by_steps = math.ceil(trainer.max_steps / per_epoch)
                epochs = by_steps if epochs is None else min(epochs, by_steps)
        return epochs

    def on_train_epoch_end(self, trainer: L.Trainer, module: L.LightningModule) -> None:
        if not trainer.is_global_zero or trainer.sanity_checking:
            return
        metrics = trainer.callback_metrics
        epoch = trainer.current_epoch + 1
        total = self.total_epochs(trainer)
        parts = []
        loss = metrics.get("train_loss_epoch", metrics.get("train_loss"))
        if loss is not None:
            parts.append(f"train_loss {_short(float(loss))}")
        if self.monitor and self.monitor in metrics and self.monitor not in ("train_loss", "train_loss_epoch"):
            value = float(metrics[self.monitor])
            better = self._best is None or (value < self._best if self.mode == "min" else value > self._best)
            self._best = value if better else self._best
            parts.append(f"{self.monitor} {_short(value)} (best {_short(self._best)})")
        elapsed = time.perf_counter() - self._start
        parts.append(f"{format_seconds(elapsed)} elapsed")
        done = epoch - self._first_epoch
        budget_left = time_budget_left(trainer)
        if budget_left is not None and budget_left <= 0:
            parts.append("time budget (train.max_minutes) reached: training stops, the best validation state is kept")
        elif total is not None and done > 0 and epoch < total:
            left = elapsed / done * (total - epoch)
            parts.append(f"about {format_seconds(left if budget_left is None else min(left, budget_left))} left")
        line = f"epoch {epoch}/{total if total is not None else '?'}: " + ", ".join(parts)
        self.lines.append(line)
        if trainer.progress_bar_callback is not None and not in_notebook():
            # A terminal bar sits on the last line without a newline: clear it, print, redraw,
            # instead of appending this line to the bar.
            import sys

            from tqdm import tqdm

            with tqdm.external_write_mode(file=sys.stderr):
                emit(line)
        else:
            emit(line)


def heartbeat_seconds() -> float:
    """Seconds between progress lines within an epoch where no bar is shown (:class:`EpochProgress`):
    ``WORKBENCH_PROGRESS_EVERY`` (default 60)."""
    raw = os.environ.get("WORKBENCH_PROGRESS_EVERY", "60")
    try:
        value = float(raw)
    except ValueError:
        raise ValueError(f"WORKBENCH_PROGRESS_EVERY must be a number of seconds, got {raw!r}") from None
    if value < 0:
        raise ValueError(f"WORKBENCH_PROGRESS_EVERY must be >= 0 seconds, got {raw!r}")
    return value


def time_budget_left(trainer: L.Trainer) -> float | None:
    """Seconds left of the run's time budget (``train.max_minutes``, Lightning's ``Timer``); None without one."""
    from lightning.pytorch.callbacks import Timer

    for cb in trainer.callbacks:
        if isinstance(cb, Timer) and cb._duration is not None:
            return float(cb.time_remaining("train") or 0.0)
    return None


def _short(value: float) -> str:
    """Four significant digits: enough to see a trend, short enough for one line."""
    return f"{value:.4g}"


def read_history(run_dir: Path) -> pd.DataFrame:
    # A resumed run keeps the logs of its earlier parts (see keep_earlier_logs).
    parts = sorted(run_dir.glob("metrics.part*.csv"), key=lambda p: int(p.stem.split("part")[-1]))
    parts += [run_dir / "metrics.csv"] if (run_dir / "metrics.csv").is_file() else []
    if not parts:
        return pd.DataFrame()
    df = pd.concat([pd.read_csv(p) for p in parts], ignore_index=True)
    if "epoch" not in df:
        return df
    cols = [c for c in df.columns if c not in ("step", "train_loss_step")]
    return df[cols].groupby("epoch", as_index=False).last()


def keep_earlier_logs(run_dir: Path) -> None:
    """Lightning's CSV logger starts a new metrics.csv on resume: move the old one aside."""
    current = run_dir / "metrics.csv"
    if current.is_file():
        k = len(list(run_dir.glob("metrics.part*.csv")))
        os.replace(current, run_dir / f"metrics.part{k}.csv")


@contextlib.contextmanager
def quiet_lightning() -> Iterator[None]:
    """Hide Lightning's start-up chatter (GPU/TPU availability, tips) unless WORKBENCH_VERBOSE is set."""
    if os.environ.get("WORKBENCH_VERBOSE"):
        yield
        return
    names = ["lightning.pytorch.utilities.rank_zero", "lightning.fabric.utilities.rank_zero",
             "lightning.pytorch.accelerators.cuda"]
    loggers = [logging.getLogger(n) for n in names]
    levels = [lg.level for lg in loggers]
    for lg in loggers:
        lg.setLevel(logging.WARNING)
    try:
        yield
    finally:
        for lg, level in zip(loggers, levels):
            lg.setLevel(level)


LOCK_FILE = ".training.lock"
"""The file in a run folder that says which process is training into it."""


class RunFolderInUse(ValueError):
    """Another process on this machine is training into the same run folder."""


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: it exists
        return True
    except OSError:
        return False
    return True


def _launcher_process() -> bool:
    """False in the extra processes of a multi-GPU run (their rank-0 launcher holds the lock)."""
    return all(int(os.environ.get(k, "0") or 0) == 0 for k in ("LOCAL_RANK", "NODE_RANK", "GROUP_RANK"))


@contextlib.contextmanager
def run_folder_lock(run_dir: Path) -> Iterator[None]:
    """Refuse a second training into ``run_dir`` while one runs there, on this machine.

    Two trainings into one folder (the same notebook in two tabs, a notebook beside the CLI with
    the same run name) write the same ``checkpoints/`` and ``metrics.csv``: Lightning's CSV logger
    then fails with "dict contains fields not in fieldnames", and each run may resume from the
    other's checkpoint. The lock file records the process and the machine. A lock left by a process
    that no longer runs (a killed kernel) is taken over; a lock from another machine (a multi-node
    run on a shared disk) is not checked, since its process cannot be seen from here.

    Raises:
        RunFolderInUse: A live process on this machine holds the lock (the message names it).
    """
    if not _launcher_process():
        yield
        return
    run_dir = Path(run_dir)
    run_dir.mkdir(parents=True, exist_ok=True)
    path = run_dir / LOCK_FILE
    me = {"pid": os.getpid(), "host": socket.gethostname(),
          "started": time.strftime("%Y-%m-%d %H:%M:%S", time.localtime())}
    try:
        other = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        other = None
    if (isinstance(other, dict) and other.get("host") == me["host"] and other.get("pid") != me["pid"]
            and isinstance(other.get("pid"), int) and _alive(other["pid"])):
        raise RunFolderInUse(
            f"{run_dir}: another training is writing into this run folder (process {other['pid']}, "
            f"started {other.get('started', '?')}); wait for it to end, or give this run another name "
            f"(--name, run.name, run_dir=...). If no training runs there any more, delete {path}")
    from workbench.io import atomic_write_text

    atomic_write_text(path, json.dumps(me))
    try:
        yield
    finally:
        try:
            if json.loads(path.read_text(encoding="utf-8")).get("pid") == me["pid"]:
                path.unlink()
        except (OSError, ValueError):
            pass
