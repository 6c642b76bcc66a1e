"""Hybrid clause model pieces: TF-IDF stored without pickle, blend weight, stacker (issue 13)."""

from __future__ import annotations

import numpy as np
import pytest

from workbench.usecases.legal_de.baselines import TfidfBaseline
from workbench.usecases.legal_de.data import load_generated_sample
from workbench.usecases.legal_de.hybrid import (HybridStack, StoredTfidf, align, blend, choose_weight, load_tfidf,
                                                out_of_fold_proba, save_tfidf)


@pytest.fixture(scope="module")
def parts():
    df = load_generated_sample()
    train = df[df["split"] == "train"].groupby("label").head(15).reset_index(drop=True)
    test = df[df["split"] == "test"].groupby("label").head(5).reset_index(drop=True)
    return train, test


def test_tfidf_round_trips_through_safetensors_and_json_with_equal_predictions(tmp_path, parts):
    train, test = parts
    base = TfidfBaseline().fit(train)
    folder = save_tfidf(base, tmp_path / "tfidf")
    assert sorted(p.name for p in folder.iterdir()) == ["tfidf.json", "tfidf.safetensors"]  # no pickle
    again = load_tfidf(folder)
    np.testing.assert_allclose(again.predict_proba(test["text"]), base.predict_proba(test["text"]), atol=1e-10)
    assert again.predict(test["text"]) == base.predict(test["text"])
    stored = StoredTfidf.load(folder)
    assert stored.classes == base.classes_


def test_align_and_blend():
    p = np.array([[0.2, 0.8]])
    assert align(p, ["b", "a"], ["a", "b", "c"]).tolist() == [[0.8, 0.2, 0.0]]
    np.testing.assert_allclose(blend(np.array([[1.0, 0.0]]), np.array([[0.0, 1.0]]), 0.3), [[0.3, 0.7]])


def test_choose_weight_prefers_the_member_that_is_right_on_validation():
    y = np.array([0, 1, 0, 1])
    right = np.eye(2)[y] * 0.9 + 0.05
    wrong = np.eye(2)[1 - y] * 0.9 + 0.05
    w, f1 = choose_weight(right, wrong, y)
    assert w > 0.5 and f1 == 1.0
    w, _ = choose_weight(wrong, right, y)
    assert w < 0.5


def test_stack_fits_on_out_of_fold_probabilities_saves_and_loads(tmp_path, parts):
    train, test = parts
    labels = sorted(train["label"].unique())
    oof = out_of_fold_proba(lambda: TfidfBaseline(), train, labels, folds=3)
    assert oof.shape == (len(train), len(labels))
    np.testing.assert_allclose(oof.sum(axis=1), 1.0, atol=1e-6)
    base = TfidfBaseline().fit(train)
    p_test = align(base.predict_proba(test["text"]), base.classes_, labels)
    noise = np.random.default_rng(0).dirichlet(np.ones(len(labels)), size=len(train))  # an uninformative member
    stack = HybridStack(labels, members=["tfidf", "noise"]).fit([oof, noise], train["label"])
    test_noise = np.random.default_rng(1).dirichlet(np.ones(len(labels)), size=len(test))
    pred = stack.predict([p_test, test_noise])
    accuracy = np.mean(np.array(pred) == test["label"].to_numpy())
    assert accuracy >= np.mean(np.array(base.predict(test["text"])) == test["label"].to_numpy()) - 0.1
    again = HybridStack.load(stack.save(tmp_path / "stack"))
    np.testing.assert_allclose(again.predict_proba([p_test, test_noise]), stack.predict_proba([p_test, test_noise]))
    with pytest.raises(ValueError, match="2 members"):
        stack.predict_proba([p_test])
