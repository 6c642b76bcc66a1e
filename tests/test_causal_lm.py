"""Tests for workbench.causal_lm: prompt masking, collation, instruction tuning a tiny Llama offline."""

from __future__ import annotations

import warnings

import pytest
import torch

from workbench.causal_lm import (
    IGNORE_INDEX,
    CausalLMCollator,
    CausalLMTask,
    ChatDataset,
    ChatFormatError,
    build_tiny_tokenizer,
    encode_chat,
    ensure_chat_template,
    generate,
    tiny_llama,
    to_messages,
)


pytestmark = pytest.mark.usefixtures("one_thread")  # see tests/conftest.py


PAIRS = [
    ("Welcher Klauseltyp ist das? Der Vermieter haftet nur für Vorsatz und grobe Fahrlässigkeit.", "Haftung."),
    ("Welcher Klauseltyp ist das? Das Mietverhältnis kann mit einer Frist von drei Monaten gekündigt werden.",
     "Kündigung."),
    ("Welcher Klauseltyp ist das? Die Miete ist monatlich im Voraus zu zahlen.", "Vergütung."),
    ("Welcher Klauseltyp ist das? Gerichtsstand für alle Streitigkeiten ist München.", "Gerichtsstand."),
]


@pytest.fixture(scope="module")
def chats():
    return [to_messages(q, a) for q, a in PAIRS]


@pytest.fixture(scope="module")
def tok(chats):
    return build_tiny_tokenizer([m["content"] for c in chats for m in c])


def test_only_answer_tokens_carry_labels(tok, chats):
    enc = encode_chat(tok, chats[0])
    assert len(enc["input_ids"]) == len(enc["labels"])
    supervised = [t for t, lab in zip(enc["input_ids"], enc["labels"]) if lab != IGNORE_INDEX]
    assert tok.convert_ids_to_tokens(supervised) == ["haftung", ".", "<|im_end|>"]
    # Labels equal the input ids where supervised (HF shifts them inside the loss).
    assert all(lab in (IGNORE_INDEX, t) for t, lab in zip(enc["input_ids"], enc["labels"]))
    # The prompt (system + user + markup) is the masked prefix.
    first = next(i for i, lab in enumerate(enc["labels"]) if lab != IGNORE_INDEX)
    prompt = tok.apply_chat_template(chats[0][:-1], tokenize=True, add_generation_prompt=True)
    prompt = prompt["input_ids"] if hasattr(prompt, "keys") else prompt
    assert first == len(prompt)
    assert "<unk>" not in tok.convert_ids_to_tokens(enc["input_ids"][:first])[:4]


def test_multi_turn_supervises_every_assistant_turn(tok):
    msgs = [{"role": "user", "content": "Gerichtsstand ist München."},
            {"role": "assistant", "content": "Gerichtsstand."},
            {"role": "user", "content": "Die Miete ist monatlich zu zahlen."},
            {"role": "assistant", "content": "Vergütung."}]
    enc = encode_chat(tok, msgs)
    supervised = tok.convert_ids_to_tokens([t for t, lab in zip(enc["input_ids"], enc["labels"]) if lab != -100])
    assert supervised == ["gerichtsstand", ".", "<|im_end|>", "vergütung", ".", "<|im_end|>"]


def test_bad_conversations_are_named(tok):
    with pytest.raises(ChatFormatError, match="example 3: no assistant message"):
        encode_chat(tok, [{"role": "user", "content": "Hallo"}], index=3)
    with pytest.raises(ChatFormatError, match="message 0: role must be"):
        encode_chat(tok, [{"role": "bot", "content": "x"}])
    with pytest.raises(ChatFormatError, match="empty content"):
        encode_chat(tok, [{"role": "user", "content": " "}, {"role": "assistant", "content": "a"}])
    with pytest.raises(ChatFormatError, match="max_length=5"):
        encode_chat(tok, to_messages(*PAIRS[0]), max_length=5)


def test_collator_pads_labels_with_ignore_index(tok, chats):
    ds = ChatDataset(chats, tok, max_length=128)
    batch = CausalLMCollator(tok.pad_token_id, pad_to_multiple_of=8)([ds[0], ds[2]])
    assert batch["input_ids"].shape == batch["labels"].shape == batch["attention_mask"].shape
    assert batch["input_ids"].shape[1] % 8 == 0
    short = min(ds.lengths[0], ds.lengths[2])
    row = 0 if ds.lengths[0] == short else 1
    assert (batch["labels"][row, short:] == IGNORE_INDEX).all()
    assert (batch["input_ids"][row, short:] == tok.pad_token_id).all()
    assert batch["attention_mask"][row].sum() == short


def test_task_loss_matches_hf_shifted_loss(tok, chats):
    model = tiny_llama(len(tok), pad_token_id=tok.pad_token_id)
    batch = CausalLMCollator(tok.pad_token_id)([ChatDataset(chats, tok)[i] for i in range(4)])
    model.train()
    train_out = CausalLMTask().step(model, batch)
    assert train_out.preds is None  # training reads only the loss: no argmax over the logits
    model.eval()
    out = CausalLMTask().step(model, batch)
    assert train_out.loss.item() == pytest.approx(out.loss.item(), rel=1e-5)  # Llama has no dropout
    ref = model(**batch).loss  # HF shifts labels and ignores -100 itself
    assert out.loss.item() == pytest.approx(ref.item(), rel=1e-5)
    nll, n, _ = out.preds[0].tolist()
    assert n == sum((lab != -100).sum().item() for lab in batch["labels"][:, 1:])
    assert CausalLMTask().epoch_metrics(out.preds, out.target)["perplexity"] == pytest.approx(
        torch.exp(ref).item(), rel=1e-4)


def test_instruction_tuning_tiny_llama_learns_the_answers(tok, chats, tmp_path):
    from workbench.config import LoraArgs, TrainArgs
    from workbench.lora import apply_lora, count_parameters
    from workbench.training import fit, make_loader

    model = tiny_llama(len(tok), hidden_size=64, pad_token_id=tok.pad_token_id, eos_token_id=tok.eos_token_id)
    # A random, frozen output head behind a final RMSNorm bounds the logits, so the loss could
    # barely fall; a pretrained base does not have that problem. Training the (tiny) head too is
    # what one also does after adding chat tokens (ensure_chat_template).
    peft_model = apply_lora(model, LoraArgs(r=8, alpha=16, dropout=0.0, target_modules="all-linear",
                                            modules_to_save=["lm_head"]), task_type="CAUSAL_LM")
    assert count_parameters(peft_model).trainable < count_parameters(peft_model).total / 4
    # Ten copies per epoch: few epochs of several steps keep Lightning's per-epoch cost low.
    ds = ChatDataset(chats * 10, tok)
    loader = make_loader(ds, 8, CausalLMCollator(tok.pad_token_id), lengths=ds.lengths)
    val = make_loader(ChatDataset(chats, tok), 4, CausalLMCollator(tok.pad_token_id), shuffle=False)
    before = [generate(peft_model, tok, c[:-1], max_new_tokens=4) for c in chats]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = fit(peft_model, CausalLMTask(), loader, val,
                  TrainArgs(max_epochs=12, lr=1e-2, warmup_ratio=0.0, progress_bar=False), tmp_path, resume=False)
    hist = res.history
    assert hist["val_loss"].iloc[-1] < hist["val_loss"].iloc[0] - 0.5
    assert hist["val_token_accuracy"].iloc[-1] >= 0.9
    answers = [generate(peft_model, tok, c[:-1], max_new_tokens=4) for c in chats]
    assert answers == [a.lower() for _, a in PAIRS]
    assert answers != before


def test_ensure_chat_template_adds_markup_to_plain_tokenizer(tok):
    import copy

    plain = copy.deepcopy(tok)
    plain.chat_template = None
    ensure_chat_template(plain)
    assert plain.chat_template and plain.pad_token is not None
    assert encode_chat(plain, to_messages(*PAIRS[1]))["labels"].count(IGNORE_INDEX) > 5
