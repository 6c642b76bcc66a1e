"""Fixtures of the headless-browser notebook tests (helpers: ``tests/support/jlab.py``).

A test module sets ``NOTEBOOK`` (the curated notebook it runs) and, optionally, ``NOTEBOOK_NAME``
(the name of the copy JupyterLab opens). ``lab`` starts one JupyterLab per module.
"""

from __future__ import annotations

import os
from pathlib import Path

import jlab
import pytest


@pytest.fixture(scope="module")
def artifacts(tmp_path_factory) -> Path:
    """Where screenshots go: ``$WORKBENCH_TEST_ARTIFACTS/browser`` (CI keeps them) or a temp dir."""
    env = os.environ.get("WORKBENCH_TEST_ARTIFACTS")
    path = Path(env) / "browser" if env else tmp_path_factory.mktemp("browser-artifacts")
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture(scope="module")
def lab(request, tmp_path_factory):
    """JupyterLab serving a copy of the module's ``NOTEBOOK`` (skips or fails without Chromium)."""
    notebook = Path(request.module.NOTEBOOK)
    jlab.require_deps(notebook)
    with jlab.lab_server(tmp_path_factory.mktemp("lab"), notebook,
                         getattr(request.module, "NOTEBOOK_NAME", None)) as server:
        yield server
