"""Training: ONE Lightning module that takes a task object, and the Trainer underneath.

A use case never subclasses a trainer. It writes a small *task* object that knows how to turn
a batch into a loss (and predictions), and how to score a validation epoch; the
:class:`WorkbenchModule` does the rest (optimiser, schedule, logging), and :func:`fit` sets up
Lightning: accelerator and precision, checkpoints, resume, early stopping, progress bar, CSV
logs. Lightning strategies (``ddp``, ``fsdp``, ``ddp_notebook``...) pass straight through.

Read as a chain of named steps (litgpt's habit)::

    result = fit(model, task, train_loader, val_loader, cfg.train, run_dir)
    # setup_trainer -> (resume from last.ckpt) -> trainer.fit -> restore best weights -> history

Reproducible resume: the sampler and the dropout RNG are re-seeded from ``(seed, epoch)`` at
every epoch start, so a run that is killed and resumed from its last epoch checkpoint ends with
the same weights as an uninterrupted run with the same seed (up to float rounding).
"""

from __future__ import annotations

import math
import os
import resource
import time
import warnings
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any, Iterator, Protocol, Sequence, runtime_checkable

import lightning as L
import pandas as pd
import torch
from torch.utils.data import DataLoader, Dataset, Sampler

from workbench.config import TrainArgs
from workbench.progress import bar_renders_in_place, emit
# Split out to keep this file readable; re-exported so `from workbench.training import ...` keeps working.
from workbench.training_callbacks import (EpochProgress, heartbeat_seconds, keep_earlier_logs, make_logger,
                                          progress_bar_callback, quiet_lightning, read_history, run_folder_lock,
                                          time_budget_left)
from workbench.training_speed import (compile_model, decide_compile, lora_inputs_under_autocast,  # noqa: F401
                                      repeated_blocks, use_fused_adamw)

_lora_inputs_under_autocast = lora_inputs_under_autocast  # old private name, imported by a benchmark


# ----------------------------------------------------------------------------- task contract
@dataclass
class StepOutput:
    """What a task returns for one batch."""

    loss: torch.Tensor
    """Scalar loss to minimise."""
    preds: torch.Tensor | None = None
    """Predictions (logits, values, quantiles...) collected for ``epoch_metrics``; on CPU is fine."""
    target: torch.Tensor | None = None
    """Targets matching ``preds``."""


@runtime_checkable
class Task(Protocol):
    """What a use case gives the training loop.

    Attributes:
        monitor: Logged metric that selects the best checkpoint, e.g. ``"val_loss"``.
        monitor_mode: ``"min"`` or ``"max"``.
    """

    monitor: str
    monitor_mode: str

    def step(self, model: torch.nn.Module, batch: Any) -> StepOutput:
        """Compute the loss (and optionally predictions and targets) of one batch."""
        ...

    def epoch_metrics(self, preds: torch.Tensor, target: torch.Tensor) -> dict[str, float]:
        """Score one validation epoch from the concatenated predictions and targets."""
        ...


# ----------------------------------------------------------------------------- sampling
class SeededSampler(Sampler[int]):
    """Shuffling sampler whose order depends only on ``(seed, epoch)``, optionally length-grouped.

    Length grouping follows Hugging Face's ``LengthGroupedSampler``: shuffle, cut into
    mega-batches of ``50 * batch_size``, sort each by length (longest first), so consecutive
    batches hold texts of similar length and dynamic padding pads little. Unlike HF, the sort key
    is the length times a random factor in ``[1 - jitter, 1 + jitter]`` drawn each epoch, so that
    small data sets do not get the same batches every epoch. Lightning calls
    :meth:`set_epoch` at every epoch start (also through its distributed wrapper).

    Args:
        n: Number of samples.
        seed: Base seed.
        lengths: Per-sample lengths for grouping, or ``None`` for plain shuffling.
        batch_size: Batch size the grouping is made for.
        shuffle: ``False`` keeps the original order (validation).
        jitter: Relative random change of each length before grouping (0: sort by exact length).
    """

    def __init__(self, n: int, seed: int = 0, lengths: Sequence[int] | None = None, batch_size: int = 16,
                 shuffle: bool = True, jitter: float = 0.2):
        self.n, self.seed, self.batch_size, self.shuffle, self.jitter = n, seed, batch_size, shuffle, jitter
        self.lengths = None if lengths is None else torch.as_tensor(list(lengths))
        if self.lengths is not None and len(self.lengths) != n:
            raise ValueError(f"lengths has {len(self.lengths)} entries for {n} samples")
        self.epoch = 0

    def set_epoch(self, epoch: int) -> None:
        """Select the permutation of ``epoch``."""
        self.epoch = epoch

    @staticmethod
    def _world() -> tuple[int, int]:
        # Read at iteration time: the sampler is built before Lightning starts the processes.
        if torch.distributed.is_available() and torch.distributed.is_initialized():
            return torch.distributed.get_rank(), torch.distributed.get_world_size()
        return 0, 1

    def __len__(self) -> int:
        rank, world = self._world()
        if world == 1:
            return self.n
        return math.ceil(self.n / world) if self.shuffle else len(range(rank, self.n, world))

    def __iter__(self) -> Iterator[int]:
        rank, world = self._world()
        if world > 1:
            # Rank-aware sharding keeps length grouping under DDP (Lightning's wrapper would
            # reshuffle the indices); neighbours in the grouped order go to different ranks,
            # so each rank still sees batches of similar lengths.
            order = list(self._order())
            if self.shuffle:  # pad so every rank runs the same number of steps
                order += order[: (-len(order)) % world]
            return iter(order[rank::world])
        return self._order()

    def _order(self) -> Iterator[int]:
        if not self.shuffle:
            return iter(range(self.n))
        gen = torch.Generator().manual_seed(self.seed * 100_003 + self.epoch)
        order = torch.randperm(self.n, generator=gen)
        if self.lengths is None:
            return iter(order.tolist())
        mega = 50 * self.batch_size
        # Sort by a jittered length: a clause of 80 tokens may share a batch with ones of about
        # 64-96 tokens, drawn anew each epoch. Sorting by the exact length made nearly the same
        # batches every epoch whenever the data fit in one mega-batch (n <= 50 * batch_size),
        # and cost held-out accuracy on 400 German clauses (benchmarks/bench_training_cpu.py,
        # seeds 2 and 3, 80 test clauses): exact sort 0.556, this jitter 0.625, no grouping 0.675,
        # HF Trainer 0.594; padding efficiency 0.98 / 0.88 / 0.66 / 0.66.
        noise = 1.0 + self.jitter * (2.0 * torch.rand(self.n, generator=gen) - 1.0)
        keys = self.lengths.double() * noise.double()
        out: list[int] = []
        for start in range(0, self.n, mega):
            chunk = order[start:start + mega]
            chunk = chunk[torch.argsort(keys[chunk], descending=True, stable=True)]
            out.extend(chunk.tolist())
        # Shuffle whole batches so that the longest batches are not always first.
        batches = [out[i:i + self.batch_size] for i in range(0, len(out), self.batch_size)]
        perm = torch.randperm(len(batches), generator=gen).tolist()
        return iter([i for b in perm for i in batches[b]])


def make_loader(dataset: Dataset, batch_size: int, collate_fn: Any = None, *, shuffle: bool = True,
                seed: int = 0, lengths: Sequence[int] | None = None, num_workers: int = 0) -> DataLoader:
    """Build a DataLoader with a :class:`SeededSampler` (reproducible across resumes)."""
    sampler = SeededSampler(len(dataset), seed=seed, lengths=lengths, batch_size=batch_size, shuffle=shuffle)
    return DataLoader(dataset, batch_size=batch_size, sampler=sampler, collate_fn=collate_fn,
                      num_workers=num_workers, persistent_workers=num_workers > 0)


# ----------------------------------------------------------------------------- the module
def _batch_size(batch: Any) -> int:
    if isinstance(batch, dict):
        batch = next(iter(batch.values()))
    if isinstance(batch, (list, tuple)):
        batch = batch[0]
    return int(batch.shape[0]) if hasattr(batch, "shape") else len(batch)


class WorkbenchModule(L.LightningModule):
    """The one LightningModule: a model, a task, AdamW with warm-up and cosine decay.

    Args:
        model: Any torch module (typically a peft model); only parameters with
            ``requires_grad`` are optimised.
        task: The use case's :class:`Task`.
        args: Training settings.
        total_steps: Optimiser steps of the whole run, for the schedule.
    """

    def __init__(self, model: torch.nn.Module, task: Task, args: TrainArgs, total_steps: int):
        super().__init__()
        self.model, self.task, self.args = model, task, args
        self.total_steps = max(1, total_steps)
        # Checkpoints hold only trainable weights and buffers (see on_save_checkpoint); the
        # frozen base is loaded from its own files, so loading must not demand every key.
        self.strict_loading = False
        self._val_preds: list[torch.Tensor] = []
        self._val_targets: list[torch.Tensor] = []
        self._val_losses: list[tuple[float, int]] = []
        self.seed = 0
        self.samples_seen = 0
        self.train_seconds = 0.0
        self._t0 = 0.0

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        return self.model(*args, **kwargs)

    def on_train_batch_start(self, batch: Any, batch_idx: int) -> None:
        # Dropout masks depend only on (seed, step), so a resumed run draws the same masks as an
        # uninterrupted one (Lightning does not restore the global RNG state).
        torch.manual_seed(self.seed * 1_000_003 + self.global_step * 31 + batch_idx)
        self._t0 = time.perf_counter()

    def training_step(self, batch: Any, batch_idx: int) -> torch.Tensor:
        out = self.task.step(self.model, batch)
        n = _batch_size(batch)
        # sync_dist: under DDP the epoch loss (the monitor without validation) covers all ranks.
        self.log("train_loss", out.loss.detach().float(), on_step=True, on_epoch=True, prog_bar=True, batch_size=n,
                 sync_dist=True)
        self.samples_seen += n
        return out.loss

    def on_train_batch_end(self, outputs: Any, batch: Any, batch_idx: int) -> None:
        self.train_seconds += time.perf_counter() - self._t0

    def validation_step(self, batch: Any, batch_idx: int) -> None:
        out = self.task.step(self.model, batch)
        n = _batch_size(batch)
        self._val_losses.append((float(out.loss.detach().float()), n))
        if out.preds is not None and out.target is not None:
            self._val_preds.append(out.preds.detach().float().cpu())
            self._val_targets.append(out.target.detach().cpu())

    def on_validation_epoch_end(self) -> None:
        if self._val_losses:
            total = sum(n for _, n in self._val_losses)
            self.log("val_loss", sum(l * n for l, n in self._val_losses) / total, prog_bar=True, sync_dist=True)
        if self._val_preds:
            metrics = self.task.epoch_metrics(torch.cat(self._val_preds), torch.cat(self._val_targets))
            for key, value in metrics.items():
                name = key if key.startswith("val_") else f"val_{key}"
                self.log(name, float(value), prog_bar=name == self.task.monitor, sync_dist=True)
        self._val_preds, self._val_targets, self._val_losses = [], [], []

    def configure_optimizers(self) -> Any:
        params = [p for p in self.model.parameters() if p.requires_grad]
        if not params:
            raise ValueError("the model has no trainable parameters: apply LoRA or unfreeze a head first")
        opt = torch.optim.AdamW(params, lr=self.args.lr, weight_decay=self.args.weight_decay,
                                fused=use_fused_adamw(params, self.args) or None)
        warmup = int(self.args.warmup_ratio * self.total_steps)

        def schedule(step: int) -> float:
            if step < warmup:
                return (step + 1) / (warmup + 1)
            progress = (step - warmup) / max(1, self.total_steps - warmup)
            return max(0.0, 0.5 * (1.0 + math.cos(math.pi * min(1.0, progress))))

        sched = torch.optim.lr_scheduler.LambdaLR(opt, schedule)
        return {"optimizer": opt, "lr_scheduler": {"scheduler": sched, "interval": "step"}}

    def on_save_checkpoint(self, checkpoint: dict) -> None:
        # Keep trainable weights and all buffers (BatchNorm statistics!), drop the frozen base:
        # a MiniLM checkpoint shrinks from ~90 MB to well under 1 MB.
        keep = checkpoint_tensors(self.model)
        checkpoint["state_dict"] = {k: v for k, v in checkpoint["state_dict"].items() if k in keep}


# ----------------------------------------------------------------------------- setup helpers
def resolve_accelerator(accelerator: str = "auto") -> str:
    """Return ``"cuda"``, ``"mps"`` or ``"cpu"`` for ``auto``; other values pass through."""
    if accelerator != "auto":
        return "cuda" if accelerator == "gpu" else accelerator
    if torch.cuda.is_available():
        return "cuda"
    if getattr(torch.backends, "mps", None) and torch.backends.mps.is_available():
        return "mps"
    return "cpu"


def resolve_precision(precision: str = "auto", accelerator: str = "auto") -> str:
    """Choose the Lightning precision.

    ``auto`` gives ``bf16-mixed`` on a CUDA GPU with bf16 support (Ampere and newer),
    ``16-mixed`` on older GPUs, and ``32-true`` on CPU and MPS (bf16 autocast on CPU can be
    faster on CPUs with AVX-512 BF16, but it changes results; it is an explicit choice).
    """
    if precision != "auto":
        return precision
    if resolve_accelerator(accelerator) == "cuda":
        return "bf16-mixed" if torch.cuda.is_bf16_supported() else "16-mixed"
    return "32-true"


@dataclass
class FitResult:
    """What :func:`fit` returns."""

    history: pd.DataFrame
    """Logged metrics, one row per epoch (train_loss_epoch, val_loss, val_<metric>...)."""
    best_checkpoint: str | None
    """Path of the best checkpoint by the task's monitor (``None`` without validation)."""
    last_checkpoint: str | None
    """Path of ``last.ckpt``."""
    seconds: float
    """Wall time of ``trainer.fit``."""
    train_seconds: float
    """Time spent in training steps only (for throughput)."""
    samples: int
    """Training samples processed."""
    peak_memory_mb: float
    """Peak accelerator memory (CUDA) or peak resident memory of the process (CPU)."""
    precision: str
    accelerator: str
    resumed_from: str | None = None
    epochs: int = 0
    extra: dict = field(default_factory=dict)

    @property
    def samples_per_s(self) -> float:
        """Training throughput in samples per second."""
        return self.samples / self.train_seconds if self.train_seconds else 0.0


def _peak_memory_mb(accelerator: str) -> float:
    if accelerator == "cuda" and torch.cuda.is_available():
        return torch.cuda.max_memory_allocated() / 2**20
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB


def check_strategy(strategy: str, accelerator: str) -> None:
    """Refuse a strategy the accelerator cannot run, before any process group is started.

    FSDP needs CUDA here: Lightning 2.6's ``FSDPStrategy`` raises "requires a GPU accelerator"
    for ``accelerator="cpu"`` (its accelerator connector checks the strategy name), so a CPU run
    would fail only after the launch, on every rank. torch itself can shard on CPU (FSDP2's
    ``fully_shard`` with gloo trained the same LoRA weights in 2 processes as in one, max
    difference 3e-8; docs/scaling.md), but only through Lightning's experimental
    ``ModelParallelStrategy``, which the workbench does not wire up. On CPU, ``ddp`` trains the
    same adapter: what FSDP shards is the frozen base, which matters on GPUs too small for it.

    Raises:
        ValueError: ``strategy`` is an FSDP strategy and ``accelerator`` is not ``cuda``.
    """
    if str(strategy).startswith("fsdp") and accelerator != "cuda":
        raise ValueError(f"train.strategy={strategy} needs a CUDA GPU (Lightning's FSDPStrategy supports no "
                         f"'{accelerator}' accelerator); on {accelerator} use train.strategy=ddp, which trains the "
                         "same adapter (see docs/scaling.md)")


def prepare_model(model: torch.nn.Module, args: TrainArgs) -> torch.nn.Module:
    """Apply the model-level switches: train mode and gradient checkpointing."""
    model.train()  # from_pretrained returns eval mode; Lightning keeps it (STACK_NOTES)
    if args.gradient_checkpointing:
        target = model
        if hasattr(model, "get_base_model"):
            target = model.get_base_model()
        if not hasattr(target, "gradient_checkpointing_enable"):
            raise ValueError("train.gradient_checkpointing needs a Hugging Face model")
        target.gradient_checkpointing_enable(gradient_checkpointing_kwargs={"use_reentrant": False})
        if hasattr(model, "enable_input_require_grads"):
            model.enable_input_require_grads()
    return model


def fit(model: torch.nn.Module, task: Task, train_loader: DataLoader, val_loader: DataLoader | None,
        args: TrainArgs, run_dir: str | os.PathLike, *, resume: bool = True, seed: int = 42,
        callbacks: Sequence[Any] = (), epoch_lines: bool = True) -> FitResult:
    """Train ``model`` on ``task`` with Lightning and return the history and checkpoints.

    Args:
        model: Model to train (a peft model or any module with some trainable parameters).
        task: The use case's task object.
        train_loader: Training batches (use :func:`make_loader` for reproducible resume).
        val_loader: Validation batches, or ``None``.
        args: Training settings.
        run_dir: The run directory: ``checkpoints/`` and ``metrics.csv`` go there.
        resume: Continue from ``run_dir/checkpoints/last.ckpt`` if it exists.
        seed: Seed for ``seed_everything`` and the per-epoch re-seeding.
        callbacks: Extra Lightning callbacks (e.g. a live plot in a notebook).
        epoch_lines: Print one :class:`EpochProgress` line per epoch to stderr (loss, monitored
            metric, elapsed, time left). ``WORKBENCH_QUIET=1`` silences them as well.

    Returns:
        A :class:`FitResult`. The model ends with the weights of the best validation epoch.
    """
    from lightning.pytorch.callbacks import EarlyStopping, ModelCheckpoint

    run_dir = Path(run_dir)
    run_dir.mkdir(parents=True, exist_ok=True)
    L.seed_everything(seed, workers=True, verbose=False)
    accelerator = resolve_accelerator(args.accelerator)
    precision = resolve_precision(args.precision, args.accelerator)
    if accelerator == "cuda":
        torch.backends.cuda.matmul.allow_tf32 = True  # TF32 matmuls on Ampere+: free speed for fp32 parts
        torch.backends.cudnn.allow_tf32 = True
        torch.cuda.reset_peak_memory_stats()
    check_strategy(args.strategy, accelerator)
    prepare_model(model, args)

    monitor = task.monitor if val_loader is not None else "train_loss_epoch"
    mode = task.monitor_mode if val_loader is not None else "min"
    ckpt = ModelCheckpoint(dirpath=str(run_dir / "checkpoints"), filename="best", monitor=monitor, mode=mode,
                           save_top_k=1, save_last=True, every_n_train_steps=args.checkpoint_every_n_steps,
                           enable_version_counter=False)
    cbs: list[Any] = [ckpt, *callbacks]
    # A step-wise bar only where it redraws in place (notebook, terminal): in a CI log each
    # refresh is a new line, and the epoch lines (with a line a minute within long epochs) report
    # progress there.
    show_bar = args.progress_bar and bar_renders_in_place()
    if epoch_lines:
        cbs.append(EpochProgress(monitor if val_loader is not None else None, mode,
                                 heartbeat_s=None if show_bar else heartbeat_seconds()))
    if show_bar:
        cbs.append(progress_bar_callback())
    if args.early_stopping_patience and val_loader is not None:
        cbs.append(EarlyStopping(monitor=monitor, mode=mode, patience=args.early_stopping_patience))

    own_sampler = isinstance(getattr(train_loader, "sampler", None), SeededSampler)
    with quiet_lightning():
        trainer = _make_trainer(accelerator, precision, args, cbs, run_dir, use_distributed_sampler=not own_sampler,
                                progress_bar=show_bar)
    # Steps per epoch on each rank: the loader is sharded across world_size processes.
    batches = math.ceil(len(train_loader) / max(1, trainer.world_size))
    if args.limit_train_batches is not None:
        lim = args.limit_train_batches
        batches = min(batches, int(lim)) if isinstance(lim, int) else max(1, int(batches * lim))
    steps_per_epoch = max(1, math.ceil(batches / args.grad_accum))
    total = args.max_steps if args.max_steps > 0 else steps_per_epoch * args.max_epochs
    module = WorkbenchModule(model, task, args, total_steps=total)
    module.seed = seed
    use_compile, compile_reason = decide_compile(args.compile, accelerator, total)
    if use_compile:
        compile_model(model)
    if use_compile:  # the reason for "off" is in FitResult.extra["compile"]; a CPU run stays quiet
        emit(f"torch.compile on: {compile_reason}")
    # One training at a time in a run folder (checkpoints, metrics.csv): a second one on this
    # machine stops here with a clear error, before it moves or reads anything of the first.
    with run_folder_lock(run_dir):
        last = run_dir / "checkpoints" / "last.ckpt"
        ckpt_path = str(last) if resume and last.is_file() else None
        if ckpt_path and (mismatch := checkpoint_mismatch(module, last)):
            # A checkpoint of another model (a changed LoRA rank, another base, a newer workbench) cannot
            # be resumed; Lightning would stop with an optimizer error. Start fresh, keep the old one.
            ckpt_path = None
            if trainer.is_global_zero:
                kept = set_checkpoints_aside(run_dir)
                emit(f"not resuming from {last}: it belongs to another model ({mismatch}); training starts "
                     f"fresh, and the old checkpoints are kept in {kept}")
        if ckpt_path:
            keep_earlier_logs(run_dir)
        t0 = time.perf_counter()
        with warnings.catch_warnings(), quiet_lightning():
            # Tiny CPU runs trigger Lightning's advice on workers and log intervals: noise for users.
            warnings.filterwarnings("ignore", message=r".*(num_workers|log_every_n_steps|does not have many workers).*")
            # Resuming reuses the run directory on purpose (earlier logs were moved aside).
            warnings.filterwarnings("ignore", message=r".*exists and is not empty.*")
            warnings.filterwarnings("ignore", message=r".*have no `val_dataloader`.*")
            with lora_inputs_under_autocast(model, precision):
                _fit_interruptibly(trainer, module, train_loader, val_loader, ckpt_path)
        seconds = time.perf_counter() - t0
        budget_left = time_budget_left(trainer)
        budget = None if budget_left is None else {"minutes": args.max_minutes, "reached": budget_left <= 0}

        best = ckpt.best_model_path or None
        if best and Path(best).is_file():
            restore_checkpoint(module, best)
    if accelerator == "cuda" and trainer.world_size == 1:
        # Lightning's teardown moves the model to the CPU. Evaluation in the same notebook would
        # then run there, slowly; keep it on the GPU it trained on, as users expect.
        model.to(trainer.strategy.root_device)
    model.eval()
    if trainer.is_global_zero:
        _audit_train(run_dir, args, precision, accelerator, seconds, ckpt_path, trainer.current_epoch,
                     compiled=use_compile)
    return FitResult(
        history=read_history(run_dir) if trainer.is_global_zero else pd.DataFrame(),
        best_checkpoint=best, last_checkpoint=str(last) if last.is_file() else None, seconds=seconds,
        train_seconds=module.train_seconds, samples=module.samples_seen,
        peak_memory_mb=_peak_memory_mb(accelerator), precision=precision, accelerator=accelerator,
        resumed_from=ckpt_path, epochs=trainer.current_epoch, extra={"is_global_zero": trainer.is_global_zero,
               "compile": {"setting": args.compile, "used": use_compile, "reason": compile_reason},
               "time_budget": budget},
    )


def _audit_train(run_dir: Path, args: TrainArgs, precision: str, accelerator: str, seconds: float,
                 resumed_from: str | None, epochs: int, compiled: bool = False) -> None:
    try:
        from workbench.governance.audit import record_event
    except ImportError:
        return
    import dataclasses

    record_event("train", config=dataclasses.asdict(args), run_dir=str(run_dir), precision=precision,
                 accelerator=accelerator, seconds=round(seconds, 2), resumed_from=resumed_from, epochs=epochs,
                 compiled=compiled)


def _fit_interruptibly(trainer: L.Trainer, module: WorkbenchModule, train_loader: Any, val_loader: Any,
                       ckpt_path: str | None) -> None:
    """Run ``trainer.fit`` so that an interrupt stays an interrupt.

    On Ctrl+C (or Jupyter's "interrupt kernel") Lightning 2.6 ignores SIGINT from then on and
    calls ``sys.exit(1)``: in a notebook that leaves a kernel that can no longer be interrupted.
    We restore the handler and turn the exit back into a ``KeyboardInterrupt``; the last
    checkpoint stays, and the next ``fit`` with ``resume=True`` continues from it.
    """
    import signal
    import threading

    main_thread = threading.current_thread() is threading.main_thread()
    handler = signal.getsignal(signal.SIGINT) if main_thread else None
    try:
        trainer.fit(module, train_dataloaders=train_loader, val_dataloaders=val_loader, ckpt_path=ckpt_path,
                    weights_only=True)
    except SystemExit:
        if trainer.interrupted:
            raise KeyboardInterrupt("training interrupted; fit(..., resume=True) continues from the "
                                    "last checkpoint") from None
        raise
    finally:
        if main_thread and handler is not None:
            signal.signal(signal.SIGINT, handler)


def _make_trainer(accelerator: str, precision: str, args: TrainArgs, callbacks: list, run_dir: Path,
                  use_distributed_sampler: bool = True, progress_bar: bool | None = None) -> L.Trainer:
    """Build the Lightning Trainer from the resolved settings (strategies pass straight through)."""
    return L.Trainer(
        accelerator="gpu" if accelerator == "cuda" else accelerator, devices=args.devices, strategy=args.strategy,
        num_nodes=args.num_nodes, precision=precision, max_epochs=args.max_epochs, max_steps=args.max_steps,
        accumulate_grad_batches=args.grad_accum, gradient_clip_val=args.grad_clip,
        limit_train_batches=args.limit_train_batches, callbacks=callbacks, logger=make_logger(args, run_dir),
        enable_progress_bar=args.progress_bar if progress_bar is None else progress_bar, enable_model_summary=False, log_every_n_steps=1,
        default_root_dir=str(run_dir), num_sanity_val_steps=0, use_distributed_sampler=use_distributed_sampler,
        max_time=timedelta(minutes=args.max_minutes) if args.max_minutes else None,
    )


def checkpoint_tensors(model: torch.nn.Module) -> dict[str, torch.Tensor]:
    """What a workbench checkpoint holds, by its key: the trainable weights and all buffers."""
    own = {f"model.{n}": p for n, p in model.named_parameters() if p.requires_grad}
    return own | {f"model.{n}": b for n, b in model.named_buffers()}


def checkpoint_mismatch(module: WorkbenchModule, path: str | os.PathLike) -> str | None:
    """Why the checkpoint at ``path`` cannot be resumed into ``module``, or ``None`` if it can.

    A workbench checkpoint holds the trainable weights and the buffers (see
    ``WorkbenchModule.on_save_checkpoint``): the same names with the same shapes must come back.
    """
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)["state_dict"]
    except Exception as exc:  # a truncated or foreign file: not resumable either
        return f"unreadable: {type(exc).__name__}: {exc}"[:200]
    own = checkpoint_tensors(module.model)
    missing, extra = sorted(set(own) - set(state)), sorted(set(state) - set(own))
    shapes = sorted(k for k in set(own) & set(state) if tuple(own[k].shape) != tuple(state[k].shape))
    if not (missing or extra or shapes):
        return None
    example = (missing or extra or shapes)[0]
    return f"{len(missing)} weights missing, {len(extra)} unexpected, {len(shapes)} of another shape, e.g. {example}"


def set_checkpoints_aside(run_dir: str | os.PathLike) -> Path:
    """Rename ``run_dir/checkpoints`` to ``checkpoints.stale-<n>`` (nothing is deleted) and return it."""
    src = Path(run_dir) / "checkpoints"
    n = 1
    while (dst := src.with_name(f"checkpoints.stale-{n}")).exists():
        n += 1
    os.replace(src, dst)
    return dst


def restore_checkpoint(module: WorkbenchModule, path: str | os.PathLike) -> None:
    """Load the trainable weights and buffers of a workbench checkpoint (``weights_only=True``)."""
    state = torch.load(path, map_location="cpu", weights_only=True)["state_dict"]
    missing_trainable = [k for k, p in module.named_parameters() if p.requires_grad and k not in state]
    if missing_trainable:
        raise ValueError(f"checkpoint {path} lacks trainable weights such as {missing_trainable[0]}: "
                         "it belongs to another model or LoRA configuration")
    module.load_state_dict(state, strict=False)
