"""The user's own split: a ``split`` column in the file, or separate train/val/test files.

Official benchmark splits, time-based splits and "these customers are held out" splits are the
user's decision, not the workbench's. Every use case therefore takes, in this order:

1. separate files (``--train FILE [--val FILE] [--test FILE]``, ``data.train/val/test``), used as given;
2. a ``split`` column (``data.split_column``) in the one data file, values ``train``, ``val``,
   ``test`` (also ``validation``, ``valid``, ``dev``, ``training``, ``holdout``, ``eval``, any
   case), used as given;
3. otherwise the use case's own split (stratified, by engine, by series and time), seeded.

The run records which (:func:`record`), in its results and its model card, so a reader can tell
a score on the user's held-out rows from a score on a random split.

Usage::

    from workbench.splits import column_split, file_split, record
    parts = file_split(config.data, read) or column_split(frame, config.data.split_column, source=path)
    info = record("files", {k: len(v) for k, v in parts.items()}, unit="rows")
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable, TypeVar

SPLIT_NAMES = ("train", "val", "test")
ALIASES = {"train": "train", "training": "train", "val": "val", "validation": "val", "valid": "val",
           "dev": "val", "test": "test", "holdout": "test", "eval": "test"}
"""Accepted values of a split column (case-insensitive, surrounding spaces ignored)."""

T = TypeVar("T")


class SplitError(ValueError):
    """A split column or split files that cannot be used as given (the message names file, column and row)."""


def normalise(values: Any, *, column: str = "split", source: str = "<data>") -> Any:
    """Map a split column's values to ``train``/``val``/``test``.

    Args:
        values: A pandas Series (or anything ``pd.Series`` accepts).
        column: The column's name, for the error message.
        source: The file, for the error message.

    Raises:
        SplitError: Names the file, the column, the first bad data row (1-based) and the expected values.
    """
    import pandas as pd

    values = pd.Series(values).reset_index(drop=True)
    clean = values.fillna("").astype(str).str.strip().str.lower()
    mapped = clean.map(ALIASES)
    bad = mapped.isna()
    if bad.any():
        first = int(bad[bad].index[0])
        raise SplitError(f"{source}: column {column!r} has the value {str(values.iloc[first])!r} at data row "
                         f"{first + 1} ({int(bad.sum())} rows in all); expected train, val or test (or rename "
                         "the column if it is not a split)")
    return mapped


def column_split(frame: Any, column: str = "split", *, source: str = "<data>",
                 require: tuple[str, ...] = ("train",)) -> dict[str, Any] | None:
    """Split a frame by its split column, used as given.

    Args:
        frame: A pandas DataFrame.
        column: The split column.
        source: The file, for error messages.
        require: Parts that must have at least one row.

    Returns:
        ``None`` when the column is absent, else ``{"train": df, "val": df, "test": df}`` (only the
        parts that have rows), each without the split column and with a fresh index.

    Raises:
        SplitError: Unknown values, or a required part without rows.
    """
    if column not in frame.columns:
        return None
    parts_of = normalise(frame[column], column=column, source=source).to_numpy()
    parts = {}
    for name in SPLIT_NAMES:
        rows = frame[parts_of == name].drop(columns=[column]).reset_index(drop=True)
        if len(rows):
            parts[name] = rows
    missing = [r for r in require if r not in parts]
    if missing:
        counts = {k: len(v) for k, v in parts.items()}
        raise SplitError(f"{source}: the split column {column!r} has no {' or '.join(missing)} rows (found "
                         f"{counts}); give {' and '.join(require)} rows, or drop the column to let the "
                         "workbench split")
    return parts


def file_split(data: Any, read: Callable[[str], T]) -> dict[str, T] | None:
    """Read separate train/val/test files (``data.train``, ``data.val``, ``data.test``) with ``read``.

    Returns:
        ``None`` when ``data.train`` is not set, else ``{"train": ..., "val": ..., "test": ...}``
        with only the files given.

    Raises:
        FileNotFoundError: A given file does not exist (named, with the option that gave it).
    """
    if not getattr(data, "train", None):
        return None
    out = {}
    for name in SPLIT_NAMES:
        path = getattr(data, name, None)
        if not path:
            continue
        if not Path(path).is_file():
            raise FileNotFoundError(f"--{name} file not found: {path}")
        out[name] = read(str(path))
    return out


def record(source: str, sizes: dict[str, int], unit: str = "rows", *, files: dict[str, str] | None = None,
           detail: str = "") -> dict:
    """What a run writes about its split: where it came from and how big each part is.

    Args:
        source: ``"files"`` (separate files), ``"column"`` (the file's split column) or
            ``"generated"`` (the workbench's own split; ``detail`` says how).
        sizes: Rows (or engines, series, sentences) per part.
        unit: What ``sizes`` counts.
        files: The files of a ``"files"`` split.
        detail: A human-readable description (e.g. ``"stratified, seed 0"``).
    """
    if source not in ("files", "column", "generated"):
        raise ValueError(f"split source must be files, column or generated, got {source!r}")
    out = {"source": source, "sizes": {k: int(v) for k, v in sizes.items()}, "unit": unit}
    if files:
        out["files"] = {k: str(v) for k, v in files.items()}
    if detail:
        out["detail"] = detail
    return out


def describe(split: dict) -> str:
    """One line for logs and reports, e.g. ``"your files: train 700, val 80, test 180 rows"``."""
    head = {"files": "your files", "column": "your split column", "generated": "workbench split"}[split["source"]]
    sizes = ", ".join(f"{k} {v:,}" for k, v in split["sizes"].items())
    extra = f" ({split['detail']})" if split.get("detail") else ""
    return f"{head}{extra}: {sizes} {split.get('unit', 'rows')}"
