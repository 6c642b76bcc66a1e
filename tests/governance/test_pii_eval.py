"""Tests of the PII test set loader and the metrics, and a floor on the measured quality."""

from __future__ import annotations

import pytest

from workbench.governance.pii import ENTITY_TYPES, Pseudonymiser, Span
from workbench.governance.pii_eval import evaluate, evaluate_decoys, evaluate_ler, load_pii_de, parse_markup


def test_parse_markup_offsets():
    text, spans = parse_markup("Herr [[PERSON:Jonas Albrecht]], Tel. [[PHONE:0171 2345678]].")
    assert text == "Herr Jonas Albrecht, Tel. 0171 2345678."
    assert [(s.label, text[s.start : s.end]) for s in spans] == [("PERSON", "Jonas Albrecht"), ("PHONE", "0171 2345678")]


@pytest.mark.parametrize("bad,msg", [("[[NAME:x]]", "unknown label"), ("a [[PERSON:x", "unclosed"),
                                     ("[[PERSON: ]]", "empty"), ("x ]] y", "malformed")])
def test_parse_markup_errors_name_the_problem(bad, msg):
    with pytest.raises(ValueError, match=msg):
        parse_markup(bad)


def test_load_splits_and_bad_files(tmp_path):
    test, dev = load_pii_de("test"), load_pii_de("dev")
    assert len(test) >= 10 and len(dev) >= 30
    assert sum(len(d.spans) for d in test) >= 90
    assert {s.label for d in dev for s in d.spans} == set(ENTITY_TYPES)
    assert sum(len(d.decoys) for d in dev) >= 10 and all(s.label == "DECOY" for d in dev for s in d.decoys)
    with pytest.raises(ValueError, match="split"):
        load_pii_de("train")
    bad = tmp_path / "bad.txt"
    bad.write_text("### no-kind-here\ntext\n")
    with pytest.raises(ValueError, match="header"):
        load_pii_de(path=bad)
    bad.write_text("nothing\n")
    with pytest.raises(ValueError, match="no documents"):
        load_pii_de(path=bad)


class _Fixed:
    """A detector that returns prepared spans: checks the metric arithmetic by hand."""

    entities_ = ("PERSON",)

    def __init__(self, spans):
        self.spans = spans

    def detect(self, text):
        return self.spans


def test_metric_arithmetic():
    from workbench.governance.pii_eval import Document

    doc = Document("d", "letter", "Jonas Albrecht und Petra", [Span(0, 14, "PERSON", "Jonas Albrecht"),
                                                               Span(19, 24, "PERSON", "Petra")])
    table = evaluate(_Fixed([Span(6, 14, "PERSON", "Albrecht"), Span(19, 24, "PERSON", "Petra")]), [doc])
    row = table.loc["PERSON"]
    assert row["tp"] == 1 and row["precision"] == 0.5 and row["recall"] == 0.5
    assert row["overlap_precision"] == 1.0
    assert row["char_recall"] == pytest.approx(13 / 18)  # "Jonas" leaked: 5 of 18 letters
    assert row["survived"] == 0.5  # "Jonas Albrecht" only half replaced: it survives


def test_decoys_are_scored_apart_from_personal_data():
    from workbench.governance.pii_eval import Document

    text, spans = parse_markup("Schreiben Sie an [[DECOY:info@amt.example]] oder an [[PERSON:Jonas Albrecht]].")
    doc = Document("d", "letter", text, [s for s in spans if s.label != "DECOY"],
                   [s for s in spans if s.label == "DECOY"])
    assert [s.text for s in doc.decoys] == ["info@amt.example"]
    kept = evaluate_decoys(Pseudonymiser(entities=ENTITY_TYPES), [doc])
    assert kept["decoys"] == 1 and kept["kept"] == 1 and kept["replaced"] == []
    everything = _Fixed([Span(0, len(text), "PERSON", text)])
    assert evaluate_decoys(everything, [doc])["kept_share"] == 0.0


def test_quality_floor_on_held_out_split():
    """Guards against regressions: figures measured at 0.918 F1 overall on the test split."""
    table = evaluate(Pseudonymiser(entities=ENTITY_TYPES), load_pii_de("test"))
    assert table.loc["ALL", "f1"] >= 0.85
    assert table.loc["PERSON", "char_recall"] >= 0.85
    for label in ("IBAN", "TAX_ID", "EMAIL", "DATE_OF_BIRTH"):
        assert table.loc[label, "recall"] == 1.0


def test_ler_person_recall(shared_data):
    # Issue 13's two goals on names in court decisions, measured as a user runs `workbench pii
    # pseudonymise` (default types) on the whole dev split: rules plus the learned tagger must not
    # eat ordinary German nouns, courts and places while looking for names (at least 97 % kept), and
    # must find the names (goal 90 %; dev measured 90.6 %; the guard leaves room for int8 kernels
    # that differ between CPUs). The rules alone keep over 99 %.
    result = evaluate_ler(Pseudonymiser(), shared_data / "german_ler" / "ler_dev.conll")
    assert result["gold_entities"] > 300 and 0.0 <= result["entity_recall"] <= 1.0
    assert result["other_capitalised_kept"] >= 0.97
    assert result["token_recall"] >= 0.89
    rules = evaluate_ler(Pseudonymiser(entities=["PERSON"], use_tagger=False),
                         shared_data / "german_ler" / "ler_dev.conll", max_sentences=1500)
    assert rules["other_capitalised_kept"] >= 0.99
