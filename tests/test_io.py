"""Atomic writes, fingerprints and safe names."""

import errno
import os

import pandas as pd
import pytest

from workbench.io import (StorageError, atomic_directory, atomic_write_json, atomic_write_text, fingerprint_file,
                          fingerprint_frame, safe_name)


def test_atomic_write_replaces_and_leaves_no_temp_files(tmp_path):
    path = tmp_path / "a" / "x.json"
    atomic_write_json(path, {"a": 1})
    atomic_write_json(path, {"a": 2})
    assert path.read_text().strip().endswith("}") and '"a": 2' in path.read_text()
    assert [p.name for p in path.parent.iterdir()] == ["x.json"]


def test_failed_write_keeps_old_content(tmp_path, monkeypatch):
    path = tmp_path / "x.txt"
    atomic_write_text(path, "old")

    def boom(*a, **k):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", boom)
    with pytest.raises(StorageError, match="disk full"):
        atomic_write_text(path, "new")
    assert path.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["x.txt"]


def test_atomic_directory_rolls_back_on_error(tmp_path):
    target = tmp_path / "adapter"
    with atomic_directory(target) as tmp:
        (tmp / "f").write_text("1")
    with pytest.raises(RuntimeError):
        with atomic_directory(target) as tmp:
            (tmp / "f").write_text("2")
            raise RuntimeError("crash mid-write")
    assert (target / "f").read_text() == "1"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["adapter"]


@pytest.mark.parametrize("bad", ["", "..", "../x", "a/b", "/etc", "a\\b", "x\n", ".hidden", "a..b", "ä" * 3, "x" * 200])
def test_safe_name_rejects_escapes(bad):
    with pytest.raises(ValueError, match="invalid"):
        safe_name(bad)


def test_safe_name_accepts_ordinary_names():
    assert safe_name("legal-de_v1.2") == "legal-de_v1.2"


def test_fingerprints_change_with_content(tmp_path):
    a = tmp_path / "a.csv"
    a.write_text("x\n1\n")
    f1 = fingerprint_file(a)
    a.write_text("x\n2\n")
    assert fingerprint_file(a) != f1 and f1.startswith("sha256:")
    df = pd.DataFrame({"x": [1, 2]})
    assert fingerprint_frame(df) == fingerprint_frame(df.copy())
    assert fingerprint_frame(df) != fingerprint_frame(df.rename(columns={"x": "y"}))


@pytest.fixture
def umask():
    """Set the process umask for one test and restore it afterwards."""
    old = os.umask(0o022)
    try:
        yield lambda mask: os.umask(mask)
    finally:
        os.umask(old)


@pytest.mark.parametrize("mask, expected", [(0o022, 0o644), (0o002, 0o664), (0o077, 0o600)])
def test_atomic_write_gives_new_files_the_umask_mode(tmp_path, umask, mask, expected):
    # mkstemp alone makes 0600 files: colleagues on a shared volume could not open a report.
    umask(mask)
    path = atomic_write_text(tmp_path / "report.html", "<html></html>")
    assert path.stat().st_mode & 0o777 == expected
    plain = tmp_path / "plain.txt"
    plain.write_text("x")  # what open() gives under the same umask
    assert plain.stat().st_mode & 0o777 == expected


def test_atomic_write_keeps_the_mode_of_a_replaced_file(tmp_path, umask):
    umask(0o022)
    path = tmp_path / "shared.json"
    atomic_write_json(path, {"v": 1})
    os.chmod(path, 0o660)  # a team file: group may write, others nothing
    atomic_write_json(path, {"v": 2})
    assert path.stat().st_mode & 0o777 == 0o660 and '"v": 2' in path.read_text()


def test_atomic_directory_gets_the_umask_mode_and_keeps_a_replaced_one(tmp_path, umask):
    umask(0o022)
    target = tmp_path / "adapter"
    with atomic_directory(target) as tmp:
        (tmp / "weights").write_text("1")
    assert target.stat().st_mode & 0o777 == 0o755  # mkdtemp alone gives 0700
    os.chmod(target, 0o750)
    with atomic_directory(target) as tmp:
        (tmp / "weights").write_text("2")
    assert target.stat().st_mode & 0o777 == 0o750 and (target / "weights").read_text() == "2"
