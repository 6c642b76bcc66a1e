"""Tests of the Hugging Face model card: front matter fields, baselines table, TODO markers."""

from __future__ import annotations

import pytest

from workbench.governance.modelcard import TODO, read_front_matter, render_model_card, write_model_card

INFO = {
    "name": "legal-clauses-v1",
    "base_model": "sentence-transformers/all-MiniLM-L6-v2",
    "license": "apache-2.0",
    "language": "de",
    "usecase": "legal_de",
    "task": "text-classification",
    "datasets": [{"name": "mietrecht.csv", "fingerprint": "sha256:abc", "rows": 601}],
    "metrics": {"baseline": {"macro_f1": 0.81, "rmse": 2.0}, "frozen_base": {"macro_f1": 0.70},
                "adapter": {"macro_f1": 0.84, "rmse": 2.5, "nan_metric": float("nan")}},
    "compute": {"seconds": 312.5, "accelerator": "cpu", "precision": "32-true"},
    "config": {"lora": {"r": 8}},
    "limitations": ["English vocabulary: German words split into many pieces"],
    "run": "legal-tiny",
}


def test_front_matter_has_hub_fields(tmp_path):
    path = write_model_card(tmp_path / "adapter", INFO)
    meta = read_front_matter(path)
    assert meta["base_model"] == INFO["base_model"]
    assert meta["library_name"] == "peft" and meta["license"] == "apache-2.0"
    assert meta["datasets"] == ["mietrecht.csv"] and meta["language"] == ["de"]
    assert {"ki-werkbank", "lora", "legal_de"} <= set(meta["tags"])
    results = meta["model-index"][0]["results"][0]
    assert {m["type"]: m["value"] for m in results["metrics"]} == {"macro_f1": 0.84, "rmse": 2.5}
    assert "macro_f1" in meta["metrics"]


def test_body_compares_with_baselines_and_marks_human_parts(tmp_path):
    text = render_model_card(INFO)
    assert "| macro_f1 | 0.81 | 0.7 | 0.84 |" in text
    assert "macro_f1: adapter 0.84 is better than baseline 0.81" in text
    assert "rmse: adapter 2.5 is WORSE than baseline 2" in text  # lower is better
    assert "sha256:abc" in text and "601" in text
    assert "## Intended use" in text and TODO in text
    assert "English vocabulary" in text and "seconds: 312.5" in text


def test_minimal_info_still_gives_a_valid_card(tmp_path):
    path = write_model_card(tmp_path, {"data_fingerprint": "sha256:def"})
    meta = read_front_matter(tmp_path)
    assert meta["base_model"] == "unknown" and "model-index" not in meta
    assert "sha256:def" in path.read_text() and "No evaluation results" in path.read_text()


def test_bad_info_type_and_missing_front_matter(tmp_path):
    with pytest.raises(TypeError, match="dict"):
        render_model_card(["not", "a", "dict"])  # type: ignore[arg-type]
    (tmp_path / "README.md").write_text("# no metadata\n")
    with pytest.raises(ValueError, match="front matter"):
        read_front_matter(tmp_path)


def test_the_card_names_the_served_model_from_the_folders_serving_json(tmp_path):
    """A compliance reader sees which model evaluate/predict use, and that it was chosen on validation."""
    import json

    from workbench.serving import SERVING_FILE, serving_record

    folder = tmp_path / "adapter"
    folder.mkdir()
    assert "Which model is served" not in write_model_card(folder, INFO).read_text()  # no serving.json: none
    (folder / SERVING_FILE).write_text(json.dumps(serving_record(
        {"best": "frozen_base"}, ("adapter", "baseline"), chosen_on="validation rows (macro-F1)")))
    text = write_model_card(folder, INFO).read_text()
    assert "## Which model is served" in text
    assert "- recommended on validation rows (macro-F1): `frozen_base`" in text
    assert "served by `workbench evaluate` / `workbench predict`: `adapter` (the recommended model " \
           "(frozen_base) is not stored in the adapter folder: the adapter is served)" in text
