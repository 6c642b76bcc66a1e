"""The user's own split (workbench.splits): split column values, separate files, the run's record."""

from __future__ import annotations

import pandas as pd
import pytest

from workbench.config import ConfigError, DataArgs, RunConfig
from workbench.splits import SplitError, column_split, describe, file_split, normalise, record


def test_aliases_are_normalised_case_and_space_insensitive():
    got = normalise(pd.Series(["Train", " validation ", "DEV", "test", "holdout", "training", "valid", "eval"]))
    assert list(got) == ["train", "val", "val", "test", "test", "train", "val", "test"]


def test_bad_value_names_file_column_and_row():
    with pytest.raises(SplitError, match=r"x\.csv: column 'Teil' has the value 'spaeter' at data row 3 \(1 rows"):
        normalise(pd.Series(["train", "test", "spaeter"]), column="Teil", source="x.csv")


def test_column_split_uses_the_column_as_given():
    df = pd.DataFrame({"a": range(6), "split": ["train", "train", "val", "test", "train", "Test"]})
    parts = column_split(df, source="f.csv")
    assert {k: list(v["a"]) for k, v in parts.items()} == {"train": [0, 1, 4], "val": [2], "test": [3, 5]}
    assert "split" not in parts["train"].columns
    assert column_split(df.drop(columns="split")) is None
    with pytest.raises(SplitError, match="has no train rows"):
        column_split(pd.DataFrame({"a": [1], "split": ["test"]}))


def test_file_split_reads_only_given_files_and_names_missing_ones(tmp_path):
    (tmp_path / "tr.csv").write_text("a\n1\n")
    (tmp_path / "te.csv").write_text("a\n2\n3\n")
    data = DataArgs(train=str(tmp_path / "tr.csv"), test=str(tmp_path / "te.csv"))
    parts = file_split(data, pd.read_csv)
    assert set(parts) == {"train", "test"} and len(parts["test"]) == 2
    assert file_split(DataArgs(), pd.read_csv) is None
    with pytest.raises(FileNotFoundError, match="--val file not found: .*nope.csv"):
        file_split(DataArgs(train=str(tmp_path / "tr.csv"), val=str(tmp_path / "nope.csv")), pd.read_csv)


def test_config_refuses_val_without_train_and_train_with_data_at_once():
    with pytest.raises(ConfigError) as exc:
        RunConfig.from_dict({"data": {"val": "v.csv", "split_column": ""}})
    assert "need --train" in str(exc.value) and "split_column" in str(exc.value)
    with pytest.raises(ConfigError, match="not both"):
        RunConfig.from_dict({"data": {"path": "a.csv", "train": "b.csv"}})


def test_record_and_describe():
    r = record("files", {"train": 700, "val": 80, "test": 180}, files={"train": "a.csv"})
    assert r["source"] == "files" and r["sizes"]["test"] == 180 and r["unit"] == "rows"
    assert describe(r) == "your files: train 700, val 80, test 180 rows"
    with pytest.raises(ValueError):
        record("random", {})


def test_seen_texts_round_trip_and_unseen_selection(tmp_path):
    from workbench.splits import SEEN_FILE, read_seen_texts, select_unseen_texts, text_hash, write_seen_texts

    assert read_seen_texts(tmp_path) is None
    write_seen_texts(tmp_path, ["a b", " c "], test_texts=["t1", "t2"], split="s", data_fingerprint="sha256:x")
    seen = read_seen_texts(tmp_path)
    assert "a b" not in (tmp_path / SEEN_FILE).read_text()  # hashes only, never the texts
    assert seen["texts"] == sorted({text_hash("a b"), text_hash("c")}) and seen["data_fingerprint"] == "sha256:x"
    keep, n_seen, why = select_unseen_texts(["x", "c", "a b", "y"], seen, "sha256:other", unit="sentences", source="f")
    assert keep == [0, 3] and n_seen == 2 and "2 sentences of f were used" in why
    assert select_unseen_texts(["x"], seen)[:2] == ([0], 0)
    keep, n_seen, why = select_unseen_texts(["t2", "a b", "t1", "z"], seen, "sha256:x")  # the training file again
    assert keep == [0, 2] and "test rows of the recorded split" in why
    with pytest.raises(SplitError, match="f: all 2 rows were used to train or validate"):
        select_unseen_texts(["c", "a b"], seen, source="f")
    assert select_unseen_texts(["c"], None)[:2] == ([0], 0)  # an adapter without a record: every row
