"""The workbench widgets render and react in JupyterLab 4, driven by headless Chromium.

Starts JupyterLab on 127.0.0.1 (empty token, a temp root with ``notebooks/01_quickstart.ipynb``,
``WORKBENCH_SMOKE=1``), opens the notebook in Debian's ``/usr/bin/chromium`` through Playwright
(no browser download: ``executable_path``), runs all cells (Shift+Enter through the notebook), waits for the
ClauseExplorer widget, picks a test clause in its dropdown and checks that the plotly
FigureWidget of class probabilities was redrawn with other values (the kernel computed new
probabilities and the front end re-rendered them). Screenshots before and after are kept in
``$WORKBENCH_TEST_ARTIFACTS`` (default ``runs/test-artifacts/browser``) for CI to upload.

Skips with the reason when Chromium or Playwright is absent (``.ci/install_system_deps.sh``
installs both). Marked ``browser``: CI runs it in its own step.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOK = ROOT / "notebooks" / "01_quickstart.ipynb"
CHROMIUM = os.environ.get("WORKBENCH_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-dev-shm-usage"]


def _skip_reason() -> str | None:
    if not Path(CHROMIUM).is_file():
        return f"needs Chromium at {CHROMIUM} (apt-get install chromium; or set WORKBENCH_CHROMIUM)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "needs the pip package playwright (no browser download needed: Debian's chromium is used)"
    if not NOTEBOOK.is_file():
        return f"{NOTEBOOK} not found"
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def artifacts() -> Path:
    path = Path(os.environ.get("WORKBENCH_TEST_ARTIFACTS", ROOT / "runs" / "test-artifacts")) / "browser"
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    reason = _skip_reason()
    if reason:
        pytest.skip(reason)
    root = tmp_path_factory.mktemp("lab")
    shutil.copy(NOTEBOOK, root / "quickstart.ipynb")
    port = _free_port()
    env = dict(os.environ, WORKBENCH_SMOKE="1", HF_HUB_OFFLINE="1", PYTHONPATH=str(ROOT),
               WORKBENCH_HOME=str(root / "workbench-home"), JUPYTER_CONFIG_DIR=str(root / "jupyter-config"),
               JUPYTER_RUNTIME_DIR=str(root / "runtime"), OMP_NUM_THREADS="1")
    log = open(root / "lab.log", "w")
    cmd = [sys.executable, "-m", "jupyter", "lab", "--no-browser", "--ip=127.0.0.1", f"--port={port}",
           "--ServerApp.token=", "--ServerApp.password=", "--ServerApp.disable_check_xsrf=True",
           f"--ServerApp.root_dir={root}", "--LabApp.news_url=", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"]
    if os.geteuid() == 0:
        cmd.append("--allow-root")
    proc = subprocess.Popen(cmd, cwd=root, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 120
        while True:
            try:
                with urllib.request.urlopen(f"{url}/api/status", timeout=2):
                    break
            except OSError:
                pass
            if proc.poll() is not None or time.time() > deadline:
                pytest.fail("JupyterLab did not start:\n" + (root / "lab.log").read_text()[-4000:])
            time.sleep(0.5)
        yield {"url": url, "root": root}
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)  # the server and its kernels: our own process group
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
        log.close()


def _figure_state(page) -> str:
    """Title and bar labels of the first plotly figure in the widget (the class probabilities)."""
    return page.evaluate("""() => {
        const plot = document.querySelector('.jp-OutputArea .js-plotly-plot');
        if (!plot) return '';
        const title = plot.querySelector('.gtitle');
        const bars = [...plot.querySelectorAll('.bartext, .point path')].map(e => e.textContent || e.getAttribute('d'));
        return (title ? title.textContent : '') + '|' + bars.join(',');
    }""")


def test_clause_explorer_dropdown_updates_the_figure(lab, artifacts):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(viewport={"width": 1400, "height": 1000})
            page = context.new_page()
            page.set_default_timeout(120_000)
            page.goto(f"{lab['url']}/lab/tree/quickstart.ipynb")
            page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=120_000)
            # Wait for the kernel to be idle before running (JupyterLab 4's execution indicator).
            page.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status='idle']", timeout=180_000)
            # Run every cell with Shift+Enter from the first one (command mode): more robust than
            # clicking through the Run menu, whose items can be hit while it still animates.
            n_cells = page.locator(".jp-Notebook .jp-Cell").count()
            page.locator(".jp-Notebook .jp-Cell").first.click()
            page.keyboard.press("Escape")
            for _ in range(n_cells):
                page.keyboard.press("Shift+Enter")
                page.wait_for_timeout(200)

            # The last code cell renders the ClauseExplorer: a Dropdown (a <select>) and a FigureWidget.
            select = page.locator(".jupyter-widgets.widget-dropdown select").first
            select.wait_for(state="visible", timeout=900_000)
            page.wait_for_function("""() => { const p = document.querySelector('.jp-OutputArea .js-plotly-plot');
                                             return p && p.querySelector('.gtitle, .bartext'); }""", timeout=120_000)
            page.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status='idle']", timeout=900_000)
            select.scroll_into_view_if_needed()
            before = _figure_state(page)
            page.screenshot(path=str(artifacts / "clause_explorer_before.png"), full_page=False)

            options = select.locator("option")
            assert options.count() > 3, "the dropdown lists no test clauses"
            changed, after = False, before
            for index in (1, 2, 3):  # a clause might, rarely, give the same bars: try a few
                select.select_option(index=index)
                deadline = time.time() + 120
                while time.time() < deadline:
                    after = _figure_state(page)
                    if after and after != before:
                        changed = True
                        break
                    page.wait_for_timeout(500)
                if changed:
                    break
            page.screenshot(path=str(artifacts / "clause_explorer_after.png"), full_page=False)
            textarea = page.locator(".jupyter-widgets.widget-textarea textarea").first.input_value()
        finally:
            browser.close()

    assert before, "the probability figure did not render"
    assert changed, f"the figure did not change after picking a clause: {before!r}"
    assert "Adapter predicts" in after
    assert textarea and not textarea.startswith("Gerichtsstand für alle Streitigkeiten aus diesem Vertrag ist München.")
    assert (artifacts / "clause_explorer_after.png").stat().st_size > 10_000
