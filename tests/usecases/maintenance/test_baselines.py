"""LightGBM RUL baseline: window features, and a save/load that predicts exactly as the fitted model."""

import numpy as np
import pytest

from workbench.usecases.maintenance.baselines import LGBM_FILE, WindowFeatureRUL, window_features


def _windows(n=300, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 40, 3)).astype(np.float32)
    # RUL falls with the last value of channel 0 and the slope of channel 1: learnable from the features.
    y = 60 - 20 * X[:, -1, 0] - 200 * (X[:, -10:, 1].mean(1) - X[:, :10, 1].mean(1)) + rng.normal(0, 1, n)
    return X, np.clip(y, 0, None)


def test_window_features_are_last_mean_std_slope_min_max_per_channel():
    X = np.zeros((1, 5, 1), np.float32)
    X[0, :, 0] = [1, 2, 3, 4, 5]
    f = window_features(X, tail=5)
    np.testing.assert_allclose(f[0], [5, 3, np.std([1, 2, 3, 4, 5]), 1.0, 1, 5], rtol=1e-6)


def test_save_load_predicts_exactly_the_same_and_writes_no_pickle(tmp_path):
    X, y = _windows()
    gbm = WindowFeatureRUL(n_estimators=50, seed=3).fit(X[:250], y[:250])
    folder = gbm.save(tmp_path / "baseline")
    again = WindowFeatureRUL.load(folder)
    np.testing.assert_array_equal(again.predict(X[250:]), gbm.predict(X[250:]))
    assert (again.tail, again.n_estimators, again.seed) == (30, 50, 3)
    assert (folder / LGBM_FILE).read_text().startswith("tree")  # LightGBM's text format, not a pickle
    assert {p.suffix for p in folder.iterdir()} == {".txt", ".json"}


def test_load_of_an_empty_folder_and_save_before_fit_are_clear_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match="holds no LightGBM RUL model"):
        WindowFeatureRUL.load(tmp_path)
    with pytest.raises(RuntimeError, match="fitted"):
        WindowFeatureRUL().save(tmp_path / "x")
