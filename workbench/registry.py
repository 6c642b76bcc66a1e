"""A local adapter registry with lineage: find, load, compare, tag, export and delete adapters.

Layout (one directory per adapter under ``<WORKBENCH_HOME>/registry``)::

    registry/
      legal-clauses-v1/
        entry.json          name, base model, use case, data fingerprint, metrics, config,
                            parent run, tags, adapter fingerprint, who registered it and when
        adapter/            the adapter in PEFT layout (adapter_config.json,
                            adapter_model.safetensors, README.md model card)

Every change is atomic (a new adapter is built in a hidden temporary directory and renamed into
place; ``entry.json`` is replaced with ``os.replace``), changes are serialised with a file lock,
and each one is recorded in the audit log. A process killed in the middle therefore leaves
either the old or the new state, plus at most a hidden temporary directory that
:meth:`AdapterRegistry.check` reports and removes. Names given by users pass
:func:`workbench.io.safe_name`, so they cannot escape the registry directory.

When ``mlflow`` is installed, ``AdapterRegistry(mlflow=True)`` also logs each registered adapter
as an MLflow model version (optional; MLflow is not a dependency of the workbench).

Usage::

    from workbench.registry import AdapterRegistry
    reg = AdapterRegistry()
    reg.register("legal-clauses-v1", run_dir / "adapter", base_model="minilm", usecase="legal_de",
                 data_fingerprint=fp, metrics={"adapter": {"macro_f1": 0.84}}, config=cfg.to_dict())
    reg.tag("legal-clauses-v1", "approved")
    reg.list(usecase="legal_de", tag="approved")
    model = reg.load("legal-clauses-v1", base_model)      # base mismatch -> AdapterMismatchError
    reg.export("legal-clauses-v1", "/srv/serving/legal")  # PEFT layout + model card
    reg.compare(["legal-clauses-v1", "legal-clauses-v2"]) # pandas DataFrame
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import json
import math
import os
import shutil
from pathlib import Path
from typing import Any, Iterable, Iterator

from workbench import paths
from workbench.io import explain_os_error  # the io layer's wording of OS errors
from workbench.io import atomic_directory, atomic_write_json, fingerprint_file, safe_name

ENTRY = "entry.json"
ADAPTER = "adapter"
_REQUIRED_FILES = ("adapter_config.json", "adapter_model.safetensors")


class RegistryError(ValueError):
    """A registry operation was refused; the message names the adapter and the reason."""


def _audit(operation: str, **fields: Any) -> None:
    from workbench.governance.audit import record_event

    record_event(operation, **fields)


def _check_metrics(metrics: Any, where: str = "metrics") -> dict:
    if metrics is None:
        return {}
    if not isinstance(metrics, dict):
        raise RegistryError(f"{where} must be a dict of numbers (or of dicts of numbers), got {type(metrics).__name__}")
    out = {}
    for key, value in metrics.items():
        if isinstance(value, dict):
            out[str(key)] = _check_metrics(value, f"{where}.{key}")
        elif isinstance(value, bool) or not isinstance(value, (int, float)) and not hasattr(value, "item"):
            raise RegistryError(f"{where}.{key} must be a number, got {value!r}")
        else:
            number = float(value.item() if hasattr(value, "item") else value)
            # NaN/inf are kept (a diverged run is worth recording) but stored as strict JSON.
            out[str(key)] = number if math.isfinite(number) else str(number)
    return out


class AdapterRegistry:
    """Adapters on disk with their lineage.

    Args:
        root: Registry directory; default ``<WORKBENCH_HOME>/registry``.
        mlflow: Also register in the MLflow model registry (needs ``mlflow`` installed and a
            tracking URI configured by the user; never contacts a server on its own).
    """

    def __init__(self, root: str | os.PathLike | None = None, *, mlflow: bool = False):
        self.root = Path(root) if root is not None else paths.registry_dir()
        self.mlflow = mlflow

    # ---------------------------------------------------------------- helpers
    def _dir(self, name: str) -> Path:
        return self.root / safe_name(name, what="adapter name")

    @contextlib.contextmanager
    def _lock(self) -> Iterator[None]:
        """Serialise changes across processes; a read-only or full disk gives a clear StorageError."""
        from filelock import FileLock, Timeout

        try:
            self.root.mkdir(parents=True, exist_ok=True)
            lock = FileLock(str(self.root / ".registry.lock"), timeout=120)
            lock.acquire()
        except Timeout as exc:
            raise RegistryError(f"registry {self.root} is locked by another process for over 120 s") from exc
        except OSError as exc:
            raise explain_os_error(exc, self.root) from exc
        try:
            yield
        finally:
            lock.release()

    def _read(self, name: str) -> dict:
        entry_file = self._dir(name) / ENTRY
        if not entry_file.is_file():
            known = ", ".join(e["name"] for e in self.list()) or "none"
            raise KeyError(f"no adapter named {name!r} in registry {self.root} (registered: {known})")
        try:
            return json.loads(entry_file.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            raise RegistryError(f"{entry_file} is corrupt ({exc}); run AdapterRegistry.check()") from exc

    # ---------------------------------------------------------------- public API
    def register(self, name: str, adapter_dir: str | os.PathLike, *, base_model: str, usecase: str,
                 data_fingerprint: str | None, metrics: dict | None, config: dict | None,
                 parent_run: str | None = None, tags: Iterable[str] = (), overwrite: bool = False) -> dict:
        """Copy an adapter into the registry and record its lineage.

        Args:
            name: Registry name (letters, digits, ``. _ -``; no paths).
            adapter_dir: Adapter in PEFT layout with ``adapter_model.safetensors``.
            base_model: Base model id or path the adapter belongs to.
            usecase: Use case name, e.g. ``"legal_de"``.
            data_fingerprint: ``"sha256:..."`` of the training data.
            metrics: ``{"adapter": {...}, "baseline": {...}}`` or a flat dict of numbers.
            config: The resolved run config as a dict.
            parent_run: The run (or registered adapter) this one was trained from or after.
            tags: Initial tags, e.g. ``("candidate",)``.
            overwrite: Replace an existing adapter of the same name (the old one is logged as deleted).

        Returns:
            The registry entry. On a distributed rank other than 0 nothing is written (rank 0
            registers; that rank may not even have the adapter folder) and the returned dict is
            ``{"name": name, "skipped": <why>}``.

        Raises:
            ValueError: Invalid name or tag.
            RegistryError: The directory is not a safetensors PEFT adapter, metrics are not
                numbers, or the name is taken and ``overwrite`` is False.
        """
        from workbench.distributed import global_rank, is_rank_zero

        if not is_rank_zero():  # a script that registers after fit() runs this on every rank
            return {"name": name, "skipped": f"rank {global_rank()}: only global rank 0 writes the registry"}
        target = self._dir(name)
        tags = [safe_name(t, what="tag") for t in ([tags] if isinstance(tags, str) else list(tags))]
        source = Path(adapter_dir)
        if not source.is_dir():
            raise RegistryError(f"adapter directory {source} does not exist")
        missing = [f for f in _REQUIRED_FILES if not (source / f).is_file()]
        if missing:
            raise RegistryError(f"{source} is not a PEFT adapter in safetensors format: missing {', '.join(missing)}")
        if any(p.suffix in (".bin", ".pt", ".pth", ".pkl", ".ckpt") for p in source.iterdir()):
            raise RegistryError(f"{source} contains pickle-based weight files; only safetensors are accepted")
        for field, value in (("base_model", base_model), ("usecase", usecase)):
            if not isinstance(value, str) or not value:
                raise RegistryError(f"{field} must be a non-empty string, got {value!r}")
        if config is not None and not isinstance(config, dict):
            raise RegistryError(f"config must be a dict, got {type(config).__name__}")
        clean_metrics = _check_metrics(metrics)
        from workbench.governance.audit import jsonable, who

        with self._lock():
            replaced = target.is_dir()
            if replaced and not overwrite:
                raise RegistryError(f"adapter {name!r} is already registered in {self.root}; "
                                    "choose another name or pass overwrite=True")
            with atomic_directory(target) as tmp:
                shutil.copytree(source, tmp / ADAPTER, symlinks=False)
                entry = {
                    "name": name,
                    "base_model": base_model,
                    "usecase": usecase,
                    "data_fingerprint": data_fingerprint,
                    "adapter_fingerprint": fingerprint_file(tmp / ADAPTER),
                    "metrics": clean_metrics,
                    "config": jsonable(config or {}),
                    "parent_run": parent_run,
                    "source": str(source.resolve()),
                    "tags": sorted(set(tags)),
                    "registered_at": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
                    "registered_by": who()["user"],
                }
                if not (tmp / ADAPTER / "README.md").is_file():
                    from workbench.governance.modelcard import write_model_card

                    write_model_card(tmp / ADAPTER, {**entry, "run": parent_run,
                                                     "datasets": [{"name": "training data", "fingerprint": data_fingerprint}]})
                atomic_write_json(tmp / ENTRY, entry)
            _audit("registry.register", adapter=name, usecase=usecase, replaced=replaced,
                   inputs={"base_model": base_model, "data": data_fingerprint, "source": str(source.resolve())},
                   artefacts={"adapter": target / ADAPTER}, outputs={"metrics": clean_metrics},
                   parent_run=parent_run)
        if self.mlflow:
            self._mlflow_register(name, entry)
        return entry

    def get(self, name: str) -> dict:
        """The registry entry of ``name`` (with ``path``, the adapter directory).

        Raises:
            KeyError: No such adapter (the message lists the registered names).
        """
        entry = self._read(name)
        entry["path"] = str(self._dir(name) / ADAPTER)
        return entry

    def list(self, usecase: str | None = None, tag: str | None = None) -> list[dict]:
        """Registered adapters, optionally only of one use case and/or carrying one tag, by name."""
        if not self.root.is_dir():
            return []
        out = []
        for sub in sorted(self.root.iterdir()):
            if sub.name.startswith(".") or not (sub / ENTRY).is_file():
                continue  # hidden temporaries of an interrupted write, the lock file
            try:
                entry = json.loads((sub / ENTRY).read_text(encoding="utf-8"))
            except (OSError, json.JSONDecodeError):
                continue  # reported by check()
            if usecase and entry.get("usecase") != usecase:
                continue
            if tag and tag not in entry.get("tags", []):
                continue
            entry["path"] = str(sub / ADAPTER)
            out.append(entry)
        return out

    def tag(self, name: str, tag: str, *, remove: bool = False) -> dict:
        """Add (or with ``remove=True`` remove) a tag such as ``"approved"``; audited."""
        safe_name(tag, what="tag")
        with self._lock():
            entry = self._read(name)
            tags = set(entry.get("tags", []))
            tags.discard(tag) if remove else tags.add(tag)
            entry["tags"] = sorted(tags)
            atomic_write_json(self._dir(name) / ENTRY, entry)
            _audit("registry.untag" if remove else "registry.tag", adapter=name, tag=tag)
        return entry

    def delete(self, name: str) -> None:
        """Remove an adapter; the deletion (with the adapter's fingerprint) goes to the audit log.

        Raises:
            KeyError: No such adapter.
        """
        with self._lock():
            entry = self._read(name)
            target = self._dir(name)
            # Rename first: after a crash the adapter is either fully there or hidden and gone.
            doomed = self.root / f".deleted-{name}-{os.getpid()}"
            os.replace(target, doomed)
            shutil.rmtree(doomed, ignore_errors=True)
            _audit("registry.delete", adapter=name, usecase=entry.get("usecase"),
                   outputs={"adapter_fingerprint": entry.get("adapter_fingerprint")})

    def load(self, name: str, base_model: Any, *, is_trainable: bool = False):
        """Load a registered adapter onto ``base_model`` via :func:`workbench.lora.load_adapter`.

        Raises:
            KeyError: No such adapter.
            RegistryError: The stored adapter no longer matches its recorded fingerprint.
            workbench.lora.AdapterMismatchError: The base model is not the one it was trained on.
        """
        from workbench.lora import load_adapter

        entry = self.get(name)
        actual = fingerprint_file(entry["path"])
        if actual != entry["adapter_fingerprint"]:
            raise RegistryError(f"adapter {name!r} was modified after registration: fingerprint {actual[:19]}... "
                                f"!= recorded {entry['adapter_fingerprint'][:19]}...")
        return load_adapter(base_model, entry["path"], is_trainable=is_trainable)

    def export(self, name: str, dest: str | os.PathLike) -> Path:
        """Copy an adapter in standard PEFT layout, with its model card and lineage, to ``dest``.

        The result loads with ``peft.PeftModel.from_pretrained(base, dest)`` anywhere.

        Raises:
            FileExistsError: ``dest`` exists and is not empty.
        """
        entry = self.get(name)
        dest = Path(dest)
        if dest.exists() and (not dest.is_dir() or any(dest.iterdir())):
            raise FileExistsError(f"export target {dest} exists and is not empty")
        with atomic_directory(dest) as tmp:
            shutil.copytree(entry["path"], tmp, dirs_exist_ok=True)
            lineage = {k: v for k, v in entry.items() if k != "path"}
            lineage["lineage"] = self.lineage(name)
            atomic_write_json(tmp / "lineage.json", lineage)
        _audit("export", adapter=name, artefacts={"export": dest}, inputs={"adapter_fingerprint": entry["adapter_fingerprint"]})
        return dest

    def lineage(self, name: str) -> list[str]:
        """The chain ``[name, parent, grandparent, ...]`` through parents that are registered adapters."""
        chain, seen = [name], {name}
        parent = self._read(name).get("parent_run")
        while parent and parent not in seen and (self.root / parent / ENTRY).is_file():
            chain.append(parent)
            seen.add(parent)
            parent = self._read(parent).get("parent_run")
        if parent and parent not in seen:
            chain.append(parent)  # a run that is not itself registered ends the chain
        return chain

    def compare(self, names: Iterable[str]):
        """A table (pandas DataFrame, one row per adapter) of lineage fields and metrics.

        Metric columns are named ``<model>/<metric>``, e.g. ``adapter/macro_f1``.
        """
        import pandas as pd

        rows = []
        for name in names:
            entry = self.get(name)
            row = {k: entry.get(k) for k in ("name", "usecase", "base_model", "data_fingerprint",
                                             "parent_run", "registered_at")}
            row["tags"] = ",".join(entry.get("tags", []))
            for model, values in entry.get("metrics", {}).items():
                if isinstance(values, dict):
                    row.update({f"{model}/{k}": v for k, v in values.items()})
                else:
                    row[model] = values
            rows.append(row)
        return pd.DataFrame(rows).set_index("name") if rows else pd.DataFrame()

    def check(self, repair: bool = False, audit: bool = True) -> list[str]:
        """Find inconsistencies: leftovers of interrupted writes, corrupt entries, changed adapters,
        and adapters that the audit log does not know (a kill between the two writes).

        Args:
            repair: Remove leftovers of interrupted writes (hidden ``.*.tmp``/``.deleted-*`` dirs)
                and record a ``registry.reconcile`` audit entry for adapters without one.
            audit: Also cross-check with the audit log.

        Returns:
            One line per problem found (repaired ones say so); empty when consistent.
        """
        problems: list[str] = []
        if not self.root.is_dir():
            return problems
        if audit:
            problems += self._check_audit(repair)
        for sub in sorted(self.root.iterdir()):
            if sub.name.startswith(".") and sub.is_dir():
                problems.append(f"{sub.name}: leftover of an interrupted write" + (" (removed)" if repair else ""))
                if repair:
                    shutil.rmtree(sub, ignore_errors=True)
                continue
            if not sub.is_dir():
                continue
            try:
                entry = json.loads((sub / ENTRY).read_text(encoding="utf-8"))
            except (OSError, json.JSONDecodeError) as exc:
                problems.append(f"{sub.name}: unreadable {ENTRY} ({exc})")
                continue
            if not (sub / ADAPTER).is_dir():
                problems.append(f"{sub.name}: adapter directory missing")
            elif fingerprint_file(sub / ADAPTER) != entry.get("adapter_fingerprint"):
                problems.append(f"{sub.name}: adapter files changed after registration (fingerprint mismatch)")
        return problems

    def _check_audit(self, repair: bool) -> list[str]:
        from workbench.governance.audit import read_entries, record_event

        known = set()
        for e in read_entries():
            if e.get("operation") in ("registry.register", "registry.reconcile"):
                art = (e.get("artefacts") or {}).get("adapter") or {}
                known.add(((e.get("details") or {}).get("adapter"), art.get("fingerprint")))
        problems = []
        for entry in self.list():
            if (entry["name"], entry.get("adapter_fingerprint")) in known:
                continue
            note = " (recorded now)" if repair else ""
            problems.append(f"{entry['name']}: registered but not in the audit log{note}")
            if repair:
                record_event("registry.reconcile", adapter=entry["name"], artefacts={"adapter": Path(entry["path"])},
                             reason="adapter found in the registry without a registry.register audit entry "
                                    "(process killed between the two writes)")
        return problems

    # ---------------------------------------------------------------- optional MLflow
    def _mlflow_register(self, name: str, entry: dict) -> None:
        """Log the adapter as an MLflow artefact and model version (untested here: MLflow is optional)."""
        try:
            import mlflow
        except ImportError as exc:
            raise RegistryError("AdapterRegistry(mlflow=True) needs the 'mlflow' package; pip install mlflow") from exc
        with mlflow.start_run(run_name=name):
            mlflow.set_tags({"usecase": entry["usecase"], "base_model": entry["base_model"],
                             "data_fingerprint": str(entry["data_fingerprint"]), "parent_run": str(entry["parent_run"])})
            flat = {f"{m}.{k}": v for m, vals in entry["metrics"].items() if isinstance(vals, dict)
                    for k, v in vals.items() if isinstance(v, float)}
            mlflow.log_metrics(flat)
            mlflow.log_artifacts(str(self._dir(name) / ADAPTER), artifact_path="adapter")
            mlflow.register_model(f"runs:/{mlflow.active_run().info.run_id}/adapter", name)
