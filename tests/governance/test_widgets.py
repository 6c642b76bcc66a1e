"""Tests of the before/after pseudonymisation widget (HTML builders and the ipywidgets wiring)."""

from __future__ import annotations

import pytest

from workbench.governance.pii import Pseudonymiser, Span
from workbench.governance.widgets import EXAMPLES, before_after, highlight_html, pseudonymisation_panel


def test_highlight_escapes_and_marks():
    text = "<b>Herr</b> Jonas Albrecht"
    html = highlight_html(text, [Span(12, 26, "PERSON", "Jonas Albrecht")])
    assert "&lt;b&gt;" in html and "<b>" not in html
    assert 'title="PERSON (rule)"' in html and ">Jonas Albrecht</mark>" in html
    with pytest.raises(ValueError, match="replacements"):
        highlight_html(text, [Span(12, 26, "PERSON", "Jonas Albrecht")], replacements=[])
    with pytest.raises(ValueError, match="overlap"):
        highlight_html(text, [Span(12, 26, "PERSON", "x"), Span(20, 26, "PERSON", "y")])


def test_before_after_shows_the_same_spans():
    before, after, mapping = before_after(EXAMPLES[0], Pseudonymiser(seed=0))
    assert before.count("<mark") == after.count("<mark") >= 8
    assert "Albrecht" in before and "Albrecht" not in after
    assert all(value in after for value in mapping.values())


def test_panel_updates_when_the_text_changes():
    panel = pseudonymisation_panel(["Herr Jonas Albrecht ruft an.", "Keine Daten hier."])
    chooser, editor = panel.children[0], panel.children[1]
    columns = panel.children[4]
    after = columns.children[1].children[1]
    assert "Albrecht" not in after.value and "<mark" in after.value
    chooser.value = 1
    assert editor.value == "Keine Daten hier." and "<mark" not in after.value
    with pytest.raises(TypeError, match="strings"):
        pseudonymisation_panel([1, 2])
