"""The simulator's properties: seasonality, holidays per state, intermittency classes, launches."""

import numpy as np
import pandas as pd
import pytest

from workbench.usecases.supply_chain.simulate import (SimulationSpec, classify_sbc, holiday_flags,
                                                      simulate_demand)


@pytest.fixture(scope="module")
def sim():
    return simulate_demand(SimulationSpec(n_skus=40, n_days=730, seed=0))


def test_columns_and_reproducible():
    a = simulate_demand(SimulationSpec(n_skus=3, n_days=100, regions=("Süd",), seed=7))
    b = simulate_demand(SimulationSpec(n_skus=3, n_days=100, regions=("Süd",), seed=7))
    assert list(a.demand.columns) == ["unique_id", "ds", "y", "promo", "price", "holiday", "dc", "state", "region",
                                      "family", "sku"]
    pd.testing.assert_frame_equal(a.demand, b.demand)
    assert (a.demand["y"] >= 0).all() and (a.demand["price"] > 0).all()


def test_weekly_and_yearly_seasonality(sim):
    d = sim.demand
    smooth = d[d["unique_id"].isin(sim.series.loc[sim.series.sbc_class == "smooth", "unique_id"])]
    by_dow = smooth.groupby(smooth["ds"].dt.dayofweek)["y"].mean()
    assert by_dow[6] < 0.5 * by_dow[[0, 1, 2, 3, 4]].mean()          # Sunday: DCs hardly deliver
    drinks = smooth[smooth["family"] == "getränke"]
    by_month = drinks.groupby(drinks["ds"].dt.month)["y"].mean()
    assert by_month[[6, 7, 8]].mean() > 1.3 * by_month[[12, 1, 2]].mean()  # drinks peak in summer
    heating = smooth[smooth["family"] == "heizung"]
    by_month = heating.groupby(heating["ds"].dt.month)["y"].mean()
    assert by_month[[12, 1, 2]].mean() > 1.3 * by_month[[6, 7, 8]].mean()


@pytest.mark.parametrize("date,state,expected", [
    ("2024-01-06", "BY", 1), ("2024-01-06", "NW", 0),              # Heilige Drei Koenige: BY, BW, ST only
    ("2024-10-31", "SN", 1), ("2024-10-31", "BY", 0),              # Reformationstag: eastern and northern states
    ("2024-11-01", "NW", 1), ("2024-11-01", "BE", 0),              # Allerheiligen: BW, BY, NW, RP, SL
    ("2024-11-20", "SN", 1), ("2024-11-20", "HH", 0),              # Buss- und Bettag: Saxony only
    ("2024-05-30", "HE", 1), ("2024-05-30", "NI", 0),              # Fronleichnam
    ("2024-03-08", "BE", 1), ("2024-03-08", "HH", 0),              # Frauentag: Berlin (and MV from 2023)
    ("2024-12-25", "HH", 1), ("2024-07-15", "BY", 0),
])
def test_holiday_flags_per_state(date, state, expected):
    assert holiday_flags(pd.DatetimeIndex([date]), state)[0] == expected


def test_simulated_holidays_on_the_right_dates_and_demand_drops(sim):
    d = sim.demand
    for dc, state in (("DC-MUC", "BY"), ("DC-LEI", "SN"), ("DC-BER", "BE")):
        sub = d[d["dc"] == dc].drop_duplicates("ds")
        np.testing.assert_array_equal(sub["holiday"].to_numpy(), holiday_flags(sub["ds"], state))
    muc = d[(d["dc"] == "DC-MUC") & d["unique_id"].isin(sim.series.loc[sim.series.sbc_class == "smooth", "unique_id"])]
    workday = muc[muc["ds"].dt.dayofweek < 5]
    assert workday.loc[workday["holiday"] == 1, "y"].mean() < 0.3 * workday.loc[workday["holiday"] == 0, "y"].mean()
    # 2023-11-01 (Allerheiligen) is a holiday in Bavaria but not in Saxony.
    day = d[d["ds"] == "2023-11-01"]
    assert day.loc[day["state"] == "BY", "holiday"].eq(1).all() and day.loc[day["state"] == "SN", "holiday"].eq(0).all()


def test_intermittency_class_rates_match_the_spec(sim):
    """Realised Syntetos-Boylan classes of the generated series match the requested mix."""
    realised = sim.demand.groupby("unique_id")["y"].apply(lambda s: classify_sbc(s.to_numpy())[0])
    rates = realised.value_counts(normalize=True)
    for klass, share in SimulationSpec().class_mix.items():
        assert abs(rates.get(klass, 0.0) - share) < 0.08, (klass, rates.to_dict())
    agree = (sim.series.set_index("unique_id")["sbc_class"] == realised.reindex(sim.series["unique_id"])).mean()
    assert agree > 0.9


def test_classify_sbc_cutoffs():
    assert classify_sbc(np.array([5, 6, 5, 6, 5, 6.0]))[0] == "smooth"
    assert classify_sbc(np.array([1, 20, 1, 30, 2, 40.0]))[0] == "erratic"
    assert classify_sbc(np.array([0, 0, 3, 0, 0, 3, 0, 4.0]))[0] == "intermittent"
    klass, adi, cv2 = classify_sbc(np.array([0, 0, 1, 0, 0, 30, 0, 2.0]))
    assert klass == "lumpy" and adi == pytest.approx(8 / 3) and cv2 > 0.49


def test_launches_have_no_history_and_regions_differ(sim):
    launched = sim.series.dropna(subset=["launch"])
    assert len(launched) > 0
    for _, row in launched.head(3).iterrows():
        first = sim.demand.loc[sim.demand["unique_id"] == row["unique_id"], "ds"].min()
        assert first == row["launch"] and first > pd.Timestamp("2023-01-02")
    d = sim.demand
    prof = d.groupby(["region", d["ds"].dt.dayofweek])["y"].mean().unstack()
    prof = prof.div(prof.mean(axis=1), axis=0)
    assert prof.loc["Ost", 0] > prof.loc["West", 0] + 0.1          # Monday peak only in the new region


def test_spec_problems_are_all_listed():
    spec = SimulationSpec(n_skus=0, regions=("Mars",), class_mix={"smooth": 0.5})
    with pytest.raises(ValueError) as err:
        simulate_demand(spec)
    msg = str(err.value)
    assert "n_skus" in msg and "Mars" in msg and "sum to 1" in msg


def test_summed_demand_sums_whole_weeks_and_months_only():
    from workbench.usecases.supply_chain.simulate import summed_demand
    from workbench.windows import DemandPanel

    daily = simulate_demand(SimulationSpec(n_skus=2, n_days=100, regions=("Süd",), seed=3)).demand  # Mon 2 Jan 2023 ->
    daily["ds"] = pd.to_datetime(daily["ds"])
    weekly = summed_demand(daily, "W")
    assert weekly.attrs["freq"] == "W" and (weekly["ds"].dt.dayofweek == 0).all()
    one = daily[(daily["unique_id"] == daily["unique_id"].iloc[0]) & daily["ds"].between("2023-01-09", "2023-01-15")]
    row = weekly[(weekly["unique_id"] == one["unique_id"].iloc[0]) & (weekly["ds"] == "2023-01-09")].iloc[0]
    assert row["y"] == one["y"].sum() and row["promo"] == one["promo"].max()
    assert row["price"] == pytest.approx(one["price"].mean()) and row["dc"] == one["dc"].iloc[0]
    assert weekly["ds"].max() == pd.Timestamp("2023-04-03")  # 100 days end Tue 11 Apr: that week is cut, so dropped
    monthly = summed_demand(daily, "MS")
    # January lacks the 1st and April ends on the 11th: only February and March are whole months.
    assert sorted(monthly["ds"].unique()) == [pd.Timestamp("2023-02-01"), pd.Timestamp("2023-03-01")]
    assert DemandPanel.from_frame(monthly).freq == "MS"
    assert summed_demand(daily, "ME")["ds"].min() == pd.Timestamp("2023-02-28")
    with pytest.raises(ValueError, match="sums to weeks"):
        summed_demand(daily, "D")
