"""The CRF baseline on generated LER-style data."""

from workbench.usecases.legal_ner.baselines import CrfTagger, majority_tags, word_features
from workbench.usecases.legal_ner.data import generate, to_coarse
from workbench.usecases.legal_ner.task import score


def test_crf_beats_the_majority_baseline_and_round_trips(tmp_path):
    sents = [to_coarse(s) for s in generate(260, seed=5)]
    train, test = sents[:200], sents[200:]
    crf = CrfTagger(max_iterations=40).fit(train)
    words = [w for w, _ in test]
    pred = crf.predict(words)
    crf_f1 = score(test, pred)["micro_f1"]
    assert score(test, majority_tags(words))["micro_f1"] == 0.0
    assert crf_f1 > 0.6, crf_f1
    path = crf.save(tmp_path / "crf.crfsuite")
    assert path.read_bytes()[:4] != b"\x80\x04\x95"[:4]  # crfsuite's own format, not a pickle
    assert CrfTagger.load(path).predict(words) == pred


def test_features_see_paragraph_signs_and_neighbours():
    f = word_features(["nach", "§", "535", "BGB"], 1)
    assert f["para"] is True and f["1:lower"] == "535" and f["-1:lower"] == "nach" and f["-2:edge"] is True
