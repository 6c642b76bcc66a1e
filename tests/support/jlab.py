"""Shared pieces of the headless-browser notebook tests: JupyterLab 4 driven by Debian's Chromium.

Each browser test module runs one curated notebook as a user would: JupyterLab on 127.0.0.1 (empty
token, a temp root holding a copy of the notebook, temp Jupyter config, data and runtime dirs,
``WORKBENCH_SMOKE=1``), the notebook opened in ``/usr/bin/chromium`` through Playwright (no browser
download: ``executable_path``), *Run > Run All Cells* once the kernel is connected and idle, then
the module operates the notebook's widgets and checks what the page shows.

Usage in a test module (``tests/browser/conftest.py`` provides the ``lab`` and ``artifacts``
fixtures; the module names its notebook; ``tests/support`` is on pytest's ``pythonpath``)::

    import jlab
    NOTEBOOK = jlab.ROOT / "notebooks" / "03_predictive_maintenance.ipynb"

    def test_alarm_panel(lab, artifacts):
        with jlab.browser_page(artifacts) as (page, console_errors):
            jlab.open_notebook(page, lab, artifacts)
            timings = jlab.run_all(page, lab, artifacts)
            assert jlab.overflowing_outputs(page) == []
            ...

The notebook runs with ``lab["work"]`` as its working directory, so files it writes (run
directories under ``runs/``) can be read by the test afterwards. Every wait is bounded, so a broken
front end fails instead of hanging CI. Screenshots go to ``$WORKBENCH_TEST_ARTIFACTS/browser`` when
that is set, else to pytest's temp dir.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Iterator

import pytest

ROOT = Path(__file__).resolve().parents[2]  # the repository (tests/support/jlab.py)
CHROMIUM = os.environ.get("WORKBENCH_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-dev-shm-usage"]
VIEWPORT = {"width": 1400, "height": 1100}

# Bounds (seconds). A smoke-mode notebook runs in about 1 min on 2 busy cores.
START_TIMEOUT = 120      # JupyterLab server up; notebook open and kernel idle
RUN_TIMEOUT = 480        # Run All Cells until every code cell has run
UPDATE_TIMEOUT = 60      # a widget redraws after an interaction

# JupyterLab user settings for the test profile: every cell in the DOM (no windowing, so all
# prompts and outputs can be inspected) and no news toast over the notebook.
LAB_SETTINGS = {
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {"fetchNews": "false",
                                                                       "checkForUpdates": False},
}

# The status bar's kernel item reads "No Kernel | Initializing", "KI-Werkbank (Python 3) | Connecting"
# (or "Python 3 (ipykernel) | ..."), "... | Unknown", then "... | Idle". (The toolbar's execution
# indicator says data-status="idle" already before any kernel exists, so it cannot tell that the
# kernel is ready.)
KERNEL_IDLE_JS = """() => [...document.querySelectorAll('.jp-StatusBar-TextItem')]
    .some(e => /^(?!No Kernel).+ \\| Idle$/.test(e.textContent.trim()))"""

PROMPTS_JS = """() => [...document.querySelectorAll('.jp-Notebook .jp-CodeCell .jp-InputArea-prompt')]
    .map(e => e.textContent.trim())"""

# Run All has finished (or stopped at an error) when the kernel is idle and no cell is queued or
# running ("[*]:"). Between two cells the kernel is briefly idle, but the next one is still "[*]".
RUN_DONE_JS = """() => {
    const kernelIdle = (""" + KERNEL_IDLE_JS + """)();
    const prompts = (""" + PROMPTS_JS + """)();
    return kernelIdle && prompts.length > 0 && !prompts.some(p => p.includes('*'));
}"""

# Tracebacks (JupyterLab renders error outputs as stderr text) and widgets that failed to render.
ERRORS_JS = """() => [...document.querySelectorAll('.jp-Notebook .jp-OutputArea-output')]
    .filter(e => (e.dataset.mimeType === 'application/vnd.jupyter.stderr' && /Traceback|Error:/.test(e.textContent))
                 || /Error displaying widget|Failed to (load|create) (model|view)/.test(e.textContent))
    .map(e => e.textContent.slice(-1500))"""

# The text of the last output of the last code cell: where a notebook's verdict line must stand.
LAST_OUTPUT_JS = """() => {
    const cells = [...document.querySelectorAll('.jp-Notebook .jp-CodeCell')];
    const last = cells[cells.length - 1];
    const outs = last ? last.querySelectorAll('.jp-OutputArea-output') : [];
    return outs.length ? outs[outs.length - 1].innerText.trim() : '';
}"""

def widget_text_js(needle: str) -> str:
    """JS returning the text of the first widget HTML output that contains ``needle`` (or null)."""
    return ("() => { const el = [...document.querySelectorAll('.jp-OutputArea .widget-html-content')]"
            f".find(e => e.innerText.includes({json.dumps(needle)})); return el ? el.innerText : null; }}")


def widget_text(page, needle: str, *, changed_from: str | None = None) -> str:
    """Wait until a widget HTML output containing ``needle`` is shown (and differs from
    ``changed_from``, when given, e.g. after an interaction) and return its text."""
    js = widget_text_js(needle)
    page.wait_for_function(f"(b) => {{ const t = ({js})(); return t !== null && t !== b; }}", arg=changed_from,
                           timeout=UPDATE_TIMEOUT * 1000, polling=250)
    return page.evaluate(js)


# Every element inside a cell output whose right edge lies past the notebook's cells. JupyterLab's
# output area scrolls sideways (overflow-x: auto), so such content is cut off behind a scroll bar:
# exactly what a user must not see. Only content that a ``hidden``/``clip`` ancestor inside the
# output cuts off on purpose is exempt. Reported as "cell N: tag.class (left-right px, cell right
# edge R px)", one line per output.
OVERFLOW_JS = """() => {
    const cells = [...document.querySelectorAll('.jp-Notebook .jp-Cell')];
    const found = [];
    cells.forEach((cell, index) => {
        const limit = cell.getBoundingClientRect().right + 1;
        for (const out of cell.querySelectorAll('.jp-OutputArea-output')) {
            const nodes = [out, ...out.querySelectorAll('*')].slice(0, 5000);
            for (const el of nodes) {
                const r = el.getBoundingClientRect();
                if (r.width === 0 || r.height === 0 || r.right <= limit) continue;
                let clipped = false;
                for (let a = el.parentElement; a && a !== out; a = a.parentElement) {
                    const ox = getComputedStyle(a).overflowX;
                    if ((ox === 'hidden' || ox === 'clip') && a.getBoundingClientRect().right <= limit) {
                        clipped = true;
                        break;
                    }
                }
                if (!clipped) {
                    const cls = (typeof el.className === 'string' ? el.className : (el.className.baseVal || ''))
                        .split(' ').filter(Boolean).slice(0, 2).join('.');
                    found.push(`cell ${index}: ${el.tagName.toLowerCase()}.${cls} `
                               + `(${Math.round(r.left)}-${Math.round(r.right)} px, cell right edge ${Math.round(limit)} px)`);
                    break;  // one report per output is enough
                }
            }
        }
    });
    return found;
}"""


def skip_reason(notebook: Path) -> str | None:
    """Why the browser test cannot run here (None when it can)."""
    if not Path(CHROMIUM).is_file():
        return f"needs Chromium at {CHROMIUM} (apt-get install chromium; or set WORKBENCH_CHROMIUM)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "needs the pip package playwright (no browser download needed: Debian's chromium is used)"
    if not notebook.is_file():
        return f"{notebook} not found"
    return None


def require_deps(notebook: Path) -> None:
    """Skip without Chromium/Playwright, or fail when ``WORKBENCH_REQUIRE_SYSTEM_DEPS=1`` (CI)."""
    reason = skip_reason(notebook)
    if reason:
        if os.environ.get("WORKBENCH_REQUIRE_SYSTEM_DEPS") == "1":
            pytest.fail(f"WORKBENCH_REQUIRE_SYSTEM_DEPS=1: {reason}")
        pytest.skip(reason)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def lab_server(root: Path, notebook: Path, name: str | None = None) -> Iterator[dict]:
    """Run JupyterLab on a copy of ``notebook`` in ``root``; stop it (and its kernels) afterwards.

    Yields:
        ``{"url", "root", "work", "log", "name", "notebook"}``: ``work`` is the notebook's folder and
        working directory, ``name`` the copy's file name, ``notebook`` the original's path.
    """
    name = name or notebook.name
    work = root / "notebooks"
    work.mkdir(parents=True, exist_ok=True)
    shutil.copy(notebook, work / name)
    config = root / "jupyter-config"
    for key, values in LAB_SETTINGS.items():
        path = config / "lab" / "user-settings" / key
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values), encoding="utf-8")
    port = _free_port()
    env = dict(os.environ, WORKBENCH_SMOKE="1", HF_HUB_OFFLINE="1", PYTHONPATH=str(ROOT),
               WORKBENCH_HOME=str(root / "workbench-home"), JUPYTER_CONFIG_DIR=str(config),
               JUPYTER_DATA_DIR=str(root / "jupyter-data"), JUPYTER_RUNTIME_DIR=str(root / "runtime"),
               JUPYTERLAB_SETTINGS_DIR=str(config / "lab" / "user-settings"),
               JUPYTERLAB_WORKSPACES_DIR=str(config / "lab" / "workspaces"),
               OMP_NUM_THREADS="1", TOKENIZERS_PARALLELISM="false")
    log_path = root / "lab.log"
    cmd = [sys.executable, "-m", "jupyter", "lab", "--no-browser", "--ip=127.0.0.1", f"--port={port}",
           "--IdentityProvider.token=", "--ServerApp.password=", "--ServerApp.disable_check_xsrf=True",
           f"--ServerApp.root_dir={work}", "--LabApp.news_url=",
           "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"]
    if os.geteuid() == 0:
        cmd.append("--allow-root")
    with open(log_path, "w") as log:
        proc = subprocess.Popen(cmd, cwd=work, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.time() + START_TIMEOUT
            while True:
                try:
                    with urllib.request.urlopen(f"{url}/api/status", timeout=2):
                        break
                except OSError:
                    pass
                if proc.poll() is not None or time.time() > deadline:
                    pytest.fail("JupyterLab did not start:\n" + log_path.read_text()[-4000:])
                time.sleep(0.5)
            yield {"url": url, "root": root, "work": work, "log": log_path, "name": name, "notebook": notebook}
        finally:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)  # the server and its kernels: our own process group
                try:
                    proc.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    os.killpg(proc.pid, signal.SIGKILL)


@contextlib.contextmanager
def browser_page(artifacts: Path) -> Iterator[tuple]:
    """A fresh headless Chromium page (1400 x 1100) and the list its console errors are appended to."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS,
                                     timeout=START_TIMEOUT * 1000)
        try:
            page = browser.new_context(viewport=VIEWPORT).new_page()
            page.set_default_timeout(30_000)
            console_errors: list[str] = []
            page.on("console", lambda m: console_errors.append(m.text[:500]) if m.type == "error" else None)
            page.on("pageerror", lambda e: console_errors.append(f"pageerror: {e}"[:500]))
            yield page, console_errors
        finally:
            browser.close()


def fail(page, artifacts: Path, lab: dict, message: str, shot: str = "failure.png") -> None:
    """Fail with a screenshot and the tail of the server log (the kernel's stderr lands there)."""
    path = artifacts / shot
    try:
        page.screenshot(path=str(path), full_page=False)
    except Exception:  # noqa: BLE001 - the message matters more than the screenshot
        pass
    pytest.fail(f"{message}\nscreenshot: {path}\nJupyterLab log (tail):\n{lab['log'].read_text()[-3000:]}")


def notebook_cells(lab: dict) -> list[dict]:
    """The cells of the notebook under test (from the original file)."""
    return json.loads(Path(lab["notebook"]).read_text(encoding="utf-8"))["cells"]


def open_notebook(page, lab: dict, artifacts: Path) -> float:
    """Open the notebook and wait until all its cells are drawn and the kernel is connected and idle.

    Returns:
        Seconds it took.
    """
    from playwright.sync_api import Error as PlaywrightError

    n_cells = len(notebook_cells(lab))
    t0 = time.time()
    try:
        page.goto(f"{lab['url']}/lab/tree/{lab['name']}", timeout=START_TIMEOUT * 1000)
        # All cells in the DOM and the kernel connected and idle: only then can Run All work
        # (cells run before the kernel is connected are skipped by JupyterLab, silently).
        page.wait_for_function(f"() => document.querySelectorAll('.jp-Notebook .jp-Cell').length === {n_cells}",
                               timeout=START_TIMEOUT * 1000)
        page.wait_for_function(KERNEL_IDLE_JS, timeout=START_TIMEOUT * 1000, polling=250)
    except PlaywrightError as exc:
        fail(page, artifacts, lab, f"the notebook did not open with an idle kernel: {exc}")
    return time.time() - t0


def run_all(page, lab: dict, artifacts: Path, timeout: float = RUN_TIMEOUT) -> float:
    """*Run > Run All Cells* as a user would; fail unless every code cell ran without an error.

    Returns:
        Seconds it took.
    """
    from playwright.sync_api import Error as PlaywrightError

    n_code = sum(c["cell_type"] == "code" for c in notebook_cells(lab))
    t0 = time.time()
    page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
    page.locator(".lm-Menu-item[data-command='runmenu:run-all']").click()
    try:  # the first code cell is queued, running or done
        page.wait_for_function(f"() => ({PROMPTS_JS})()[0] !== '[ ]:'", timeout=30_000, polling=250)
        page.wait_for_function(RUN_DONE_JS, timeout=timeout * 1000, polling=1000)
    except PlaywrightError as exc:
        fail(page, artifacts, lab, f"Run All Cells did not finish: {exc}; prompts {page.evaluate(PROMPTS_JS)}")
    prompts, errors = page.evaluate(PROMPTS_JS), page.evaluate(ERRORS_JS)
    if errors or len(prompts) != n_code or not all(p[1:-2].isdigit() for p in prompts):
        fail(page, artifacts, lab, f"not every code cell ran cleanly: prompts {prompts}, errors {errors}")
    return time.time() - t0


def overflowing_outputs(page) -> list[str]:
    """Outputs with content wider than the notebook's cells (empty when everything fits)."""
    return page.evaluate(OVERFLOW_JS)


def run_and_inspect(page, lab: dict, artifacts: Path) -> dict:
    """Open the notebook, *Run All*, then read what every curated notebook must show.

    Returns:
        ``{"timings": {"open": s, "run all": s}, "overflow": [...] (see :func:`overflowing_outputs`),
        "banners": number of smoke banners shown, "last_output": text of the last output}``.
    """
    timings = {"open": open_notebook(page, lab, artifacts), "run all": run_all(page, lab, artifacts)}
    return {"timings": timings, "overflow": overflowing_outputs(page),
            "banners": page.locator(".jp-OutputArea .smoke").count(), "last_output": page.evaluate(LAST_OUTPUT_JS)}


def print_timings(capsys, artifacts: Path, timings: dict) -> None:
    """Show where the screenshots are and how long each step took, also under ``pytest -q``."""
    with capsys.disabled():
        print(f"\n[browser test] screenshots in {artifacts}; timings (s): "
              + ", ".join(f"{k} {v:.1f}" for k, v in timings.items()))
