"""Forecast windows with known future covariates: a dense panel, lazily cut windows, origins.

Core, beside :mod:`workbench.timeseries`: ``timeseries.sliding_windows`` cuts windows whose target
is the *last* step (the maintenance use case's remaining-life regression). Forecasting needs
more: a context of C past periods, a horizon of H future periods with their *known* covariates
(promotions, prices, holidays, calendar), and targets that lie strictly after the context. The
supply-chain use case builds on it; nothing here reads a file or knows a use case.

Windows are never materialised: :class:`ForecastWindows` holds the panel's arrays once (float32
at M5 size) and cuts a batch of windows by fancy indexing when the loader asks for it, and
:func:`training_origins` works through the series in blocks.

Leakage rule (darts: "make it hard to leak future data"): a window for origin ``o`` (the first
forecast day) reads ``y`` only on days ``o-C .. o-1``. Future covariates are read on days
``o .. o+H-1``; they are *known in advance* by definition (promotion plans, price lists,
holiday calendars). ``tests/usecases/supply_chain/test_backtest.py`` checks this by changing
everything after an origin and comparing forecasts.

Usage::

    panel = DemandPanel.from_frame(df)                        # validated long table
    ds = ForecastWindows(panel, context=112, horizon=28, origins=panel.origins(...))
    batch = ds[0]    # dict: past (C, 5), future (H, 14), target (H,), mask (H,), scale ()
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import torch
from torch.utils.data import Dataset

PAST_CHANNELS = ("y_scaled", "observed", "promo", "log_price_ratio", "holiday")
FUTURE_FEATURES = ("promo", "log_price_ratio", "holiday", "pre_holiday", "post_promo",
                   "dow_0", "dow_1", "dow_2", "dow_3", "dow_4", "dow_5", "dow_6", "doy_sin", "doy_cos")
SCALE_FLOOR = 0.1  # units/day; keeps the scale of very slow movers away from 0


@dataclass
class DemandPanel:
    """Dense arrays of a long demand table on one common calendar.

    Attributes:
        ids: Series ids, shape ``(S,)``.
        dates: Calendar, shape ``(T,)``.
        y: Demand, ``(S, T)``, NaN where the series has no row (before launch, after its end).
        promo: ``(S, T)`` 0/1.
        price: ``(S, T)`` positive (forward/back-filled where the series has no row).
        holiday: ``(S, T)`` 0/1.
        static: One row per series (``unique_id`` and static columns), aligned with ``ids``.
        freq: ``"D"``, ``"W"``, ``"MS"`` (month start) or ``"ME"`` (month end).
    """

    ids: np.ndarray
    dates: pd.DatetimeIndex
    y: np.ndarray
    promo: np.ndarray
    price: np.ndarray
    holiday: np.ndarray
    static: pd.DataFrame
    freq: str = "D"

    @classmethod
    def from_frame(cls, df: pd.DataFrame) -> "DemandPanel":
        """Build the panel from a validated long table (see ``data.validate_demand``)."""
        freq = df.attrs.get("freq", "D")
        ids = np.array(sorted(df["unique_id"].unique()))
        dates = pd.date_range(df["ds"].min(), df["ds"].max(), freq=period_offset(freq))
        row = pd.Index(ids).get_indexer(df["unique_id"])
        col = dates.get_indexer(df["ds"])
        if (col < 0).any():
            raise ValueError("dates do not lie on one common calendar; weekly series must share the weekday")
        shape = (len(ids), len(dates))

        def dense(values, fill):
            out = np.full(shape, fill, dtype=float)
            out[row, col] = np.asarray(values, float)
            return out

        y = dense(df["y"], np.nan)
        promo = dense(df["promo"], 0.0)
        holiday = dense(df["holiday"], 0.0)
        price = pd.DataFrame(dense(df["price"], np.nan)).ffill(axis=1).bfill(axis=1).to_numpy()
        static_cols = [c for c in df.columns if c not in ("ds", "y", "promo", "price", "holiday")]
        static = df.groupby("unique_id", sort=True)[static_cols[1:]].first().reset_index() if len(static_cols) > 1 \
            else pd.DataFrame({"unique_id": ids})
        return cls(ids, dates, y, promo, price, holiday, static, freq)

    def __len__(self) -> int:
        return len(self.ids)

    def subset(self, mask) -> "DemandPanel":
        """Panel of the selected series (boolean mask or index array)."""
        idx = np.flatnonzero(mask) if np.asarray(mask).dtype == bool else np.asarray(mask)
        return DemandPanel(self.ids[idx], self.dates, self.y[idx], self.promo[idx], self.price[idx],
                           self.holiday[idx], self.static.iloc[idx].reset_index(drop=True), self.freq)

    def calendar_features(self) -> np.ndarray:
        """Day-of-week one-hot and day-of-year sine/cosine, ``(T, 9)``."""
        return calendar_features(self.dates)

    def to_frame(self) -> pd.DataFrame:
        """Back to the long format (rows where ``y`` is observed)."""
        s, t = np.nonzero(~np.isnan(self.y))
        out = pd.DataFrame({"unique_id": self.ids[s], "ds": self.dates[t], "y": self.y[s, t],
                            "promo": self.promo[s, t].astype("int8"), "price": self.price[s, t],
                            "holiday": self.holiday[s, t].astype("int8")})
        out = out.merge(self.static, on="unique_id", how="left")
        out.attrs["freq"] = self.freq
        return out


PERIODS_PER_YEAR = {"D": 365.0, "W": 365.25 / 7, "MS": 12.0, "ME": 12.0}
FREQ_NAMES = {"D": "daily", "W": "weekly", "MS": "monthly", "ME": "monthly"}
"""A panel frequency in words (month start and month end are both monthly)."""


def period_offset(freq: str) -> pd.DateOffset:
    """One period of a panel frequency: a day, a week, or a calendar month (start ``MS`` or end ``ME``)."""
    if freq == "MS":
        return pd.offsets.MonthBegin(1)
    if freq == "ME":
        return pd.offsets.MonthEnd(1)
    return pd.offsets.Day(7 if freq == "W" else 1)


def period_dates(start, periods: int, freq: str) -> pd.DatetimeIndex:
    """``periods`` consecutive period dates from ``start`` (a month offset keeps month starts/ends)."""
    return pd.date_range(pd.Timestamp(start), periods=periods, freq=period_offset(freq))


def calendar_features(dates: pd.DatetimeIndex) -> np.ndarray:
    """Day-of-week one-hot and day-of-year sine/cosine of ``dates``, ``(T, 9)``."""
    dates = pd.DatetimeIndex(dates)
    dow = np.eye(7)[dates.dayofweek.to_numpy()]
    angle = 2 * np.pi * dates.dayofyear.to_numpy() / 365.25
    return np.column_stack([dow, np.sin(angle), np.cos(angle)])


def post_promo_flags(promo: np.ndarray, days: int = 7) -> np.ndarray:
    """1 on the ``days`` days after a promotion ends (the after-dip window), per row.

    Args:
        promo: 0/1 array ``(S, T)``.
        days: Length of the after-dip window.
    """
    promo = np.asarray(promo)
    promo = promo if promo.dtype in (np.float32, np.float64) else promo.astype(float)
    out = np.zeros_like(promo)
    since_end = np.full(promo.shape[0], np.inf)  # days since the last promotion ended
    for t in range(1, promo.shape[1]):
        ended = (promo[:, t - 1] == 1) & (promo[:, t] == 0)
        since_end = np.where(ended, 0.0, since_end + 1)
        since_end = np.where(promo[:, t] == 1, np.inf, since_end)
        out[:, t] = since_end < days
    return out


class ForecastWindows(Dataset):
    """Forecast windows ``(series, origin)`` over a :class:`DemandPanel`.

    Each item is a dict of float32 tensors:

    * ``past`` ``(C, 5)``: scaled demand (0 where unobserved), observed flag, promo, log price
      ratio, holiday (see :data:`PAST_CHANNELS`),
    * ``future`` ``(H, 14)``: known covariates of the horizon days (:data:`FUTURE_FEATURES`),
    * ``target`` ``(H,)``: scaled demand on the horizon days (0 where unobserved),
    * ``mask`` ``(H,)``: 1 where the target is observed,
    * ``scale`` ``()``: mean observed demand of the context (floored at ``SCALE_FLOOR``),

    plus ``series`` and ``origin`` (integer indices into the panel).

    Args:
        panel: The data.
        context: C, days of history the model sees.
        horizon: H, days to forecast.
        origins: ``(n, 2)`` integer array of (series index, origin day index).
    """

    def __init__(self, panel: DemandPanel, context: int, horizon: int, origins: np.ndarray):
        self.panel, self.C, self.H = panel, context, horizon
        self.origins = np.asarray(origins, dtype=np.int64).reshape(-1, 2)
        pad = context
        T = len(panel.dates)
        # Left-pad by C days so a window may start before the first date (launches, short series);
        # right-pad by H so the last origins of a series can be predicted without actuals.
        def padded(a, fill):
            return np.pad(a, ((0, 0), (pad, horizon)), constant_values=fill)

        self._y = padded(panel.y, np.nan)
        self._promo = padded(panel.promo, 0.0)
        self._price = np.pad(panel.price, ((0, 0), (pad, horizon)), mode="edge")
        self._hol = padded(panel.holiday, 0.0)
        # Same dtype as the panel: a float32 panel (M5 size) keeps every padded copy at half size.
        self._pre_hol = np.concatenate([self._hol[:, 1:], np.zeros((len(panel), 1), self._hol.dtype)], axis=1)
        self._post = post_promo_flags(self._promo).astype(self._promo.dtype, copy=False)
        # Calendar of the padded days too, extrapolated with the panel's frequency.
        step = period_offset(panel.freq)
        self._cal = calendar_features(period_dates(panel.dates[0] - pad * step, T + pad + horizon, panel.freq))
        self._pad = pad

    def __len__(self) -> int:
        return len(self.origins)

    def arrays(self, idx) -> dict[str, np.ndarray]:
        """The numpy arrays of items ``idx`` (an index or an index array; see the class docstring).

        Vectorised over items with fancy indexing: cutting 256 windows costs about a millisecond,
        so the model, not the data pipeline, sets the pace on CPU.
        """
        single = np.ndim(idx) == 0
        idx = np.atleast_1d(np.asarray(idx))
        s, o = self.origins[idx, 0], self.origins[idx, 1]
        past_pos = (o - self.C + self._pad)[:, None] + np.arange(self.C)        # (n, C)
        fut_pos = (o + self._pad)[:, None] + np.arange(self.H)                  # (n, H)
        rows = s[:, None]
        hist = self._y[rows, past_pos]
        observed = ~np.isnan(hist)
        n_obs = observed.sum(axis=1)
        mean = np.where(observed, hist, 0.0).sum(axis=1) / np.maximum(n_obs, 1)
        scale = np.maximum(np.where(n_obs > 0, mean, SCALE_FLOOR), SCALE_FLOOR)  # (n,)
        ref = np.median(self._price[rows, past_pos], axis=1)                    # reference price
        past = np.stack([
            np.where(observed, hist, 0.0) / scale[:, None], observed.astype(float), self._promo[rows, past_pos],
            np.log(self._price[rows, past_pos] / ref[:, None]), self._hol[rows, past_pos],
        ], axis=-1)
        fut_y = self._y[rows, fut_pos]
        mask = ~np.isnan(fut_y)
        future = np.concatenate([
            np.stack([self._promo[rows, fut_pos], np.log(self._price[rows, fut_pos] / ref[:, None]),
                      self._hol[rows, fut_pos], self._pre_hol[rows, fut_pos], self._post[rows, fut_pos]], axis=-1),
            self._cal[fut_pos],
        ], axis=-1)
        out = {"past": past, "future": future, "target": np.where(mask, fut_y, 0.0) / scale[:, None],
               "mask": mask.astype(float), "scale": scale, "series": s, "origin": o}
        return {k: v[0] for k, v in out.items()} if single else out

    def _tensors(self, arr: dict) -> dict[str, torch.Tensor]:
        out = {k: torch.as_tensor(v, dtype=torch.float32) for k, v in arr.items() if k not in ("series", "origin")}
        out["series"] = torch.as_tensor(arr["series"])
        out["origin"] = torch.as_tensor(arr["origin"])
        return out

    def __getitem__(self, i: int) -> dict[str, torch.Tensor]:
        return self._tensors(self.arrays(int(i)))

    def __getitems__(self, indices: list[int]) -> dict[str, torch.Tensor]:
        # torch's DataLoader calls this with a whole batch of indices (torch >= 2.0); use
        # ``collate=batch_identity`` so the ready batch passes through unchanged.
        return self._tensors(self.arrays(np.asarray(indices)))


def batch_identity(batch):
    """Collate function for :meth:`ForecastWindows.__getitems__` batches (already stacked)."""
    return batch


def training_origins(panel: DemandPanel, *, context: int, horizon: int, first: int, last: int,
                     stride: int = 1, min_history: int = 14) -> np.ndarray:
    """All (series, origin) pairs whose targets lie inside days ``[first, last)``.

    An origin ``o`` qualifies when ``first <= o`` and ``o + horizon <= last`` (every target
    inside the period) and the context holds at least ``min_history`` observed days and at least
    one observed target day.

    Args:
        panel: The data.
        context: C.
        horizon: H.
        first: First day index a target may fall on.
        last: One past the last day index a target may fall on.
        stride: Step between origins (counted back from the last possible origin).
        min_history: Minimum observed days in the context.

    Returns:
        ``(n, 2)`` array of (series index, origin index).
    """
    starts = np.arange(last - horizon, max(first, 0) - 1, -stride)[::-1]
    starts = starts[starts >= 0]
    if len(starts) == 0:
        return np.zeros((0, 2), dtype=np.int64)
    parts = []
    # Blocks of series bound the temporaries ((block, T) counts instead of (S, T) float64: 0.5 GB
    # each at M5 size with stride 1); the result is the same as one pass over all series.
    for lo in range(0, len(panel), ORIGIN_BLOCK):
        obs = ~np.isnan(panel.y[lo:lo + ORIGIN_BLOCK])
        cum = np.concatenate([np.zeros((len(obs), 1), np.int32), np.cumsum(obs, axis=1, dtype=np.int32)], axis=1)
        ctx_obs = cum[:, starts] - cum[:, np.maximum(starts - context, 0)]
        tgt_obs = cum[:, starts + horizon] - cum[:, starts]
        s, k = np.nonzero((ctx_obs >= min_history) & (tgt_obs > 0))
        parts.append(np.column_stack([s + lo, starts[k]]).astype(np.int64))
    return np.concatenate(parts) if parts else np.zeros((0, 2), dtype=np.int64)


ORIGIN_BLOCK = 2048
"""Series per block in :func:`training_origins`."""


def sample_origins(origins: np.ndarray, max_windows: int | None, seed: int = 0) -> np.ndarray:
    """At most ``max_windows`` rows of ``origins``, drawn without replacement (seeded), in their order.

    ``None`` or a count at least ``len(origins)`` returns ``origins`` unchanged.
    """
    if max_windows is None or len(origins) <= max_windows:
        return origins
    keep = np.sort(np.random.default_rng(seed).choice(len(origins), int(max_windows), replace=False))
    return origins[keep]


def collate(items: list[dict]) -> dict[str, torch.Tensor]:
    """Stack a list of items into a batch (the default collate works too; this one is explicit)."""
    return {k: torch.stack([it[k] for it in items]) for k in items[0]}
