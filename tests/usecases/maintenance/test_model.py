"""End-to-end tiny runs: pretrain (cached), adapt with LoRA, evaluate, save/load/merge exactly; CLI."""

import json

import numpy as np
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


def test_cli_cmapss_on_a_simulated_multi_condition_fleet(tmp_path, capsys):
    """The same command as for FD001 runs unchanged on an FD004-like fleet (6 regimes, 2 faults)."""
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
    last = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    for role in ("baseline", "frozen_base", "adapter"):
        assert np.isfinite(last[role]["rmse"]) and np.isfinite(last[role]["score"])
    run_dir = tmp_path / "runs" / "cmapss-train_FD004"
    results = json.loads((run_dir / "results.json").read_text())
    assert results["n_conditions"] == 6 and len(results["predictions"]["truth"]) == 10
    assert (run_dir / "adapter" / "README.md").is_file() and (run_dir / "config.yaml").is_file()
    from workbench.usecases.maintenance import report_section

    html = report_section(results)
    assert "LoRA adapter" in html and "rmse_capped" in html and "plotly" in html.lower()
