"""German PII detection and pseudonymisation for text that is about to be used for training.

Why not Presidio or spaCy alone: no German spaCy pipeline installs from the package registries
(``de-core-news-md`` on PyPI is a placeholder), and Presidio without an NER model finds no person
names or addresses in German, reads dates as phone numbers, and misses grouped tax IDs (see
STACK_NOTES). So the workbench brings its own detector:

* **checksum rules** where the format has one: IBAN (ISO 13616 mod 97), Steuer-ID (§ 139b AO,
  ISO/IEC 7064 MOD 11,10 plus the digit-repetition rule), Rentenversicherungsnummer (§ 2 (6) VKVV);
* **format rules with context** for e-mail, phone (never dates: no dots, a leading ``0``/``+``/
  ``00``, 7-15 digits per ITU-T E.164), postcode + city, street + house number, date of birth
  (a date only counts next to ``geb.``/``geboren``/``Geburtsdatum``), place of birth, multi-word
  streets ("Straße des 17. Juni 3a"), licence plates and court file numbers (Aktenzeichen; off
  by default because court decisions cite them publicly);
* **person names** from cues (Herr/Frau, titles, roles such as Mieterin or Kläger, signatures,
  judges' signature rows), a given-name gazetteer (hyphenated names too), "Nachname, Vorname",
  particles ("von der Heyde"), initials, and propagation inside the document (once "Jonas
  Albrecht" is found, a later "Albrecht" is found too);
* **decoys that stay**: organisations and authorities ("Freistaat Bayern", "Amtsgericht
  München", "... GmbH"), functional mailboxes (``info@``, ``poststelle@``), statute references,
  and placeholder names such as "Max Mustermann" (they name no one);
* optionally a learned **tagger** (any callable ``text -> list[Span]``, e.g. a LoRA token
  classifier) whose spans are merged with the rules.

Pseudonyms are consistent within a document: the same person gets the same replacement, and a
surname alone gets the surname of that replacement. Replacements cannot be real: e-mails use
``example.org`` (RFC 2606), phone numbers the Bundesnetzagentur range for fiction
(030 23125 xxx), IBANs bank code 00000000, tax IDs a leading 0 (never issued), postcodes 00xxx
(unassigned). The mapping (original -> pseudonym) is returned, can be stored encrypted with
Fernet (AES-128-CBC + HMAC-SHA256) via :class:`MappingVault`, or discarded.

Detection runs in time linear in the text length (plus sorting); inputs over 1 MB report
progress through :mod:`workbench.progress` (one line per rule, about a tenth of the work each).

Usage::

    from workbench.governance.pii import Pseudonymiser, MappingVault
    pseudo = Pseudonymiser()                                   # default entity types
    text, mapping = pseudo.pseudonymise("Sehr geehrte Frau Dr. Anna Schulz, ...")
    vault = MappingVault(MappingVault.generate_key())          # keep the key elsewhere
    vault.save("mapping.enc", mapping)
    pseudo.detect(text)                                        # list of Span
    train_df, counts = pseudonymise_column(train_df, "text")   # before training; audited

The rules themselves live in :mod:`workbench.governance.pii_rules`; the word lists in
:mod:`workbench.governance.pii_lexicon`.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import os
import random
import re
from pathlib import Path
from typing import Callable, Iterable, Sequence

from workbench.governance import pii_lexicon as lex
from workbench.governance.pii_names import _genitive
from workbench.governance.pii_rules import (  # noqa: F401  (re-exported: the public API of this module)
    _FINDERS, DEFAULT_ENTITIES, ENTITY_TYPES, Span, find_addresses, find_birth_places, find_case_numbers,
    find_dates_of_birth, find_emails, find_ibans, find_pension_ids, find_person_names, find_phones, find_plates,
    find_postcodes, find_tax_ids, iban_is_valid, make_iban, make_pension_id, make_steuer_id,
    pension_id_check_digit, pension_id_is_valid, resolve_overlaps, steuer_id_is_valid)

MODES = ("pseudonym", "tag", "mask")
__all__ = ["ENTITY_TYPES", "DEFAULT_ENTITIES", "MODES", "Span", "Pseudonymiser", "MappingVault", "text_fingerprint",
           "pseudonymise_column",
           "iban_is_valid", "steuer_id_is_valid", "make_iban", "make_steuer_id", "resolve_overlaps", "find_emails",
           "find_ibans", "find_tax_ids", "find_phones", "find_postcodes", "find_addresses", "find_dates_of_birth",
           "find_plates", "find_case_numbers", "find_person_names", "find_pension_ids", "find_birth_places",
           "pension_id_is_valid", "pension_id_check_digit", "make_pension_id", "PROGRESS_MIN_CHARS"]
# Inputs longer than this report progress (one line per rule).
PROGRESS_MIN_CHARS = 1_000_000


_nullcontext = contextlib.nullcontext


class _Session:
    """Replacement memory: the same original gets the same replacement (within a document or batch)."""

    def __init__(self, mode: str, rng: random.Random):
        self.mode, self.rng = mode, rng
        self.first = list(lex.PSEUDO_FIRST)
        self.last = list(lex.PSEUDO_LAST)
        rng.shuffle(self.first)
        rng.shuffle(self.last)
        self.name_words: dict[tuple[str, str], str] = {}
        self.used = {"first": 0, "last": 0}  # a count, not a scan of name_words: linear in names
        self.values: dict[tuple[str, str], str] = {}
        self.counts: dict[str, int] = {}

    def _next(self, label: str) -> int:
        self.counts[label] = self.counts.get(label, 0) + 1
        return self.counts[label]

    def _name_word(self, role: str, word: str) -> str:
        key = (role, word.casefold())
        if key not in self.name_words:
            pool = self.first if role == "first" else self.last
            used = self.used[role]
            self.used[role] += 1
            base = pool[used % len(pool)]
            self.name_words[key] = base if used < len(pool) else f"{base}{used // len(pool) + 1}"
        return self.name_words[key]

    def person(self, original: str) -> str:
        # Map each word by its role, so "Jonas Albrecht" and later "Herr Albrecht" stay consistent.
        parts = re.split(r"(\s+|,\s*)", original)
        words = [i for i, p in enumerate(parts) if p and not p.isspace() and not p.startswith(",")]
        reversed_order = "," in original
        out = list(parts)
        for n, i in enumerate(words):
            word = parts[i]
            if word in lex.NAME_PARTICLES:
                continue
            if re.fullmatch(r"[A-ZÄÖÜ]\.", word):
                out[i] = word  # an initial reveals little; kept so the text still reads
                continue
            if len(words) == 1 and _genitive(word):
                # "Herrn Brückners Anhänger": the genitive of the surname, so "Herrn Musters
                # Anhänger", consistent with a "Herr Brückner" elsewhere.
                out[i] = self._name_word("last", word[:-1]) + "s"
                continue
            if len(words) == 1:
                role = "first" if word in lex.FIRST_NAMES and word not in lex.SURNAMES and \
                    ("last", word.casefold()) not in self.name_words else "last"
            else:
                is_last = n == (0 if reversed_order else len(words) - 1)
                role = "last" if is_last else "first"
            out[i] = self._name_word(role, word)
        return "".join(out)

    def replace(self, span: Span) -> str:
        if self.mode == "mask":
            return "█" * len(span.text)
        key = (span.label, re.sub(r"\s", "", span.text).casefold())
        if key in self.values:
            return self.values[key]
        if self.mode == "tag":
            value = f"[{span.label}_{self._next(span.label)}]"
        elif span.label == "PERSON":
            value = self.person(span.text)
        else:
            value = self._fake(span)
        self.values[key] = value
        return value

    def _fake(self, span: Span) -> str:
        n = self._next(span.label)
        rng = self.rng
        if span.label == "EMAIL":
            return f"person{n}@example.org"  # RFC 2606 reserved domain
        if span.label == "PHONE":
            return f"030 23125 {n % 1000:03d}"  # Bundesnetzagentur range for fictional use
        if span.label == "IBAN":
            return make_iban(rng, "DE", bank_code="00000000")  # valid checksum, no such bank
        if span.label == "PENSION_ID":
            return make_pension_id(rng)  # area number 00 is not assigned (Anlage zu § 2 VKVV)
        if span.label == "BIRTH_PLACE":
            return rng.choice(lex.PSEUDO_CITIES)
        if span.label == "TAX_ID":
            digits = f"0{rng.randrange(10**9, 10**10)}"  # real IDs never start with 0
            return f"{digits[:2]} {digits[2:5]} {digits[5:8]} {digits[8:]}"
        if span.label == "ADDRESS":
            return f"{rng.choice(lex.PSEUDO_STREETS)} {n}"
        if span.label == "POSTCODE":
            return f"00{n % 1000:03d} {rng.choice(lex.PSEUDO_CITIES)}"  # 00xxx is not assigned
        if span.label == "DATE_OF_BIRTH":
            year = re.search(r"(19|20)\d{2}", span.text)
            return f"01.01.{year.group(0)}" if year else "01.01.1900"  # keep only the year (age)
        if span.label == "LICENCE_PLATE":
            return f"XX-PS {n}"  # "XX" is no district code
        if span.label == "CASE_NUMBER":
            return f"0 XX {n}/00"
        return f"[{span.label}_{n}]"


class Pseudonymiser:
    """Find German personal data and replace it consistently.

    Args:
        entities: Entity types to handle (default: all but ``CASE_NUMBER``, which court
            decisions cite publicly; add it where internal file numbers identify people).
        mode: ``"pseudonym"`` (realistic, impossible replacements: best for training text),
            ``"tag"`` (``[PERSON_1]``) or ``"mask"`` (``█████``).
        keep_mapping: Return the original -> replacement mapping; ``False`` discards it (the
            pseudonymisation then cannot be reversed: anonymisation of the detected spans).
        seed: Seed for choosing pseudonyms (reproducible tests). ``None`` uses the system's
            random source, so that a pseudonym says nothing about the original.
        tagger: Learned detector ``text -> list[Span]`` merged with the rules. ``"default"``
            (the default) is the tagger shipped in the package (:mod:`pii_tagger`: person
            names, streets, places of birth), loaded on first use; ``None`` means rules only.
        use_tagger: ``False`` switches the tagger off (rules only), whatever ``tagger`` says.
        min_score: Spans scored below this are ignored.
        strict_checksums: Only IBANs with a valid checksum count (``False`` also takes
            well-formed IBANs with a typo).
    """

    def __init__(self, entities: Sequence[str] | None = None, *, mode: str = "pseudonym", keep_mapping: bool = True,
                 seed: int | None = None, tagger: Callable[[str], list[Span]] | str | None = "default",
                 use_tagger: bool = True, min_score: float = 0.5, strict_checksums: bool = True):
        self.entities = entities
        self.mode = mode
        self.keep_mapping = keep_mapping
        self.seed = seed
        self.tagger = tagger
        self.use_tagger = use_tagger
        self.min_score = min_score
        self.strict_checksums = strict_checksums
        self._check()

    def _check(self) -> None:
        unknown = [e for e in (self.entities or ()) if e not in ENTITY_TYPES]
        if isinstance(self.entities, str) or unknown:
            raise ValueError(f"entities: unknown type(s) {unknown or self.entities!r}; expected a list from {ENTITY_TYPES}")
        if self.mode not in MODES:
            raise ValueError(f"mode: expected one of {MODES}, got {self.mode!r}")
        if not (self.tagger is None or self.tagger == "default" or callable(self.tagger)):
            raise ValueError(f"tagger: expected 'default', None or a callable text -> list[Span], got {self.tagger!r}")
        if not 0.0 <= float(self.min_score) <= 1.0:
            raise ValueError(f"min_score: expected a number in [0, 1], got {self.min_score!r}")

    @property
    def entities_(self) -> tuple[str, ...]:
        """The entity types in effect."""
        return tuple(self.entities) if self.entities is not None else DEFAULT_ENTITIES

    @property
    def tagger_(self) -> Callable[[str], list[Span]] | None:
        """The tagger in effect (the shipped one is loaded, and its SHA-256 checked, on first use)."""
        if not self.use_tagger or self.tagger is None:
            return None
        if isinstance(self.tagger, str):
            from workbench.governance.pii_tagger import load_tagger

            return load_tagger()
        return self.tagger

    def detect(self, text: str) -> list[Span]:
        """All personal data found in ``text``, non-overlapping, in order.

        Raises:
            TypeError: ``text`` is not a string.
        """
        if not isinstance(text, str):
            raise TypeError(f"pseudonymiser expects text as str, got {type(text).__name__}")
        from workbench.progress import emit, stage

        long_input = len(text) > PROGRESS_MIN_CHARS
        tagger = self.tagger_
        steps = list(self.entities_) + (["tagger"] if tagger is not None else [])
        spans: list[Span] = []
        with stage(f"PII detection in {len(text) / 1e6:.1f} million characters") if long_input else _nullcontext():
            for n, label in enumerate(steps, start=1):
                if label == "tagger":
                    spans += [s for s in tagger(text) if s.label in self.entities_]
                elif label == "IBAN":
                    spans += find_ibans(text, strict=self.strict_checksums)
                else:
                    spans += _FINDERS[label](text)
                if long_input:
                    emit(f"{label}: done ({n}/{len(steps)} rules, {len(spans)} candidate spans)")
            return resolve_overlaps(s for s in spans if s.score >= self.min_score)

    def _rng(self, offset: int = 0) -> random.Random:
        return random.Random(self.seed + offset) if self.seed is not None else random.SystemRandom()

    def _rewrite(self, text: str, session: _Session) -> tuple[str, list[Span], list[str]]:
        out, pos, spans, replacements = [], 0, self.detect(text), []
        for span in spans:
            replacements.append(session.replace(span))
            out += [text[pos : span.start], replacements[-1]]
            pos = span.end
        out.append(text[pos:])
        return "".join(out), spans, replacements

    def _apply(self, text: str, session: _Session) -> tuple[str, dict[str, str]]:
        new_text, spans, replacements = self._rewrite(text, session)
        mapping = {s.text: r for s, r in zip(spans, replacements)} if self.keep_mapping else {}
        return new_text, mapping

    def explain(self, text: str) -> tuple[str, list[Span], list[str]]:
        """Pseudonymise one document and return ``(new_text, spans, replacements)`` (for display)."""
        return self._rewrite(text, _Session(self.mode, self._rng()))

    def pseudonymise(self, text: str) -> tuple[str, dict[str, str]]:
        """Replace the personal data in one document.

        Returns:
            ``(new_text, mapping)`` with ``mapping[original] = replacement`` (empty when
            ``keep_mapping=False``).
        """
        return self._apply(text, _Session(self.mode, self._rng()))

    def pseudonymise_many(self, texts: Iterable[str], *, consistent_across_documents: bool = False
                          ) -> tuple[list[str], list[dict[str, str]]]:
        """Pseudonymise several documents; with ``consistent_across_documents`` one person keeps
        one pseudonym in all of them (use it for letters about the same case)."""
        shared = _Session(self.mode, self._rng()) if consistent_across_documents else None
        results = [self._apply(t, shared or _Session(self.mode, self._rng(i))) for i, t in enumerate(texts)]
        return [r[0] for r in results], [r[1] for r in results]


def pseudonymise_column(frame, column: str = "text", pseudonymiser: Pseudonymiser | None = None, *,
                        vault: "MappingVault | None" = None, mapping_path: str | os.PathLike | None = None,
                        audit: bool = True):
    """Pseudonymise one text column of a DataFrame before training, and record that it happened.

    Args:
        frame: A pandas DataFrame (e.g. the ``text, label`` frame of ``legal_de``).
        column: The text column.
        pseudonymiser: Settings (default: default entity types, realistic pseudonyms).
        vault: With ``mapping_path``, store the per-row mappings encrypted; otherwise they are
            discarded and the step cannot be reversed.
        mapping_path: Where the encrypted mappings go.
        audit: Record a ``data.pseudonymise`` audit entry (fingerprints before and after, counts
            per type; never the personal data itself).

    Returns:
        ``(new_frame, counts)``: a copy with the column replaced, and ``{type: spans replaced}``.

    Raises:
        KeyError: ``column`` is not in the frame (the message lists the columns).
        TypeError: A cell of the column is not a string (row named).
    """
    from workbench.io import fingerprint_frame

    if column not in frame.columns:
        raise KeyError(f"column {column!r} not found; the frame has columns {list(map(str, frame.columns))}")
    if (vault is None) != (mapping_path is None):
        raise ValueError("give both vault and mapping_path to keep the mapping, or neither to discard it")
    pseudo = pseudonymiser or Pseudonymiser()
    texts, counts, mappings = [], {}, []
    for row, value in enumerate(frame[column].tolist()):
        if not isinstance(value, str):
            raise TypeError(f"column {column!r}, row {row}: expected text, got {type(value).__name__} {value!r}")
        new_text, spans, replacements = pseudo.explain(value)
        texts.append(new_text)
        mappings.append({s.text: r for s, r in zip(spans, replacements)})
        for span in spans:
            counts[span.label] = counts.get(span.label, 0) + 1
    out = frame.copy()
    out[column] = texts
    if vault is not None:
        vault.save(mapping_path, mappings)
    if audit:
        from workbench.governance.audit import record_event

        record_event("data.pseudonymise", inputs={"data": fingerprint_frame(frame)},
                     outputs={"data": fingerprint_frame(out), "replaced": counts},
                     config={"entities": list(pseudo.entities_), "mode": pseudo.mode, "column": column},
                     mapping="kept encrypted" if vault is not None else "discarded")
    return out, counts


# ------------------------------------------------------------------------------ encrypted mapping


class MappingVault:
    """Keep the pseudonym mapping encrypted (Fernet: AES-128-CBC with HMAC-SHA256, from ``cryptography``).

    The key belongs with the data-protection officer, not beside the data: whoever holds key and
    file can re-identify the people. Losing the key makes the pseudonymisation irreversible.

    Args:
        key: A Fernet key from :meth:`generate_key` (bytes or str).
    """

    def __init__(self, key: bytes | str):
        from cryptography.fernet import Fernet

        try:
            self._fernet = Fernet(key)
        except (ValueError, TypeError) as exc:
            raise ValueError("MappingVault needs a Fernet key (32 url-safe base64-encoded bytes) from "
                             "MappingVault.generate_key()") from exc

    @staticmethod
    def generate_key() -> bytes:
        """A new random key."""
        from cryptography.fernet import Fernet

        return Fernet.generate_key()

    def encrypt(self, mapping: dict | list) -> bytes:
        """Encrypt a mapping (or a list of per-document mappings)."""
        return self._fernet.encrypt(json.dumps(mapping, ensure_ascii=False).encode("utf-8"))

    def decrypt(self, token: bytes) -> dict | list:
        """Decrypt; raises ``ValueError`` for a wrong key or a modified file."""
        from cryptography.fernet import InvalidToken

        try:
            return json.loads(self._fernet.decrypt(token).decode("utf-8"))
        except InvalidToken as exc:
            raise ValueError("cannot decrypt the mapping: wrong key, or the file was modified") from exc

    def save(self, path: str | os.PathLike, mapping: dict | list) -> Path:
        """Write the encrypted mapping atomically (file mode 600)."""
        from workbench.io import atomic_write_bytes

        path = atomic_write_bytes(path, self.encrypt(mapping))
        os.chmod(path, 0o600)
        return path

    def load(self, path: str | os.PathLike) -> dict | list:
        """Read and decrypt a mapping file."""
        return self.decrypt(Path(path).read_bytes())


def text_fingerprint(text: str, key: bytes | None = None) -> str:
    """SHA-256 (or HMAC with ``key``) of a text: record *which* text was pseudonymised without keeping it."""
    data = text.encode("utf-8")
    return ("hmac-sha256:" + hmac.new(key, data, hashlib.sha256).hexdigest()) if key else (
        "sha256:" + hashlib.sha256(data).hexdigest())
