"""Which process of a distributed run may write: rank 0 only.

Under ``torchrun`` (or Lightning's own ``ddp`` launcher) every process runs the whole command,
not only ``trainer.fit``: data loading, baselines, evaluation, saving. The training step is
collective, so every rank must reach it; everything that *writes* (the adapter, ``config.yaml``,
``results.json``, the model card, the audit log, the registry) must happen once, on global
rank 0, or a run on two nodes leaves two audit entries and files written twice.

Two tools, used by the ``train`` verb:

* :func:`is_rank_zero` / :func:`rank_zero_only`: guard one write.
* :func:`outputs_on_rank_zero`: run a whole use case's ``run_experiment`` on every rank, with the
  run folder of ranks other than 0 redirected to a scratch folder that is deleted afterwards. The
  use cases need no rank checks of their own, and every rank still takes the same code path
  (baselines, evaluation), so no collective call waits for a rank that skipped it.

``workbench.governance.audit`` has its own environment-only twin of :func:`is_rank_zero`: the
audit log is the lowest layer and imports nothing from here.
"""

from __future__ import annotations

import contextlib
import functools
import os
import shutil
import tempfile
from typing import Any, Callable, Iterator, TypeVar

F = TypeVar("F", bound=Callable[..., Any])


def global_rank() -> int:
    """This process's global rank: ``torch.distributed`` when initialised, else ``$RANK``, else 0.

    ``$LOCAL_RANK`` alone is not the global rank (on the second node it is 0 again); it is used
    only when ``$RANK`` is absent (a launcher that sets just the local rank on one node).
    """
    try:
        import torch.distributed as dist

        if dist.is_available() and dist.is_initialized():
            return int(dist.get_rank())
    except ImportError:  # pragma: no cover - torch is a dependency
        pass
    for var in ("RANK", "LOCAL_RANK"):
        raw = os.environ.get(var)
        if raw not in (None, ""):
            return int(raw)
    return 0


def world_size() -> int:
    """Number of processes of the run (1 outside a distributed launch)."""
    try:
        import torch.distributed as dist

        if dist.is_available() and dist.is_initialized():
            return int(dist.get_world_size())
    except ImportError:  # pragma: no cover
        pass
    return int(os.environ.get("WORLD_SIZE") or 1)


def is_rank_zero() -> bool:
    """True in a single process and on global rank 0 of a distributed run."""
    return global_rank() == 0


def rank_zero_only(fn: F) -> F:
    """Decorator: call ``fn`` on global rank 0 only; other ranks get ``None``."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        return fn(*args, **kwargs) if is_rank_zero() else None

    return wrapper  # type: ignore[return-value]


@contextlib.contextmanager
def outputs_on_rank_zero(config: Any) -> Iterator[Any]:
    """Let only rank 0 write the run folder of ``config`` (a :class:`~workbench.config.RunConfig`).

    On rank 0 (and in a single process) nothing changes. On any other rank,
    ``config.run.output_dir`` points at a fresh scratch folder for the duration, removed at the
    end: that rank computes what rank 0 computes (so collective steps line up), but its files go
    nowhere. Lightning already keeps checkpoints and CSV logs on rank 0 (its checkpoint folder is
    broadcast from rank 0), and the audit log skips other ranks itself.

    Yields:
        ``config`` (changed in place on ranks other than 0; restored afterwards).
    """
    if is_rank_zero():
        yield config
        return
    scratch = tempfile.mkdtemp(prefix=f"workbench-rank{global_rank()}-")
    before = config.run.output_dir
    config.run.output_dir = scratch
    try:
        yield config
    finally:
        config.run.output_dir = before
        shutil.rmtree(scratch, ignore_errors=True)
