"""Tests of the evaluation widget: pure figure builders first, then the wiring (no kernel)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from workbench.usecases.legal_de.baselines import TfidfBaseline
from workbench.usecases.legal_de.data import generate_clauses, split_frame
from workbench.usecases.legal_de.widgets import (ClauseExplorer, cell_examples, confusion_from_examples,
                                                 examples_html, misclassified_table, probability_figure)

LABELS = ["Haftung", "Kündigung", "Laufzeit"]
EXAMPLES = {"text": ["a <b>", "b", "c", "d"], "label": ["Haftung", "Kündigung", "Laufzeit", "Haftung"],
            "frozen_base": ["Haftung", "Haftung", "Haftung", "Haftung"],
            "adapter": ["Haftung", "Laufzeit", "Laufzeit", "Kündigung"]}


def test_probability_figure_side_by_side():
    fig = probability_figure(LABELS, {"frozen_base": [0.2, 0.3, 0.5], "adapter": [0.9, 0.05, 0.05]})
    assert [t.name for t in fig.data] == ["Frozen base + head", "LoRA adapter"]
    assert list(fig.data[1].x) == [0.9, 0.05, 0.05] and list(fig.data[0].y) == LABELS
    assert fig.layout.barmode == "group"
    with pytest.raises(ValueError, match="2 probabilities for 3 labels"):
        probability_figure(LABELS, {"adapter": [0.5, 0.5]})


def test_misclassified_and_cells():
    wrong = misclassified_table(EXAMPLES, "adapter")
    assert wrong.index.tolist() == [1, 3]
    assert cell_examples(EXAMPLES, "Kündigung", "Laufzeit")["text"].tolist() == ["b"]
    assert cell_examples(EXAMPLES, "Haftung", "Haftung", role="frozen_base").index.tolist() == [0, 3]
    cm = confusion_from_examples(EXAMPLES, LABELS)
    assert cm.tolist() == [[1, 1, 0], [0, 0, 1], [0, 0, 1]]
    html = examples_html(wrong, ["frozen_base", "adapter"])
    assert "2 example(s)" in html and "LoRA adapter" in html
    assert "&lt;b&gt;" in examples_html(pd.DataFrame(EXAMPLES).head(1), ["adapter"])  # text is escaped
    with pytest.raises(ValueError, match="no predictions of 'full'"):
        misclassified_table(EXAMPLES, "full")


@pytest.fixture(scope="module")
def explorer():
    train, _, test = split_frame(generate_clauses(n_per_class=30, seed=2, split_seed=1))
    adapter = TfidfBaseline().fit(train)            # any fitted model with predict_proba + labels_
    frozen = TfidfBaseline(C=0.1).fit(train)
    test = test.head(40).reset_index(drop=True)
    examples = {"text": test["text"].tolist(), "label": test["label"].tolist(),
                "frozen_base": frozen.predict(test["text"]), "adapter": adapter.predict(test["text"])}
    return ClauseExplorer(adapter, frozen, examples)


def test_explorer_tabs_and_typing(explorer):
    assert [explorer.widget.get_title(i) for i in range(3)] == ["Try a clause", "Misclassified", "Confusion matrix"]
    explorer.text.value = "Ausschließlicher Gerichtsstand ist Hamburg."
    explorer.update_probabilities()
    bars = [np.asarray(t.x) for t in explorer.proba_fig.data]
    assert len(bars) == 2 and all(b.shape == (len(explorer.labels),) for b in bars)
    np.testing.assert_allclose(bars[1].sum(), 1.0)
    assert explorer.proba_fig.layout.title.text.startswith("Adapter predicts: ")


def test_explorer_pick_errors_and_cells(explorer):
    explorer.picker.value = 3
    assert explorer.text.value == explorer.examples["text"].iloc[3]
    n_wrong = int((explorer.examples["adapter"] != explorer.examples["label"]).sum())
    assert len(explorer.error_list.options) == n_wrong > 0
    assert "1 example(s)" in explorer.error_detail.value  # the first error is shown at once
    first = explorer.error_list.options[-1][1]
    explorer.error_list.value = first
    assert explorer.examples["text"].iloc[first][:20].replace("<", "&lt;") in explorer.error_detail.value
    explorer.open_selected_error()
    assert explorer.picker.value == first and explorer.widget.selected_index == 0
    row = explorer.examples.loc[first]
    explorer.show_cell(row["label"], row["adapter"])
    assert f"true {row['label']}" in explorer.cell_detail.value
    cm = np.asarray(explorer.cm_fig.data[0].z)
    assert cm.sum() == len(explorer.examples)


def test_per_class_table_lists_f1_and_test_rows_per_class():
    from workbench.usecases.legal_de.task import classification_metrics
    from workbench.usecases.legal_de.widgets import per_class_table

    truth = ["a", "a", "a", "b", "c"]
    metrics = {"baseline": classification_metrics(truth, ["a", "a", "b", "b", "a"], ["a", "b", "c"]),
               "adapter": classification_metrics(truth, ["a", "a", "a", "b", "c"], ["a", "b", "c"])}
    table = per_class_table(metrics, labels=["c", "b", "a"])
    assert list(table.index) == ["c", "b", "a"] and list(table["test rows"]) == [1, 1, 3]
    assert table.loc["c", "Baseline"] == 0.0 and table.loc["c", "LoRA adapter"] == 1.0
    assert table.loc["a", "Baseline"] == pytest.approx(2 * 2 / (2 * 2 + 1 + 1))  # tp 2, fp 1, fn 1
    assert metrics["baseline"]["per_class"]["b"] == {"precision": 0.5, "recall": 1.0, "f1": pytest.approx(2 / 3),
                                                     "support": 1}
    with pytest.raises(ValueError, match="per-class"):
        per_class_table({"baseline": {"accuracy": 1.0}})
