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


def test_cli_train_evaluate_predict_on_user_files(tmp_path, capsys):
    from workbench.cli import main
    from workbench.conll import read_tagged, write_tagged

    sents = generate(150, seed=7)
    files = {}
    for name, part in (("a.conll", sents[:100]), ("b.conll", sents[100:120]), ("c.jsonl", sents[120:])):
        write_tagged(tmp_path / name, part)
        files[name] = str(tmp_path / name)
    assert main(["train", "--usecase", "legal_ner", "--smoke", "--output-dir", str(tmp_path / "runs"), "--name", "cli",
                 "--train", files["a.conll"], "--val", files["b.conll"], "--test", files["c.jsonl"]]) == 0
    out = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    adapter = str(tmp_path / "runs" / "cli" / "adapter")
    assert out["metrics"]["baseline"]["micro_f1"] > 0.5
    assert main(["evaluate", "--usecase", "legal_ner", "--smoke", "--adapter", adapter, "--test", files["c.jsonl"]]) == 0
    ev = json.loads(capsys.readouterr().out.strip().splitlines()[-1])["metrics"]
    assert ev["sentences"] == 30 and ev["tagset"] == "coarse" and 0.0 <= ev["micro_f1"] <= 1.0
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
