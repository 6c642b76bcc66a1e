"""Kept runs of the resumable benchmarks (``--keep DIR``): written atomically, read back by their key.

A long sweep (``bench_fleets``, ``bench_supply_loss_weighting``) writes each finished run to a small
JSON file and a later call reads it back instead of running it again. What decides whether a kept
run may stand in for a new one is the run's *resolved* config, not the overrides that produced it:
a kept ``default:`` run must not be read back after the default itself changed.
"""

from __future__ import annotations

import json
from pathlib import Path


def run_key(cfg, *, drop: dict[str, tuple[str, ...]] | None = None, **extra) -> dict:
    """The key of one run: its resolved config, its seed and ``extra`` (scale, smoke ...).

    Args:
        cfg: The :class:`workbench.config.RunConfig` the run is started with.
        drop: Fields left out, per section (``{"task": ("train_file",)}``): where the files lie does not
            change a run's numbers, so a kept folder still reads back after it moved. The ``run`` section
            (output folder, run name, resume) is always left out, except its seed.
        **extra: Further settings that are not in the config.

    Returns:
        A plain dict, as JSON reads it back (tuples become lists), so a kept key compares equal.
    """
    resolved = cfg.to_dict()
    run = resolved.pop("run", {})
    for section, names in (drop or {}).items():
        for name in names:
            resolved.get(section, {}).pop(name, None)
    return json.loads(json.dumps({"config": resolved, "seed": run.get("seed"), **extra}))


def read_kept(path: Path, key: dict) -> dict | None:
    """The payload of a kept run when it ran with exactly ``key``; else None (also for a torn file)."""
    try:
        done = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return done.get("row") if isinstance(done, dict) and done.get("key") == key else None


def write_kept(path: Path, key: dict, row: dict, **about) -> None:
    """Keep one finished run atomically (``about``: what a reader may want, such as the overrides)."""
    from workbench.io import atomic_write_json

    atomic_write_json(Path(path), {"key": key, **about, "row": row})
