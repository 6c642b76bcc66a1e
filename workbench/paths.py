"""Where the workbench keeps its state on disk.

Everything lives under one home directory so that an administrator can back it up or wipe it
in one place: ``$WORKBENCH_HOME`` or, when unset, ``~/.ki-werkbank``.

    models/    cached base models the workbench pretrained itself (time-series "made in the factory")
    audit/     the append-only, hash-chained audit log
    registry/  the local adapter registry

Usage::

    from workbench.paths import models_cache_dir
    target = models_cache_dir() / "maintenance-base-1a2b3c"
"""

from __future__ import annotations

import os
from pathlib import Path

ENV_HOME = "WORKBENCH_HOME"


def home() -> Path:
    """Return the workbench home directory (created on first use).

    Returns:
        ``$WORKBENCH_HOME`` if set, else ``~/.ki-werkbank``.
    """
    raw = os.environ.get(ENV_HOME)
    path = Path(raw).expanduser() if raw else Path.home() / ".ki-werkbank"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _sub(name: str) -> Path:
    path = home() / name
    path.mkdir(parents=True, exist_ok=True)
    return path


def models_cache_dir() -> Path:
    """Directory for base models the workbench pretrained and cached itself."""
    return _sub("models")


def audit_dir() -> Path:
    """Directory of the append-only audit log."""
    return _sub("audit")


def registry_dir() -> Path:
    """Directory of the local adapter registry."""
    return _sub("registry")
