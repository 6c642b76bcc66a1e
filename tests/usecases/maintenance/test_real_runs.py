"""Full runs on the real data (slow tier): FD001 through the CLI recipe, AI4I with the fixed split."""

import json

import pytest


@pytest.mark.slow
def test_fd001_recipe_beats_frozen_base_and_is_reported_against_the_raw_rul_file(shared_data, tmp_path, capsys):
    from workbench.cli import main

    d = shared_data / "cmapss"
    rc = main(["maintenance", "cmapss", "--train", str(d / "train_FD001.txt"), "--test", str(d / "test_FD001.txt"),
               "--rul", str(d / "RUL_FD001.txt"), "--output-dir", str(tmp_path), "--set",
               "task.compare_full_finetune=false"])
    assert rc == 0
    last = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert last["adapter"]["rmse"] < last["frozen_base"]["rmse"]
    assert last["adapter"]["rmse"] < 20.0  # far below a constant predictor (~41 on FD001)
    # measured 13.59 vs 13.66 (seed 0; LightGBM on all 100 training engines since issue 12)
    assert last["adapter"]["rmse"] < 1.15 * last["baseline"]["rmse"]
    # The alarm rule is chosen on validation engines and scored on the 100 test engines (measured: test cost
    # 3 for LightGBM and the adapter, 14 for the frozen base, at 10 per missed failure and 1 per early alarm).
    # Never alarming costs 10 x 25 (25 test engines fail within 30 cycles).
    assert last["adapter"]["alarm_test_cost"] < 10 * 25 and last["adapter"]["alarm_val_cost"] is not None
    assert last["verdict"].startswith("Best model on this data: ")
    # FD001's RUL file holds values up to 145, so the capped truth is never further from a capped model
    assert last["baseline"]["rmse_capped"] < last["baseline"]["rmse"] + 5.0


@pytest.mark.slow
def test_ai4i_failure_f1_next_to_the_baseline(shared_data, tmp_path, capsys):
    from workbench.cli import main

    rc = main(["maintenance", "ai4i", "--file", str(shared_data / "ai4i2020" / "ai4i2020.csv"), "--output-dir",
               str(tmp_path), "--set", "task.compare_full_finetune=false", "--set", "train.max_epochs=5"])
    assert rc == 0
    last = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert last["baseline"]["f1"] > 0.8  # the rules are learnable from the process features (measured 0.87)
    # far above the 3.4 % prevalence (a random score's PR-AUC); measured 0.46 with 5 epochs on CPU
    assert last["adapter"]["pr_auc"] > 0.25 and last["adapter"]["pr_auc"] > last["frozen_base"]["pr_auc"]
