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
