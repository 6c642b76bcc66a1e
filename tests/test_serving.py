"""The core serving record and plan that every use case with a stored baseline uses."""

import json

import pytest

from workbench.serving import SERVING_FILE, adapter_folder, read_serving, serving_plan, serving_record


def test_the_record_serves_the_recommendation_only_where_the_folder_holds_it():
    rec = serving_record({"best": "baseline"}, ("adapter", "baseline"), chosen_on="validation (x)", weight=0.3)
    assert rec == {"recommended": "baseline", "served": "baseline", "note": None, "chosen_on": "validation (x)",
                   "servable": ["adapter", "baseline"], "weight": 0.3}
    rec = serving_record({"best": "frozen_base"}, ("adapter", "baseline"), chosen_on="v")
    assert rec["served"] == "adapter" and "frozen_base" in rec["note"]
    # No recommendation (no validation data): the adapter, and the note says the record has none.
    rec = serving_record(None, ("adapter",), chosen_on="v")
    assert rec["recommended"] is None and rec["served"] == "adapter"


def test_an_adapter_folder_is_checked_once_with_the_use_case_and_missing_files_named(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"adapter folder not found: .*nowhere \(give the adapter/ folder of a "
                                                r"maintenance run"):
        adapter_folder(tmp_path / "nowhere", "maintenance")
    (tmp_path / "a.json").write_text("{}")
    with pytest.raises(FileNotFoundError, match="is not a legal_de adapter folder: b.json missing"):
        adapter_folder(tmp_path, "legal_de", needs=("a.json", "b.json"))
    assert adapter_folder(str(tmp_path), "legal_de", needs=("a.json",)) == tmp_path


def test_the_plan_follows_the_record_an_override_or_a_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="adapter folder not found: .*nowhere"):
        serving_plan(tmp_path / "nowhere", "recommended")
    assert read_serving(tmp_path) == {}
    assert serving_plan(tmp_path, "recommended") == {"served": "adapter", "recommended": None, "note": None,
                                                     "record": {}}
    (tmp_path / SERVING_FILE).write_text(json.dumps(
        serving_record({"best": "baseline"}, ("adapter", "baseline"), chosen_on="v")))
    assert serving_plan(tmp_path, "recommended")["served"] == "baseline"
    override = serving_plan(tmp_path, "adapter")
    assert override["served"] == "adapter" and override["note"] == "task.serve=adapter (the run recommended baseline)"
    assert serving_plan(tmp_path, "baseline")["note"] is None

    def missing(served, record):
        return "holds no baseline model; use task.serve=adapter" if served == "baseline" else None

    with pytest.raises(ValueError, match=r"^task.serve=recommended: .* holds no baseline model"):
        serving_plan(tmp_path, "recommended", missing)
    assert serving_plan(tmp_path, "adapter", missing)["served"] == "adapter"
    # A role the run did not store is refused by the record alone (no use-case check needed).
    with pytest.raises(ValueError, match=r"^task.serve=blend: .* cannot serve blend: the run stored adapter, baseline"):
        serving_plan(tmp_path, "blend")
