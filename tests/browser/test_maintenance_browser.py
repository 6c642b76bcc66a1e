"""Notebook 03 (predictive maintenance) in JupyterLab 4, driven by headless Chromium, in smoke mode.

Starts JupyterLab on a copy of ``notebooks/03_predictive_maintenance.ipynb`` (``tests/support/jlab.py``),
runs *Run All Cells* as a user would and checks that

* every code cell ran without an error and no output is wider than the notebook;
* the notebook shows the smoke banner and ENDS with the verdict line;
* the alarm panel shows exactly what the library computes in this test process on the same
  predictions (the notebook writes the panel's validation predictions to
  ``runs/notebook-maintenance/alarm_panel.json`` under the lab's temp root): the cheapest threshold
  and its expected cost at start, after raising the missed-failure cost to 100 (issue 10: the text
  kept the old cost), for a hand-typed threshold, and after pressing "cheapest threshold".

Skips without Chromium/Playwright (fails instead with ``WORKBENCH_REQUIRE_SYSTEM_DEPS=1``).
Run: ``WORKBENCH_REQUIRE_SYSTEM_DEPS=1 OMP_NUM_THREADS=1 .venv/bin/python -m pytest -m browser
tests/browser/test_maintenance_browser.py``.
"""

from __future__ import annotations

import json
import re

import jlab
import pytest

pytestmark = pytest.mark.browser

NOTEBOOK = jlab.ROOT / "notebooks" / "03_predictive_maintenance.ipynb"
NOTEBOOK_NAME = "predictive_maintenance.ipynb"
UPDATE_TIMEOUT = jlab.UPDATE_TIMEOUT

# The panel's summary line: "alarm when predicted RUL ≤ 76: ... expected cost 1.0 (0.25 per engine) ...".
PANEL_NEEDLE = "alarm when predicted RUL"

SHOWN = re.compile(r"alarm when predicted RUL ≤ ([-+0-9.e]+):.*?expected cost ([-0-9.]+)", re.S)


def _shown(text: str | None) -> tuple[float, float]:
    found = SHOWN.search(text or "")
    assert found, f"the alarm panel's text is not readable: {text!r}"
    return float(found.group(1)), float(found.group(2))


def _wait_for_text(page, before: str | None):
    return jlab.widget_text(page, PANEL_NEEDLE, changed_from=before)


def _type(page, label: str, value: float) -> None:
    box = page.locator(".jp-OutputArea .widget-text", has=page.locator("label", has_text=label)).first
    field = box.locator("input").first
    field.scroll_into_view_if_needed()
    field.fill(str(value))
    field.press("Enter")


def test_maintenance_notebook_runs_and_its_alarm_panel_matches_the_library(lab, artifacts, capsys):
    from playwright.sync_api import Error as PlaywrightError

    from workbench.usecases.maintenance.evaluation import alarm_cost, cheapest_alarm

    seen = {}
    with jlab.browser_page(artifacts) as (page, console_errors):
        shown = jlab.run_and_inspect(page, lab, artifacts)
        timings = shown["timings"]
        try:
            seen["start"] = jlab.widget_text(page, PANEL_NEEDLE)
            _type(page, "cost of a missed failure", 100)
            seen["missed=100"] = _wait_for_text(page, seen["start"])
            _type(page, "alarm when predicted RUL", 7.5)
            seen["typed"] = _wait_for_text(page, seen["missed=100"])
            page.locator(".jp-OutputArea button", has_text="cheapest threshold").first.click()
            seen["cheapest"] = _wait_for_text(page, seen["typed"])
        except PlaywrightError as exc:
            jlab.fail(page, artifacts, lab, f"the alarm panel did not respond: {exc}; seen {seen}; browser errors: "
                                            f"{console_errors[-10:]}")
        page.screenshot(path=str(artifacts / "maintenance_alarm_panel.png"), full_page=False)

    jlab.print_timings(capsys, artifacts, timings)
    assert shown["overflow"] == [], f"outputs wider than the notebook: {shown['overflow']}"
    assert shown["banners"] >= 1, "smoke mode, but no smoke banner"
    assert shown["last_output"].startswith("Summary: Best model on this data: "), shown["last_output"]

    data = json.loads((lab["work"] / "runs" / "notebook-maintenance" / "alarm_panel.json").read_text())
    pred, truth = data["pred_rul"], data["true_rul"]
    kw = {"horizon": data["horizon"], "cost_early": data["cost_early"]}
    start = cheapest_alarm(pred, truth, cost_missed=data["cost_missed"], **kw)
    assert _shown(seen["start"]) == (start["threshold"], round(start["cost"], 1)), seen["start"]
    best100 = cheapest_alarm(pred, truth, cost_missed=100.0, **kw)
    assert _shown(seen["missed=100"]) == (best100["threshold"], round(best100["cost"], 1)), seen["missed=100"]
    typed = alarm_cost(pred, truth, 7.5, cost_missed=100.0, **kw)
    assert _shown(seen["typed"]) == (7.5, round(typed["cost"], 1)), seen["typed"]
    assert _shown(seen["cheapest"]) == (best100["threshold"], round(best100["cost"], 1)), seen["cheapest"]
