"""Tests of workbench/gbm.py: LightGBM models saved as text (no pickle) and read back exactly."""

import json

import lightgbm as lgb
import numpy as np
import pytest

from workbench.gbm import booster_of, load_boosters, save_boosters


def _fitted(seed: int):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(200, 3))
    y = X[:, 0] * 2 + rng.normal(scale=0.1, size=200)
    return lgb.LGBMRegressor(n_estimators=20, verbose=-1, random_state=seed).fit(X, y), X


def test_saved_models_predict_exactly_as_fitted_ones(tmp_path):
    a, X = _fitted(0)
    b, _ = _fitted(1)
    save_boosters(tmp_path, {"a.txt": a, "b.txt": b.booster_}, "meta.json", {"tail": 7})
    meta, (la, lb) = load_boosters(tmp_path, ["a.txt", "b.txt"], "meta.json", what="test model")
    assert meta == {"tail": 7}
    np.testing.assert_array_equal(la.predict(X), a.predict(X))
    np.testing.assert_array_equal(lb.predict(X), b.predict(X))
    assert (tmp_path / "a.txt").read_text().startswith("tree")  # LightGBM's text format, not a pickle


def test_missing_pieces_are_named(tmp_path):
    a, _ = _fitted(0)
    with pytest.raises(FileNotFoundError, match=r"holds no test model \(meta.json missing\)"):
        load_boosters(tmp_path, ["a.txt"], "meta.json", what="test model")
    save_boosters(tmp_path, {"a.txt": a}, "meta.json", {})
    with pytest.raises(FileNotFoundError, match="incomplete test model: b.txt missing"):
        load_boosters(tmp_path, ["a.txt", "b.txt"], "meta.json", what="test model")


def test_model_names_may_follow_from_the_settings(tmp_path):
    a, X = _fitted(0)
    save_boosters(tmp_path, {"m0.txt": a, "m1.txt": a}, "meta.json", {"n": 2})
    meta, boosters = load_boosters(tmp_path, lambda m: [f"m{k}.txt" for k in range(m["n"])], "meta.json",
                                   what="test model")
    assert meta == {"n": 2} and len(boosters) == 2
    np.testing.assert_array_equal(boosters[1].predict(X), a.predict(X))
    (tmp_path / "meta.json").write_text('{"n": 3}')  # settings that name a model the folder lacks
    with pytest.raises(FileNotFoundError, match="incomplete test model: m2.txt missing"):
        load_boosters(tmp_path, lambda m: [f"m{k}.txt" for k in range(m["n"])], "meta.json", what="test model")


def test_overwrite_never_leaves_old_settings_beside_a_failed_new_save(tmp_path):
    a, _ = _fitted(0)
    save_boosters(tmp_path, {"a.txt": a}, "meta.json", {"v": 1})
    with pytest.raises(RuntimeError, match="not a fitted LightGBM model"):
        save_boosters(tmp_path, {"a.txt": object()}, "meta.json", {"v": 2})
    assert not (tmp_path / "meta.json").exists()  # the half-written save is not mistaken for the old one
    save_boosters(tmp_path, {"a.txt": a}, "meta.json", {"v": 2})
    assert json.loads((tmp_path / "meta.json").read_text()) == {"v": 2}


def test_booster_of_refuses_other_models():
    with pytest.raises(RuntimeError, match="list is not a fitted LightGBM model"):
        booster_of([])
