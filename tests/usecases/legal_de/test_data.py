"""Tests of the clause generator, the shipped sample, the loaders' errors and the splits."""

from __future__ import annotations

import json
import random
import re

import pandas as pd
import pytest

from workbench.usecases.legal_de import templates as T
from workbench.usecases.legal_de.data import (SAMPLE_ARGS, DataError, expand, family_splits, generate_clauses,
                                              label_list, load_generated_sample, load_labelled_text,
                                              load_mietrecht, prepare_data, sample_path, split_frame, subsample)


@pytest.fixture(scope="module")
def sample() -> pd.DataFrame:
    return load_generated_sample()


# ----------------------------------------------------------------------------- generator
def test_expand_alternatives_slots_and_nesting():
    rng = random.Random(0)
    seen = {expand("[a|b [x|y]] {A}.", {"A": "Kunde"}, rng) for _ in range(200)}
    assert seen == {"a Kunde.", "b x Kunde.", "b y Kunde."}
    assert expand("Der [sofortige |]Rücktritt", {}, random.Random(1)) in {"Der sofortige Rücktritt", "Der Rücktritt"}
    with pytest.raises(KeyError):
        expand("{unknown}", {}, rng)


def test_every_template_expands_without_leftover_syntax():
    rng = random.Random(3)
    slots = {k: v[0] for k, v in T.SLOTS.items()}
    for role, noun in (("A", "Kunde"), ("B", "Lieferant")):
        nom, gen, dat, acc = T.PARTY_FORMS[noun]
        slots.update({role: nom, f"{role}_gen": gen, f"{role}_dat": dat, f"{role}_acc": acc})
    for label, families in T.FAMILIES.items():
        assert len(families) == 6, label
        for _, style, sentences in families:
            assert style in ("contract", "statute")
            for sentence in sentences:
                text = expand(sentence, slots, rng)
                assert not re.search(r"[\[\]{}|]", text), text
                assert text.endswith("."), text


def test_generator_is_seeded_and_balanced():
    a = generate_clauses(n_per_class=30, seed=5)
    b = generate_clauses(n_per_class=30, seed=5)
    c = generate_clauses(n_per_class=30, seed=6)
    pd.testing.assert_frame_equal(a, b)
    assert not a["text"].equals(c["text"])
    assert set(a["label"]) == set(T.LABELS) and len(T.LABELS) >= 8
    assert a["label"].value_counts().min() >= 28  # duplicates are redrawn, so classes stay balanced
    assert a["text"].is_unique


def test_generator_rejects_bad_arguments():
    with pytest.raises(ValueError, match="n_per_class"):
        generate_clauses(n_per_class=3)
    with pytest.raises(ValueError, match="mention_rate"):
        generate_clauses(n_per_class=12, mention_rate=1.5)


def test_split_is_by_template_family(sample):
    splits = family_splits(SAMPLE_ARGS["split_seed"])
    assert sorted(pd.Series(list(splits.values())).value_counts().to_dict().items()) == [
        ("test", 8), ("train", 32), ("val", 8)]
    by_split = {s: set(g["family"]) for s, g in sample.groupby("split")}
    assert not by_split["train"] & by_split["test"]
    assert not by_split["train"] & by_split["val"]
    for part in ("train", "val", "test"):
        assert set(sample.loc[sample["split"] == part, "label"]) == set(T.LABELS)


def test_sample_has_variety_and_hard_examples(sample):
    lengths = sample["text"].str.len()
    assert lengths.min() < 80 and lengths.max() > 400 and lengths.std() > 60
    assert 0.25 < sample["hard"].mean() < 0.55  # clauses that also mention another class's topic
    assert sample["text"].str.match(r"^§ \d+").any() and sample["text"].str.contains(r"Abs\. \d").any()
    assert (sample["style"] == "statute").mean() > 0.1
    # Distractor vocabulary: topic words appear outside their own class.
    assert sample.loc[sample["label"] != "Kündigung", "text"].str.contains("ündig").mean() > 0.05
    assert sample.loc[sample["label"] != "Datenschutz", "text"].str.contains("Daten").any()
    assert sample.groupby("family")["text"].nunique().min() >= 30


def test_shipped_sample_equals_regeneration(sample):
    assert sample_path().is_file(), "datasets/legal_de/clauses_v1.jsonl is missing"
    regenerated = generate_clauses(**SAMPLE_ARGS)
    pd.testing.assert_frame_equal(sample.reset_index(drop=True), regenerated, check_dtype=False)


def test_tfidf_does_not_solve_the_sample_trivially(sample):
    from workbench.usecases.legal_de.baselines import TfidfBaseline

    train, _, test = split_frame(sample)
    acc = TfidfBaseline().fit(train).evaluate(test)["accuracy"]
    assert 0.6 <= acc <= 0.95, acc  # the card documents ~0.79


# ----------------------------------------------------------------------------- loaders
def _write(path, text, encoding="utf-8"):
    path.write_bytes(text.encode(encoding))
    return path


@pytest.mark.parametrize("sep", [",", ";", "\t", "|"])
def test_csv_separator_is_sniffed_and_bom_removed(tmp_path, sep):
    body = f"Klausel{sep}Typ\n\"Gerichtsstand ist Köln.\"{sep}Gerichtsstand\nDie Haftung ist begrenzt.{sep}Haftung\n"
    path = _write(tmp_path / "own.csv", "\ufeff" + body)
    df = load_labelled_text(path, text_column="Klausel", label_column="Typ")
    assert df.to_dict("list") == {"text": ["Gerichtsstand ist Köln.", "Die Haftung ist begrenzt."],
                                  "label": ["Gerichtsstand", "Haftung"]}


def test_jsonl_and_parquet(tmp_path):
    rows = [{"t": "Gerichtsstand ist Köln.", "y": "Gerichtsstand", "extra": 1},
            {"t": "Die Haftung ist begrenzt.", "y": "Haftung", "extra": 2}]
    jl = _write(tmp_path / "own.jsonl", "\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n\n")
    pq = tmp_path / "own.parquet"
    pd.DataFrame(rows).to_parquet(pq)
    for path in (jl, pq):
        df = load_labelled_text(path, text_column="t", label_column="y")
        assert list(df.columns) == ["text", "label"] and df["label"].tolist() == ["Gerichtsstand", "Haftung"]


def test_error_missing_column_names_file_and_columns(tmp_path):
    path = _write(tmp_path / "own.csv", "Text;Label\nA;x\nB;y\n")
    with pytest.raises(DataError) as err:
        load_labelled_text(path, text_column="Klausel", label_column="Label")
    msg = str(err.value)
    assert "own.csv" in msg and "'Klausel'" in msg and "['Text', 'Label']" in msg
    with pytest.raises(DataError, match="label column 'Typ'"):
        load_labelled_text(path, text_column="Text", label_column="Typ")


def test_error_empty_text_names_row(tmp_path):
    path = _write(tmp_path / "own.csv", "text,label\nfine,a\n   ,b\nok,a\n,b\n")
    with pytest.raises(DataError, match=r"2 empty text\(s\), first at data row\(s\) \[2, 4\]"):
        load_labelled_text(path)


def test_error_empty_label_in_jsonl(tmp_path):
    path = _write(tmp_path / "own.jsonl", '{"text": "a", "label": "x"}\n{"text": "b", "label": null}\n')
    with pytest.raises(DataError, match=r"empty label.*\[2\]"):
        load_labelled_text(path)


def test_error_unknown_label_names_row_and_expected(tmp_path):
    path = _write(tmp_path / "own.csv", "text,label\na,Haftung\nb,Haftung\nc,Kuendigung\n")
    with pytest.raises(DataError) as err:
        load_labelled_text(path, labels=["Haftung", "Kündigung"])
    msg = str(err.value)
    assert "'Kuendigung'" in msg and "data row 3" in msg and "['Haftung', 'Kündigung']" in msg


def test_excel_cp1252_export_is_read_and_announced(tmp_path, capsys):
    # workbench.tabular falls back to cp1252 (German Excel's "CSV (Trennzeichen-getrennt)") and says so;
    # an explicitly wrong encoding is an error naming the file and the line.
    path = _write(tmp_path / "excel.csv", "text;label\nDie Kündigung ist schriftlich.;Kündigung\nx;Haftung\n", "cp1252")
    df = load_labelled_text(path)
    assert df["label"].iloc[0] == "Kündigung" and df["text"].iloc[0] == "Die Kündigung ist schriftlich."
    assert "excel.csv: detected encoding cp1252" in capsys.readouterr().err
    with pytest.raises(DataError) as err:
        load_labelled_text(path, encoding="utf-8")
    msg = str(err.value)
    assert "excel.csv" in msg and "line 2" in msg and "utf-8" in msg


def test_error_bad_jsonl_line_unknown_format_single_label_missing_file(tmp_path):
    bad = _write(tmp_path / "bad.jsonl", '{"text": "a", "label": "x"}\n{"text": "b", label}\n')
    with pytest.raises(DataError, match="line 2 is not valid JSON"):
        load_labelled_text(bad)
    notobj = _write(tmp_path / "list.jsonl", '["a", "x"]\n')
    with pytest.raises(DataError, match="line 1 is a JSON list"):
        load_labelled_text(notobj)
    with pytest.raises(DataError, match="unknown format '.xlsx'"):
        load_labelled_text(_write(tmp_path / "a.xlsx", "x"))
    one = _write(tmp_path / "one.csv", "text,label\na,x\nb,x\n")
    with pytest.raises(DataError, match="only one label"):
        load_labelled_text(one)
    with pytest.raises(FileNotFoundError, match="does not exist"):
        load_labelled_text(tmp_path / "nope.csv")


# ----------------------------------------------------------------------------- real data and splits
def test_mietrecht_loader_and_fixed_split(shared_data):
    df = load_mietrecht(shared_data)
    assert len(df) == 601 and df["label"].nunique() == 9
    assert df["text"].str.len().min() > 10
    train, val, test = split_frame(df, 0.1, 0.2, seed=0)
    again = split_frame(df, 0.1, 0.2, seed=0)
    pd.testing.assert_frame_equal(test, again[2])
    assert len(train) + len(val) + len(test) == 601
    assert not set(train["text"]) & set(test["text"])
    assert set(test["label"]) == set(df["label"])  # stratified: even "Indemnity" (8 rows) is tested
    share = test["label"].value_counts(normalize=True)
    full = df["label"].value_counts(normalize=True)
    assert (share - full).abs().max() < 0.05  # stratified over unique texts; repeats stay together


def test_prepare_data_reads_a_user_file_through_the_config(tmp_path, sample):
    from workbench.usecases.legal_de import default_config

    own = sample[["text", "label"]].rename(columns={"text": "Klausel", "label": "Typ"}).head(400)
    path = tmp_path / "klauseln.csv"
    own.to_csv(path, sep=";", index=False, encoding="utf-8-sig")
    cfg = default_config(smoke=True)
    cfg.data.path, cfg.data.columns = str(path), {"text": "Klausel", "label": "Typ"}
    train, val, test, info = prepare_data(cfg)
    assert info["source"] == str(path) and info["fingerprint"].startswith("sha256:")
    assert len(train) <= cfg.task.max_train_rows and len(test) <= cfg.task.max_eval_rows
    assert not set(train["text"]) & set(test["text"])
    cfg.data.columns = {"txt": "Klausel"}
    with pytest.raises(DataError, match="unknown key"):
        prepare_data(cfg)


def test_subsample_is_stratified_and_label_list_ordered(sample):
    small = subsample(sample, 40, seed=1)
    assert len(small) == 40 and small["label"].nunique() == 8
    assert label_list(small) == list(T.LABELS)
    assert label_list(pd.DataFrame({"label": ["b", "a"]})) == ["a", "b"]


# ----------------------------------------------------------------------------- umlauts
def test_transliteration_check_flags_only_transliterations():
    from workbench.usecases.legal_de.data import transliterated_words

    texts = ["Die Kündigung", "Die Kuendigung", "Strasse", "Getraenke", "Sued", "Süd", "Steuer", "Dauer",
             "dass", "Abschluss", "Quellcode"]
    assert transliterated_words(texts) == ["getraenke", "kuendigung", "strasse", "sued"]


def test_generated_text_labels_and_families_keep_umlauts(sample):
    from workbench.usecases.legal_de.data import transliterated_words

    fresh = generate_clauses(n_per_class=60, seed=11)
    template_text = [s for fs in T.FAMILIES.values() for _, _, ss in fs for s in ss]
    for frame in (sample, fresh):
        texts = [*frame["text"], *frame["label"], *frame["family"].str.replace("_", " ").str.replace("/", " "),
                 *T.LABELS, *template_text]
        assert transliterated_words(texts) == []
    assert "Haftung/höchstbetrag" in set(sample["family"]) and "Kündigung" in set(sample["label"])
    card = (sample_path().parent / "DATASET_CARD.md").read_text(encoding="utf-8")
    assert "Gewährleistung/nacherfüllung" in card


# ----------------------------------------------------------------------------- issue 13: files
def test_json_array_is_read_like_jsonl(tmp_path):
    rows = [{"text": "Gerichtsstand ist Köln.", "label": "Gerichtsstand"},
            {"text": "Die Haftung ist begrenzt.", "label": "Haftung"}]
    path = _write(tmp_path / "own.json", json.dumps(rows, ensure_ascii=False, indent=2))
    df = load_labelled_text(path)
    assert df.to_dict("list") == {"text": ["Gerichtsstand ist Köln.", "Die Haftung ist begrenzt."],
                                  "label": ["Gerichtsstand", "Haftung"]}
    bad = _write(tmp_path / "bad.json", json.dumps([rows[0], ["a", "b"]]))
    with pytest.raises(DataError, match="element 2 of the JSON array is a JSON list"):
        load_labelled_text(bad)


def test_missing_column_hint_uses_the_cli_flags(tmp_path):
    path = _write(tmp_path / "own.csv", "Klausel;Typ\nA;x\nB;y\n")
    with pytest.raises(DataError) as err:
        load_labelled_text(path)
    msg = str(err.value)
    assert "--text-column Klausel --label-column Typ" in msg and "columns={" not in msg


def test_split_column_is_kept_validated_and_recorded(tmp_path, sample):
    from workbench.usecases.legal_de import default_config

    own = sample[["text", "label"]].sample(200, random_state=0).reset_index(drop=True)
    own["Split"] = ["test" if i % 4 == 0 else "val" if i % 4 == 1 else "Train" for i in range(len(own))]
    own = own.rename(columns={"Split": "split"})
    path = tmp_path / "mit_split.csv"
    own.to_csv(path, index=False)
    df = load_labelled_text(path)
    assert df["split"].value_counts().to_dict() == {"train": 100, "test": 50, "val": 50}
    cfg = default_config(smoke=True)
    cfg.data.path = str(path)
    cfg.task.max_train_rows = cfg.task.max_eval_rows = None
    train, val, test, info = prepare_data(cfg)
    assert info["split"] == "file split column" and (len(train), len(val), len(test)) == (100, 50, 50)
    assert set(test["text"]) == set(own.loc[own["split"] == "test", "text"])
    own.loc[own.index[7], "split"] = "später"
    own.to_csv(path, index=False)
    with pytest.raises(DataError, match=r"column 'split' has the value 'später' at data row 8.*train, val or test"):
        load_labelled_text(path)
    own["split"] = "train"
    own.to_csv(path, index=False)
    with pytest.raises(DataError, match="split column has no test rows"):
        prepare_data(cfg)
    own.drop(columns="split").to_csv(path, index=False)
    assert prepare_data(cfg)[3]["split"] == "random split, seed 0"


def _clauses(n: int, offset: int = 0) -> pd.DataFrame:
    labels = ["Haftung", "Kündigung", "Vergütung"]
    return pd.DataFrame({"Klausel": [f"Klausel Nummer {i + offset} über {labels[i % 3]}" for i in range(n)],
                         "Typ": [labels[i % 3] for i in range(n)]})


def test_separate_files_are_used_as_given_and_recorded(tmp_path):
    from workbench.usecases.legal_de import default_config

    _clauses(60).to_csv(tmp_path / "train.csv", index=False)
    _clauses(12, 100).to_csv(tmp_path / "val.csv", index=False)
    _clauses(15, 200).to_csv(tmp_path / "test.csv", index=False)
    cfg = default_config(smoke=True).with_overrides([
        f"data.train={tmp_path / 'train.csv'}", f"data.val={tmp_path / 'val.csv'}", f"data.test={tmp_path / 'test.csv'}",
        'data.columns={"text": "Klausel", "label": "Typ"}'])
    train, val, test, info = prepare_data(cfg)
    assert (len(train), len(val), len(test)) == (60, 12, 15)
    assert set(test["text"]) == set(_clauses(15, 200)["Klausel"])           # the test file, untouched
    assert info["split"] == "your files" and info["split_record"]["source"] == "files"
    assert info["split_record"]["files"]["test"].endswith("test.csv")
    # Without a validation file, validation is carved from train and the record says so.
    cfg = cfg.with_overrides(["data.val=null"])
    train, val, test, info = prepare_data(cfg)
    assert len(test) == 15 and len(val) > 0 and len(train) + len(val) == 60
    assert "val carved from train" in info["split"]


def test_separate_train_val_test_files_are_used_as_given_and_recorded(tmp_path, sample):
    """Issue 13: --train/--val/--test files are used as given; a missing val part is carved from
    train (stratified) and the record says so."""
    from workbench.usecases.legal_de import default_config

    own = sample[["text", "label"]].drop_duplicates("text").sample(300, random_state=1).reset_index(drop=True)
    paths = {}
    for name, part in (("train", own.iloc[:200]), ("val", own.iloc[200:240]), ("test", own.iloc[240:])):
        paths[name] = tmp_path / f"{name}.csv"
        part.to_csv(paths[name], index=False)
    cfg = default_config(smoke=True)
    cfg.data.train, cfg.data.val, cfg.data.test = (str(paths[k]) for k in ("train", "val", "test"))
    cfg.task.max_train_rows = cfg.task.max_eval_rows = None
    train, val, test, info = prepare_data(cfg)
    assert (len(train), len(val), len(test)) == (200, 40, 60)
    assert set(test["text"]) == set(own.iloc[240:]["text"])
    rec = info["split_record"]
    assert rec["source"] == "files" and rec["sizes"] == {"train": 200, "val": 40, "test": 60}
    assert rec["files"]["test"] == str(paths["test"])
    cfg.data.val = None
    train, val, test, info = prepare_data(cfg)
    assert len(test) == 60 and len(val) > 0 and len(train) + len(val) == 200
    assert not set(val["text"]) & set(train["text"])
    assert "val carved from train" in info["split_record"]["detail"]
