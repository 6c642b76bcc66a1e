"""Progress for long steps: one line when a stage starts and one when it ends, with elapsed time.

Every step of the workbench that can take more than a few seconds (loading data, pretraining a
base model, fitting a baseline, training an adapter, scoring) runs inside :func:`stage`, so the
CLI, ``workbench demo`` and a notebook cell never sit silent::

    from workbench.progress import stage
    with stage("LightGBM baseline"):
        fit_lightgbm(...)

prints to stderr (a notebook shows stderr under the cell)::

    [workbench] LightGBM baseline …
    [workbench] LightGBM baseline: done in 12.4 s

Nested stages are indented. Nothing is printed per training step (no newline spam): training
reports one line per epoch through its own callback, and where no bar is shown a line at most every
``WORKBENCH_PROGRESS_EVERY`` seconds (default 60) within a long epoch. ``WORKBENCH_QUIET=1``
silences all of it.
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
import time
from typing import Iterator

_LOCAL = threading.local()


def format_seconds(seconds: float) -> str:
    """``4.2 s``, ``3 min 05 s`` or ``1 h 02 min``: short enough for a progress line."""
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, secs = divmod(int(round(seconds)), 60)
    if minutes < 60:
        return f"{minutes} min {secs:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


def quiet() -> bool:
    """True when ``WORKBENCH_QUIET=1``: progress lines are switched off (tests of exact output)."""
    return os.environ.get("WORKBENCH_QUIET") == "1"


def emit(message: str) -> None:
    """Print one progress line to stderr, flushed at once (a notebook shows it while the cell runs)."""
    if quiet():
        return
    indent = "  " * getattr(_LOCAL, "depth", 0)
    print(f"[workbench] {indent}{message}", file=sys.stderr, flush=True)


@contextlib.contextmanager
def stage(name: str) -> Iterator[None]:
    """Announce a stage, run the block, then report its elapsed time (or that it failed).

    Args:
        name: What the stage does, as a user would say it ("pretraining the base model").

    Yields:
        Nothing; the block runs inside the stage.
    """
    emit(f"{name} …")
    start = time.perf_counter()
    _LOCAL.depth = getattr(_LOCAL, "depth", 0) + 1
    try:
        yield
    except BaseException:
        _LOCAL.depth -= 1
        emit(f"{name}: failed after {format_seconds(time.perf_counter() - start)}")
        raise
    _LOCAL.depth -= 1
    emit(f"{name}: done in {format_seconds(time.perf_counter() - start)}")


def in_notebook() -> bool:
    """True inside a Jupyter kernel (where tqdm draws one widget bar that updates in place)."""
    shell = getattr(sys.modules.get("IPython"), "get_ipython", lambda: None)()
    if shell is None:
        return False
    return type(shell).__name__ == "ZMQInteractiveShell" or "IPKernelApp" in getattr(shell, "config", {})


def bar_renders_in_place() -> bool:
    """Whether a step-wise progress bar shows as ONE bar here: a notebook or a terminal.

    Lightning's bar writes to stdout. In a CI log, a file or a pipe (``workbench ... | tail -1``)
    tqdm cannot move the cursor back, so every refresh becomes a new line: thousands of lines
    per epoch, mixed into the JSON result line. There the one-line-per-epoch report of
    :class:`workbench.training.EpochProgress` (stderr) is all the progress a reader needs.
    """
    if in_notebook():
        return True
    isatty = getattr(sys.stdout, "isatty", None)
    return bool(isatty and isatty())
