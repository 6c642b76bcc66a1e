"""Tests of German PII detection and pseudonymisation: checksums, each rule, consistency, vault."""

from __future__ import annotations

import json
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from workbench.governance import pii
from workbench.governance.pii import ENTITY_TYPES, MappingVault, Pseudonymiser


def labels(text: str, **kw) -> list[tuple[str, str]]:
    return [(s.label, s.text) for s in Pseudonymiser(entities=ENTITY_TYPES, **kw).detect(text)]


def test_iban_checksum():
    assert pii.iban_is_valid("DE89 3704 0044 0532 0130 00")
    assert not pii.iban_is_valid("DE89 3704 0044 0532 0130 01")  # one digit off
    assert not pii.iban_is_valid("DE89 3704 0044 0532 0130")  # too short for DE
    rng = random.Random(0)
    assert all(pii.iban_is_valid(pii.make_iban(rng)) for _ in range(50))


def test_steuer_id_checksum():
    assert pii.steuer_id_is_valid("86095742719")  # BZSt example ID
    assert pii.steuer_id_is_valid("86 095 742 719")
    assert not pii.steuer_id_is_valid("86095742718")  # wrong check digit
    assert not pii.steuer_id_is_valid("01234567891")  # leading zero
    assert not pii.steuer_id_is_valid("12345678903")  # no repeated digit
    rng = random.Random(1)
    assert all(pii.steuer_id_is_valid(pii.make_steuer_id(rng)) for _ in range(50))


@pytest.mark.parametrize("text,expected", [
    ("Konto DE89 3704 0044 0532 0130 00 BIC COBADEFFXXX", ("IBAN", "DE89 3704 0044 0532 0130 00")),
    ("IBAN DE89370400440532013000.", ("IBAN", "DE89370400440532013000")),
    ("Steuer-ID 86 095 742 719.", ("TAX_ID", "86 095 742 719")),
    ("Mail an max.muster@firma-beispiel.de, danke", ("EMAIL", "max.muster@firma-beispiel.de")),
    ("Tel.: 030 / 123 456 78", ("PHONE", "030 / 123 456 78")),
    ("mobil +49 171 2345678, abends", ("PHONE", "+49 171 2345678")),
    ("Sie wohnt in der Karl-Liebknecht-Straße 88 im 2. OG", ("ADDRESS", "Karl-Liebknecht-Straße 88")),
    ("Anschrift: Am Stadtpark 9", ("ADDRESS", "Am Stadtpark 9")),
    ("in 60311 Frankfurt am Main", ("POSTCODE", "60311 Frankfurt am Main")),
    ("geboren am 3. Mai 1990 in Kiel", ("DATE_OF_BIRTH", "3. Mai 1990")),
    ("amtliches Kennzeichen B AB 1234", ("LICENCE_PLATE", "B AB 1234")),
    ("Az.: VIII ZR 277/16", ("CASE_NUMBER", "VIII ZR 277/16")),
    ("Sehr geehrter Herr Dr. Jonas Albrecht,", ("PERSON", "Jonas Albrecht")),
    ("Zeugin: Ngozi Eze, zu laden über", ("PERSON", "Ngozi Eze")),
    ("Name, Vorname: Kowalczyk, Agnieszka", ("PERSON", "Kowalczyk, Agnieszka")),
    ("die Strafbarkeit des Angeklagten H. nach § 29a BtMG", ("PERSON", "H.")),
])
def test_each_rule_finds_its_type(text, expected):
    assert expected in labels(text)


@pytest.mark.parametrize("text", [
    "Die Rechnung vom 08.07.2024 über 1.200,00 Euro ist fällig.",  # a date is no phone number
    "Wir liefern 10000 Stück bis KW 19.",  # no postcode
    "Gemäß § 535 Abs. 1 BGB hat der Vermieter die Mietsache zu überlassen.",
    "Die Stadtwerke Rheinhessen AG erhöhen die Preise.",
    "Der Mieter hat die Wohnung am 01.11.2024 übernommen.",  # a date without birth cue
    "Konto DE89 3704 0044 0532 0130 01 (Tippfehler)",  # checksum fails
    "Bestellnummer 2024-118803, Artikel 4500018823",
])
def test_no_false_positives_on_distractors(text):
    assert labels(text) == []


def test_date_of_birth_needs_context_and_validity():
    assert labels("geb. 31.02.1980") == []  # no such date
    assert ("DATE_OF_BIRTH", "12.03.1985") in labels("Jonas Albrecht, geb. 12.03.1985")


def test_pseudonyms_are_consistent_and_impossible():
    text = ("Herr Jonas Albrecht (jonas@web.de) und Frau Petra Schulz. Später schrieb Herr Albrecht erneut; "
            "Frau Schulz antwortete. Konto: DE89 3704 0044 0532 0130 00, Tel. 0171 2345678.")
    new, mapping = Pseudonymiser(seed=3).pseudonymise(text)
    assert "Albrecht" not in new and "Schulz" not in new and "jonas@web.de" not in new
    full, short = mapping["Jonas Albrecht"], mapping["Albrecht"]
    assert full.split()[-1] == short  # the surname alone gets the surname of the pseudonym
    assert mapping["Petra Schulz"].split()[-1] == mapping["Schulz"] != short
    assert mapping["jonas@web.de"].endswith("@example.org")
    fake_iban = mapping["DE89 3704 0044 0532 0130 00"]
    assert pii.iban_is_valid(fake_iban) and fake_iban.replace(" ", "")[4:12] == "00000000"
    assert mapping["0171 2345678"].startswith("030 23125")
    again, _ = Pseudonymiser(seed=3).pseudonymise(text)
    assert again == new  # reproducible with a seed


def test_modes_and_discarded_mapping():
    text = "Herr Jonas Albrecht, Tel. 0171 2345678"
    tagged, mapping = Pseudonymiser(mode="tag").pseudonymise(text)
    assert tagged == "Herr [PERSON_1], Tel. [PHONE_1]"
    masked, _ = Pseudonymiser(mode="mask").pseudonymise(text)
    assert "Albrecht" not in masked and "█" in masked
    _, nothing = Pseudonymiser(keep_mapping=False).pseudonymise(text)
    assert nothing == {}


def test_consistency_across_documents():
    docs = ["Herr Jonas Albrecht kündigt.", "Herr Albrecht bestätigt."]
    texts, maps = Pseudonymiser(seed=0).pseudonymise_many(docs, consistent_across_documents=True)
    assert maps[0]["Jonas Albrecht"].split()[-1] == maps[1]["Albrecht"]


def test_case_number_is_opt_in():
    text = "Az.: 2 O 123/23"
    assert Pseudonymiser().detect(text) == []
    assert Pseudonymiser(entities=["CASE_NUMBER"]).detect(text)[0].text == "2 O 123/23"


def test_tagger_spans_are_merged():
    def tagger(text):
        i = text.index("Emre")
        return [pii.Span(i, i + 4, "PERSON", "Emre", "model", 0.9)]

    assert ("PERSON", "Emre") in labels("Emre hat die Kabel getauscht.", tagger=tagger)


def test_bad_arguments():
    with pytest.raises(ValueError, match="unknown type"):
        Pseudonymiser(entities=["NAME"])
    with pytest.raises(ValueError, match="unknown type"):
        Pseudonymiser(entities="PERSON")  # a string, not a list
    with pytest.raises(ValueError, match="mode"):
        Pseudonymiser(mode="delete")
    with pytest.raises(TypeError, match="str"):
        Pseudonymiser().detect(b"bytes")  # type: ignore[arg-type]


def test_vault_roundtrip_and_wrong_key(tmp_path):
    key = MappingVault.generate_key()
    vault = MappingVault(key)
    path = vault.save(tmp_path / "mapping.enc", {"Jonas Albrecht": "Alex Muster"})
    assert b"Albrecht" not in path.read_bytes()
    assert (path.stat().st_mode & 0o777) == 0o600
    assert vault.load(path) == {"Jonas Albrecht": "Alex Muster"}
    with pytest.raises(ValueError, match="wrong key"):
        MappingVault(MappingVault.generate_key()).load(path)
    with pytest.raises(ValueError, match="Fernet key"):
        MappingVault("not-a-key")


@settings(max_examples=60, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=300))
def test_arbitrary_text_never_crashes_and_spans_are_consistent(text):
    pseudo = Pseudonymiser(entities=ENTITY_TYPES, seed=0)
    spans = pseudo.detect(text)
    for a, b in zip(spans, spans[1:]):
        assert a.end <= b.start
    for s in spans:
        assert text[s.start : s.end] == s.text
    new, mapping = pseudo.pseudonymise(text)
    assert isinstance(new, str) and set(mapping) == {s.text for s in spans}


def test_pseudonymise_column_is_audited_without_personal_data(tmp_path, monkeypatch):
    import pandas as pd

    from workbench.governance import audit
    from workbench.governance.pii import pseudonymise_column

    monkeypatch.setenv("WORKBENCH_HOME", str(tmp_path / "home"))
    df = pd.DataFrame({"text": ["Herr Jonas Albrecht zahlt.", "Keine Daten."], "label": ["a", "b"]})
    key = MappingVault.generate_key()
    out, counts = pseudonymise_column(df, "text", Pseudonymiser(seed=0), vault=MappingVault(key),
                                      mapping_path=tmp_path / "m.enc")
    assert "Albrecht" not in out.loc[0, "text"] and out.loc[1, "text"] == "Keine Daten."
    assert counts == {"PERSON": 1} and df.loc[0, "text"].startswith("Herr Jonas")  # input untouched
    assert MappingVault(key).load(tmp_path / "m.enc")[0] == {"Jonas Albrecht": out.loc[0, "text"][5:-7]}
    entry = audit.read_entries()[-1]
    assert entry["operation"] == "data.pseudonymise" and "Albrecht" not in json.dumps(entry)
    with pytest.raises(KeyError, match="label"):
        pseudonymise_column(df, "Text")
    with pytest.raises(TypeError, match="row 1"):
        pseudonymise_column(pd.DataFrame({"text": ["a", 3]}), "text")
