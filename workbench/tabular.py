"""Read a user's table: CSV/TSV (also compressed), Excel CSV exports, German number and date forms.

One reader for every use case's "your own file" path, so ``klauseln.csv``, ``bedarf.csv.gz`` and
an Excel export with ``;``, decimal commas and ``TT.MM.JJJJ`` dates all load the same way::

    from workbench.tabular import read_table
    df = read_table("bedarf.csv")                           # detects ; and 1.234,56 and 13.01.2024
    df = read_table("bedarf.csv", sep=";", decimal=",", date_format="%d.%m.%Y")   # or say so
    df = read_table("klauseln.csv", parse=False)            # every column as text (text data)

What it handles:

* **Formats**: CSV/TSV/TXT, JSONL/NDJSON, JSON (records), Parquet. Compressed files
  (``.gz``, ``.bz2``, ``.xz``, ``.zip`` with one member) are recognised by their suffix *or* their
  first bytes, so a gzipped file called ``demand.csv`` is read, not refused as "not UTF-8".
* **Encodings**: UTF-8 with or without BOM (Excel's "CSV UTF-8"); a file that is not UTF-8 is
  read as cp1252 (Excel's "CSV (Trennzeichen-getrennt)" on German Windows) and the progress line
  says so. ``encoding=`` forces one.
* **Separator**: sniffed among ``, ; TAB |`` on the first lines (``.tsv`` means TAB).
* **Numbers**: a column whose values look like numbers is converted with the convention its own
  values show: ``1.234,56`` / ``3,5`` is German (decimal comma, thousands dot), ``1,234.56`` /
  ``3.5`` is English. Values that fit both are ambiguous and decided like this:

  - ``1.234`` (one dot, three digits after it): the column's other values decide; if none does,
    the rest of the file does (another column with decimal commas makes it a thousands dot);
    if nothing does, it is a decimal point (pandas' and Python's reading) and the progress line
    names the column, so a user whose file means thousands passes ``decimal=","``.
  - ``1,234`` (one comma, three digits): the column, then the file; if nothing decides, a decimal
    comma when the separator is not ``,`` (a file that separates with ``;`` does so because its
    decimal mark is ``,``), else a thousands comma (a quoted US export).

  A column that mixes both conventions, or whose numbers are interrupted by a value that is not
  a number (``12,5 kg``), is an error naming the file, column, row and expected form.
* **Dates**: a column whose values are all ``TT.MM.JJJJ`` (optionally ``HH:MM[:SS]``) becomes
  ``datetime64``; ``date_format=`` parses the columns that fit that format instead. An
  impossible date (``31.02.2024``) is an error naming the row.

Rows in messages count as a spreadsheet shows them: the header is row 1, the first data row is
row 2. When something other than plain UTF-8/``,``/decimal point was detected, ONE progress line
(:func:`workbench.progress.emit`) says what, e.g.
``[workbench] bedarf.csv: detected separator ';', decimal comma (Menge, Preis), dates TT.MM.JJJJ (Datum)``.

pandas is imported inside the functions, so a use-case package may import this module at its top
without slowing down the start of every ``workbench`` command.
"""

from __future__ import annotations

import bz2
import csv
import gzip
import io
import lzma
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from workbench.progress import emit

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = ["TableError", "read_table", "table_options", "normalise_sep", "ReadReport"]


class TableError(ValueError):
    """A user's table cannot be read; the message names the file, column, row and expected form."""


_COMPRESSION = {".gz": "gzip", ".gzip": "gzip", ".bz2": "bz2", ".xz": "xz", ".zip": "zip"}
_MAGIC = ((b"\x1f\x8b", "gzip"), (b"BZh", "bz2"), (b"\xfd7zXZ\x00", "xz"), (b"PK\x03\x04", "zip"))
_FORMATS = {".csv": "csv", ".tsv": "csv", ".tab": "csv", ".txt": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl",
            ".json": "json", ".parquet": "parquet", ".pq": "parquet"}
_NA = {"", "na", "n/a", "nan", "null", "none", "#n/a", "#nv"}  # #NV: German Excel's #N/A
_SNIFF_LINES = 50
_SAMPLE = 2000  # values looked at before a column's full survey
_NUMBER_SHARE = 0.9  # a column is "numbers" when at least this share of its filled cells are numbers

# Number forms, matched on stripped strings. "Ambiguous" forms fit both conventions.
_INT = r"[+-]?\d+"
_AMB_DOT = r"[+-]?[1-9]\d{0,2}\.\d{3}"  # 1.234: German thousands or English decimal
_AMB_COMMA = r"[+-]?[1-9]\d{0,2},\d{3}"  # 1,234: English thousands or German decimal
_DE = r"[+-]?(?:(?:[1-9]\d{0,2}(?:\.\d{3})+|\d*),\d+|[1-9]\d{0,2}(?:\.\d{3}){2,})"
_EN = r"[+-]?(?:(?:[1-9]\d{0,2}(?:,\d{3})+|\d*)\.\d+(?:[eE][+-]?\d+)?|[1-9]\d{0,2}(?:,\d{3}){2,}|\d+[eE][+-]?\d+)"
_DATE_DE = r"\d{1,2}\.\d{1,2}\.\d{4}(?: \d{1,2}:\d{2}(?::\d{2})?)?"
_FORM = {",": "1.234,56 (decimal comma, thousands dot)", ".": "1,234.56 (decimal point, thousands comma)"}


@dataclass
class ReadReport:
    """What :func:`read_table` detected (``read_table(..., report=r)`` fills one in)."""

    sep: str | None = None
    encoding: str = "utf-8"
    compression: str | None = None
    numbers: dict = field(default_factory=dict)
    """Column -> decimal mark used to convert it (only columns that needed more than pandas)."""
    dates: dict = field(default_factory=dict)
    """Column -> date format used."""
    notes: list = field(default_factory=list)
    """Ambiguities that were decided by default (named in the progress line)."""

    def line(self, name: str) -> str | None:
        """The one progress line, or ``None`` when everything was the plain default."""
        parts = []
        if self.compression:
            parts.append(f"{self.compression} compression")
        if self.encoding not in ("utf-8", "utf-8-sig"):
            parts.append(f"encoding {self.encoding} (not UTF-8; --encoding chooses another)")
        if self.sep not in (None, ","):
            parts.append("separator " + ("TAB" if self.sep == "\t" else repr(self.sep)))
        for mark, label in ((",", "decimal comma"), (".", "decimal point with thousands commas")):
            cols = [c for c, m in self.numbers.items() if m == mark]
            if cols:
                parts.append(f"{label} ({', '.join(map(str, cols))})")
        for fmt in dict.fromkeys(self.dates.values()):
            cols = [c for c, f in self.dates.items() if f == fmt]
            shown = "TT.MM.JJJJ" if fmt.startswith("%d.%m.%Y") else fmt
            parts.append(f"dates {shown} ({', '.join(map(str, cols))})")
        parts += self.notes
        return f"{name}: detected " + ", ".join(parts) if parts else None


def normalise_sep(sep: str | None) -> str | None:
    r"""``"\t"``, ``"tab"`` and ``"TAB"`` mean a TAB (a shell passes ``'\t'`` as two characters)."""
    if sep is None:
        return None
    if sep in ("\\t", "tab", "TAB", "\t"):
        return "\t"
    return sep


def table_options(data: Any) -> dict:
    """The :func:`read_table` keyword arguments a config's ``data`` section asks for.

    Use cases call ``read_table(path, **table_options(config.data))`` so the CLI flags
    ``--sep --decimal --date-format --encoding`` (which set ``data.sep`` ...) reach the reader.
    """
    return {key: getattr(data, key, None) for key in ("sep", "decimal", "date_format", "encoding")}


# --------------------------------------------------------------------------------------------
# Bytes: compression and encoding
# --------------------------------------------------------------------------------------------
def _strip_compression(path: Path) -> tuple[str | None, str]:
    """(compression by suffix, the suffix under it): ``x.csv.gz`` -> ``("gzip", ".csv")``."""
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes and suffixes[-1] in _COMPRESSION:
        return _COMPRESSION[suffixes[-1]], (suffixes[-2] if len(suffixes) > 1 else "")
    return None, (suffixes[-1] if suffixes else "")


def _decompress(raw: bytes, path: Path, kind: str | None) -> tuple[bytes, str | None]:
    magic = next((k for m, k in _MAGIC if raw.startswith(m)), None)
    kind = magic or (kind if raw and kind else None)  # the bytes win over the name
    if kind is None:
        return raw, None
    try:
        if kind == "gzip":
            return gzip.decompress(raw), kind
        if kind == "bz2":
            return bz2.decompress(raw), kind
        if kind == "xz":
            return lzma.decompress(raw), kind
        with zipfile.ZipFile(io.BytesIO(raw)) as zf:
            members = [n for n in zf.namelist() if not n.endswith("/")]
            if len(members) != 1:
                raise TableError(f"{path}: a zip file with {len(members)} files {members[:5]}; expected exactly "
                                 "one table in it (unzip it and pass the file you mean)")
            return zf.read(members[0]), kind
    except TableError:
        raise
    except Exception as exc:  # noqa: BLE001 - gzip/bz2/lzma/zipfile raise many types for damaged data
        raise TableError(f"{path}: looks {kind}-compressed but cannot be decompressed ({exc}); the file is "
                         "damaged or not what its name says") from None


def _decode(raw: bytes, path: Path, encoding: str | None) -> tuple[str, str]:
    if encoding:
        try:
            return raw.decode(encoding).removeprefix("\ufeff"), encoding
        except (UnicodeDecodeError, LookupError) as exc:
            where = ""
            if isinstance(exc, UnicodeDecodeError):
                line = raw[: exc.start].count(b"\n") + 1
                where = f" at byte {exc.start} (line {line})"
            raise TableError(f"{path}: cannot be read as {encoding}{where}: {exc.reason if hasattr(exc, 'reason') else exc}; "
                             "leave --encoding out to detect UTF-8 or cp1252") from None
    try:
        return raw.decode("utf-8-sig"), "utf-8"  # utf-8-sig strips Excel's BOM
    except UnicodeDecodeError as exc:
        first_bad = exc.start
    try:
        # German Windows/Excel "CSV (Trennzeichen-getrennt)" writes cp1252 (ä = 0xe4, € = 0x80).
        return raw.decode("cp1252"), "cp1252"
    except UnicodeDecodeError as exc:
        line = raw[:first_bad].count(b"\n") + 1
        raise TableError(f"{path}: neither UTF-8 (byte 0x{raw[first_bad:first_bad + 1].hex()} at line {line}) "
                         f"nor cp1252 (byte {exc.start}); is it a table at all? Pass --encoding if you know "
                         "the encoding, or save the file as 'CSV UTF-8'") from None


def _sniff_sep(text: str) -> str:
    # The first lines, at most 8 KB: csv.Sniffer is slow on very long lines (a 200 KB one-line
    # file took a minute when the whole line was sniffed).
    head = "\n".join(text[:65536].splitlines()[:_SNIFF_LINES])[:8192]
    try:
        return csv.Sniffer().sniff(head, delimiters=",;\t|").delimiter
    except csv.Error:
        first = head.splitlines()[0] if head else ""
        counts = {s: first.count(s) for s in ";\t|,"}  # one-line files: the most frequent on the header
        best = max(counts, key=counts.get)
        return best if counts[best] else ","


# --------------------------------------------------------------------------------------------
# Columns: numbers and dates
# --------------------------------------------------------------------------------------------
def _kinds(values: "pd.Series") -> dict[str, "pd.Series"]:
    """Boolean masks of the number and date forms over stripped, filled string values.

    ``de`` and ``en`` hold only the values that settle the convention (the ambiguous forms
    ``1.234`` and ``1,234`` are in ``amb_dot`` and ``amb_comma`` alone).
    """
    masks = {name: values.str.fullmatch(pattern) for name, pattern in
             (("int", _INT), ("amb_dot", _AMB_DOT), ("amb_comma", _AMB_COMMA), ("de", _DE), ("en", _EN),
              ("date_de", _DATE_DE))}
    masks["de"] &= ~masks["amb_comma"]
    masks["en"] &= ~masks["amb_dot"]
    return masks


def _maybe_converted(sample: "pd.Series") -> bool:
    """Whether a column's first values could belong to a number or date column (a cheap test
    before the full one: a free-text column of a large file is not matched six times)."""
    loose = sample.str.fullmatch(r"[+-]?[\d.,]*\d(?:[eE][+-]?\d+)?|" + _DATE_DE)
    return bool(loose.mean() >= 0.5)


def _row(frame_index: int) -> int:
    return int(frame_index) + 2  # header = row 1, as in a spreadsheet


def _to_number(values: "pd.Series", mark: str) -> "pd.Series":
    import pandas as pd

    thousands = "." if mark == "," else ","
    cleaned = values.str.replace(thousands, "", regex=False)
    if mark == ",":
        cleaned = cleaned.str.replace(",", ".", regex=False)
    out = pd.to_numeric(cleaned)
    if out.notna().all() and (out % 1 == 0).all() and out.abs().max() < 2**53:
        return out.astype("int64")  # 1.234 (thousands) is an integer, as pandas would read 1234
    return out


class _Decider:
    """Decides each column's conversion from its values and the evidence of the whole file."""

    def __init__(self, path: Path, sep: str, decimal: str | None, date_format: str | None):
        self.path, self.sep, self.decimal, self.date_format = path, sep, decimal, date_format

    def survey(self, frame: "pd.DataFrame") -> dict:
        """Per column: filled values, their form masks and the counts (one pass, reused)."""
        out = {}
        for col in frame.columns:
            values = frame[col].astype(str).str.strip()
            filled = ~values.str.lower().isin(_NA)
            if not filled.any():
                continue
            v = values[filled]
            if len(v) > _SAMPLE and not _maybe_converted(v.iloc[:_SAMPLE]):
                continue  # a text column: its first values are mostly not numbers or dates
            masks = _kinds(v)
            out[col] = {"values": v, "masks": masks, "n": int(filled.sum()),
                        **{k: int(m.sum()) for k, m in masks.items()}}
        return out

    def file_evidence(self, survey: dict) -> tuple[bool, bool]:
        """(some column shows a decimal comma, some column shows a decimal point) unambiguously."""
        german = any(s["de"] > 0 and s["en"] == 0 for s in survey.values())
        english = any(s["en"] > 0 and s["de"] == 0 for s in survey.values())
        return german, english

    def mark(self, col: str, s: dict, german: bool, english: bool, notes: list) -> str | None:
        """The decimal mark of a number column, or ``None`` when pandas' own reading is right."""
        if not (s["de"] or s["en"] or s["amb_dot"] or s["amb_comma"]):
            return None  # integers only (an ID column with a stray text value stays as pandas read it)
        if self.decimal:
            return self.decimal
        if s["de"] and s["en"]:
            i_de = s["masks"]["de"].idxmax()
            i_en = s["masks"]["en"].idxmax()
            raise TableError(f"{self.path}, column {col!r}: mixes German numbers ({s['values'][i_de]!r}, row "
                             f"{_row(i_de)}) and English numbers ({s['values'][i_en]!r}, row {_row(i_en)}); "
                             "use one form, or say which with --decimal , or --decimal .")
        if s["de"]:
            return ","
        if s["en"]:
            # A plain decimal point needs nothing; thousands commas (1,234.5) need converting.
            return "." if (s["amb_comma"] or s["values"].str.contains(",", regex=False).any()) else None
        if german != english:  # the rest of the file decides
            mark = "," if german else "."
        elif s["amb_comma"]:
            mark = "," if self.sep != "," else "."
        else:
            mark = "."
        if s["amb_dot"] and not german and mark == ".":
            notes.append(f"column {col!r}: values like {s['values'][s['masks']['amb_dot']].iloc[0]!r} read as a "
                         "decimal point (pass --decimal , if the dot separates thousands)")
            return None
        if s["amb_comma"] and german == english:
            example = s["values"][s["masks"]["amb_comma"]].iloc[0]
            notes.append(f"column {col!r}: values like {example!r} read as "
                         + ("a decimal comma" if mark == "," else "a thousands comma")
                         + f" (pass --decimal {'.' if mark == ',' else ','} if not)")
        return mark

    def check_numbers(self, col: str, s: dict, mark: str) -> None:
        """Every filled value must be a number in the chosen convention; the first that is not is named."""
        m = s["masks"]
        allowed = m["int"] | m["amb_dot"] | m["amb_comma"] | (m["de"] if mark == "," else m["en"])
        if not allowed.all():
            i = (~allowed).idxmax()
            raise TableError(f"{self.path}, column {col!r}, row {_row(i)}: {s['values'][i]!r} is not a number; "
                             f"expected the form {_FORM[mark]} like the rest of the column")


def _convert(frame: "pd.DataFrame", survey: dict, decider: _Decider, report: ReadReport) -> None:
    """Convert German (and thousands-separated) number columns and date columns of ``frame`` in place."""
    import pandas as pd

    german, english = decider.file_evidence(survey)
    for col, s in survey.items():
        masks, n = s["masks"], s["n"]
        if decider.date_format:
            first = s["values"].iloc[0]
            if pd.to_datetime(pd.Series([first]), format=decider.date_format, errors="coerce").notna().all():
                parsed = pd.to_datetime(s["values"], format=decider.date_format, errors="coerce")
                if parsed.isna().any():
                    i = parsed.isna().idxmax()
                    raise TableError(f"{decider.path}, column {col!r}, row {_row(i)}: {s['values'][i]!r} is not a "
                                     f"date in the form {decider.date_format} like the rest of the column")
                frame[col] = parsed.reindex(frame.index)
                report.dates[col] = decider.date_format
                continue
        if n > s["date_de"] >= _NUMBER_SHARE * n:  # a date column with a few values in another form
            i = (~masks["date_de"]).idxmax()
            raise TableError(f"{decider.path}, column {col!r}, row {_row(i)}: {s['values'][i]!r} is not a date in "
                             "the form TT.MM.JJJJ (e.g. 13.01.2024) like the rest of the column")
        if s["date_de"] == n:
            has_time = s["values"].str.contains(":", regex=False)
            fmt = "%d.%m.%Y %H:%M:%S" if s["values"].str.count(":").max() == 2 else "%d.%m.%Y %H:%M"
            parsed = pd.to_datetime(s["values"], format="%d.%m.%Y", errors="coerce")
            if has_time.any():
                parsed = parsed.where(~has_time, pd.to_datetime(s["values"], format=fmt, errors="coerce"))
            if parsed.isna().any():
                i = parsed.isna().idxmax()
                raise TableError(f"{decider.path}, column {col!r}, row {_row(i)}: {s['values'][i]!r} is not a valid "
                                 "date; expected TT.MM.JJJJ (e.g. 13.01.2024)")
            frame[col] = parsed.reindex(frame.index)
            report.dates[col] = fmt if has_time.any() else "%d.%m.%Y"
            continue
        numeric = int((masks["int"] | masks["amb_dot"] | masks["amb_comma"] | masks["de"] | masks["en"]).sum())
        if numeric == 0 or numeric < _NUMBER_SHARE * n:
            continue  # a text column (or an ID column with a few numbers in it)
        mark = decider.mark(col, s, german, english, report.notes)
        if mark is None:
            continue
        decider.check_numbers(col, s, mark)
        frame[col] = _to_number(s["values"], mark).reindex(frame.index)
        report.numbers[col] = mark


# --------------------------------------------------------------------------------------------
# The reader
# --------------------------------------------------------------------------------------------
def _read_delimited(text: str, path: Path, sep: str, *, parse: bool, decimal: str | None,
                    date_format: str | None, report: ReadReport) -> "pd.DataFrame":
    import pandas as pd

    if not text.strip():
        raise TableError(f"{path}: the file is empty; expected a header line and data rows")
    as_text = {"dtype": str, "keep_default_na": False}
    try:
        frame = pd.read_csv(io.StringIO(text), sep=sep, **(as_text if not parse else {}))
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise TableError(f"{path}: not a valid table with separator {sep!r}: {exc}. Pass --sep if the separator "
                         "is another one") from None
    if not parse:
        return frame
    # pandas' own inference for everything it reads right (ints, floats, text, NaN); then the
    # columns it cannot read (German forms, thousands separators, dates) are replaced from their
    # strings. Only text columns need a look, plus the float columns when the file may be German
    # (pandas read ``1.234`` as a decimal point), so a large plain ","-file is parsed once.
    decider = _Decider(path, sep, decimal, date_format)
    text_cols = [c for c in frame.columns if frame[c].dtype == object or pd.api.types.is_string_dtype(frame[c])]
    survey = decider.survey(frame[text_cols].fillna(""))
    german, _ = decider.file_evidence(survey)
    floats = [c for c in frame.columns if frame[c].dtype.kind == "f"]
    # A ";"-separated file is probably German: look at its float columns too, to name an
    # ambiguous 1.234 in the progress line even when nothing else settles it.
    if floats and (decimal == "," or german or sep != ","):
        strings = pd.read_csv(io.StringIO(text), sep=sep, usecols=floats, **as_text)
        survey.update(decider.survey(strings))
    _convert(frame, survey, decider, report)
    return frame


def read_table(path: str | Path, *, format: str | None = None, sep: str | None = None, decimal: str | None = None,
               date_format: str | None = None, encoding: str | None = None, parse: bool = True,
               report: ReadReport | None = None, quiet: bool = False) -> "pd.DataFrame":
    """Read a user's table file into a DataFrame (see the module docstring for the rules).

    Args:
        path: CSV/TSV/TXT, JSONL/NDJSON, JSON or Parquet file, optionally ``.gz``/``.bz2``/
            ``.xz``/``.zip`` compressed.
        format: ``csv``, ``jsonl``, ``json`` or ``parquet``; by default from the suffix.
        sep: Column separator; ``None`` sniffs it (``\\t``/``tab`` mean TAB).
        decimal: ``","`` or ``"."`` for every number column; ``None`` detects it per column.
        date_format: strftime form of the date columns (``%d.%m.%Y``); ``None`` detects
            ``TT.MM.JJJJ`` and leaves other dates as text.
        encoding: Text encoding; ``None`` tries UTF-8 (with or without BOM), then cp1252.
        parse: ``False`` keeps every CSV column as text (text data: labels like ``1.10`` stay as
            written). JSON and Parquet keep their own types either way.
        report: A :class:`ReadReport` to fill in with what was detected.
        quiet: Do not print the progress line.

    Returns:
        The table; German number columns as numbers, German date columns as ``datetime64``.

    Raises:
        FileNotFoundError: No such file.
        TableError: Unknown format, undecodable bytes, a malformed file, or a value that does not
            fit its column's form (file, column, row and the expected form named).
    """
    import pandas as pd

    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"data file does not exist: {path}")
    if path.is_dir():
        raise TableError(f"{path}: is a folder; expected a table file (CSV, JSONL, Parquet)")
    if decimal not in (None, ",", "."):
        raise TableError(f"decimal mark must be ',' or '.', got {decimal!r}")
    report = report if report is not None else ReadReport()
    compression, suffix = _strip_compression(path)
    fmt = (format or _FORMATS.get(suffix) or ("csv" if compression else None))
    if suffix in (".xlsx", ".xls", ".ods") and not format:
        raise TableError(f"{path}: unknown format {suffix!r} (a spreadsheet); save it from Excel as 'CSV UTF-8 "
                         "(durch Trennzeichen getrennt)' and pass the .csv")
    if fmt not in ("csv", "jsonl", "json", "parquet"):
        raise TableError(f"{path}: unknown format {suffix or '(no suffix)'!r}; expected .csv, .tsv, .txt, .jsonl, "
                         ".json or .parquet (optionally .gz/.zip), or pass the format")
    raw, report.compression = _decompress(path.read_bytes(), path, compression)
    if fmt == "parquet":
        try:
            frame = pd.read_parquet(io.BytesIO(raw))
        except Exception as exc:  # pyarrow raises several types for corrupt files
            raise TableError(f"{path}: not a readable Parquet file: {exc}") from None
        return frame  # typed already: nothing to guess
    text, report.encoding = _decode(raw, path, encoding)
    if fmt in ("jsonl", "json"):
        frame = _read_json(text, path, lines=fmt == "jsonl")  # JSON carries its own types
    else:
        report.sep = normalise_sep(sep) or ("\t" if suffix in (".tsv", ".tab") else _sniff_sep(text))
        frame = _read_delimited(text, path, report.sep, parse=parse, decimal=decimal, date_format=date_format,
                                report=report)
    line = report.line(path.name)
    if line and not quiet:
        emit(line)
    return frame


def _read_json(text: str, path: Path, *, lines: bool) -> "pd.DataFrame":
    """A JSON array of objects (``.json``, as many tools export) or one object per line (JSONL).

    A ``.jsonl`` file that holds one array is read as the array; a ``.json`` file whose text is
    not one JSON value but starts with ``{`` is read as JSON Lines.
    """
    import json

    import pandas as pd

    stripped = text.lstrip()
    if not stripped:
        raise TableError(f"{path}: the file is empty; expected one JSON object per line or a JSON array of objects")
    if stripped[0] == "[" or not lines:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            if not lines and stripped[0] != "{":
                raise TableError(f"{path}: not valid JSON ({exc.msg} at line {exc.lineno}, column {exc.colno}); "
                                 "expected a JSON array of objects or one JSON object per line (JSONL)") from None
        else:
            bad = next((i for i, r in enumerate(data, start=1) if not isinstance(r, dict)), None) \
                if isinstance(data, list) else 0
            if bad is None:
                return pd.DataFrame.from_records(data)
            if not lines:
                what = (f"element {bad} of the JSON array is a JSON {type(data[bad - 1]).__name__}" if bad
                        else f"the file holds a JSON {type(data).__name__}")
                raise TableError(f"{path}: {what}; expected objects like {{\"text\": ..., \"label\": ...}}")
    records = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise TableError(f"{path}: line {number} is not valid JSON ({exc.msg}); expected one JSON object "
                             "per line (JSONL)") from None
        if not isinstance(record, dict):
            raise TableError(f"{path}: line {number} is a JSON {type(record).__name__}; expected an object "
                             "like {\"text\": ..., \"label\": ...}")
        records.append(record)
    return pd.DataFrame.from_records(records)
