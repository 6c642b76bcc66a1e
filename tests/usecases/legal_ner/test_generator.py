"""The LER-style generator: valid IOB2 for every class, seeded, and LER's span conventions."""

from workbench.conll import entities, validate_iob2
from workbench.usecases.legal_ner.data import FINE, generate
from workbench.usecases.legal_ner.generator import CLASS_WEIGHTS, EMPTY_SHARE, Writer, generate_with

FIRST, LAST = ["Anna", "Jonas", "Mia"], ["Becker", "Kaya", "Wolff", "Nowak"]


def _spans(sents, kind):
    return [" ".join(w[s:e]) for w, tags in sents for t, s, e in entities(tags) if t == kind]


def test_every_class_leads_one_of_the_first_19_sentences_and_tags_are_valid():
    sents = generate(19, seed=11)
    validate_iob2(sents, source="generated")
    assert set(CLASS_WEIGHTS) == set(FINE)
    for kind, (words, tags) in zip(CLASS_WEIGHTS, sents):
        assert f"B-{kind}" in tags, (kind, words)


def test_large_sample_is_valid_seeded_varied_and_partly_entity_free():
    sents = generate(1500, seed=2)
    validate_iob2(sents, source="generated")
    assert all(len(w) == len(t) and w and all(" " not in x and x for x in w) for w, t in sents)
    assert generate(200, seed=2) == sents[:200] and generate(200, seed=3) != sents[:200]
    empty = sum(1 for _, t in sents if set(t) == {"O"}) / len(sents)
    assert abs(empty - EMPTY_SHARE) < 0.06, empty
    counts = {k: len(_spans(sents, k)) for k in FINE}
    assert min(counts.values()) >= 10, counts
    # Variety: neither the sentences nor the norm and decision strings repeat much.
    assert len({" ".join(w) for w, _ in sents}) > 0.9 * len(sents)
    for kind in ("GS", "RS", "LIT"):
        spans = _spans(sents, kind)
        assert len(set(spans)) > 0.9 * len(spans), kind


def test_norm_citations_follow_ler_conventions():
    w = Writer(0, FIRST, LAST)
    texts = [w.gs_text() for _ in range(3000)]
    assert all(t == " ".join(t.split()) for t in texts)  # already tokenised: one space between tokens
    assert any(t.startswith("§§ ") and " , " in t for t in texts)  # "§§ 3 , 4 AsylG" is one entity
    assert any(" ff. " in t for t in texts) and any(t.startswith("Art. ") and t.endswith(" GG") for t in texts)
    assert any(" i. V. m. " in t for t in texts)  # a chain whose first norm names no law stays one entity
    assert not any(" vom " in t for t in texts)  # "in der Fassung vom ..." is outside the span
    # A chain whose norms each name their law: two entities, the connector is O.
    for _ in range(200):
        pairs = w.chain()
        tags = [t for _, t in pairs]
        assert len(entities(tags)) == 2 and tags[0].startswith("B-")


def test_decision_and_literature_citations_keep_file_numbers_whole():
    w = Writer(1, FIRST, LAST)
    rs = [w.rs_text() for _ in range(2000)]
    assert any(", Urteil vom " in t for t in rs) and any(t.startswith("BVerfGE ") and " < " in t for t in rs)
    az = [t.split()[-1] for t in rs if t.startswith("BVerwG , ") and t.endswith(" -")]
    lit = [w.lit_text() for _ in range(1000)]
    assert any(" Aufl. " in t and " Rn. " in t for t in lit) and any(t.startswith("BT-Drucks") for t in lit)
    assert any("/" in t.split()[-2] or "." in t for t in rs)
    series = w.rs_series()
    ents = entities([t for _, t in series])
    assert len(ents) >= 2 and series[ents[1][1]][0][0].isdigit()  # later decisions of a series start with the date
    assert az == [] or all(x == "-" for x in az)


def test_entity_free_sentences_use_entity_lookalikes_as_o():
    sents = generate_with(800, 5, FIRST, LAST)
    o_words = {x for w, t in sents if set(t) == {"O"} for x in w}
    assert {"Senat", "Kläger"} & o_words and len(o_words) > 300
