"""Notebook pieces of legal NER: entities highlighted as HTML, and a paste-a-judgement widget.

Usage (in a notebook)::

    from workbench.usecases.legal_ner.widgets import highlight_html, entity_box
    HTML(highlight_html(words, tags))
    entity_box(tagger)                       # Textarea: paste a judgement, see its entities
"""

from __future__ import annotations

import html
from typing import Sequence

from workbench.conll import entities

COLOURS = {
    "PER": "#f4a6a6", "RR": "#f08080", "AN": "#f7c6c6",
    "LOC": "#a6d8f4", "LD": "#8ecae6", "ST": "#a6d8f4", "STR": "#c3e6f7", "LDS": "#b5e2d8",
    "ORG": "#b8e0a6", "UN": "#a7d98f", "INN": "#cbe8b9", "GRT": "#9fd49a", "MRK": "#d8f0c8",
    "NRM": "#f9d98b", "GS": "#f9d98b", "VO": "#fbe3a8", "EUN": "#f6c667",
    "REG": "#d9c2f0", "VS": "#d9c2f0", "VT": "#e6d5f5",
    "RS": "#f5b971", "LIT": "#c9c9c9",
}
"""Background colour per LER class (fine and coarse); unknown classes get light grey."""


def highlight_html(words: Sequence[str], tags: Sequence[str]) -> str:
    """HTML of a sentence with each entity as a coloured ``<mark>`` labelled with its class.

    Everything is escaped, so text pasted by a user cannot inject markup.
    """
    spans = {start: (label, end) for label, start, end in entities(tags)}
    parts, i = [], 0
    while i < len(words):
        if i in spans:
            label, end = spans[i]
            text = html.escape(" ".join(words[i:end]))
            colour = COLOURS.get(label, "#e0e0e0")
            parts.append(f'<mark style="background:{colour};padding:0 3px;border-radius:3px" title="{html.escape(label)}">'
                         f'{text} <b style="font-size:70%">{html.escape(label)}</b></mark>')
            i = end
        else:
            parts.append(html.escape(words[i]))
            i += 1
    return '<p style="line-height:1.9">' + " ".join(parts) + "</p>"


def highlight_text(tagger, text: str) -> str:
    """Tag every non-empty line of ``text`` with ``tagger`` (anything with ``predict``) and highlight it."""
    from workbench.usecases.legal_ner.data import tokenize

    lines = [tokenize(line) for line in text.splitlines() if line.strip()]
    lines = [w for w in lines if w]
    if not lines:
        return "<p><i>No text.</i></p>"
    return "\n".join(highlight_html(w, t) for w, t in zip(lines, tagger.predict(lines)))


def legend_html(labels: Sequence[str]) -> str:
    """A colour legend for the entity classes in ``labels`` (tags or class names)."""
    types = list(dict.fromkeys(t[2:] if t[:2] in ("B-", "I-") else t for t in labels if t != "O"))
    return " ".join(f'<mark style="background:{COLOURS.get(t, "#e0e0e0")};padding:0 3px">{html.escape(t)}</mark>'
                    for t in types)


def entity_box(tagger, value: str = ""):
    """An ipywidgets Textarea and an HTML view: paste a judgement, its entities appear highlighted."""
    import ipywidgets as w

    area = w.Textarea(value=value, placeholder="Urteilstext einfügen, ein Satz pro Zeile ...",
                      layout=w.Layout(width="100%", height="120px"))
    out = w.HTML(highlight_text(tagger, value) if value else "")

    def update(change):  # ipywidgets calls back with the change dict
        out.value = highlight_text(tagger, change["new"])

    area.observe(update, names="value")
    return w.VBox([area, w.HTML(legend_html(getattr(tagger, "labels_", []))), out])
