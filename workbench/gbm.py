"""Saving and loading fitted LightGBM models without pickle: one helper pair for every use case.

A run stores a LightGBM baseline beside its adapter when that baseline may be served (see
:mod:`workbench.serving`). LightGBM's own text model format is readable and loading it runs no
code, unlike a pickle, which is why the workbench never pickles a model. Each model is one text
file; a small JSON file beside them holds the estimator's settings, so the loaded model is rebuilt
with the same parameters and predicts exactly as the fitted one did.

Usage::

    save_boosters(folder, {"lightgbm_rul.txt": model.booster_}, "lightgbm_rul.json", {"tail": 30})
    meta, boosters = load_boosters(folder, ["lightgbm_rul.txt"], "lightgbm_rul.json", what="LightGBM RUL model")
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping


def booster_of(model: Any):
    """The ``lightgbm.Booster`` behind a fitted scikit-learn style LightGBM estimator (or the booster itself).

    Raises:
        RuntimeError: ``model`` is neither (e.g. the scikit-learn fallback without LightGBM).
    """
    booster = getattr(model, "booster_", model)
    if not hasattr(booster, "model_to_string"):
        raise RuntimeError(f"{type(model).__name__} is not a fitted LightGBM model; only those can be saved")
    return booster


def save_boosters(path: str | Path, models: Mapping[str, Any], meta_file: str, meta: Mapping[str, Any]) -> Path:
    """Write each model as LightGBM's text model under its file name, then the settings as ``meta_file``.

    The settings are written last, each file atomically: a folder whose ``meta_file`` exists holds
    a complete set of models (a crash part way leaves no settings file, and loading says so).

    Args:
        path: Folder (created if missing); may be a run's adapter folder.
        models: File name -> fitted LightGBM estimator or booster.
        meta_file: Name of the JSON settings file.
        meta: JSON-serialisable settings needed to rebuild the estimator.

    Returns:
        The folder.
    """
    from workbench.io import atomic_write_json, atomic_write_text

    path = Path(path)
    path.mkdir(parents=True, exist_ok=True)
    # Overwriting an older save: drop its settings first, so old settings never sit beside new trees.
    (path / meta_file).unlink(missing_ok=True)
    for name, model in models.items():
        atomic_write_text(path / name, booster_of(model).model_to_string())
    atomic_write_json(path / meta_file, dict(meta))
    return path


def load_boosters(path: str | Path, names: Iterable[str] | Callable[[dict], Iterable[str]], meta_file: str, *,
                  what: str) -> tuple[dict, list]:
    """Read models written by :func:`save_boosters`.

    Args:
        path: The folder.
        names: Model file names, in the order the boosters are returned; or a function of the
            settings that gives them (when the settings say how many models there are).
        meta_file: Name of the JSON settings file.
        what: What the folder should hold, for the error message (e.g. "LightGBM RUL model").

    Returns:
        ``(settings, boosters)``.

    Raises:
        FileNotFoundError: The settings file or any model file is missing; the message names them.
    """
    import lightgbm as lgb

    path = Path(path)
    if not (path / meta_file).is_file():
        raise FileNotFoundError(f"{path} holds no {what} ({meta_file} missing)")
    meta = json.loads((path / meta_file).read_text(encoding="utf-8"))
    names = list(names(meta) if callable(names) else names)
    lost = [n for n in names if not (path / n).is_file()]
    if lost:
        raise FileNotFoundError(f"{path} holds an incomplete {what}: {', '.join(lost)} missing")
    return meta, [lgb.Booster(model_str=(path / n).read_text(encoding="utf-8")) for n in names]
