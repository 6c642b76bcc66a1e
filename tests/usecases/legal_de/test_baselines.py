"""Tests of the TF-IDF + logistic regression baseline."""

from __future__ import annotations

import numpy as np
import pytest

from workbench.usecases.legal_de.baselines import TfidfBaseline
from workbench.usecases.legal_de.data import generate_clauses, split_frame


@pytest.fixture(scope="module")
def data():
    return split_frame(generate_clauses(n_per_class=60, seed=1, split_seed=1))


def test_fit_predict_evaluate(data):
    train, _, test = data
    model = TfidfBaseline()
    assert model.fit(train) is model
    proba = model.predict_proba(test["text"])
    assert proba.shape == (len(test), 8)
    np.testing.assert_allclose(proba.sum(1), 1.0, atol=1e-9)
    m = model.evaluate(test)
    assert m["accuracy"] > 0.4  # chance is 1/8 on unseen template families
    assert np.asarray(m["confusion_matrix"]).sum() == len(test)
    assert m["labels"] == model.labels_ and m["train_seconds"] > 0


def test_character_ngrams_see_inside_compounds():
    import pandas as pd

    train = pd.DataFrame({"text": ["Gewährleistungsfrist zwei Jahre", "Kündigungsfrist drei Monate"] * 5,
                          "label": ["Gewährleistung", "Kündigung"] * 5})
    model = TfidfBaseline().fit(train)
    # Neither word occurs in training, but their stems do.
    assert model.predict(["Die Gewährleistungsansprüche verjähren.", "Kündigungserklärung"]) == [
        "Gewährleistung", "Kündigung"]
