"""Notebook 02 (German legal text) in JupyterLab 4, driven by headless Chromium, in smoke mode.

Starts JupyterLab on a copy of ``notebooks/02_legal_text.ipynb`` (``tests/support/jlab.py``),
runs *Run All Cells* as a user would and checks that

* every code cell ran without an error and no output is wider than the notebook;
* the notebook shows the smoke banner and ENDS with the verdict line, and that line is exactly the
  one the library computes in this test process from the same data: the notebook's adapter
  (saved under the lab's temp root, ``runs/legal_notebook/adapter``), the two baselines and the
  TF-IDF x adapter hybrid, refitted here from the notebook's config (all deterministic);
* the ClauseExplorer works: its "Misclassified" tab states as many errors as the saved adapter
  makes on the test clauses here; picking a clause in "Try a clause" redraws the probability bars,
  and the adapter's bars in the browser equal ``predict_proba`` of that clause computed here.

Skips without Chromium/Playwright (fails instead with ``WORKBENCH_REQUIRE_SYSTEM_DEPS=1``).
Run: ``WORKBENCH_REQUIRE_SYSTEM_DEPS=1 OMP_NUM_THREADS=1 .venv/bin/python -m pytest -m browser
tests/browser/test_legal_browser.py``.
"""

from __future__ import annotations

import re
import time

import jlab
import numpy as np
import pytest

pytestmark = pytest.mark.browser

NOTEBOOK = jlab.ROOT / "notebooks" / "02_legal_text.ipynb"
NOTEBOOK_NAME = "legal_text.ipynb"
SEED = 42  # the notebook's parameters cell
UPDATE_TIMEOUT = jlab.UPDATE_TIMEOUT

# The ClauseExplorer is the first tab widget of notebook 02; its first plotly graph is the
# probability figure (gd.data: the bars plotly.js drew, one trace per model, the adapter last).
FIGURE_JS = """() => {
    const gd = document.querySelector('.jp-OutputArea .jupyter-widget-tab .js-plotly-plot');
    if (!gd || !gd.data) return null;
    const title = gd.querySelector('.gtitle');
    return {title: title ? title.textContent : '', x: gd.data.map(t => Array.from(t.x || [], Number)),
            labels: gd.data.map(t => Array.from(t.y || [], String))};
}"""


def _library_view(work):
    """What the notebook computed, recomputed here: the test clauses, the adapter and the verdict."""
    from workbench.metrics import verdict
    from workbench.usecases.legal_de import MODEL_ROWS, default_config
    from workbench.usecases.legal_de.baselines import TfidfBaseline
    from workbench.usecases.legal_de.data import prepare_data
    from workbench.usecases.legal_de.hybrid import HybridClauseClassifier
    from workbench.usecases.legal_de.model import FrozenBaseClassifier, LegalClauseClassifier

    # the notebook's config: the run's smoke settings, its seed
    cfg = default_config(smoke=True).with_overrides([f"run.seed={SEED}", "run.resume=false"])
    train, val, test, info = prepare_data(cfg)
    adapter = LegalClauseClassifier.load(work / "runs" / "legal_notebook" / "adapter")
    frozen = FrozenBaseClassifier.from_config(cfg).fit(train, labels=info["labels"])
    baseline = TfidfBaseline.from_config(cfg).fit(train)
    # The notebook's fourth row: TF-IDF x adapter, blend weight chosen on the validation clauses.
    hybrid = HybridClauseClassifier(adapter, tfidf_C=cfg.task.baseline_C, seed=cfg.run.seed).fit(train, val,
                                                                                                 tfidf=baseline)
    scores = {"baseline": baseline.evaluate(test, labels=frozen.labels_)["macro_f1"],
              "frozen_base": frozen.evaluate(test)["macro_f1"], "adapter": adapter.evaluate(test)["macro_f1"],
              "hybrid": hybrid.evaluate(test)["macro_f1"]}
    errors = int(sum(p != t for p, t in zip(adapter.predict(test["text"].tolist()), test["label"])))
    text = verdict(scores, "macro-F1", lower_is_better=False, labels=dict(MODEL_ROWS))["text"]
    return {"adapter": adapter, "test": test, "errors": errors, "verdict": text}


def test_legal_notebook_runs_ends_with_the_verdict_and_its_explorer_matches_the_library(lab, artifacts, capsys):
    from playwright.sync_api import Error as PlaywrightError

    with jlab.browser_page(artifacts) as (page, console_errors):
        shown = jlab.run_and_inspect(page, lab, artifacts)
        timings = shown["timings"]

        select = page.locator(".jupyter-widget-tab .widget-dropdown select").first
        try:
            select.wait_for(state="visible", timeout=UPDATE_TIMEOUT * 1000)
            page.wait_for_function(f"() => {{ const f = ({FIGURE_JS})(); return f && f.x.length > 0; }}",
                                   timeout=UPDATE_TIMEOUT * 1000)
        except PlaywrightError as exc:
            jlab.fail(page, artifacts, lab, f"the ClauseExplorer did not render: {exc}; browser errors: "
                                            f"{console_errors[-10:]}")
        explorer = page.locator(".jupyter-widget-tab").first
        # Tab "Misclassified": its header states the adapter's number of errors.
        explorer.locator(".lm-TabBar-tab", has_text="Misclassified").first.click()
        header = explorer.locator(".widget-html-content", has_text="test examples misclassified").first
        header.wait_for(state="visible", timeout=UPDATE_TIMEOUT * 1000)
        misclassified = header.inner_text()
        page.screenshot(path=str(artifacts / "legal_misclassified.png"), full_page=False)

        # Tab "Try a clause": pick test clauses until the bars change, then read what is drawn.
        explorer.locator(".lm-TabBar-tab", has_text="Try a clause").first.click()
        select.scroll_into_view_if_needed()
        before = page.evaluate(FIGURE_JS)
        t0, after = time.time(), before
        for index in (1, 2, 3):
            select.select_option(index=index)
            try:
                page.wait_for_function(f"""(b) => {{ const f = ({FIGURE_JS})();
                    return f && JSON.stringify(f.x) !== JSON.stringify(b.x); }}""",
                                       arg=before, timeout=UPDATE_TIMEOUT * 1000, polling=250)
                after = page.evaluate(FIGURE_JS)
                break
            except PlaywrightError:
                after = page.evaluate(FIGURE_JS)
        timings["update"] = time.time() - t0
        text = page.locator(".jupyter-widget-tab .widget-textarea textarea").first.input_value()
        page.screenshot(path=str(artifacts / "legal_try_a_clause.png"), full_page=False)

    view = _library_view(lab["work"])
    jlab.print_timings(capsys, artifacts, timings)

    assert shown["overflow"] == [], f"outputs wider than the notebook: {shown['overflow']}"
    assert shown["banners"] >= 1, "smoke mode, but no smoke banner"
    # The notebook ends with the verdict line, and it is the library's verdict on the same data.
    assert shown["last_output"] == f"Summary: {view['verdict']}", (shown["last_output"], view["verdict"])
    found = re.search(r"(\d+) of (\d+) test examples misclassified", misclassified)
    assert found, misclassified
    assert (int(found.group(1)), int(found.group(2))) == (view["errors"], len(view["test"])), misclassified
    assert after["x"] != before["x"], "the probability bars did not change after picking a clause"
    assert text in set(view["test"]["text"]), "the picked clause is not one of the notebook's test clauses"
    expected = view["adapter"].predict_proba([text])[0]
    assert after["labels"][-1] == list(view["adapter"].labels_)
    np.testing.assert_allclose(after["x"][-1], expected, atol=1e-4)
    assert after["title"] == "Adapter predicts: " + view["adapter"].labels_[int(np.argmax(expected))]
