"""The HTML report of a run or of the demo: plotly figures and comparison tables, offline.

The report works without internet: ``plotly.min.js`` is written next to ``report.html``
instead of being loaded from a CDN, so a compliance officer can open it on an air-gapped
machine.

The page fits any window: the body is at most 1100 px wide and shrinks with the window, every
table sits in a wrapper that scrolls sideways instead of widening the page, and every figure is
responsive (no fixed width, ``config={"responsive": True}``). Numbers are rounded to a few
significant digits per column; dicts become tables, never ``repr``. Each section ends with its
honest verdict line (:func:`summary_html`), and a smoke run carries :func:`smoke_banner_html`.

Usage::

    from workbench.report import build_report, figure_html, summary_html, table_html, value_html
    section = ("<h3>Results</h3>" + table_html(df) + figure_html(fig) + value_html(settings)
               + summary_html(verdict(scores, "RMSE", lower_is_better=True)["text"]))
    build_report([("Predictive maintenance", section)], "runs/demo/report.html", title="KI-Werkbank demo",
                 smoke=True)
"""

from __future__ import annotations

import datetime as _dt
import html
import math
import numbers
import os
from pathlib import Path
from typing import Any, Mapping, Sequence

from workbench.io import atomic_write_text

SIGNIFICANT = 4
"""Significant digits of the numbers in report tables (per column, see :func:`column_decimals`)."""

_CSS = """
*{box-sizing:border-box}
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;max-width:1100px;width:100%;margin:2em auto;
padding:0 1em;color:#222;overflow-wrap:break-word}
h1{border-bottom:3px solid #ff7f0e;padding-bottom:.3em}h2{margin-top:2em;border-bottom:1px solid #ddd}
.table-wrap{max-width:100%;overflow-x:auto;margin:1em 0}
table{border-collapse:collapse}th,td{border:1px solid #ccc;padding:.3em .7em;text-align:right}
th{background:#f4f4f4}td:first-child,th:first-child{text-align:left}
dl.kv{display:grid;grid-template-columns:max-content 1fr;gap:.2em 1em;margin:1em 0}dl.kv dt{font-weight:600}
dl.kv dd{margin:0}
.figure{max-width:100%;overflow:hidden}.figure .plotly-graph-div{width:100%!important}
img,svg,pre{max-width:100%}pre{overflow-x:auto}
.note{color:#555;font-size:.9em}.toc a{margin-right:1em}.error{color:#b00020}
.verdict{border-left:5px solid #ff7f0e;background:#fff6ec;padding:.6em 1em;margin:1.2em 0;font-size:1.05em}
.verdicts{list-style:none;padding:0}.verdicts li{margin:.3em 0}
.smoke{border:2px solid #b00020;background:#fdecee;color:#6d0014;padding:.6em 1em;margin:1em 0;border-radius:4px}
"""


# Inline as well as in _CSS: the same fragments are displayed in notebooks, where the report's
# style sheet does not exist.
_VERDICT_STYLE = "border-left:5px solid #ff7f0e;background:#fff6ec;color:#222;padding:.6em 1em;margin:1em 0"
_SMOKE_STYLE = ("border:2px solid #b00020;background:#fdecee;color:#6d0014;padding:.6em 1em;margin:1em 0;"
                "border-radius:4px")


# ----------------------------------------------------------------------------- numbers
def column_decimals(values: Sequence[Any], significant: int = SIGNIFICANT) -> int:
    """Decimals that show the largest finite value of a column with ``significant`` digits.

    One number of decimals per column keeps the decimal points aligned: accuracies
    ``0.8125 / 0.9000`` get 4, an RMSE of ``41.23`` gets 2, a cost of ``12,345`` gets 0.
    """
    finite = [abs(float(v)) for v in values if _is_number(v) and math.isfinite(float(v))]
    largest = max(finite, default=0.0)
    if largest == 0.0:
        return 0 if all(float(v).is_integer() for v in values if _is_number(v) and math.isfinite(float(v))) \
            else significant - 1
    return max(0, significant - 1 - math.floor(math.log10(largest)))


def format_number(value: Any, decimals: int | None = None, significant: int = SIGNIFICANT) -> str:
    """A number for people: rounded, thousands separated, integers without decimals.

    Args:
        value: Any number (numpy scalars included); ``None`` and NaN give ``"–"``.
        decimals: Fixed decimals (from :func:`column_decimals`); ``None`` chooses them for this value.
        significant: Significant digits when ``decimals`` is ``None``.
    """
    if value is None:
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "no"
    value = float(value)
    if math.isnan(value):
        return "–"
    if math.isinf(value):
        return "∞" if value > 0 else "−∞"
    if decimals is None:
        if value.is_integer() and abs(value) < 1e15:
            return f"{int(value):,}"
        # A lone value: no column to align with, so no trailing zeros (0.001, not 0.001000).
        text = f"{value:,.{column_decimals([value], significant)}f}"
        return text.rstrip("0").rstrip(".") if "." in text else text
    return f"{value:,.{decimals}f}"


def rounded(df: Any, significant: int = SIGNIFICANT) -> Any:
    """A copy of a DataFrame with each float column rounded to ``significant`` digits.

    For notebooks: pandas then shows ``0.8125`` instead of ``0.812500012``. The values stay
    numbers (sorting, plotting still work); :func:`table_html` does the same for the report.
    """
    out = df.copy()
    for col in out.columns:
        if out[col].dtype.kind == "f":
            out[col] = out[col].round(column_decimals(out[col].tolist(), significant))
    return out


def _is_number(value: Any) -> bool:
    return isinstance(value, numbers.Number) and not isinstance(value, (bool, complex))


# ----------------------------------------------------------------------------- fragments
def figure_html(fig: Any, height: int | None = None) -> str:
    """A plotly figure as a responsive HTML fragment that uses the report's ``plotly.min.js``.

    The figure takes the width of the page (any fixed ``layout.width`` is removed) and follows
    the window when it is resized.
    """
    if height:
        fig.update_layout(height=height)
    fig.update_layout(autosize=True)
    fig.layout.width = None
    inner = fig.to_html(full_html=False, include_plotlyjs=False, default_width="100%",
                        config={"displaylogo": False, "responsive": True})
    return f'<div class="figure">{inner}</div>'


def table_html(df: Any, float_format: str | None = None, significant: int = SIGNIFICANT) -> str:
    """A pandas DataFrame as a rounded HTML table in a wrapper that scrolls sideways if needed.

    Args:
        df: The table.
        float_format: An explicit format for every float (``"{:.1f}"``); by default each float
            column is rounded to ``significant`` digits of its largest value, integers get
            thousands separators and NaN shows as "–".
        significant: Significant digits for the default rounding.
    """
    out = df.copy()
    for col in out.columns:
        values = out[col].tolist()
        if not any(_is_number(v) for v in values):
            continue
        if float_format is not None:
            out[col] = [float_format.format(v) if _is_number(v) and not _is_int(v) else _cell(v) for v in values]
        else:
            decimals = None if all(_is_int(v) for v in values if _is_number(v)) else column_decimals(values, significant)
            out[col] = [format_number(v, decimals) if _is_number(v) or v is None else _cell(v) for v in values]
    table = out.to_html(border=0, escape=True, na_rep="–")
    return f'<div class="table-wrap">{table}</div>'


def _is_int(value: Any) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def _cell(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if isinstance(value, Mapping):
        return ", ".join(f"{k}: {_cell(v)}" for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return ", ".join(_cell(v) for v in value)
    if _is_number(value):
        return format_number(value)
    return str(value)


def value_html(value: Any) -> str:
    """Any result value as HTML for people: dicts as definition lists, tables as tables, never ``repr``.

    * a mapping of mappings with scalar values (``{model: {metric: value}}``) becomes a table,
      one row per key;
    * any other mapping becomes a definition list (nested mappings nest);
    * a list of scalars becomes a comma-separated line, a list of mappings a table;
    * a DataFrame goes through :func:`table_html`; numbers through :func:`format_number`;
      everything else is escaped text.
    """
    import pandas as pd

    if isinstance(value, pd.DataFrame):
        return table_html(value)
    if isinstance(value, pd.Series):
        return value_html(value.to_dict())
    if isinstance(value, Mapping):
        if value and all(isinstance(v, Mapping) and v and all(not isinstance(x, (Mapping, list, tuple))
                                                                 for x in v.values()) for v in value.values()):
            return table_html(pd.DataFrame.from_dict({str(k): dict(v) for k, v in value.items()}, orient="index"))
        items = "".join(f"<dt>{escape(k)}</dt><dd>{value_html(v)}</dd>" for k, v in value.items())
        return f'<dl class="kv">{items}</dl>'
    if isinstance(value, (list, tuple)):
        if value and all(isinstance(v, Mapping) for v in value):
            return table_html(pd.DataFrame(list(value)))
        return escape(", ".join(_cell(v) for v in value))
    if value is None or _is_number(value) or isinstance(value, bool):
        return escape(format_number(value))
    if hasattr(value, "item") and callable(value.item):  # numpy scalar (np.float32 is no numbers.Number)
        try:
            return value_html(value.item())
        except (TypeError, ValueError):
            pass
    return escape(str(value))


def summary_html(text: str) -> str:
    """The honest verdict line of a section, prominent (``metrics.verdict(...)["text"]``).

    Every section of a report ends with it, so no reader has to read a table to learn that a
    simple baseline beat the adapter.
    """
    return f'<p class="verdict" style="{_VERDICT_STYLE}"><strong>Summary:</strong> {escape(text)}</p>'


def smoke_on(smoke: bool | None = None) -> bool:
    """``smoke`` if given, else whether ``WORKBENCH_SMOKE=1`` is set."""
    return os.environ.get("WORKBENCH_SMOKE") == "1" if smoke is None else bool(smoke)


SMOKE_TEXT = ("Smoke mode: tiny data, tiny models and very few epochs, so that everything runs in seconds. "
              "These numbers check that the plumbing works; they are not evidence of model quality. "
              "Run without smoke mode for real results.")
"""The banner text of a smoke run (notebook and report)."""


def smoke_banner_html(smoke: bool | None = None) -> str:
    """The smoke-mode warning for the top of a report or notebook, or ``""`` outside smoke mode.

    Args:
        smoke: Show it; ``None`` (default) reads ``WORKBENCH_SMOKE=1`` from the environment.
    """
    if not smoke_on(smoke):
        return ""
    return f'<div class="smoke" role="note" style="{_SMOKE_STYLE}"><strong>⚠ {escape(SMOKE_TEXT)}</strong></div>'


def verdict_list_html(lines: Mapping[str, str]) -> str:
    """One verdict line per section (``{section title: verdict text}``), for the top of a report."""
    if not lines:
        return ""
    items = "".join(f"<li><strong>{escape(k)}:</strong> {escape(v)}</li>" for k, v in lines.items())
    return f'<ul class="verdicts verdict">{items}</ul>'


def escape(text: str) -> str:
    """HTML-escape user-provided text (file names, labels) before it goes into a report."""
    return html.escape(str(text))


# ----------------------------------------------------------------------------- the page
def build_report(sections: Sequence[tuple[str, str]], path: str | Path, title: str = "KI-Werkbank report",
                 intro: str = "", smoke: bool | None = None) -> Path:
    """Write a self-contained report directory: ``report.html`` plus ``plotly.min.js``.

    Args:
        sections: ``(heading, html_fragment)`` pairs, in order. Each fragment should end with
            :func:`summary_html`.
        path: Path of ``report.html``.
        title: Page title.
        intro: HTML shown under the title.
        smoke: Put :func:`smoke_banner_html` at the top (``None``: when ``WORKBENCH_SMOKE=1``).

    Returns:
        The report path.
    """
    from plotly.offline import get_plotlyjs

    from workbench._version import __version__

    path = Path(path)
    js = path.parent / "plotly.min.js"
    if not js.is_file():
        atomic_write_text(js, get_plotlyjs())
    anchors = [f"s{i}" for i in range(len(sections))]
    toc = " ".join(f'<a href="#{a}">{escape(h)}</a>' for a, (h, _) in zip(anchors, sections))
    body = "\n".join(f'<section><h2 id="{a}">{escape(h)}</h2>\n{frag}</section>'
                     for a, (h, frag) in zip(anchors, sections))
    now = _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    page = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(title)}</title>
<script src="plotly.min.js"></script><style>{_CSS}</style></head>
<body><h1>{escape(title)}</h1>
{smoke_banner_html(smoke)}
<p class="note">KI-Werkbank {__version__}, generated {now}. Everything here was computed on this machine;
no data left it.</p>{intro}
<p class="toc">{toc}</p>
{body}
</body></html>
"""
    return atomic_write_text(path, page)
