"""Loading and checking demand data in the workbench's long format (and M5-style wide files).

The canonical format is one row per series and period::

    unique_id   ds          y     promo  price  holiday  [static columns: dc, state, region, ...]
    DC-MUC/A1   2024-01-01  12.0  0      3.49   1

``unique_id``, ``ds`` and ``y`` are required. ``promo`` (0/1), ``price`` (> 0) and ``holiday``
(0/1) are the known future covariates; missing ones are filled (no promotion, constant price,
holidays from the ``holidays`` package when a German ``state`` column exists). Static columns
describe the series (used for segments in reports). Anything else is an error, because a column
the workbench silently ignores is usually a column the user expected it to use.

Usage::

    from workbench.usecases.supply_chain.data import read_demand
    df = read_demand("sales.parquet")                                  # long layout
    df = read_demand("sales_train_validation.csv", format="wide")      # M5 layout, d_1 = 2011-01-29
    df = read_demand("export.csv", columns={"artikel": "unique_id", "datum": "ds", "menge": "y"})

Known demand drivers in the M5 layout are folded into the two known-in-advance channels the
models read: **events** (``event_name_1``, ``event_type_1``, ``event_name_2``, ``event_type_2``:
any named event that day) mark the ``holiday`` channel (days with unusual demand, known ahead),
and **SNAP** days (``snap``, or ``snap_CA``/``snap_TX``/... picked by the series' ``state_id``)
mark the ``promo`` channel (days of extra buying power, known ahead). M5's separate calendar and
price files join with ``calendar=`` and ``prices=`` (:func:`join_calendar`, :func:`join_prices`);
``leading_zeros="missing"`` treats the zeros before a series' first sale as "not yet listed".

Every check raises :class:`DemandDataError` (a ``ValueError``) that lists all problems found,
each naming the file, the column, the first offending rows and the expected form.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from workbench.usecases.supply_chain.simulate import holiday_flags

REQUIRED = ("unique_id", "ds", "y")
COVARIATES = ("promo", "price", "holiday")
STATIC_COLUMNS = (
    "dc", "state", "region", "family", "sku", "segment", "location", "category",
    # M5 identifiers
    "item_id", "dept_id", "cat_id", "store_id", "state_id",
)
# German federal-state codes accepted by holidays.Germany(subdiv=...).
GERMAN_STATES = ("BB", "BE", "BW", "BY", "HB", "HE", "HH", "MV", "NI", "NW", "RP", "SH", "SL", "SN", "ST", "TH")
M5_START = "2011-01-29"  # d_1 in the M5 competition files (Makridakis et al. 2022)
EVENT_COLUMNS = ("event_name_1", "event_type_1", "event_name_2", "event_type_2")
SNAP_COLUMN = re.compile(r"snap(_[A-Za-z]{2})?")
SUPPORTED_FREQS = {1: "D", 7: "W"}  # plus calendar months ("MS"/"ME"), detected in _check_frequency
_MAX_LISTED = 5


class DemandDataError(ValueError):
    """Demand data that the workbench cannot use; ``problems`` lists every problem found."""

    def __init__(self, source: str, problems: list[str]):
        self.source = source
        self.problems = problems
        super().__init__(f"{source}: {len(problems)} problem(s) in the demand data:\n  - " + "\n  - ".join(problems))


def _rows(idx) -> str:
    """Format row numbers (1-based data rows, as a spreadsheet shows them below the header)."""
    idx = list(idx)
    shown = ", ".join(str(int(i) + 1) for i in idx[:_MAX_LISTED])
    return shown + (f" (and {len(idx) - _MAX_LISTED} more)" if len(idx) > _MAX_LISTED else "")


def read_table(path: str | Path, **options) -> pd.DataFrame:
    """Read a CSV/TSV (separator, German decimal commas and TT.MM.JJJJ dates detected, UTF-8 or
    cp1252, also .gz/.zip) or Parquet file with :func:`workbench.tabular.read_table`.

    Args:
        path: The demand file.
        **options: ``sep``, ``decimal``, ``date_format``, ``encoding`` for ``workbench.tabular.read_table``.
    """
    from workbench.tabular import TableError
    from workbench.tabular import read_table as read_any_table

    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"demand file {path} does not exist")
    suffixes = [s.lower() for s in path.suffixes[-2:]]
    if not any(s in (".csv", ".tsv", ".txt", ".parquet", ".pq", ".gz", ".zip", ".bz2", ".xz") for s in suffixes):
        raise DemandDataError(str(path), [f"unsupported file type {path.suffix.lower()!r}: expected .csv or .parquet"])
    try:
        return read_any_table(path, **{k: v for k, v in options.items() if v is not None})
    except TableError as exc:
        raise DemandDataError(str(path), [str(exc).removeprefix(f"{path}: ").removeprefix(f"{path}, ")]) from None


def wide_to_long(df: pd.DataFrame, *, start: str = M5_START, source: str = "<frame>") -> pd.DataFrame:
    """Turn an M5-style wide table (one column per day) into the long format.

    Day columns are either ``d_1, d_2, ...`` (day 1 = ``start``) or ISO dates (``2024-01-01``).
    The series id is the ``id`` column, else ``unique_id``, else the identifier columns joined
    with ``_``. Known identifier columns (``item_id``, ``store_id``, ...) are kept as static columns.

    Args:
        df: The wide table.
        start: Date of ``d_1``.
        source: File name for error messages.

    Returns:
        Long table ``unique_id, ds, y`` plus the kept identifier columns.

    Raises:
        DemandDataError: No day columns, or day columns of both kinds.
    """
    d_cols = [c for c in df.columns if re.fullmatch(r"d_\d+", str(c))]
    date_cols = [c for c in df.columns if re.fullmatch(r"\d{4}-\d{2}-\d{2}", str(c))]
    if not d_cols and not date_cols:
        raise DemandDataError(source, ["wide layout: no day columns found; expected columns named d_1, d_2, ... "
                                       "(M5) or ISO dates like 2024-01-01"])
    if d_cols and date_cols:
        raise DemandDataError(source, ["wide layout: mixes d_N and ISO-date day columns; use one kind"])
    day_cols = d_cols or date_cols
    id_cols = [c for c in df.columns if c not in day_cols]
    if "id" in id_cols:
        uid = df["id"].astype(str)
    elif "unique_id" in id_cols:
        uid = df["unique_id"].astype(str)
    elif id_cols:
        uid = df[id_cols].astype(str).agg("_".join, axis=1)
    else:
        raise DemandDataError(source, ["wide layout: no identifier column (expected 'id' or e.g. item_id/store_id)"])
    keep = [c for c in id_cols if c in STATIC_COLUMNS]
    wide = df[keep + day_cols].copy()
    wide.insert(0, "unique_id", uid.values)
    long = wide.melt(id_vars=["unique_id", *keep], value_vars=day_cols, var_name="_day", value_name="y")
    if d_cols:
        offset = long["_day"].str.slice(2).astype(int) - 1
        long["ds"] = pd.Timestamp(start) + pd.to_timedelta(offset, unit="D")
    else:
        long["ds"] = pd.to_datetime(long["_day"])
    long = long.drop(columns="_day").sort_values(["unique_id", "ds"], kind="stable").reset_index(drop=True)
    return long[["unique_id", "ds", "y", *keep]]


def validate_demand(df: pd.DataFrame, *, source: str = "<frame>", extra_static: tuple[str, ...] = (),
                    allow_gaps: bool = False) -> pd.DataFrame:
    """Check a long demand table and return a clean copy with all covariates present.

    Checks (all problems are collected before raising): required and unknown columns, dates
    that do not parse, non-numeric, missing or negative demand, dates not sorted within a series,
    duplicate timestamps, the frequency (daily or weekly, the same for every series) and gaps.

    Args:
        df: Long table (see the module docstring).
        source: File name for error messages.
        extra_static: Further static columns to accept beyond :data:`STATIC_COLUMNS`.
        allow_gaps: Accept missing periods inside a series (days the business was closed); they
            become missing values in the panel. Off by default: a gap in a sales file is usually an error.

    Returns:
        A copy sorted by ``unique_id, ds`` with ``y`` as float, ``promo``/``holiday`` as int8
        and ``price`` as float; ``df.attrs["freq"]`` holds ``"D"`` or ``"W"``.

    Raises:
        DemandDataError: Listing every problem found.
    """
    problems: list[str] = []
    missing = [c for c in REQUIRED if c not in df.columns]
    if missing:
        problems.append(f"missing required column(s) {missing}; expected columns unique_id, ds, y "
                        f"(rename yours with columns={{'your_name': 'y', ...}})")
    df, driver_problems = _fold_drivers(df)
    problems += driver_problems
    allowed = set(REQUIRED) | set(COVARIATES) | set(STATIC_COLUMNS) | set(extra_static)
    unknown = [str(c) for c in df.columns if c not in allowed]
    if unknown:
        problems.append(f"unknown column(s) {unknown}; allowed are {list(REQUIRED)}, covariates {list(COVARIATES)} "
                        f"and static columns {list(STATIC_COLUMNS)} (map or drop the others)")
    if missing:
        raise DemandDataError(source, problems)

    out = df.reset_index(drop=True).copy()
    out["unique_id"] = out["unique_id"].astype(str)
    ds = pd.to_datetime(out["ds"], errors="coerce")
    bad = np.flatnonzero(ds.isna().to_numpy())
    if len(bad):
        problems.append(f"column 'ds': {len(bad)} value(s) are not dates, rows {_rows(bad)} "
                        f"(e.g. {out['ds'].iloc[bad[0]]!r}); expected ISO dates like 2024-01-31")
    out["ds"] = ds
    y = pd.to_numeric(out["y"], errors="coerce")
    bad = np.flatnonzero(y.isna().to_numpy())
    if len(bad):
        problems.append(f"column 'y': {len(bad)} value(s) missing or not numeric, rows {_rows(bad)}; "
                        "expected a number >= 0 for every period (0 for no demand)")
    neg = np.flatnonzero((y < 0).to_numpy())
    if len(neg):
        problems.append(f"column 'y': negative demand in {len(neg)} row(s), rows {_rows(neg)} "
                        f"(e.g. {y.iloc[neg[0]]}); expected demand >= 0 (book returns separately)")
    out["y"] = y.astype(float)
    problems += _check_covariates(out)
    if problems:  # the time checks below need parsed dates and values
        raise DemandDataError(source, problems)

    # Sorted within each series, in file order.
    prev = out.groupby("unique_id", sort=False)["ds"].shift()
    unsorted = np.flatnonzero((out["ds"] < prev).to_numpy())
    if len(unsorted):
        first = unsorted[0]
        problems.append(f"column 'ds': dates not sorted within series {out['unique_id'].iloc[first]!r} at rows "
                        f"{_rows(unsorted)} ({out['ds'].iloc[first].date()} after {prev.iloc[first].date()}); "
                        "expected ascending dates per series")
    dup = np.flatnonzero(out.duplicated(["unique_id", "ds"], keep="first").to_numpy())
    if len(dup):
        first = dup[0]
        problems.append(f"duplicate timestamps: {len(dup)} row(s) repeat a (unique_id, ds) pair, rows {_rows(dup)} "
                        f"(e.g. {out['unique_id'].iloc[first]!r} on {out['ds'].iloc[first].date()}); "
                        "expected one row per series and period (sum them first)")
    if problems:
        raise DemandDataError(source, problems)

    out = out.sort_values(["unique_id", "ds"], kind="stable").reset_index(drop=True)
    freq, freq_problems = _check_frequency(out, allow_gaps=allow_gaps)
    if freq_problems:
        raise DemandDataError(source, freq_problems)
    out = _fill_covariates(out, freq)
    out.attrs["freq"] = freq
    return out


def _check_covariates(df: pd.DataFrame) -> list[str]:
    problems = []
    for col in ("promo", "holiday"):
        if col in df.columns:
            vals = pd.to_numeric(df[col], errors="coerce")
            bad = np.flatnonzero(~vals.isin([0, 1]).to_numpy())
            if len(bad):
                problems.append(f"column {col!r}: {len(bad)} value(s) not 0/1, rows {_rows(bad)}; expected 0 or 1")
    if "price" in df.columns:
        vals = pd.to_numeric(df["price"], errors="coerce")
        bad = np.flatnonzero(~(vals > 0).to_numpy())
        if len(bad):
            problems.append(f"column 'price': {len(bad)} value(s) missing, not numeric or <= 0, rows {_rows(bad)}; "
                            "expected a positive price per unit")
    return problems


def _check_frequency(df: pd.DataFrame, *, allow_gaps: bool = False) -> tuple[str, list[str]]:
    """Infer the one frequency of all series (daily, weekly or monthly) and report gaps and mixtures.

    ``allow_gaps``: missing periods are days the business was closed (transaction exports), kept
    as missing values in the panel instead of being refused."""
    monthly = _monthly_frequency(df)
    if monthly is not None:
        return monthly
    problems = []
    step = df.groupby("unique_id", sort=False)["ds"].diff().dt.total_seconds() / 86400.0
    # The most common step of each series is its frequency; other steps are gaps or mixtures.
    per_series = step.dropna().groupby(df["unique_id"], sort=False).agg(lambda s: s.mode().min())
    if per_series.empty:
        return "D", []  # every series has one row; nothing to infer
    freqs = per_series.round(6).value_counts()
    if len(freqs) > 1:
        examples = [f"{uid!r} every {d:g} day(s)" for uid, d in per_series.groupby(per_series).head(1).items()]
        problems.append(f"mixed frequencies across series: {', '.join(examples[:4])}; "
                        "expected all series at one frequency (daily or weekly); aggregate first")
        return "D", problems
    days = float(freqs.index[0])
    if days not in SUPPORTED_FREQS:
        problems.append(f"column 'ds': frequency of {days:g} days is not supported; expected daily, weekly or "
                        "monthly data (monthly: every date the first or every date the last day of its month)")
        return "D", problems
    off = step.notna() & (step % days != 0)
    if off.any():
        rows = np.flatnonzero(off.to_numpy())
        problems.append(f"mixed frequencies within series {df['unique_id'].iloc[rows[0]]!r}: steps of "
                        f"{step.iloc[rows[0]]:g} days at rows {_rows(rows)}; expected every {days:g} day(s)")
    gap = step.notna() & (step > days) & (step % days == 0)
    if gap.any() and not allow_gaps:
        rows = np.flatnonzero(gap.to_numpy())
        r = rows[0]
        problems.append(f"gaps: {len(rows)} missing stretch(es), first in series {df['unique_id'].iloc[r]!r} before "
                        f"row {r + 1} ({df['ds'].iloc[r - 1].date()} -> {df['ds'].iloc[r].date()}); rows {_rows(rows)}; "
                        "expected consecutive periods (write 0 for periods without demand)")
    return SUPPORTED_FREQS[int(days)], problems


def _monthly_frequency(df: pd.DataFrame) -> tuple[str, list[str]] | None:
    """``("MS"|"ME", problems)`` when every date is a month start (or every date a month end) and
    steps are 28-31 days; ``None`` for other data (checked as daily/weekly)."""
    ds = pd.DatetimeIndex(df["ds"])
    if len(ds) < 2 or not (ds.normalize() == ds).all():
        return None
    step = df.groupby("unique_id", sort=False)["ds"].diff().dt.days
    if step.dropna().empty or not step.dropna().between(28, 31).any():
        return None
    for freq, flag in (("MS", ds.is_month_start), ("ME", ds.is_month_end)):
        if flag.all() and not (freq == "ME" and ds.is_month_start.all()):
            months = ds.year * 12 + ds.month
            gap = pd.Series(months, index=df.index).groupby(df["unique_id"], sort=False).diff()
            problems = []
            bad = np.flatnonzero((gap > 1).to_numpy())
            if len(bad):
                r = bad[0]
                problems.append(f"gaps: {len(bad)} missing stretch(es) of months, first in series "
                                f"{df['unique_id'].iloc[r]!r} before row {r + 1}; rows {_rows(bad)}; expected "
                                "consecutive months (write 0 for months without demand)")
            return freq, problems
    return None


def _fill_covariates(df: pd.DataFrame, freq: str) -> pd.DataFrame:
    """Add missing covariates: no promotion, constant price 1.0, holidays from the state column."""
    if "promo" not in df.columns:
        df["promo"] = 0
    if "price" not in df.columns:
        df["price"] = 1.0
    if "holiday" not in df.columns:
        df["holiday"] = 0
        if "state" in df.columns:
            for state, idx in df.groupby("state").groups.items():
                if state in GERMAN_STATES:
                    if freq == "D":
                        df.loc[idx, "holiday"] = holiday_flags(df.loc[idx, "ds"], state)
                    elif freq in ("MS", "ME"):
                        pass  # every month has a holiday somewhere in some years: no useful flag
                    else:  # weekly: 1 if any day of the week (ds .. ds+6) is a holiday
                        week = df.loc[idx, "ds"]
                        days = pd.DatetimeIndex(np.concatenate([week + pd.Timedelta(days=k) for k in range(7)]))
                        flags = holiday_flags(days, state).reshape(7, -1).max(axis=0)
                        df.loc[idx, "holiday"] = flags
    df["promo"] = pd.to_numeric(df["promo"]).astype("int8")
    df["holiday"] = pd.to_numeric(df["holiday"]).astype("int8")
    df["price"] = pd.to_numeric(df["price"]).astype(float)
    return df


def read_demand(path: str | Path, *, format: str | None = None, columns: dict[str, str] | None = None,
                start: str = M5_START, extra_static: tuple[str, ...] = (),
                table_options: dict | None = None, calendar: str | Path | None = None,
                prices: str | Path | None = None, leading_zeros: str = "demand") -> pd.DataFrame:
    """Read, convert and check a user's demand file.

    Args:
        path: CSV or Parquet file.
        format: ``"long"``, ``"wide"`` or ``None`` (wide if the file has ``d_1`` or ISO-date columns).
        columns: Renames applied first, ``{"your column": "workbench column"}``.
        start: Date of ``d_1`` for M5-style wide files.
        extra_static: Further static columns to accept.
        table_options: How to read a CSV (``sep``, ``decimal``, ``date_format``, ``encoding``;
            ``workbench.tabular.table_options(config.data)``); ``None`` detects them.
        calendar: M5-style calendar file (``date`` or ``d``, events, ``snap_*``, ``wm_yr_wk``) to join by day.
        prices: M5-style price file (``store_id, item_id, wm_yr_wk, sell_price``) to join by store,
            item and week (needs ``calendar`` for ``wm_yr_wk`` unless the data has it).
        leading_zeros: ``"demand"`` (zeros before a series' first sale are real zero demand) or
            ``"missing"`` (the item was not listed yet: those periods are dropped, so they count as
            missing, not as zero demand).

    Returns:
        The validated long table (see :func:`validate_demand`).

    Raises:
        FileNotFoundError: The file does not exist.
        DemandDataError: The content has problems (all listed, naming the file).
    """
    return demand_from_frame(read_table(path, **(table_options or {})), source=str(path), format=format,
                             columns=columns, start=start, extra_static=extra_static, calendar=calendar,
                             prices=prices, leading_zeros=leading_zeros)


def demand_from_frame(df: pd.DataFrame, *, source: str = "<frame>", format: str | None = None,
                      columns: dict[str, str] | None = None, start: str = M5_START, extra_static: tuple[str, ...] = (),
                      calendar: str | Path | None = None, prices: str | Path | None = None,
                      leading_zeros: str = "demand") -> pd.DataFrame:
    """:func:`read_demand` on a table already read (e.g. one part of a user's split); same arguments."""
    if columns:
        unknown = [c for c in columns if c not in df.columns]
        if unknown:
            raise DemandDataError(source, [f"columns mapping names {unknown}, which are not in the file "
                                           f"(file has {list(map(str, df.columns))[:12]})"])
        df = df.rename(columns=columns)
    if format not in (None, "long", "wide", "transactions"):
        raise DemandDataError(source, [f"format {format!r} is unknown; expected 'long', 'wide' or 'transactions'"])
    is_wide = any(re.fullmatch(r"d_\d+|\d{4}-\d{2}-\d{2}", str(c)) for c in df.columns)
    if format == "transactions" or (format is None and set(TRANSACTION_COLUMNS) <= set(map(str, df.columns))):
        df = transactions_to_long(df, source=source)
        # Days the shop sold nothing at all are closed days: missing, not zero demand.
        return validate_demand(df, source=source, extra_static=extra_static, allow_gaps=True)
    elif format == "wide" or (format is None and is_wide):
        df = wide_to_long(df, start=start, source=source)
    if calendar is not None:
        df = join_calendar(df, calendar, start=start)
    if prices is not None:
        df = join_prices(df, prices, source=source)
    if leading_zeros not in ("demand", "missing"):
        raise DemandDataError(source, [f"leading_zeros {leading_zeros!r} is unknown; expected 'demand' or 'missing'"])
    if leading_zeros == "missing":
        df = drop_leading_zeros(df)
    return validate_demand(df, source=source, extra_static=extra_static)


def drop_leading_zeros(df: pd.DataFrame) -> pd.DataFrame:
    """Drop each series' rows before its first non-zero demand (pre-launch periods become missing)."""
    y = pd.to_numeric(df["y"], errors="coerce").fillna(0)
    started = (y > 0).groupby(df["unique_id"], sort=False).cummax()
    out = df[started.to_numpy()].reset_index(drop=True)
    out.attrs = dict(df.attrs)
    return out


def join_calendar(df: pd.DataFrame, calendar: str | Path, *, start: str = M5_START) -> pd.DataFrame:
    """Join an M5-style calendar file by day: events, ``snap_*`` and ``wm_yr_wk`` columns.

    The calendar needs a ``date`` column (or M5's ``d`` = ``d_1, d_2, ...`` counted from ``start``).
    Only the columns the workbench uses are joined (events, SNAP flags, ``wm_yr_wk`` for prices).
    """
    cal = read_table(calendar)
    where = str(calendar)
    if "date" in cal.columns:
        cal["ds"] = pd.to_datetime(cal["date"], errors="coerce")
    elif "d" in cal.columns:
        cal["ds"] = pd.Timestamp(start) + pd.to_timedelta(cal["d"].astype(str).str.slice(2).astype(int) - 1, unit="D")
    else:
        raise DemandDataError(where, ["calendar: needs a 'date' column (or M5's 'd' column: d_1, d_2, ...)"])
    bad = np.flatnonzero(cal["ds"].isna().to_numpy())
    if len(bad):
        raise DemandDataError(where, [f"calendar column 'date': {len(bad)} value(s) are not dates, rows {_rows(bad)}"])
    use = [c for c in cal.columns if c in EVENT_COLUMNS or SNAP_COLUMN.fullmatch(str(c)) or c == "wm_yr_wk"]
    if not use:
        raise DemandDataError(where, [f"calendar: none of the columns it is joined for ({list(EVENT_COLUMNS)}, "
                                      "snap_XX, wm_yr_wk) are in the file"])
    dup = np.flatnonzero(cal["ds"].duplicated().to_numpy())
    if len(dup):
        raise DemandDataError(where, [f"calendar: {len(dup)} repeated date(s), rows {_rows(dup)}; expected one row per day"])
    out = df.drop(columns=[c for c in use if c in df.columns]).merge(cal[["ds", *use]], on="ds", how="left")
    out.attrs = dict(df.attrs)
    return out


def join_prices(df: pd.DataFrame, prices: str | Path, *, source: str = "<frame>") -> pd.DataFrame:
    """Join an M5-style weekly price file (``store_id, item_id, wm_yr_wk, sell_price``) as ``price``.

    Weeks without a price (before an item is listed) take the series' nearest known price, so
    the price ratio the models read stays defined; such periods usually carry no demand anyway.
    """
    pr = read_table(prices)
    where = str(prices)
    need = ["store_id", "item_id", "wm_yr_wk", "sell_price"]
    missing = [c for c in need if c not in pr.columns]
    if missing:
        raise DemandDataError(where, [f"prices: missing column(s) {missing}; expected {need}"])
    missing = [c for c in ("store_id", "item_id", "wm_yr_wk") if c not in df.columns]
    if missing:
        raise DemandDataError(source, [f"joining prices needs the column(s) {missing} in the demand data "
                                       "(give calendar= for wm_yr_wk; M5 wide files have store_id and item_id)"])
    out = df.drop(columns=["price"], errors="ignore").merge(
        pr[need].rename(columns={"sell_price": "price"}), on=["store_id", "item_id", "wm_yr_wk"], how="left")
    out["price"] = out.groupby("unique_id", sort=False)["price"].transform(lambda p: p.bfill().ffill())
    if out["price"].isna().any():
        ids = out.loc[out["price"].isna(), "unique_id"].unique()
        raise DemandDataError(where, [f"prices: no price at all for {len(ids)} series, e.g. {list(ids[:3])}"])
    out = out.drop(columns=["wm_yr_wk"])
    out.attrs = dict(df.attrs)
    return out


def _fold_drivers(df: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """Events -> ``holiday`` channel, SNAP -> ``promo`` channel (see the module docstring)."""
    problems = []
    events = [c for c in df.columns if c in EVENT_COLUMNS]
    snaps = [c for c in df.columns if SNAP_COLUMN.fullmatch(str(c))]
    if "wm_yr_wk" in df.columns:
        df = df.drop(columns=["wm_yr_wk"])
    if not events and not snaps:
        return df, problems
    df = df.copy()
    if events:
        named = np.zeros(len(df), dtype=bool)
        for c in events:
            v = df[c]
            named |= (v.notna() & (v.astype(str).str.strip() != "") & (v.astype(str) != "nan")).to_numpy()
        old = pd.to_numeric(df["holiday"], errors="coerce").fillna(0).to_numpy() if "holiday" in df.columns else 0
        df["holiday"] = np.maximum(old, named.astype(int))
        df = df.drop(columns=events)
    if snaps:
        if "snap" in df.columns:
            flag = pd.to_numeric(df["snap"], errors="coerce")
        elif len(snaps) == 1:
            flag = pd.to_numeric(df[snaps[0]], errors="coerce")
        elif "state_id" in df.columns:
            col = "snap_" + df["state_id"].astype(str)
            unknown = sorted(set(col) - set(snaps))
            if unknown:
                problems.append(f"snap: no column {unknown[:3]} for the state_id values of some series; have {snaps}")
                flag = pd.Series(0, index=df.index)
            else:
                values = df[snaps].apply(pd.to_numeric, errors="coerce").to_numpy()
                flag = pd.Series(values[np.arange(len(df)), pd.Index(snaps).get_indexer(col)], index=df.index)
        else:
            problems.append(f"snap: several SNAP columns {snaps} but no state_id column to pick each series' own")
            flag = pd.Series(0, index=df.index)
        bad = np.flatnonzero(~flag.isin([0, 1]).to_numpy())
        if len(bad):
            problems.append(f"snap: {len(bad)} value(s) not 0/1, rows {_rows(bad)}; expected 0 or 1")
        old = pd.to_numeric(df["promo"], errors="coerce").fillna(0).to_numpy() if "promo" in df.columns else 0
        df["promo"] = np.maximum(old, flag.fillna(0).to_numpy().astype(int))
        df = df.drop(columns=snaps)
    return df, problems


TRANSACTION_COLUMNS = ("InvoiceNo", "StockCode", "Quantity", "InvoiceDate", "UnitPrice")
"""Columns of a transaction export in the UCI Online Retail layout (one line per invoice line)."""


def transactions_to_long(df: pd.DataFrame, *, source: str = "<frame>") -> pd.DataFrame:
    """Daily demand per stock code from invoice lines (UCI Online Retail layout).

    Demand is what customers bought: sales lines only (quantity > 0, unit price > 0, an invoice
    number not starting with ``C``, and a stock code starting with five digits, which leaves out
    postage, manual entries, bank charges and similar non-product codes). Cancellations and
    returns are counted apart (``attrs["cancelled_lines"]``), not subtracted: a return is not
    negative demand on its day. A code's series runs from its first sale to the last day of the
    file, with 0 on trading days without a sale; days on which the shop sold nothing at all
    (Saturdays, the Christmas break) get no row, so they count as missing, not as zero demand.
    The price is the quantity-weighted mean unit price of the day, carried forward on days
    without sales.

    Raises:
        DemandDataError: Columns missing, or quantities/prices/dates that do not parse (naming rows).
    """
    missing = [c for c in TRANSACTION_COLUMNS if c not in df.columns]
    if missing:
        raise DemandDataError(source, [f"transactions need the columns {list(TRANSACTION_COLUMNS)}; missing {missing}"])
    problems = []
    qty = pd.to_numeric(df["Quantity"], errors="coerce")
    price = pd.to_numeric(df["UnitPrice"], errors="coerce")
    when = pd.to_datetime(df["InvoiceDate"], errors="coerce")
    for name, col in (("Quantity", qty), ("UnitPrice", price), ("InvoiceDate", when)):
        bad = col.isna() & df[name].notna()
        if bad.any():
            problems.append(f"column {name!r}: {int(bad.sum())} value(s) do not parse, first at rows "
                            f"{_rows(np.flatnonzero(bad.to_numpy()))} (expected "
                            f"{'a date like 2011-12-09 12:50:00' if name == 'InvoiceDate' else 'a number'})")
    if problems:
        raise DemandDataError(source, problems)
    invoice = df["InvoiceNo"].astype(str)
    code = df["StockCode"].astype(str).str.strip()
    cancelled = invoice.str.startswith("C") | (qty < 0)
    sale = ~cancelled & (qty > 0) & (price > 0) & code.str.match(r"^\d{5}")
    if not sale.any():
        raise DemandDataError(source, ["no sales lines (positive quantity, positive price, a stock code starting "
                                       "with five digits, an invoice number not starting with 'C')"])
    lines = pd.DataFrame({"unique_id": code[sale], "ds": when[sale].dt.normalize(), "y": qty[sale].astype(float),
                          "value": (qty * price)[sale]})
    daily = lines.groupby(["unique_id", "ds"], sort=True).agg(y=("y", "sum"), value=("value", "sum")).reset_index()
    daily["price"] = daily["value"] / daily["y"]
    trading = pd.DatetimeIndex(sorted(daily["ds"].unique()))
    first = daily.groupby("unique_id")["ds"].min()
    # Every trading day from each code's first sale on (vectorised: one row per code and trading day).
    start_pos = trading.get_indexer(first.to_numpy())
    counts = len(trading) - start_pos
    ids = np.repeat(first.index.to_numpy(), counts)
    pos = np.concatenate([np.arange(p, len(trading)) for p in start_pos])
    grid = pd.DataFrame({"unique_id": ids, "ds": trading[pos]})
    out = grid.merge(daily[["unique_id", "ds", "y", "price"]], on=["unique_id", "ds"], how="left")
    out["y"] = out["y"].fillna(0.0)
    out["price"] = out.groupby("unique_id", sort=False)["price"].ffill()
    out = out.reset_index(drop=True)
    out.attrs["cancelled_lines"] = int(cancelled.sum())
    out.attrs["non_product_lines"] = int((~cancelled & ~code.str.match(r"^\d{5}")).sum())
    return out


def static_table(df: pd.DataFrame) -> pd.DataFrame:
    """One row per series with its static columns (first value per series)."""
    cols = [c for c in df.columns if c in STATIC_COLUMNS]
    return df.groupby("unique_id", sort=True)[cols].first().reset_index() if cols else \
        pd.DataFrame({"unique_id": sorted(df["unique_id"].unique())})
