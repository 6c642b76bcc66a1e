"""Shared test fixtures: offline mode, a per-session workbench home, and the real data folder.

* ``HF_HUB_OFFLINE=1``: nothing may be fetched from a hub in tests.
* ``WORKBENCH_HOME`` points at one temporary directory per test session, so the audit log and
  registry of tests never touch the user's, and a factory-pretrained time-series base model is
  cached once per session instead of once per test.
* ``shared_data``: the real public datasets in ``../shared/data`` (beside the checkout, as in
  CI); tests that need them skip with a clear reason when the folder is absent.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["HF_HUB_DISABLE_TELEMETRY"] = "1"
os.environ.setdefault("WORKBENCH_HOME", tempfile.mkdtemp(prefix="workbench-test-home-"))
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

REPO_ROOT = Path(__file__).resolve().parents[1]


def _shared_data_dir() -> Path | None:
    env = os.environ.get("WORKBENCH_SHARED_DATA")
    candidates = [Path(env)] if env else []
    candidates += [REPO_ROOT.parent / "shared" / "data", Path("/work/shared/data")]
    for path in candidates:
        if path.is_dir():
            return path
    return None


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """Path of ``../shared/data`` (real public datasets); skips the test when absent."""
    path = _shared_data_dir()
    if path is None:
        pytest.skip("real data folder ../shared/data not found (set WORKBENCH_SHARED_DATA)")
    return path


@pytest.fixture
def one_thread():
    """Run a test with one torch thread.

    Tiny matmuls gain nothing from threads, and on a shared, oversubscribed 2-core machine
    OpenMP's spinning threads made each 64x64 linear ~100x slower (measured 23 ms vs 0.24 ms).
    """
    import torch

    old = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(old)


@pytest.fixture(scope="session")
def repo_root() -> Path:
    """The repository root."""
    return REPO_ROOT


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Skip GPU tests without CUDA (with the reason), instead of failing them."""
    try:
        import torch

        has_cuda = torch.cuda.is_available()
    except ImportError:  # pragma: no cover
        has_cuda = False
    if has_cuda:
        return
    skip = pytest.mark.skip(reason="needs a CUDA GPU")
    for item in items:
        if "gpu" in item.keywords:
            item.add_marker(skip)
