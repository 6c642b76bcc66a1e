"""Classical baselines that give the same output as the neural forecaster: daily and cumulative quantiles.

* :class:`SeasonalNaive`: tomorrow = the same weekday last week (season ``m``).
* :class:`ETSForecaster`: additive-seasonal exponential smoothing, ETS(A,N,A) (Hyndman &
  Athanasopoulos, "Forecasting: Principles and Practice", 3rd ed., ch. 8.3), smoothing
  parameters chosen per series from a small grid by in-sample one-step squared error, all series
  and grid points filtered at once with numpy.
* :class:`CrostonTSB`: the Croston family for intermittent demand, in the variant of Teunter,
  Syntetos & Babai (2011, "Intermittent demand: linking forecasting to inventory obsolescence",
  EJOR 214): demand probability and demand size smoothed apart, parameters per series from a grid.
* :class:`LightGBMQuantile`: a global gradient-boosted model on lag and calendar features with
  the known covariates, one LightGBM quantile regressor per level (direct multi-horizon).

The first three are point forecasters. Their quantiles come from their own in-sample errors:
``q_tau(h) = f(h) + empirical tau-quantile of past h-step errors`` over the last ``lookback``
origins, and the cumulative quantiles likewise from errors of h-day sums. This is the empirical
(bootstrap-free) interval method of Hyndman & Athanasopoulos (ch. 5.5) applied per horizon, and
it needs no distributional assumption. Quantiles are clipped at 0.

Every forecaster reads ``y`` only before each origin (see the leakage test) and has the
interface ``fit(panel, fit_end) -> self`` and ``predict(panel, origins) -> (daily, cumulative)``
with arrays ``(n, H, Q)``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from workbench.windows import DemandPanel, ForecastWindows


PARALLEL_MIN_ORIGINS = 20_000
"""Below this many (series, origin) pairs a baseline predicts in-process: starting worker
processes costs more than it saves on small sets."""
CHUNK = 2_000


def predict_in_chunks(predict_chunk, panel: DemandPanel, origins: np.ndarray,
                      n_jobs: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Run ``predict_chunk(panel, origins_chunk) -> (daily, cumulative)`` over chunks, in parallel.

    Per-series baselines are independent across series, so they parallelise without changing a
    number. joblib's process pool hands large arrays (the panel) to the workers as memory maps
    instead of copies. Outputs are float32: five forecasters at M5 size would otherwise hold
    ~7 GB of float64 quantiles.

    Args:
        predict_chunk: The per-chunk predictor (a bound method of the fitted baseline).
        panel: The data.
        origins: ``(n, 2)`` series and origin indices.
        n_jobs: Worker processes; ``None``: all cores when there are at least
            :data:`PARALLEL_MIN_ORIGINS` origins, else 1.
    """
    origins = np.asarray(origins)
    if n_jobs is None:
        import os

        n_jobs = (os.cpu_count() or 1) if len(origins) >= PARALLEL_MIN_ORIGINS else 1
    chunks = [origins[i:i + CHUNK] for i in range(0, len(origins), CHUNK)] or [origins]
    if n_jobs == 1 or len(chunks) == 1:
        parts = [predict_chunk(panel, c) for c in chunks]
    else:
        from joblib import Parallel, delayed

        parts = Parallel(n_jobs=n_jobs)(delayed(predict_chunk)(panel, c) for c in chunks)
    daily = np.concatenate([np.asarray(p[0], np.float32).reshape(-1, *p[0].shape[1:]) for p in parts])
    cum = np.concatenate([np.asarray(p[1], np.float32).reshape(-1, *p[1].shape[1:]) for p in parts])
    return daily, cum


def nanquantile_columns(a: np.ndarray, taus) -> np.ndarray:
    """``np.nanquantile(a, taus, axis=0)`` (linear method) for a 2-D array, vectorised.

    numpy's ``nanquantile`` along an axis of an array that holds NaN falls back to a Python loop
    over the columns; called for every (series, origin) of a backtest it was most of the
    baselines' time (81 s of a 1,000-series backtest). Sorting once puts NaN last; each column's
    quantile then interpolates between its ``floor`` and ``ceil`` order statistics among the ``n``
    non-NaN values, exactly as numpy does. All-NaN columns give NaN.

    Returns:
        ``(len(taus), a.shape[1])``.
    """
    a = np.sort(np.asarray(a, dtype=float), axis=0)                       # NaN sort to the end
    n = (~np.isnan(a)).sum(axis=0)                                        # (H,)
    pos = np.asarray(taus, float)[:, None] * np.maximum(n - 1, 0)[None, :]  # (Q, H)
    lo = np.floor(pos).astype(int)
    hi = np.minimum(lo + 1, np.maximum(n - 1, 0)[None, :])
    cols = np.arange(a.shape[1])[None, :]
    frac = pos - lo
    out = a[lo, cols] * (1 - frac) + a[hi, cols] * frac
    # numpy: where the upper neighbour is not used (frac 0) the result is the lower one exactly.
    out = np.where(frac == 0, a[lo, cols], out)
    return np.where(n[None, :] > 0, out, np.nan)


def _residual_quantiles(point_fn, y: np.ndarray, o: int, horizon: int, taus, lookback: int) -> tuple[np.ndarray, np.ndarray]:
    """Daily and cumulative quantiles from a point forecast plus empirical in-sample errors.

    Args:
        point_fn: ``t_array -> (len(t_array), H)`` point forecasts from origins ``t`` (reading y < t).
        y: The series, ``(T,)`` with NaN where unobserved.
        o: Origin to forecast from.
        horizon: H.
        taus: Quantile levels.
        lookback: How many past origins supply errors.

    Returns:
        ``(daily (H, Q), cumulative (H, Q))``.
    """
    f = np.nan_to_num(point_fn(np.array([o]))[0], nan=0.0)
    ts = np.arange(max(o - lookback, 1), o - horizon + 1)                   # errors fully observed before o
    if len(ts) >= 5:
        fits = point_fn(ts)                                               # (n_t, H)
        actual = y[ts[:, None] + np.arange(horizon)]
        err = actual - fits
        cum_err = np.cumsum(err, axis=1)                                  # NaN propagates: partial sums dropped
        with np.errstate(all="ignore"):
            qd = nanquantile_columns(err, taus).T                         # (H, Q)
            qc = nanquantile_columns(cum_err, taus).T
        qd, qc = np.nan_to_num(qd), np.nan_to_num(qc)
    else:  # too little history: a degenerate (point) forecast
        qd = qc = np.zeros((horizon, len(taus)))
    daily = np.maximum(f[:, None] + qd, 0.0)
    cum = np.maximum(np.cumsum(f)[:, None] + qc, 0.0)
    # Clipping and NaN handling can break monotonicity in h for the cumulative sums; restore it.
    cum = np.maximum.accumulate(cum, axis=0)
    return daily, cum


class SeasonalNaive:
    """Seasonal naive forecast with empirical error quantiles.

    Args:
        taus: Quantile levels.
        horizon: H.
        season: m (7 for daily data with a weekly cycle).
        lookback: Past origins used for the error quantiles.
    """

    name = "seasonal_naive"

    def __init__(self, taus, horizon: int, season: int = 7, lookback: int = 182):
        self.taus, self.horizon, self.season, self.lookback = list(taus), horizon, season, lookback

    def fit(self, panel: DemandPanel, fit_end: int) -> "SeasonalNaive":
        """Nothing to fit; kept for a uniform interface."""
        self.fitted_ = True
        return self

    def _point(self, y: np.ndarray, ts: np.ndarray) -> np.ndarray:
        h = np.arange(self.horizon)
        idx = ts[:, None] - self.season + (h % self.season)[None, :]
        return np.where(idx >= 0, y[np.clip(idx, 0, None)], np.nan)

    def predict(self, panel: DemandPanel, origins: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Quantile forecasts for ``(series, origin)`` pairs (in parallel on large sets)."""
        return predict_in_chunks(self._predict_chunk, panel, origins)

    def _predict_chunk(self, panel: DemandPanel, origins: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        out_d, out_c = [], []
        for s, o in np.asarray(origins):
            y = np.asarray(panel.y[s], dtype=float)
            d, c = _residual_quantiles(lambda ts: self._point(y, ts), y, int(o), self.horizon, self.taus, self.lookback)
            out_d.append(d)
            out_c.append(c)
        return np.array(out_d), np.array(out_c)


def _best_paths(panel: DemandPanel, grid: np.ndarray, block: int, run_filter, fit_end: int):
    """Each series' filtered paths at its best grid point, filtering ``block`` series at a time.

    ``run_filter(y, grid[:, 0], grid[:, 1], fit_end)`` returns paths ``(block, G, T)`` and the
    in-sample SSE ``(block, G)``; only the lowest-SSE path of each series is kept, so memory is
    bounded by the block, not by all series times all grid points.

    Returns:
        ``(paths as (S, T) arrays, best grid index per series (S,))``.
    """
    S, T = panel.y.shape
    paths: list[np.ndarray] = []
    best_all = np.empty(S, dtype=np.int64)
    for lo in range(0, S, block):
        y = np.asarray(panel.y[lo:lo + block], dtype=float)
        *filtered, sse = run_filter(y, grid[:, 0], grid[:, 1], fit_end)
        best = np.argmin(sse, axis=1)
        if not paths:
            paths = [np.empty((S, T)) for _ in filtered]
        rows = np.arange(len(y))
        for out, path in zip(paths, filtered):
            out[lo:lo + len(y)] = path[rows, best]                          # causal in t
        best_all[lo:lo + len(y)] = best
    return paths, best_all


ETS_BLOCK = 1024
"""Series filtered at once by :meth:`ETSForecaster.fit`."""


class ETSForecaster:
    """ETS(A,N,A): level + additive season, parameters per series from a grid.

    Args:
        taus: Quantile levels.
        horizon: H.
        season: m.
        alphas: Grid of level smoothing parameters.
        gammas: Grid of seasonal smoothing parameters.
        lookback: Past origins used for the error quantiles.
    """

    name = "ets"

    def __init__(self, taus, horizon: int, season: int = 7, alphas=(0.02, 0.05, 0.1, 0.2, 0.4),
                 gammas=(0.01, 0.05, 0.15), lookback: int = 182):
        self.taus, self.horizon, self.season = list(taus), horizon, season
        self.alphas, self.gammas, self.lookback = tuple(alphas), tuple(gammas), lookback

    def _filter(self, y: np.ndarray, alpha: np.ndarray, gamma: np.ndarray, until: int):
        """Run the ETS recursions for all series (rows of y) and parameter pairs at once.

        Returns level ``(S, G, T)`` after each day, seasonal ``(S, G, T)`` of each day, and the
        in-sample one-step SSE over days ``< until`` (after a burn-in of two seasons).
        """
        S, T = y.shape
        G, m = len(alpha), self.season
        obs = ~np.isnan(y)
        first = np.where(obs.any(axis=1), obs.argmax(axis=1), T)
        # Initial level: mean of the first season of observations.
        init = np.array([np.nanmean(y[s, f:f + m]) if f < T else 0.0 for s, f in enumerate(first)])
        level = np.zeros((S, G, T))
        seas = np.zeros((S, G, T))
        lv = np.repeat(np.nan_to_num(init)[:, None], G, axis=1)
        sse = np.zeros((S, G))
        for t in range(T):
            s_prev = seas[:, :, t - m] if t >= m else np.zeros((S, G))
            yt = y[:, t]
            ok = obs[:, t][:, None]
            err = np.where(ok, yt[:, None] - (lv + s_prev), 0.0)
            if t < until:
                burn = (t - first >= 2 * m)[:, None]
                sse += np.where(ok & burn, err ** 2, 0.0)
            lv = lv + alpha[None, :] * err
            seas[:, :, t] = s_prev + gamma[None, :] * err
            level[:, :, t] = lv
        return level, seas, sse

    def fit(self, panel: DemandPanel, fit_end: int) -> "ETSForecaster":
        """Choose (alpha, gamma) per series on days before ``fit_end`` and filter all days.

        Series are filtered in blocks of :data:`ETS_BLOCK`: the filter keeps ``(S, G, T)`` level and
        season arrays for G grid points (15), 7 GB each for 30,000 daily series over 1,941 days;
        per block they stay near 0.5 GB, and only each series' best path is kept.
        """
        grid = np.array([(a, g) for a in self.alphas for g in self.gammas])
        (self.level_, self.seasonal_), best = _best_paths(panel, grid, ETS_BLOCK, self._filter, fit_end)
        self.params_ = grid[best]
        self.fit_end_ = fit_end
        return self

    def _point(self, s: int, ts: np.ndarray) -> np.ndarray:
        h = np.arange(self.horizon)
        m = self.season
        lev = np.where(ts >= 1, self.level_[s, np.clip(ts - 1, 0, None)], np.nan)
        idx = ts[:, None] + h[None, :] - m * (h[None, :] // m + 1)         # last seasonal index before ts
        sea = np.where(idx >= 0, self.seasonal_[s, np.clip(idx, 0, None)], 0.0)
        return lev[:, None] + sea

    def predict(self, panel: DemandPanel, origins: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Quantile forecasts for ``(series, origin)`` pairs (panel must be the fitted one)."""
        return predict_in_chunks(self._predict_chunk, panel, origins)

    def _predict_chunk(self, panel: DemandPanel, origins: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        out_d, out_c = [], []
        for s, o in np.asarray(origins):
            d, c = _residual_quantiles(lambda ts: self._point(int(s), ts), np.asarray(panel.y[s], dtype=float),
                                       int(o), self.horizon,
                                       self.taus, self.lookback)
            out_d.append(d)
            out_c.append(c)
        return np.array(out_d), np.array(out_c)


TSB_BLOCK = 512
"""Series filtered at once by :meth:`CrostonTSB.fit`."""


class CrostonTSB:
    """Croston-family forecast for intermittent demand: TSB (Teunter, Syntetos & Babai 2011).

    Croston (1972) smooths the sizes of non-zero demands and the intervals between them; its
    forecast is biased (Syntetos & Boylan 2005) and never decays when an item stops selling. TSB
    smooths the *probability* of demand in a period instead of the interval, every period:

    * demand ``y_t > 0``: ``p <- p + beta (1 - p)`` and ``z <- z + alpha (y_t - z)``;
    * no demand: ``p <- p - beta p`` (``z`` unchanged); unobserved periods change nothing;
    * forecast for every future period: ``p * z`` (unbiased for the mean demand per period).

    ``(alpha, beta)`` is chosen per series from a grid by in-sample one-step squared error before
    ``fit_end``; ``p`` and ``z`` start from the first ``init`` observed periods. Quantiles come
    from the empirical errors of past forecasts like the other point baselines (module docstring),
    with the point mass at zero that TSB implies: a period has no demand with probability ``1 - p``,
    so every level ``tau <= 1 - p`` is exactly 0 (and for the sum of ``h`` periods every
    ``tau <= (1 - p)^h``). Error quantiles alone leave small positive values there, which count
    data never take.

    Args:
        taus: Quantile levels.
        horizon: H.
        alphas: Grid of size smoothing parameters.
        betas: Grid of probability smoothing parameters.
        init: Observed periods that set the starting ``p`` and ``z``.
        lookback: Past origins used for the error quantiles.
    """

    name = "croston_tsb"

    def __init__(self, taus, horizon: int, alphas=(0.05, 0.1, 0.2, 0.3), betas=(0.02, 0.05, 0.1, 0.2),
                 init: int = 12, lookback: int = 182):
        self.taus, self.horizon = list(taus), horizon
        self.alphas, self.betas, self.init, self.lookback = tuple(alphas), tuple(betas), init, lookback

    def _filter(self, y: np.ndarray, alpha: np.ndarray, beta: np.ndarray,
                until: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The TSB recursions for all series (rows) and grid points at once.

        Returns the forecast made after each period ``(S, G, T)`` (``p * z`` once period ``t`` is
        seen), the demand probability ``p`` after each period (same shape) and the in-sample
        one-step SSE over the periods before ``until`` after the first ``init`` observed ones.
        """
        S, T = y.shape
        G = len(alpha)
        obs = ~np.isnan(y)
        y0 = np.nan_to_num(y)
        p0 = np.zeros(S)
        z0 = np.zeros(S)
        for s in range(S):  # start values from the first observed periods (causal up to there)
            first = y[s][obs[s]][: self.init]
            if len(first):
                p0[s] = np.mean(first > 0)
                z0[s] = first[first > 0].mean() if (first > 0).any() else 0.0
        p = np.repeat(p0[:, None], G, axis=1)
        z = np.repeat(z0[:, None], G, axis=1)
        seen = np.cumsum(obs, axis=1)
        forecast = np.zeros((S, G, T))
        prob = np.zeros((S, G, T))
        sse = np.zeros((S, G))
        for t in range(T):
            ok = obs[:, t][:, None]
            yt = y0[:, t][:, None]
            if t < until:
                score = ok & (seen[:, t] > self.init)[:, None]
                sse += np.where(score, (yt - p * z) ** 2, 0.0)
            pos = ok & (yt > 0)
            p = np.where(ok, p + beta[None, :] * (pos - p), p)
            z = np.where(pos, z + alpha[None, :] * (yt - z), z)
            forecast[:, :, t] = p * z
            prob[:, :, t] = p
        return forecast, prob, sse

    def fit(self, panel: DemandPanel, fit_end: int) -> "CrostonTSB":
        """Choose ``(alpha, beta)`` per series on periods before ``fit_end`` and filter all periods."""
        grid = np.array([(a, b) for a in self.alphas for b in self.betas])
        (self.forecast_, self.prob_), best = _best_paths(panel, grid, TSB_BLOCK, self._filter, fit_end)
        self.params_ = grid[best]
        self.fit_end_ = fit_end
        return self

    def _point(self, s: int, ts: np.ndarray) -> np.ndarray:
        # The forecast from origin t uses periods < t only: the state after period t - 1.
        f = np.where(ts >= 1, self.forecast_[s, np.clip(ts - 1, 0, None)], np.nan)
        return np.repeat(f[:, None], self.horizon, axis=1)

    def predict(self, panel: DemandPanel, origins: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Quantile forecasts for ``(series, origin)`` pairs (panel must be the fitted one)."""
        return predict_in_chunks(self._predict_chunk, panel, origins)

    def _predict_chunk(self, panel: DemandPanel, origins: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        out_d, out_c = [], []
        taus = np.asarray(self.taus)[None, :]
        steps = np.arange(1, self.horizon + 1)[:, None]
        for s, o in np.asarray(origins):
            d, c = _residual_quantiles(lambda ts: self._point(int(s), ts), np.asarray(panel.y[s], dtype=float),
                                       int(o), self.horizon, self.taus, self.lookback)
            p = self.prob_[int(s), int(o) - 1] if o >= 1 else 0.0
            # The point mass at zero: P(no demand in a period) = 1 - p, in h periods (1 - p)^h.
            out_d.append(np.where(taus <= 1.0 - p, 0.0, d))
            out_c.append(np.where(taus <= (1.0 - p) ** steps, 0.0, c))
        return np.array(out_d), np.array(out_c)


class LightGBMQuantile:
    """Global LightGBM quantile regression on scaled lag, calendar and covariate features.

    For each (series, origin, horizon period) the features are: the context summary (last value,
    mean of a short and a long recent span, the same period of past seasons, share of periods with
    demand in the long span), the target period's known covariates and calendar (the same features
    the neural model gets), and the horizon step. Targets are demand / context mean, like the
    neural model's. One model per quantile for the daily values and one per quantile for the
    average demand over the first h periods (cumulative quantiles = h x that average).

    The spans follow the panel's frequency (:data:`LGBM_PROFILES`): daily data reads the last 7 and
    28 days and the same weekday of the last 4 weeks, with a training origin every 7 days; weekly
    data reads the same spans in weeks (spans of its own, 4/13 weeks and a year's lag, lost on
    validation) with a training origin every week; monthly data the last 3 and 12 months and the
    same month of the last 2 years, with a training origin every month (7 months between origins
    would waste most of a spare part's short history).

    Args:
        taus: Quantile levels.
        horizon: H.
        context: Periods of history summarised (at least what the frequency's spans read).
        n_estimators: Trees per model.
        stride: Periods between training origins; None: the profile's (7 daily, else 1).
        seed: Seed.
        profile: Name of the :data:`LGBM_PROFILES` entry whose spans to use on any data; None:
            the panel's frequency decides (``"D"`` with ``stride=7`` is the design before the spans
            followed the frequency, which ``benchmarks/bench_supply_frequency.py`` compares).
    """

    name = "lightgbm"

    def __init__(self, taus, horizon: int, context: int = 56, n_estimators: int = 100, stride: int | None = None,
                 min_history: int = 14, seed: int = 0, max_rows: int = 60_000, profile: str | None = None):
        if profile is not None and profile not in LGBM_PROFILES:
            raise ValueError(f"unknown LightGBM profile {profile!r}: expected one of {sorted(LGBM_PROFILES)} or None")
        self.taus, self.horizon, self.context = list(taus), horizon, max(context, 28)
        self.n_estimators, self.stride, self.min_history, self.seed = n_estimators, stride, min_history, seed
        self.max_rows, self.profile = max_rows, profile

    def _profile(self, freq: str) -> dict:
        return LGBM_PROFILES.get(self.profile or freq, LGBM_PROFILES["D"])

    def _context(self, freq: str) -> int:
        """Context periods read: at least the long span and the oldest season lag."""
        p = self._profile(freq)
        return max(self.context, p["long"], p["season"] * p["seasons"])

    def _features(self, panel: DemandPanel, origins: np.ndarray,
                  freq: str | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        freq = freq or panel.freq
        p = self._profile(freq)
        C = self._context(freq)
        win = ForecastWindows(panel, C, self.horizon, origins).arrays(np.arange(len(origins)))
        past = win["past"][..., 0]                                          # (n, C) scaled demand
        obs = win["past"][..., 1]
        n, H = len(origins), self.horizon
        short, long_, m = p["short"], p["long"], p["season"]
        last = past[:, -1]
        m_short, m_long = past[:, -short:].mean(1), past[:, -long_:].mean(1)
        nz = (past[:, -long_:] > 0).mean(1)
        obs_long = obs[:, -long_:].mean(1)
        # Same period of the season as target period h over the last seasons: positions C-m*k+(h mod m)
        # (daily: the same weekday of the last 4 weeks; monthly: the same month of the last 2 years).
        h = np.arange(H)
        same = np.stack([past[:, np.clip(C - m * k + (h % m), 0, C - 1)]
                         for k in range(1, p["seasons"] + 1)], axis=0).mean(0)   # (n, H)
        ctx = np.stack([last, m_short, m_long, nz, obs_long], axis=1)       # (n, 5)
        X = np.concatenate([
            np.repeat(ctx[:, None, :], H, axis=1), same[..., None], win["future"], np.broadcast_to(h[None, :, None], (n, H, 1)),
        ], axis=-1)                                                         # (n, H, 5 + 1 + 14 + 1)
        return X, win["target"], win["mask"], win["scale"]

    def fit(self, panel: DemandPanel, fit_end: int) -> "LightGBMQuantile":
        """Train on origins whose targets lie before ``fit_end``."""
        import lightgbm as lgb

        from workbench.windows import training_origins

        self.freq_ = panel.freq  # the spans of the features; a saved model keeps them
        stride = self.stride if self.stride is not None else self._profile(panel.freq)["stride"]
        orig = training_origins(panel, context=self._context(panel.freq), horizon=self.horizon, first=0,
                                last=fit_end, stride=stride, min_history=self.min_history)
        if len(orig) * self.horizon > 20 * self.max_rows:
            # Huge panels (M5 size: millions of origins): sample origins before building features,
            # which hold H x 21 floats per origin; rows are subsampled to max_rows below anyway.
            from workbench.windows import sample_origins

            orig = sample_origins(orig, 4 * self.max_rows // self.horizon + 1, seed=self.seed)
        X, y, mask, _ = self._features(panel, orig)
        steps = np.arange(1, self.horizon + 1)
        cum_avg = np.cumsum(y, axis=1) / steps
        # Closed days (unobserved) count as 0 in the sums; a product of the mask dropped every sum
        # once a closed day came, and with weekly-aligned origins on a closed weekday all of them.
        cum_ok = np.cumsum(mask, axis=1) > 0
        Xf = X.reshape(-1, X.shape[-1])
        # 2 x Q models: keep each small (measured ~240 s for 150 trees x 31 leaves on 31k rows with
        # 16 models on a busy 2-core machine; these settings cut that about fivefold).
        params = dict(n_estimators=self.n_estimators, learning_rate=0.1, num_leaves=15, min_child_samples=20,
                      max_bin=63, subsample=0.8, subsample_freq=1, colsample_bytree=0.9, random_state=self.seed,
                      verbose=-1, n_jobs=1)
        self.daily_models_, self.cum_models_ = [], []
        okd, okc = mask.reshape(-1) > 0, cum_ok.reshape(-1)
        if len(okd) > self.max_rows:  # subsample rows, reproducibly
            keep = np.zeros(len(okd), dtype=bool)
            keep[np.random.default_rng(self.seed).choice(len(okd), self.max_rows, replace=False)] = True
            okd, okc = okd & keep, okc & keep
        for t in self.taus:
            self.daily_models_.append(lgb.LGBMRegressor(objective="quantile", alpha=t, **params)
                                      .fit(Xf[okd], y.reshape(-1)[okd]))
            self.cum_models_.append(lgb.LGBMRegressor(objective="quantile", alpha=t, **params)
                                    .fit(Xf[okc], cum_avg.reshape(-1)[okc]))
        self.n_train_rows_ = int(okd.sum())
        return self

    def predict(self, panel: DemandPanel, origins: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Quantile forecasts for ``(series, origin)`` pairs (in chunks: features are H x 21 floats each).

        Raises:
            ValueError: The panel's frequency is not the one the model was fitted on.
        """
        self._fitted_freq(panel)
        return predict_in_chunks(self._predict_chunk, panel, origins, n_jobs=1)

    def _fitted_freq(self, panel: DemandPanel) -> str:
        """The frequency whose feature spans the trees were fitted on (a model saved before the spans
        followed the frequency used the daily ones on any data)."""
        from workbench.windows import FREQ_NAMES

        freq = getattr(self, "freq_", None)
        if freq is None:
            return "D"
        if FREQ_NAMES.get(freq, freq) != FREQ_NAMES.get(panel.freq, panel.freq):  # MS and ME are both monthly
            raise ValueError(f"this LightGBM model was fitted on {FREQ_NAMES.get(freq, freq)} data; the data to "
                             f"forecast is {FREQ_NAMES.get(panel.freq, panel.freq)}: fit it on data of that frequency")
        return freq

    def _predict_chunk(self, panel: DemandPanel, origins: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        X, _, _, scale = self._features(panel, np.asarray(origins), self._fitted_freq(panel))
        n, H, _ = X.shape
        Xf = X.reshape(-1, X.shape[-1])
        daily = np.stack([m.predict(Xf).reshape(n, H) for m in self.daily_models_], axis=-1)
        cum = np.stack([m.predict(Xf).reshape(n, H) for m in self.cum_models_], axis=-1)
        cum = cum * np.arange(1, H + 1)[None, :, None]
        # Separate quantile models can cross; sorting restores order (Chernozhukov et al. 2010).
        daily = np.maximum(np.sort(daily, axis=-1), 0.0) * scale[:, None, None]
        cum = np.maximum(np.sort(cum, axis=-1), 0.0) * scale[:, None, None]
        return daily, cum


    # -- persistence (the run stores it beside the adapter when it may be served: ``serving.json``)
    def save(self, path) -> Path:
        """Write the fitted trees as LightGBM's own text models (no pickle) plus ``lightgbm_quantile.json``.

        Returns:
            The folder.

        Raises:
            RuntimeError: Not fitted.
        """
        from workbench.gbm import save_boosters

        if not hasattr(self, "daily_models_"):
            raise RuntimeError("LightGBMQuantile.save needs a model fitted by fit()")
        models = {f"lightgbm_{kind}_{k}.txt": m
                  for kind, ms in (("daily", self.daily_models_), ("cum", self.cum_models_)) for k, m in enumerate(ms)}
        return save_boosters(path, models, LGBM_META, {
            "taus": self.taus, "horizon": self.horizon, "context": self.context, "n_estimators": self.n_estimators,
            "stride": self.stride, "min_history": self.min_history, "seed": self.seed, "max_rows": self.max_rows,
            "freq": self.freq_, "profile": self.profile})

    @classmethod
    def load(cls, path) -> "LightGBMQuantile":
        """A model written by :meth:`save`; it predicts exactly as the fitted one did.

        Raises:
            FileNotFoundError: The folder holds no saved LightGBM quantile model (or only part of one).
        """
        from workbench.gbm import load_boosters

        def names(meta: dict) -> list[str]:  # one daily and one cumulative model per level
            return [f"lightgbm_{kind}_{k}.txt" for kind in ("daily", "cum") for k in range(len(meta["taus"]))]

        meta, boosters = load_boosters(Path(path), names, LGBM_META, what="LightGBM quantile model")
        n = len(meta["taus"])
        est = cls(meta["taus"], int(meta["horizon"]), context=int(meta["context"]),
                  n_estimators=int(meta["n_estimators"]), stride=None if meta["stride"] is None else int(meta["stride"]),
                  min_history=int(meta["min_history"]), seed=int(meta["seed"]), max_rows=int(meta["max_rows"]),
                  profile=meta.get("profile"))
        est.daily_models_, est.cum_models_ = boosters[:n], boosters[n:]
        est.freq_ = meta.get("freq")  # None: saved before the spans followed the frequency (daily spans)
        return est


LGBM_PROFILES: dict[str, dict[str, int]] = {
    "D": {"short": 7, "long": 28, "season": 7, "seasons": 4, "stride": 7},
    "W": {"short": 7, "long": 28, "season": 7, "seasons": 4, "stride": 1},
    "MS": {"short": 3, "long": 12, "season": 12, "seasons": 2, "stride": 1},
}
"""LightGBM's feature spans per panel frequency, in periods (:class:`LightGBMQuantile`)."""
LGBM_PROFILES["ME"] = LGBM_PROFILES["MS"]

LGBM_META = "lightgbm_quantile.json"
"""Settings of a saved :class:`LightGBMQuantile`; its trees are LightGBM text models beside it
(readable, and loading them runs no code, unlike a pickle)."""


def make_baseline(name: str, taus, horizon: int, season: int = 7, min_history: int = 14, seed: int = 0):
    """Build a baseline by name (``seasonal_naive``, ``ets``, ``croston_tsb``, ``lightgbm``)."""
    if name == "seasonal_naive":
        return SeasonalNaive(taus, horizon, season)
    if name == "ets":
        return ETSForecaster(taus, horizon, season)
    if name == "croston_tsb":
        return CrostonTSB(taus, horizon)
    if name == "lightgbm":
        return LightGBMQuantile(taus, horizon, min_history=min_history, seed=seed)
    raise ValueError(f"unknown baseline {name!r}: expected seasonal_naive, ets, croston_tsb or lightgbm")
