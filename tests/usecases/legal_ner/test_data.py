"""The LER-style generator, the coarse mapping and the user's files."""

import pytest

from workbench.conll import TaggedFileError, entities, validate_iob2, write_tagged
from workbench.usecases.legal_ner import default_config
from workbench.usecases.legal_ner.data import COARSE, FINE, generate, prepare_data, tag_types, to_coarse, tokenize


def test_generator_is_valid_iob2_covers_all_19_classes_and_is_seeded():
    sents = generate(600, seed=3)
    validate_iob2(sents, source="generated")  # raises on I- without B- or unequal lengths
    assert set(tag_types(sents)) == set(FINE) and len(FINE) == 19
    assert generate(50, seed=3) == sents[:50]
    assert generate(50, seed=4) != sents[:50]
    counts = {t: sum(1 for _, tags in sents for e in entities(tags) if e[0] == t) for t in FINE}
    assert min(counts.values()) >= 3, counts


def test_norms_and_case_references_are_whole_entities():
    sents = generate(400, seed=0)
    texts = {t: [" ".join(w[s:e]) for w, tags in sents for t2, s, e in entities(tags) if t2 == t] for t in ("GS", "RS")}
    # A norm ends with its law (or is a law's name), never with a connector or a bare number of a chain.
    assert all(not x.endswith((" i. V. m.", " iVm", " und", " ,")) for x in texts["GS"])
    assert sum(x.startswith(("§ ", "§§ ", "Art. ")) for x in texts["GS"]) > 0.7 * len(texts["GS"])
    # A decision citation carries a number (file number, volume or page), the court included.
    assert all(any(c.isdigit() for c in x) for x in texts["RS"])
    assert any(", Urteil vom " in x or ", Beschluss vom " in x for x in texts["RS"])
    assert tokenize("§ 535 Abs. 1 BGB") == ["§", "535", "Abs.", "1", "BGB"]


def test_coarse_mapping_follows_ler():
    assert set(COARSE) == set(FINE)
    assert set(COARSE.values()) == {"PER", "LOC", "ORG", "NRM", "REG", "RS", "LIT"}
    words, tags = ["Richter", "Meier", "in", "Köln", "nach", "§", "1", "BGB"], ["O", "B-RR", "O", "B-ST", "O", "B-GS", "I-GS", "I-GS"]
    assert to_coarse((words, tags)) == (words, ["O", "B-PER", "O", "B-LOC", "O", "B-NRM", "I-NRM", "I-NRM"])
    assert to_coarse(to_coarse((words, tags))) == to_coarse((words, tags))  # coarse tags stay


def test_user_files_are_used_as_given_and_recorded(tmp_path):
    sents = generate(60, seed=1)
    for name, part in (("a.conll", sents[:40]), ("b.jsonl", sents[40:50]), ("c.conll", sents[50:])):
        write_tagged(tmp_path / name, part)
    cfg = default_config(smoke=True)
    cfg.data.train, cfg.data.val, cfg.data.test = (str(tmp_path / n) for n in ("a.conll", "b.jsonl", "c.conll"))
    cfg.task.tagset = "fine"
    train, val, test, info = prepare_data(cfg)
    assert (train, val, test) == (sents[:40], sents[40:50], sents[50:])
    assert info["split_record"]["source"] == "files" and info["split_record"]["sizes"] == {"train": 40, "val": 10, "test": 10}
    cfg.task.tagset = "coarse"
    assert prepare_data(cfg)[2] == [to_coarse(s) for s in sents[50:]]


def test_bad_conll_names_file_and_line(tmp_path):
    bad = tmp_path / "bad.conll"
    bad.write_text("Der O\nKläger O\nMeier B-PER\n\nwohnt I-ST\n", encoding="utf-8")
    cfg = default_config(smoke=True)
    cfg.data.train = str(bad)
    with pytest.raises((TaggedFileError, ValueError), match="bad.conll") as exc:
        prepare_data(cfg)
    assert "I-ST" in str(exc.value)
    bad.write_text("Der O\nKläger\n", encoding="utf-8")
    with pytest.raises(TaggedFileError, match=r"bad\.conll.*line 2|line 2.*bad\.conll"):
        prepare_data(cfg)


def test_config_problems_are_named():
    from workbench.usecases.legal_ner.config import NerTaskArgs

    probs = NerTaskArgs(tagset="medium", n_sentences=3, max_length=4, case_marks="sometimes",
                        decoding="greedy").problems("task")
    assert any("task.decoding: expected 'viterbi' or 'argmax', got 'greedy'" in p for p in probs)
    assert any("task.tagset" in p for p in probs) and any("task.n_sentences" in p for p in probs)
    assert any("task.case_marks" in p for p in probs)
    assert any("task.max_length" in p for p in probs)
