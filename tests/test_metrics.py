"""Metric functions against hand-computed values and scikit-learn."""

import numpy as np
import pytest
from sklearn.metrics import average_precision_score, f1_score

from workbench import metrics as m


def test_hand_computed_classification():
    t, p = [0, 0, 1, 1, 2], [0, 1, 1, 1, 0]
    assert m.accuracy(t, p) == pytest.approx(3 / 5)
    cm = m.confusion_matrix(t, p, 3)
    assert cm.tolist() == [[1, 1, 0], [0, 2, 0], [1, 0, 0]]
    # F1: class0 2*1/(2+1+1)=0.5, class1 2*2/(4+1+0)=0.8, class2 0
    assert m.macro_f1(t, p, 3) == pytest.approx((0.5 + 0.8 + 0.0) / 3)


def test_matches_sklearn_on_random_labels():
    rng = np.random.default_rng(1)
    t, p = rng.integers(0, 5, 300), rng.integers(0, 5, 300)
    assert m.macro_f1(t, p) == pytest.approx(f1_score(t, p, average="macro"))
    scores, y = rng.random(300), rng.random(300) < 0.2
    assert m.pr_auc(y, scores) == pytest.approx(average_precision_score(y, scores))


def test_regression_and_binary():
    assert m.rmse([0, 0], [3, 4]) == pytest.approx(np.sqrt(12.5))
    assert m.mae([0, 0], [3, -4]) == pytest.approx(3.5)
    prf = m.precision_recall_f1([1, 1, 0, 0], [1, 0, 1, 0])
    assert prf == {"precision": 0.5, "recall": 0.5, "f1": 0.5}


def test_bad_input_is_named():
    with pytest.raises(ValueError, match="3 entries but y_pred has 2"):
        m.accuracy([1, 2, 3], [1, 2])
    with pytest.raises(ValueError, match="empty"):
        m.rmse([], [])
    with pytest.raises(ValueError, match="positive"):
        m.pr_auc([0, 0], [0.1, 0.2])


def test_verdict_names_the_best_model_and_prefers_the_simpler_one_on_a_tie():
    from workbench.metrics import verdict

    names = {"baseline": "LightGBM", "frozen_base": "the frozen base", "adapter": "the LoRA adapter"}
    lost = verdict({"baseline": 28.1, "frozen_base": 30.2, "adapter": 29.4}, "RMSE", lower_is_better=True, labels=names)
    assert lost["best"] == "baseline" and not lost["adapter_best"]
    assert "LightGBM" in lost["text"] and "does not beat it" in lost["text"] and "The LoRA adapter" in lost["text"]
    tie = verdict({"baseline": 0.790, "adapter": 0.792}, "accuracy", lower_is_better=False)
    assert tie["best"] == "baseline" and tie["tied"] == ["baseline"] and "ties" in tie["text"]
    won = verdict({"baseline": 0.70, "frozen_base": float("nan"), "adapter": 0.80}, "accuracy", lower_is_better=False)
    assert won["adapter_best"] and won["text"].startswith("Best model on this data: adapter")
    with pytest.raises(ValueError, match="no finite"):
        verdict({"adapter": float("nan")}, "RMSE", lower_is_better=True)


def test_recommendation_is_a_verdict_on_validation_scores_and_a_blend_must_win_clearly():
    from workbench.metrics import only_if_clearly_better, recommendation

    rec = recommendation({"baseline": 10.0, "adapter": 9.0, "blend": 8.95}, "validation RMSE", on="validation engines",
                         lower_is_better=True, blend="blend")
    assert rec["best"] == "adapter" and rec["text"].startswith("Recommended (chosen on validation engines): ")
    assert recommendation({"adapter": 9.0, "blend": 8.5}, "RMSE", on="x", lower_is_better=True, blend="blend")["best"] == "blend"
    assert only_if_clearly_better({"a": 0.80, "blend": 0.805}, lower_is_better=False) == {"a": 0.80}
    assert only_if_clearly_better({"a": 0.80, "blend": 0.82}, lower_is_better=False) == {"a": 0.80, "blend": 0.82}
    assert only_if_clearly_better({"a": 1.0, "blend": None}, lower_is_better=True) == {"a": 1.0}
    none = recommendation({"adapter": None}, "F1", on="validation sentences", lower_is_better=False)
    assert none["best"] is None and none["text"] == "No scores on validation sentences: no recommendation."
