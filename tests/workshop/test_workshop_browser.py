"""A workshop notebook in JupyterLab 4 and headless Chromium, as a participant opens it.

The workshop notebooks name the hub's kernel, ``ki-werkbank`` (``deploy/kernel/install_kernel.sh``).
Where that kernel is not installed (a laptop, this test: a temporary Jupyter data dir holding only
the environment's ``python3``), JupyterLab must still start a kernel by the notebook's language
instead of asking, so the notebooks work on the hub and off it. The test opens a solution, waits for
the kernel to be idle, runs *Run All Cells* and requires every code cell to run without an error
(``tests/support/jlab.py``); it then opens the exercise and requires Run All to stop at Aufgabe 1.

Run with ``WORKBENCH_REQUIRE_SYSTEM_DEPS=1 OMP_NUM_THREADS=1 .venv/bin/python -m pytest -m browser
tests/workshop/test_workshop_browser.py``.
"""

from __future__ import annotations

import os
from pathlib import Path

import jlab
import pytest

pytestmark = pytest.mark.browser

SOLUTION = jlab.ROOT / "workshop" / "solutions" / "01_legal_text.ipynb"
EXERCISE = jlab.ROOT / "workshop" / "exercises" / "01_legal_text.ipynb"


@pytest.fixture
def artifacts(tmp_path) -> Path:
    env = os.environ.get("WORKBENCH_TEST_ARTIFACTS")
    path = Path(env) / "browser-workshop" if env else tmp_path / "artifacts"
    path.mkdir(parents=True, exist_ok=True)
    return path


def test_solution_runs_in_jupyterlab_without_the_hub_kernel(tmp_path, artifacts):
    jlab.require_deps(SOLUTION)
    with jlab.lab_server(tmp_path / "lab", SOLUTION) as lab:
        with jlab.browser_page(artifacts) as (page, console_errors):
            jlab.open_notebook(page, lab, artifacts)   # waits for "<kernel> | Idle": a kernel started
            jlab.run_all(page, lab, artifacts)          # every code cell ran, no error
            text = page.locator(".jp-Notebook").inner_text()
            page.screenshot(path=str(artifacts / "workshop-solution.png"), full_page=True)
    assert "Best model on this data:" in text, "the verdict line is not shown"
    assert "Smoke mode" in text, "the smoke banner is not shown"
    assert not console_errors, console_errors[-10:]


def test_exercise_stops_at_its_first_gap_in_jupyterlab(tmp_path, artifacts):
    jlab.require_deps(EXERCISE)
    with jlab.lab_server(tmp_path / "lab", EXERCISE) as lab:
        with jlab.browser_page(artifacts) as (page, console_errors):
            jlab.open_notebook(page, lab, artifacts)
            page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
            page.locator(".lm-Menu-item[data-command='runmenu:run-all']").click()
            page.wait_for_function("() => [...document.querySelectorAll('.jp-OutputArea-output')]"
                                   ".some(e => e.textContent.includes('NotImplementedError'))",
                                   timeout=jlab.RUN_TIMEOUT * 1000, polling=500)
            errors = page.locator("[data-mime-type='application/vnd.jupyter.stderr']").all_inner_texts()
            page.screenshot(path=str(artifacts / "workshop-exercise.png"), full_page=True)
    stops = [e for e in errors if "NotImplementedError" in e]
    assert len(stops) == 1 and "Aufgabe 1:" in stops[0], errors
