"""Which model an adapter folder serves: the one its training run recommended on validation data.

A run compares the LoRA adapter with a baseline (and, where it helps, a blend of the two) on its
validation data (:func:`workbench.metrics.recommendation`). Where the recommended model can be
stored beside the adapter (a LightGBM, a CRF, a blend weight), the run writes ``serving.json``
into the adapter folder, and ``workbench evaluate`` / ``predict`` serve that model. A user can
override it with ``task.serve`` (``adapter``, ``baseline`` ...); a choice the folder cannot serve
is a clear error, and a served model other than the recommended one is named in a note.

Folders of older runs have no ``serving.json``: they serve the adapter.

Usage::

    record = serving_record(result["recommendation"], ("adapter", "baseline"),
                            chosen_on="validation sentences (entity micro-F1)")
    atomic_write_json(adapter_dir / SERVING_FILE, record)
    ...
    plan = serving_plan(adapter_dir, config.task.serve,
                        missing=lambda served, record: None if served == "adapter" else "holds no CRF")
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

SERVING_FILE = "serving.json"
"""File in an adapter folder that names the model ``evaluate``/``predict`` serve, and why."""


def serving_record(recommendation: Mapping[str, Any] | None, stored: Iterable[str], *, chosen_on: str,
                   **extra: Any) -> dict[str, Any]:
    """What ``serving.json`` holds: the recommended model and the one served.

    Args:
        recommendation: :func:`workbench.metrics.recommendation`'s dict (its ``best``), or None.
        stored: The roles this run stored in its adapter folder. A recommended model that is not
            among them (the frozen base, full fine-tuning) is not served: the adapter is, and the
            record's ``note`` says why.
        chosen_on: What the recommendation was chosen on (data and metric), for the record.
        **extra: Use-case fields stored with it (a blend weight, alarm thresholds ...).

    Returns:
        ``{"recommended", "served", "note", "chosen_on", "servable", **extra}`` (``servable``: the
        roles ``stored``, which ``task.serve`` may name).
    """
    best = (recommendation or {}).get("best")
    stored = list(stored)
    served = best if best in stored else "adapter"
    note = None if served == best else (
        f"the recommended model ({best}) is not stored in the adapter folder: the adapter is served")
    return {"recommended": best, "served": served, "note": note, "chosen_on": chosen_on, "servable": stored, **extra}


def read_serving(adapter_dir: str | Path) -> dict[str, Any]:
    """The folder's ``serving.json``, or ``{}`` (a folder of an older run: it serves the adapter)."""
    f = Path(adapter_dir) / SERVING_FILE
    return json.loads(f.read_text(encoding="utf-8")) if f.is_file() else {}


def adapter_folder(adapter_dir, usecase: str | None = None, needs: Iterable[str] = ()) -> Path:
    """The adapter folder as a path; one clear error when it is missing or is not a ``usecase`` adapter.

    Every use case's ``evaluate``/``predict`` starts here, so a wrong ``--adapter`` reads the same
    everywhere.

    Args:
        adapter_dir: The folder the user gave.
        usecase: The use case whose adapter is expected (named in the error).
        needs: Files a folder of that use case always holds (e.g. ``label_map.json``).

    Raises:
        FileNotFoundError: ``adapter folder not found: <path> ...``, or ``<path> is not a <usecase>
            adapter folder: <files> missing ...``.
    """
    path = Path(adapter_dir)
    if not path.is_dir():
        what = f"a {usecase} run" if usecase else "a run"
        raise FileNotFoundError(f"adapter folder not found: {path} (give the adapter/ folder of {what}, "
                                "e.g. --adapter runs/<name>/adapter)")
    missing = [name for name in needs if not (path / name).is_file()]
    if missing:
        raise FileNotFoundError(f"{path} is not a {usecase or 'workbench'} adapter folder: {', '.join(missing)} missing "
                                "(a run writes them into runs/<name>/adapter)")
    return path


def serving_plan(adapter_dir: str | Path, want: str,
                 missing: Callable[[str, dict], str | None] | None = None) -> dict[str, Any]:
    """Which model to serve from an adapter folder.

    Args:
        adapter_dir: The adapter folder.
        want: ``task.serve``: ``"recommended"`` (what ``serving.json`` names, the adapter where it is
            absent) or a role the user names.
        missing: ``missing(served, record)`` returns what the folder lacks to serve ``served`` (a
            phrase that follows the folder's path, with the way out), or None when it can. A role
            outside the record's ``servable`` list is refused without it.

    Returns:
        ``{"served", "recommended", "note", "record"}``: ``note`` says why the served model differs
        from the recommended one (None when it does not); ``record`` is the whole ``serving.json``.

    Raises:
        FileNotFoundError: The adapter folder does not exist.
        ValueError: The folder cannot serve the chosen model.
    """
    path = adapter_folder(adapter_dir)
    record = read_serving(path)
    served = record.get("served", "adapter") if want == "recommended" else want
    problem = missing(served, record) if missing is not None else None
    if not problem and served != "adapter" and record.get("servable") is not None and served not in record["servable"]:
        problem = (f"cannot serve {served}: the run stored {', '.join(record['servable'])} "
                   "(task.serve names one of those, or recommended)")
    if problem:
        raise ValueError(f"task.serve={want}: {path} {problem}")
    if want == "recommended":
        note = record.get("note")
    else:
        note = None if served == record.get("recommended") else (
            f"task.serve={want} (the run recommended {record.get('recommended') or 'the adapter'})")
    return {"served": served, "recommended": record.get("recommended"), "note": note, "record": record}
