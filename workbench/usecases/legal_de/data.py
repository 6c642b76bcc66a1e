"""Data for German legal clause classification: generator, shipped sample, loaders, splits.

Three sources, one canonical format (a DataFrame with columns ``text`` and ``label``):

* :func:`generate_clauses` builds labelled German contract clauses and statutory sentences from
  the template bank in :mod:`.templates` (templates x slot fillers x paraphrase operators). It is
  seeded and deterministic. :func:`load_generated_sample` returns the fixed, versioned sample
  shipped in ``datasets/legal_de/clauses_v2.jsonl`` (and regenerates it bit for bit when the
  package is installed without the repository's ``datasets/`` folder).
* :func:`load_labelled_text` reads a user's own file (CSV with any separator and an optional BOM,
  JSONL, a JSON array of objects, or Parquet), with the text and label columns chosen by name,
  keeps an optional ``split`` column (train/val/test, used as given), and fails with errors that
  name the file, the column, the row and the expected form.
* :func:`transliterated_words` finds German written without umlauts ("Kuendigung"); a test runs
  it over the generated set. Citations in generated text come only from :mod:`.norms`.
* :func:`load_mietrecht` reads the real tenancy-law sentences (``;``-separated, BOM, header
  ``Funktion;Text``) and :func:`split_frame` gives them a fixed stratified split.

Usage::

    from workbench.usecases.legal_de.data import load_generated_sample, split_frame
    df = load_generated_sample()                  # text, label, family, style, hard, split
    train, val, test = split_frame(df)            # uses the shipped family split
    own = load_labelled_text("klauseln.csv", text_column="Klausel", label_column="Typ")
"""

from __future__ import annotations

import json
import random
import re
from pathlib import Path
from typing import Sequence

import pandas as pd

from workbench.usecases.legal_de import norms as N
from workbench.usecases.legal_de import templates as T

SAMPLE_VERSION = "v2"
# The arguments that made the shipped sample; the dataset card repeats them.
# split_seed=1 holds out families on which TF-IDF + LR scores about 0.73 test accuracy on v2
# (0.79 on v1); with split_seed=0 it scored 0.60 on v1 (held-out families that share almost no
# words with training).
# The issue asks for "not solved trivially", and 0.75-0.9 leaves room to see differences.
SAMPLE_ARGS = {"n_per_class": 240, "seed": 20261125, "mention_rate": 0.4, "boilerplate_rate": 0.3,
               "split_seed": 1}
MIETRECHT_FILE = "german_legal_sentences/mietrecht_sentences_9_classes.csv"


class DataError(ValueError):
    """User data cannot be read; the message names the file, column, row and expected form."""


# --------------------------------------------------------------------------------------------
# Generator
# --------------------------------------------------------------------------------------------
_ALT = re.compile(r"\[([^\[\]]*)\]")
_SLOT = re.compile(r"\{([A-Za-z_]+)\}")


def expand(template: str, slots: dict[str, str], rng: random.Random) -> str:
    """Expand ``[a|b]`` alternatives (innermost first) and ``{slot}`` fillers of one template.

    Args:
        template: Template text in the syntax described in :mod:`.templates`.
        slots: Filler for every ``{name}`` the template uses.
        rng: Source of randomness (seeded by the caller).

    Returns:
        The expanded sentence with doubled spaces removed.

    Raises:
        KeyError: The template uses a slot that ``slots`` does not define.
    """
    text = template
    while True:
        new = _ALT.sub(lambda m: rng.choice(m.group(1).split("|")), text, count=1)
        if new == text:
            break
        text = new
    text = _SLOT.sub(lambda m: slots[m.group(1)], text)
    return re.sub(r"\s{2,}", " ", text).replace(" ,", ",").replace(" .", ".").strip()


def _draw_slots(rng: random.Random) -> dict[str, str]:
    a, b = rng.choice(T.PARTY_PAIRS)
    if rng.random() < 0.2:  # roles are not tied to the clause type
        a, b = b, a
    slots = {key: rng.choice(values) for key, values in T.SLOTS.items()}
    for role, noun in (("A", a), ("B", b)):
        nom, gen, dat, acc = T.PARTY_FORMS[noun]
        slots.update({role: nom, f"{role}_gen": gen, f"{role}_dat": dat, f"{role}_acc": acc})
    # Citations come only from the curated norm table (real norms that fit the topic).
    for label, slot in N.MENTION_SLOTS.items():
        slots[slot] = rng.choice(N.MENTION_NORMS[label])
    return slots


def _numbering(rng: random.Random, style: str) -> str:
    n, m = rng.randint(2, 24), rng.randint(1, 6)
    if style == "statute":
        # Statute excerpts carry a paragraph mark only; the real source is cited at the end.
        return rng.choice([f"({m}) ", "", f"({m}) "])
    return rng.choice([
        "", "", f"§ {n} ", f"§ {n} Abs. {m} ", f"{n}.{m} ", f"({m}) ", f"Ziffer {n}.{m} ",
        f"{n}.{m}. ", f"Art. {n} ",
    ])


def _paraphrase(text: str, rng: random.Random, rate: float = 0.3) -> str:
    for source, targets in T.PARAPHRASES:
        if source in text and rng.random() < rate:
            text = text.replace(source, rng.choice(targets), 1)
    return text


def _one_clause(label: str, family: tuple[str, str, tuple[str, ...]], rng: random.Random,
                mention_rate: float, boilerplate_rate: float) -> tuple[str, bool]:
    name, style, sentences = family
    slots = _draw_slots(rng)
    # Length variety: 1-3 sentences of the same family, in template order (as in a contract).
    k = min(len(sentences), rng.choices([1, 2, 3], weights=[0.45, 0.4, 0.15])[0])
    picked = sorted(rng.sample(range(len(sentences)), k))
    parts = [expand(sentences[i], slots, rng) for i in picked]
    if style == "statute" and rng.random() < 0.4:
        # Cite the norm the sentence paraphrases, right after it (never a random number or law).
        parts[-1] = parts[-1].rstrip(".") + f" ({N.STATUTE_SOURCES[(label, name)][picked[-1]].citation})."
    hard = False
    if rng.random() < mention_rate:
        other = rng.choice([x for x in T.LABELS if x != label])
        mention = expand(rng.choice(T.MENTIONS[other]), slots, rng)
        # Mostly after the main content, sometimes before it: the topic is not always first.
        parts.insert(len(parts) if rng.random() < 0.7 else 0, mention)
        hard = True
    if rng.random() < boilerplate_rate:
        parts.append(expand(rng.choice(T.BOILERPLATE), slots, rng))
    if style == "contract" and rng.random() < 0.1:
        parts.insert(0, rng.choice(T.PREAMBLES))
    text = _numbering(rng, style) + " ".join(parts)
    return _paraphrase(text, rng), hard


# Stems of common transliterations (ä -> ae, ö -> oe, ü -> ue, ß -> ss) that never belong in
# German text shown to users; checked as substrings of lower-cased words.
_TRANSLITERATED_STEMS = ("getraenk", "strasse", "fuer", "ueber", "muench", "koeln", "duesseldorf", "nuernberg",
                         "kuendig", "gewaehr", "verguet", "gemaess", "massnahm", "aender", "pruef", "gebuehr",
                         "schliessl", "hoechst", "loesch", "ruege", "erfuell", "grundsaetz", "verlaeng",
                         "rueckgab", "maengel", "vertraeg", "saemtlich", "kaeufer")
_WORD = re.compile(r"[^\W\d_]+")


def transliterated_words(texts: Sequence[str]) -> list[str]:
    """Words that look like German written without umlauts or ß ("Kuendigung", "Strasse").

    A word is flagged when it contains a known transliterated stem, or when putting an umlaut
    back (``ae`` -> ``ä``, ``oe`` -> ``ö``, ``ue`` -> ``ü``, ``ss`` -> ``ß``, one place at a time)
    gives a word that occurs elsewhere in ``texts``: "Gewaehrleistung" next to
    "Gewährleistung". Words such as "Steuer", "Dauer" or "dass" pass, since "Steür", "Daür" and
    "daß" occur nowhere.

    Args:
        texts: Any texts (clauses, labels, family names).

    Returns:
        The flagged words, sorted, each once.
    """
    words = {w for text in texts for w in _WORD.findall(str(text).lower())}
    flagged = set()
    for word in words:
        if any(stem in word for stem in _TRANSLITERATED_STEMS):
            flagged.add(word)
            continue
        for plain, umlaut in (("ae", "ä"), ("oe", "ö"), ("ue", "ü"), ("ss", "ß")):
            start = word.find(plain)
            while start >= 0:
                if word[:start] + umlaut + word[start + 2:] in words:
                    flagged.add(word)
                start = word.find(plain, start + 1)
    return sorted(flagged)


def family_splits(seed: int = 0) -> dict[tuple[str, str], str]:
    """Assign every template family to ``train``, ``val`` or ``test`` (4/1/1 per class).

    Args:
        seed: Which family of each class is held out for validation and for test.

    Returns:
        ``{(label, family): split}``.
    """
    rng = random.Random(seed)
    out: dict[tuple[str, str], str] = {}
    for label in T.LABELS:
        names = [name for name, _, _ in T.FAMILIES[label]]
        rng.shuffle(names)
        for i, name in enumerate(names):
            out[(label, name)] = "test" if i == 0 else "val" if i == 1 else "train"
    return out


def generate_clauses(n_per_class: int = 240, seed: int = 0, mention_rate: float = 0.4,
                     boilerplate_rate: float = 0.3, split_seed: int = 0) -> pd.DataFrame:
    """Generate labelled German clauses with a split by template family.

    Args:
        n_per_class: Rows per class (spread evenly over the class's six families).
        seed: Seed of the wording; the same seed gives the same rows on every platform.
        mention_rate: Share of clauses that also mention another class's topic (hard examples).
        boilerplate_rate: Share of clauses with topic-neutral boilerplate appended.
        split_seed: Seed of :func:`family_splits`.

    Returns:
        A DataFrame with columns ``text``, ``label``, ``family``, ``style``, ``hard`` and
        ``split`` (``train``/``val``/``test``; test families never occur in training).

    Raises:
        ValueError: ``n_per_class`` is below 6 or a rate is outside [0, 1].
    """
    if n_per_class < 6:
        raise ValueError(f"n_per_class must be at least 6 (one per family), got {n_per_class}")
    for name, rate in (("mention_rate", mention_rate), ("boilerplate_rate", boilerplate_rate)):
        if not 0.0 <= rate <= 1.0:
            raise ValueError(f"{name} must lie in [0, 1], got {rate}")
    rng = random.Random(seed)
    splits = family_splits(split_seed)
    rows, seen = [], set()
    for label in T.LABELS:
        families = T.FAMILIES[label]
        for j in range(n_per_class):
            family = families[j % len(families)]
            for _attempt in range(20):  # redraw exact duplicates; small families may run dry
                text, hard = _one_clause(label, family, rng, mention_rate, boilerplate_rate)
                if text not in seen:
                    break
            seen.add(text)
            rows.append({"text": text, "label": label, "family": f"{label}/{family[0]}",
                         "style": family[1], "hard": hard, "split": splits[(label, family[0])]})
    return pd.DataFrame(rows).drop_duplicates("text", ignore_index=True)


def sample_path(version: str = SAMPLE_VERSION) -> Path:
    """Path of the shipped sample in the repository's ``datasets/legal_de`` folder."""
    return Path(__file__).resolve().parents[3] / "datasets" / "legal_de" / f"clauses_{version}.jsonl"


def load_generated_sample(version: str = SAMPLE_VERSION) -> pd.DataFrame:
    """Load the fixed, versioned generated sample (see ``datasets/legal_de/DATASET_CARD.md``).

    When the repository's ``datasets/`` folder is not there (a wheel install), the sample is
    regenerated with the recorded arguments; a test checks that this gives the same rows.
    """
    if version != SAMPLE_VERSION:
        raise ValueError(f"unknown sample version {version!r}; available: {SAMPLE_VERSION!r}")
    path = sample_path(version)
    if path.exists():
        return pd.read_json(path, lines=True, dtype={"text": str, "label": str})
    return generate_clauses(**SAMPLE_ARGS)


# --------------------------------------------------------------------------------------------
# Loaders for users' files
# --------------------------------------------------------------------------------------------
def read_table(path: str | Path, format: str | None = None, encoding: str | None = None,
               sep: str | None = None) -> pd.DataFrame:
    """Read a CSV/TSV (separator sniffed, BOM handled, cp1252 fallback, also .gz/.zip), JSONL, JSON
    array or Parquet file with every column as text (:func:`workbench.tabular.read_table`, ``parse=False``).

    Raises:
        DataError: Unknown format, undecodable bytes, or a malformed file (file and line named).
        FileNotFoundError: The file does not exist.
    """
    from workbench.tabular import TableError
    from workbench.tabular import read_table as read_any_table

    try:
        return read_any_table(path, format=format, encoding=encoding, sep=sep, parse=False)
    except TableError as exc:
        raise DataError(str(exc)) from None


def load_labelled_text(path: str | Path, text_column: str = "text", label_column: str = "label",
                       labels: Sequence[str] | None = None, format: str | None = None,
                       encoding: str | None = None, max_rows: int | None = None,
                       split_column: str = "split", sep: str | None = None) -> pd.DataFrame:
    """Load a user's labelled text into the canonical ``text, label`` frame.

    A ``split`` column (values ``train``, ``val``/``validation``, ``test``) is kept and later used
    as given by :func:`split_frame`, so a user's own held-out rows stay held out.

    Args:
        path: CSV, JSONL or Parquet file.
        text_column: Name of the column that holds the text.
        label_column: Name of the column that holds the label.
        labels: The allowed labels; when given, any other label is an error.
        format: ``csv``, ``jsonl`` or ``parquet``; by default taken from the file suffix.
        encoding: Text encoding for CSV/JSONL (default UTF-8 with or without BOM, else cp1252).
        max_rows: Keep only the first rows (quick experiments).
        split_column: Name of the optional column that assigns each row to a split.
        sep: CSV column separator (default: sniffed).

    Returns:
        DataFrame with string columns ``text`` and ``label`` (whitespace stripped), plus
        ``split`` when the file has a split column.

    Raises:
        DataError: A column is missing (the message lists the columns found), a text is empty,
            a label is empty or not in ``labels``, or the file cannot be decoded.
    """
    path = Path(path)
    df = read_table(path, format=format, encoding=encoding, sep=sep)
    for role, column in (("text", text_column), ("label", label_column)):
        if column not in df.columns:
            raise DataError(f"{path}: {role} column {column!r} not found; the file has columns "
                            f"{list(map(str, df.columns))}. Choose the columns by name: "
                            f"{_column_hint(df.columns)}")
    out = pd.DataFrame({"text": df[text_column], "label": df[label_column]})
    if split_column in df.columns:
        out["split"] = _check_split_column(df[split_column], path, split_column)
    if out.empty:
        raise DataError(f"{path}: the file has a header but no data rows")
    if max_rows is not None:
        out = out.head(max_rows)
    # Row numbers in messages count data rows from 1 (the header is not a row), as a user
    # sees them in a spreadsheet below the header line.
    for column, role in ((text_column, "text"), (label_column, "label")):
        values = out[role]
        empty = values.isna() | values.astype(str).str.strip().eq("")
        if empty.any():
            rows = [int(i) + 1 for i in empty[empty].index[:5]]
            raise DataError(f"{path}: column {column!r} has {int(empty.sum())} empty {role}(s), first "
                            f"at data row(s) {rows}; every row needs a non-empty {role}")
    out["text"] = out["text"].astype(str).str.strip()
    out["label"] = out["label"].astype(str).str.strip()
    if labels is not None:
        allowed = set(labels)
        unknown = ~out["label"].isin(allowed)
        if unknown.any():
            first = int(unknown[unknown].index[0])
            raise DataError(f"{path}: column {label_column!r} has unknown label "
                            f"{out['label'].iloc[first]!r} at data row {first + 1} "
                            f"({int(unknown.sum())} rows in all); expected one of {sorted(allowed)}")
    if out["label"].nunique() < 2:
        raise DataError(f"{path}: column {label_column!r} holds only one label "
                        f"({out['label'].iloc[0]!r}); classification needs at least two")
    return out.reset_index(drop=True)


def _check_split_column(values: pd.Series, path: Path, column: str) -> pd.Series:
    """Normalise a split column to ``train``/``val``/``test``; an error names the first bad row."""
    from workbench.splits import SplitError, normalise

    try:
        return pd.Series(normalise(values, column=column, source=str(path)).to_numpy(), index=values.index)
    except SplitError as exc:
        raise DataError(str(exc)) from None


def _column_hint(columns) -> str:
    """The CLI flags that choose the columns, with the file's own first columns as the example."""
    names = [str(c) for c in columns]
    text = names[0] if names else "Text"
    label = names[1] if len(names) > 1 else "Label"
    quote = lambda n: n if n.replace("_", "").isalnum() else f"'{n}'"  # noqa: E731
    return f"--text-column {quote(text)} --label-column {quote(label)}"


def load_mietrecht(path: str | Path) -> pd.DataFrame:
    """Load the real tenancy-law sentences (BGB §§ 535-597, 9 semantic types, 601 rows).

    Args:
        path: The CSV file, or the shared data folder that holds
            ``german_legal_sentences/mietrecht_sentences_9_classes.csv``.

    Returns:
        DataFrame with columns ``text`` and ``label``.
    """
    path = Path(path)
    if path.is_dir():
        path = path / MIETRECHT_FILE
    return load_labelled_text(path, text_column="Text", label_column="Funktion")


# --------------------------------------------------------------------------------------------
# Splits
# --------------------------------------------------------------------------------------------
def split_frame(df: pd.DataFrame, val_fraction: float = 0.1, test_fraction: float = 0.2,
                seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Split into train, validation and test frames.

    A ``split`` column (as in the generated data, split by template family) is used as is.
    Otherwise the split is stratified by label with a fixed seed, over unique texts (repeated
    texts stay together in one split); classes with fewer than 3 distinct texts stay in training.

    Returns:
        ``(train, val, test)``, each with a fresh index.
    """
    if "split" in df.columns:
        parts = tuple(df[df["split"] == s].reset_index(drop=True) for s in ("train", "val", "test"))
        if len(parts[0]) and len(parts[2]):
            return parts  # type: ignore[return-value]
    from sklearn.model_selection import train_test_split

    # Identical texts (statutes repeat sentences such as "Eine zum Nachteil des Mieters
    # abweichende Vereinbarung ist unwirksam.") stay in one split; otherwise the test set
    # would contain training sentences and flatter every model.
    unique = df.drop_duplicates("text")[["text", "label"]]
    counts = unique["label"].value_counts()
    small = unique["label"].isin(counts[counts < 3].index)
    big = unique[~small]
    rest, test = train_test_split(big, test_size=test_fraction, stratify=big["label"], random_state=seed)
    train, val = rest, rest.iloc[:0]
    if val_fraction > 0:
        rel = val_fraction / (1.0 - test_fraction)
        vc = rest["label"].value_counts()
        strat = rest["label"] if (vc >= 2).all() else None
        train, val = train_test_split(rest, test_size=rel, stratify=strat, random_state=seed)
    train = pd.concat([train, unique[small]])
    parts = []
    for part in (train, val, test):
        rows = df[df["text"].isin(set(part["text"]))]
        parts.append(rows.reset_index(drop=True))
    return tuple(parts)  # type: ignore[return-value]


def subsample(df: pd.DataFrame, n: int | None, seed: int = 0) -> pd.DataFrame:
    """At most ``n`` rows, stratified by label (every label keeps at least one row when possible)."""
    if n is None or len(df) <= n:
        return df.reset_index(drop=True)
    frac = n / len(df)
    parts = [g.sample(max(1, round(len(g) * frac)), random_state=seed) for _, g in df.groupby("label", sort=True)]
    out = pd.concat(parts).sample(frac=1.0, random_state=seed)
    return out.head(max(n, out["label"].nunique())).reset_index(drop=True)


def prepare_data(config) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, dict]:
    """Train, validation and test frames for a run, and a description of where they came from.

    ``config.data.path`` empty: the shipped generated sample (split by template family), or a
    freshly generated set when ``config.task.n_per_class`` is set. Otherwise the user's file,
    read with the column names in ``config.data.columns`` (``{"text": ..., "label": ...}``) and
    split as the file's ``split`` column says, or, without one, stratified with
    ``data.val_fraction``/``test_fraction``/``split_seed``.

    Args:
        config: A :class:`workbench.config.RunConfig` whose ``task`` is ``LegalTaskArgs``.

    Returns:
        ``(train, val, test, info)`` where ``info`` has ``source``, ``fingerprint``, ``split``
        (which split was used: ``"file split column"``, ``"random split, seed N"`` or the
        template-family split of generated data), ``rows`` (per split) and ``labels``.
    """
    from workbench.io import fingerprint_file, fingerprint_frame

    from workbench import splits

    task, data = config.task, config.data
    cols = dict(data.columns or {})
    unknown = sorted(set(cols) - {"text", "label"})
    if unknown:
        raise DataError(f"data.columns: unknown key(s) {unknown}; only the text and the label column can be "
                        "chosen (--text-column NAME --label-column NAME)")

    def read(path):
        return load_labelled_text(path, text_column=cols.get("text", "text"), label_column=cols.get("label", "label"),
                                  labels=task.labels, format=data.format, max_rows=data.max_rows,
                                  encoding=getattr(data, "encoding", None), sep=data.sep,
                                  split_column=data.split_column)

    parts = splits.file_split(data, read)
    if parts is not None:
        # Separate files, used as given. A part without its own file is carved from the training
        # file (stratified, seeded) and the split description says so.
        given = {k: v.drop(columns=["split"], errors="ignore") for k, v in parts.items()}
        train, carved = given["train"], []
        if "val" not in given and "test" not in given:
            train, given["val"], given["test"] = split_frame(train, data.val_fraction, data.test_fraction, data.split_seed)
            carved = ["val", "test"]
        elif "val" not in given:
            train, _, given["val"] = split_frame(train, 0.0, data.val_fraction, data.split_seed)
            carved = ["val"]
        elif "test" not in given:
            train, _, given["test"] = split_frame(train, 0.0, data.test_fraction, data.split_seed)
            carved = ["test"]
        val, test = given["val"], given["test"]
        files = {k: getattr(data, k) for k in ("train", "val", "test") if getattr(data, k)}
        source = ", ".join(f"{k} {v}" for k, v in files.items())
        fingerprint = "+".join(fingerprint_file(v) for v in files.values())
        split = "your files" + (f" ({' and '.join(carved)} carved from train, seed {data.split_seed})" if carved else "")
        seed = data.split_seed
        train = subsample(train, task.max_train_rows, seed)
        val, test = subsample(val, task.max_eval_rows, seed), subsample(test, task.max_eval_rows, seed)
        info = {"source": source, "fingerprint": fingerprint, "split": split,
                "rows": {"train": len(train), "val": len(val), "test": len(test)},
                "labels": label_list(train, val, test),
                "split_record": splits.record("files", {"train": len(train), "val": len(val), "test": len(test)},
                                              files=files, detail=split)}
        return train, val, test, info
    if data.path:
        df = read(data.path)
        source, fingerprint = str(data.path), fingerprint_file(data.path)
        if "split" in df.columns:
            counts = df["split"].value_counts()
            for part in ("train", "test"):
                if not counts.get(part):
                    raise DataError(f"{data.path}: the split column has no {part} rows (found "
                                    f"{counts.to_dict()}); give train and test rows (val is optional), or drop the "
                                    "column for a random split")
            split = "file split column"
        else:
            split = f"random split, seed {data.split_seed}"
        train, val, test = split_frame(df, data.val_fraction, data.test_fraction, data.split_seed)
    else:
        if task.n_per_class:
            df = generate_clauses(n_per_class=task.n_per_class, seed=task.generator_seed, split_seed=data.split_seed)
            source = f"generated(n_per_class={task.n_per_class}, seed={task.generator_seed})"
        else:
            df = load_generated_sample(task.sample_version)
            source = f"datasets/legal_de/clauses_{task.sample_version}.jsonl"
        if data.max_rows:
            df = subsample(df, data.max_rows, data.split_seed)
        fingerprint = fingerprint_frame(df[["text", "label"]])
        split = f"template-family split (seed {SAMPLE_ARGS['split_seed']})" if not task.n_per_class else \
            f"template-family split (seed {data.split_seed})"
        train, val, test = split_frame(df)
    seed = data.split_seed
    train = subsample(train, task.max_train_rows, seed)
    val, test = subsample(val, task.max_eval_rows, seed), subsample(test, task.max_eval_rows, seed)
    sizes = {"train": len(train), "val": len(val), "test": len(test)}
    info = {"source": source, "fingerprint": fingerprint, "split": split, "rows": sizes,
            "labels": label_list(train, val, test),
            "split_record": splits.record("column" if split == "file split column" else "generated", sizes,
                                          detail=split)}
    return train, val, test, info


def label_list(*frames: pd.DataFrame) -> list[str]:
    """Sorted union of the labels of several frames (the label map of a model)."""
    found: set[str] = set()
    for frame in frames:
        found.update(frame["label"].astype(str))
    order = {name: i for i, name in enumerate(T.LABELS)}
    return sorted(found, key=lambda x: (order.get(x, len(order)), x))


def write_sample(version: str = SAMPLE_VERSION) -> Path:
    """Regenerate the shipped sample file (run ``python -m workbench.usecases.legal_de.data``)."""
    from workbench.io import atomic_write_text

    df = generate_clauses(**SAMPLE_ARGS)
    lines = "".join(json.dumps(rec, ensure_ascii=False) + "\n" for rec in df.to_dict("records"))
    return atomic_write_text(sample_path(version), lines)


if __name__ == "__main__":
    print(write_sample())
