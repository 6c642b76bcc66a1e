"""A tiny run end to end, the CLI verbs, and the widget's HTML."""

import json

import pytest

from workbench.usecases import legal_ner
from workbench.usecases.legal_ner.data import generate
from workbench.usecases.legal_ner.widgets import highlight_html


@pytest.fixture(scope="module")
def result(tmp_path_factory):
    cfg = legal_ner.default_config(smoke=True)
    cfg.run.output_dir = str(tmp_path_factory.mktemp("runs"))
    return legal_ner.run_experiment(cfg)


def test_smoke_run_compares_three_models_and_saves_the_adapter(result):
    from pathlib import Path

    m = result["metrics"]
    assert set(m) == {"baseline", "frozen_base", "adapter"}
    for v in m.values():
        assert 0.0 <= v["micro_f1"] <= 1.0 and set(v["per_class"]) <= {"PER", "LOC", "ORG", "NRM", "REG", "RS", "LIT"}
    assert m["baseline"]["micro_f1"] > 0.6  # the CRF learns the regular generated data
    assert result["verdict"].startswith("Best model on this data")
    assert result["split"]["source"] == "generated" and result["split"]["unit"] == "sentences"
    adapter = Path(result["adapter_dir"])
    assert (adapter / "adapter_model.safetensors").is_file() and (adapter / "crf.crfsuite").is_file()
    assert (adapter / "README.md").is_file()
    assert json.loads((Path(result["run_dir"]) / "results.json").read_text())["verdict"] == result["verdict"]
    html = legal_ner.report_section(result)
    assert "Entity F1 per class" in html and result["verdict"].split("(")[0].strip()[:20] in html


@pytest.fixture(scope="module")
def cli_run(tmp_path_factory):
    """`workbench train` on three user files (a: train, b: val, c: test); returns (folder, files, adapter, out)."""
    import contextlib
    import io

    from workbench.cli import main
    from workbench.conll import write_tagged

    tmp_path = tmp_path_factory.mktemp("cli")
    # Distinct sentences: the generator repeats a few, and a repeat in c.jsonl would (rightly) be
    # skipped by `evaluate` as a training sentence.
    sents = list({" ".join(words): (words, tags) for words, tags in generate(220, seed=7)}.values())[:150]
    assert len(sents) == 150
    files = {}
    for name, part in (("a.conll", sents[:100]), ("b.conll", sents[100:120]), ("c.jsonl", sents[120:])):
        write_tagged(tmp_path / name, part)
        files[name] = str(tmp_path / name)
    stdout = io.StringIO()
    with contextlib.redirect_stdout(stdout):
        code = main(["train", "--usecase", "legal_ner", "--smoke", "--output-dir", str(tmp_path / "runs"), "--name",
                     "cli", "--train", files["a.conll"], "--val", files["b.conll"], "--test", files["c.jsonl"]])
    assert code == 0
    out = json.loads(stdout.getvalue().strip().splitlines()[-1])
    return tmp_path, files, str(tmp_path / "runs" / "cli" / "adapter"), out


def test_cli_train_evaluate_predict_on_user_files(cli_run, capsys):
    from workbench.cli import main
    from workbench.conll import read_tagged

    tmp_path, files, adapter, out = cli_run
    assert out["metrics"]["baseline"]["micro_f1"] > 0.5
    # The train line carries the honest lines: the test verdict and the validation recommendation.
    assert out["verdict"].startswith("Best model on this data")
    assert out["recommendation"].startswith("Recommended (chosen on validation sentences)")
    assert main(["evaluate", "--usecase", "legal_ner", "--smoke", "--adapter", adapter, "--test", files["c.jsonl"]]) == 0
    ev = json.loads(capsys.readouterr().out.strip().splitlines()[-1])["metrics"]
    assert ev["sentences"] == 30 and ev["tagset"] == "coarse" and 0.0 <= ev["micro_f1"] <= 1.0
    # Decoding is not learnt: evaluate takes the user's choice, and a wrong one is named.
    assert main(["evaluate", "--usecase", "legal_ner", "--smoke", "--adapter", adapter, "--test", files["c.jsonl"],
                 "--set", "task.decoding=argmax"]) == 0
    assert 0.0 <= json.loads(capsys.readouterr().out.strip().splitlines()[-1])["metrics"]["micro_f1"] <= 1.0
    assert main(["evaluate", "--usecase", "legal_ner", "--smoke", "--adapter", adapter, "--test", files["c.jsonl"],
                 "--set", "task.decoding=beam"]) == 2
    assert "task.decoding: expected 'viterbi' or 'argmax', got 'beam'" in capsys.readouterr().err
    plain = tmp_path / "urteil.txt"
    plain.write_text("Der Kläger Meier wohnt in Köln.\nDer Anspruch folgt aus § 535 Abs. 1 BGB.\n", encoding="utf-8")
    assert main(["predict", "--usecase", "legal_ner", "--smoke", "--adapter", adapter, "--input", str(plain),
                 "--output", str(tmp_path / "out.conll")]) == 0
    tagged = read_tagged(tmp_path / "out.conll")
    assert [w for w, _ in tagged][1][-6:] == ["§", "535", "Abs.", "1", "BGB", "."]
    assert all(t == "O" or t[2:] in {"PER", "LOC", "ORG", "NRM", "REG", "RS", "LIT"} for _, ts in tagged for t in ts)
    assert main(["train", "--usecase", "legal_ner", "--smoke", "--train", files["a.conll"], "--text-column", "x"]) == 2


def test_highlight_escapes_and_colours_entities():
    html = highlight_html(["Richter", "<b>Meier</b>", "§", "1", "BGB"], ["O", "B-RR", "B-GS", "I-GS", "I-GS"])
    assert "&lt;b&gt;Meier&lt;/b&gt;" in html and "<b>Meier" not in html
    assert html.count("<mark") == 2 and "§ 1 BGB" in html


def test_evaluate_skips_training_sentences_and_names_the_count(cli_run, capsys, monkeypatch):
    """An evaluation file that overlaps the training data is flagged; a clean one is not."""
    from workbench.conll import read_tagged, write_tagged
    from workbench.io import fingerprint_file
    from workbench.splits import SplitError
    from workbench.usecases.legal_ner.inference import evaluate_adapter

    monkeypatch.delenv("WORKBENCH_QUIET", raising=False)  # the warning line is part of what is checked
    tmp_path, files, adapter, _ = cli_run
    cfg = legal_ner.default_config(smoke=True)
    cfg.data.path = files["c.jsonl"]
    clean = evaluate_adapter(cfg, adapter)
    assert clean["sentences"] == 30 and clean["seen_sentences"] == 0 and "none was used in training" in clean["selection"]
    assert clean["data_fingerprint"] == fingerprint_file(files["c.jsonl"])
    assert "warning" not in capsys.readouterr().err
    from workbench.governance.audit import read_entries

    entry = read_entries()[-1]  # the evaluation is on the audit trail: which adapter, which data, what score
    assert entry["operation"] == "evaluate" and entry["details"]["usecase"] == "legal_ner"
    assert entry["details"]["data_fingerprint"] == clean["data_fingerprint"] and entry["outputs"]["micro_f1"] == clean["micro_f1"]

    mixed = tmp_path / "mixed.conll"
    write_tagged(mixed, read_tagged(files["a.conll"])[:12] + read_tagged(files["b.conll"])[:3]
                 + read_tagged(files["c.jsonl"]))
    cfg.data.path = str(mixed)
    res = evaluate_adapter(cfg, adapter)
    assert res["sentences"] == 30 and res["seen_sentences"] == 15
    assert "15 of 45 sentences" in capsys.readouterr().err and "15 sentences" in res["selection"]
    assert res["micro_f1"] == clean["micro_f1"]  # exactly the clean sentences were scored

    cfg.data.path = files["a.conll"]
    with pytest.raises(SplitError, match=r"all 100 sentences were used to train or validate this adapter"):
        evaluate_adapter(cfg, adapter)


def test_run_info_and_seen_record_carry_the_training_data_fingerprint(result, cli_run):
    from pathlib import Path

    from workbench.io import fingerprint_file
    from workbench.splits import text_hash
    from workbench.usecases.legal_ner.data import prepare_data, sentence_text

    for run_dir, adapter in ((Path(result["run_dir"]), Path(result["adapter_dir"])),
                             (Path(cli_run[2]).parent, Path(cli_run[2]))):
        info = json.loads((run_dir / "run_info.json").read_text())
        seen = json.loads((adapter / "seen_texts.json").read_text())
        assert info["data_fingerprint"].startswith("sha256:") and info["data_fingerprint"] == seen["data_fingerprint"]
    # The generated run: exactly its training+validation and its test sentences are recorded (as hashes).
    train, val, test, info = prepare_data(legal_ner.default_config(smoke=True))
    seen = json.loads((Path(result["adapter_dir"]) / "seen_texts.json").read_text())
    assert set(seen["texts"]) == {text_hash(sentence_text(s)) for s in (*train, *val)}
    assert set(seen["test_texts"]) == {text_hash(sentence_text(s)) for s in test}
    assert seen["data_fingerprint"] == info["fingerprint"]
    seen = json.loads((Path(cli_run[2]) / "seen_texts.json").read_text())
    assert (len(seen["texts"]), len(seen["test_texts"])) == (120, 30)  # distinct sentences of a+b, and of c
    files = cli_run[1]
    expected = "+".join(fingerprint_file(files[k]) for k in ("a.conll", "b.conll", "c.jsonl"))
    assert json.loads((Path(cli_run[2]).parent / "run_info.json").read_text())["data_fingerprint"] == expected



def test_the_recommendation_is_chosen_on_validation_sentences_and_served(result, tmp_path):
    """The run recommends on validation F1, stores it, and evaluate/predict serve that tagger."""
    import shutil
    from pathlib import Path

    from workbench.usecases.legal_ner.baselines import CRF_FILE, CrfTagger
    from workbench.usecases.legal_ner.data import prepare_data
    from workbench.usecases.legal_ner.experiment import SERVING_FILE
    from workbench.usecases.legal_ner.inference import evaluate_adapter, load_tagger
    from workbench.usecases.legal_ner.task import score

    m, rec = result["metrics"], result["recommendation"]
    val_scores = {k: v["val_micro_f1"] for k, v in m.items()}
    assert all(0.0 <= s <= 1.0 for s in val_scores.values())
    assert rec["criterion"] == "val_micro_f1" and rec["text"].startswith("Recommended (chosen on validation sentences)")
    assert val_scores[rec["best"]] >= max(val_scores.values()) * 0.99  # the best, or tied with it (simpler wins)
    adapter = Path(result["adapter_dir"])
    record = json.loads((adapter / SERVING_FILE).read_text())
    assert record["recommended"] == rec["best"] and record["served"] in ("adapter", "baseline")
    assert rec["text"] in legal_ner.report_section(result)

    cfg = legal_ner.default_config(smoke=True)
    _, _, test, _ = prepare_data(cfg)
    crf_f1 = score(test, CrfTagger.load(adapter / CRF_FILE).predict([w for w, _ in test]))["micro_f1"]
    cfg.task.serve = "baseline"
    as_crf = evaluate_adapter(cfg, str(adapter))
    assert as_crf["served"] == "baseline" and as_crf["micro_f1"] == pytest.approx(crf_f1)
    assert as_crf["micro_f1"] == pytest.approx(m["baseline"]["micro_f1"])  # the run's own test score, again
    cfg.task.serve = "adapter"
    as_lora = evaluate_adapter(cfg, str(adapter))
    assert as_lora["served"] == "adapter" and as_lora["micro_f1"] == pytest.approx(m["adapter"]["micro_f1"])
    cfg.task.serve = "recommended"
    assert load_tagger(adapter, cfg).serving_["served"] == record["served"]

    # A folder without the CRF file cannot serve it, and says so; without serving.json it serves the adapter.
    bare = tmp_path / "bare"
    shutil.copytree(adapter, bare)
    (bare / CRF_FILE).unlink()
    (bare / SERVING_FILE).unlink()
    assert load_tagger(bare, cfg).serving_ == {"served": "adapter", "recommended": None, "note": None}
    cfg.task.serve = "baseline"
    with pytest.raises(ValueError, match=r"task.serve=baseline: .* holds no CRF \(crf.crfsuite\)"):
        load_tagger(bare, cfg)


def test_recommend_picks_the_best_validation_score_and_serves_what_the_folder_holds():
    from workbench.usecases.legal_ner.experiment import recommend, serving_record

    m = {"baseline": {"val_micro_f1": 0.80, "micro_f1": 0.99}, "frozen_base": {"val_micro_f1": 0.50},
         "adapter": {"val_micro_f1": 0.90, "micro_f1": 0.10}}
    rec = recommend(m)
    assert rec["best"] == "adapter"  # validation decides; the test column is not read
    assert serving_record(rec) == {"recommended": "adapter", "served": "adapter", "note": None,
                                   "chosen_on": "validation sentences (entity micro-F1)",
                                   "servable": ["adapter", "baseline"]}
    m["baseline"]["val_micro_f1"] = 0.895  # within 1 %: the simpler CRF
    assert recommend(m)["best"] == "baseline"
    m["frozen_base"]["val_micro_f1"] = 0.95
    record = serving_record(recommend(m))
    assert record["served"] == "adapter" and "frozen_base" in record["note"]
    assert recommend({k: {"val_micro_f1": None} for k in m})["best"] is None
