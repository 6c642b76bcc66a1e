"""Fault injection: SIGKILL during training, registry and audit writes; full disk; read-only dirs.

Each test counts the faults it injected and how many the workbench survived with nothing lost;
the module prints the totals (``pytest -s``) for the closing note.
"""

from __future__ import annotations

import errno
import importlib.util
import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch

from workbench.governance import audit
from workbench.io import StorageError, atomic_write_json, atomic_write_text
from workbench.registry import AdapterRegistry

HERE = Path(__file__).resolve().parent
FAULTS = {"injected": 0, "survived": 0}


def _count(survived: bool) -> None:
    FAULTS["injected"] += 1
    FAULTS["survived"] += int(survived)


@pytest.fixture(autouse=True)
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("WORKBENCH_HOME", str(tmp_path / "home"))
    monkeypatch.delenv(audit.ENV_KEY, raising=False)
    return tmp_path / "home"


def _target():
    spec = importlib.util.spec_from_file_location("train_target", HERE / "train_target.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_sigkill_during_training_resumes_to_the_same_result(tmp_path, home):
    seed = random.SystemRandom().randrange(10_000)  # a random kill point, printed for reproduction
    target, epochs = _target(), 6
    t0 = time.perf_counter()
    reference, _ = target.run(tmp_path / "straight", epochs)
    t1 = time.perf_counter()
    run = tmp_path / "killed"
    env = {**os.environ, "WORKBENCH_HOME": str(home), "PYTHONPATH": str(HERE.parents[1])}
    proc = subprocess.run([sys.executable, str(HERE / "train_target.py"), str(run), str(epochs), str(seed), "0.8"],
                          env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == -signal.SIGKILL, f"kill seed {seed}: run was not killed: {proc.stdout[-500:]}{proc.stderr[-2000:]}"
    assert "FINISHED" not in proc.stdout
    done = [p for p in (run / "checkpoints").glob("*.ckpt")]
    assert done, f"kill seed {seed}: no checkpoint survived"
    t2 = time.perf_counter()
    resumed, result = target.run(run, epochs)
    print(f"\ntimes: reference {t1 - t0:.1f} s, killed subprocess {t2 - t1:.1f} s, resume {time.perf_counter() - t2:.1f} s")
    assert result.resumed_from, "the second run did not resume from last.ckpt"
    ref, got = reference.state_dict(), resumed.state_dict()
    diff = max((ref[k] - got[k]).abs().max().item() for k in ref)
    assert diff < 1e-5, f"kill seed {seed}: resumed weights differ by {diff}"
    check = audit.verify_log()
    assert check.ok, f"kill seed {seed}: {check}"
    epochs_logged = [e["details"]["epoch"] for e in audit.read_entries() if e["operation"] == "train.epoch"]
    assert epochs_logged[-1] == epochs - 1
    _count(True)
    print(f"\nSIGKILL resume: kill seed {seed}, resumed from {Path(result.resumed_from).name}, max weight diff {diff:.2e}")


def _churn(root: str, adapter_dir: str, worker_seed: int) -> None:
    """Child process: register, tag and delete adapters in a loop until killed."""
    rng = random.Random(worker_seed)
    reg = AdapterRegistry(root)
    i = 0
    while True:
        name = f"a{worker_seed}-{i}"
        reg.register(name, adapter_dir, base_model="tiny", usecase="test", data_fingerprint=f"sha256:{i}",
                     metrics={"adapter": {"acc": rng.random()}}, config={"i": i})
        reg.tag(name, "candidate")
        if i and rng.random() < 0.5:
            reg.delete(f"a{worker_seed}-{i - 1}")
        i += 1


@pytest.fixture()
def adapter_dir(tmp_path):
    from torch import nn

    from workbench.config import LoraArgs
    from workbench.lora import apply_lora, save_adapter

    torch.manual_seed(0)
    model = apply_lora(nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2)), LoraArgs(r=2, target_modules=["0"]))
    return save_adapter(model, tmp_path / "adapter", base_model_id="tiny")


def test_registry_and_audit_survive_repeated_sigkill(tmp_path, home, adapter_dir):
    root = tmp_path / "registry"
    rng = random.SystemRandom()
    rounds, repaired = 8, 0
    for round_ in range(rounds):
        pid = os.fork()
        if pid == 0:  # child: never returns into pytest
            try:
                _churn(str(root), str(adapter_dir), round_)
            finally:
                os._exit(0)
        time.sleep(rng.uniform(0.05, 0.6))
        os.kill(pid, signal.SIGKILL)
        _, status = os.waitpid(pid, 0)
        assert os.WIFSIGNALED(status)
        reg = AdapterRegistry(root)
        problems = reg.check(repair=True)
        repaired += len(problems)
        assert reg.check() == [], f"round {round_}: still inconsistent after repair"
        for entry in reg.list():  # every listed adapter is complete and unchanged
            assert (Path(entry["path"]) / "adapter_model.safetensors").is_file()
        result = audit.verify_log()
        assert result.ok, f"round {round_}: {result}"
        _count(True)
    # the log is still writable and verifiable after all the kills (a torn tail is moved aside)
    audit.record_event("after.kills")
    assert audit.verify_log().ok and not audit.verify_log().torn_tail
    print(f"\nregistry/audit SIGKILL: {rounds} kills, {repaired} leftovers found and repaired, "
          f"{len(AdapterRegistry(root).list())} adapters consistent")


def test_full_disk_gives_clear_error_and_keeps_old_file(tiny_disk, monkeypatch, tmp_path):
    if tiny_disk is not None:  # a real 64 KiB tmpfs
        target = tiny_disk / "results.json"
        atomic_write_json(target, {"old": True})
        with pytest.raises(StorageError, match="disk full"):
            atomic_write_text(target, "x" * 200_000)
    else:  # no root: inject ENOSPC where the bytes go to disk
        target = tmp_path / "results.json"
        atomic_write_json(target, {"old": True})
        real = os.fsync
        monkeypatch.setattr(os, "fsync", lambda fd: (_ for _ in ()).throw(OSError(errno.ENOSPC, "No space left")))
        with pytest.raises(StorageError, match="disk full"):
            atomic_write_text(target, "x" * 1000)
        monkeypatch.setattr(os, "fsync", real)
    assert json.loads(target.read_text()) == {"old": True}  # the previous version is untouched
    assert [p.name for p in target.parent.iterdir()] == ["results.json"]  # no temp file left
    _count(True)


def test_full_disk_in_audit_log(tiny_disk, monkeypatch, home):
    if tiny_disk is not None:
        log = tiny_disk / "audit.jsonl"
        audit.record_event("train", log=log)
        with pytest.raises(audit.AuditError, match="could not append|No space"):
            for _ in range(200):  # fill the 64 KiB disk
                audit.record_event("train", log=log, blob="y" * 2000)
    else:
        log = home / "audit" / "audit.jsonl"
        audit.record_event("train", log=log)
        monkeypatch.setattr(os, "write", lambda fd, data: (_ for _ in ()).throw(OSError(errno.ENOSPC, "No space left")))
        with pytest.raises(audit.AuditError, match="could not append"):
            audit.record_event("train", log=log)
        monkeypatch.undo()
    result = audit.verify_log(log)
    assert result.ok, str(result)  # a partial line may remain: reported as a torn tail, never corrupt
    _count(True)


def test_read_only_directory_gives_clear_errors(read_only_dir, monkeypatch, tmp_path, adapter_dir, snapshot):
    if read_only_dir is not None:
        source, view = read_only_dir
        atomic_write_json(source / "results.json", {"old": True})
    else:  # no root: inject EROFS on file creation
        import tempfile

        view = tmp_path / "ro"
        atomic_write_json(view / "results.json", {"old": True})
        monkeypatch.setattr(tempfile, "mkstemp", lambda *a, **k: (_ for _ in ()).throw(
            OSError(errno.EROFS, "Read-only file system")))
        monkeypatch.setattr(tempfile, "mkdtemp", lambda *a, **k: (_ for _ in ()).throw(
            OSError(errno.EROFS, "Read-only file system")))
    before = snapshot(view)
    with pytest.raises(StorageError, match="read-only|no permission"):
        atomic_write_json(view / "results.json", {"new": True})
    with pytest.raises(StorageError, match="read-only|no permission"):
        AdapterRegistry(view / "registry" if read_only_dir is None else view).register(
            "x", adapter_dir, base_model="tiny", usecase="t", data_fingerprint=None, metrics={}, config={})
    if read_only_dir is not None:
        with pytest.raises(audit.AuditError, match="audit log"):
            audit.record_event("train", log=view / "audit.jsonl")
    assert snapshot(view) == before  # nothing changed, nothing half-written
    _count(True)
    _count(True)


def test_zz_report_fault_totals():
    """Prints the totals of this module (runs last by name)."""
    if FAULTS["injected"] == 0:
        pytest.skip("the other tests of this module ran in another process (pytest-xdist)")
    print(f"\nfaults injected: {FAULTS['injected']}, survived with nothing lost: {FAULTS['survived']}")
    assert FAULTS["injected"] == FAULTS["survived"]
