"""Notebook 04 (supply chain) in JupyterLab 4, driven by headless Chromium, in smoke mode.

Starts JupyterLab on a copy of ``notebooks/04_supply_chain.ipynb`` (``tests/support/jlab.py``), runs
*Run All Cells* as a user would and checks that

* every code cell ran without an error and no output is wider than the notebook;
* the notebook shows the smoke banner and ENDS with the verdict line;
* the service-level panel shows the adapter first, and the stock it shows is exactly what
  ``inventory.stock_needed`` computes in this test process on the same service-stock curves (the
  notebook writes them to ``runs/notebook-supply/service_panel.json`` under the lab's temp root),
  at the start and after choosing another model (issue 10: the panel drew the frozen base's
  stock curve and showed NaN where every point was above the target).

Skips without Chromium/Playwright (fails instead with ``WORKBENCH_REQUIRE_SYSTEM_DEPS=1``).
Run: ``WORKBENCH_REQUIRE_SYSTEM_DEPS=1 OMP_NUM_THREADS=1 .venv/bin/python -m pytest -m browser
tests/browser/test_supply_chain_browser.py``.
"""

from __future__ import annotations

import json
import re

import jlab
import pytest

pytestmark = pytest.mark.browser

NOTEBOOK = jlab.ROOT / "notebooks" / "04_supply_chain.ipynb"
NOTEBOOK_NAME = "supply_chain.ipynb"
UPDATE_TIMEOUT = jlab.UPDATE_TIMEOUT

# The panel's decision line: "Stock (value) to reach 95% cycle service with LoRA adapter: 1,234".
PANEL_NEEDLE = "cycle service with"

SHOWN = re.compile(r"Stock \(value\) to reach (\d+)% cycle service with (.+?): ([^\n]+)")


def _shown(text: str | None) -> tuple[int, str, str]:
    found = SHOWN.search(text or "")
    assert found, f"the service-level panel's text is not readable: {text!r}"
    return int(found.group(1)), found.group(2).strip(), found.group(3).strip()


def _expected(curves: dict, role: str, target: float) -> str:
    from workbench.usecases.supply_chain.inventory import stock_needed

    need = stock_needed(curves[role], target)
    return f"{need['stock']:,.0f}" if need["status"] == "interpolated" else need["text"]


def test_supply_notebook_runs_and_its_service_panel_matches_the_library(lab, artifacts, capsys):
    from playwright.sync_api import Error as PlaywrightError

    from workbench.usecases.supply_chain.widgets import label

    seen = {}
    with jlab.browser_page(artifacts) as (page, console_errors):
        shown = jlab.run_and_inspect(page, lab, artifacts)
        timings = shown["timings"]
        try:
            seen["start"] = jlab.widget_text(page, PANEL_NEEDLE)
            select = page.locator(".jp-OutputArea .widget-dropdown", has=page.locator("label", has_text="Model"))
            select.locator("select").first.select_option(label=label("ets"))
            seen["ets"] = jlab.widget_text(page, PANEL_NEEDLE, changed_from=seen["start"])
        except PlaywrightError as exc:
            jlab.fail(page, artifacts, lab, f"the service-level panel did not respond: {exc}; seen {seen}; "
                                            f"browser errors: {console_errors[-10:]}")
        page.screenshot(path=str(artifacts / "supply_service_panel.png"), full_page=False)

    jlab.print_timings(capsys, artifacts, timings)
    assert shown["overflow"] == [], f"outputs wider than the notebook: {shown['overflow']}"
    assert shown["banners"] >= 1, "smoke mode, but no smoke banner"
    assert shown["last_output"].startswith("Summary: Best model on this data: "), shown["last_output"]

    data = json.loads((lab["work"] / "runs" / "notebook-supply" / "service_panel.json").read_text())
    curves, target = data["curves"], data["service_level"]
    pct, who, stock = _shown(seen["start"])
    assert (pct, who) == (round(100 * target), label("adapter")), seen["start"]    # the adapter by default
    assert stock == _expected(curves, "adapter", target), seen["start"]
    pct, who, stock = _shown(seen["ets"])
    assert (pct, who) == (round(100 * target), label("ets")) and stock == _expected(curves, "ets", target), seen["ets"]
