"""Classical baselines: gradient-boosted trees on window features (C-MAPSS) and process features (AI4I).

Every neural result of this use case is reported next to one of these, fitted on the same
training units/rows in the same run. STACK_NOTES: LightGBM on last value, mean, std and slope
over 30 cycles reached about 13.1 RMSE on FD001; a neural model has to clear that bar.

Usage::

    base = WindowFeatureRUL().fit(train_ws.X, train_ws.y)
    rul_hat = base.predict(test_ws.X)
    clf = ProcessFailureClassifier().fit(X_rows, y_rows)
"""

from __future__ import annotations

from pathlib import Path

import numpy as np


def window_features(X: np.ndarray, tail: int = 30) -> np.ndarray:
    """Per channel: last value, mean, std, least-squares slope and min/max over the last ``tail`` steps.

    Args:
        X: ``(n, window, channels)``.
        tail: Steps at the end of the window to summarise.

    Returns:
        ``(n, 6 * channels)``.
    """
    x = X[:, -tail:, :].astype(np.float64)  # (n, t, c)
    t = np.arange(x.shape[1], dtype=np.float64)
    tc = t - t.mean()
    slope = np.einsum("ntc,t->nc", x - x.mean(1, keepdims=True), tc) / max((tc**2).sum(), 1e-12)
    feats = [x[:, -1, :], x.mean(1), x.std(1), slope, x.min(1), x.max(1)]
    return np.concatenate(feats, axis=1).astype(np.float32)


def features_of(X, tail: int = 30, chunk: int = 50_000) -> np.ndarray:
    """:func:`window_features` of an array or of lazily cut windows (anything with ``take(index)``
    and ``len``, e.g. :class:`workbench.timeseries.LazyWindows`), chunk by chunk, so thousands of
    engines never hold all their windows at once (the features are ~5x smaller than the windows).
    """
    if isinstance(X, np.ndarray):
        return window_features(X, tail)
    n = len(X)
    parts = [window_features(X.take(np.arange(i, min(i + chunk, n))), tail) for i in range(0, n, chunk)]
    return np.concatenate(parts) if parts else np.zeros((0, 6 * len(X.feature_cols)), np.float32)


def _lgbm(objective: str, seed: int, n_estimators: int, **kw):
    try:
        import lightgbm as lgb
    except ImportError:  # pragma: no cover - lightgbm is a declared dependency
        from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor

        cls = HistGradientBoostingRegressor if objective == "regression" else HistGradientBoostingClassifier
        return cls(max_iter=n_estimators, learning_rate=0.05, random_state=seed)
    cls = lgb.LGBMRegressor if objective == "regression" else lgb.LGBMClassifier
    # n_jobs=1: the workbench shares small CPUs; a single thread is also deterministic.
    return cls(n_estimators=n_estimators, learning_rate=0.05, num_leaves=31, min_child_samples=20,
               subsample=0.8, subsample_freq=1, colsample_bytree=0.8, random_state=seed, n_jobs=1,
               verbose=-1, **kw)


class WindowFeatureRUL:
    """LightGBM regression of (capped) RUL on :func:`window_features`.

    Args:
        tail: Steps summarised per window.
        n_estimators: Boosting rounds.
        seed: Random seed.
    """

    def __init__(self, tail: int = 30, n_estimators: int = 400, seed: int = 0):
        self.tail = tail
        self.n_estimators = n_estimators
        self.seed = seed

    def fit(self, X, y: np.ndarray) -> "WindowFeatureRUL":
        """Fit on windows ``X`` ``(n, window, channels)`` (or lazy windows, :func:`features_of`) and
        targets ``y``. Returns self."""
        self.model_ = _lgbm("regression", self.seed, self.n_estimators)
        self.model_.fit(features_of(X, self.tail), np.asarray(y, float))
        return self

    def predict(self, X: np.ndarray) -> np.ndarray:
        """Predicted RUL per window (clipped at 0)."""
        if not hasattr(self, "model_"):
            raise RuntimeError("WindowFeatureRUL is not fitted: call fit first")
        return np.clip(self.model_.predict(features_of(X, self.tail)), 0, None)

    def save(self, path) -> Path:
        """Write the fitted trees as LightGBM's own text model (no pickle) plus ``lightgbm_rul.json``.

        The folder may be an adapter folder: the model is then served next to the adapter (the blend
        or the baseline that a run recommended). Returns the folder.
        """
        from workbench.gbm import save_boosters

        if not hasattr(self, "model_") or not hasattr(self.model_, "booster_"):
            raise RuntimeError("WindowFeatureRUL.save needs a LightGBM model fitted by fit()")
        return save_boosters(path, {LGBM_FILE: self.model_}, LGBM_META,
                             {"tail": self.tail, "n_estimators": self.n_estimators, "seed": self.seed})

    @classmethod
    def load(cls, path) -> "WindowFeatureRUL":
        """A model written by :meth:`save`; it predicts exactly as the fitted one did.

        Raises:
            FileNotFoundError: the folder holds no saved LightGBM RUL model.
        """
        from workbench.gbm import load_boosters

        meta, (booster,) = load_boosters(path, [LGBM_FILE], LGBM_META, what="LightGBM RUL model")
        est = cls(tail=int(meta["tail"]), n_estimators=int(meta["n_estimators"]), seed=int(meta["seed"]))
        est.model_ = booster
        return est


LGBM_FILE = "lightgbm_rul.txt"
"""LightGBM's text model format: readable, and loading it runs no code (unlike a pickle)."""
LGBM_META = "lightgbm_rul.json"


class ProcessFailureClassifier:
    """LightGBM classifier of machine failure on the current process features (AI4I).

    Args:
        n_estimators: Boosting rounds.
        seed: Random seed.
    """

    def __init__(self, n_estimators: int = 300, seed: int = 0):
        self.n_estimators = n_estimators
        self.seed = seed

    def fit(self, X: np.ndarray, y: np.ndarray) -> "ProcessFailureClassifier":
        """Fit on rows ``X`` ``(n, features)`` and 0/1 labels ``y``. Returns self."""
        self.model_ = _lgbm("binary", self.seed, self.n_estimators)
        self.model_.fit(np.asarray(X, np.float32), np.asarray(y, int))
        return self

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        """Failure probability per row."""
        if not hasattr(self, "model_"):
            raise RuntimeError("ProcessFailureClassifier is not fitted: call fit first")
        X = np.asarray(X, np.float32)
        if hasattr(self.model_, "predict_proba"):
            return self.model_.predict_proba(X)[:, 1]
        return np.asarray(self.model_.predict(X), float)  # a loaded Booster: binary objective gives P(failure)

    def save(self, path) -> Path:
        """Write the fitted trees as LightGBM's text model (no pickle) plus ``lightgbm_failure.json``;
        the folder may be an adapter folder (the model is then served next to the adapter)."""
        from workbench.gbm import save_boosters

        if not hasattr(self, "model_") or not hasattr(self.model_, "booster_"):
            raise RuntimeError("ProcessFailureClassifier.save needs a LightGBM model fitted by fit()")
        return save_boosters(path, {FAILURE_FILE: self.model_}, FAILURE_META,
                             {"n_estimators": self.n_estimators, "seed": self.seed})

    @classmethod
    def load(cls, path) -> "ProcessFailureClassifier":
        """A model written by :meth:`save`; it predicts exactly as the fitted one did.

        Raises:
            FileNotFoundError: the folder holds no saved LightGBM failure model.
        """
        from workbench.gbm import load_boosters

        meta, (booster,) = load_boosters(path, [FAILURE_FILE], FAILURE_META, what="LightGBM failure model")
        est = cls(n_estimators=int(meta["n_estimators"]), seed=int(meta["seed"]))
        est.model_ = booster
        return est


FAILURE_FILE = "lightgbm_failure.txt"
FAILURE_META = "lightgbm_failure.json"
