"""workbench.tabular.read_table: German Excel exports, compression, encodings, ambiguity, bad input.

Every file is written byte for byte in tmp_path, the way Excel on a German Windows writes it.
"""

import bz2
import gzip
import lzma
import zipfile

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from workbench.tabular import ReadReport, TableError, normalise_sep, read_table, table_options

GERMAN = ("Datum;Artikel;Menge;Preis;Umsatz\r\n"
          "13.01.2024;Schraube M6;1.234;3,50;4.319,00\r\n"
          "14.01.2024;Mutter;12;0,99;11,88\r\n"
          "15.01.2024;Dübel;2.500;1,20;3.000,00\r\n")


def write(tmp_path, name, text, encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding) if isinstance(text, str) else text)
    return path


def check_german(df):
    assert list(df.columns) == ["Datum", "Artikel", "Menge", "Preis", "Umsatz"]
    assert df["Datum"].tolist() == [pd.Timestamp("2024-01-13"), pd.Timestamp("2024-01-14"), pd.Timestamp("2024-01-15")]
    assert df["Menge"].tolist() == [1234, 12, 2500]  # thousands dots: the file uses decimal commas elsewhere
    assert df["Menge"].dtype.kind == "i"
    assert df["Preis"].tolist() == [3.5, 0.99, 1.2]
    assert df["Umsatz"].tolist() == [4319.0, 11.88, 3000.0]
    assert df["Artikel"].tolist() == ["Schraube M6", "Mutter", "Dübel"]


def test_german_excel_export_with_bom_is_detected_and_announced_on_one_line(tmp_path, capsys):
    path = write(tmp_path, "bedarf.csv", "\ufeff" + GERMAN)
    report = ReadReport()
    check_german(read_table(path, report=report))
    assert report.sep == ";" and report.numbers == {"Preis": ",", "Umsatz": ",", "Menge": ","}
    assert report.dates == {"Datum": "%d.%m.%Y"}
    lines = [x for x in capsys.readouterr().err.splitlines() if x.startswith("[workbench]")]
    assert len(lines) == 1
    assert "bedarf.csv" in lines[0] and "';'" in lines[0] and "decimal comma (Preis, Umsatz, Menge)" in lines[0]
    assert "TT.MM.JJJJ (Datum)" in lines[0]


def test_explicit_conventions_give_the_same_table(tmp_path):
    path = write(tmp_path, "bedarf.txt", GERMAN)
    check_german(read_table(path, sep=";", decimal=",", date_format="%d.%m.%Y", quiet=True))


@pytest.mark.parametrize("suffix, compress", [
    (".csv.gz", gzip.compress), (".csv.bz2", bz2.compress), (".csv.xz", lzma.compress), (".csv", gzip.compress)])
def test_compressed_files_are_read_by_suffix_or_by_their_first_bytes(tmp_path, suffix, compress):
    # The last case is a gzipped file called .csv: it was refused as "not UTF-8" before.
    path = write(tmp_path, "bedarf" + suffix, compress(GERMAN.encode("utf-8")))
    report = ReadReport()
    check_german(read_table(path, report=report, quiet=True))
    assert report.compression in ("gzip", "bz2", "xz")


def test_zip_with_one_member_is_read_and_with_two_is_refused(tmp_path):
    one = tmp_path / "bedarf.zip"
    with zipfile.ZipFile(one, "w") as zf:
        zf.writestr("bedarf.csv", GERMAN)
    check_german(read_table(one, quiet=True))
    two = tmp_path / "beide.csv.zip"
    with zipfile.ZipFile(two, "w") as zf:
        zf.writestr("a.csv", GERMAN)
        zf.writestr("b.csv", GERMAN)
    with pytest.raises(TableError, match="zip file with 2 files"):
        read_table(two)


def test_cp1252_export_falls_back_and_says_so(tmp_path, capsys):
    path = write(tmp_path, "export.csv", "Straße;Menge;Preis\nKöln;1,5;2,00 \nMünchen;2;3\n", encoding="cp1252")
    df = read_table(path)
    assert df["Straße"].tolist() == ["Köln", "München"]
    assert df["Menge"].tolist() == [1.5, 2.0]
    assert df["Preis"].tolist() == [2, 3]  # "2,00 " with a trailing blank is a number too
    assert "encoding cp1252" in capsys.readouterr().err


def test_wrong_explicit_encoding_names_line(tmp_path):
    path = write(tmp_path, "export.csv", "a;b\nä;1\n", encoding="utf-8")
    with pytest.raises(TableError, match=r"cannot be read as ascii at byte \d+ \(line 2\)"):
        read_table(path, encoding="ascii")


def test_plain_english_csv_is_read_as_pandas_reads_it_and_prints_nothing(tmp_path, capsys):
    path = write(tmp_path, "plain.csv", "unique_id,ds,y,price\nA,2024-01-01,3,1.234\nA,2024-01-02,,2.5\n")
    df = read_table(path)
    expected = pd.read_csv(path)
    pd.testing.assert_frame_equal(df, expected)
    assert capsys.readouterr().err == ""


def test_english_thousands_commas_are_converted(tmp_path):
    path = write(tmp_path, "us.csv", 'item,amount\nA,"1,234.50"\nB,"12,000.00"\nC,7.25\n')
    df = read_table(path, quiet=True)
    assert df["amount"].tolist() == [1234.5, 12000.0, 7.25]


def test_ambiguous_dot_without_evidence_is_a_decimal_point_and_named(tmp_path, capsys):
    path = write(tmp_path, "amb.csv", "Datum;Wert\n13.01.2024;1.234\n14.01.2024;2.345\n")
    df = read_table(path)
    assert df["Wert"].tolist() == [1.234, 2.345]
    err = capsys.readouterr().err
    assert "column 'Wert': values like '1.234' read as a decimal point (pass --decimal ," in err
    # The user says the dot separates thousands:
    assert read_table(path, decimal=",", quiet=True)["Wert"].tolist() == [1234, 2345]


def test_ambiguous_dot_is_settled_by_the_column_itself(tmp_path):
    path = write(tmp_path, "col.csv", "Wert;Menge\n1.234;1.234\n2,5;2.000.000\n")
    df = read_table(path, quiet=True)
    assert df["Wert"].tolist() == [1234.0, 2.5]  # 2,5 settles it: decimal comma, so 1.234 is thousands
    assert df["Menge"].tolist() == [1234, 2000000]  # two thousands dots can only be German


def test_ambiguous_comma_in_a_semicolon_file_is_a_decimal_comma(tmp_path, capsys):
    path = write(tmp_path, "ambc.csv", "Wert;Text\n1,234;a\n2,345;b\n")
    assert read_table(path)["Wert"].tolist() == [1.234, 2.345]
    assert "values like '1,234' read as a decimal comma (pass --decimal . if not)" in capsys.readouterr().err
    assert read_table(path, decimal=".", quiet=True)["Wert"].tolist() == [1234, 2345]


def test_german_datetimes_and_explicit_date_format(tmp_path):
    path = write(tmp_path, "zeit.csv", "Zeit;Wert\n13.01.2024 08:30;1\n14.01.2024 17:05;2\n")
    assert read_table(path, quiet=True)["Zeit"].tolist() == [pd.Timestamp("2024-01-13 08:30"),
                                                               pd.Timestamp("2024-01-14 17:05")]
    path = write(tmp_path, "us.csv", "when,y\n01/13/2024,1\n01/14/2024,2\n")
    df = read_table(path, date_format="%m/%d/%Y", quiet=True)
    assert df["when"].tolist() == [pd.Timestamp("2024-01-13"), pd.Timestamp("2024-01-14")]


def test_empty_cells_stay_missing(tmp_path):
    path = write(tmp_path, "luecken.csv", "Datum;Wert\n13.01.2024;1,5\n;\n15.01.2024;2,5\n")
    df = read_table(path, quiet=True)
    assert df["Wert"].isna().tolist() == [False, True, False]
    assert df["Datum"].isna().tolist() == [False, True, False]
    assert df["Wert"].iloc[2] == 2.5


def test_parse_false_keeps_every_value_as_written(tmp_path):
    path = write(tmp_path, "klauseln.csv", "Text;Label\nDer Mieter zahlt 1.234,00 EUR.;1.10\n")
    df = read_table(path, parse=False, quiet=True)
    assert df.to_dict("list") == {"Text": ["Der Mieter zahlt 1.234,00 EUR."], "Label": ["1.10"]}


def test_tsv_json_jsonl_and_parquet(tmp_path):
    path = write(tmp_path, "t.tsv", "a\tb\n1\t2,5\n")
    assert read_table(path, quiet=True)["b"].tolist() == [2.5]
    path = write(tmp_path, "t.jsonl", '{"text": "x", "label": "a"}\n\n{"text": "y", "label": "b"}\n')
    assert read_table(path)["text"].tolist() == ["x", "y"]
    path = write(tmp_path, "t.json", '[{"text": "x", "label": "a"}]')
    assert read_table(path)["label"].tolist() == ["a"]
    pd.DataFrame({"a": [1, 2]}).to_parquet(tmp_path / "t.parquet")
    assert read_table(tmp_path / "t.parquet")["a"].tolist() == [1, 2]


def test_sep_spellings_and_config_options():
    assert normalise_sep("\\t") == "\t" and normalise_sep("tab") == "\t" and normalise_sep(";") == ";"

    class Data:
        sep, decimal, date_format, encoding = ";", ",", None, None

    assert table_options(Data()) == {"sep": ";", "decimal": ",", "date_format": None, "encoding": None}


# ----------------------------------------------------------------------------- bad input
def test_impossible_date_names_file_column_row_and_form(tmp_path):
    path = write(tmp_path, "bad.csv", "Datum;Wert\n13.01.2024;1\n31.02.2024;2\n")
    with pytest.raises(TableError) as exc:
        read_table(path)
    msg = str(exc.value)
    assert "bad.csv" in msg and "column 'Datum'" in msg and "row 3" in msg and "'31.02.2024'" in msg
    assert "TT.MM.JJJJ" in msg


def test_value_that_breaks_a_number_column_is_named(tmp_path):
    rows = "".join(f"{c};{i},5\n" for i, c in enumerate("ABCDEFGHIJ"))
    path = write(tmp_path, "preise.csv", "Artikel;Preis\n" + rows + "K;12,5 kg\n")
    with pytest.raises(TableError, match=r"preise.csv, column 'Preis', row 12: '12,5 kg' is not a number; "
                                         r"expected the form 1\.234,56"):
        read_table(path)


def test_mixed_conventions_in_one_column_are_refused(tmp_path):
    path = write(tmp_path, "mix.csv", 'Wert;x\n"1.234,5";a\n"1,234.5";b\n')
    with pytest.raises(TableError, match=r"column 'Wert': mixes German numbers \('1.234,5', row 2\) and English "
                                         r"numbers \('1,234.5', row 3\)"):
        read_table(path)


def test_explicit_decimal_point_refuses_german_numbers(tmp_path):
    path = write(tmp_path, "de.csv", "Wert;x\n1,5;a\n2,5;b\n")
    with pytest.raises(TableError, match=r"row 2: '1,5' is not a number; expected the form 1,234\.56"):
        read_table(path, decimal=".")


def test_date_format_mismatch_names_row(tmp_path):
    path = write(tmp_path, "d.csv", "Datum;Wert\n13.01.2024;1\n2024-01-14;2\n")
    with pytest.raises(TableError, match=r"column 'Datum', row 3: '2024-01-14' is not a date in the form %d\.%m\.%Y"):
        read_table(path, date_format="%d.%m.%Y")


def test_text_column_with_some_numbers_is_left_alone(tmp_path):
    path = write(tmp_path, "ids.csv", "Nr;Wert\nA-17;1,5\n1.234;2,5\nB-3;3\n")
    df = read_table(path, quiet=True)
    assert df["Nr"].tolist() == ["A-17", "1.234", "B-3"]


@pytest.mark.parametrize("name, content, match", [
    ("leer.csv", "", "the file is empty"),
    ("leer.jsonl", "\n", "the file is empty"),
    ("kaputt.csv.gz", b"\x1f\x8b\x08\x00garbage", "looks gzip-compressed but cannot be decompressed"),
    ("tabelle.xlsx", b"PK", r"unknown format '.xlsx' \(a spreadsheet\); save it from Excel as 'CSV UTF-8"),
    ("daten.xyz", "a,b\n", "unknown format '.xyz'"),
    ("bad.jsonl", '{"a": 1}\n[1]\n', "line 2 is a JSON list"),
    ("bad.json", '{"a": ', "not valid JSON"),
    ("bad.parquet", b"not parquet", "not a readable Parquet file"),
    ("binaer.csv", b"a;b\n\x81\x8d\x8f\x90;1\n", "neither UTF-8"),
])
def test_bad_files_are_clear_errors(tmp_path, name, content, match):
    path = write(tmp_path, name, content)
    with pytest.raises(TableError, match=match):
        read_table(path)


def test_missing_file_and_folder(tmp_path):
    with pytest.raises(FileNotFoundError, match="data file does not exist: .*nichts.csv"):
        read_table(tmp_path / "nichts.csv")
    with pytest.raises(TableError, match="is a folder"):
        read_table(tmp_path)
    with pytest.raises(TableError, match="decimal mark must be"):
        read_table(write(tmp_path, "a.csv", "a\n1\n"), decimal=";")


def test_a_date_in_another_form_inside_a_german_date_column_is_named(tmp_path):
    rows = "".join(f"{d:02d}.01.2024;{d}\n" for d in range(1, 12))
    path = write(tmp_path, "tage.csv", "Datum;Menge\n" + rows + "2024-01-12;5\n")
    with pytest.raises(TableError, match=r"tage.csv, column 'Datum', row 13: '2024-01-12' is not a date in the "
                                         r"form TT.MM.JJJJ"):
        read_table(path)


def test_large_text_columns_are_not_surveyed_value_by_value(tmp_path):
    # 5,000 free-text rows and a decimal-comma column: the text stays text, the numbers convert.
    body = "".join(f"Artikel Nummer {i} aus Köln;{i},5\n" for i in range(5000))
    df = read_table(write(tmp_path, "gross.csv", "Beschreibung;Preis\n" + body), quiet=True)
    assert df["Beschreibung"].iloc[4999] == "Artikel Nummer 4999 aus Köln"
    assert df["Preis"].iloc[4999] == 4999.5


def _german(value: float) -> str:
    return format(value, ",.2f").replace(",", "X").replace(".", ",").replace("X", ".")


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(values=st.lists(st.floats(min_value=-1e9, max_value=1e9, allow_nan=False), min_size=1, max_size=25))
def test_numbers_round_trip_in_both_conventions(tmp_path, values):
    expected = [round(v, 2) for v in values]
    german = tmp_path / "de.csv"
    german.write_text("Wert;Text\n" + "".join(f"{_german(v)};x\n" for v in values), encoding="utf-8")
    assert read_table(german, quiet=True)["Wert"].tolist() == pytest.approx(expected, abs=1e-9)
    english = tmp_path / "en.csv"
    english.write_text("value,text\n" + "".join(f'"{v:,.2f}",x\n' for v in values), encoding="utf-8")
    assert read_table(english, quiet=True)["value"].tolist() == pytest.approx(expected, abs=1e-9)


def test_config_fields_for_csv_conventions_are_validated_all_at_once():
    from workbench.config import ConfigError, RunConfig

    with pytest.raises(ConfigError) as exc:
        RunConfig.from_dict({"data": {"sep": ";;", "decimal": "x", "date_format": "TT.MM.JJJJ", "encoding": "klingon"}})
    problems = exc.value.problems
    assert any(p.startswith("data.sep: must be one character") for p in problems)
    assert any(p.startswith("data.decimal: must be ',' or '.'") for p in problems)
    assert any(p.startswith("data.date_format: must be a strftime form like '%d.%m.%Y'") for p in problems)
    assert any(p.startswith("data.encoding: unknown encoding 'klingon'") for p in problems)
    ok = RunConfig.from_dict({"data": {"sep": "\\t", "decimal": ",", "date_format": "%d.%m.%Y", "encoding": "cp1252"}})
    assert table_options(ok.data) == {"sep": "\\t", "decimal": ",", "date_format": "%d.%m.%Y", "encoding": "cp1252"}
