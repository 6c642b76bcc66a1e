"""Tests of workbench.token_classification: label alignment, windows, training, save/load."""

import random

import pytest

from workbench.config import TrainArgs
from workbench.conll import entity_scores
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
    assert again.predict([w for w, _ in test]) == pred
    # A document longer than one window still gets one tag per word.
    doc = [w for w, _ in test[:12] for w in w]
    tags = again.predict([doc])[0]
    assert len(tags) == len(doc) and tags.count("B-PER") >= 8
    with pytest.raises(RuntimeError, match="not fitted"):
        TokenTagger().predict([["a"]])
