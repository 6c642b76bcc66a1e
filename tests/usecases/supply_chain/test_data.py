"""The demand loader: long and wide layouts, and a clear error for every kind of bad input."""

import numpy as np
import pandas as pd
import pytest

from workbench.usecases.supply_chain.data import DemandDataError, read_demand, validate_demand, wide_to_long


def _long(n_days=10, ids=("A", "B")):
    ds = pd.date_range("2024-01-01", periods=n_days, freq="D")
    return pd.DataFrame({"unique_id": np.repeat(ids, n_days), "ds": np.tile(ds, len(ids)),
                         "y": np.arange(n_days * len(ids), dtype=float) % 5})


def _error(df, **kw) -> DemandDataError:
    with pytest.raises(DemandDataError) as err:
        validate_demand(df, source="sales.csv", **kw)
    assert "sales.csv" in str(err.value)
    return err.value


def test_valid_long_table_gets_default_covariates():
    out = validate_demand(_long())
    assert out.attrs["freq"] == "D"
    assert out["promo"].eq(0).all() and out["price"].eq(1.0).all() and out["holiday"].eq(0).all()


def test_duplicate_timestamps_name_the_rows():
    df = pd.concat([_long(), _long().iloc[[3]]], ignore_index=True)
    err = _error(df)
    assert any("duplicate timestamps" in p and "row" in p and "'A'" in p for p in err.problems)


def test_gaps_name_series_and_dates():
    df = _long().drop(index=[4, 5]).reset_index(drop=True)
    err = _error(df)
    assert any("gaps" in p and "'A'" in p and "2024-01-04 -> 2024-01-07" in p for p in err.problems)


def test_negative_demand_names_rows():
    df = _long()
    df.loc[7, "y"] = -3
    err = _error(df)
    assert any("negative demand" in p and "rows 8" in p and "expected demand >= 0" in p for p in err.problems)


def test_unsorted_dates_within_a_series():
    df = _long()
    df.iloc[[2, 3]] = df.iloc[[3, 2]].to_numpy()
    err = _error(df)
    assert any("not sorted" in p and "'A'" in p for p in err.problems)


def test_mixed_frequencies_across_series():
    a = _long(ids=("A",))
    b = pd.DataFrame({"unique_id": "B", "ds": pd.date_range("2024-01-01", periods=5, freq="7D"), "y": 1.0})
    err = _error(pd.concat([a, b], ignore_index=True))
    assert any("mixed frequencies across series" in p and "'B' every 7 day" in p for p in err.problems)


def test_mixed_frequencies_within_a_series():
    ds = pd.to_datetime(["2024-01-01", "2024-01-08", "2024-01-15", "2024-01-18"])
    err = _error(pd.DataFrame({"unique_id": "A", "ds": ds, "y": 1.0}))
    assert any("mixed frequencies within series 'A'" in p for p in err.problems)


def test_unknown_columns_are_listed_with_the_allowed_ones():
    df = _long().assign(Filiale="x", comment="y")
    err = _error(df)
    assert any("unknown column(s) ['Filiale', 'comment']" in p and "allowed" in p for p in err.problems)
    validate_demand(df.drop(columns="comment"), extra_static=("Filiale",))   # accepted when declared


def test_missing_columns_and_bad_dates_and_values_all_at_once():
    df = pd.DataFrame({"unique_id": ["A", "A"], "ds": ["2024-01-01", "kein Datum"], "y": [1, "viel"],
                       "promo": [0, 2]})
    err = _error(df)
    text = "\n".join(err.problems)
    assert "not dates" in text and "rows 2" in text and "not numeric" in text and "not 0/1" in text
    err = _error(pd.DataFrame({"id": ["A"], "date": ["2024-01-01"]}))
    assert "missing required column(s) ['unique_id', 'ds', 'y']" in err.problems[0]


def test_weekly_data_is_accepted_with_holidays_from_state():
    ds = pd.date_range("2024-12-23", periods=4, freq="7D")                  # Mondays
    df = pd.DataFrame({"unique_id": "A", "ds": ds, "y": 1.0, "state": "BY"})
    out = validate_demand(df)
    assert out.attrs["freq"] == "W"
    assert out["holiday"].tolist() == [1, 1, 1, 0]   # weeks of Christmas, New Year, 6 Jan (Bavaria)


def test_daily_holidays_filled_from_german_state():
    df = pd.DataFrame({"unique_id": "A", "ds": pd.date_range("2024-10-30", periods=4), "y": 1.0, "state": "SN"})
    assert validate_demand(df)["holiday"].tolist() == [0, 1, 0, 0]           # 31 Oct in Saxony


def test_csv_with_semicolons_bom_and_column_mapping(tmp_path):
    path = tmp_path / "export.csv"
    text = "artikel;datum;menge;aktion\nA;2024-01-01;3;0\nA;2024-01-02;4;1\nA;2024-01-03;0;0\n"
    path.write_bytes("\ufeff".encode() + text.encode())
    out = read_demand(path, columns={"artikel": "unique_id", "datum": "ds", "menge": "y", "aktion": "promo"})
    assert out["y"].tolist() == [3.0, 4.0, 0.0] and out["promo"].tolist() == [0, 1, 0]
    with pytest.raises(DemandDataError, match="columns mapping names \\['Menge'\\]"):
        read_demand(path, columns={"Menge": "y"})


def test_parquet_round_trip(tmp_path, tiny_demand):
    path = tmp_path / "d.parquet"
    tiny_demand.to_parquet(path)
    out = read_demand(path)
    assert len(out) == len(tiny_demand) and out.attrs["freq"] == "D"


def test_m5_wide_layout(tmp_path):
    wide = pd.DataFrame({"id": ["FOODS_1_001_CA_1", "FOODS_1_002_CA_1"], "item_id": ["FOODS_1_001", "FOODS_1_002"],
                         "store_id": ["CA_1", "CA_1"], "state_id": ["CA", "CA"], "d_1": [3, 0], "d_2": [0, 1],
                         "d_3": [2, 2]})
    long = wide_to_long(wide)
    assert long["ds"].min() == pd.Timestamp("2011-01-29") and long["ds"].max() == pd.Timestamp("2011-01-31")
    assert set(long.columns) == {"unique_id", "ds", "y", "item_id", "store_id", "state_id"}
    path = tmp_path / "sales_train_validation.csv"
    wide.to_csv(path, index=False)
    out = read_demand(path)                                                # detected as wide
    assert out.loc[out["unique_id"] == "FOODS_1_001_CA_1", "y"].tolist() == [3.0, 0.0, 2.0]
    assert out["holiday"].eq(0).all()                                        # CA is no German state


def test_wide_layout_with_iso_dates_and_errors(tmp_path):
    wide = pd.DataFrame({"unique_id": ["A"], "2024-01-01": [1], "2024-01-02": [2]})
    assert wide_to_long(wide)["y"].tolist() == [1, 2]
    with pytest.raises(DemandDataError, match="no day columns"):
        wide_to_long(pd.DataFrame({"id": ["A"], "x": [1]}))
    path = tmp_path / "w.csv"
    pd.DataFrame({"id": ["A"], "d_1": [-1], "d_2": [1]}).to_csv(path, index=False)
    with pytest.raises(DemandDataError, match="negative demand"):
        read_demand(path, format="wide")


def test_unsupported_file_type(tmp_path):
    path = tmp_path / "d.xlsx"
    path.write_bytes(b"x")
    with pytest.raises(DemandDataError, match="unsupported file type"):
        read_demand(path)
    with pytest.raises(FileNotFoundError):
        read_demand(tmp_path / "missing.csv")


@pytest.mark.parametrize("freq", ["MS", "ME"])
def test_monthly_data_is_accepted_and_backtested(freq):
    """Issue 12: monthly data was refused ("frequency of 31 days is not supported")."""
    from workbench.usecases.supply_chain.backtest import Split, forecast_baseline, simulate_portfolio
    from workbench.usecases.supply_chain.baselines import SeasonalNaive
    from workbench.usecases.supply_chain.config import SupplyTaskArgs
    from workbench.windows import DemandPanel

    rng = np.random.default_rng(0)
    dates = pd.date_range("2019-01-01", periods=48, freq=freq)
    df = pd.concat([pd.DataFrame({"unique_id": uid, "ds": dates, "y": rng.poisson(20, len(dates)), "state": "SN"})
                    for uid in ("a", "b")])
    out = validate_demand(df)
    assert out.attrs["freq"] == freq and (out["holiday"] == 0).all()
    panel = DemandPanel.from_frame(out)
    assert len(panel.dates) == 48 and panel.dates[1] == dates[1]
    task = SupplyTaskArgs(horizon=4, lead_time=1, review_period=1, test_periods=6, val_periods=3, min_history=12)
    split = Split.from_args(len(panel.dates), task)
    fc = forecast_baseline(SeasonalNaive(task.quantiles, task.horizon), panel, split.test_origins(panel, task), split)
    frame = fc.frame(panel)
    assert set(frame["ds"]) <= set(dates) | set(pd.date_range(dates[-1], periods=5, freq=freq))
    _, tot = simulate_portfolio(fc, panel, task.inventory_policy())
    assert tot["meaningful"] and 0 < tot["fill_rate"] <= 1
    gappy = df.drop(index=df.index[(df["unique_id"] == "a") & (df["ds"] == dates[5])])
    with pytest.raises(DemandDataError, match="missing stretch"):
        validate_demand(gappy)
