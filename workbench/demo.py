"""The main job behind ``make demo``: every use case end to end, one HTML report.

Each registered use case runs its ``run_experiment`` on its embedded default (generated data,
embedded or factory-pretrained base model), so the demo needs no download and no data of the
user's. The report puts the baseline, the frozen base and the LoRA adapter side by side for
each use case, and each run directory holds the adapter with its model card.

Usage::

    python -m workbench demo             # full demo settings
    python -m workbench demo --smoke     # seconds per use case (CI)
"""

from __future__ import annotations

import time
import traceback
from pathlib import Path
from typing import Sequence

from workbench.report import build_report, escape


def run_demo(output_dir: str | Path = "runs/demo", smoke: bool = False,
             usecases: Sequence[str] | None = None) -> dict:
    """Run the use cases and write ``report.html``.

    Args:
        output_dir: Directory for the runs (one per use case) and the report.
        smoke: Use the tiny settings of each use case.
        usecases: Names to run; default: all registered ones.

    Returns:
        ``{"report": path, "metrics": {usecase: {...}}, "seconds": {...}, "failed": [...]}``.

    Raises:
        RuntimeError: A use case failed (after the report with the others was written).
    """
    from workbench.usecases import USECASES, get_usecase

    output_dir = Path(output_dir)
    names = list(usecases) if usecases else list(USECASES)
    sections, metrics, seconds, failed = [], {}, {}, []
    for name in names:
        uc = get_usecase(name)
        cfg = uc.default_config(smoke=smoke).with_overrides(
            [f"run.output_dir={output_dir.as_posix()}", f"run.name={name}"])
        t0 = time.perf_counter()
        try:
            result = uc.run_experiment(cfg)
        except Exception:  # keep the other use cases' results, then fail loudly
            failed.append(name)
            sections.append((_title(uc), f'<pre class="error">{escape(traceback.format_exc())}</pre>'))
            continue
        seconds[name] = round(time.perf_counter() - t0, 1)
        metrics[name] = result.get("metrics", {})
        sections.append((_title(uc), uc.report_section(result)
                         + f'<p class="note">Run directory: {escape(result.get("run_dir", cfg.run_dir()))}; '
                           f'{seconds[name]} s.</p>'))
    intro = ("<p>Each use case: a classical baseline, the frozen base model with a trained head, and the "
             "LoRA-adapted model, all scored on held-out data.</p>")
    report = build_report(sections, output_dir / "report.html", title="KI-Werkbank demo", intro=intro)
    out = {"report": str(report), "metrics": metrics, "seconds": seconds, "failed": failed}
    if failed:
        raise RuntimeError(f"demo: use case(s) {', '.join(failed)} failed; see {report}")
    return out


def _title(uc: object) -> str:
    return str(getattr(uc, "TITLE", getattr(uc, "NAME", "use case")))
