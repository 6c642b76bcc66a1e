"""Loaders and preprocessing for run-to-failure data (C-MAPSS) and machining logs (AI4I 2020).

Loaders read the original public formats and fail with a message that names the file, the line
or unit and what was expected:

* :func:`load_cmapss` -- ``train_FD00x.txt`` / ``test_FD00x.txt`` / ``RUL_FD00x.txt``
  (whitespace-separated, 26 columns, lines end in spaces).
* :func:`load_ai4i` -- ``ai4i2020.csv`` (UTF-8 with BOM, CRLF).

Preprocessing is a chain of library functions (all fitted on training units only):
:func:`add_train_rul` / :func:`add_test_rul` (true and capped RUL), :func:`fit_conditions`
(operating-condition ids from the settings), :func:`constant_sensors`, :func:`split_units`
(by unit, so no unit's future can reach training) and :class:`CMapssPreprocessor`, which ties
them together and makes PatchTST windows.

Usage::

    data = load_cmapss("train_FD001.txt", "test_FD001.txt", "RUL_FD001.txt")
    pre = CMapssPreprocessor(window=32, rul_cap=125).fit(data.train)
    train_ws = pre.windows(data.train, target="rul_capped")
    test_ws = pre.windows(data.test, target="rul", last_only=True)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from workbench.timeseries import LazyWindows, SeriesScaler, WindowSet, sliding_windows
from workbench.usecases.maintenance.simulate import AI4I_COLS, CMAPSS_COLS, SENSOR_COLS, SETTING_COLS

RUL_CAP = 125  # Heimes 2008 / Babu 2016: piecewise-linear target, constant early in life


class DataFormatError(ValueError):
    """A data file does not have the expected format; the message names file, line and fix."""


@dataclass
class CMapssData:
    """One C-MAPSS subset.

    Attributes:
        train: Run-to-failure trajectories (26 columns).
        test: Cut trajectories, or ``None``.
        test_rul: True RUL at the last cycle of each test unit (index = unit), or ``None``.
        source: Paths it was read from.
    """

    train: pd.DataFrame
    test: pd.DataFrame | None
    test_rul: pd.Series | None
    source: dict[str, str] = field(default_factory=dict)


def read_cmapss_file(path: str | Path) -> pd.DataFrame:
    """Read one C-MAPSS trajectory file and check it.

    Raises:
        FileNotFoundError: The file does not exist.
        DataFormatError: Wrong column count, non-numeric or NaN values, non-integer unit/cycle,
            or gaps/repeats in a unit's cycles -- each naming the file and line or unit.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"C-MAPSS file not found: {path}")
    rows: list[list[str]] = []
    for lineno, line in enumerate(path.read_text(encoding="utf-8", errors="replace").splitlines(), start=1):
        parts = line.split()
        if not parts:
            continue
        if len(parts) != len(CMAPSS_COLS):
            raise DataFormatError(
                f"{path}, line {lineno}: expected {len(CMAPSS_COLS)} whitespace-separated columns "
                f"(unit, cycle, 3 settings, 21 sensors), found {len(parts)}"
            )
        rows.append(parts)
    if not rows:
        raise DataFormatError(f"{path}: the file is empty")
    try:
        values = np.array(rows, dtype=np.float64)
    except ValueError:
        for i, parts in enumerate(rows):
            for j, tok in enumerate(parts):
                try:
                    float(tok)
                except ValueError:
                    raise DataFormatError(
                        f"{path}, data row {i + 1}, column {j + 1} ({CMAPSS_COLS[j]}): {tok!r} is not a number"
                    ) from None
        raise
    bad = np.argwhere(~np.isfinite(values))
    if len(bad):
        i, j = bad[0]
        raise DataFormatError(f"{path}, data row {i + 1}, column {j + 1} ({CMAPSS_COLS[j]}): value is NaN or inf "
                              f"({len(bad)} such cells); C-MAPSS files have no missing values")
    frame = pd.DataFrame(values, columns=CMAPSS_COLS)
    for col in ("unit", "cycle"):
        if not (frame[col] == frame[col].round()).all() or (frame[col] < 1).any():
            i = int(np.flatnonzero((frame[col] != frame[col].round()) | (frame[col] < 1))[0])
            raise DataFormatError(f"{path}, data row {i + 1}: {col} must be a positive integer, got {frame[col].iat[i]}")
        frame[col] = frame[col].astype(int)
    for unit, cycles in frame.groupby("unit", sort=False)["cycle"]:
        c = cycles.to_numpy()
        expected = np.arange(1, len(c) + 1)
        if not np.array_equal(c, expected):
            k = int(np.flatnonzero(c != expected)[0])
            raise DataFormatError(
                f"{path}: unit {unit} has a gap or repeat in its cycles at position {k + 1}: expected cycle "
                f"{expected[k]}, found {c[k]} (cycles must run 1, 2, 3, ... without gaps)"
            )
    if frame["unit"].duplicated().any() and (frame.groupby("unit").size() != frame["unit"].value_counts(sort=False)).any():
        raise DataFormatError(f"{path}: a unit's rows are not contiguous")
    return frame


def read_rul_file(path: str | Path) -> np.ndarray:
    """Read an ``RUL_FD00x.txt`` file (one non-negative integer per line)."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"RUL file not found: {path}")
    out = []
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise DataFormatError(f"{path}: not a text file in UTF-8/ASCII (byte {exc.start}); "
                              "expected one RUL value per line") from None
    for lineno, line in enumerate(text.splitlines(), start=1):
        tok = line.split()
        if not tok:
            continue
        if len(tok) != 1:
            raise DataFormatError(f"{path}, line {lineno}: expected one RUL value, found {len(tok)} columns")
        try:
            value = float(tok[0])
        except ValueError:
            raise DataFormatError(f"{path}, line {lineno}: {tok[0]!r} is not a number") from None
        if not np.isfinite(value) or value < 0 or value != round(value):
            raise DataFormatError(f"{path}, line {lineno}: RUL must be a non-negative integer, got {tok[0]!r}")
        out.append(int(value))
    return np.array(out, dtype=int)


def load_cmapss(train: str | Path, test: str | Path | None = None, rul: str | Path | None = None) -> CMapssData:
    """Load a C-MAPSS subset from its files.

    Args:
        train: ``train_FD00x.txt``.
        test: ``test_FD00x.txt`` (optional).
        rul: ``RUL_FD00x.txt`` (required with ``test``).

    Raises:
        DataFormatError: See :func:`read_cmapss_file`; or the RUL file does not have one line
            per test unit.
    """
    tr = read_cmapss_file(train)
    te = read_cmapss_file(test) if test is not None else None
    rul_s = None
    if te is not None:
        if rul is None:
            raise ValueError("load_cmapss: a test file needs its RUL file (rul=...)")
        values = read_rul_file(rul)
        units = np.sort(te["unit"].unique())
        if len(values) != len(units):
            raise DataFormatError(
                f"{rul}: has {len(values)} RUL values but {test} has {len(units)} units; "
                "the RUL file must hold one line per test unit, in unit order"
            )
        rul_s = pd.Series(values, index=units, name="rul")
    _audit_load(train, test, rul)
    return CMapssData(tr, te, rul_s, {k: str(v) for k, v in (("train", train), ("test", test), ("rul", rul)) if v})


def _audit_load(*paths) -> None:
    try:
        from workbench.governance.audit import record_event
        from workbench.io import fingerprint_file
    except ImportError:
        return
    record_event("data_load", inputs={str(p): fingerprint_file(p) for p in paths if p is not None},
                 usecase="maintenance")


# --------------------------------------------------------------------------------------------
# Preprocessing
# --------------------------------------------------------------------------------------------
def add_train_rul(frame: pd.DataFrame, cap: int = RUL_CAP) -> pd.DataFrame:
    """Add ``rul`` (cycles to the unit's last cycle) and ``rul_capped`` (min(rul, cap))."""
    out = frame.copy()
    out["rul"] = out.groupby("unit")["cycle"].transform("max") - out["cycle"]
    out["rul_capped"] = out["rul"].clip(upper=cap)
    return out


def add_test_rul(frame: pd.DataFrame, test_rul: pd.Series, cap: int = RUL_CAP) -> pd.DataFrame:
    """Add per-row true RUL to a cut test frame: RUL at its last cycle + cycles still to go."""
    out = frame.copy()
    last = out.groupby("unit")["cycle"].transform("max")
    missing = sorted(set(out["unit"]) - set(test_rul.index))
    if missing:
        raise DataFormatError(f"RUL values missing for test units {missing[:10]}")
    out["rul"] = out["unit"].map(test_rul) + (last - out["cycle"])
    out["rul_capped"] = out["rul"].clip(upper=cap)
    return out


CUT_ID_BASE = 1000
"""A cut of unit ``u`` gets the pseudo-unit id ``u * CUT_ID_BASE + k`` (:func:`cut_units`); ``id // CUT_ID_BASE``
gives the unit back."""


def cut_units(frame: pd.DataFrame, *, cuts_per_unit: int = 5, min_cycles: int = 1, seed: int = 0
              ) -> tuple[pd.DataFrame, pd.Series]:
    """Cut run-to-failure units at random cycles, the way NASA cut the C-MAPSS test engines.

    A validation engine from the training file runs to failure, so its last cycle always has RUL 0;
    to choose an alarm threshold on it as if on test engines, each unit is cut ``cuts_per_unit``
    times at a cycle drawn uniformly from ``[min(min_cycles, length), length]``. Each cut becomes a
    pseudo-unit with a new id (``unit * CUT_ID_BASE + k``) and its true RUL at the cut.

    Returns:
        ``(cut_frame, rul)``: the cut rows (``unit`` replaced by the pseudo-unit id) and the true RUL
        per pseudo-unit at its last kept cycle.
    """
    rng = np.random.default_rng(seed)
    parts, rul = [], {}
    for unit, g in frame.sort_values(["unit", "cycle"]).groupby("unit", sort=True):
        length = len(g)
        for k in range(cuts_per_unit):
            keep = int(rng.integers(min(min_cycles, length), length + 1))
            pid = int(unit) * CUT_ID_BASE + k
            parts.append(g.iloc[:keep].assign(unit=pid))
            rul[pid] = length - keep
    if not parts:
        return frame.iloc[:0].copy(), pd.Series(dtype=float, name="rul")
    return pd.concat(parts, ignore_index=True), pd.Series(rul, name="rul", dtype=float)


@dataclass
class ConditionMap:
    """Operating conditions found from the three settings (fitted on training rows).

    C-MAPSS multi-condition subsets fly six discrete regimes with tiny jitter; rounding the
    settings (altitude to 1 kft, Mach to 0.01, throttle to 1) recovers them exactly. Rows of a
    new file are assigned to the nearest known regime (in standardised settings).

    Attributes:
        centers: ``(k, 3)`` regime centres.
    """

    centers: np.ndarray

    @classmethod
    def fit(cls, frame: pd.DataFrame, max_conditions: int = 10) -> "ConditionMap":
        keys = np.column_stack([frame["os1"].round(0), frame["os2"].round(2), frame["os3"].round(0)]) + 0.0
        uniq, counts = np.unique(keys, axis=0, return_counts=True)
        uniq = uniq[counts >= max(5, 0.005 * len(frame))]  # ignore stray rows
        if len(uniq) == 0 or len(uniq) > max_conditions:
            uniq = np.median(frame[SETTING_COLS].to_numpy(), axis=0, keepdims=True)
        return cls(uniq)

    def assign(self, frame: pd.DataFrame) -> np.ndarray:
        """Condition id per row (nearest centre)."""
        x = frame[SETTING_COLS].to_numpy(dtype=float)
        scale = np.array([42.0, 1.0, 100.0])  # ranges of altitude, Mach, throttle
        d = (((x[:, None, :] - self.centers[None]) / scale) ** 2).sum(-1)
        return d.argmin(1)

    @property
    def n(self) -> int:
        return len(self.centers)


def constant_sensors(frame: pd.DataFrame, condition: np.ndarray | None = None, rel_tol: float = 1e-6,
                     max_levels: int = 2, columns: list[str] = SENSOR_COLS) -> list[str]:
    """Sensors that carry no information: (nearly) constant within every operating condition.

    A sensor counts as constant when, in every condition, its std is below ``rel_tol`` times its
    mean magnitude (plus 1e-8) or it takes at most ``max_levels`` distinct values (a sensor that
    only flips its last printed digit). In FD001 this drops s1, s5, s6, s10, s16, s18, s19 and
    keeps the 14 sensors of common practice (s2-s4, s7-s9, s11-s15, s17, s20, s21). Note s8/s13
    vary by only ~1e-5 of their mean and must not fall under a relative threshold.
    """
    cond = np.zeros(len(frame), int) if condition is None else np.asarray(condition)
    out = []
    for col in columns:
        x = frame[col].to_numpy(dtype=float)
        const = True
        for c in np.unique(cond):
            xc = x[cond == c]
            if xc.std() > rel_tol * abs(xc.mean()) + 1e-8 and len(np.unique(xc)) > max_levels:
                const = False
                break
        if const:
            out.append(col)
    return out


def split_units(units, val_fraction: float, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Split unit ids (not rows) into train and validation units.

    Splitting by unit means every cycle of a validation engine, past and future, stays out of
    training; a row-wise or window-wise random split would let a model see an engine's later
    cycles while it is evaluated on earlier ones (darts: "make it hard to leak the future").

    Returns:
        Sorted ``(train_units, val_units)``, disjoint; at least one unit in each when possible.
    """
    units = np.unique(np.asarray(units))
    rng = np.random.default_rng(seed)
    n_val = int(round(len(units) * val_fraction))
    n_val = min(max(n_val, 1 if val_fraction > 0 and len(units) > 1 else 0), len(units) - 1)
    val = np.sort(rng.choice(units, n_val, replace=False)) if n_val else np.array([], dtype=units.dtype)
    return np.setdiff1d(units, val), val


EXTRA_INPUTS = ("health", "cycle")
"""Engineered channels :class:`CMapssPreprocessor` can add (``extra_inputs``)."""


@dataclass
class CMapssPreprocessor:
    """Conditions, constant-sensor removal, per-condition standardisation and windows.

    Fitted on training units only; then applied to validation and test frames unchanged.

    Attributes:
        window: Window length in cycles.
        rul_cap: Cap of the training target.
        add_cycle: Add the (scaled) cycle number as a channel: how long the engine has run is
            known at prediction time and helps early in life.
        conditions_: Fitted :class:`ConditionMap`.
        sensors_: Kept sensors.
        scaler_: Fitted :class:`workbench.timeseries.SeriesScaler` (per condition).
        extra_inputs: Engineered channels added to the sensors (issue 12, optional): ``"health"``
            (a linear health index: least squares of the capped RUL on the regime-normalised
            sensors of the training rows, the classic fused indicator) and ``"cycle"`` (same as
            ``add_cycle``). The regime normalisation itself is always on.
        health_: Fitted ``{"w": [...], "b": float}`` of the health index.
    """

    window: int = 32
    rul_cap: int = RUL_CAP
    add_cycle: bool = False
    conditions_: ConditionMap | None = None
    sensors_: list[str] | None = None
    scaler_: SeriesScaler | None = None
    extra_inputs: list[str] = field(default_factory=list)
    health_: dict | None = None

    def fit(self, train: pd.DataFrame) -> "CMapssPreprocessor":
        """Fit on training rows (only units that are used for training).

        Raises:
            ValueError: An unknown extra input, or ``"health"`` without a ``rul_capped`` column.
        """
        bad = [e for e in self.extra_inputs if e not in EXTRA_INPUTS]
        if bad:
            raise ValueError(f"extra_inputs: unknown {bad}; choose from {list(EXTRA_INPUTS)}")
        self.conditions_ = ConditionMap.fit(train)
        cond = self.conditions_.assign(train)
        dropped = set(constant_sensors(train, cond))
        self.sensors_ = [c for c in SENSOR_COLS if c not in dropped]
        frame = train.assign(condition=cond)
        self.scaler_ = SeriesScaler(list(self.sensors_), group_col="condition").fit(frame)
        self.health_ = None
        if "health" in self.extra_inputs:
            if "rul_capped" not in train:
                raise ValueError("extra_inputs=['health'] needs the training target: fit on add_train_rul(frame)")
            Z = self.scaler_.transform(frame)[self.sensors_].to_numpy(float)
            A = np.column_stack([Z, np.ones(len(Z))])
            coef, *_ = np.linalg.lstsq(A, train["rul_capped"].to_numpy(float) / self.rul_cap, rcond=None)
            self.health_ = {"w": coef[:-1].tolist(), "b": float(coef[-1])}
        return self

    @property
    def channels(self) -> list[str]:
        """Channel names of the windows, in order."""
        if self.sensors_ is None:
            raise RuntimeError("CMapssPreprocessor is not fitted")
        cycle = self.add_cycle or "cycle" in self.extra_inputs
        return (list(self.sensors_) + (["cycle_scaled"] if cycle else [])
                + (["health_index"] if "health" in self.extra_inputs else []))

    def transform(self, frame: pd.DataFrame) -> pd.DataFrame:
        """Standardised copy with a ``condition`` column (and ``cycle_scaled`` if enabled)."""
        if self.scaler_ is None:
            raise RuntimeError("CMapssPreprocessor is not fitted: call fit(train) first")
        out = self.scaler_.transform(frame.assign(condition=self.conditions_.assign(frame)))
        if self.add_cycle or "cycle" in self.extra_inputs:
            out["cycle_scaled"] = out["cycle"] / 200.0  # ~mean FD001 life; a fixed scale, not fitted
        if "health" in self.extra_inputs:
            out["health_index"] = out[self.sensors_].to_numpy(float) @ np.asarray(self.health_["w"]) + self.health_["b"]
        return out

    def windows(self, frame: pd.DataFrame, target: str | None = "rul_capped", *, last_only: bool = False,
                stride: int = 1) -> WindowSet:
        """Windows over a (raw) frame; ``target`` must be a column (see :func:`add_train_rul`)."""
        return sliding_windows(self.transform(frame), id_col="unit", time_col="cycle", feature_cols=self.channels,
                               window=self.window, target_col=target, last_only=last_only, stride=stride)

    def lazy_windows(self, frame: pd.DataFrame, target: str | None = "rul_capped", *, stride: int = 1,
                     min_end: float | None = None) -> LazyWindows:
        """Like :meth:`windows`, but cut on demand (:class:`workbench.timeseries.LazyWindows`): the
        memory of a fleet of thousands of engines is its rows, not its windows."""
        cols = ["unit", "cycle", *self.channels] + ([target] if target else [])
        return LazyWindows(self.transform(frame)[cols], id_col="unit", time_col="cycle", feature_cols=self.channels,
                           window=self.window, target_col=target, stride=stride, min_end=min_end)

    def to_dict(self) -> dict[str, Any]:
        """JSON-able state (saved beside an adapter)."""
        return {"window": self.window, "rul_cap": self.rul_cap, "add_cycle": self.add_cycle,
                "extra_inputs": list(self.extra_inputs), "health": self.health_,
                "conditions": self.conditions_.centers.tolist(), "sensors": self.sensors_,
                "scaler": self.scaler_.to_dict()}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "CMapssPreprocessor":
        """Rebuild from :meth:`to_dict` output."""
        return cls(window=d["window"], rul_cap=d["rul_cap"], add_cycle=d.get("add_cycle", False),
                   extra_inputs=list(d.get("extra_inputs", [])), health_=d.get("health"),
                   conditions_=ConditionMap(np.asarray(d["conditions"], float)), sensors_=list(d["sensors"]),
                   scaler_=SeriesScaler.from_dict(d["scaler"]))


# --------------------------------------------------------------------------------------------
# AI4I 2020
# --------------------------------------------------------------------------------------------
AI4I_NUMERIC = ["Air temperature [K]", "Process temperature [K]", "Rotational speed [rpm]", "Torque [Nm]",
                "Tool wear [min]"]
AI4I_FLAGS = ["Machine failure", "TWF", "HDF", "PWF", "OSF", "RNF"]


def _read_process_table(path: Path, required: list[str], numeric: list[str], flags: list[str]) -> pd.DataFrame:
    """Read an AI4I-style process table and check the columns the caller needs (numbers, 0/1 flags,
    product type L/M/H); every error names the file, the column and the first bad row."""
    if not path.is_file():
        raise FileNotFoundError(f"AI4I file not found: {path}" + (" (a folder: give one file)" if path.is_dir() else ""))
    from workbench.tabular import TableError, read_table

    try:  # BOM, CRLF, a German Excel export (";", decimal commas, cp1252) and .gz/.zip are handled
        frame = read_table(path)
    except TableError as exc:
        raise DataFormatError(f"{exc}; expected the AI4I 2020 columns {required}") from None
    missing = [c for c in required if c not in frame.columns]
    if missing:
        raise DataFormatError(f"{path}: missing columns {missing}; expected {required}")
    for col in numeric:
        num = pd.to_numeric(frame[col], errors="coerce")
        bad = num.isna()
        if bad.any():
            i = int(np.flatnonzero(bad.to_numpy())[0])
            raise DataFormatError(f"{path}, row {i + 2} (line incl. header), column {col!r}: "
                                  f"{frame[col].iat[i]!r} is missing or not a number")
        frame[col] = num
    for col in flags:
        bad = ~frame[col].isin([0, 1])
        if bad.any():
            i = int(np.flatnonzero(bad.to_numpy())[0])
            raise DataFormatError(f"{path}, row {i + 2}, column {col!r}: flags must be 0 or 1, got {frame[col].iat[i]}")
        frame[col] = frame[col].astype(int)
    bad = ~frame["Type"].isin(["L", "M", "H"])
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise DataFormatError(f"{path}, row {i + 2}, column 'Type': expected L, M or H, got {frame['Type'].iat[i]!r}")
    return frame


AI4I_PROCESS = ["Type", *AI4I_NUMERIC]
"""What a failure model reads per row: product type and the five process measurements."""


def read_process_log(path: str | Path) -> pd.DataFrame:
    """A process log to predict on: the AI4I process columns (:data:`AI4I_PROCESS`) in log order.

    Failure flags, ids and any other columns may be present and are kept as they are; the rows
    stay in file order (a failure model reads a window of the preceding rows).

    Raises:
        FileNotFoundError: No such file (or a folder).
        DataFormatError: A process column is missing, empty or not a number, or a product type is
            not L, M or H, naming the column and the first bad row.
    """
    path = Path(path)
    frame = _read_process_table(path, AI4I_PROCESS, AI4I_NUMERIC, [])
    if frame.empty:
        raise DataFormatError(f"{path}: no rows to predict")
    _audit_load(path)
    return frame.reset_index(drop=True)


def load_ai4i(path: str | Path, split_column: str = "split") -> pd.DataFrame:
    """Load ``ai4i2020.csv`` (UTF-8 with BOM, CRLF) and check it.

    Raises:
        FileNotFoundError: No such file.
        DataFormatError: Missing/extra columns, non-numeric or missing values, unknown product
            type, flags other than 0/1 -- naming the column and the first bad row.
    """
    path = Path(path)
    frame = _read_process_table(path, AI4I_COLS, AI4I_NUMERIC + AI4I_FLAGS + ["UDI"], AI4I_FLAGS)
    keep = list(AI4I_COLS)
    if split_column in frame.columns:  # the user's own split, used as given (workbench.splits)
        from workbench.splits import SplitError, normalise

        try:
            frame[split_column] = normalise(frame[split_column], column=split_column, source=str(path)).to_numpy()
        except SplitError as exc:
            raise DataFormatError(str(exc)) from None
        frame = frame.rename(columns={split_column: "split"})
        keep.append("split")
    _audit_load(path)
    return frame[keep].sort_values("UDI", kind="stable").reset_index(drop=True)


def ai4i_features(frame: pd.DataFrame) -> pd.DataFrame:
    """Process features an engineer would add: the raw values plus the physics of the rules.

    ``dT`` (process - air temperature, heat dissipation), ``power`` (torque x angular speed, W),
    ``strain`` (tool wear x torque, min Nm) and ``quality`` (L/M/H as 0/1/2). Matzka 2020 defines
    the failure modes on exactly these quantities.
    """
    out = pd.DataFrame(index=frame.index)
    out["air"] = frame["Air temperature [K]"]
    out["process"] = frame["Process temperature [K]"]
    out["rpm"] = frame["Rotational speed [rpm]"]
    out["torque"] = frame["Torque [Nm]"]
    out["wear"] = frame["Tool wear [min]"]
    out["dT"] = out["process"] - out["air"]
    out["power"] = out["torque"] * out["rpm"] * 2 * np.pi / 60.0
    out["strain"] = out["wear"] * out["torque"]
    out["quality"] = frame["Type"].map({"L": 0, "M": 1, "H": 2}).astype(float)
    return out


def stratified_split(labels, fractions=(0.7, 0.1, 0.2), seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Fixed stratified split of row indices into train/val/test (same class shares in each)."""
    labels = np.asarray(labels)
    rng = np.random.default_rng(seed)
    parts: list[list[int]] = [[], [], []]
    for cls in np.unique(labels):
        idx = rng.permutation(np.flatnonzero(labels == cls))
        n_tr = int(round(fractions[0] * len(idx)))
        n_va = int(round(fractions[1] * len(idx)))
        parts[0] += idx[:n_tr].tolist()
        parts[1] += idx[n_tr:n_tr + n_va].tolist()
        parts[2] += idx[n_tr + n_va:].tolist()
    return tuple(np.sort(np.array(p, dtype=int)) for p in parts)  # type: ignore[return-value]


def ai4i_windows(features: pd.DataFrame, window: int, rows: np.ndarray, mean: pd.Series, std: pd.Series) -> np.ndarray:
    """Windows of the ``window`` processes up to and including each row in ``rows`` (log order).

    The inputs are process measurements only (no failure flags), so a window that reaches back
    into rows of another split leaks no labels; the first rows are padded with row 0.

    Returns:
        ``(len(rows), window, n_features)`` float32, standardised with ``mean``/``std``.
    """
    x = ((features - mean) / std).to_numpy(dtype=np.float32)  # (N, F)
    padded = np.concatenate([np.repeat(x[:1], window - 1, 0), x])
    idx = np.asarray(rows)[:, None] + np.arange(window)[None, :]
    return padded[idx]
