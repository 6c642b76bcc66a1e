"""Tests of workbench.token_classification: label alignment, windows, training, save/load."""

import random

import pytest

from workbench.config import TrainArgs
from workbench.conll import entity_scores, repair_bio, viterbi_bio
from workbench.models import default_text_model_path, load_tokenizer
from workbench.token_classification import IGNORE, TokenTagger, encode_windows


@pytest.fixture(scope="module")
def tokenizer():
    return load_tokenizer(default_text_model_path())


def test_first_subword_labelling(tokenizer):
    words = ["Bundesverfassungsgericht", "entschied"]
    win = encode_windows([words], tokenizer, max_length=64, stride=8, tag_ids=[[3, 0]])
    assert len(win) == 1
    labels, pos = win[0]["labels"], win[0]["word_pos"]
    assert len(labels) == len(win[0]["input_ids"])
    n_sub0 = pos.count(0)
    assert n_sub0 > 1  # the long German word is split into several subwords
    first0 = pos.index(0)
    assert labels[first0] == 3 and all(labels[i] == IGNORE for i in range(first0 + 1, first0 + n_sub0))
    assert labels[pos.index(1)] == 0
    assert labels[0] == IGNORE and labels[-1] == IGNORE  # [CLS] and [SEP]


def test_long_sentences_are_windowed_not_truncated(tokenizer):
    words = [f"wort{i}" for i in range(120)]
    win = encode_windows([words], tokenizer, max_length=32, stride=8, tag_ids=[[i % 3 for i in range(120)]])
    assert len(win) > 3 and all(len(w["input_ids"]) <= 32 for w in win)
    covered = {p for w in win for p in w["word_pos"] if p >= 0}
    assert covered == set(range(120))
    with pytest.raises(ValueError, match="stride"):
        encode_windows([words], tokenizer, max_length=16, stride=20)


def _toy(n, seed):
    """Sentences where a name follows 'Richter' (PER) and a city follows 'in' (LOC)."""
    rng = random.Random(seed)
    names, cities = ["Meier", "Schulz", "Wagner", "Becker", "Hoffmann"], ["Berlin", "Köln", "Bonn", "Essen"]
    out = []
    for _ in range(n):
        name, city = rng.choice(names), rng.choice(cities)
        if rng.random() < 0.5:
            out.append((["Richter", name, "wohnt", "in", city, "."], ["O", "B-PER", "O", "O", "B-LOC", "O"]))
        else:
            out.append((["In", city, "urteilte", "Richter", name, "heute"], ["O", "B-LOC", "O", "O", "B-PER", "O"]))
    return out


def test_tagger_learns_save_load_and_long_input(tmp_path):
    train, test = _toy(160, 0), _toy(40, 1)
    tagger = TokenTagger(train=TrainArgs(max_epochs=3, batch_size=16, lr=3e-3, accelerator="cpu"),
                         max_length=32, stride=8, run_dir=tmp_path / "run")
    tagger.fit(train, test[:10])
    assert tagger.labels_ == ["O", "B-LOC", "B-PER"]
    pred = tagger.predict([w for w, _ in test])
    f1 = entity_scores([t for _, t in test], pred)["micro_f1"]
    assert f1 > 0.8, f1
    tagger.save(tmp_path / "adapter")
    assert (tmp_path / "adapter" / "adapter_model.safetensors").is_file()
    again = TokenTagger.load(tmp_path / "adapter")
    assert again.decoding == "viterbi" and again.predict([w for w, _ in test]) == pred
    # Viterbi decoding is the best valid path of the same probabilities; argmax is the old rule.
    probs = tagger.predict_proba([w for w, _ in test])
    assert pred == [viterbi_bio(p, tagger.labels_) for p in probs]
    again.decoding = "argmax"
    assert again.predict([w for w, _ in test]) == [repair_bio([tagger.labels_[i] for i in p.argmax(-1)]) for p in probs]
    again.decoding = "beam"
    with pytest.raises(ValueError, match="decoding: expected one of viterbi, argmax, got 'beam'"):
        again.predict([["a"]])
    again.decoding = "viterbi"
    # A document longer than one window still gets one tag per word.
    doc = [w for w, _ in test[:12] for w in w]
    tags = again.predict([doc])[0]
    assert len(tags) == len(doc) and tags.count("B-PER") >= 8
    with pytest.raises(RuntimeError, match="not fitted"):
        TokenTagger().predict([["a"]])


def _case_toy(n, seed):
    """The same word is a name when capitalised and not otherwise ("Koch" vs "koch")."""
    rng = random.Random(seed)
    words = ["koch", "bauer", "wolf", "fuchs", "schmied", "weber"]
    out = []
    for _ in range(n):
        word = rng.choice(words)
        name = rng.random() < 0.5
        out.append((["heute", "kam", word.capitalize() if name else word, "vorbei"],
                    ["O", "O", "B-PER" if name else "O", "O"]))
    return out


def test_case_marks_let_an_uncased_base_see_capitals(tokenizer, tmp_path):
    # The embedded MiniLM lowercases: "Koch" and "koch" are one token to it. Case marks (token
    # type 1 on capitalised words, embedding trained with the adapter) give the case back.
    win = encode_windows([["Das", "BGB", "gilt"]], tokenizer, max_length=16, stride=2, case_marks=True)[0]
    assert [t for t, p in zip(win["token_type_ids"], win["word_pos"]) if p >= 0] == \
        [1 if p in (0, 1) else 0 for p in win["word_pos"] if p >= 0]
    assert "token_type_ids" not in encode_windows([["Das"]], tokenizer, max_length=16, stride=2)[0]
    train, test = _case_toy(200, 0), _case_toy(60, 1)
    args = TrainArgs(max_epochs=4, batch_size=16, lr=3e-3, accelerator="cpu")
    scores = {}
    for marks in ("auto", False):
        tagger = TokenTagger(train=args, max_length=16, stride=4, case_marks=marks, run_dir=tmp_path / str(marks))
        tagger.fit(train, test[:10])
        scores[marks] = entity_scores([t for _, t in test], tagger.predict([w for w, _ in test]))["micro_f1"]
        if marks == "auto":
            assert tagger.case_marks_ is True  # MiniLM lowercases and has two token types
            tagger.save(tmp_path / "adapter")
            again = TokenTagger.load(tmp_path / "adapter")
            assert again.case_marks_ is True
            assert again.predict([w for w, _ in test]) == tagger.predict([w for w, _ in test])
    assert scores["auto"] > 0.9 and scores[False] < 0.8, scores
    with pytest.raises(ValueError, match="case_marks"):
        TokenTagger(case_marks="yes").fit(train[:4])
