"""The two neural taggers of legal NER: the frozen base and the LoRA adapter.

* :class:`FrozenBaseTagger`: "frozen base" here means LoRA off and the encoder untouched; only a
  classification head is trained, a multinomial logistic regression on the frozen encoder's
  first-subword vector of each word (an untrained head would be meaningless). It shows what the
  base already knows without adaptation.
* :func:`make_adapter_tagger`: the core :class:`workbench.token_classification.TokenTagger`
  (LoRA on attention and feed-forward layers plus a trained tag head) with this use case's
  settings.

Usage::

    frozen = FrozenBaseTagger(max_length=64).fit(train)
    tags = frozen.predict([words for words, _ in test])
    tagger = make_adapter_tagger(config, labels).fit(train, val)
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
import torch

from workbench.conll import Sentence, check_decoding, decode_tags
from workbench.token_classification import TokenPadCollator, TokenTagger, encode_windows


class FrozenBaseTagger:
    """Logistic regression on frozen encoder vectors of each word's first subword.

    Args:
        base_model: Local model directory or ``None`` for the embedded MiniLM.
        max_length: Window length in subwords.
        stride: Overlap of consecutive windows.
        C: Inverse regularisation of the logistic regression.
        batch_size: Windows per forward pass.
        seed: Seed of the logistic regression.
        decoding: ``"viterbi"`` or ``"argmax"``, as for the adapter
            (:class:`workbench.token_classification.TokenTagger`), so the two compare on equal terms.
    """

    def __init__(self, base_model: str | None = None, max_length: int = 128, stride: int = 32, C: float = 1.0,
                 batch_size: int = 64, seed: int = 42, decoding: str = "viterbi"):
        self.base_model = base_model
        self.max_length = max_length
        self.stride = stride
        self.C = C
        self.batch_size = batch_size
        self.seed = seed
        self.decoding = decoding

    def _load(self) -> None:
        from transformers import AutoModel

        from workbench.models import load_tokenizer, quiet_transformers, resolve_base_model

        path = resolve_base_model(self.base_model)
        self.tokenizer_ = load_tokenizer(path)
        with quiet_transformers():
            self.encoder_ = AutoModel.from_pretrained(path, local_files_only=True, use_safetensors=True)
        self.encoder_.eval()

    @torch.no_grad()
    def embed(self, words_list: Sequence[Sequence[str]]) -> list[np.ndarray]:
        """One array (n_words, hidden) per word list: the frozen vector of each word's first subword."""
        if not hasattr(self, "encoder_"):
            self._load()
        words_list = [list(w) for w in words_list]
        windows = encode_windows(words_list, self.tokenizer_, self.max_length, self.stride)
        hidden = self.encoder_.config.hidden_size
        out = [np.zeros((len(w), hidden), dtype=np.float32) for w in words_list]
        best = [np.full(len(w), -2) for w in words_list]
        collate = TokenPadCollator(self.tokenizer_.pad_token_id or 0)
        for lo in range(0, len(windows), self.batch_size):
            chunk = windows[lo:lo + self.batch_size]
            batch = collate(chunk)
            states = self.encoder_(input_ids=batch["input_ids"],
                                   attention_mask=batch["attention_mask"]).last_hidden_state.numpy()
            for row, win in enumerate(chunk):
                seen = set()
                for j, (w, e) in enumerate(zip(win["word_pos"], win["edge"])):
                    if w < 0 or w in seen:
                        continue
                    seen.add(w)
                    if e > best[win["seq"]][w]:  # the window where the word has most context
                        best[win["seq"]][w] = e
                        out[win["seq"]][w] = states[row, j]
        return out

    def fit(self, sents: Sequence[Sentence]) -> "FrozenBaseTagger":
        """Train the head on ``(words, tags)``; returns self with ``head_`` and ``labels_``."""
        from sklearn.linear_model import LogisticRegression

        if not sents:
            raise ValueError("no training sentences")
        X = np.concatenate(self.embed([w for w, _ in sents]))
        y = [t for _, tags in sents for t in tags]
        self.head_ = LogisticRegression(C=self.C, max_iter=300, random_state=self.seed).fit(X, y)
        self.labels_ = list(self.head_.classes_)
        return self

    def predict(self, words_list: Sequence[Sequence[str]]) -> list[list[str]]:
        """One valid IOB2 tag per word (decoded as ``decoding`` says)."""
        if not hasattr(self, "head_"):
            raise RuntimeError("this FrozenBaseTagger is not fitted: call fit(...) first")
        check_decoding(self.decoding)
        return [decode_tags(self.head_.predict_proba(vecs), self.labels_, self.decoding) if len(vecs) else []
                for vecs in self.embed(words_list)]


def make_adapter_tagger(config, labels: Sequence[str], run_dir=None) -> TokenTagger:
    """The LoRA tagger of a run: the config's base model, LoRA, training and window settings."""
    return TokenTagger(base_model=config.model.base_model, labels=list(labels), lora=config.lora,
                       train=config.train, max_length=config.task.max_length, stride=config.task.stride,
                       eval_batch_size=config.eval.batch_size, seed=config.run.seed, run_dir=run_dir,
                       case_marks=config.task.case_marks, resume=config.run.resume, decoding=config.task.decoding)
