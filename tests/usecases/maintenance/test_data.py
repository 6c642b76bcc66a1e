"""Loaders on the real files and on broken ones; preprocessing; the unit split cannot leak."""

import numpy as np
import pandas as pd
import pytest

from workbench.usecases.maintenance.data import (CMapssPreprocessor, ConditionMap, DataFormatError, add_test_rul,
                                                 add_train_rul, ai4i_features, constant_sensors, load_ai4i,
                                                 load_cmapss, read_process_log, split_units, stratified_split)
from workbench.usecases.maintenance.simulate import FleetSpec, simulate_fleet


@pytest.fixture(scope="module")
def fd001(shared_data):
    d = shared_data / "cmapss"
    return load_cmapss(d / "train_FD001.txt", d / "test_FD001.txt", d / "RUL_FD001.txt")


def test_real_cmapss_fd001_loads(fd001):
    assert len(fd001.train) == 20631 and fd001.train["unit"].nunique() == 100
    assert len(fd001.test) == 13096 and len(fd001.test_rul) == 100
    assert fd001.test_rul.loc[1] == 112 and fd001.train.shape[1] == 26
    assert constant_sensors(fd001.train) == ["s1", "s5", "s6", "s10", "s16", "s18", "s19"]


def test_real_ai4i_loads_with_bom_and_crlf(shared_data):
    df = load_ai4i(shared_data / "ai4i2020" / "ai4i2020.csv")
    assert df.columns[0] == "UDI"  # not "\ufeffUDI"
    assert len(df) == 10_000 and df["Machine failure"].sum() == 339
    assert ((df["RNF"] == 1) & (df["Machine failure"] == 0)).sum() == 18
    feats = ai4i_features(df)
    assert {"dT", "power", "strain", "quality"} <= set(feats.columns) and not feats.isna().any().any()


def _write(path, rows):
    path.write_text("\n".join(" ".join(map(str, r)) + "  " for r in rows) + "\n")
    return path


def _row(unit, cycle, value=1.0):
    return [unit, cycle, 0.0, 0.0, 100.0] + [value] * 21


@pytest.mark.parametrize("rows, match", [
    ([_row(1, 1), _row(1, 2)[:-1]], r"line 2: expected 26 .* found 25"),
    ([_row(1, 1), _row(1, 2)[:10] + ["abc"] + _row(1, 2)[11:]], r"row 2, column 11 \(s6\): 'abc' is not a number"),
    ([_row(1, 1), _row(1, 3)], r"unit 1 has a gap .* expected cycle 2, found 3"),
    ([_row(1, 1), _row(1, 2, "nan")], r"NaN"),
])
def test_broken_cmapss_files_get_clear_errors(tmp_path, rows, match):
    with pytest.raises(DataFormatError, match=match):
        load_cmapss(_write(tmp_path / "train_X.txt", rows))


def test_rul_file_must_match_test_units(tmp_path):
    tr = _write(tmp_path / "train.txt", [_row(1, 1), _row(1, 2)])
    te = _write(tmp_path / "test.txt", [_row(1, 1), _row(2, 1)])
    rul = tmp_path / "RUL.txt"
    rul.write_text("10\n")
    with pytest.raises(DataFormatError, match="1 RUL values but .* 2 units"):
        load_cmapss(tr, te, rul)
    rul.write_text("10\n-3\n")
    with pytest.raises(DataFormatError, match="line 2"):
        load_cmapss(tr, te, rul)


def test_broken_ai4i_file(tmp_path, shared_data):
    lines = (shared_data / "ai4i2020" / "ai4i2020.csv").read_text(encoding="utf-8-sig").splitlines()[:5]
    bad = tmp_path / "a.csv"
    bad.write_text("\n".join([lines[0]] + [lines[1].replace(",M,", ",X,")] + lines[2:]))
    with pytest.raises(DataFormatError, match="row 2, column 'Type'"):
        load_ai4i(bad)
    bad.write_text("\n".join([lines[0].replace(",Torque [Nm]", "")] + lines[1:]))
    with pytest.raises(DataFormatError, match="missing columns"):
        load_ai4i(bad)


def test_a_process_log_to_predict_needs_the_process_columns_only(tmp_path, shared_data):
    lines = (shared_data / "ai4i2020" / "ai4i2020.csv").read_text(encoding="utf-8-sig").splitlines()[:6]
    cols = lines[0].split(",")
    keep = [i for i, c in enumerate(cols) if c in ("Type", "Air temperature [K]", "Process temperature [K]",
                                                   "Rotational speed [rpm]", "Torque [Nm]", "Tool wear [min]")]
    log = tmp_path / "log.csv"
    log.write_text("\n".join(",".join(line.split(",")[i] for i in keep) + ",Schicht" for line in lines))
    frame = read_process_log(log)  # no ids, no failure flags; an extra column is kept
    assert len(frame) == 5 and list(frame.columns)[-1] == "Schicht" and frame["Torque [Nm]"].dtype.kind == "f"
    log.write_text(log.read_text().replace("\nM,", "\n?,", 1))  # the first data row starts with type M
    with pytest.raises(DataFormatError, match=r"log.csv, row 2, column 'Type': expected L, M or H"):
        read_process_log(log)
    with pytest.raises(FileNotFoundError, match=r"\(a folder: give one file\)"):
        read_process_log(tmp_path)


def test_rul_targets_and_cap():
    f = pd.DataFrame({"unit": [1, 1, 1], "cycle": [1, 2, 3]})
    tr = add_train_rul(f, cap=1)
    assert tr["rul"].tolist() == [2, 1, 0] and tr["rul_capped"].tolist() == [1, 1, 0]
    te = add_test_rul(f, pd.Series({1: 200}), cap=125)
    assert te["rul"].tolist() == [202, 201, 200] and te["rul_capped"].max() == 125


def test_split_by_unit_never_leaks_a_units_future():
    """Every row, window and scaler statistic of a validation unit stays out of training."""
    fleet = simulate_fleet(FleetSpec.preset("FD002", n_train=20, n_test=0, seed=2))
    frame = add_train_rul(fleet.train[[c for c in fleet.train.columns if c != "rul"]])
    tr_u, va_u = split_units(frame["unit"], 0.25, seed=0)
    assert len(va_u) == 5 and not set(tr_u) & set(va_u) and set(tr_u) | set(va_u) == set(frame["unit"])
    tr, va = frame[frame["unit"].isin(tr_u)], frame[frame["unit"].isin(va_u)]
    pre = CMapssPreprocessor(window=16).fit(tr)
    w_tr, w_va = pre.windows(tr), pre.windows(va)
    assert not set(w_tr.ids) & set(w_va.ids)
    # no validation window appears among the training windows
    train_set = {x.tobytes() for x in w_tr.X}
    assert not any(x.tobytes() in train_set for x in w_va.X)
    # scaler statistics are those of the training units only, per operating condition
    cond = pre.conditions_.assign(tr)
    assert pre.conditions_.n == 6
    for c in range(6):
        expected = tr.loc[cond == c, "s9"].mean()
        assert pre.scaler_.stats_[str(c)]["mean"]["s9"] == pytest.approx(expected)
    # after per-condition normalisation the regimes no longer dominate: each condition's mean is ~0
    z = pre.transform(tr)
    assert z.groupby("condition")["s9"].mean().abs().max() < 1e-6
    # same seed, same split
    assert np.array_equal(split_units(frame["unit"], 0.25, seed=0)[1], va_u)


def test_condition_map_single_regime_and_preprocessor_round_trip(fd001):
    cm = ConditionMap.fit(fd001.train)
    assert cm.n == 1
    pre = CMapssPreprocessor(window=30).fit(add_train_rul(fd001.train))
    assert len(pre.channels) == 14
    again = CMapssPreprocessor.from_dict(pre.to_dict())
    test = add_test_rul(fd001.test, fd001.test_rul)
    a, b = pre.windows(test, "rul", last_only=True), again.windows(test, "rul", last_only=True)
    np.testing.assert_array_equal(a.X, b.X)
    assert a.X.shape == (100, 30, 14) and list(a.y[:3]) == [112, 98, 69]


def test_stratified_split_is_fixed_and_stratified():
    y = np.r_[np.ones(50), np.zeros(950)].astype(int)
    tr, va, te = stratified_split(y, seed=0)
    assert len(set(tr) | set(va) | set(te)) == 1000 and not set(tr) & set(te)
    assert y[te].sum() == 10 and y[tr].sum() == 35
    assert np.array_equal(stratified_split(y, seed=0)[2], te)
