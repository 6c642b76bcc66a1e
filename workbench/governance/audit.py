"""Append-only, hash-chained audit log: who did what with which data, and when.

A compliance officer asks three questions of a model: what went into it, who trained it and
when, and can you prove it. Every data load, training run, evaluation, adapter save, merge,
export and deletion therefore appends one JSON line to ``<WORKBENCH_HOME>/audit/audit.jsonl``.

Each entry records who (user, host, pid), when (UTC, ISO 8601), what (operation, config,
inputs, outputs, artefacts with SHA-256 fingerprints) and the library version. Entries are
chained: ``hash = sha256(canonical JSON of the entry without hash/hmac)`` and every entry stores
the previous entry's hash, so that an edit, a deletion or a reordering breaks the chain at the
first bad entry (the construction of a hash chain / Merkle-Damgard style log, as in Schneier &
Kelsey, "Secure Audit Logs to Support Computer Forensics", 1999). With a key
(``$WORKBENCH_AUDIT_KEY`` or a file named by ``$WORKBENCH_AUDIT_KEY_FILE``) each entry also
carries ``HMAC-SHA256(key, hash)``: without the key nobody can rewrite the chain consistently.

A chain alone cannot see the *last* entries being cut off, so a small ``audit.head.json``
(written atomically, signed when a key is set) remembers the latest sequence number and hash.

Safety:
    * Writers take a file lock (``filelock``), so two notebooks on the same hub may log at once.
    * Each entry is one ``write`` of one line with ``O_APPEND`` followed by ``fsync``. A crash in
      the middle can leave a torn last line; readers skip it and report it, and the next writer
      moves the fragment to ``audit.jsonl.torn`` and logs an ``audit.repair`` entry. The log is
      never left unreadable.
    * Only rank 0 writes in multi-process training (``$RANK`` / ``$LOCAL_RANK``).

Usage::

    from workbench.governance.audit import record_event, verify_log, show
    record_event("train", config=cfg.to_dict(), inputs={"data": Path("train.csv")},
                 artefacts={"adapter": run_dir / "adapter"}, run="legal-tiny")
    result = verify_log()
    print(result)                   # "audit log OK: 12 entries, chain intact (HMAC checked)"
    print(show(run="legal-tiny"))

From the shell (the verbs live in :mod:`workbench.governance.cli`; this module is the lowest
layer of the governance work and imports nothing of it, so the registry, the CLI and the use
cases can all build on it)::

    workbench audit verify
    workbench audit show --run legal-tiny --since 2026-01-01
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import getpass
import hashlib
import hmac
import json
import math
import os
import platform
import sys
import threading
import uuid
from pathlib import Path
from typing import Any, Iterable

from workbench import paths
from workbench._version import __version__
from workbench.io import atomic_write_json, fingerprint_file

LOG_NAME = "audit.jsonl"
HEAD_NAME = "audit.head.json"
TORN_SUFFIX = ".torn"
ENV_KEY = "WORKBENCH_AUDIT_KEY"
ENV_KEY_FILE = "WORKBENCH_AUDIT_KEY_FILE"
GENESIS = "0" * 64  # the "previous hash" of the first entry
_LOCK_TIMEOUT_S = 120.0
_THREAD_LOCK = threading.Lock()  # filelock covers processes; this covers threads sharing one fd table


class AuditError(RuntimeError):
    """The audit log cannot be written or read (names the file and the reason)."""


# --------------------------------------------------------------------------------------------
# Canonical form and hashing
# --------------------------------------------------------------------------------------------


def jsonable(obj: Any) -> Any:
    """Convert ``obj`` to plain JSON types so that hashing survives a write/read round trip.

    Non-finite floats become the strings ``"NaN"``, ``"Infinity"``, ``"-Infinity"`` (strict JSON
    has no such numbers); tuples and sets become lists; paths become strings; numpy values and
    tensors become lists or numbers; dataclasses become dicts. Anything else becomes ``repr``.
    """
    if obj is None or isinstance(obj, (bool, str)):
        return obj
    if isinstance(obj, int):
        return int(obj)
    if isinstance(obj, float):
        if math.isfinite(obj):
            return obj
        return "NaN" if math.isnan(obj) else ("Infinity" if obj > 0 else "-Infinity")
    if isinstance(obj, dict):
        return {str(k): jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [jsonable(v) for v in obj]
    if isinstance(obj, (set, frozenset)):
        return sorted((jsonable(v) for v in obj), key=repr)
    if isinstance(obj, os.PathLike):
        return os.fspath(obj)
    if isinstance(obj, (_dt.datetime, _dt.date)):
        return obj.isoformat()
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return jsonable(dataclasses.asdict(obj))
    if hasattr(obj, "to_dict") and callable(obj.to_dict):
        try:
            return jsonable(obj.to_dict())
        except TypeError:
            pass
    if hasattr(obj, "tolist"):  # numpy arrays and scalars, torch tensors
        return jsonable(obj.tolist())
    return repr(obj)


def canonical_json(obj: Any) -> str:
    """Serialise with sorted keys and no whitespace: the byte string that gets hashed."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def entry_hash(entry: dict) -> str:
    """SHA-256 (hex) of an entry's canonical JSON without its ``hash`` and ``hmac`` fields."""
    body = {k: v for k, v in entry.items() if k not in ("hash", "hmac")}
    return hashlib.sha256(canonical_json(body).encode("utf-8")).hexdigest()


def _sign(key: bytes, digest: str) -> str:
    return hmac.new(key, digest.encode("ascii"), hashlib.sha256).hexdigest()


def load_key(key: bytes | str | None = None) -> bytes | None:
    """Return the HMAC key: the argument, else ``$WORKBENCH_AUDIT_KEY``, else the key file.

    Args:
        key: An explicit key (bytes or text). ``None`` reads the environment.

    Returns:
        The key as bytes, or ``None`` when no key is configured (entries are then chained but
        not signed).

    Raises:
        AuditError: ``$WORKBENCH_AUDIT_KEY_FILE`` names a file that cannot be read or is empty.
    """
    if key is not None:
        return key.encode("utf-8") if isinstance(key, str) else bytes(key)
    raw = os.environ.get(ENV_KEY)
    if raw:
        return raw.encode("utf-8")
    key_file = os.environ.get(ENV_KEY_FILE)
    if key_file:
        try:
            data = Path(key_file).expanduser().read_bytes().strip()
        except OSError as exc:
            raise AuditError(f"cannot read audit key file {key_file} (from ${ENV_KEY_FILE}): {exc}") from exc
        if not data:
            raise AuditError(f"audit key file {key_file} (from ${ENV_KEY_FILE}) is empty")
        return data
    return None


# --------------------------------------------------------------------------------------------
# Describing the context of an event
# --------------------------------------------------------------------------------------------


def who() -> dict:
    try:
        user = getpass.getuser()
    except Exception:  # containers without a passwd entry raise KeyError/OSError
        user = os.environ.get("USER") or (f"uid-{os.getuid()}" if hasattr(os, "getuid") else "unknown")
    return {"user": user, "host": platform.node(), "pid": os.getpid()}


def _library() -> dict:
    info = {"name": "ki-werkbank", "version": __version__, "python": platform.python_version()}
    # Only report torch if it is already imported: importing it here would cost seconds.
    for mod in ("torch", "transformers", "peft"):
        if mod in sys.modules:
            info[mod] = getattr(sys.modules[mod], "__version__", "?")
    return info


def describe_artefact(path: str | os.PathLike) -> dict:
    """Location and content fingerprint of a file or directory, for an audit entry.

    Args:
        path: The artefact (data file, adapter directory, model directory).

    Returns:
        ``{"path": <absolute>, "fingerprint": "sha256:...", "bytes": <total size>}``; for a
        missing path ``{"path": ..., "missing": True}`` (deletions are logged after the fact).
    """
    path = Path(path).expanduser().resolve()
    if not path.exists():
        return {"path": str(path), "missing": True}
    size = path.stat().st_size if path.is_file() else sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
    return {"path": str(path), "fingerprint": fingerprint_file(path), "bytes": size}


def _describe_section(section: dict | None) -> dict | None:
    # Path objects are fingerprinted; strings are kept as given (ids, fingerprints, hub names).
    if section is None:
        return None
    if not isinstance(section, dict):
        raise TypeError(f"audit sections must be dicts, got {type(section).__name__}")
    return {k: describe_artefact(v) if isinstance(v, Path) else v for k, v in section.items()}


def is_rank_zero() -> bool:
    """True unless ``$RANK`` or ``$LOCAL_RANK`` names another process of a distributed run."""
    for var in ("RANK", "LOCAL_RANK"):
        raw = os.environ.get(var)
        if raw not in (None, "", "0"):
            return False
    return True


# --------------------------------------------------------------------------------------------
# Writing
# --------------------------------------------------------------------------------------------


def log_path(path: str | os.PathLike | None = None) -> Path:
    """The audit log file: ``path`` if given (a file or a directory), else the default."""
    if path is None:
        return paths.audit_dir() / LOG_NAME
    path = Path(path)
    return path / LOG_NAME if path.is_dir() else path


def _head_path(log: Path) -> Path:
    return log.with_name(HEAD_NAME) if log.name == LOG_NAME else log.with_name(log.name + ".head.json")


def _read_tail(log: Path) -> tuple[dict | None, int]:
    """Return (last complete entry or None, byte offset where a torn fragment starts or -1)."""
    try:
        size = log.stat().st_size
    except FileNotFoundError:
        return None, -1
    if size == 0:
        return None, -1
    with open(log, "rb") as handle:
        # Read backwards in growing blocks until the block holds the whole last line.
        block = 1 << 16
        while True:
            start = max(0, size - block)
            handle.seek(start)
            data = handle.read(size - start)
            newline = data.rfind(b"\n")
            if data.endswith(b"\n"):
                torn_at, complete = -1, data
            else:
                if newline < 0 and start > 0:
                    block *= 4
                    continue
                torn_at, complete = start + newline + 1, data[: newline + 1]
            body = complete[:-1]
            previous = body.rfind(b"\n")
            if previous < 0 and start > 0:
                block *= 4
                continue
            last = body[previous + 1 :]
            if not last.strip():
                return None, torn_at
            try:
                return json.loads(last), torn_at
            except json.JSONDecodeError as exc:
                raise AuditError(
                    f"{log}: the last complete line is not valid JSON ({exc}); run verify_log() "
                    "and restore the log from backup before writing more entries"
                ) from exc


def _quarantine_torn(log: Path, torn_at: int) -> dict:
    """Move a torn trailing fragment to ``<log>.torn`` and cut it off the log."""
    with open(log, "rb") as handle:
        handle.seek(torn_at)
        fragment = handle.read()
    with open(str(log) + TORN_SUFFIX, "ab") as side:
        side.write(fragment + b"\n")
        side.flush()
        os.fsync(side.fileno())
    os.truncate(log, torn_at)
    return {"bytes": len(fragment), "sha256": hashlib.sha256(fragment).hexdigest(), "moved_to": str(log) + TORN_SUFFIX}


def _append_line(log: Path, line: bytes) -> None:
    fd = os.open(log, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
    try:
        view = memoryview(line)
        while view:  # os.write may write less than asked (signals, pipes); loop until done
            written = os.write(fd, view)
            view = view[written:]
        os.fsync(fd)
    finally:
        os.close(fd)


def _build_entry(operation: str, prev: dict | None, body: dict, key: bytes | None) -> dict:
    entry = {
        "seq": (prev["seq"] + 1) if prev else 0,
        "id": uuid.uuid4().hex,
        "time": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="microseconds"),
        "operation": operation,
        "who": who(),
        "library": _library(),
        **body,
        "prev_hash": prev["hash"] if prev else GENESIS,
    }
    entry = jsonable(entry)
    entry["hash"] = entry_hash(entry)
    if key is not None:
        entry["hmac"] = _sign(key, entry["hash"])
    return entry


def _write_head(log: Path, entry: dict, key: bytes | None) -> None:
    head = {"seq": entry["seq"], "hash": entry["hash"], "time": entry["time"]}
    if key is not None:
        head["hmac"] = _sign(key, f"{head['seq']}:{head['hash']}")
    atomic_write_json(_head_path(log), head)


def record_event(
    operation: str,
    *,
    config: dict | None = None,
    inputs: dict | None = None,
    outputs: dict | None = None,
    artefacts: dict | None = None,
    log: str | os.PathLike | None = None,
    key: bytes | str | None = None,
    **details: Any,
) -> dict:
    """Append one entry to the audit log and return it.

    Args:
        operation: What happened, e.g. ``"data.load"``, ``"train"``, ``"evaluate"``,
            ``"adapter.save"``, ``"merge"``, ``"export"``, ``"delete"``.
        config: The (resolved) configuration of the operation.
        inputs: Input data and base model. ``Path`` values are fingerprinted (SHA-256) and
            stored with their absolute location; strings are kept as given.
        outputs: Results, e.g. metrics.
        artefacts: Written artefacts (adapter, report); ``Path`` values are fingerprinted.
        log: Another log file or directory (default ``<WORKBENCH_HOME>/audit/audit.jsonl``).
        key: HMAC key; default ``$WORKBENCH_AUDIT_KEY`` or ``$WORKBENCH_AUDIT_KEY_FILE``.
        **details: Anything else worth filtering on later, e.g. ``run=``, ``adapter=``, ``usecase=``.

    Returns:
        The entry as written (with ``seq``, ``hash`` and, when signed, ``hmac``). On ranks other
        than 0 nothing is written and the entry has ``"written": False`` and no hash.

    Raises:
        ValueError: ``operation`` is empty or not a string.
        AuditError: The log cannot be written (read-only directory, full disk, lock timeout).
    """
    if not isinstance(operation, str) or not operation.strip():
        raise ValueError(f"audit operation must be a non-empty string, got {operation!r}")
    body = {
        "config": config,
        "inputs": _describe_section(inputs),
        "outputs": outputs,
        "artefacts": _describe_section(artefacts),
        "details": details,
    }
    if not is_rank_zero():
        return {**jsonable({"operation": operation, **body}), "written": False}
    from filelock import FileLock, Timeout

    secret = load_key(key)
    target = log_path(log)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        with _THREAD_LOCK, FileLock(str(target) + ".lock", timeout=_LOCK_TIMEOUT_S):
            prev, torn_at = _read_tail(target)
            if torn_at >= 0:
                repair = _quarantine_torn(target, torn_at)
                prev = _build_entry("audit.repair", prev, {"details": {"torn_tail": repair}}, secret)
                _append_line(target, (canonical_json(prev) + "\n").encode("utf-8"))
            entry = _build_entry(operation, prev, body, secret)
            _append_line(target, (canonical_json(entry) + "\n").encode("utf-8"))
            _write_head(target, entry, secret)
    except Timeout as exc:
        raise AuditError(f"could not lock {target} within {_LOCK_TIMEOUT_S:.0f} s: another process holds it") from exc
    except OSError as exc:
        raise AuditError(f"could not append to the audit log {target}: {exc.strerror or exc}") from exc
    return entry


# --------------------------------------------------------------------------------------------
# Reading and verifying
# --------------------------------------------------------------------------------------------


@dataclasses.dataclass
class VerifyResult:
    """Outcome of :func:`verify_log`.

    Attributes:
        ok: True when every complete entry is intact, chained, (signed), and nothing is cut off.
        path: The log file checked.
        entries: Number of complete entries read.
        first_bad_line: 1-based line number of the first bad entry, or None.
        first_bad_seq: Its ``seq`` field when readable, or None.
        reason: What is wrong with it (empty when ``ok``).
        torn_tail: A torn last line was found (an interrupted write; not tampering).
        hmac_checked: Signatures were checked with a key.
        warnings: Non-fatal findings (torn tail, unsigned log without key, missing head file).
    """

    ok: bool
    path: Path
    entries: int = 0
    first_bad_line: int | None = None
    first_bad_seq: int | None = None
    reason: str = ""
    torn_tail: bool = False
    hmac_checked: bool = False
    warnings: list[str] = dataclasses.field(default_factory=list)

    def __bool__(self) -> bool:
        return self.ok

    def __str__(self) -> str:
        if self.ok:
            msg = f"audit log OK: {self.entries} entries, chain intact"
            msg += " (HMAC checked)" if self.hmac_checked else " (no key: signatures not checked)"
        else:
            msg = (f"audit log {self.path} FAILED at line {self.first_bad_line}"
                   f" (seq {self.first_bad_seq}): {self.reason}")
        return "\n".join([msg, *(f"warning: {w}" for w in self.warnings)])


def verify_log(path: str | os.PathLike | None = None, key: bytes | str | None = None) -> VerifyResult:
    """Check the chain (and signatures) of an audit log and name the first bad entry.

    Args:
        path: Log file or directory; default ``<WORKBENCH_HOME>/audit/audit.jsonl``.
        key: HMAC key; default from the environment. With a key every entry must be signed.

    Returns:
        A :class:`VerifyResult`. A missing or empty log is OK with zero entries.
    """
    log = log_path(path)
    secret = load_key(key)
    result = VerifyResult(ok=True, path=log, hmac_checked=secret is not None)
    if not log.exists():
        result.warnings.append(f"{log} does not exist yet (no events recorded)")
        return result

    def fail(line_no: int, seq: Any, reason: str) -> VerifyResult:
        result.ok, result.first_bad_line, result.reason = False, line_no, reason
        result.first_bad_seq = seq if isinstance(seq, int) else None
        return result

    raw = log.read_bytes()
    lines = raw.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    elif lines:  # no trailing newline: the last write was interrupted
        result.torn_tail = True
        result.warnings.append(
            f"torn last line ({len(lines[-1])} bytes) from an interrupted write; it is ignored and "
            "will be moved aside by the next write"
        )
        lines.pop()
    prev_hash, prev_seq, last = GENESIS, -1, None
    hashes: dict[int, str] = {}
    for number, line in enumerate(lines, start=1):
        try:
            entry = json.loads(line.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            return fail(number, None, f"not a valid JSON line ({exc})")
        if not isinstance(entry, dict) or "hash" not in entry:
            return fail(number, None, "not an audit entry (no 'hash' field)")
        seq = entry.get("seq")
        if seq != prev_seq + 1:
            return fail(number, seq, f"sequence number {seq}, expected {prev_seq + 1} (entry deleted or reordered)")
        if entry.get("prev_hash") != prev_hash:
            return fail(number, seq, "prev_hash does not match the previous entry (entry deleted, inserted or reordered)")
        if entry_hash(entry) != entry["hash"]:
            return fail(number, seq, "content does not match its hash (entry edited)")
        if secret is not None:
            if "hmac" not in entry:
                return fail(number, seq, "entry is not signed but a key was given")
            if not hmac.compare_digest(entry["hmac"], _sign(secret, entry["hash"])):
                return fail(number, seq, "HMAC signature does not match (edited, or signed with another key)")
        prev_hash, prev_seq, last = entry["hash"], seq, entry
        hashes[seq] = entry["hash"]
        result.entries += 1
    if secret is None and last is not None and "hmac" in last:
        result.warnings.append("entries are signed but no key was given: signatures not checked")
    _check_head(log, last, secret, result, hashes)
    return result


def _check_head(log: Path, last: dict | None, secret: bytes | None, result: VerifyResult,
                hashes: dict[int, str]) -> None:
    head_file = _head_path(log)
    if not head_file.exists():
        if last is not None:
            result.warnings.append(f"{head_file.name} is missing: truncation of the last entries cannot be detected")
        return
    try:
        head = json.loads(head_file.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        result.warnings.append(f"{head_file} is unreadable ({exc})")
        return
    if secret is not None and not hmac.compare_digest(
        str(head.get("hmac", "")), _sign(secret, f"{head.get('seq')}:{head.get('hash')}")
    ):
        result.ok, result.reason = False, f"{head_file.name} signature does not match"
        return
    last_seq = last["seq"] if last else -1
    head_seq = head.get("seq", -1)
    if head_seq > last_seq:
        result.ok = False
        result.first_bad_line = result.entries + 1
        result.first_bad_seq = last_seq + 1
        result.reason = (f"log ends at seq {last_seq} but {head_file.name} records seq {head_seq}: "
                         "the last entries were cut off")
    elif head_seq >= 0 and hashes.get(head_seq) != head.get("hash"):
        # The chain is consistent but differs from what was written: it was rebuilt.
        result.ok = False
        result.first_bad_line = head_seq + 1
        result.first_bad_seq = head_seq
        result.reason = (f"entry seq {head_seq} differs from the hash recorded in {head_file.name}: "
                         "the chain was rewritten (entries before it may have been edited)")
    # The log may be ahead of the head by entries whose head update was interrupted: that is fine.


def read_entries(path: str | os.PathLike | None = None) -> list[dict]:
    """All complete entries of a log (a torn last line is skipped; use :func:`verify_log` to check)."""
    log = log_path(path)
    if not log.exists():
        return []
    entries = []
    with open(log, "rb") as handle:
        data = handle.read()
    for number, line in enumerate(data.split(b"\n"), start=1):
        if not line.strip():
            continue
        try:
            entries.append(json.loads(line.decode("utf-8")))
        except (UnicodeDecodeError, json.JSONDecodeError):
            if not data.endswith(b"\n") and number == data.count(b"\n") + 1:
                continue  # the torn tail
            raise AuditError(f"{log} line {number} is not valid JSON: run verify_log() for details")
    return entries


def _parse_when(value: str | _dt.date | _dt.datetime | None, what: str) -> _dt.datetime | None:
    if value is None:
        return None
    if isinstance(value, _dt.datetime):
        stamp = value
    elif isinstance(value, _dt.date):
        stamp = _dt.datetime(value.year, value.month, value.day)
    else:
        try:
            stamp = _dt.datetime.fromisoformat(str(value))
        except ValueError as exc:
            raise ValueError(f"{what}={value!r}: expected an ISO date such as 2026-01-31 or 2026-01-31T12:00") from exc
    return stamp if stamp.tzinfo else stamp.replace(tzinfo=_dt.timezone.utc)


def _mentions(entry: dict, field: str, value: str) -> bool:
    details = entry.get("details") or {}
    if str(details.get(field, "")) == value:
        return True
    # Also match artefact paths such as runs/<run>/adapter or registry/<adapter>.
    for section in ("inputs", "artefacts", "outputs"):
        for item in (entry.get(section) or {}).values():
            where = item.get("path") if isinstance(item, dict) else item
            if isinstance(where, str) and value in Path(where).parts:
                return True
    return False


def filter_entries(
    entries: Iterable[dict],
    *,
    operation: str | None = None,
    run: str | None = None,
    adapter: str | None = None,
    user: str | None = None,
    since: str | _dt.date | None = None,
    until: str | _dt.date | None = None,
) -> list[dict]:
    """Select entries by operation (prefix), run, adapter, user and time window.

    Args:
        entries: Entries from :func:`read_entries`.
        operation: Keep operations equal to this or starting with ``"<operation>."``.
        run: Keep entries whose ``details.run`` equals it or whose artefact paths contain it.
        adapter: The same for ``details.adapter``.
        user: Keep entries written by this user.
        since: Keep entries at or after this time (ISO date/time, UTC when no zone is given).
        until: Keep entries before this time.

    Returns:
        The matching entries in log order.
    """
    start, end = _parse_when(since, "since"), _parse_when(until, "until")
    kept = []
    for entry in entries:
        op = entry.get("operation", "")
        if operation and not (op == operation or op.startswith(operation + ".")):
            continue
        if run and not _mentions(entry, "run", run):
            continue
        if adapter and not _mentions(entry, "adapter", adapter):
            continue
        if user and (entry.get("who") or {}).get("user") != user:
            continue
        when = _dt.datetime.fromisoformat(entry["time"]) if "time" in entry else None
        if start and (when is None or when < start):
            continue
        if end and (when is None or when >= end):
            continue
        kept.append(entry)
    return kept


def show(path: str | os.PathLike | None = None, **filters: Any) -> str:
    """A readable table of (filtered) entries: seq, time, user@host, operation, run/adapter.

    Args:
        path: Log file or directory (default log).
        **filters: Passed to :func:`filter_entries`.
    """
    rows = filter_entries(read_entries(path), **filters)
    lines = [f"{'seq':>5}  {'time (UTC)':<19}  {'who':<24}  {'operation':<18}  subject"]
    for e in rows:
        details = e.get("details") or {}
        actor = f"{e.get('who', {}).get('user', '?')}@{e.get('who', {}).get('host', '?')}"
        subject = " ".join(f"{k}={details[k]}" for k in ("run", "adapter", "usecase") if k in details)
        lines.append(f"{e.get('seq', '?'):>5}  {e.get('time', '')[:19]:<19}  {actor[:24]:<24}  "
                     f"{e.get('operation', '')[:18]:<18}  {subject}")
    lines.append(f"{len(rows)} entries")
    return "\n".join(lines)
