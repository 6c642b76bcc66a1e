"""The workbench widgets render and react in JupyterLab 4, driven by headless Chromium.

Starts JupyterLab on a copy of ``notebooks/01_quickstart.ipynb`` and runs it in headless Chromium
as a user would (``tests/support/jlab.py``: kernel connected and idle, then *Run > Run All Cells*).
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

import time

import jlab
import pytest

pytestmark = pytest.mark.browser

NOTEBOOK = jlab.ROOT / "notebooks" / "01_quickstart.ipynb"
NOTEBOOK_NAME = "quickstart.ipynb"
DEFAULT_TEXT = "Gerichtsstand für alle Streitigkeiten aus diesem Vertrag ist München."  # ClauseExplorer's initial text
UPDATE_TIMEOUT = jlab.UPDATE_TIMEOUT

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


def test_clause_explorer_dropdown_updates_the_figure(lab, artifacts, capsys):
    from playwright.sync_api import Error as PlaywrightError

    timings = {}
    with jlab.browser_page(artifacts) as (page, console_errors):
        timings["open"] = jlab.open_notebook(page, lab, artifacts)
        timings["run all"] = jlab.run_all(page, lab, artifacts)
        overflow = jlab.overflowing_outputs(page)

        # The last code cell renders the ClauseExplorer: Dropdown (<select>) + FigureWidget.
        select = page.locator(".jupyter-widget-tab .widget-dropdown select").first
        try:
            select.wait_for(state="visible", timeout=UPDATE_TIMEOUT * 1000)
            page.wait_for_function(f"() => {{ const f = ({FIGURE_JS})(); return f && f.paths.length > 0; }}",
                                   timeout=UPDATE_TIMEOUT * 1000)
        except PlaywrightError as exc:
            jlab.fail(page, artifacts, lab, f"the ClauseExplorer widget did not render: {exc}; "
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

    with capsys.disabled():
        print(f"\n[browser test] screenshots: {artifacts / 'clause_explorer_before.png'} and "
              f"{artifacts / 'clause_explorer_after.png'}; timings (s): "
              + ", ".join(f"{k} {v:.1f}" for k, v in timings.items()))

    assert overflow == [], f"outputs wider than the notebook: {overflow}"
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
