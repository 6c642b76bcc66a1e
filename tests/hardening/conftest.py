"""Fixtures for fault injection: a network guard, a tiny full disk and a read-only directory.

The real faults need root (``mount``): a 64 KiB tmpfs for "disk full" and a read-only bind
mount. Where mounting is not allowed (CI runners without root), the fixtures yield ``None`` and
the tests inject the same errno through monkeypatching instead, so they still run.
"""

from __future__ import annotations

import contextlib
import socket
import subprocess
from pathlib import Path

import pytest


class NetworkAttempt(AssertionError):
    """Raised when code under test tries to open a network connection."""


@pytest.fixture()
def no_network(monkeypatch):
    """Make every IPv4/IPv6 connection attempt (and DNS lookup) fail loudly, and record it.

    Yields:
        The list of attempts (empty at the end of a passing test). Unix sockets stay allowed:
        they are local (e.g. multiprocessing) and cannot leave the machine.
    """
    attempts: list[str] = []
    real_connect, real_connect_ex = socket.socket.connect, socket.socket.connect_ex

    def guard(kind):
        def blocked(*args, **kwargs):
            attempts.append(f"{kind}{args[1:] if kind.startswith('socket') else args}")
            raise NetworkAttempt(f"network access attempted: {kind} {args[1:] if kind.startswith('socket') else args}")
        return blocked

    def connect(self, address, *a, **k):
        if self.family in (socket.AF_INET, socket.AF_INET6):
            return guard("socket.connect")(self, address)
        return real_connect(self, address, *a, **k)

    def connect_ex(self, address, *a, **k):
        if self.family in (socket.AF_INET, socket.AF_INET6):
            return guard("socket.connect_ex")(self, address)
        return real_connect_ex(self, address, *a, **k)

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket.socket, "connect_ex", connect_ex)
    monkeypatch.setattr(socket, "create_connection", guard("create_connection"))
    monkeypatch.setattr(socket, "getaddrinfo", guard("getaddrinfo"))
    yield attempts


def _try(cmd: list[str]) -> bool:
    try:
        return subprocess.run(cmd, capture_output=True, timeout=20).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


@pytest.fixture()
def tiny_disk(tmp_path):
    """A 64 KiB tmpfs (a really full disk), or ``None`` where mounting is not permitted."""
    mount = tmp_path / "tiny"
    mount.mkdir()
    if not _try(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(mount)]):
        yield None
        return
    try:
        yield mount
    finally:
        with contextlib.suppress(Exception):
            subprocess.run(["umount", "-l", str(mount)], capture_output=True, timeout=20)


@pytest.fixture()
def read_only_dir(tmp_path):
    """A directory bind-mounted read-only (root ignores chmod), or ``None`` where not permitted.

    Yields:
        ``(source, read_only_view)``: files written into ``source`` appear in the view.
    """
    source, view = tmp_path / "src", tmp_path / "ro"
    source.mkdir()
    view.mkdir()
    if not (_try(["mount", "--bind", str(source), str(view)])
            and _try(["mount", "-o", "remount,bind,ro", str(view)])):
        _try(["umount", str(view)])
        yield None
        return
    try:
        yield source, view
    finally:
        with contextlib.suppress(Exception):
            subprocess.run(["umount", "-l", str(view)], capture_output=True, timeout=20)


def _snapshot(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture()
def snapshot():
    """``snapshot(root)``: every file under ``root`` with its content, to prove nothing changed."""
    return _snapshot
