"""Tests of evaluating and predicting with a saved clause adapter: only unseen rows are scored,
clear errors for a missing or foreign adapter, and predictions keep every input column."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from workbench.usecases import legal_de
from workbench.usecases.legal_de.data import DataError, load_generated_sample
from workbench.usecases.legal_de.inference import (SEEN_FILE, check_adapter_dir, evaluate_adapter, predict_file,
                                                   text_hash)

LABELS = ["Haftung", "Kündigung", "Datenschutz", "Gerichtsstand"]


@pytest.fixture(scope="module")
def user_run(tmp_path_factory):
    """A tiny run on a user's CSV file without a split column (random split, seed 0)."""
    root = tmp_path_factory.mktemp("legal_user")
    sample = load_generated_sample()
    own = (sample[sample["label"].isin(LABELS)].groupby("label").head(30)
           .rename(columns={"text": "Klausel", "label": "Typ"}))
    own.insert(0, "id", [f"K-{i:04d}" for i in range(len(own))])
    path = root / "klauseln.csv"
    own = own[["id", "Klausel", "Typ"]].reset_index(drop=True)
    own.to_csv(path, sep=";", index=False, encoding="utf-8-sig")
    cfg = legal_de.default_config(smoke=True)
    cfg.run.output_dir, cfg.run.name = str(root), "own"
    cfg.data.path, cfg.data.columns = str(path), {"text": "Klausel", "label": "Typ"}
    cfg.task.max_train_rows = cfg.task.max_eval_rows = None
    cfg.task.max_length, cfg.train.max_epochs = 32, 1
    result = legal_de.run_experiment(cfg)
    return {"cfg": cfg, "result": result, "path": path, "frame": own, "root": root}


def _cfg_for(run, path):
    cfg = run["cfg"].with_overrides([])
    cfg.data.path = str(path)
    return cfg


def test_run_records_the_random_split_and_the_seen_texts(user_run):
    result = user_run["result"]
    assert result["data"]["split"] == "random split, seed 0"
    seen = json.loads((Path(result["adapter_dir"]) / SEEN_FILE).read_text())
    assert seen["split"] == "random split, seed 0" and seen["data_fingerprint"] == result["data"]["fingerprint"]
    rows = result["data"]["rows"]
    assert len(seen["texts"]) == rows["train"] + rows["val"]
    test_hashes = {text_hash(t) for t in result["examples"]["text"]}
    assert not test_hashes & set(seen["texts"]) and set(seen["test_texts"]) == test_hashes


def test_evaluate_on_the_full_training_file_scores_only_its_test_rows(user_run):
    result = user_run["result"]
    metrics = evaluate_adapter(_cfg_for(user_run, user_run["path"]), result["adapter_dir"])
    assert metrics["scored_rows"] == result["data"]["rows"]["test"] == metrics["n"]
    assert metrics["selection"] == (f"test rows of the recorded split (random split, seed 0): "
                                    f"{metrics['scored_rows']} of {len(user_run['frame'])} rows")
    # The same rows as in the run: the same score, of the served model (the recommended one) and of
    # the adapter alone.
    served = result["serving"]["served"]
    assert metrics["model"] == served == result["recommendation"]["best"] and metrics["serving_note"] is None
    assert metrics["macro_f1"] == pytest.approx(result["metrics"][served]["macro_f1"])
    assert metrics["adapter_alone"]["macro_f1"] == pytest.approx(result["metrics"]["adapter"]["macro_f1"])


def test_the_recommendation_is_chosen_on_validation_rows_and_each_model_can_be_served(user_run):
    """Validation macro-F1 decides (the hybrid only when clearly better); TF-IDF, the adapter and the
    hybrid are all served from the folder and score on the run's test rows as they did in the run."""
    from workbench.metrics import recommendation
    from workbench.usecases.legal_de.experiment import recommend

    result = user_run["result"]
    m, rec = result["metrics"], result["recommendation"]
    val = {k: v["val_macro_f1"] for k, v in m.items()}
    assert set(val) == {"baseline", "frozen_base", "adapter", "hybrid"} and all(0 <= x <= 1 for x in val.values())
    assert rec["criterion"] == "val_macro_f1" and rec["text"].startswith("Recommended (chosen on validation rows)")
    assert rec["best"] == recommendation(val, "validation macro-F1", on="validation rows", lower_is_better=False,
                                         blend="hybrid")["best"]
    singles = max(v for k, v in val.items() if k != "hybrid")
    assert (rec["best"] == "hybrid") == (val["hybrid"] > 1.01 * singles)
    assert val["hybrid"] >= max(val["baseline"], val["adapter"])  # its weight grid holds both ends
    cfg = _cfg_for(user_run, user_run["path"])
    for role in ("baseline", "adapter", "hybrid"):
        cfg.task.serve = role
        got = evaluate_adapter(cfg, result["adapter_dir"])
        assert got["model"] == role and got["macro_f1"] == pytest.approx(m[role]["macro_f1"]), role
        assert (got["serving_note"] is None) == (role == rec["best"])
    # Served as TF-IDF, predict gives TF-IDF's own labels (and needs no encoder pass for them).
    from workbench.usecases.legal_de.hybrid import load_tfidf

    cfg.task.serve = "baseline"
    texts = user_run["frame"]["Klausel"].head(12)
    texts.to_frame().to_csv(user_run["root"] / "neu.csv", index=False)
    out = predict_file(cfg, result["adapter_dir"], user_run["root"] / "neu.csv", user_run["root"] / "neu.pred.csv")
    tfidf = load_tfidf(Path(result["adapter_dir"]) / "tfidf")
    assert pd.read_csv(out)["prediction"].tolist() == tfidf.predict(texts.tolist())
    # A hybrid that only ties goes to the simpler single model.
    tie = {"baseline": {"val_macro_f1": 0.80}, "adapter": {"val_macro_f1": 0.70}, "hybrid": {"val_macro_f1": 0.805}}
    assert recommend(tie)["best"] == "baseline"
    tie["hybrid"]["val_macro_f1"] = 0.82
    assert recommend(tie)["best"] == "hybrid"


def test_evaluate_on_a_test_only_file_scores_every_row(user_run, tmp_path):
    frame = user_run["frame"]
    test_texts = set(user_run["result"]["examples"]["text"])
    only = frame[frame["Klausel"].isin(test_texts)].head(10)
    path = tmp_path / "nur_test.csv"
    only.to_csv(path, index=False)
    metrics = evaluate_adapter(_cfg_for(user_run, path), user_run["result"]["adapter_dir"])
    assert metrics["scored_rows"] == 10 and metrics["selection"].startswith("every row")
    train_only = frame[~frame["Klausel"].isin(test_texts)]
    path2 = tmp_path / "nur_training.csv"
    train_only.to_csv(path2, index=False)
    with pytest.raises(DataError, match="every row of the file was used to train or validate"):
        evaluate_adapter(_cfg_for(user_run, path2), user_run["result"]["adapter_dir"])


def test_evaluate_uses_a_split_column_and_refuses_a_foreign_adapter(user_run, tmp_path):
    frame = user_run["frame"].copy()
    frame["split"] = ["test" if i % 5 == 0 else "train" for i in range(len(frame))]
    path = tmp_path / "mit_split.csv"
    frame.to_csv(path, index=False)
    metrics = evaluate_adapter(_cfg_for(user_run, path), user_run["result"]["adapter_dir"])
    assert metrics["scored_rows"] == (frame["split"] == "test").sum()
    assert metrics["selection"].startswith("file split column")
    foreign = pd.DataFrame({"Klausel": ["Der Mietzins ist monatlich zu zahlen.", "Die Ware ist zu prüfen."],
                            "Typ": ["Miete", "Kauf"]})
    path = tmp_path / "fremd.csv"
    foreign.to_csv(path, index=False)
    with pytest.raises(DataError, match=r"trained for the labels .* none match"):
        evaluate_adapter(_cfg_for(user_run, path), user_run["result"]["adapter_dir"])


def test_missing_adapter_folder_is_named(user_run, tmp_path, capsys):
    from workbench.cli import main

    with pytest.raises(FileNotFoundError, match="adapter folder not found: .*nirgends"):
        evaluate_adapter(user_run["cfg"], tmp_path / "nirgends")
    with pytest.raises(FileNotFoundError, match="not a legal_de adapter folder: adapter_config.json, label_map.json"):
        check_adapter_dir(tmp_path)
    assert main(["evaluate", "--usecase", "legal_de", "--smoke", "--adapter", str(tmp_path / "nirgends")]) == 2
    err = capsys.readouterr().err
    assert "adapter folder not found" in err and "label_map" not in err


def test_predict_keeps_every_input_column(user_run, tmp_path):
    src = tmp_path / "neu.csv"
    pd.DataFrame({"id": ["A-1", "A-2"], "Datum": ["01.02.2026", "03.04.2026"],
                  "Klausel": ["Gerichtsstand ist München.", "Der Auftragnehmer haftet nur für Vorsatz."]}
                 ).to_csv(src, index=False)
    out = tmp_path / "pred.csv"
    predict_file(user_run["cfg"], user_run["result"]["adapter_dir"], str(src), str(out))
    pred = pd.read_csv(out, dtype=str)
    assert list(pred.columns[:3]) == ["id", "Datum", "Klausel"]
    assert pred["id"].tolist() == ["A-1", "A-2"] and pred["Datum"].tolist() == ["01.02.2026", "03.04.2026"]
    assert "prediction" in pred.columns and {f"p_{x}" for x in LABELS} <= set(pred.columns)
    assert pred["model"].tolist() == [user_run["result"]["serving"]["served"]] * 2
    clash = tmp_path / "clash.csv"
    pd.DataFrame({"Klausel": ["x"], "model": ["y"]}).to_csv(clash, index=False)
    with pytest.raises(DataError, match=r"already has the column\(s\) \['model'\]"):
        predict_file(user_run["cfg"], user_run["result"]["adapter_dir"], str(clash), str(out))
