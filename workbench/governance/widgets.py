"""Notebook widget: German text before and after pseudonymisation, personal data highlighted.

The HTML builders are pure functions (testable without a kernel); :func:`pseudonymisation_panel`
only wires them to ipywidgets.

Usage in a notebook::

    from workbench.governance.widgets import pseudonymisation_panel
    pseudonymisation_panel()                         # built-in examples, editable text box
    pseudonymisation_panel(list_of_texts)            # your own documents
"""

from __future__ import annotations

import html
from typing import Any, Sequence

from workbench.governance.pii import DEFAULT_ENTITIES, ENTITY_TYPES, MODES, Pseudonymiser, Span

# One colour per type (colour-blind-safe Okabe-Ito palette, lightened for a text background).
COLOURS = {
    "PERSON": "#f6c98f", "EMAIL": "#a9d4f5", "PHONE": "#9fe0cd", "IBAN": "#f9ef9a", "TAX_ID": "#b8c7f0",
    "ADDRESS": "#f2b6a0", "POSTCODE": "#e9bfdc", "DATE_OF_BIRTH": "#d5e8a6", "LICENCE_PLATE": "#d9d9d9",
    "CASE_NUMBER": "#c9b8e8",
}

EXAMPLES = (
    "Sehr geehrte Frau Dr. Anna Schulz,\n\nwir bestätigen den Mietvertrag mit Herrn Jonas Albrecht, geb. "
    "12.03.1985, wohnhaft Hauptstraße 12a, 10115 Berlin. Die Kaution überweist Herr Albrecht auf das Konto "
    "DE89 3704 0044 0532 0130 00. Rückfragen bitte an jonas.albrecht@example.com oder Tel. 030 / 123 456 78."
    "\n\nMit freundlichen Grüßen\n\nPetra Wójcik-Nowak\nRechtsanwältin",
    "Kläger ist Herr Mehmet Yıldırım, Hertzstraße 61, 76187 Karlsruhe (Steuer-ID 86 095 742 719). Er fuhr "
    "am 09.02.2025 mit dem Pkw, amtliches Kennzeichen KA-MY 6140, auf das Fahrzeug von Herrn Ruckdeschel auf.",
)


def highlight_html(text: str, spans: Sequence[Span], replacements: Sequence[str] | None = None) -> str:
    """HTML of ``text`` with each span marked (colour by type, type as tooltip).

    Args:
        text: The original text.
        spans: Non-overlapping spans in order (from :meth:`Pseudonymiser.detect`).
        replacements: If given, show these strings in place of the spans (the "after" view).

    Returns:
        An HTML fragment (``<div>``); the text is escaped, line breaks are kept.
    """
    if replacements is not None and len(replacements) != len(spans):
        raise ValueError(f"got {len(replacements)} replacements for {len(spans)} spans")
    parts, pos = [], 0
    for n, span in enumerate(spans):
        if span.start < pos:
            raise ValueError(f"spans overlap or are out of order at {span.start}")
        parts.append(html.escape(text[pos : span.start]))
        shown = span.text if replacements is None else replacements[n]
        colour = COLOURS.get(span.label, "#dddddd")
        parts.append(f'<mark style="background:{colour};padding:0 2px;border-radius:3px" '
                     f'title="{html.escape(span.label)} ({html.escape(span.source)})">{html.escape(shown)}</mark>')
        pos = span.end
    parts.append(html.escape(text[pos:]))
    body = "".join(parts).replace("\n", "<br>")
    return f'<div style="font-family:sans-serif;line-height:1.5;white-space:normal">{body}</div>'


def legend_html(labels: Sequence[str] = ENTITY_TYPES) -> str:
    """A colour legend of the entity types."""
    items = "".join(f'<mark style="background:{COLOURS.get(l, "#ddd")};margin-right:6px">{l}</mark>' for l in labels)
    return f"<div>{items}</div>"


def before_after(text: str, pseudonymiser: Pseudonymiser) -> tuple[str, str, dict[str, str]]:
    """The "before" and "after" HTML of one text and the mapping, with the same spans in both views."""
    _, spans, replacements = pseudonymiser.explain(text)
    mapping = {s.text: r for s, r in zip(spans, replacements)}
    return highlight_html(text, spans), highlight_html(text, spans, replacements), mapping


def pseudonymisation_panel(texts: Sequence[str] | None = None, pseudonymiser: Pseudonymiser | None = None) -> Any:
    """An ipywidget: choose or type a text, pick entity types and mode, see before and after.

    Args:
        texts: Documents to choose from (default: two built-in examples).
        pseudonymiser: Starting settings (default: all default entity types, realistic pseudonyms).

    Returns:
        An ``ipywidgets.VBox``.
    """
    import ipywidgets as w

    texts = list(texts) if texts else list(EXAMPLES)
    if not all(isinstance(t, str) for t in texts):
        raise TypeError("pseudonymisation_panel expects a list of strings")
    base = pseudonymiser or Pseudonymiser(seed=0)
    chooser = w.Dropdown(options=[(f"{i + 1}: {t[:50]!r}", i) for i, t in enumerate(texts)], value=0,
                         description="Text", layout=w.Layout(width="95%"))
    editor = w.Textarea(value=texts[0], layout=w.Layout(width="95%", height="120px"))
    types = w.SelectMultiple(options=list(ENTITY_TYPES), value=list(base.entities_), rows=5, description="Types")
    mode = w.ToggleButtons(options=list(MODES), value=base.mode, description="Mode")
    before, after = w.HTML(), w.HTML()
    summary = w.HTML()

    def refresh(*_: Any) -> None:
        pseudo = Pseudonymiser(entities=list(types.value) or list(DEFAULT_ENTITIES), mode=mode.value,
                               seed=base.seed if base.seed is not None else 0, tagger=base.tagger,
                               min_score=base.min_score, strict_checksums=base.strict_checksums)
        b, a, mapping = before_after(editor.value, pseudo)
        before.value, after.value = b, a
        summary.value = f"<small>{len(mapping)} distinct pieces of personal data replaced</small>"

    def choose(change: dict) -> None:
        editor.value = texts[change["new"]]

    chooser.observe(choose, names="value")
    for control in (editor, types, mode):
        control.observe(refresh, names="value")
    refresh()
    columns = w.HBox([w.VBox([w.HTML("<b>Before</b>"), before], layout=w.Layout(width="50%")),
                      w.VBox([w.HTML("<b>After</b>"), after], layout=w.Layout(width="50%"))])
    return w.VBox([chooser, editor, w.HBox([types, mode]), w.HTML(legend_html()), columns, summary])
