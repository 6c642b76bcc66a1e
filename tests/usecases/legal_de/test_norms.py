"""Tests of the curated norm table and of every citation in the generated clause set."""

from __future__ import annotations

import re

import pytest

from workbench.usecases.legal_de import templates as T
from workbench.usecases.legal_de.data import generate_clauses, load_generated_sample
from workbench.usecases.legal_de.norms import (LAWS, MENTION_NORMS, MENTION_SLOTS, NORMS, STATUTE_SOURCES,
                                               allowed_keys, citation_problems, parse_citations)


@pytest.fixture(scope="module")
def sample():
    return load_generated_sample()


def test_parser_reads_the_usual_forms():
    found = parse_citations("Nach § 309 Nr. 7 BGB und Art. 28 Abs. 3 DSGVO sowie § 573c Abs. 1 Satz 2 BGB "
                            "und Art. 5 Abs. 1 lit. c DSGVO; siehe § 12 dieses Vertrages.")
    assert [(c.sign, c.number, c.law) for c in found] == [
        ("§", "309", "BGB"), ("Art.", "28", "DSGVO"), ("§", "573c", "BGB"), ("Art.", "5", "DSGVO")]
    assert found[2].paragraph == 573
    assert parse_citations("Gerichtsstand ist München. § 7 Abs. 2 Die Parteien vereinbaren Folgendes.") == []


@pytest.mark.parametrize("bad, problem", [
    ("§ 624 DSGVO", "DSGVO is cited with 'Art.', not '§'"),
    ("Art. 97 BGB", "BGB is cited with '§', not 'Art.'"),
    ("Art. 152 ZPO", "ZPO is cited with '§', not 'Art.'"),
    ("§ 3000 BGB", "BGB has § 1 to 2385"),
    ("Art. 120 DSGVO", "DSGVO has Art. 1 to 99"),
    ("§ 5 XYZG", "unknown law 'XYZG'"),
    ("§ 624 BGB", "not in the curated norm table"),
])
def test_impossible_citations_are_reported(bad, problem):
    assert any(problem in p for p in citation_problems(f"Es gilt {bad}.")), citation_problems(bad)


def test_table_itself_is_consistent():
    assert set(NORMS) == set(T.LABELS) == set(MENTION_SLOTS) == set(MENTION_NORMS)
    for label, norms in NORMS.items():
        assert norms, label
        for norm in norms:
            assert citation_problems(norm.citation) == [], norm
            assert norm.topic, norm  # every entry says what it regulates
    # DSGVO by article, German statutes by paragraph.
    assert all(n.citation.startswith("Art. ") for n in NORMS["Datenschutz"] if n.law == "DSGVO")
    assert all(LAWS[n.law].sign == "§" for ns in NORMS.values() for n in ns if n.law != "DSGVO")
    table = {n.citation for ns in NORMS.values() for n in ns}
    for label, cits in MENTION_NORMS.items():
        assert set(cits) <= {n.citation for n in NORMS[label]}, label  # mentions fit their own topic
    for (label, family), sources in STATUTE_SOURCES.items():
        fam = dict((name, sentences) for name, _, sentences in T.FAMILIES[label])
        assert len(sources) == len(fam[family]), (label, family)  # one source per statute sentence
    statute_families = {(label, name) for label, fs in T.FAMILIES.items() for name, style, _ in fs if style == "statute"}
    assert statute_families == set(STATUTE_SOURCES)
    assert ("BGB", "309") in allowed_keys() and len(table) > 50


def test_templates_cite_only_table_norms():
    for label, families in T.FAMILIES.items():
        for name, _, sentences in families:
            for sentence in sentences:
                for alternative in re.split(r"[\[\]|]", sentence):
                    assert citation_problems(alternative) == [], (label, name, alternative)


def test_every_citation_in_the_shipped_and_a_fresh_set_is_real_and_on_topic(sample):
    fresh = generate_clauses(n_per_class=60, seed=7)
    for frame in (sample, fresh):
        problems = {p for text in frame["text"] for p in citation_problems(text)}
        assert problems == set(), sorted(problems)[:10]
    cited = [c for text in sample["text"] for c in parse_citations(text)]
    assert len(cited) > 200 and len({c.law for c in cited}) >= 5
    # Statute-style rows are cited with the norm their sentence paraphrases: its law fits the label.
    statute = sample[(sample["style"] == "statute")]
    for row in statute.itertuples():
        family = row.family.split("/", 1)[1]
        own = {n.key for n in STATUTE_SOURCES[(row.label, family)]}
        keys = {(c.law, c.number) for c in parse_citations(row.text)}
        if keys and not row.hard:
            assert keys <= own, (row.text, keys, own)
