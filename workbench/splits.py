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

It also keeps what an adapter has seen (:func:`write_seen_texts`, :func:`read_seen_texts`,
:func:`select_unseen_texts`): hashes of its training, validation and test texts, so that
``workbench evaluate`` skips (or refuses) evaluation rows the adapter was trained on.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence, TypeVar

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


# --------------------------------------------------------------------------------------------
# Seen texts: what an adapter trained on, so evaluation can skip it (shared by the text use cases)
# --------------------------------------------------------------------------------------------
SEEN_FILE = "seen_texts.json"
"""File in an adapter folder with the hashes of the texts it was trained, validated and tested on."""


def text_hash(text: str) -> str:
    """Short sha256 of a whitespace-stripped text (64 bits: collisions are negligible for clause sets)."""
    return hashlib.sha256(str(text).strip().encode("utf-8")).hexdigest()[:16]


def write_seen_texts(adapter_dir: str | Path, texts: Iterable[str], test_texts: Iterable[str] = (), **record) -> Path:
    """Record the hashes of the texts an adapter was trained and validated on, its test texts and split.

    Only hashes are stored, never the texts (an adapter folder may be passed on; the data may not).

    Args:
        adapter_dir: The adapter folder.
        texts: Training and validation texts.
        test_texts: The test texts of the run (evaluating the training file again scores exactly these).
        **record: What else to store, e.g. ``split="random split, seed 0"``, ``data_fingerprint``.
    """
    from workbench.io import atomic_write_json

    path = Path(adapter_dir) / SEEN_FILE
    atomic_write_json(path, {**record, "hash": "sha256[:16] of the stripped text",
                             "texts": sorted({text_hash(t) for t in texts}),
                             "test_texts": sorted({text_hash(t) for t in test_texts})})
    return path


def read_seen_texts(adapter_dir: str | Path) -> dict | None:
    """The adapter's ``seen_texts.json``, or ``None`` for adapters saved without it."""
    path = Path(adapter_dir) / SEEN_FILE
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None


def select_unseen_texts(texts: Sequence[str], seen: dict | None, fingerprint: str | None = None, *,
                        unit: str = "rows", source: str = "the file") -> tuple[list[int], int, str]:
    """Which of ``texts`` an evaluation may score: those the adapter did not train or validate on.

    Args:
        texts: One text per row (or sentence) of the evaluation data.
        seen: The adapter's :func:`read_seen_texts` record (``None``: every row is scored).
        fingerprint: The evaluation file's fingerprint; when it is the training data's
            (``seen["data_fingerprint"]``), exactly the run's test rows are scored.
        unit: What a text is, a plural ending in "s" (``rows``, ``sentences``), for the description.
        source: The file's name, for the messages.

    Returns:
        ``(indices to score, number of training/validation texts found, description)``.

    Raises:
        SplitError: Every text was used to train or validate the adapter (the message names the count).
    """
    one = unit[:-1]  # "rows" -> "row"
    if seen is None:
        return list(range(len(texts))), 0, f"every {one} (the adapter records no training texts)"
    hashes = [text_hash(t) for t in texts]
    split = seen.get("split")
    if fingerprint is not None and fingerprint == seen.get("data_fingerprint") and seen.get("test_texts"):
        test = set(seen["test_texts"])
        keep = [i for i, h in enumerate(hashes) if h in test]
        return keep, len(texts) - len(keep), (f"test {unit} of the recorded split ({split}): "
                                              f"{len(keep)} of {len(texts)} {unit}")
    train = set(seen.get("texts", []))
    keep = [i for i, h in enumerate(hashes) if h not in train]
    n_seen = len(texts) - len(keep)
    if texts and not keep:
        raise SplitError(f"{source}: all {n_seen} {unit} were used to train or validate this adapter ({split}); "
                         "scoring them would overstate its quality. Evaluate on held-out data")
    if n_seen:
        return keep, n_seen, (f"{len(keep)} of {len(texts)} {unit} scored; {n_seen} {unit} of {source} were used to "
                              f"train or validate this adapter ({split}) and are skipped")
    return keep, 0, f"every {one} ({len(keep)}): none was used in training"
