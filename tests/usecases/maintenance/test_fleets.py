"""The development protocol of issue 12: the fleet family, leave-one-fleet-out, validation-only choices,
the fleet-adaptive step and the lazily cut windows of large fleets."""

import numpy as np
import pytest

from workbench.config import LoraArgs, TrainArgs
from workbench.usecases.maintenance.config import MaintenanceTaskArgs
from workbench.usecases.maintenance.data import CMapssPreprocessor, add_train_rul
from workbench.usecases.maintenance.evaluation import maintenance_verdict
from workbench.usecases.maintenance.model import RULEstimator, pretrain_base
from workbench.usecases.maintenance.simulate import (FLEET_FAMILY, FleetSpec, dead_sensor_columns, fleet_family,
                                                     simulate_fleet)

TINY = dict(pretrain_units=6, pretrain_epochs=1, pretrain_max_windows=256, window=16, patch_length=4, patch_stride=4,
            d_model=16, num_layers=1, num_heads=2, ffn_dim=32, dropout=0.0)
TRAIN = TrainArgs(max_epochs=1, batch_size=64, lr=3e-3, progress_bar=False, logger="none")


def test_the_family_differs_in_what_matters():
    specs = fleet_family()
    assert set(specs) == set(FLEET_FAMILY)
    assert {s.n_conditions for s in specs.values()} == {1, 6}
    assert {len(s.fault_modes) for s in specs.values()} == {1, 2}
    assert min(s.n_train for s in specs.values()) == 20 and max(s.n_train for s in specs.values()) == 250
    assert any(s.dead_sensors for s in specs.values()) and len({s.noise_scale for s in specs.values()}) > 1
    assert len({s.seed for s in specs.values()}) == len(specs)  # each fleet its own engines
    small = fleet_family(["short-lives", "long-noisy"], scale=0.1)
    lives = {n: simulate_fleet(s).train.groupby("unit")["cycle"].max().mean() for n, s in small.items()}
    assert lives["short-lives"] < 0.7 * lives["long-noisy"]
    with pytest.raises(ValueError, match="unknown fleets"):
        fleet_family(["FD005"])


def test_dead_sensors_are_constant_in_train_and_test_and_dropped():
    spec = FleetSpec(n_train=8, n_test=4, dead_sensors=3, seed=5)
    dead = dead_sensor_columns(spec)
    assert len(dead) == 3
    fleet = simulate_fleet(spec)
    for col in dead:
        assert fleet.train[col].nunique() == 1 and fleet.test[col].nunique() == 1
    pre = CMapssPreprocessor(window=16).fit(add_train_rul(fleet.train))
    assert not set(dead) & set(pre.sensors_) and len(pre.sensors_) >= 5
    assert FleetSpec(dead_sensors=40).problems()


def test_leave_one_fleet_out_chooses_on_other_fleets_validation_only():
    from benchmarks.bench_fleets import leave_one_fleet_out

    rows = {  # recipe "b" is better on validation everywhere except on fleet z, where its *test* is great
        "a": {"x": {"val_ratio": 1.0, "ratio_raw": 1.0, "ratio_capped": 1.0},
              "y": {"val_ratio": 1.0, "ratio_raw": 1.1, "ratio_capped": 1.1},
              "z": {"val_ratio": 0.5, "ratio_raw": 2.0, "ratio_capped": 2.0}},
        "b": {"x": {"val_ratio": 0.9, "ratio_raw": 0.9, "ratio_capped": 0.9},
              "y": {"val_ratio": 0.9, "ratio_raw": 0.95, "ratio_capped": 0.95},
              "z": {"val_ratio": 3.0, "ratio_raw": 0.1, "ratio_capped": 0.1}},
    }
    out = leave_one_fleet_out(rows)["per_fleet"]
    assert out["z"]["chosen"] == "b" and out["z"]["ratio_raw"] == 0.1  # chosen on x and y, scored on z
    # for x: mean val on y, z is a=0.75 < b=1.95, so a is chosen although b's test on x is better
    assert out["x"]["chosen"] == "a" and out["x"]["ratio_raw"] == 1.0
    assert leave_one_fleet_out({"a": {"x": {}}}) == {}


def test_recipes_keep_list_values_and_kept_runs_are_read_back_only_with_the_same_settings(tmp_path):
    from benchmarks.bench_fleets import parse_recipes
    from benchmarks.kept import read_kept, write_kept

    assert parse_recipes(["default:", "hc:task.extra_inputs=[health, cycle],task.adapt_epochs=2"]) == {
        "default": [], "hc": ["task.extra_inputs=[health, cycle]", "task.adapt_epochs=2"]}
    key = {"overrides": ["task.adapt_epochs=2"], "seed": 0, "scale": 1.0, "smoke": False}
    done = tmp_path / "rows" / "x--hc.json"
    assert read_kept(done, key) is None  # nothing kept yet
    write_kept(done, key, {"ratio_raw": 0.9})
    assert read_kept(done, key) == {"ratio_raw": 0.9}
    assert read_kept(done, {**key, "scale": 0.5}) is None  # another scale is another run
    done.write_text("{half a fi")
    assert read_kept(done, key) is None  # a torn file is run again, not an error


def test_a_kept_run_is_keyed_by_the_resolved_config_not_by_the_recipe_overrides(tmp_path):
    from benchmarks.bench_fleets import FILE_FIELDS
    from benchmarks.kept import read_kept, run_key, write_kept
    from workbench.usecases.maintenance import recipe_config

    cfg = recipe_config()
    default = run_key(cfg, drop=FILE_FIELDS, scale=1.0, smoke=False)
    # the same recipe ("default:", no overrides) under another default is another run
    other_default = run_key(cfg.with_overrides(["task.extra_inputs=[]"]), drop=FILE_FIELDS, scale=1.0, smoke=False)
    assert default != other_default
    # where the files lie and what the run is called do not change its numbers
    moved = cfg.with_overrides([f"task.train_file={tmp_path / 'train.txt'}", f"run.output_dir={tmp_path}",
                                "run.name=elsewhere"])
    assert run_key(moved, drop=FILE_FIELDS, scale=1.0, smoke=False) == default
    assert run_key(cfg.with_overrides(["run.seed=1"]), drop=FILE_FIELDS, scale=1.0, smoke=False) != default
    done = tmp_path / "rows" / "x--default.json"
    write_kept(done, default, {"ratio_raw": 0.9})
    assert read_kept(done, run_key(cfg, drop=FILE_FIELDS, scale=1.0, smoke=False)) == {"ratio_raw": 0.9}  # survives the JSON file


def test_validation_is_split_by_the_life_fraction_at_each_cut_from_the_training_file_only(tmp_path):
    from benchmarks.bench_fleets import validation_by_life

    lines = [" ".join(["1", str(c)] + ["0.5"] * 24) for c in range(1, 101)]  # one engine, 100 cycles
    (tmp_path / "train.txt").write_text("\n".join(lines) + "\n")
    # cuts at 20 %, 50 % and 99 % of life: true RUL 80, 50, 1 (the first capped at 60 here)
    truth, adapter, baseline = [80, 50, 1], [60, 50, 3], [50, 40, 1]
    res = {"files": {"train": str(tmp_path / "train.txt")},
           "val_predictions": {"unit": [1000, 1001, 1002], "truth": truth, "adapter": adapter, "baseline": baseline}}
    out = validation_by_life(res, cap=60)
    assert {k: v["cuts"] for k, v in out.items()} == {"<35 %": 1, "35-95 %": 1, ">95 %": 1}
    assert out["<35 %"]["ratio"] == pytest.approx(0 / 10)  # adapter exact at the cap, LightGBM 10 off
    assert out["35-95 %"]["ratio"] == 0.0
    assert out[">95 %"]["ratio"] is None  # LightGBM exact there: no ratio to report


def test_the_recommendation_is_made_on_validation_engines_not_test():
    metrics = {"baseline": {"rmse": 20.0, "val_rmse": 15.0}, "adapter": {"rmse": 18.0, "val_rmse": 17.0}}
    rec = maintenance_verdict(metrics, on="validation")
    assert rec["best"] == "baseline" and rec["text"].startswith("Recommended (chosen on validation engines)")
    assert maintenance_verdict(metrics)["best"] == "adapter"  # the test report can disagree, and says so
    assert maintenance_verdict({"adapter": {"rmse": 1.0}}, on="validation")["best"] is None


def test_fleet_adaptive_step_travels_with_the_adapter(tmp_path):
    args = MaintenanceTaskArgs(**TINY)
    base = pretrain_base(args)
    fleet = simulate_fleet(FleetSpec.preset("FD001", n_train=8, n_test=5, seed=21))
    est = RULEstimator(base.path, args.spec(), mode="lora", lora=LoraArgs(r=4, alpha=8, dropout=0.0), train=TRAIN,
                       train_stride=2, run_dir=tmp_path / "fit", adapt_epochs=1).fit(fleet.train)
    assert est.adapt_info_ and len(est.adapt_info_["loss_per_epoch"]) == 1
    ws = est.preprocessor_.windows(fleet.test, None)
    again = RULEstimator.load(est.save(tmp_path / "adapter"))
    assert (tmp_path / "adapter" / "fleet_base" / "model.safetensors").is_file()
    np.testing.assert_array_equal(again.predict_windows(ws.X), est.predict_windows(ws.X))
    # the factory base stays what the frozen model uses: no adaptive step there
    frozen = RULEstimator(base.path, args.spec(), mode="frozen", train=TRAIN, run_dir=tmp_path / "f",
                          adapt_epochs=1).fit(fleet.train)
    assert frozen.adapt_info_ is None
    assert MaintenanceTaskArgs(adapt_epochs=-1).problems() and MaintenanceTaskArgs(base_model="x").problems()


def test_engineered_inputs_health_index_tracks_wear_and_round_trips(tmp_path):
    fleet = simulate_fleet(FleetSpec.preset("FD002", n_train=10, n_test=5, seed=3))
    frame = add_train_rul(fleet.train.drop(columns=["rul"]))
    pre = CMapssPreprocessor(window=16, extra_inputs=["health", "cycle"]).fit(frame)
    assert pre.channels[-2:] == ["cycle_scaled", "health_index"]
    hi = pre.transform(frame)["health_index"].to_numpy()
    assert np.corrcoef(hi, frame["rul_capped"])[0, 1] > 0.6  # fused sensors: a clean wear signal across 6 regimes
    again = CMapssPreprocessor.from_dict(pre.to_dict())
    np.testing.assert_array_equal(again.windows(frame).X, pre.windows(frame).X)
    with pytest.raises(ValueError, match="unknown"):
        CMapssPreprocessor(extra_inputs=["fft"]).fit(frame)
    with pytest.raises(ValueError, match="training target"):
        CMapssPreprocessor(extra_inputs=["health"]).fit(fleet.train)
    args = MaintenanceTaskArgs(**TINY)
    est = RULEstimator(pretrain_base(args).path, args.spec(), lora=LoraArgs(r=4, alpha=8, dropout=0.0), train=TRAIN,
                       train_stride=2, run_dir=tmp_path / "fit", extra_inputs=["health"]).fit(fleet.train)
    assert est.preprocessor_.channels[-1] == "health_index"
    loaded = RULEstimator.load(est.save(tmp_path / "adapter"))
    np.testing.assert_array_equal(loaded.predict(fleet.test)["rul_pred"], est.predict(fleet.test)["rul_pred"])
