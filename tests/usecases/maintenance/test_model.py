"""End-to-end tiny runs: pretrain (cached), adapt with LoRA, evaluate, save/load/merge exactly; CLI."""

import json
import re

import numpy as np
import pandas as pd
import pytest
import torch

from workbench.config import LoraArgs, TrainArgs
from workbench.lora import count_parameters, merge_adapter
from workbench.timeseries import predict_batched
from workbench.usecases.maintenance.config import MaintenanceTaskArgs
from workbench.usecases.maintenance.model import FailureEstimator, RULEstimator, pretrain_base
from workbench.usecases.maintenance.simulate import FleetSpec, simulate_fleet

TINY = dict(pretrain_units=6, pretrain_epochs=1, pretrain_max_windows=256, window=16, patch_length=4, patch_stride=4,
            d_model=16, num_layers=1, num_heads=2, ffn_dim=32, dropout=0.0)
TRAIN = TrainArgs(max_epochs=1, batch_size=64, lr=3e-3, progress_bar=False, logger="none")


@pytest.fixture(scope="module")
def tiny():
    args = MaintenanceTaskArgs(**TINY)
    base = pretrain_base(args)
    assert pretrain_base(args).from_cache  # the second call loads the cached base (per WORKBENCH_HOME)
    fleet = simulate_fleet(FleetSpec.preset("FD004", n_train=8, n_test=6, seed=11))
    return args, base, fleet


def test_lora_rul_fit_evaluate_and_exact_round_trip(tiny, tmp_path):
    args, base, fleet = tiny
    est = RULEstimator(base.path, args.spec(), mode="lora", lora=LoraArgs(r=4, alpha=8, dropout=0.0), train=TRAIN,
                       train_stride=2, run_dir=tmp_path / "fit").fit(fleet.train)
    assert est.preprocessor_.conditions_.n == 6 and not set(est.train_units_) & set(est.val_units_)
    pc = count_parameters(est.model_)
    assert 0 < pc.trainable < pc.total
    m = est.evaluate(fleet.test, fleet.test_rul, horizon=30)
    assert m["n"] == 6 and np.isfinite(m["rmse"]) and {"alarm_rul", "tp", "fp", "fn"} <= set(m["alarm"])
    # saved, reloaded and merged: exactly the trained model's predictions
    ws = est.preprocessor_.windows(fleet.test, None, last_only=False)
    expected = est.predict_windows(ws.X)
    again = RULEstimator.load(est.save(tmp_path / "adapter"))
    np.testing.assert_array_equal(again.predict_windows(ws.X), expected)
    assert (tmp_path / "adapter" / "adapter_model.safetensors").is_file()
    merged = merge_adapter(again.model_)
    out = np.clip(predict_batched(merged, ws.X)[:, 0] * est.rul_cap, 0, None)
    np.testing.assert_allclose(out, expected, atol=1e-3)


def test_frozen_mode_trains_only_the_head(tiny, tmp_path):
    args, base, fleet = tiny
    est = RULEstimator(base.path, args.spec(), mode="frozen", train=TRAIN, run_dir=tmp_path).fit(fleet.train)
    trainable = [n for n, p in est.model_.named_parameters() if p.requires_grad]
    assert trainable and all(n.startswith("head.") for n in trainable)
    from safetensors.torch import load_file

    pre = load_file(str(base.path / "model.safetensors"))
    for k, v in est.model_.state_dict().items():
        if k.startswith("model.") and k in pre:
            torch.testing.assert_close(v, pre[k])  # the base did not move
    with pytest.raises(ValueError, match="mode"):
        RULEstimator(base.path, args.spec(), mode="half", train=TRAIN).fit(fleet.train)


def test_failure_estimator_on_process_windows(tiny, tmp_path):
    from workbench.usecases.maintenance.experiment import prepare_ai4i

    args, base, _ = tiny
    d = prepare_ai4i(args, seed=0, max_rows=1500)
    y, idx = d["y"], d["idx"]
    assert d["X"]["train"].shape[1:] == (16, 9) and y[idx["test"]].sum() > 0
    est = FailureEstimator(base.path, args.spec(), train=TRAIN, run_dir=tmp_path).fit(
        d["X"]["train"], y[idx["train"]], d["X"]["val"], y[idx["val"]])
    m = est.evaluate(d["X"]["test"], y[idx["test"]])
    assert 0 <= m["f1"] <= 1 and 0 < m["pr_auc"] <= 1
    again = FailureEstimator.load(est.save(tmp_path / "ad"))
    np.testing.assert_array_equal(again.predict_proba(d["X"]["test"]), est.predict_proba(d["X"]["test"]))
    assert again.evaluate(d["X"]["test"], y[idx["test"]]) == m
    # `workbench evaluate` on a failure adapter: the same fixed AI4I test split, the same numbers.
    from workbench.usecases.maintenance import default_config, evaluate_adapter

    cfg = default_config(smoke=True).with_overrides([f"task.{k}={v}" for k, v in TINY.items()]
                                                    + ["task.problem=failure", "data.max_rows=1500"])
    ev = evaluate_adapter(cfg, str(tmp_path / "ad"))
    assert {k: ev[k] for k in m} == m and ev["dataset"] == d["source"]
    from workbench.governance.audit import read_entries

    entry = read_entries()[-1]  # on the audit trail: which adapter scored which data, with what F1
    assert entry["operation"] == "evaluate" and entry["details"]["usecase"] == "maintenance"
    assert entry["details"]["rows"] == len(idx["test"]) and entry["outputs"]["f1"] == m["f1"]


def test_cli_cmapss_on_a_simulated_multi_condition_fleet(tmp_path, capsys, monkeypatch):
    """The same command as for FD001 runs unchanged on an FD004-like fleet (6 regimes, 2 faults)."""
    monkeypatch.delenv("WORKBENCH_QUIET", raising=False)  # the progress lines are part of what is checked
    from transformers.utils import logging as hf_logging

    from workbench.cli import main

    hf_logging.set_verbosity_warning()  # the user's settings; the run silences transformers only while it runs
    hf_logging.enable_progress_bar()
    assert main(["maintenance", "simulate", "--subset", "FD004", "--units", "10", "--out", str(tmp_path / "d"),
                 "--seed", "4"]) == 0
    files = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    over = [x for k, v in TINY.items() for x in ("--set", f"task.{k}={v}")]
    rc = main(["maintenance", "cmapss", "--smoke", "--train", files["train"], "--test", files["test"], "--rul",
               files["rul"], "--output-dir", str(tmp_path / "runs"), "--set", "train.max_epochs=1", *over])
    assert rc == 0
    assert hf_logging.get_verbosity() == hf_logging.WARNING and hf_logging.is_progress_bar_enabled()
    captured = capsys.readouterr()
    last = json.loads(captured.out.strip().splitlines()[-1])
    # Issue 10/12: every long step announces itself and its time (no silent minutes before the JSON line).
    for step in ("pretraining the factory base model", "preparing the data", "training the frozen base model + head",
                 "training the LoRA adapter", "scoring the LoRA adapter", "training the LightGBM baseline on all"):
        assert re.search(rf"\[workbench\] +{re.escape(step)}.*: done in ", captured.err), (step, captured.err)
    assert last["verdict"].startswith("Best model on this data: ")
    for role in ("baseline", "frozen_base", "adapter"):
        assert np.isfinite(last[role]["rmse"]) and np.isfinite(last[role]["score"])
    run_dir = tmp_path / "runs" / "cmapss-train_FD004"
    results = json.loads((run_dir / "results.json").read_text())
    assert results["n_conditions"] == 6 and len(results["predictions"]["truth"]) == 10
    assert (run_dir / "adapter" / "README.md").is_file() and (run_dir / "config.yaml").is_file()
    from workbench.usecases.maintenance import report_section

    html = report_section(results)
    assert "LoRA adapter" in html and "rmse_capped" in html and "plotly" in html.lower()
    # Issue 12: each alarm threshold was chosen on validation engines and scored on the test engines.
    for role in ("baseline", "frozen_base", "adapter"):
        alarm = results["metrics"][role]["alarm"]
        assert alarm["chosen_on"] == "validation engines" and alarm["val"]["n"] == results["decision"]["val_cuts"]
        assert alarm["cost"] >= alarm["test_hindsight_cost"]  # the hindsight optimum is a lower bound
    assert len(results["val_predictions"]["baseline"]) == len(results["val_predictions"]["truth"]) > 0
    # Issue 12: LightGBM trains on every training engine, the neural models on the training split.
    assert results["runtime"]["baseline"]["train_engines"] == 10 > results["runtime"]["adapter"]["train_engines"]
    stored = json.loads((run_dir / "adapter" / "alarm.json").read_text())
    assert stored["alarm_rul"] == results["metrics"]["adapter"]["alarm"]["alarm_rul"]

    # The folder serves the model recommended on validation engines: adapter, blend or LightGBM (saved as text).
    serving = json.loads((run_dir / "adapter" / "serving.json").read_text())
    recommended = results["recommendation"]["best"]
    assert serving["recommended"] == recommended
    served = recommended if recommended in ("adapter", "blend", "baseline") else "adapter"
    assert serving["served"] == served and (run_dir / "adapter" / "baseline" / "lightgbm_rul.txt").is_file()
    assert serving["blend_weight"] == results["metrics"]["blend"]["weight"]

    # `workbench evaluate` re-scores the served model on the same test engines: the training run's numbers.
    assert main(["evaluate", "--usecase", "maintenance", "--adapter", str(run_dir / "adapter")]) == 0
    ev = json.loads(capsys.readouterr().out.strip().splitlines()[-1])["metrics"]
    assert ev["model"] == served and ev["recommended"] == recommended
    assert ev["rmse"] == pytest.approx(results["metrics"][served]["rmse"], abs=0.02)
    assert ev["alarm"]["alarm_rul"] == results["metrics"][served]["alarm"]["alarm_rul"]
    assert ev["alarm"]["cost"] == results["metrics"][served]["alarm"]["cost"]
    if served != "adapter":
        assert ev["adapter_alone"]["rmse"] == pytest.approx(results["metrics"]["adapter"]["rmse"], abs=0.02)
        assert ev["adapter_alone"]["alarm"]["alarm_rul"] == stored["alarm_rul"]
    from workbench.governance.audit import read_entries
    from workbench.io import fingerprint_file

    entry = read_entries()[-1]  # the compliance trail: which adapter scored which test engines, with what RMSE
    assert entry["operation"] == "evaluate" and entry["details"]["usecase"] == "maintenance"
    assert entry["details"]["data_fingerprint"]["test"] == fingerprint_file(files["test"])
    assert entry["outputs"]["rmse"] == ev["rmse"] and entry["details"]["rows"] == len(results["predictions"]["unit"])
    assert entry["details"]["model"] == served
    # `workbench predict` on a C-MAPSS test file: one row per engine, unit ids kept; each servable model
    # (task.serve) predicts what the training run reported for it, alarms at its own threshold.
    import pandas as pd

    for serve in ("recommended", "adapter", "blend", "baseline"):
        out_csv = tmp_path / f"pred-{serve}.csv"
        assert main(["predict", "--usecase", "maintenance", "--adapter", str(run_dir / "adapter"), "--input",
                     files["test"], "--output", str(out_csv), "--set", f"task.serve={serve}"]) == 0
        pred = pd.read_csv(out_csv)
        role = served if serve == "recommended" else serve
        assert list(pred.columns) == ["unit", "last_cycle", "rul_pred", "alarm", "model", "rul_pred_adapter"]
        assert pred["unit"].tolist() == results["predictions"]["unit"] and set(pred["model"]) == {role}
        np.testing.assert_allclose(pred["rul_pred"], results["predictions"][role], atol=0.02)
        np.testing.assert_allclose(pred["rul_pred_adapter"], results["predictions"]["adapter"], atol=0.02)
        threshold = results["metrics"][role]["alarm"]["alarm_rul"]
        assert (pred["alarm"] == (pred["rul_pred"] <= threshold)).all()
        entry = read_entries()[-1]
        assert entry["operation"] == "predict" and entry["details"]["rows"] == len(pred)
        assert entry["details"]["model"] == role and entry["details"]["alarm_rul"] == threshold


def test_evaluate_and_predict_refuse_a_missing_adapter(tmp_path):
    from workbench.usecases.maintenance import default_config, evaluate_adapter, predict_file

    cfg = default_config(smoke=True)
    with pytest.raises(FileNotFoundError, match="adapter folder not found"):
        evaluate_adapter(cfg, str(tmp_path / "nope"))
    with pytest.raises(FileNotFoundError, match="adapter folder not found"):
        predict_file(cfg, str(tmp_path / "nope"), "x.txt", str(tmp_path / "o.csv"))
    (tmp_path / "empty").mkdir()
    with pytest.raises(FileNotFoundError, match="not a maintenance adapter folder: maintenance_estimator.json missing"):
        evaluate_adapter(cfg, str(tmp_path / "empty"))


def test_cut_units_mimics_the_test_engines():
    from workbench.usecases.maintenance.data import cut_units

    fleet = simulate_fleet(FleetSpec.preset("FD001", n_train=4, n_test=0, seed=3))
    cut, rul = cut_units(fleet.train, cuts_per_unit=3, min_cycles=20, seed=0)
    assert len(rul) == 12 and set(cut["unit"]) == set(rul.index)
    lengths = fleet.train.groupby("unit")["cycle"].max()
    for pid, g in cut.groupby("unit"):
        full = lengths[pid // 1000]
        assert g["cycle"].tolist() == list(range(1, len(g) + 1)) and len(g) >= 20
        assert rul[pid] == full - len(g)  # the cycles still to go after the cut


def test_a_failure_run_recommends_on_validation_pr_auc_and_records_what_is_served(tmp_path, capsys):
    """AI4I runs name the model to use from validation rows too; the folder holds the adapter only, and
    serving.json says so when another model was recommended."""
    from workbench.cli import main
    from workbench.serving import SERVING_FILE

    sets = [f"task.{k}={v}" for k, v in TINY.items()] + ["data.max_rows=1500", "train.max_epochs=1",
                                                         "task.compare_full_finetune=false"]
    assert main(["maintenance", "ai4i", "--smoke", "--output-dir", str(tmp_path), "--name", "f",
                 *[x for s in sets for x in ("--set", s)]]) == 0
    last = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    result = json.loads((tmp_path / "f" / "results.json").read_text())
    val = {role: m["val_pr_auc"] for role, m in result["metrics"].items()}
    assert set(val) >= {"baseline", "frozen_base", "adapter"} and all(0 < v <= 1 for v in val.values())
    rec = result["recommendation"]
    assert rec["criterion"] == "val_pr_auc" and last["recommendation"] == rec["text"]
    assert rec["text"].startswith("Recommended (chosen on validation rows): ")
    assert val[rec["best"]] >= max(val.values()) / 1.01  # the best, or within 1 % of it (the simpler wins)
    record = json.loads((tmp_path / "f" / "adapter" / SERVING_FILE).read_text())
    assert record["recommended"] == rec["best"]
    assert record["served"] == (rec["best"] if rec["best"] in ("adapter", "baseline") else "adapter")
    assert (record["note"] is None) == (record["served"] == rec["best"])
    assert record["threshold"] == {r: result["metrics"][r]["threshold"] for r in ("adapter", "baseline")}
    from workbench.usecases.maintenance import default_config, evaluate_adapter

    cfg = default_config(smoke=True).with_overrides(sets + ["task.problem=failure"])
    ev = evaluate_adapter(cfg, str(tmp_path / "f" / "adapter"))
    assert ev["model"] == record["served"] and ev["recommended"] == rec["best"] and ev["serving_note"] == record["note"]
    for role in ("adapter", "baseline"):  # each stored model scores the run's own test F1 and PR-AUC
        cfg.task.serve = role
        ev = evaluate_adapter(cfg, str(tmp_path / "f" / "adapter"))
        assert ev["model"] == role and ev["threshold"] == result["metrics"][role]["threshold"]
        assert (ev["f1"], ev["pr_auc"]) == pytest.approx((result["metrics"][role]["f1"], result["metrics"][role]["pr_auc"]))
    cfg.task.serve = "blend"
    with pytest.raises(ValueError, match=r"task.serve=blend: .* cannot serve blend for failure"):
        evaluate_adapter(cfg, str(tmp_path / "f" / "adapter"))

    # predict on a process log (the run's own log, its failure flags dropped): each served model's
    # probabilities on the test rows give back the run's own test scores, and its alarm threshold.
    from workbench.usecases.maintenance import predict_file
    from workbench.usecases.maintenance.data import AI4I_FLAGS, DataFormatError
    from workbench.usecases.maintenance.evaluation import failure_metrics
    from workbench.usecases.maintenance.experiment import prepare_ai4i

    d = prepare_ai4i(cfg.task, seed=cfg.run.seed, max_rows=1500)
    log = tmp_path / "prozess.csv"
    d["frame"].drop(columns=AI4I_FLAGS).to_csv(log, sep=";", decimal=",", index=False)  # a German Excel export
    test, y_test = d["idx"]["test"], d["y"][d["idx"]["test"]]
    for role in ("adapter", "baseline"):
        cfg.task.serve = role
        out = pd.read_csv(predict_file(cfg, str(tmp_path / "f" / "adapter"), str(log), str(tmp_path / f"{role}.csv")))
        assert list(out.columns[:3]) == ["UDI", "Product ID", "Type"] and len(out) == len(d["frame"])
        assert set(out["model"]) == {role}
        got = failure_metrics(y_test, out["p_failure"].to_numpy()[test], result["metrics"][role]["threshold"])
        assert got["pr_auc"] == pytest.approx(result["metrics"][role]["pr_auc"], abs=1e-4)
        assert (out["failure_alarm"] == (out["p_failure"] >= result["metrics"][role]["threshold"] - 1e-6)).all()
    assert (out["p_failure_adapter"] != out["p_failure"]).any()  # served LightGBM, the adapter beside it
    bad = d["frame"].drop(columns=["Torque [Nm]"])
    bad.to_csv(tmp_path / "bad.csv", index=False)
    with pytest.raises(DataFormatError, match=r"bad.csv: missing columns \['Torque \[Nm\]'\]"):
        predict_file(cfg, str(tmp_path / "f" / "adapter"), str(tmp_path / "bad.csv"), str(tmp_path / "x.csv"))


def test_from_config_builds_the_runs_estimators_and_the_notebook_uses_it():
    """The notebook's and the workshop's models are the run's: every setting comes from the config, the
    adapter reads the engineered inputs and the frozen base the sensors only."""
    from pathlib import Path

    from workbench.usecases.maintenance import recipe_config

    cfg = recipe_config().with_overrides(["data.val_fraction=0.2", "task.train_stride=5", "run.seed=7",
                                          "task.adapt_epochs=1", "lora.r=4"])
    lora = RULEstimator.from_config(cfg, "base", mode="lora", run_dir="r")
    frozen = RULEstimator.from_config(cfg, "base", mode="frozen")
    assert (lora.val_fraction, lora.train_stride, lora.seed, lora.adapt_epochs, lora.lora.r) == (0.2, 5, 7, 1, 4)
    assert lora.extra_inputs == ["health", "cycle"] and lora.spec == cfg.task.spec() and lora.train is cfg.train
    assert frozen.extra_inputs == [] and frozen.mode == "frozen"
    # the curated notebook and the workshop build their models here, not by hand
    root = Path(__file__).resolve().parents[3]
    for nb in ("notebooks/03_predictive_maintenance.ipynb", "workshop/solutions/02_predictive_maintenance.ipynb"):
        text = "".join("".join(c["source"]) for c in json.loads((root / nb).read_text())["cells"])
        assert "RULEstimator.from_config(" in text and "RULEstimator(base" not in text, nb
        assert "baseline_rul(" in text and "validation_cuts(" in text, nb
