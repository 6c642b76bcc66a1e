"""End to end: the CLI backtests a user's file and prints one JSON object; the run writes its artefacts."""

import dataclasses
import json

import pandas as pd
import pytest

from workbench.config import LoraArgs, RunArgs, RunConfig, TrainArgs


@pytest.fixture(scope="module")
def cli_run(tmp_path_factory, tiny_task, tiny_base, tiny_demand):
    """One tiny end-to-end run through ``workbench supply backtest`` on a CSV file."""
    import contextlib
    import io

    from workbench.cli import main

    tmp = tmp_path_factory.mktemp("supply-e2e")
    csv = tmp / "meine_absatzdaten.csv"
    tiny_demand.to_csv(csv, index=False)
    cfg = RunConfig(run=RunArgs(name="e2e", usecase="supply_chain", seed=0), lora=LoraArgs(r=4, alpha=8, dropout=0.0),
                    train=TrainArgs(max_epochs=1, batch_size=64, progress_bar=False),
                    task=dataclasses.replace(tiny_task, calibrate_service=True, full_finetune=True,
                                             baselines=["seasonal_naive", "ets", "lightgbm"]))
    cfg.to_yaml(tmp / "tiny.yaml")
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        rc = main(["supply", "backtest", "--file", str(csv), "--config", str(tmp / "tiny.yaml"),
                   "--output-dir", str(tmp / "runs"), "--name", "e2e"])
    return rc, out.getvalue(), tmp / "runs" / "e2e"


def test_cli_backtest_prints_metrics_json_last(cli_run):
    rc, stdout, _ = cli_run
    assert rc == 0
    last = json.loads(stdout.strip().splitlines()[-1])
    for role in ("adapter", "frozen_base", "baseline", "seasonal_naive", "ets"):
        assert role in last, role
        assert 0 <= last[role]["wql"] < 5 and 0 <= last[role]["coverage"] <= 1
        assert 0 <= last[role]["fill_rate"] <= 1
    assert last["baseline"]["model"] == "ets" and last["n_series"] == 8
    assert 0 <= last["adapter"]["coverage_80"] <= 1
    assert last["labels"]["coverage_80"] == "80 % interval coverage, goal near 0.80"


def test_run_writes_artefacts(cli_run):
    _, _, run_dir = cli_run
    for name in ("config.yaml", "run_info.json", "results.json", "per_series.csv", "adapter/adapter_config.json",
                 "adapter/adapter_model.safetensors", "adapter/supply_forecaster.json"):
        assert (run_dir / name).is_file(), name
    result = json.loads((run_dir / "results.json").read_text())
    assert set(result["metrics"]) >= {"baseline", "frozen_base", "adapter"}
    assert result["inventory"]["adapter"]["n_series"] == 8
    assert "by_sbc_class" in result["by_segment"]["adapter"]
    assert result["base_model"]["from_cache"] is True                        # pretrained once per session
    assert set(result["calibration"]) == {"frozen_base", "adapter", "full_finetune"}  # neural models only
    assert result["calibration"]["adapter"]["days"] == 10
    assert set(result["inventory_uncalibrated"]) == {"frozen_base", "adapter", "full_finetune"}
    # Every model with quantiles is calibrated on the validation period the same way, and the run says
    # what that did: validation pinball can only go down (shift 0 is a candidate), coverage before/after.
    cal = result["quantile_calibration"]
    assert set(cal) == {"frozen_base", "adapter", "full_finetune", "seasonal_naive", "ets", "lightgbm"}
    for role, e in cal.items():
        assert e["val_pinball_calibrated"] <= e["val_pinball_raw"] * (1 + 1e-6), role
        assert 0 <= e["test_coverage_80_calibrated"] <= 1 and e["test_wql_calibrated"] == result["metrics"][role]["wql"]
        assert e["shifts"]["counts"] is True and len(e["shifts"]["pooled"]) == len(result["quantiles"])


def test_report_section_renders(cli_run):
    from workbench.usecases.supply_chain import report_section

    _, _, run_dir = cli_run
    html = report_section(json.loads((run_dir / "results.json").read_text()))
    assert "LoRA adapter" in html and "cycle service (%)" in html and "<table" in html
    result = json.loads((run_dir / "results.json").read_text())
    # The section ends with the honest verdict on wQL, the same line the run recorded.
    assert html.rstrip().endswith("</strong></p>") and result["verdict"] in html.replace("&#x27;", "'")
    assert "Best model on this data" in result["verdict"]
    assert "80 % interval coverage, goal near 0.80" in html and "Closer to the nominal level is better" in html
    assert "Interval calibration on the validation period" in html


def test_run_recommends_a_model_on_the_validation_period(cli_run):
    """Every model was validated on the same windows; the lowest validation pinball is recommended,
    and the CLI's JSON line and the report carry the line."""
    rc, stdout, run_dir = cli_run
    result = json.loads((run_dir / "results.json").read_text())
    cal, rec = result["quantile_calibration"], result["recommendation"]
    assert len({e["val_windows_sha256"] for e in cal.values()}) == 1 and rec["left_out"] == []
    scores = {role: e["val_pinball_calibrated"] for role, e in cal.items()} | {"blend": result["blend"]["val_pinball"]}
    assert rec["scores"] == pytest.approx(scores)  # every model's validation score, the blend's too
    assert scores[rec["best"]] <= min(scores.values()) * 1.01  # the best, or tied with it (the simpler wins)
    assert rec["text"].startswith("Recommended (chosen on the validation period): ")
    assert json.loads(stdout.strip().splitlines()[-1])["recommendation"] == rec["text"]
    from workbench.usecases.supply_chain import report_section

    assert rec["text"] in report_section(result).replace("&#x27;", "'")


def test_blend_of_adapter_and_lightgbm_is_weighted_on_the_validation_period(cli_run):
    """The blend's weight is the grid point of least validation pinball; its ends are the two models."""
    _, stdout, run_dir = cli_run
    result = json.loads((run_dir / "results.json").read_text())
    blend, cal = result["blend"], result["quantile_calibration"]
    by_weight = {float(w): v for w, v in blend["val_pinball_by_weight"].items()}
    assert sorted(by_weight) == pytest.approx([i / 10 for i in range(11)])
    assert blend["val_pinball"] == min(by_weight.values()) and by_weight[blend["weight"]] == blend["val_pinball"]
    assert by_weight[1.0] == pytest.approx(cal["adapter"]["val_pinball_calibrated"])   # the adapter alone
    assert by_weight[0.0] == pytest.approx(cal["lightgbm"]["val_pinball_calibrated"])  # LightGBM alone
    assert blend["val_windows_sha256"] == cal["adapter"]["val_windows_sha256"] == cal["lightgbm"]["val_windows_sha256"]
    assert "blend" in result["metrics"] and "blend" in result["inventory"]
    assert 0 <= json.loads(stdout.strip().splitlines()[-1])["blend"]["wql"] < 5
    # Recommended only when clearly better than every single model on validation (it can only tie or win there).
    singles = min(e["val_pinball_calibrated"] for e in cal.values())
    assert (result["recommendation"]["best"] == "blend") == (blend["val_pinball"] < 0.99 * singles)


def test_run_records_the_decision_function_result(cli_run):
    from workbench.usecases.supply_chain.inventory import stock_needed

    _, _, run_dir = cli_run
    result = json.loads((run_dir / "results.json").read_text())
    for role, curve in result["service_curves"].items():
        want = stock_needed(curve, result["service_level"])
        got = result["stock_needed"][role]
        assert got["status"] == want["status"] and got["text"] == want["text"], role
        assert got["status"] != "not_reached" or result["stock_at_target"][role] is None  # NaN -> JSON null


def test_evaluate_adapter_and_predict_file(cli_run, tmp_path, tiny_demand):
    from workbench.usecases.supply_chain import default_config, evaluate_adapter, predict_file

    import pandas as pd

    _, _, run_dir = cli_run
    csv = tmp_path / "history.csv"
    tiny_demand.to_csv(csv, index=False)
    cfg = default_config(smoke=True).with_overrides([f"data.path={csv}"])
    from workbench.governance.audit import read_entries

    scores = evaluate_adapter(cfg, run_dir / "adapter")
    assert 0 <= scores["wql"] < 5 and 0 <= scores["fill_rate"] <= 1 and scores["n_series"] == 8
    entry = read_entries()[-1]  # evaluate and predict are on the audit trail, with the adapter they used
    assert (entry["operation"], entry["details"]["usecase"], entry["outputs"]["wql"]) == ("evaluate", "supply_chain", scores["wql"])
    out = predict_file(cfg, run_dir / "adapter", csv, tmp_path / "forecast.csv")
    entry = read_entries()[-1]
    assert entry["operation"] == "predict" and entry["details"]["rows"] == len(pd.read_csv(out))
    fc = pd.read_csv(out)
    taus = json.loads((run_dir / "results.json").read_text())["quantiles"]
    horizon = json.loads((run_dir / "adapter" / "supply_forecaster.json").read_text())["task"]["horizon"]
    assert list(fc.columns) == ["unique_id", "ds"] + [f"q{t:g}" for t in taus] + ["model"]
    assert set(fc["model"]) == {json.loads((run_dir / "adapter" / "serving.json").read_text())["served"]}
    assert len(fc) == 8 * horizon and fc["unique_id"].nunique() == 8
    assert pd.to_datetime(fc["ds"]).min() == pd.to_datetime(tiny_demand["ds"]).max() + pd.Timedelta(days=1)
    q = fc[[f"q{t:g}" for t in taus]].to_numpy()
    assert (q >= 0).all() and (q[:, 1:] >= q[:, :-1] - 1e-9).all()         # non-negative, ordered quantiles
    with pytest.raises(FileNotFoundError, match="adapter folder not found"):
        evaluate_adapter(cfg, tmp_path / "nope")
    with pytest.raises(FileNotFoundError, match="adapter folder not found"):
        predict_file(cfg, tmp_path / "nope", csv, tmp_path / "x.csv")


def test_cli_reports_bad_files_clearly(tmp_path, capsys):
    from workbench.cli import main

    bad = tmp_path / "bad.csv"
    bad.write_text("unique_id,ds,y\nA,2024-01-01,3\nA,2024-01-01,4\n")
    rc = main(["supply", "backtest", "--file", str(bad), "--smoke", "--output-dir", str(tmp_path)])
    assert rc == 2
    err = capsys.readouterr().err
    assert "bad.csv" in err and "duplicate timestamps" in err


@pytest.mark.slow
def test_smoke_run_adapter_beats_frozen_base_on_the_new_region(tmp_path):
    """The demo's smoke run: adapting to region Ost must improve on the zero-shot base."""
    from workbench.usecases.supply_chain import default_config, run_experiment

    cfg = default_config(smoke=True).with_overrides([f"run.output_dir={tmp_path}"])
    result = run_experiment(cfg)
    m = result["metrics"]
    assert m["adapter"]["wql"] < m["frozen_base"]["wql"]
    assert m["full_finetune"]["wql"] < m["frozen_base"]["wql"]
    assert (tmp_path / cfg.run.name / "adapter" / "README.md").is_file()


def test_monthly_spare_parts_file_runs_with_monthly_lengths_and_a_croston_baseline(tmp_path, capsys):
    """Issue 12: monthly planning is the norm for spare parts; the daily defaults (28 periods of horizon,
    91 of test) cannot back-test four years of months, and Croston is the classic for intermittent demand."""
    import numpy as np
    import pandas as pd

    from workbench.cli import main

    rng = np.random.default_rng(5)
    dates = pd.date_range("2020-01-01", periods=40, freq="MS")
    df = pd.concat([pd.DataFrame({"unique_id": f"T{i:03d}", "ds": dates,
                                  "y": (rng.random(len(dates)) < 0.35) * rng.integers(1, 8, len(dates))})
                    for i in range(12)])
    csv = tmp_path / "ersatzteile.csv"
    df.to_csv(csv, index=False)
    rc = main(["supply", "backtest", "--file", str(csv), "--smoke", "--output-dir", str(tmp_path / "runs"),
               "--name", "teile", "--set", "task.baselines=[seasonal_naive,croston_tsb]",
               "--set", "task.full_finetune=false", "--set", "task.sim_days=120", "--set", "task.sim_skus=4"])
    assert rc == 0
    err = capsys.readouterr().err
    assert "monthly data: lengths left at their daily defaults now count" in err and "horizon=3" in err
    result = json.loads((tmp_path / "runs" / "teile" / "results.json").read_text())
    assert result["frequency"] == "MS" and result["frequency_defaults"]["horizon"] == [14, 3]
    assert {"adapter", "croston_tsb", "seasonal_naive"} <= set(result["metrics"])
    import yaml

    saved = yaml.safe_load((tmp_path / "runs" / "teile" / "config.yaml").read_text())
    assert saved["task"]["horizon"] == 3 and saved["task"]["season_length"] == 12   # the resolved config is saved


def test_evaluate_serves_the_recommended_model_and_each_stored_one_scores_as_in_the_run(cli_run, tmp_path,
                                                                                       tiny_demand):
    """serving.json names the model recommended on validation; every model the folder can serve,
    evaluated on the training file, reproduces the run's own test wQL (same fit, same calibration)."""
    import shutil

    from workbench.serving import SERVING_FILE
    from workbench.usecases.supply_chain import default_config, evaluate_adapter, predict_file
    from workbench.usecases.supply_chain.service import LGBM_DIR

    _, _, run_dir = cli_run
    result = json.loads((run_dir / "results.json").read_text())
    adapter = run_dir / "adapter"
    record = json.loads((adapter / SERVING_FILE).read_text())
    assert record == result["serving"] and record["recommended"] == result["recommendation"]["best"]
    assert set(record["servable"]) == {"adapter", "frozen_base", "full_finetune", "lightgbm", "ets", "seasonal_naive",
                                       "blend"}
    assert record["served"] == (record["recommended"] if record["recommended"] in record["servable"] else "adapter")
    assert record["blend_weight"] == result["blend"]["weight"]

    csv = tmp_path / "history.csv"
    tiny_demand.to_csv(csv, index=False)
    cfg = default_config(smoke=True).with_overrides([f"data.path={csv}"])
    scores = evaluate_adapter(cfg, adapter)
    assert scores["served"] == record["served"] and scores["recommended"] == record["recommended"]
    for role in record["servable"]:
        cfg.task.serve = role
        got = evaluate_adapter(cfg, adapter)
        assert got["served"] == role and got["wql"] == pytest.approx(result["metrics"][role]["wql"], rel=1e-6), role
        assert (got["serving_note"] is None) == (role == record["recommended"])
        fc = pd.read_csv(predict_file(cfg, adapter, csv, tmp_path / f"{role}.csv"))
        q = fc.filter(regex=r"^q\d").to_numpy()
        assert set(fc["model"]) == {role}
        assert len(fc) == 8 * result["task"]["horizon"] and (q >= 0).all() and (q[:, 1:] >= q[:, :-1] - 1e-9).all()

    # The data is read as the run reads it: data.max_rows keeps whole series (4 of the 8 here).
    cfg.task.serve = "recommended"
    assert evaluate_adapter(cfg.with_overrides([f"data.max_rows={len(tiny_demand) // 2}"]), adapter)["n_series"] == 4

    # ... and a split column of the file sets the test period, as it does for a training run.
    dates = sorted(pd.to_datetime(tiny_demand["ds"]).unique())
    own = tiny_demand.assign(split=["test" if d >= dates[110] else "val" if d >= dates[80] else "train"
                                    for d in pd.to_datetime(tiny_demand["ds"])])
    own.to_csv(tmp_path / "own_split.csv", index=False)
    got = evaluate_adapter(cfg.with_overrides([f"data.path={tmp_path / 'own_split.csv'}"]), adapter)
    assert got["test_period"] == [str(dates[110].date()), str(dates[-1].date())]
    assert evaluate_adapter(cfg, adapter)["test_period"][0] == str(dates[-28].date())  # no split column: the last 28

    # A baseline is served from its own files and the run's settings: the adapter and base are not loaded.
    bare = tmp_path / "bare"
    shutil.copytree(adapter, bare)
    for f in bare.glob("adapter_model.*"):
        f.unlink()
    cfg.task.serve = "lightgbm"
    assert evaluate_adapter(cfg, bare)["wql"] == pytest.approx(result["metrics"]["lightgbm"]["wql"], rel=1e-6)
    cfg.task.serve = "adapter"
    with pytest.raises(ValueError, match="bare has no adapter_model.safetensors"):
        evaluate_adapter(cfg, bare)

    # What the folder cannot serve is a clear error; a folder without serving.json serves the adapter.
    cfg.task.serve = "croston_tsb"
    with pytest.raises(ValueError, match=r"task.serve=croston_tsb: .* cannot serve croston_tsb: the run stored"):
        evaluate_adapter(cfg, adapter)
    old = tmp_path / "old"
    shutil.copytree(adapter, old)
    (old / SERVING_FILE).unlink()
    shutil.rmtree(old / LGBM_DIR)
    cfg.task.serve = "recommended"
    assert evaluate_adapter(cfg, old)["served"] == "adapter"
    cfg.task.serve = "lightgbm"
    with pytest.raises(ValueError, match=r"has no serving.json .* use task.serve=adapter"):
        predict_file(cfg, old, csv, tmp_path / "x.csv")


def test_the_notebooks_steps_give_the_runs_figures(cli_run):
    """Notebook 04 composes the run from the library's steps; on the run's config they give the run's
    figures. Before, the notebook built its adapter by hand and left out LightGBM, Croston-TSB, the blend
    and the service-level calibration, so its recommendation could differ from the run's."""
    from pathlib import Path

    from workbench.usecases.supply_chain.backtest import evaluate, forecast_model
    from workbench.usecases.supply_chain.config import SupplyTaskArgs
    from workbench.usecases.supply_chain.experiment import (add_blend, backtest_baselines, calibrate_roles,
                                                            fit_forecasters, prepare_data, simulate_inventory,
                                                            validation_reports)
    from workbench.usecases.supply_chain.pretrain import pretrained_base
    from workbench.usecases.supply_chain.widgets import validation_recommendation

    _, _, run_dir = cli_run
    result = json.loads((run_dir / "results.json").read_text())
    cfg = RunConfig.from_yaml(run_dir / "config.yaml", task_cls=SupplyTaskArgs)
    data = prepare_data(cfg)
    task = cfg.task
    base, _ = pretrained_base(task, freq=data.panel.freq)
    trained = fit_forecasters(cfg, base, data)
    forecasts = {"frozen_base": forecast_model(base, data.panel, data.origins, task, name="frozen_base"),
                 **{role: est.predict(data.panel, origins=data.origins) for role, est in trained.items()}}
    backtest_baselines(forecasts, data, task, seed=cfg.run.seed)
    reports = {role: est.calibration_report_ for role, est in trained.items()} | calibrate_roles(
        forecasts, base, data, task, cfg.run.seed)
    blend = add_blend(forecasts, trained["adapter"].validation_forecasts_, data.panel)
    assert set(forecasts) == {"frozen_base", "adapter", "full_finetune", "seasonal_naive", "ets", "lightgbm", "blend"}
    for role, fc in forecasts.items():
        got = evaluate(fc, data.panel, task, data.split, data.segments)[1]["overall"]
        assert got["wql"] == pytest.approx(result["metrics"][role]["wql"], rel=1e-6), role
    stock = simulate_inventory(forecasts, {"frozen_base": base, **{r: e.model_ for r, e in trained.items()}}, data, task)
    for role in forecasts:
        assert stock["stock_at_target"][role] == pytest.approx(result["stock_at_target"][role], rel=1e-6), role
    assert validation_recommendation(validation_reports(reports, blend))["text"] == result["recommendation"]["text"]
    # ... and the notebook uses these steps, not a model of its own
    nb = Path(__file__).resolve().parents[3] / "notebooks" / "04_supply_chain.ipynb"
    text = "".join("".join(c["source"]) for c in json.loads(nb.read_text())["cells"])
    for step in ("prepare_data(cfg)", "fit_forecasters(cfg", "backtest_baselines(", "calibrate_roles(",
                 "add_blend(", "simulate_inventory(", "validation_reports("):
        assert step in text, step
    assert "DemandForecaster(task" not in text
