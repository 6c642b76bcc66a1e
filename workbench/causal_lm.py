"""Causal language models as base models: instruction tuning with a chat template.

What it holds:

- :func:`encode_chat`: render a conversation with the tokenizer's chat template and build
  ``labels`` in which every prompt token (system, user, template markup) is ``-100``, so the
  loss is computed on the assistant's answers only (the "completion-only" loss of Ouyang et al.
  2022 and of TRL's ``DataCollatorForCompletionOnlyLM``).
- :class:`ChatDataset` and :class:`CausalLMCollator`: tokenise once, pad per batch (right
  padding; labels padded with ``-100``), with lengths for the core's length-grouped sampler.
- :class:`CausalLMTask`: the :class:`workbench.training.Task` for ``fit`` (token-level loss,
  perplexity and token accuracy on the answer tokens).
- :func:`generate`: answer a conversation with greedy (or sampled) decoding.
- :func:`build_tiny_tokenizer` and :func:`tiny_llama`: a word-level tokenizer trained offline on
  given texts and a small Llama-architecture model from a ``LlamaConfig``, so that tests and the
  GPU benchmark need no download.

Usage (a real base model from a local directory works the same way)::

    from workbench.causal_lm import (ChatDataset, CausalLMCollator, CausalLMTask, to_messages)
    from workbench.lora import apply_lora
    from workbench.training import fit, make_loader
    tok = AutoTokenizer.from_pretrained(path); model = AutoModelForCausalLM.from_pretrained(path)
    chats = [to_messages(instruction=q, output=a) for q, a in pairs]
    ds = ChatDataset(chats, tok, max_length=1024)
    loader = make_loader(ds, 8, CausalLMCollator(tok.pad_token_id), lengths=ds.lengths)
    peft_model = apply_lora(model, LoraArgs(r=16, target_modules="all-linear"), task_type="CAUSAL_LM")
    fit(peft_model, CausalLMTask(), loader, None, TrainArgs(max_epochs=3), "runs/chat")
"""

from __future__ import annotations

import math
from typing import Any, Iterable, Sequence

import torch
from torch.utils.data import Dataset

IGNORE_INDEX = -100
"""Label value that ``torch.nn.functional.cross_entropy`` (and HF models) skip."""

# A ChatML-style template (used by Qwen and others) for tokenizers that ship none. The
# ``{% generation %}`` markers let transformers return an assistant mask directly; the
# prefix-based masking in :func:`encode_chat` does not depend on them.
DEFAULT_CHAT_TEMPLATE = (
    "{% for message in messages %}"
    "{{ '<|im_start|>' + message['role'] + '\n' }}"
    "{% if message['role'] == 'assistant' %}{% generation %}{{ message['content'] + '<|im_end|>' }}"
    "{% endgeneration %}{% else %}{{ message['content'] + '<|im_end|>' }}{% endif %}"
    "{{ '\n' }}"
    "{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}"
)
CHAT_SPECIAL_TOKENS = ("<|im_start|>", "<|im_end|>")
DEFAULT_SYSTEM_PROMPT = ("Du bist ein sorgfältiger Assistent für deutsches Vertrags- und Mietrecht. "
                         "Antworte knapp und auf Deutsch.")


class ChatFormatError(ValueError):
    """A conversation is malformed (names the example and what is expected)."""


def to_messages(instruction: str, output: str | None = None, input: str | None = None,
                system: str | None = DEFAULT_SYSTEM_PROMPT) -> list[dict[str, str]]:
    """Turn an Alpaca-style record (instruction, optional input, output) into chat messages."""
    user = instruction if not input else f"{instruction}\n\n{input}"
    msgs = [{"role": "system", "content": system}] if system else []
    msgs.append({"role": "user", "content": user})
    if output is not None:
        msgs.append({"role": "assistant", "content": output})
    return msgs


def ensure_chat_template(tokenizer: Any) -> Any:
    """Give ``tokenizer`` the ChatML template (and its two special tokens) if it has none.

    Returns the tokenizer. A tokenizer with its own template keeps it: a base model was
    instruction-tuned with that exact markup, and changing it hurts quality.
    """
    if getattr(tokenizer, "chat_template", None):
        return tokenizer
    missing = [t for t in CHAT_SPECIAL_TOKENS if tokenizer.convert_tokens_to_ids(t) in (None, tokenizer.unk_token_id)]
    if missing:
        # New tokens need new embedding rows: the caller must resize the model's embeddings
        # (model.resize_token_embeddings(len(tokenizer))) and train them (modules_to_save).
        tokenizer.add_special_tokens({"additional_special_tokens": list(CHAT_SPECIAL_TOKENS)})
    tokenizer.chat_template = DEFAULT_CHAT_TEMPLATE
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token or CHAT_SPECIAL_TOKENS[1]
    return tokenizer


def _validate(messages: Any, index: int) -> None:
    where = f"example {index}"
    if not isinstance(messages, (list, tuple)) or not messages:
        raise ChatFormatError(f"{where}: expected a non-empty list of {{'role', 'content'}} dicts, "
                              f"got {type(messages).__name__}")
    for j, m in enumerate(messages):
        if not isinstance(m, dict) or "role" not in m or "content" not in m:
            raise ChatFormatError(f"{where}, message {j}: expected a dict with 'role' and 'content', got {m!r}")
        if m["role"] not in ("system", "user", "assistant"):
            raise ChatFormatError(f"{where}, message {j}: role must be system, user or assistant, "
                                  f"got {m['role']!r}")
        if not isinstance(m["content"], str) or not m["content"].strip():
            raise ChatFormatError(f"{where}, message {j} ({m['role']}): empty content")
    if not any(m["role"] == "assistant" for m in messages):
        raise ChatFormatError(f"{where}: no assistant message, so there is nothing to learn")


def _render(tokenizer: Any, messages: Sequence[dict], *, add_generation_prompt: bool) -> list[int]:
    ids = tokenizer.apply_chat_template(list(messages), tokenize=True,
                                        add_generation_prompt=add_generation_prompt)
    if isinstance(ids, dict) or hasattr(ids, "keys"):  # transformers 5 may return a BatchEncoding
        ids = ids["input_ids"]
    return list(ids)


def encode_chat(tokenizer: Any, messages: Sequence[dict], max_length: int = 1024, *,
                index: int = 0) -> dict[str, list[int]]:
    """Tokenise one conversation; only assistant tokens carry labels.

    For every assistant turn ``k`` the template is rendered for ``messages[:k]`` with the
    generation prompt (the prefix the model sees when it must answer) and for ``messages[:k+1]``;
    the tokens between the two lengths are the answer (including the end-of-turn token, so the
    model learns to stop). Everything else is masked with :data:`IGNORE_INDEX`. This works with
    any template that renders a prefix of a conversation as a prefix of its tokens, which the
    function checks.

    Args:
        tokenizer: A tokenizer with a chat template (see :func:`ensure_chat_template`).
        messages: ``[{"role": ..., "content": ...}, ...]`` with at least one assistant turn.
        max_length: Truncate to this many tokens (from the right).
        index: Position of the example in its dataset, for error messages.

    Returns:
        ``{"input_ids": [...], "labels": [...]}`` of equal length.

    Raises:
        ChatFormatError: The conversation is malformed, the template is not prefix-stable, or
            truncation would remove every answer token.
    """
    _validate(messages, index)
    full = _render(tokenizer, messages, add_generation_prompt=False)
    labels = [IGNORE_INDEX] * len(full)
    for k, m in enumerate(messages):
        if m["role"] != "assistant":
            continue
        prefix = _render(tokenizer, messages[:k], add_generation_prompt=True)
        upto = _render(tokenizer, messages[:k + 1], add_generation_prompt=False)
        if full[:len(prefix)] != prefix or full[:len(upto)] != upto:
            raise ChatFormatError(f"example {index}: the chat template does not render a prefix of the "
                                  "conversation as a prefix of its tokens; prompt masking needs that")
        labels[len(prefix):len(upto)] = full[len(prefix):len(upto)]
    # Trailing template text after the last answer (e.g. a newline) is not supervised.
    full, labels = full[:max_length], labels[:max_length]
    if all(lab == IGNORE_INDEX for lab in labels):
        raise ChatFormatError(f"example {index}: after truncation to max_length={max_length} no answer "
                              "token is left; raise max_length or shorten the prompt")
    return {"input_ids": full, "labels": labels}


class ChatDataset(Dataset):
    """Conversations tokenised once, with prompt tokens masked.

    Args:
        conversations: Lists of chat messages (see :func:`to_messages`).
        tokenizer: Tokenizer with a chat template.
        max_length: Truncation length in tokens.
    """

    def __init__(self, conversations: Iterable[Sequence[dict]], tokenizer: Any, max_length: int = 1024):
        self.items = [encode_chat(tokenizer, c, max_length, index=i) for i, c in enumerate(conversations)]
        if not self.items:
            raise ChatFormatError("no conversations given")

    def __len__(self) -> int:
        return len(self.items)

    def __getitem__(self, i: int) -> dict[str, list[int]]:
        return self.items[i]

    @property
    def lengths(self) -> list[int]:
        """Token counts, for the length-grouped sampler (``workbench.training.make_loader``)."""
        return [len(x["input_ids"]) for x in self.items]


class CausalLMCollator:
    """Right-pad ``input_ids`` (pad id), ``labels`` (-100) and build ``attention_mask``.

    Args:
        pad_token_id: Id used for padding.
        pad_to_multiple_of: Round the padded length up (8 or 64 keeps tensor-core shapes on GPUs).
    """

    def __init__(self, pad_token_id: int, pad_to_multiple_of: int | None = None):
        self.pad_token_id = int(pad_token_id)
        self.pad_to_multiple_of = pad_to_multiple_of

    def __call__(self, items: list[dict]) -> dict[str, torch.Tensor]:
        longest = max(len(x["input_ids"]) for x in items)
        if self.pad_to_multiple_of:
            longest = math.ceil(longest / self.pad_to_multiple_of) * self.pad_to_multiple_of
        ids = torch.full((len(items), longest), self.pad_token_id, dtype=torch.long)  # (B, T)
        labels = torch.full((len(items), longest), IGNORE_INDEX, dtype=torch.long)   # (B, T)
        mask = torch.zeros((len(items), longest), dtype=torch.long)                 # (B, T)
        for row, x in enumerate(items):
            n = len(x["input_ids"])
            ids[row, :n] = torch.tensor(x["input_ids"])
            labels[row, :n] = torch.tensor(x["labels"])
            mask[row, :n] = 1
        return {"input_ids": ids, "attention_mask": mask, "labels": labels}


class CausalLMTask:
    """The :class:`workbench.training.Task` for instruction tuning a causal LM.

    The loss is the mean cross-entropy over answer tokens of the batch (next-token prediction:
    logits at position t predict the token at t+1). ``epoch_metrics`` reports the token-weighted
    perplexity and next-token accuracy on answer tokens.
    """

    monitor = "val_loss"
    monitor_mode = "min"

    def step(self, model: Any, batch: dict) -> Any:
        """Loss and, in eval mode, per-batch sums ``[nll_sum, n_tokens, n_correct]`` as ``preds`` (shape (1, 3))."""
        from workbench.training import StepOutput

        out = model(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"])
        logits = out.logits[:, :-1, :].float()           # (B, T-1, V)
        target = batch["labels"][:, 1:]                  # (B, T-1)
        nll = torch.nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), target.reshape(-1),
                                                ignore_index=IGNORE_INDEX, reduction="sum")
        valid = target != IGNORE_INDEX
        n_tok = valid.sum()
        loss = nll / n_tok.clamp(min=1)
        if model.training:
            # Training reads only the loss: skip the argmax over the (B, T, V) logits, which
            # costs a full pass over them at every step for a large vocabulary.
            return StepOutput(loss=loss)
        with torch.no_grad():
            correct = ((logits.argmax(-1) == target) & valid).sum()
            sums = torch.stack([nll.detach().float(), n_tok.float(), correct.float()]).unsqueeze(0)
        return StepOutput(loss=loss, preds=sums, target=torch.zeros(1, device=sums.device))

    def epoch_metrics(self, preds: torch.Tensor, target: torch.Tensor) -> dict[str, float]:
        """Perplexity and token accuracy from the summed per-batch counts."""
        nll, n, correct = preds.sum(0).tolist()
        if n == 0:
            return {}
        return {"perplexity": float(math.exp(min(nll / n, 50.0))), "token_accuracy": correct / n}


@torch.no_grad()
def generate(model: Any, tokenizer: Any, messages: Sequence[dict], max_new_tokens: int = 64,
             do_sample: bool = False, **kwargs: Any) -> str:
    """Answer a conversation (the last message should be the user's) and return the text.

    Args:
        model: A causal LM (peft-wrapped or merged).
        tokenizer: Its tokenizer with the chat template used in training.
        messages: The conversation so far.
        max_new_tokens: Generation budget.
        do_sample: Sample instead of greedy decoding.
        **kwargs: Passed to ``model.generate`` (``temperature``, ``top_p``...).
    """
    was_training = model.training
    model.eval()
    ids = torch.tensor([_render(tokenizer, messages, add_generation_prompt=True)],
                       device=next(model.parameters()).device)
    end_id = tokenizer.convert_tokens_to_ids(CHAT_SPECIAL_TOKENS[1])
    eos = [i for i in {end_id, tokenizer.eos_token_id} if i is not None and i != tokenizer.unk_token_id]
    out = model.generate(input_ids=ids, attention_mask=torch.ones_like(ids), max_new_tokens=max_new_tokens,
                         do_sample=do_sample, eos_token_id=eos or None, pad_token_id=tokenizer.pad_token_id,
                         **kwargs)
    model.train(was_training)
    return tokenizer.decode(out[0, ids.shape[1]:], skip_special_tokens=True).strip()


def build_tiny_tokenizer(texts: Iterable[str], vocab_size: int = 2000) -> Any:
    """Train a small word-level tokenizer offline and give it the ChatML template.

    German words become single tokens (lower-cased, punctuation split off), words outside the
    ``vocab_size`` most frequent become ``<unk>``. Good for tests and benchmarks with a
    randomly initialised model; a real base model brings its own tokenizer.

    Args:
        texts: Training texts (include the instructions and answers).
        vocab_size: Maximum vocabulary size including special tokens.

    Returns:
        A ``transformers.PreTrainedTokenizerFast``.
    """
    from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    specials = ["<pad>", "<unk>", "<s>", "</s>", *CHAT_SPECIAL_TOKENS]
    tok = Tokenizer(models.WordLevel(unk_token="<unk>"))
    tok.normalizer = normalizers.Sequence([normalizers.NFC(), normalizers.Lowercase()])
    tok.pre_tokenizer = pre_tokenizers.Sequence([pre_tokenizers.WhitespaceSplit(), pre_tokenizers.Punctuation()])
    tok.decoder = decoders.WordPiece(prefix="##", cleanup=True)  # joins words with spaces
    # The role names appear in the rendered template, so they must be in the vocabulary.
    corpus = [*texts, "system user assistant"]
    tok.train_from_iterator(corpus, trainers.WordLevelTrainer(vocab_size=vocab_size, special_tokens=specials))
    fast = PreTrainedTokenizerFast(tokenizer_object=tok, pad_token="<pad>", unk_token="<unk>", bos_token="<s>",
                                   eos_token="</s>", additional_special_tokens=list(CHAT_SPECIAL_TOKENS))
    fast.chat_template = DEFAULT_CHAT_TEMPLATE
    return fast


def tiny_llama(vocab_size: int, hidden_size: int = 64, num_layers: int = 2, num_heads: int = 4,
               num_kv_heads: int = 2, intermediate_size: int | None = None, max_positions: int = 512,
               seed: int = 0, **config_kwargs: Any) -> Any:
    """A randomly initialised ``LlamaForCausalLM`` from a ``LlamaConfig`` (nothing downloaded).

    Args:
        vocab_size: Vocabulary size (``len(tokenizer)``).
        hidden_size: Model width.
        num_layers: Decoder layers.
        num_heads: Attention heads.
        num_kv_heads: Key/value heads (grouped-query attention as in Llama 2/3).
        intermediate_size: SwiGLU width; default ``8/3 * hidden_size`` rounded to 8 (Llama's rule).
        max_positions: Maximum sequence length (RoPE).
        seed: Seed of the random initialisation.
        **config_kwargs: More ``LlamaConfig`` fields.
    """
    from transformers import LlamaConfig, LlamaForCausalLM

    if intermediate_size is None:
        intermediate_size = int(math.ceil(8 * hidden_size / 3 / 8) * 8)
    cfg = LlamaConfig(vocab_size=vocab_size, hidden_size=hidden_size, intermediate_size=intermediate_size,
                      num_hidden_layers=num_layers, num_attention_heads=num_heads, num_key_value_heads=num_kv_heads,
                      max_position_embeddings=max_positions, tie_word_embeddings=False, **config_kwargs)
    torch.manual_seed(seed)
    model = LlamaForCausalLM(cfg)
    model.train()
    return model
