"""Tests of workbench.conll: CoNLL/JSONL round trips, IOB2 checks and entity scoring."""

import itertools
import json

import numpy as np
import pytest

from workbench.conll import (TaggedFileError, bio_allowed, bio_labels, entities, entity_scores, map_tags,
                             read_conll, read_jsonl, read_plain, read_tagged, repair_bio, validate_iob2,
                             viterbi_bio, write_conll, write_tagged)

SENTS = [(["Richter", "Dr.", "Müller", "am", "BGH", "."], ["O", "B-RR", "I-RR", "O", "B-GRT", "O"]),
         (["§", "535", "BGB"], ["B-GS", "I-GS", "I-GS"])]


def test_conll_round_trip_and_jsonl_round_trip(tmp_path):
    write_conll(tmp_path / "a.conll", SENTS)
    assert read_tagged(tmp_path / "a.conll") == SENTS
    write_tagged(tmp_path / "a.jsonl", SENTS)
    assert read_tagged(tmp_path / "a.jsonl") == SENTS
    assert json.loads((tmp_path / "a.jsonl").read_text().splitlines()[1])["tags"] == ["B-GS", "I-GS", "I-GS"]


def test_conll_skips_docstart_takes_last_column_and_handles_crlf(tmp_path):
    text = "-DOCSTART- -X- O O\r\n\r\nEU NNP B-ORG\r\nKommission NN I-ORG\r\n\r\n\r\nja ADV O"
    (tmp_path / "b.conll").write_bytes(text.encode())
    assert read_conll(tmp_path / "b.conll") == [(["EU", "Kommission"], ["B-ORG", "I-ORG"]), (["ja"], ["O"])]


def test_bad_lines_name_file_and_line(tmp_path):
    (tmp_path / "c.conll").write_text("Haus O\nGarten\n")
    with pytest.raises(TaggedFileError, match=r"c\.conll, line 2: expected 'word tag'"):
        read_conll(tmp_path / "c.conll")
    (tmp_path / "d.jsonl").write_text('{"tokens": ["a"], "tags": ["O"]}\n{"tokens": ["a", "b"], "tags": ["O"]}\n')
    with pytest.raises(TaggedFileError, match=r"d\.jsonl, line 2: 2 tokens but 1 tags"):
        read_jsonl(tmp_path / "d.jsonl")
    (tmp_path / "e.jsonl").write_text("{oops\n")
    with pytest.raises(TaggedFileError, match="line 1: not valid JSON"):
        read_jsonl(tmp_path / "e.jsonl")
    with pytest.raises(TaggedFileError, match="file not found"):
        read_tagged(tmp_path / "missing.conll")


def test_validate_iob2_reports_position_and_expected_form():
    validate_iob2(SENTS, labels=["RR", "GRT", "GS"])
    bad = [(["a", "b", "c"], ["O", "I-PER", "X-1"])]
    with pytest.raises(TaggedFileError) as err:
        validate_iob2(bad, source="f.conll")
    msg = str(err.value)
    assert "f.conll" in msg and "sentence 1, token 2" in msg and "B-PER first" in msg and "token 3" in msg
    validate_iob2([(["a"], ["I-PER"])], strict=False)
    with pytest.raises(TaggedFileError, match="entity type 'PER' is not one of"):
        validate_iob2([(["a"], ["B-PER"])], labels=["ORG"])


def test_repair_and_label_helpers():
    assert repair_bio(["I-PER", "I-PER", "O", "I-ORG", "B-ORG", "I-PER"]) == \
        ["B-PER", "I-PER", "O", "B-ORG", "B-ORG", "B-PER"]
    assert bio_labels(["PER", "ORG"]) == ["O", "B-PER", "I-PER", "B-ORG", "I-ORG"]
    assert map_tags(["B-RR", "I-RR", "O", "B-XY"], {"RR": "PER"}) == ["B-PER", "I-PER", "O", "B-XY"]


def test_viterbi_bio_is_the_best_valid_sequence_by_brute_force():
    labels = bio_labels(["PER", "LOC"])
    start, trans = bio_allowed(labels)
    rng = np.random.default_rng(0)
    for _ in range(200):
        probs = rng.dirichlet(np.full(len(labels), 0.5), size=int(rng.integers(1, 5)))
        valid = [seq for seq in itertools.product(range(len(labels)), repeat=len(probs))
                 if start[seq[0]] and all(trans[a, b] for a, b in zip(seq, seq[1:]))]
        best = max(valid, key=lambda seq: sum(np.log(probs[i, j]) for i, j in enumerate(seq)))
        got = viterbi_bio(probs, labels)
        assert got == [labels[j] for j in best]
        validate_iob2([(["w"] * len(got), got)], strict=True)  # raises on a stray I-


def test_viterbi_bio_keeps_a_name_whole_where_argmax_splits_it():
    labels = bio_labels(["PER"])  # O, B-PER, I-PER
    # "Frau Anna Schmidt": the surname's I-PER is likeliest, but argmax tags "Anna" O.
    probs = np.array([[0.9, 0.05, 0.05], [0.5, 0.45, 0.05], [0.1, 0.2, 0.7]])
    argmax = repair_bio([labels[i] for i in probs.argmax(-1)])
    assert argmax == ["O", "O", "B-PER"]
    assert viterbi_bio(probs, labels) == ["O", "B-PER", "I-PER"]
    assert viterbi_bio(np.zeros((0, 3)), labels) == []
    with pytest.raises(ValueError, match=r"\(n_words, 3\)"):
        viterbi_bio(np.ones((2, 4)), labels)


def test_entities_follow_conlleval_conventions():
    assert entities(["B-PER", "I-PER", "O", "I-ORG", "I-ORG", "B-ORG", "I-PER"]) == \
        [("PER", 0, 2), ("ORG", 3, 5), ("ORG", 5, 6), ("PER", 6, 7)]


def test_entity_scores_match_hand_counts():
    gold = [["B-PER", "I-PER", "O", "B-ORG"], ["B-LOC", "O"]]
    pred = [["B-PER", "I-PER", "O", "B-LOC"], ["B-LOC", "B-PER"]]
    s = entity_scores(gold, pred)
    # gold: PER, ORG, LOC (3); pred: PER, LOC, LOC, PER (4); correct: PER, LOC (2)
    assert s["n_gold"] == 3 and s["n_pred"] == 4
    assert s["precision"] == pytest.approx(0.5) and s["recall"] == pytest.approx(2 / 3)
    assert s["micro_f1"] == pytest.approx(2 * 0.5 * (2 / 3) / (0.5 + 2 / 3))
    assert s["per_class"]["ORG"]["f1"] == 0.0 and s["per_class"]["LOC"]["f1"] == pytest.approx(2 / 3)
    assert s["macro_f1"] == pytest.approx((2 / 3 + 0.0 + 2 / 3) / 3)
    with pytest.raises(ValueError, match="sequence 0"):
        entity_scores([["O"]], [["O", "O"]])


def test_read_plain(tmp_path):
    (tmp_path / "p.txt").write_text("Der BGH entschied .\n\n  Ja  \n")
    assert read_plain(tmp_path / "p.txt") == [["Der", "BGH", "entschied", "."], ["Ja"]]
