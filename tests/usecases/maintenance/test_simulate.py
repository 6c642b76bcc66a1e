"""Simulator statistics: turbofan lifetimes and monotone wear; AI4I failure rules and rates."""

import numpy as np
import pytest

from workbench.usecases.maintenance.data import load_ai4i, load_cmapss
from workbench.usecases.maintenance.simulate import (REGIMES, FleetSpec, ai4i_rule_flags, simulate_ai4i,
                                                     simulate_fleet, write_cmapss)


@pytest.fixture(scope="module")
def fd001_like():
    return simulate_fleet(FleetSpec.preset("FD001", n_train=60, n_test=40, seed=3))


def test_lifetimes_resemble_fd001(fd001_like):
    life = fd001_like.train.groupby("unit")["cycle"].max()
    # FD001's training engines live 128-362 cycles, mean 206 (train_FD001.txt).
    assert 150 < life.mean() < 260 and life.min() > 60 and life.max() < 450
    assert life.std() > 20  # engines differ (initial wear, onset, rate)


def test_health_index_degrades_monotonically_to_failure(fd001_like):
    for _, g in fd001_like.train.groupby("unit"):
        h = g["health"].to_numpy()
        assert np.all(np.diff(h) <= 1e-12), "health must never improve"
        assert h[0] > 0.7 and 0 <= h[-1] < 0.15, "engines start healthy-ish and run to failure"
        d = np.diff(h)
        assert d[-1] == d.min(), "exponential wear: the last step is the steepest"
    # the degradation shows in the sensors: s4 (HPC outlet temperature) rises towards failure
    first = fd001_like.train[fd001_like.train["cycle"] <= 20]["s4"].mean()
    last = fd001_like.train.groupby("unit").tail(10)["s4"].mean()
    assert last - first > 10  # FD001: +24.6 K


def test_test_engines_are_cut_before_failure_with_true_rul(fd001_like):
    te, rul = fd001_like.test, fd001_like.test_rul
    assert (rul > 0).all() and len(rul) == te["unit"].nunique()
    last = te.groupby("unit").tail(1).set_index("unit")
    np.testing.assert_array_equal(last["rul"].to_numpy(), rul.loc[last.index].to_numpy())


def test_multi_condition_two_fault_fleet_round_trips_through_cmapss_files(tmp_path):
    fleet = simulate_fleet(FleetSpec.preset("FD004", n_train=12, n_test=10, seed=5))
    assert fleet.train["condition"].nunique() == len(REGIMES)
    assert set(fleet.train["fault_mode"]) == {"hpc", "fan"}
    paths = write_cmapss(fleet, tmp_path, "FD004")
    lines = paths["train"].read_text().splitlines()
    assert len(lines[0].split()) == 26 and lines[0].endswith("  ")
    data = load_cmapss(paths["train"], paths["test"], paths["rul"])
    assert len(data.train) == len(fleet.train) and data.test["unit"].nunique() == 10
    np.testing.assert_array_equal(data.test_rul.to_numpy(), fleet.test_rul.sort_index().to_numpy())
    np.testing.assert_allclose(data.train["s9"], fleet.train["s9"], atol=1e-2)


def test_fleet_spec_problems_are_listed():
    with pytest.raises(ValueError, match="n_conditions.*fault_modes"):
        simulate_fleet(FleetSpec(n_conditions=9, fault_modes=["gearbox"]))
    with pytest.raises(ValueError, match="unknown fleet preset"):
        FleetSpec.preset("FD009")


def test_ai4i_generator_follows_the_published_rules():
    df = simulate_ai4i(n=10_000, seed=1)
    flags = ai4i_rule_flags(df)
    for col in ("HDF", "PWF", "OSF"):
        np.testing.assert_array_equal(df[col].to_numpy(), flags[col].astype(int).to_numpy())
    assert (df["Machine failure"] == df[["TWF", "HDF", "PWF", "OSF", "RNF"]].max(axis=1)).all()
    # TWF: tool replaced or failing at a tool wear between 200 and 240 min (Matzka 2020)
    assert df.loc[df["TWF"] == 1, "Tool wear [min]"].between(200, 245).all()
    assert 0 < df["TWF"].sum() < 120
    assert 0 <= df["RNF"].sum() <= 30  # 0.1 % of 10,000 = 10 expected
    shares = df["Type"].value_counts(normalize=True)
    assert abs(shares["L"] - 0.6) < 0.03 and abs(shares["H"] - 0.1) < 0.03
    # overall failure rate of the same order as the released data (3.4 %)
    assert 0.015 < df["Machine failure"].mean() < 0.07
    assert abs(df["Air temperature [K]"].mean() - 300) < 3 and abs(df["Torque [Nm]"].mean() - 40) < 1
    assert (df["Process temperature [K]"] - df["Air temperature [K]"]).mean() == pytest.approx(10, abs=0.5)


def test_real_ai4i_obeys_the_same_rules(shared_data):
    """The rule implementation is checked against the released file: HDF, PWF, OSF match row for row."""
    df = load_ai4i(shared_data / "ai4i2020" / "ai4i2020.csv")
    flags = ai4i_rule_flags(df)
    for col in ("HDF", "PWF", "OSF"):
        assert (df[col].astype(bool) == flags[col]).all(), col
    assert ((df[["TWF", "HDF", "PWF", "OSF", "RNF"]].sum(axis=1) == 0) & (df["Machine failure"] == 1)).sum() == 9
