"""The validation-weighted blend of adapter and LightGBM (issue 12): weight chosen on validation engines
only, its own role next to the pure adapter, named by the recommendation only when clearly better."""

import numpy as np
import pytest

from workbench.usecases.maintenance.evaluation import BLEND_GRID, blend_weight, maintenance_verdict
from workbench.usecases.maintenance.experiment import blend_metrics


def _brute_force(truth, a, b, cap):
    t = np.minimum(truth, cap) if cap is not None else truth
    best_w, best_err = None, np.inf
    for w in BLEND_GRID:  # a plain loop: the reference the vectorised search must reproduce
        err = float(np.sqrt(np.mean((w * a + (1 - w) * b - t) ** 2)))
        if err < best_err - 1e-12 or (abs(err - best_err) <= 1e-12 and w > best_w):
            best_w, best_err = w, err
    return best_w


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("cap", [125, None])
def test_blend_weight_matches_brute_force(seed, cap):
    rng = np.random.default_rng(seed)
    truth = rng.uniform(0, 250, 80)
    a = truth + rng.normal(rng.uniform(-20, 20), rng.uniform(2, 30), 80)
    b = truth + rng.normal(rng.uniform(-20, 20), rng.uniform(2, 30), 80)
    assert blend_weight(truth, a, b, cap=cap) == pytest.approx(_brute_force(truth, a, b, cap))


def test_blend_weight_extremes_ties_and_the_cap():
    truth = np.array([10.0, 50.0, 100.0, 200.0])
    assert blend_weight(truth, truth, truth + 30, cap=None) == 1.0  # a perfect adapter takes all
    assert blend_weight(truth, truth + 30, truth, cap=None) == 0.0
    assert blend_weight(truth, truth + 5, truth + 5, cap=None) == 1.0  # a tie goes to the adapter's share
    # Independent errors of the same size: the blend halves the variance, so 0.5 wins.
    assert blend_weight(truth, truth + np.array([5, -5, 5, -5]), truth + np.array([-5, 5, -5, 5]), cap=None) == 0.5
    # The cap changes the decision: on the early cut (truth 200) model b says 200, model a says 125.
    a, b = np.array([10.0, 50, 100, 125]), np.array([20.0, 60, 110, 200])
    assert blend_weight(truth, a, b, cap=None) < 1.0 and blend_weight(truth, a, b, cap=125) == 1.0
    with pytest.raises(ValueError, match="one truth and two predictions"):
        blend_weight(truth, a[:3], b)
    with pytest.raises(ValueError, match="finite"):
        blend_weight(truth, a, np.array([1.0, np.nan, 1, 1]))
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        blend_weight(truth, a, b, grid=[0.5, 1.5])


def test_blend_metrics_chooses_the_weight_on_validation_and_never_looks_at_the_test():
    rng = np.random.default_rng(3)
    vt = rng.uniform(5, 120, 40)
    test = rng.uniform(5, 120, 30)
    costs = {"horizon": 30, "cost_missed": 10.0, "cost_early": 1.0}
    # On validation the adapter is exact; on the test engines LightGBM is, so a test-peeking choice would be 0.
    out = blend_metrics(test, test + 25, test, vt, vt, vt + 25, rul_cap=125, costs=costs)
    assert out["weight"] == 1.0 and out["rmse"] == pytest.approx(25.0)
    assert out["val_rmse"] == pytest.approx(0.0) and "validation" in out["weight_chosen_on"]
    assert out["alarm"]["chosen_on"] == "validation engines"
    mixed = blend_metrics(test, test + 10, test - 10, vt, vt + 10, vt - 10, rul_cap=125, costs=costs)
    assert mixed["weight"] == 0.5 and mixed["rmse"] == pytest.approx(0.0, abs=1e-9)


def test_the_recommendation_names_the_blend_only_when_clearly_better_and_uses_capped_validation():
    m = {"baseline": {"rmse": 14.0, "val_rmse": 40.0, "val_rmse_capped": 20.0},
         "adapter": {"rmse": 13.5, "val_rmse": 38.0, "val_rmse_capped": 21.0},
         "blend": {"rmse": 13.0, "val_rmse": 37.9, "val_rmse_capped": 19.0}}
    rec = maintenance_verdict(m, on="validation")
    assert rec["criterion"] == "val_rmse_capped" and rec["best"] == "blend" and "capped" in rec["text"]
    m["blend"]["val_rmse_capped"] = 19.9  # within 1 % of LightGBM's 20.0: two models are not worth it
    rec = maintenance_verdict(m, on="validation")
    assert rec["best"] == "baseline" and "blend" not in rec["text"]
    # The capped truth decides: on raw validation RMSE the adapter would be ahead of LightGBM.
    assert maintenance_verdict({k: v for k, v in m.items() if k != "blend"}, on="validation")["best"] == "baseline"
    assert maintenance_verdict(m)["best"] == "blend"  # the test report may name it too (13.0 vs 13.5)


def test_bench_rows_carry_the_blend_and_lofo_can_choose_on_capped_ratios():
    from benchmarks.bench_fleets import leave_one_fleet_out, row_of

    role = lambda r, c: {"rmse": r, "rmse_capped": c, "val_rmse": r + 1, "val_rmse_capped": c + 1}  # noqa: E731
    row = row_of({"metrics": {"baseline": role(10.0, 8.0), "adapter": role(11.0, 9.0),
                              "blend": {**role(9.0, 7.0), "weight": 0.4}}, "recommendation": {"best": "blend"}})
    assert row["blend"]["weight"] == 0.4 and row["blend_ratio_raw"] == 0.9 and row["ratio_raw"] == 1.1
    assert row["recommendation"] == "blend" and row["val_ratio_capped"] == pytest.approx(10 / 9, abs=1e-3)
    rows = {"a": {"x": {"val_ratio": 1.0, "val_ratio_capped": 0.5, "ratio_raw": 1.0, "ratio_capped": 1.0},
                  "y": {"val_ratio": 1.0, "val_ratio_capped": 0.5, "ratio_raw": 1.0, "ratio_capped": 1.0}},
            "b": {"x": {"val_ratio": 0.9, "val_ratio_capped": 0.9, "ratio_raw": 0.8, "ratio_capped": 0.8},
                  "y": {"val_ratio": 0.9, "val_ratio_capped": 0.9, "ratio_raw": 0.8, "ratio_capped": 0.8}}}
    assert leave_one_fleet_out(rows)["per_fleet"]["x"]["chosen"] == "b"
    capped = leave_one_fleet_out(rows, "val_ratio_capped")
    assert capped["per_fleet"]["x"]["chosen"] == "a" and capped["criterion"] == "val_ratio_capped"


def test_a_tiny_run_reports_the_blend_next_to_the_pure_adapter(tmp_path):
    from workbench.usecases.maintenance import default_config, run_experiment

    cfg = default_config(smoke=True).with_overrides([
        "task.pretrain_units=6", "task.pretrain_epochs=1", "task.pretrain_supervised_epochs=0",
        "task.pretrain_max_windows=256", "task.window=16", "task.patch_length=4", "task.patch_stride=4",
        "task.d_model=16", "task.num_layers=1", "task.num_heads=2", "task.ffn_dim=32", "task.target_units=10",
        "task.target_fleet=FD001", "task.baseline_estimators=30", "train.max_epochs=1", "eval.frozen_base=false",
        f"run.output_dir={tmp_path}", "run.name=blend"])
    res = run_experiment(cfg)
    m = res["metrics"]
    assert list(m) == ["baseline", "adapter", "blend"] and 0.0 <= m["blend"]["weight"] <= 1.0
    w = m["blend"]["weight"]
    preds, val = res["predictions"], res["val_predictions"]
    assert np.allclose(preds["blend"], w * np.array(preds["adapter"]) + (1 - w) * np.array(preds["baseline"]), atol=0.02)
    # The weight is the one the library function picks on the stored validation predictions (stored
    # rounded to 0.01 cycles, which can move a near-tie by one grid step).
    assert abs(w - blend_weight(val["truth"], val["adapter"], val["baseline"], cap=cfg.task.rul_cap)) <= 0.05 + 1e-9
    assert res["recommendation"]["criterion"] == "val_rmse_capped"
    # The default adapter reads engineered inputs; the verdict and the result say so.
    assert res["adapter_inputs"] == ["sensors", "health", "cycle"]
    assert res["verdict"]["text"].endswith("The LoRA adapter reads the sensors plus a health index fitted on the "
                                           "training engines and the cycle count (task.extra_inputs; --set "
                                           "'task.extra_inputs=[]' for the pure adapter); the frozen base reads "
                                           "the sensors only.")


def test_serving_record_serves_the_recommendation_or_falls_back_to_the_adapter():
    from workbench.usecases.maintenance.experiment import serving_record

    alarm = lambda t: {"alarm": {"alarm_rul": t}}  # noqa: E731
    metrics = {"baseline": alarm(20.0), "frozen_base": alarm(25.0), "adapter": alarm(30.0),
               "blend": {**alarm(28.0), "weight": 0.35}}
    rec = serving_record({"metrics": metrics, "recommendation": {"best": "blend", "criterion": "val_rmse_capped"}})
    assert rec["served"] == "blend" and rec["note"] is None and rec["blend_weight"] == 0.35
    assert rec["alarm_rul"] == {"adapter": 30.0, "blend": 28.0, "baseline": 20.0}
    assert rec["chosen_on"] == "validation engines (val_rmse_capped)"
    # The frozen base is not kept in the adapter folder: the adapter is served, and the record says why.
    rec = serving_record({"metrics": metrics, "recommendation": {"best": "frozen_base"}})
    assert rec["served"] == "adapter" and rec["recommended"] == "frozen_base" and "frozen_base" in rec["note"]
