"""Token classification (NER-style tagging) with LoRA on an encoder, trained by the core loop.

What this module adds to :func:`workbench.training.fit`:

* :func:`encode_windows` tokenises pre-split words once and cuts long sentences or documents into
  overlapping windows of at most ``max_length`` subwords (``stride`` subwords of overlap), so
  nothing is truncated away;
* labels are aligned to subwords by *first-subword labelling*: the first subword of a word carries
  the word's tag, the other subwords and the special tokens get ``-100`` (ignored by the loss);
* :class:`TokenClassificationTask` is the task object the one Lightning module runs
  (cross-entropy over labelled subwords; word-level accuracy per validation epoch);
* :class:`TokenTagger` is the scikit-learn-like estimator: ``fit`` / ``predict`` / ``save`` /
  ``load``; prediction maps subword logits back to one tag per word (each word is read from the
  window in which it sits furthest from an edge) and repairs the result to valid IOB2.

Usage::

    tagger = TokenTagger(labels=bio_labels(["PER", "ORG"]), train=TrainArgs(max_epochs=3))
    tagger.fit(train_sents, val_sents)              # [(words, tags), ...]
    tags = tagger.predict([["Richter", "Müller", "entschied"]])
    tagger.save("adapters/ner"); same = TokenTagger.load("adapters/ner")
"""

from __future__ import annotations

import dataclasses
import json
import tempfile
from pathlib import Path
from typing import Any, Sequence

import numpy as np
import torch
from torch.utils.data import Dataset

from workbench.config import LoraArgs, TrainArgs
from workbench.conll import Sentence, check_decoding, decode_tags
from workbench.training import StepOutput

IGNORE = -100
"""Label id that the loss ignores (non-first subwords, special tokens, padding)."""

CONFIG_FILE = "token_tagger.json"


# ----------------------------------------------------------------------------- encoding
def special_tokens(tokenizer) -> tuple[list[int], list[int]]:
    """Ids the tokenizer puts before and after a text (``[CLS]`` and ``[SEP]`` for BERT).

    Derived by encoding a probe word with and without special tokens, so it works for any fast
    tokenizer (transformers 5 dropped ``build_inputs_with_special_tokens`` from them).
    """
    bare = tokenizer("Probe", add_special_tokens=False)["input_ids"]
    full = tokenizer("Probe", add_special_tokens=True)["input_ids"]
    for i in range(len(full) - len(bare) + 1):
        if full[i:i + len(bare)] == bare:
            return list(full[:i]), list(full[i + len(bare):])
    raise ValueError(f"cannot locate the text among the special tokens of {type(tokenizer).__name__}")


def encode_windows(words_list: Sequence[Sequence[str]], tokenizer, max_length: int = 128, stride: int = 32,
                   tag_ids: Sequence[Sequence[int]] | None = None, case_marks: bool = False) -> list[dict]:
    """Tokenise word lists and cut them into windows of at most ``max_length`` subwords.

    Args:
        words_list: One list of words per sentence or document.
        tokenizer: A fast Hugging Face tokenizer (``word_ids`` is needed).
        max_length: Window length including the special tokens.
        stride: Subwords shared by consecutive windows (context for the words at the edges).
        tag_ids: Label id per word (``None`` for prediction).
        case_marks: Add ``token_type_ids``: 1 on the subwords of words that start with a capital
            letter, 0 elsewhere (an uncased base model cannot see case otherwise).

    Returns:
        One dict per window: ``input_ids``, ``labels`` (first-subword labelling, ``-100``
        elsewhere; ``None`` without ``tag_ids``), ``seq`` (sentence index), ``word_pos`` (word
        index per subword or -1) and ``edge`` (distance of each subword from the nearest window
        edge, to choose among overlapping windows); with ``case_marks`` also ``token_type_ids``.

    Raises:
        ValueError: Slow tokenizer, ``stride`` not smaller than the window, or tags and words
            of a sentence differ in number.
    """
    if not getattr(tokenizer, "is_fast", False):
        raise ValueError("token classification needs a fast tokenizer (word_ids() for label alignment)")
    prefix, suffix = special_tokens(tokenizer)
    content = max_length - len(prefix) - len(suffix)
    if content < 2 or stride >= content:
        raise ValueError(f"max_length={max_length} leaves {content} content tokens; stride={stride} must be smaller")
    words_list = [list(w) for w in words_list]
    out: list[dict] = []
    if not words_list:
        return out
    enc = tokenizer(words_list, is_split_into_words=True, add_special_tokens=False, truncation=False)
    for seq, words in enumerate(words_list):
        ids = enc["input_ids"][seq]
        wids = [(-1 if w is None else w) for w in enc.word_ids(seq)]
        first = [i == 0 or wids[i] != wids[i - 1] for i in range(len(ids))]
        if tag_ids is not None and len(tag_ids[seq]) != len(words):
            raise ValueError(f"sentence {seq}: {len(words)} words but {len(tag_ids[seq])} tags")
        start = 0
        while True:
            end = min(start + content, len(ids))
            win_ids = prefix + list(ids[start:end]) + suffix
            pad_left, pad_right = len(prefix), len(suffix)
            pos = [-1] * pad_left + wids[start:end] + [-1] * pad_right
            windowed = start > 0 or end < len(ids)
            edge = [-1] * pad_left + [min(i - start, end - 1 - i) if windowed else 10**6
                                      for i in range(start, end)] + [-1] * pad_right
            item = {"input_ids": win_ids, "seq": seq, "word_pos": pos, "edge": edge, "labels": None}
            if case_marks:
                item["token_type_ids"] = [int(w >= 0 and words[w][:1].isupper()) for w in pos]
            if tag_ids is not None:
                lab = [IGNORE] * pad_left
                for i in range(start, end):
                    lab.append(int(tag_ids[seq][wids[i]]) if wids[i] >= 0 and first[i] else IGNORE)
                item["labels"] = lab + [IGNORE] * pad_right
            out.append(item)
            if end >= len(ids):
                break
            start = end - stride
    return out


class WindowDataset(Dataset):
    """Windows from :func:`encode_windows` as a torch dataset."""

    def __init__(self, windows: list[dict]):
        self.windows = windows

    def __len__(self) -> int:
        return len(self.windows)

    @property
    def lengths(self) -> list[int]:
        """Subword count of every window (for length grouping)."""
        return [len(w["input_ids"]) for w in self.windows]

    def __getitem__(self, i: int) -> dict:
        return self.windows[i]


class TokenPadCollator:
    """Pad windows to the longest in the batch: ``input_ids``, ``attention_mask``, ``labels`` (B, T)."""

    def __init__(self, pad_token_id: int):
        self.pad_token_id = pad_token_id

    def __call__(self, items: list[dict]) -> dict[str, torch.Tensor]:
        longest = max(len(x["input_ids"]) for x in items)
        ids = torch.full((len(items), longest), self.pad_token_id, dtype=torch.long)
        mask = torch.zeros((len(items), longest), dtype=torch.long)
        labels = torch.full((len(items), longest), IGNORE, dtype=torch.long)
        types = torch.zeros((len(items), longest), dtype=torch.long) if "token_type_ids" in items[0] else None
        for row, x in enumerate(items):
            n = len(x["input_ids"])
            ids[row, :n] = torch.tensor(x["input_ids"], dtype=torch.long)
            mask[row, :n] = 1
            if types is not None:
                types[row, :n] = torch.tensor(x["token_type_ids"], dtype=torch.long)
            if x.get("labels") is not None:
                labels[row, :n] = torch.tensor(x["labels"], dtype=torch.long)
        batch = {"input_ids": ids, "attention_mask": mask}
        if types is not None:
            batch["token_type_ids"] = types
        if any(x.get("labels") is not None for x in items):
            batch["labels"] = labels
        return batch


# ----------------------------------------------------------------------------- task
class TokenClassificationTask:
    """Cross-entropy over the labelled subwords; word accuracy per validation epoch.

    Args:
        monitor: Metric that selects the best epoch (``val_loss`` or ``val_word_accuracy``).
    """

    def __init__(self, monitor: str = "val_loss"):
        self.monitor = monitor
        self.monitor_mode = "min" if monitor.endswith("loss") else "max"

    def step(self, model: torch.nn.Module, batch: dict) -> StepOutput:
        """Loss of one batch; predictions and targets of the labelled subwords only."""
        inputs = {k: batch[k] for k in ("input_ids", "attention_mask", "token_type_ids") if k in batch}
        logits = model(**inputs).logits
        labels = batch["labels"]
        loss = torch.nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]).float(), labels.reshape(-1),
                                                 ignore_index=IGNORE)
        keep = labels != IGNORE
        return StepOutput(loss=loss, preds=logits.detach()[keep].argmax(-1), target=labels[keep])

    def epoch_metrics(self, preds: torch.Tensor, target: torch.Tensor) -> dict[str, float]:
        """Share of words (first subwords) whose tag is right."""
        return {"word_accuracy": float((preds.long() == target.long()).float().mean()) if len(target) else 0.0}


# ----------------------------------------------------------------------------- estimator
class TokenTagger:
    """LoRA token classifier on a Hugging Face encoder (default: the embedded MiniLM).

    Args:
        base_model: Local model directory or ``None`` for the embedded MiniLM.
        labels: Full tag list (``O``, ``B-X``, ``I-X``...); ``None`` takes the tags of the
            training data (``O`` first, then sorted).
        lora: LoRA settings (default: r=16 on the attention and feed-forward layers).
        train: Training settings (default ``TrainArgs(max_epochs=3, lr=2e-3)``).
        max_length: Window length in subwords (special tokens included).
        stride: Overlap in subwords between consecutive windows of a long sentence.
        eval_batch_size: Windows per batch at prediction.
        seed: Seed of head initialisation, sampling and dropout.
        run_dir: Where checkpoints and ``metrics.csv`` go (a temporary directory if ``None``).
        monitor: Validation metric selecting the best epoch.
        case_marks: Mark the subwords of capitalised words with token type 1 and train the
            token-type embedding with the adapter. ``"auto"`` (default) does so when the base
            model's tokenizer lowercases its input (the embedded MiniLM does: "BGB" and "bgb",
            "Müller" and "müller" are one token to it) and the model has two token types;
            ``True`` insists, ``False`` never.
        resume: Continue from ``run_dir/checkpoints/last.ckpt`` when one of this model exists.
        decoding: How word probabilities become tags: ``"viterbi"`` (default) takes the most
            probable sequence that is valid IOB2 (:func:`workbench.conll.viterbi_bio`), so an
            entity is not cut where one word inside it is uncertain; ``"argmax"`` takes each
            word's likeliest tag and repairs stray ``I-`` tags (:func:`workbench.conll.repair_bio`).
    """

    def __init__(self, base_model: str | None = None, labels: Sequence[str] | None = None,
                 lora: LoraArgs | None = None, train: TrainArgs | None = None, max_length: int = 128,
                 stride: int = 32, eval_batch_size: int = 64, seed: int = 42, run_dir: str | Path | None = None,
                 monitor: str = "val_loss", case_marks: bool | str = "auto", resume: bool = True,
                 decoding: str = "viterbi"):
        self.base_model = base_model
        self.labels = labels
        self.lora = lora
        self.train = train
        self.max_length = max_length
        self.stride = stride
        self.eval_batch_size = eval_batch_size
        self.seed = seed
        self.run_dir = run_dir
        self.monitor = monitor
        self.case_marks = case_marks
        self.resume = resume
        self.decoding = decoding

    # ------------------------------------------------------------------ setup
    def _base_id(self) -> str:
        from workbench.models import EMBEDDED_TEXT_MODEL

        return self.base_model or EMBEDDED_TEXT_MODEL

    def _load_base(self, n_labels: int) -> torch.nn.Module:
        from transformers import AutoModelForTokenClassification

        from workbench.models import load_tokenizer, quiet_transformers, resolve_base_model

        self.base_path_ = resolve_base_model(self.base_model)
        self.tokenizer_ = load_tokenizer(self.base_path_)
        torch.manual_seed(self.seed)  # the new head's initialisation
        with quiet_transformers():
            model = AutoModelForTokenClassification.from_pretrained(
                self.base_path_, num_labels=n_labels, local_files_only=True, use_safetensors=True)
        model.train()  # from_pretrained returns eval mode (STACK_NOTES)
        self.case_marks_ = self._resolve_case_marks(model)
        return model

    def _resolve_case_marks(self, model: torch.nn.Module) -> bool:
        """Whether this base gets case marks (see ``case_marks``)."""
        if self.case_marks not in (True, False, "auto"):
            raise ValueError(f"case_marks: expected True, False or 'auto', got {self.case_marks!r}")
        types = int(getattr(model.config, "type_vocab_size", 0) or 0)
        if self.case_marks is True and types < 2:
            raise ValueError(f"case_marks=True needs a model with two token types; {self.base_path_} has {types}")
        if self.case_marks != "auto":
            return bool(self.case_marks)
        lowercases = self.tokenizer_("Ab", add_special_tokens=False)["input_ids"] == \
            self.tokenizer_("ab", add_special_tokens=False)["input_ids"]
        return lowercases and types >= 2

    def _lora_args(self, model: torch.nn.Module) -> LoraArgs:
        from workbench.lora import find_target_modules

        args = self.lora or LoraArgs(r=16, alpha=32, dropout=0.05)
        targets = args.target_modules
        if targets is None:
            # Tagging needs more than the attention projections peft picks for BERT: the feed-
            # forward layers too ("dense" also covers the attention output projection).
            found = find_target_modules(model)
            bert_like = {"query", "value"} <= set(found)
            targets = ["query", "key", "value", "dense"] if bert_like else found
        # The case marks need their embedding trained (and saved with the adapter).
        extra = ["token_type_embeddings"] if self.case_marks_ else []
        keep = list(dict.fromkeys([*(args.modules_to_save or []), "classifier", *extra]))
        return dataclasses.replace(args, target_modules=targets, modules_to_save=keep)

    def _check_fitted(self) -> None:
        if not hasattr(self, "model_"):
            raise RuntimeError("this TokenTagger is not fitted: call fit(...) or TokenTagger.load(...) first")

    def _windows(self, sents: Sequence[Sentence]) -> list[dict]:
        index = {t: i for i, t in enumerate(self.labels_)}
        unknown = sorted({t for _, tags in sents for t in tags if t not in index})
        if unknown:
            raise ValueError(f"tags {unknown[:5]} are not in the label list {self.labels_}")
        return encode_windows([w for w, _ in sents], self.tokenizer_, self.max_length, self.stride,
                              tag_ids=[[index[t] for t in tags] for _, tags in sents], case_marks=self.case_marks_)

    # ------------------------------------------------------------------ fit
    def fit(self, train: Sequence[Sentence], val: Sequence[Sentence] | None = None,
            callbacks: Sequence[Any] = ()) -> "TokenTagger":
        """Fine-tune LoRA adapters and the tag head on ``train``; keep the best epoch on ``val``.

        Args:
            train: Sentences ``(words, tags)``.
            val: Validation sentences (without them the last epoch is kept).
            callbacks: Extra Lightning callbacks.

        Returns:
            self, with ``model_``, ``tokenizer_``, ``labels_`` and ``fit_result_`` set.
        """
        from workbench.lora import apply_lora, count_parameters
        from workbench.training import fit as core_fit
        from workbench.training import make_loader

        if not train:
            raise ValueError("no training sentences")
        check_decoding(self.decoding)  # before minutes of training, not after
        tags = {t for _, ts in train for t in ts} | {t for _, ts in (val or []) for t in ts}
        self.labels_ = list(self.labels) if self.labels is not None else ["O", *sorted(tags - {"O"})]
        base = self._load_base(len(self.labels_))
        self.model_ = apply_lora(base, self._lora_args(base), task_type=None)
        self.param_count_ = count_parameters(self.model_)
        args = self.train or TrainArgs(max_epochs=3, lr=2e-3)
        collate = TokenPadCollator(self.tokenizer_.pad_token_id or 0)
        train_ds = WindowDataset(self._windows(train))
        train_loader = make_loader(train_ds, args.batch_size, collate, shuffle=True, seed=self.seed,
                                   lengths=train_ds.lengths)
        val_loader = None
        if val:
            val_ds = WindowDataset(self._windows(val))
            val_loader = make_loader(val_ds, self.eval_batch_size, collate, shuffle=False, lengths=val_ds.lengths)
        task = TokenClassificationTask(self.monitor)
        with tempfile.TemporaryDirectory() as tmp:
            # The best epoch's weights are back in the model when fit returns, so a temporary
            # run directory may go.
            run_dir = self.run_dir or tmp
            self.fit_result_ = core_fit(self.model_, task, train_loader, val_loader, args, run_dir, seed=self.seed,
                                        callbacks=callbacks, resume=self.resume)
        self.model_.eval()
        return self

    # ------------------------------------------------------------------ predict
    @torch.no_grad()
    def predict_proba(self, words_list: Sequence[Sequence[str]]) -> list[np.ndarray]:
        """Tag probabilities per word: one array (n_words, n_labels) per input."""
        self._check_fitted()
        words_list = [list(w) for w in words_list]
        windows = encode_windows(words_list, self.tokenizer_, self.max_length, self.stride,
                                 case_marks=self.case_marks_)
        out = [np.zeros((len(w), len(self.labels_)), dtype=np.float32) for w in words_list]
        o = self.labels_.index("O") if "O" in self.labels_ else 0
        for probs in out:
            probs[:, o] = 1.0  # words the tokenizer drops entirely (control characters) stay "O"
        best = [np.full(len(w), -2) for w in words_list]
        collate = TokenPadCollator(self.tokenizer_.pad_token_id or 0)
        self.model_.eval()
        device = next(self.model_.parameters()).device
        for lo in range(0, len(windows), self.eval_batch_size):
            chunk = windows[lo:lo + self.eval_batch_size]
            batch = collate(chunk)
            logits = self.model_(**{k: v.to(device) for k, v in batch.items() if k != "labels"}).logits
            probs = torch.softmax(logits.float(), -1).cpu().numpy()
            for row, win in enumerate(chunk):
                seen = set()
                for j, (w, e) in enumerate(zip(win["word_pos"], win["edge"])):
                    if w < 0 or w in seen:
                        continue  # only the first subword of a word speaks for it
                    seen.add(w)
                    if e > best[win["seq"]][w]:
                        best[win["seq"]][w] = e
                        out[win["seq"]][w] = probs[row, j]
        return out

    def predict(self, words_list: Sequence[Sequence[str]]) -> list[list[str]]:
        """One valid IOB2 tag per word for every input word list (decoded as ``decoding`` says)."""
        check_decoding(self.decoding)
        return [decode_tags(p, self.labels_, self.decoding) for p in self.predict_proba(words_list)]

    # ------------------------------------------------------------------ persistence
    def save(self, path: str | Path, extra: dict | None = None) -> Path:
        """Save the adapter (safetensors, PEFT layout, head included) and the tagger settings."""
        from workbench.io import atomic_write_json
        from workbench.lora import save_adapter

        self._check_fitted()
        info = {"task": "token_classification", "labels": self.labels_, "max_length": self.max_length,
                "stride": self.stride, "case_marks": self.case_marks_, "decoding": self.decoding, **(extra or {})}
        path = save_adapter(self.model_, path, base_model_id=self._base_id(), extra=info)
        atomic_write_json(Path(path) / CONFIG_FILE, {"labels": self.labels_, "max_length": self.max_length,
                                                     "stride": self.stride, "base_model": self.base_model,
                                                     "case_marks": self.case_marks_, "decoding": self.decoding})
        return Path(path)

    @classmethod
    def load(cls, path: str | Path, base_model: str | None = None) -> "TokenTagger":
        """Load a tagger saved by :meth:`save` (the base model is loaded from its local path).

        Raises:
            FileNotFoundError: ``path`` holds no saved tagger.
            workbench.lora.AdapterMismatchError: The adapter was trained on another base model.
        """
        from workbench.lora import load_adapter

        path = Path(path)
        cfg_file = path / CONFIG_FILE
        if not cfg_file.is_file():
            raise FileNotFoundError(f"{path} is not a saved TokenTagger (no {CONFIG_FILE})")
        cfg = json.loads(cfg_file.read_text(encoding="utf-8"))
        # Taggers saved before case marks existed have none; decoding is not learnt, so taggers
        # saved before it existed decode as new ones do.
        tagger = cls(base_model=base_model or cfg.get("base_model"), labels=cfg["labels"],
                     max_length=int(cfg["max_length"]), stride=int(cfg["stride"]),
                     case_marks=bool(cfg.get("case_marks", False)), decoding=cfg.get("decoding", "viterbi"))
        tagger.labels_ = list(cfg["labels"])
        base = tagger._load_base(len(tagger.labels_))
        tagger.model_ = load_adapter(base, path)
        tagger.model_.eval()
        return tagger
