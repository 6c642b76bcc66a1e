"""The user's own split of a demand file: a split column in time, or separate files, used as given."""

from __future__ import annotations

import pandas as pd
import pytest

from workbench.usecases.supply_chain import default_config
from workbench.usecases.supply_chain.data import DemandDataError
from workbench.usecases.supply_chain.experiment import load_user_split, read_user_table


def _demand(days: int = 200) -> pd.DataFrame:
    dates = pd.date_range("2024-01-01", periods=days, freq="D")
    rows = [{"unique_id": uid, "ds": d.strftime("%Y-%m-%d"), "y": (i * 7 + k) % 5} for k, uid in enumerate(["a", "b"])
            for i, d in enumerate(dates)]
    return pd.DataFrame(rows)


def _split(df: pd.DataFrame, val_from: str, test_from: str) -> pd.Series:
    ds = pd.to_datetime(df["ds"])
    return pd.Series(["train"] * len(df)).mask(ds >= val_from, "val").mask(ds >= test_from, "test")


def test_split_column_sets_the_time_bounds(tmp_path):
    df = _demand()
    df["Teil"] = _split(df, "2024-05-01", "2024-06-01").str.upper()
    df.to_csv(tmp_path / "d.csv", index=False)
    cfg = default_config(smoke=True).with_overrides([f"data.path={tmp_path / 'd.csv'}", "data.split_column=Teil"])
    panel, _, _, (val_start, test_start), record = load_user_split(cfg, read_user_table(cfg))
    assert (str(val_start.date()), str(test_start.date())) == ("2024-05-01", "2024-06-01")
    assert record["source"] == "column" and record["sizes"] == {"train": 2, "val": 2, "test": 2}
    from workbench.usecases.supply_chain.backtest import Split

    split = Split.from_bounds(panel, val_start, test_start, cfg.task)
    assert panel.dates[split.train_end] == pd.Timestamp("2024-05-01") and panel.dates[split.val_end] == pd.Timestamp("2024-06-01")


def test_separate_files_and_a_split_that_is_not_in_time(tmp_path):
    df = _demand()
    parts = _split(df, "2024-05-01", "2024-06-01")
    for name in ("train", "val", "test"):
        df[parts.to_numpy() == name].to_csv(tmp_path / f"{name}.csv", index=False)
    cfg = default_config(smoke=True).with_overrides([f"data.{n}={tmp_path / (n + '.csv')}" for n in ("train", "val", "test")])
    panel, _, _, bounds, record = load_user_split(cfg)
    assert record["source"] == "files" and len(panel.dates) == 200 and record["files"]["test"].endswith("test.csv")
    ds = pd.to_datetime(df["ds"])
    # Series b's training file runs on into the validation and test periods.
    late = df[(ds < "2024-05-01") | ((df["unique_id"] == "b") & (ds <= "2024-06-15"))]
    late.to_csv(tmp_path / "train.csv", index=False)
    with pytest.raises(DemandDataError, match=r"train rows on or after the val start 2024-05-01, e.g. series 'b' on "
                                              r"2024-05-01 \(46 rows\)"):
        load_user_split(cfg)
