"""M5-style covariates: events, SNAP days, separate calendar and price files, pre-launch zeros."""

from __future__ import annotations

import pandas as pd
import pytest

from workbench.usecases.supply_chain.data import DemandDataError, read_demand


@pytest.fixture()
def m5_files(tmp_path):
    days = [f"d_{i}" for i in range(1, 15)]
    wide = pd.DataFrame([
        {"id": "A_CA_1", "item_id": "A", "store_id": "CA_1", "state_id": "CA", **{d: 0 for d in days[:4]},
         **{d: 3 for d in days[4:]}},                                                 # listed from day 5
        {"id": "B_TX_1", "item_id": "B", "store_id": "TX_1", "state_id": "TX", **{d: 2 for d in days}},
    ])
    dates = pd.date_range("2011-01-29", periods=14, freq="D")
    calendar = pd.DataFrame({"date": dates.strftime("%Y-%m-%d"), "wm_yr_wk": [11101] * 7 + [11102] * 7,
                             "d": days, "event_name_1": [""] * 3 + ["SuperBowl"] + [""] * 10,
                             "event_type_1": [""] * 3 + ["Sporting"] + [""] * 10,
                             "snap_CA": [1, 0] * 7, "snap_TX": [0, 1] * 7})
    prices = pd.DataFrame({"store_id": ["CA_1", "CA_1", "TX_1", "TX_1"], "item_id": ["A", "A", "B", "B"],
                           "wm_yr_wk": [11101, 11102, 11101, 11102], "sell_price": [1.0, 1.5, 2.0, 2.0]})
    paths = {k: tmp_path / f"{k}.csv" for k in ("sales", "calendar", "prices")}
    wide.to_csv(paths["sales"], index=False)
    calendar.to_csv(paths["calendar"], index=False)
    prices.to_csv(paths["prices"], index=False)
    return paths


def test_calendar_and_prices_join_and_fold_into_channels(m5_files):
    df = read_demand(m5_files["sales"], calendar=m5_files["calendar"], prices=m5_files["prices"])
    a = df[df["unique_id"] == "A_CA_1"].set_index("ds")
    b = df[df["unique_id"] == "B_TX_1"].set_index("ds")
    superbowl = pd.Timestamp("2011-02-01")
    assert a.loc[superbowl, "holiday"] == 1 and a["holiday"].sum() == 1            # the event day only
    assert list(a["promo"][:4]) == [1, 0, 1, 0] and list(b["promo"][:4]) == [0, 1, 0, 1]   # own state's SNAP
    assert a.loc[pd.Timestamp("2011-01-29"), "price"] == 1.0 and a.loc[pd.Timestamp("2011-02-06"), "price"] == 1.5
    assert len(a) == 14                                                            # zeros count as demand


def test_leading_zeros_can_mean_not_yet_listed(m5_files):
    df = read_demand(m5_files["sales"], calendar=m5_files["calendar"], leading_zeros="missing")
    a = df[df["unique_id"] == "A_CA_1"]
    assert len(a) == 10 and a["ds"].min() == pd.Timestamp("2011-02-02") and (a["y"] == 3).all()
    assert len(df[df["unique_id"] == "B_TX_1"]) == 14


def test_long_file_with_event_and_snap_columns(tmp_path):
    path = tmp_path / "long.csv"
    pd.DataFrame({"unique_id": ["x"] * 4, "ds": pd.date_range("2024-01-01", periods=4).strftime("%Y-%m-%d"),
                  "y": [1, 2, 3, 4], "event_name_1": ["", "Ostern", "", ""], "snap": [0, 0, 1, 0]}).to_csv(path, index=False)
    df = read_demand(path)
    assert list(df["holiday"]) == [0, 1, 0, 0] and list(df["promo"]) == [0, 0, 1, 0]


def test_bad_snap_values_and_missing_price_columns_are_named(tmp_path, m5_files):
    path = tmp_path / "long.csv"
    pd.DataFrame({"unique_id": ["x"] * 3, "ds": ["2024-01-01", "2024-01-02", "2024-01-03"], "y": [1, 2, 3],
                  "snap": [0, 2, 1]}).to_csv(path, index=False)
    with pytest.raises(DemandDataError, match=r"snap: 1 value\(s\) not 0/1, rows 2"):
        read_demand(path)
    bad_prices = tmp_path / "p.csv"
    pd.DataFrame({"store_id": ["CA_1"], "item_id": ["A"], "price": [1.0]}).to_csv(bad_prices, index=False)
    with pytest.raises(DemandDataError, match=r"missing column\(s\) \['wm_yr_wk', 'sell_price'\]"):
        read_demand(m5_files["sales"], calendar=m5_files["calendar"], prices=bad_prices)
