"""Safe file handling: atomic writes, content fingerprints and user-given names.

Why atomic: a notebook kernel can be killed at any moment (OOM, a user pressing "restart"),
and a half-written adapter or registry file is worse than none, because it loads and silently
gives a wrong model. Every artefact is therefore written to a temporary file in the target
directory, flushed to disk, and moved into place with ``os.replace`` (atomic on POSIX).

Usage::

    from workbench.io import atomic_write_json, fingerprint_file, safe_name
    atomic_write_json(run_dir / "results.json", results)
    safe_name("my-adapter")            # ok
    safe_name("../../etc/passwd")      # ValueError
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import os
import re
import shutil
import tempfile
from pathlib import Path
from typing import Any, Iterator

_SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")


class StorageError(OSError):
    """A write failed for a reason the user can act on (read-only directory, full disk)."""


def explain_os_error(exc: OSError, path: Path) -> StorageError:
    """Turn an ``OSError`` of a write into a :class:`StorageError` a user can act on."""
    if exc.errno == errno.ENOSPC:
        msg = f"disk full while writing {path}: free some space; the previous version is untouched"
    elif exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        msg = f"no permission to write {path} (read-only directory?); nothing was changed"
    else:
        msg = f"could not write {path}: {exc.strerror or exc}; nothing was changed"
    err = StorageError(exc.errno or 0, msg)
    err.filename = str(path)
    return err


_explain_os_error = explain_os_error  # old private name, kept for callers


def current_umask() -> int:
    """The process's umask, read without changing it where the OS allows (Linux ``/proc``).

    ``os.umask`` can only be read by setting it; doing that briefly would race with other
    threads creating files, so ``/proc/self/status`` is preferred.
    """
    try:
        with open("/proc/self/status", encoding="ascii") as handle:
            for line in handle:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _final_mode(path: Path, directory: bool = False) -> int:
    """The mode an atomically written file (or directory) should end with.

    ``tempfile.mkstemp`` creates 0600 files and ``mkdtemp`` 0700 directories, whatever the
    umask: right for a temporary file, wrong for a report or an adapter on a shared volume that
    colleagues must open. A new file gets what ``open()`` would give it (0666 minus the
    umask, 0644 under the usual 022), a directory 0777 minus the umask, and a replaced one keeps
    the mode it had.
    """
    try:
        return os.stat(path).st_mode & 0o7777
    except OSError:
        return (0o777 if directory else 0o666) & ~current_umask()


def atomic_write_bytes(path: str | os.PathLike, data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically.

    Args:
        path: Destination file. Its parent directory is created if needed.
        data: The bytes to write.

    Returns:
        The destination path. A new file gets the mode the umask gives any new file (0644
        under umask 022), a replaced file keeps its mode.

    Raises:
        StorageError: The directory is read-only or the disk is full. The old file, if any,
            is left untouched and no temporary file remains.
    """
    path = Path(path)
    tmp_name = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        mode = _final_mode(path)
        fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        with os.fdopen(fd, "wb") as handle:
            os.fchmod(handle.fileno(), mode)
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp_name, path)
        tmp_name = None
    except OSError as exc:
        raise explain_os_error(exc, path) from exc
    finally:
        if tmp_name is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp_name)
    return path


def atomic_write_text(path: str | os.PathLike, text: str) -> Path:
    """Write UTF-8 text atomically (see :func:`atomic_write_bytes`)."""
    return atomic_write_bytes(path, text.encode("utf-8"))


def _json_default(obj: Any) -> Any:
    # numpy scalars and arrays, paths and dataclass-like objects appear in results dicts.
    if hasattr(obj, "tolist"):
        return obj.tolist()
    if isinstance(obj, Path):
        return str(obj)
    if hasattr(obj, "__dataclass_fields__"):
        import dataclasses

        return dataclasses.asdict(obj)
    raise TypeError(f"cannot serialise {type(obj).__name__} to JSON")


def to_json(obj: Any, indent: int | None = 2) -> str:
    """Serialise ``obj`` to JSON, accepting numpy values, paths and dataclasses."""
    return json.dumps(obj, indent=indent, ensure_ascii=False, default=_json_default, allow_nan=True)


def print_json_line(obj: Any) -> None:
    """Print ``obj`` as ONE JSON line on stdout, after anything already printed.

    Every metric-computing command ends with this line, so that scripts can parse the result
    with ``... | tail -1``.
    """
    import sys

    sys.stdout.flush()
    print(to_json(obj, indent=None), flush=True)


def atomic_write_json(path: str | os.PathLike, obj: Any) -> Path:
    """Write ``obj`` as pretty JSON atomically."""
    return atomic_write_text(path, to_json(obj) + "\n")


@contextlib.contextmanager
def atomic_directory(path: str | os.PathLike) -> Iterator[Path]:
    """Build a directory in a temporary sibling and move it into place on success.

    If the body raises, the temporary directory is removed and an existing ``path`` is left
    as it was. The directory gets the umask's mode for a new directory (0755 under 022), or
    keeps the mode of the one it replaces. On success an existing ``path`` is replaced (the old one is moved aside first,
    then deleted, so a crash in between leaves either the old or the new directory).

    Args:
        path: The final directory.

    Yields:
        The temporary directory to write into.
    """
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent))
        os.chmod(tmp, _final_mode(path, directory=True))  # mkdtemp makes 0700: others could not enter
    except OSError as exc:
        raise explain_os_error(exc, path) from exc
    try:
        yield tmp
        old = None
        if path.exists():
            old = path.with_name(f".{path.name}.old-{os.getpid()}")
            os.replace(path, old)
        os.replace(tmp, path)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    except OSError as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        raise explain_os_error(exc, path) from exc
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def fingerprint_bytes(data: bytes) -> str:
    """Return ``"sha256:<hex>"`` of ``data``."""
    return "sha256:" + hashlib.sha256(data).hexdigest()


def fingerprint_file(path: str | os.PathLike) -> str:
    """Return ``"sha256:<hex>"`` of a file's content, or of a directory's files in sorted order.

    Directory fingerprints include the relative file names, so renaming a file changes them.
    """
    path = Path(path)
    digest = hashlib.sha256()
    files = [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.is_file())
    if not path.exists():
        raise FileNotFoundError(f"cannot fingerprint {path}: it does not exist")
    for file in files:
        if path.is_dir():
            digest.update(str(file.relative_to(path)).encode() + b"\0")
        with open(file, "rb") as handle:
            for chunk in iter(lambda: handle.read(1 << 20), b""):
                digest.update(chunk)
    return "sha256:" + digest.hexdigest()


def fingerprint_frame(df: Any) -> str:
    """Return a content fingerprint of a pandas DataFrame (values, column names and order)."""
    import pandas as pd

    digest = hashlib.sha256()
    digest.update("\0".join(map(str, df.columns)).encode())
    digest.update(pd.util.hash_pandas_object(df, index=False).values.tobytes())
    return "sha256:" + digest.hexdigest()


def safe_name(name: str, *, what: str = "name") -> str:
    """Check a user-given name before it becomes part of a path.

    Args:
        name: The name, e.g. an adapter or run name.
        what: What the name is for, used in the error message.

    Returns:
        The name unchanged.

    Raises:
        ValueError: The name is empty, too long, absolute, contains a path separator, ``..``,
            control characters or anything outside ``A-Z a-z 0-9 . _ -``.
    """
    if not isinstance(name, str):
        raise ValueError(f"{what} must be a string, got {type(name).__name__}")
    if not _SAFE_NAME.fullmatch(name) or ".." in name:
        raise ValueError(
            f"invalid {what} {name!r}: use 1-128 characters from A-Z a-z 0-9 . _ -, starting with "
            "a letter or digit, without '..' or path separators"
        )
    return name


def write_run_info(run_dir: str | os.PathLike, config: Any, data_fingerprint: str | None, **extra: Any) -> Path:
    """Write the resolved config and the run's provenance beside its outputs.

    Args:
        run_dir: The run directory.
        config: A :class:`workbench.config.RunConfig` (or anything with ``to_yaml``), or a dict.
        data_fingerprint: Fingerprint of the training data.
        **extra: More fields for ``run_info.json`` (for example base model fingerprint, metrics).

    Returns:
        The path of ``run_info.json``.
    """
    import datetime as _dt
    import platform

    import torch

    from workbench._version import __version__

    run_dir = Path(run_dir)
    if hasattr(config, "to_yaml"):
        config.to_yaml(run_dir / "config.yaml")
    elif config is not None:
        import yaml

        atomic_write_text(run_dir / "config.yaml", yaml.safe_dump(config, sort_keys=False, allow_unicode=True))
    info = {
        "library": "ki-werkbank",
        "version": __version__,
        "written_at": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        "host": platform.node(),
        "python": platform.python_version(),
        "torch": torch.__version__,
        "data_fingerprint": data_fingerprint,
        **extra,
    }
    return atomic_write_json(run_dir / "run_info.json", info)
