"""The main job behind ``make demo``: every use case end to end, one HTML report.

Each registered use case runs its ``run_experiment`` on its embedded default (generated data,
embedded or factory-pretrained base model), so the demo needs no download and no data of the
user's. The report puts the baseline, the frozen base and the LoRA adapter side by side for
each use case, and each run directory holds the adapter with its model card.

The demo is never silent: each use case runs inside a :func:`workbench.progress.stage` (its own
steps and training epochs report inside it), and the demo ends with one summary line per use
case: its time, its honest verdict (``result["verdict"]``, made by the use case with
:func:`workbench.metrics.verdict`) and the model to use, chosen on validation data
(``result["recommendation"]``, where the use case makes one). The report opens with the same verdict lines, and with the
smoke banner in smoke mode. Example on stderr::

    [workbench] German legal clauses …
    [workbench]   epoch 1/2: train_loss 1.87, val_macro_f1 0.41 (best 0.41), 3.1 s elapsed, about 3.1 s left
    [workbench] German legal clauses: done in 41.2 s
    [workbench] summary: German legal clauses (41.2 s): Best model on this data: TF-IDF baseline (macro-F1 0.83). ...

Usage::

    python -m workbench demo             # full demo settings
    python -m workbench demo --smoke     # seconds per use case (CI)
"""

from __future__ import annotations

import time
import traceback
from pathlib import Path
from typing import Any, Sequence

from workbench.progress import emit, format_seconds, stage
from workbench.report import build_report, escape, summary_html, verdict_list_html

NO_VERDICT = "no verdict line: the use case reported no result['verdict']"


def verdict_text(result: dict) -> str | None:
    """The verdict line of a use case's result: ``result["verdict"]["text"]`` (or a plain string)."""
    verdict: Any = result.get("verdict")
    if isinstance(verdict, dict):
        verdict = verdict.get("text")
    return str(verdict) if verdict else None


def run_demo(output_dir: str | Path = "runs/demo", smoke: bool = False,
             usecases: Sequence[str] | None = None) -> dict:
    """Run the use cases and write ``report.html``.

    Args:
        output_dir: Directory for the runs (one per use case) and the report.
        smoke: Use the tiny settings of each use case; the report then carries the smoke banner.
        usecases: Names to run; default: all registered ones.

    Returns:
        ``{"report": path, "metrics": {usecase: {...}}, "seconds": {...}, "verdicts": {...},
        "recommendations": {usecase: text or None}, "failed": [...]}``.

    Raises:
        RuntimeError: A use case failed (after the report with the others was written).
    """
    from workbench.usecases import USECASES, get_usecase

    output_dir = Path(output_dir)
    names = list(usecases) if usecases else list(USECASES)
    sections, metrics, seconds, verdicts, recommendations, failed = [], {}, {}, {}, {}, []
    lines: dict[str, str] = {}  # use-case title -> its verdict line (or the failure)
    for name in names:
        uc = get_usecase(name)
        title = _title(uc)
        cfg = uc.default_config(smoke=smoke).with_overrides(
            [f"run.output_dir={output_dir.as_posix()}", f"run.name={name}"])
        t0 = time.perf_counter()
        try:
            with stage(title):
                result = uc.run_experiment(cfg)
                section = uc.report_section(result)
        except Exception:  # keep the other use cases' results, then fail loudly
            failed.append(name)
            seconds[name] = round(time.perf_counter() - t0, 1)
            lines[title] = f"FAILED after {format_seconds(seconds[name])} (traceback in the report)"
            sections.append((title, f'<pre class="error">{escape(traceback.format_exc())}</pre>'))
            continue
        seconds[name] = round(time.perf_counter() - t0, 1)
        metrics[name] = result.get("metrics", {})
        text = verdict_text(result)
        verdicts[name] = text
        rec = result.get("recommendation")
        recommendations[name] = rec.get("text") if isinstance(rec, dict) else None
        # The test verdict, then the model to use (chosen on validation data), when the use case has one.
        lines[title] = (text or NO_VERDICT) + (f" {recommendations[name]}" if recommendations[name] else "")
        if text and 'class="verdict"' not in section:
            section += summary_html(text)  # every section ends with its verdict, whatever the use case wrote
        sections.append((title, section + f'<p class="note">Run directory: '
                                          f'{escape(result.get("run_dir", cfg.run_dir()))}; '
                                          f'{format_seconds(seconds[name])}.</p>'))
    for name, (title, line) in zip(seconds, lines.items()):
        emit(f"summary: {title} ({format_seconds(seconds[name])}): {line}")
    intro = ("<p>Each use case: a classical baseline, the frozen base model with a trained head, and the "
             "LoRA-adapted model, all scored on held-out data.</p>" + verdict_list_html(lines))
    report = build_report(sections, output_dir / "report.html", title="KI-Werkbank demo", intro=intro,
                          smoke=bool(smoke))
    out = {"report": str(report), "metrics": metrics, "seconds": seconds, "verdicts": verdicts,
           "recommendations": recommendations, "failed": failed}
    if failed:
        raise RuntimeError(f"demo: use case(s) {', '.join(failed)} failed; see {report}")
    return out


def _title(uc: object) -> str:
    return str(getattr(uc, "TITLE", getattr(uc, "NAME", "use case")))
