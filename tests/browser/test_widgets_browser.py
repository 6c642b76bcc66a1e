"""The workbench widgets render and react in JupyterLab 4, driven by headless Chromium.

Starts JupyterLab on 127.0.0.1 (empty token, a temp root with ``notebooks/01_quickstart.ipynb``,
temp Jupyter config, data and runtime dirs, ``WORKBENCH_SMOKE=1``), opens the notebook in
Debian's ``/usr/bin/chromium`` through Playwright (no browser download: ``executable_path``) and
runs it as a user would: wait until the kernel is connected and idle, then *Run > Run All Cells*.
It checks that every code cell ran without error, waits for the quickstart's ``ClauseExplorer``
(``workbench/usecases/legal_de/widgets.py``: a Dropdown and a plotly ``FigureWidget``), picks a
test clause in the dropdown and checks that the figure in the browser was redrawn: the bar values
plotly.js holds and the drawn SVG bars differ from before, and the title ("Adapter predicts: ...")
names the adapter's top bar, so the kernel computed new probabilities and the front end re-rendered
them.

Screenshots before and after go to ``$WORKBENCH_TEST_ARTIFACTS/browser`` when that is set (CI can
upload them), otherwise to pytest's temp dir; the path is printed. Every wait is bounded (whole
test: a few minutes at most), so a broken front end fails instead of hanging CI.

Skips with the reason when Chromium or Playwright is absent (``.ci/install_system_deps.sh``
installs both), and fails instead when ``WORKBENCH_REQUIRE_SYSTEM_DEPS=1`` (CI and
``make test-browser`` set it, so a missing dependency cannot pass as a skip). Marked ``browser``:
CI runs it in its own step.
"""

from __future__ import annotations

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

import pytest

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOK = ROOT / "notebooks" / "01_quickstart.ipynb"
CHROMIUM = os.environ.get("WORKBENCH_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-dev-shm-usage"]
DEFAULT_TEXT = "Gerichtsstand für alle Streitigkeiten aus diesem Vertrag ist München."  # ClauseExplorer's initial text

# Bounds (seconds). The smoke-mode quickstart runs in about 1 min on 2 busy cores.
START_TIMEOUT = 120      # JupyterLab server up; notebook open and kernel idle
RUN_TIMEOUT = 480        # Run All Cells until every code cell has run
UPDATE_TIMEOUT = 60      # the figure redraws after a dropdown pick

# JupyterLab user settings for the test profile: every cell in the DOM (no windowing, so all
# prompts and outputs can be inspected) and no news toast over the notebook.
LAB_SETTINGS = {
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {"fetchNews": "false",
                                                                       "checkForUpdates": False},
}


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
def artifacts(tmp_path_factory) -> Path:
    env = os.environ.get("WORKBENCH_TEST_ARTIFACTS")
    path = Path(env) / "browser" if env else tmp_path_factory.mktemp("browser-artifacts")
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    reason = _skip_reason()
    if reason:
        if os.environ.get("WORKBENCH_REQUIRE_SYSTEM_DEPS") == "1":
            pytest.fail(f"WORKBENCH_REQUIRE_SYSTEM_DEPS=1: {reason}")
        pytest.skip(reason)
    root = tmp_path_factory.mktemp("lab")
    work = root / "notebooks"
    work.mkdir()
    shutil.copy(NOTEBOOK, work / "quickstart.ipynb")
    config = root / "jupyter-config"
    for name, values in LAB_SETTINGS.items():
        path = config / "lab" / "user-settings" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values), encoding="utf-8")
    port = _free_port()
    env = dict(os.environ, WORKBENCH_SMOKE="1", HF_HUB_OFFLINE="1", PYTHONPATH=str(ROOT),
               WORKBENCH_HOME=str(root / "workbench-home"), JUPYTER_CONFIG_DIR=str(config),
               JUPYTER_DATA_DIR=str(root / "jupyter-data"), JUPYTER_RUNTIME_DIR=str(root / "runtime"),
               JUPYTERLAB_SETTINGS_DIR=str(config / "lab" / "user-settings"),
               JUPYTERLAB_WORKSPACES_DIR=str(config / "lab" / "workspaces"),
               OMP_NUM_THREADS="1", TOKENIZERS_PARALLELISM="false")
    log = open(root / "lab.log", "w")
    cmd = [sys.executable, "-m", "jupyter", "lab", "--no-browser", "--ip=127.0.0.1", f"--port={port}",
           "--IdentityProvider.token=", "--ServerApp.password=", "--ServerApp.disable_check_xsrf=True",
           f"--ServerApp.root_dir={work}", "--LabApp.news_url=",
           "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"]
    if os.geteuid() == 0:
        cmd.append("--allow-root")
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
                pytest.fail("JupyterLab did not start:\n" + (root / "lab.log").read_text()[-4000:])
            time.sleep(0.5)
        yield {"url": url, "root": root, "log": root / "lab.log"}
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)  # the server and its kernels: our own process group
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
        log.close()


# ------------------------------------------------------------------------------ page helpers
# The status bar's kernel item reads "No Kernel | Initializing", "Python 3 (ipykernel) | Connecting",
# "... | Unknown", then "... | Idle". (The toolbar's execution indicator says data-status="idle"
# already before any kernel exists, so it cannot tell that the kernel is ready.)
KERNEL_IDLE_JS = """() => [...document.querySelectorAll('.jp-StatusBar-TextItem')]
    .some(e => /\\(ipykernel\\) \\| Idle$/.test(e.textContent.trim()))"""

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

# The probability figure: the first plotly graph div inside the ClauseExplorer's tabs. plotly.js
# keeps the traces it draws on the graph div (gd.data), so x are the bar lengths in the browser.
FIGURE_JS = """() => {
    const gd = document.querySelector('.jp-OutputArea .jupyter-widget-tab .js-plotly-plot');
    if (!gd || !gd.data) return null;
    const title = gd.querySelector('.gtitle');
    return {
        title: title ? title.textContent : '',
        x: gd.data.map(t => Array.from(t.x || [], Number)),
        labels: gd.data.map(t => Array.from(t.y || [], String)),
        paths: [...gd.querySelectorAll('.barlayer .point path')].map(p => p.getAttribute('d')),
        texts: [...gd.querySelectorAll('.barlayer .bartext')].map(t => t.textContent),
    };
}"""


def _fail(page, artifacts: Path, lab: dict, message: str) -> None:
    """Fail with a screenshot and the tail of the server log (the kernel's stderr lands there)."""
    shot = artifacts / "failure.png"
    try:
        page.screenshot(path=str(shot), full_page=False)
    except Exception:  # noqa: BLE001 - the message matters more than the screenshot
        pass
    pytest.fail(f"{message}\nscreenshot: {shot}\nJupyterLab log (tail):\n{lab['log'].read_text()[-3000:]}")


def test_clause_explorer_dropdown_updates_the_figure(lab, artifacts, capsys):
    from playwright.sync_api import Error as PlaywrightError
    from playwright.sync_api import sync_playwright

    cells = json.loads(NOTEBOOK.read_text(encoding="utf-8"))["cells"]
    n_cells, n_code = len(cells), sum(c["cell_type"] == "code" for c in cells)
    timings = {}
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS,
                                     timeout=START_TIMEOUT * 1000)
        try:
            context = browser.new_context(viewport={"width": 1400, "height": 1100})
            page = context.new_page()
            page.set_default_timeout(30_000)
            console_errors: list[str] = []
            page.on("console", lambda m: console_errors.append(m.text[:500]) if m.type == "error" else None)
            page.on("pageerror", lambda e: console_errors.append(f"pageerror: {e}"[:500]))
            t0 = time.time()
            try:
                page.goto(f"{lab['url']}/lab/tree/quickstart.ipynb", timeout=START_TIMEOUT * 1000)
                # All cells in the DOM and the kernel connected and idle: only then can Run All work
                # (cells run before the kernel is connected are skipped by JupyterLab, silently).
                page.wait_for_function(f"() => document.querySelectorAll('.jp-Notebook .jp-Cell').length === {n_cells}",
                                       timeout=START_TIMEOUT * 1000)
                page.wait_for_function(KERNEL_IDLE_JS, timeout=START_TIMEOUT * 1000, polling=250)
            except PlaywrightError as exc:
                _fail(page, artifacts, lab, f"the notebook did not open with an idle kernel: {exc}")
            timings["open"] = time.time() - t0

            # Run > Run All Cells, as a user would.
            t0 = time.time()
            page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
            page.locator(".lm-Menu-item[data-command='runmenu:run-all']").click()
            try:  # the first code cell is queued, running or done
                page.wait_for_function(f"() => ({PROMPTS_JS})()[0] !== '[ ]:'", timeout=30_000, polling=250)
                page.wait_for_function(RUN_DONE_JS, timeout=RUN_TIMEOUT * 1000, polling=1000)
            except PlaywrightError as exc:
                _fail(page, artifacts, lab, f"Run All Cells did not finish: {exc}; prompts {page.evaluate(PROMPTS_JS)}")
            timings["run all"] = time.time() - t0
            prompts, errors = page.evaluate(PROMPTS_JS), page.evaluate(ERRORS_JS)
            if errors or len(prompts) != n_code or not all(p[1:-2].isdigit() for p in prompts):
                _fail(page, artifacts, lab, f"not every code cell ran cleanly: prompts {prompts}, errors {errors}")

            # The last code cell renders the ClauseExplorer: Dropdown (<select>) + FigureWidget.
            select = page.locator(".jupyter-widget-tab .widget-dropdown select").first
            try:
                select.wait_for(state="visible", timeout=UPDATE_TIMEOUT * 1000)
                page.wait_for_function(f"() => {{ const f = ({FIGURE_JS})(); return f && f.paths.length > 0; }}",
                                       timeout=UPDATE_TIMEOUT * 1000)
            except PlaywrightError as exc:
                _fail(page, artifacts, lab, f"the ClauseExplorer widget did not render: {exc}; "
                                            f"browser errors: {console_errors[-10:]}")
            select.scroll_into_view_if_needed()
            before = page.evaluate(FIGURE_JS)
            page.screenshot(path=str(artifacts / "clause_explorer_before.png"), full_page=False)

            options = select.locator("option")
            assert options.count() > 3, "the dropdown lists no test clauses"
            # Pick the first test clause (option 0 is "type your own"). A clause might, rarely,
            # give bars identical to the default text's to 2 decimals: then try the next one.
            t0 = time.time()
            after, picked = before, None
            for index in (1, 2, 3):
                picked = options.nth(index).text_content().replace("\xa0", " ")  # ipywidgets uses &nbsp;
                select.select_option(index=index)
                try:
                    page.wait_for_function(
                        f"""(before) => {{ const f = ({FIGURE_JS})();
                            return f && JSON.stringify(f.x) !== JSON.stringify(before.x)
                                   && JSON.stringify(f.paths) !== JSON.stringify(before.paths); }}""",
                        arg=before, timeout=UPDATE_TIMEOUT * 1000, polling=250)
                    after = page.evaluate(FIGURE_JS)
                    break
                except PlaywrightError:
                    after = page.evaluate(FIGURE_JS)
            timings["update"] = time.time() - t0
            page.wait_for_timeout(500)  # let plotly's transition settle for the picture
            page.screenshot(path=str(artifacts / "clause_explorer_after.png"), full_page=False)
            textarea = page.locator(".jupyter-widget-tab .widget-textarea textarea").first.input_value()
        finally:
            browser.close()

    with capsys.disabled():
        print(f"\n[browser test] screenshots: {artifacts / 'clause_explorer_before.png'} and "
              f"{artifacts / 'clause_explorer_after.png'}; timings (s): "
              + ", ".join(f"{k} {v:.1f}" for k, v in timings.items()))

    assert before["x"] and all(len(x) == len(before["labels"][0]) for x in before["x"]), before
    # The title names the adapter's prediction for the default text from the start.
    assert before["title"] == "Adapter predicts: " + before["labels"][-1][before["x"][-1].index(max(before["x"][-1]))]
    assert after["x"] != before["x"] and after["paths"] != before["paths"], \
        f"the figure did not change after picking {picked!r}:\nbefore {before}\nafter {after}"
    assert after["title"].startswith("Adapter predicts: "), after["title"]
    assert after["title"].removeprefix("Adapter predicts: ") in after["labels"][0], (after["title"], after["labels"])
    # Each model's probabilities sum to 1 (the kernel's softmax made it to the browser), and the
    # adapter's top class is the one the title names.
    for x in after["x"]:
        assert abs(sum(x) - 1) < 1e-3, after["x"]
    adapter = after["x"][-1]
    assert after["labels"][-1][adapter.index(max(adapter))] == after["title"].removeprefix("Adapter predicts: ")
    assert textarea and textarea != DEFAULT_TEXT, "the picked clause was not loaded into the text box"
    assert picked and picked.split("] ", 1)[1][:40] in textarea, (picked, textarea)
    assert (artifacts / "clause_explorer_after.png").stat().st_size > 10_000
