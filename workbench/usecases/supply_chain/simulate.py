"""Demand simulator: many SKUs across German distribution centres, written as a long table.

The simulator is the "broad demand history" the base model is pretrained on, and it gives the
notebook and the tests data with known structure. Each series is one SKU at one distribution
centre (DC). Daily demand is built multiplicatively::

    level(t) = base * trend(t) * weekly(dow) * yearly(doy) * holiday(t)
               * price_effect(t) * promo_uplift(t) * after_dip(t) * launch_ramp(t)

and then turned into counts according to the series' Syntetos-Boylan class (smooth, erratic,
intermittent, lumpy), with occasional supply disruptions that censor sales. Regions and product
families differ in weekly profile, yearly seasonality, price elasticity and promotion response,
so that a region the base model never saw ("Ost" by default) gives LoRA adaptation something to
adapt to.

Usage::

    from workbench.usecases.supply_chain.simulate import SimulationSpec, simulate_demand
    sim = simulate_demand(SimulationSpec(n_skus=20, n_days=365, seed=0))
    sim.demand.head()     # unique_id, ds, y, promo, price, holiday, dc, state, region, family, sku
    sim.series.head()     # one row per series: class, launch date, disruptions, ...

The output columns are exactly what :func:`workbench.usecases.supply_chain.data.validate_demand`
accepts, so simulated and user data take the same path through the workbench.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
import pandas as pd

# Distribution centres: (id, federal state code as used by the ``holidays`` package, region).
DC_CATALOGUE: tuple[tuple[str, str, str], ...] = (
    ("DC-MUC", "BY", "Süd"),
    ("DC-STR", "BW", "Süd"),
    ("DC-DUS", "NW", "West"),
    ("DC-FRA", "HE", "West"),
    ("DC-HAM", "HH", "Nord"),
    ("DC-HAN", "NI", "Nord"),
    ("DC-LEI", "SN", "Ost"),
    ("DC-BER", "BE", "Ost"),
    # "Mitte" is only in the M5-shaped preset (10 DCs like M5's 10 stores); the default regions
    # leave it out, so the default simulation is unchanged.
    ("DC-KAS", "HE", "Mitte"),
    ("DC-ERF", "TH", "Mitte"),
)

# Weekly profiles Monday..Sunday. DCs deliver to stores Monday to Saturday, so Sunday is low.
# "Ost" is deliberately different (Monday and Saturday peaks) so adaptation has work to do.
REGION_PROFILES: dict[str, dict] = {
    "Süd": {"weekly": (1.05, 1.0, 0.95, 1.0, 1.1, 1.15, 0.3), "season_amp": 1.0, "phase": 0,
             "elasticity": 1.0, "promo": 1.0},
    "West": {"weekly": (1.0, 0.95, 0.95, 1.0, 1.15, 1.2, 0.35), "season_amp": 0.9, "phase": -5,
             "elasticity": 1.0, "promo": 1.0},
    "Nord": {"weekly": (0.95, 1.0, 1.0, 1.05, 1.15, 1.1, 0.4), "season_amp": 1.1, "phase": 10,
             "elasticity": 0.9, "promo": 0.9},
    "Ost": {"weekly": (1.3, 0.9, 0.85, 0.9, 1.0, 1.35, 0.3), "season_amp": 1.25, "phase": 20,
            "elasticity": 1.25, "promo": 1.4},
    "Mitte": {"weekly": (1.1, 1.0, 0.9, 0.95, 1.1, 1.2, 0.35), "season_amp": 0.95, "phase": 5,
              "elasticity": 1.1, "promo": 1.1},
}

M5_SHAPE = {"n_skus": 3049, "n_days": 1941, "start": "2011-01-29",
            "regions": ("Süd", "West", "Nord", "Ost", "Mitte")}
"""The M5 competition's shape (Makridakis et al. 2022): 3,049 items x 10 stores = 30,490 daily
series over 1,941 days. Here: 3,049 SKUs x 10 DCs, with prices, promotions and holidays."""

# Product families: yearly peak (day of year), seasonal amplitude, price elasticity, promotion
# uplift on top of the price effect, and the strength of the post-promotion dip (pantry loading).
FAMILY_PROFILES: dict[str, dict] = {
    "getränke": {"peak": 195, "amp": 0.35, "elasticity": 1.4, "uplift": 0.4, "dip": 0.35},
    "tiefkühl": {"peak": 185, "amp": 0.25, "elasticity": 1.2, "uplift": 0.4, "dip": 0.25},
    "drogerie": {"peak": 350, "amp": 0.20, "elasticity": 1.2, "uplift": 0.5, "dip": 0.30},
    "heizung": {"peak": 15, "amp": 0.40, "elasticity": 0.8, "uplift": 0.3, "dip": 0.10},
}

# Syntetos & Boylan (2005) cut-offs: ADI 1.32 (average inter-demand interval) and CV^2 0.49
# (squared coefficient of variation of the non-zero demand sizes).
ADI_CUTOFF = 1.32
CV2_CUTOFF = 0.49
SBC_CLASSES = ("smooth", "erratic", "intermittent", "lumpy")


@dataclass
class SimulationSpec:
    """What to simulate.

    Attributes:
        n_skus: Number of SKUs; every SKU is stocked at every selected DC.
        n_days: Length of the history in days.
        start: First date (ISO).
        regions: Regions whose DCs are included (see ``DC_CATALOGUE``).
        families: Product families the SKUs are drawn from (see ``FAMILY_PROFILES``).
        class_mix: Share of SKUs per Syntetos-Boylan class; shares must sum to 1.
        launch_fraction: Share of SKUs launched during the history (no rows before launch).
        disruptions_per_year: Expected supply disruptions per series and year (sales censored).
        promo_every_days: Mean gap between promotions of one SKU in one region.
        seed: Random seed; the same spec and seed give the same table.
    """

    n_skus: int = 40
    n_days: int = 730
    start: str = "2023-01-02"
    regions: tuple[str, ...] = ("Süd", "West", "Nord", "Ost")
    families: tuple[str, ...] = ("getränke", "tiefkühl", "drogerie", "heizung")
    class_mix: dict[str, float] = field(
        default_factory=lambda: {"smooth": 0.45, "erratic": 0.2, "intermittent": 0.2, "lumpy": 0.15}
    )
    launch_fraction: float = 0.1
    disruptions_per_year: float = 0.5
    promo_every_days: float = 45.0
    seed: int = 0

    @classmethod
    def m5(cls, **overrides) -> "SimulationSpec":
        """The M5 shape (:data:`M5_SHAPE`: 30,490 series x 1,941 days); ``overrides`` change any field."""
        return cls(**{**M5_SHAPE, **overrides})

    def problems(self, prefix: str = "simulation") -> list[str]:
        """Return every problem of this spec, each naming its field."""
        out = []
        if self.n_skus < 1:
            out.append(f"{prefix}.n_skus must be >= 1, got {self.n_skus}")
        if self.n_days < 56:
            out.append(f"{prefix}.n_days must be >= 56 (8 weeks), got {self.n_days}")
        for r in self.regions:
            if r not in REGION_PROFILES:
                out.append(f"{prefix}.regions: unknown region {r!r}, expected one of {sorted(REGION_PROFILES)}")
        for f in self.families:
            if f not in FAMILY_PROFILES:
                out.append(f"{prefix}.families: unknown family {f!r}, expected one of {sorted(FAMILY_PROFILES)}")
        bad = set(self.class_mix) - set(SBC_CLASSES)
        if bad:
            out.append(f"{prefix}.class_mix: unknown classes {sorted(bad)}, expected {list(SBC_CLASSES)}")
        if abs(sum(self.class_mix.values()) - 1.0) > 1e-6:
            out.append(f"{prefix}.class_mix must sum to 1, got {sum(self.class_mix.values()):.3f}")
        if not 0 <= self.launch_fraction < 1:
            out.append(f"{prefix}.launch_fraction must be in [0, 1), got {self.launch_fraction}")
        return out


@dataclass
class Simulation:
    """Result of :func:`simulate_demand`.

    Attributes:
        demand: Long table ``unique_id, ds, y, promo, price, holiday, dc, state, region, family, sku``.
        series: One row per series with its generating parameters (``sbc_class``, ``launch``,
            ``disruption_days``, ``base_level``).
    """

    demand: pd.DataFrame
    series: pd.DataFrame


@lru_cache(maxsize=64)
def _holiday_dates(state: str, years: tuple[int, ...]) -> frozenset:
    import holidays

    return frozenset(holidays.Germany(subdiv=state, years=list(years)).keys())


def holiday_flags(dates: pd.DatetimeIndex | pd.Series, state: str | None) -> np.ndarray:
    """Return 1 where a date is a public holiday in the given German federal state.

    Args:
        dates: Dates (any time of day; only the calendar day counts).
        state: Federal state code as in the ``holidays`` package (``"BY"``, ``"NW"``, ...), or
            ``None`` for the nationwide holidays only.

    Returns:
        int8 array of 0/1, same length as ``dates``.
    """
    dates = pd.DatetimeIndex(dates)
    if len(dates) == 0:
        return np.zeros(0, dtype=np.int8)
    years = tuple(range(int(dates.year.min()), int(dates.year.max()) + 1))
    days = _holiday_dates(state, years) if state else _holiday_dates_national(years)
    return np.fromiter((d in days for d in dates.date), dtype=np.int8, count=len(dates))


@lru_cache(maxsize=16)
def _holiday_dates_national(years: tuple[int, ...]) -> frozenset:
    import holidays

    return frozenset(holidays.Germany(years=list(years)).keys())


def _promo_calendar(rng: np.random.Generator, n_days: int, every: float) -> tuple[np.ndarray, np.ndarray]:
    """Promotion flags and discount per day: episodes of 3-10 days, 10-35 % off."""
    promo = np.zeros(n_days, dtype=np.int8)
    discount = np.zeros(n_days)
    t = int(rng.integers(0, int(every)))
    while t < n_days:
        length = int(rng.integers(3, 11))
        promo[t : t + length] = 1
        discount[t : t + length] = rng.uniform(0.10, 0.35)
        t += length + int(rng.exponential(every)) + 7  # at least a week between promotions
    return promo, discount


def _price_path(rng: np.random.Generator, n_days: int, ref: float) -> np.ndarray:
    """Regular (non-promotional) price: constant with 0-3 permanent changes of +-3-10 %."""
    price = np.full(n_days, ref)
    for _ in range(int(rng.integers(0, 4))):
        t = int(rng.integers(1, n_days))
        price[t:] *= 1 + rng.choice([-1, 1]) * rng.uniform(0.03, 0.10)
    return price


def _after_dip(promo: np.ndarray, strength: float, days: int = 7) -> np.ndarray:
    """Multiplier < 1 in the week after each promotion ends (customers stocked up)."""
    mult = np.ones(len(promo))
    ends = np.flatnonzero((promo[:-1] == 1) & (promo[1:] == 0)) + 1
    for e in ends:
        for j in range(days):
            if e + j < len(promo) and promo[e + j] == 0:
                mult[e + j] *= 1 - strength * np.exp(-j / 2.0)
    return mult


def _sizes(rng: np.random.Generator, klass: str, mean: np.ndarray) -> np.ndarray:
    """Demand sizes with the coefficient of variation that the class needs."""
    if klass == "smooth":
        # Poisson around a high level: size CV^2 ~ 1/mean plus the seasonal spread, well below 0.49.
        return rng.poisson(mean).astype(float)
    if klass == "erratic":
        # Lognormal sizes, sigma 0.9 -> CV^2 = exp(0.81) - 1 = 1.25 (above 0.49).
        return np.round(mean * rng.lognormal(-0.405, 0.9, size=len(mean)))
    if klass == "intermittent":
        # 1 + Poisson(m-1): CV^2 = (m-1)/m^2 <= 0.25.
        return 1 + rng.poisson(np.maximum(mean - 1, 0)).astype(float)
    # lumpy: heavy-tailed sizes, sigma 1.0 -> CV^2 = e - 1 = 1.72
    return np.maximum(1, np.round(mean * rng.lognormal(-0.5, 1.0, size=len(mean))))


def _series(spec: SimulationSpec):
    """Yield every simulated series in a fixed order: ``(dates, series_row, arrays)``.

    One generator feeds both :func:`simulate_demand` (a long table) and :func:`simulate_panel`
    (dense arrays, for M5-sized sets), so the two give the same numbers for the same spec: the
    random draws happen in the same order whichever output is built.
    """
    problems = spec.problems()
    if problems:
        raise ValueError("invalid simulation spec:\n  " + "\n  ".join(problems))
    rng = np.random.default_rng(spec.seed)
    dates = pd.date_range(spec.start, periods=spec.n_days, freq="D")
    dow = dates.dayofweek.to_numpy()
    doy = dates.dayofyear.to_numpy()
    t_years = np.arange(spec.n_days) / 365.25
    dcs = [d for d in DC_CATALOGUE if d[2] in spec.regions]

    classes = list(spec.class_mix)
    n_per_class = np.floor(np.array([spec.class_mix[c] for c in classes]) * spec.n_skus).astype(int)
    n_per_class[np.argmax(n_per_class)] += spec.n_skus - n_per_class.sum()  # exact total
    sku_classes = rng.permutation(np.repeat(classes, n_per_class))

    skus = []
    for i in range(spec.n_skus):
        klass = str(sku_classes[i])
        family = spec.families[i % len(spec.families)]
        launched = rng.random() < spec.launch_fraction and spec.n_days > 240
        skus.append({
            "sku": f"SKU-{i:04d}",
            "family": family,
            "sbc_class": klass,
            # Base level (units/day on a normal weekday). Intermittent classes get a base for the
            # size distribution and a separate occurrence probability p = 1/ADI.
            "base": float(rng.lognormal(np.log(25), 0.6)) if klass in ("smooth", "erratic")
            else float(rng.uniform(1.5, 6.0)),
            "p_occur": 1.0 if klass in ("smooth", "erratic") else float(rng.uniform(0.18, 0.45)),
            "ref_price": float(np.round(rng.lognormal(np.log(4.0), 0.6), 2)),
            "trend": float(rng.normal(0.0, 0.08)),
            "launch": int(rng.integers(120, spec.n_days - 90)) if launched else 0,
        })

    # Promotions run per SKU and region (a regional campaign reaches all DCs of the region).
    promo_cal = {}
    for sku in skus:
        for region in spec.regions:
            promo_cal[(sku["sku"], region)] = _promo_calendar(rng, spec.n_days, spec.promo_every_days)

    for dc, state, region in dcs:
        rp = REGION_PROFILES[region]
        weekly = np.asarray(rp["weekly"])[dow]
        hol = holiday_flags(dates, state)
        # Day before a holiday: stores order ahead (+35 %); the holiday itself: DC mostly closed.
        pre_hol = np.r_[hol[1:], 0]
        hol_mult = np.where(hol == 1, 0.1, np.where(pre_hol == 1, 1.35, 1.0))
        for sku in skus:
            fp = FAMILY_PROFILES[sku["family"]]
            amp = fp["amp"] * rp["season_amp"]
            yearly = 1 + amp * np.cos(2 * np.pi * (doy - fp["peak"] - rp["phase"]) / 365.25)
            trend = np.exp(sku["trend"] * t_years)
            promo, discount = promo_cal[(sku["sku"], region)]
            regular = _price_path(rng, spec.n_days, sku["ref_price"])
            price = np.round(regular * (1 - discount), 2)
            elasticity = fp["elasticity"] * rp["elasticity"]
            price_eff = (price / sku["ref_price"]) ** (-elasticity)
            uplift = 1 + promo * fp["uplift"] * rp["promo"]
            dip = _after_dip(promo, fp["dip"])
            ramp = np.ones(spec.n_days)
            if sku["launch"]:
                age = np.arange(spec.n_days) - sku["launch"]
                ramp = np.where(age >= 0, 1 - np.exp(-(age + 1) / 10.0), 0.0)
            mult = trend * weekly * yearly * hol_mult * price_eff * uplift * dip * ramp
            mean = np.maximum(sku["base"] * mult, 0.0)
            klass = sku["sbc_class"]
            if klass in ("smooth", "erratic"):
                y = _sizes(rng, klass, mean)
            else:
                # Occurrence follows the same calendar (no orders on Sundays and holidays).
                p = np.clip(sku["p_occur"] * weekly * hol_mult * np.minimum(uplift * price_eff, 2.0), 0, 1)
                occur = rng.random(spec.n_days) < p
                y = np.where(occur, _sizes(rng, klass, np.maximum(sku["base"] * trend * yearly * ramp, 1.0)), 0.0)
            # Supply disruptions: for 3-14 days the DC cannot ship, so recorded sales drop to ~0.
            disrupted = np.zeros(spec.n_days, dtype=bool)
            for _ in range(rng.poisson(spec.disruptions_per_year * spec.n_days / 365.25)):
                t0 = int(rng.integers(0, spec.n_days))
                disrupted[t0 : t0 + int(rng.integers(3, 15))] = True
            y = np.where(disrupted, np.floor(y * 0.1), y)
            launch = sku["launch"]
            row = {
                "unique_id": f"{dc}/{sku['sku']}", "dc": dc, "state": state, "region": region,
                "family": sku["family"], "sku": sku["sku"], "sbc_class": klass,
                "launch": dates[launch] if launch else pd.NaT,
                "disruption_days": int(disrupted[launch:].sum()), "base_level": sku["base"],
                "ref_price": sku["ref_price"],
            }
            yield dates, row, {"launch": launch, "y": y, "promo": promo, "price": price, "holiday": hol}


def simulate_demand(spec: SimulationSpec | None = None) -> Simulation:
    """Simulate daily demand for ``spec.n_skus`` SKUs at every DC of ``spec.regions``.

    Args:
        spec: What to simulate; the defaults give 40 SKUs x 8 DCs x 2 years.

    Returns:
        A :class:`Simulation` with the long demand table and the per-series parameters.

    Raises:
        ValueError: The spec has problems (all of them are listed).
    """
    spec = spec or SimulationSpec()
    frames, series_rows = [], []
    for dates, row, a in _series(spec):
        keep = slice(a["launch"], None)
        frames.append(pd.DataFrame({
            "unique_id": row["unique_id"],
            "ds": dates[keep],
            "y": a["y"][keep].astype(float),
            "promo": a["promo"][keep],
            "price": a["price"][keep],
            "holiday": a["holiday"][keep],
        }))
        series_rows.append(row)
    series = pd.DataFrame(series_rows)
    demand = pd.concat(frames, ignore_index=True)
    static = series[["unique_id", "dc", "state", "region", "family", "sku"]]
    demand = demand.merge(static, on="unique_id", how="left")
    demand["promo"] = demand["promo"].astype("int8")
    demand["holiday"] = demand["holiday"].astype("int8")
    return Simulation(demand=demand, series=series)


def summed_demand(demand: pd.DataFrame, freq: str) -> pd.DataFrame:
    """Daily demand summed to weeks (starting Monday, ``W``) or calendar months (``MS``/``ME``).

    Demand is summed; a period has a promotion or a holiday when any of its days has one; the price
    is the mean of its days; static columns are kept. Periods the days do not cover whole (at the
    start or end of the history) are dropped, so no period counts as low demand because it is cut.
    The result carries ``attrs["freq"]``.

    Raises:
        ValueError: ``freq`` is not ``W``, ``MS`` or ``ME``.
    """
    if freq not in ("W", "MS", "ME"):
        raise ValueError(f"summed_demand sums to weeks (W) or months (MS, ME), got {freq!r}")
    df = demand.copy()
    df["ds"] = pd.to_datetime(df["ds"])
    day = df["ds"]
    df["ds"] = (day - pd.to_timedelta(day.dt.dayofweek, unit="D")) if freq == "W" else day.dt.to_period("M").dt.start_time
    covered = day.groupby(df["ds"]).nunique()  # calendar days of each period that the history holds
    length = pd.Series(7 if freq == "W" else covered.index.days_in_month, index=covered.index)
    whole = covered.index[covered.to_numpy() == length.to_numpy()]
    static = [c for c in df.columns if c not in ("unique_id", "ds", "y", "promo", "price", "holiday")]
    agg = {"y": ("y", "sum"), "promo": ("promo", "max"), "price": ("price", "mean"), "holiday": ("holiday", "max")}
    out = (df[df["ds"].isin(whole)].groupby(["unique_id", "ds"], sort=True)
           .agg(**{k: v for k, v in agg.items() if v[0] in df.columns}, **{c: (c, "first") for c in static})
           .reset_index())
    if freq == "ME":
        out["ds"] = out["ds"] + pd.offsets.MonthEnd(0)
    out.attrs["freq"] = freq
    return out


def simulate_panel(spec: SimulationSpec | None = None, *, dtype=np.float32):
    """Simulate straight into a dense :class:`~workbench.windows.DemandPanel`.

    For large sets (the M5 shape: 30,490 series x 1,941 days) the long table of
    :func:`simulate_demand` costs several GB (59 million rows with string ids); the panel holds
    four ``(S, T)`` arrays of ``dtype`` (float32: 0.95 GB at M5 size) and a small static table.
    Values are the same as :func:`simulate_demand`'s for the same spec (prices to float32
    precision); days before a launch are NaN (no row), as in the long table.

    Returns:
        ``(panel, series)``: the panel and the per-series parameter table.
    """
    from workbench.windows import DemandPanel

    spec = spec or SimulationSpec()
    n = spec.n_skus * sum(1 for d in DC_CATALOGUE if d[2] in spec.regions)
    shape = (n, spec.n_days)
    y = np.empty(shape, dtype=dtype)
    promo = np.empty(shape, dtype=dtype)
    price = np.empty(shape, dtype=dtype)
    holiday = np.empty(shape, dtype=dtype)
    rows, dates = [], None
    for i, (dates, row, a) in enumerate(_series(spec)):
        y[i], promo[i], price[i], holiday[i] = a["y"], a["promo"], a["price"], a["holiday"]
        if a["launch"]:  # no rows before the launch: as DemandPanel.from_frame fills a long table
            launch = a["launch"]
            y[i, :launch] = np.nan
            promo[i, :launch] = holiday[i, :launch] = 0
            price[i, :launch] = a["price"][launch]
        rows.append(row)
    series = pd.DataFrame(rows)
    order = np.argsort(series["unique_id"].to_numpy(), kind="stable")  # DemandPanel.from_frame sorts ids
    if not np.array_equal(order, np.arange(n)):
        y, promo, price, holiday = y[order], promo[order], price[order], holiday[order]
        series = series.iloc[order].reset_index(drop=True)
    static = series[["unique_id", "dc", "state", "region", "family", "sku"]].reset_index(drop=True)
    panel = DemandPanel(series["unique_id"].to_numpy(), dates, y, promo, price, holiday, static, "D")
    return panel, series


def classify_sbc(y: np.ndarray) -> tuple[str, float, float]:
    """Syntetos-Boylan-Croston class of one demand series.

    ADI is the mean interval between non-zero demands (number of periods / number of non-zero
    periods), CV^2 the squared coefficient of variation of the non-zero sizes (population
    variance). Cut-offs 1.32 and 0.49 from Syntetos, Boylan & Croston (2005), J. Oper. Res. Soc.
    56(5), "On the categorization of demand patterns".

    Args:
        y: Demand values (NaN ignored).

    Returns:
        ``(class, adi, cv2)``; a series with no demand at all is ``("lumpy", inf, nan)``.
    """
    y = np.asarray(y, dtype=float)
    y = y[~np.isnan(y)]
    nz = y[y > 0]
    if len(nz) == 0:
        return "lumpy", float("inf"), float("nan")
    adi = len(y) / len(nz)
    cv2 = float(np.var(nz) / np.mean(nz) ** 2)
    if adi < ADI_CUTOFF:
        return ("smooth" if cv2 < CV2_CUTOFF else "erratic"), adi, cv2
    return ("intermittent" if cv2 < CV2_CUTOFF else "lumpy"), adi, cv2
