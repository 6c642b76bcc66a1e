"""The HTML report of a run or of the demo: plotly figures and comparison tables, offline.

The report works without internet: ``plotly.min.js`` is written next to ``report.html``
instead of being loaded from a CDN, so a compliance officer can open it on an air-gapped
machine.

Usage::

    from workbench.report import figure_html, table_html, build_report
    section = "<h3>Results</h3>" + table_html(df) + figure_html(fig)
    build_report([("German legal clauses", section)], "runs/demo/report.html", title="KI-Werkbank demo")
"""

from __future__ import annotations

import datetime as _dt
import html
from pathlib import Path
from typing import Any, Sequence

from workbench.io import atomic_write_text

_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222}
h1{border-bottom:3px solid #ff7f0e;padding-bottom:.3em}h2{margin-top:2em;border-bottom:1px solid #ddd}
table{border-collapse:collapse;margin:1em 0}th,td{border:1px solid #ccc;padding:.3em .7em;text-align:right}
th{background:#f4f4f4}td:first-child,th:first-child{text-align:left}.note{color:#555;font-size:.9em}
.toc a{margin-right:1em}.error{color:#b00020}
"""


def figure_html(fig: Any, height: int | None = None) -> str:
    """A plotly figure as an HTML fragment that uses the report's shared ``plotly.min.js``."""
    if height:
        fig.update_layout(height=height)
    return fig.to_html(full_html=False, include_plotlyjs=False, config={"displaylogo": False})


def table_html(df: Any, float_format: str = "{:.4f}") -> str:
    """A pandas DataFrame as an HTML table with rounded numbers."""
    return df.to_html(float_format=lambda v: float_format.format(v), border=0, escape=True)


def escape(text: str) -> str:
    """HTML-escape user-provided text (file names, labels) before it goes into a report."""
    return html.escape(str(text))


def build_report(sections: Sequence[tuple[str, str]], path: str | Path, title: str = "KI-Werkbank report",
                 intro: str = "") -> Path:
    """Write a self-contained report directory: ``report.html`` plus ``plotly.min.js``.

    Args:
        sections: ``(heading, html_fragment)`` pairs, in order.
        path: Path of ``report.html``.
        title: Page title.
        intro: HTML shown under the title.

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
    body = "\n".join(f'<h2 id="{a}">{escape(h)}</h2>\n{frag}' for a, (h, frag) in zip(anchors, sections))
    now = _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    page = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{escape(title)}</title>
<script src="plotly.min.js"></script><style>{_CSS}</style></head>
<body><h1>{escape(title)}</h1>
<p class="note">KI-Werkbank {__version__}, generated {now}. Everything here was computed on this machine;
no data left it.</p>{intro}
<p class="toc">{toc}</p>
{body}
</body></html>
"""
    return atomic_write_text(path, page)
