"""CPU benchmark: LoRA training throughput of the workbench vs a plain Hugging Face Trainer + peft.

Both runs train the same model (the embedded MiniLM, ``workbench.models.default_text_model_path``)
with the same LoRA configuration (r=8, alpha=16, dropout 0.05, the workbench's automatic targets),
on the same German clauses (``workbench.usecases.legal_de.data.generate_clauses``: train on the
training template families, score on the held-out test families), with the same batch size,
maximum sequence length, learning rate and number of epochs, in one process.

* **baseline**: ``transformers.Trainer`` with its defaults (random sampler, dynamic padding via
  ``DataCollatorWithPadding``, fp32, linear schedule), only ``lr``, batch size and epochs set.
* **workbench**: ``workbench.training.fit`` (Lightning underneath) with length-grouped batches
  (the core's ``SeededSampler``: mega-batches of 50 batches sorted by a length jittered by up to
  20 % each epoch; HF's ``LengthGroupedSampler`` scheme sorts by the exact length, which gave
  nearly the same batches every epoch here and cost accuracy) and bf16 autocast *when the CPU has native bf16*
  (AVX-512 BF16 or AMX, checked with ``torch.ops.mkldnn._is_mkldnn_bf16_supported``); on a CPU
  without it bf16 is emulated and slower, so fp32 is kept. ``--compile`` adds ``torch.compile``.

Where the gain comes from: with random batches, every batch is padded to its longest clause, so on
this data (median ~54 MiniLM tokens, capped at 128) about half of the computed positions are
padding; length grouping removes most of it. The framework itself is not faster (STACK_NOTES:
Lightning and Trainer ran at a ratio of 0.99).

Measurement: samples per second = training samples / wall time of the whole training call
(``Trainer.train()`` vs ``fit()``, data loading, optimiser and per-epoch checkpointing included; no
validation during training in either). Peak memory = peak resident set size of the process during
the call, sampled every 20 ms (CPU has no allocator peak counter), with the increase over the start.
Runs are ordered ABBA (baseline, workbench, workbench, baseline, ...) so that warm caches and
drift of a shared machine hit both sides equally. Accuracy and macro-F1 are measured on the
held-out test families with the same fp32 prediction code for both.

Run::

    python benchmarks/bench_training_cpu.py            # ~10-15 min on 2 shared cores (4 runs, ABBA)
    python benchmarks/bench_training_cpu.py --smoke    # 1-2 min on a quiet machine, for CI
    python benchmarks/bench_training_cpu.py --no-group --precision bf16-mixed   # ablations

The last line of output is one JSON object with both runs, the ratio and the settings.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import threading
import time
import warnings
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import psutil  # noqa: E402
import torch  # noqa: E402


# ----------------------------------------------------------------------------- measurement helpers
class RssSampler:
    """Peak resident set size of this process while the ``with`` block runs (sampled)."""

    def __init__(self, interval_s: float = 0.02):
        self.interval_s = interval_s
        self.proc = psutil.Process()
        self.start_mb = self.peak_mb = 0.0
        self._stop = threading.Event()

    def _run(self) -> None:
        while not self._stop.wait(self.interval_s):
            self.peak_mb = max(self.peak_mb, self.proc.memory_info().rss / 2**20)

    def __enter__(self) -> "RssSampler":
        self.start_mb = self.peak_mb = self.proc.memory_info().rss / 2**20
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._stop.set()
        self._thread.join()
        self.peak_mb = max(self.peak_mb, self.proc.memory_info().rss / 2**20)


def cpu_has_native_bf16() -> bool:
    """True when oneDNN has native bf16 kernels here (AVX-512 BF16 / AMX)."""
    try:
        return bool(torch.ops.mkldnn._is_mkldnn_bf16_supported())
    except (AttributeError, RuntimeError):  # pragma: no cover - older torch
        return False


def padding_stats(batches: list[torch.Tensor]) -> dict[str, float]:
    """Real and padded token counts over attention masks of one epoch."""
    real = sum(int(m.sum()) for m in batches)
    padded = sum(m.numel() for m in batches)
    return {"real_tokens": real, "padded_tokens": padded, "padding_efficiency": round(real / padded, 4)}


# ----------------------------------------------------------------------------- setup
def load_data(n_per_class: int, seed: int):
    """Generated German clauses: train families vs held-out test families."""
    from workbench.usecases.legal_de.data import generate_clauses

    df = generate_clauses(n_per_class=n_per_class, seed=seed)
    labels = sorted(df["label"].unique())
    ids = {lab: i for i, lab in enumerate(labels)}
    train = df[df["split"] != "test"].reset_index(drop=True)
    test = df[df["split"] == "test"].reset_index(drop=True)
    return (train["text"].tolist(), [ids[x] for x in train["label"]],
            test["text"].tolist(), [ids[x] for x in test["label"]], labels)


def build_peft_model(num_labels: int, seed: int):
    """MiniLM + a fresh head + LoRA, identical for both sides (same seed, same peft config)."""
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForSequenceClassification

    from workbench.lora import find_target_modules
    from workbench.models import default_text_model_path, quiet_transformers

    torch.manual_seed(seed)
    with quiet_transformers():
        model = AutoModelForSequenceClassification.from_pretrained(default_text_model_path(), num_labels=num_labels)
    cfg = LoraConfig(task_type="SEQ_CLS", r=8, lora_alpha=16, lora_dropout=0.05,
                     target_modules=find_target_modules(model))
    peft_model = get_peft_model(model, cfg)
    peft_model.train()  # from_pretrained returns eval mode (STACK_NOTES)
    return peft_model


def evaluate(model, tokenizer, texts, label_ids, max_length: int) -> dict[str, float]:
    """Accuracy and macro-F1 on held-out texts (fp32, same code for both sides)."""
    from sklearn.metrics import accuracy_score, f1_score

    from workbench.usecases.legal_de.task import predict_logits

    pred = predict_logits(model, texts, tokenizer, batch_size=64, max_length=max_length).argmax(-1)
    return {"accuracy": round(float(accuracy_score(label_ids, pred)), 4),
            "macro_f1": round(float(f1_score(label_ids, pred, average="macro")), 4)}


class _ListDataset(torch.utils.data.Dataset):
    def __init__(self, items: list[dict]):
        self.items = items

    def __len__(self) -> int:
        return len(self.items)

    def __getitem__(self, i: int) -> dict:
        return self.items[i]


# ----------------------------------------------------------------------------- the two runs
def run_baseline(args, tokenizer, data, workdir: Path, seed: int) -> dict[str, Any]:
    """Plain HF Trainer + peft, Trainer defaults, dynamic padding."""
    from transformers import DataCollatorWithPadding, Trainer, TrainingArguments

    train_x, train_y, test_x, test_y, labels = data
    enc = tokenizer(train_x, truncation=True, max_length=args.max_length)
    ds = _ListDataset([{"input_ids": ids, "labels": y} for ids, y in zip(enc["input_ids"], train_y)])
    model = build_peft_model(len(labels), seed)
    targs = TrainingArguments(output_dir=str(workdir / "hf"), per_device_train_batch_size=args.batch_size,
                              num_train_epochs=args.epochs, learning_rate=args.lr, save_strategy="no",
                              eval_strategy="no", report_to="none", disable_tqdm=True, use_cpu=True,
                              logging_strategy="no", seed=seed)
    trainer = Trainer(model=model, args=targs, train_dataset=ds, data_collator=DataCollatorWithPadding(tokenizer))
    pad = padding_stats([b["attention_mask"] for b in trainer.get_train_dataloader()])
    with RssSampler() as mem:
        t0 = time.perf_counter()
        trainer.train()
        seconds = time.perf_counter() - t0
    samples = len(ds) * args.epochs
    return {"seconds": round(seconds, 2), "samples": samples, "samples_per_s": round(samples / seconds, 2),
            "tokens_per_s": round(pad["real_tokens"] * args.epochs / seconds, 1),
            "peak_rss_mb": round(mem.peak_mb, 1), "rss_increase_mb": round(mem.peak_mb - mem.start_mb, 1),
            **pad, **evaluate(model, tokenizer, test_x, test_y, args.max_length)}


def run_workbench(args, tokenizer, data, workdir: Path, seed: int, precision: str) -> dict[str, Any]:
    """workbench.training.fit with length grouping, the chosen precision and optional compile."""
    from workbench.config import TrainArgs
    from workbench.training import fit
    from workbench.usecases.legal_de.task import SequenceClassificationTask, make_loader

    train_x, train_y, test_x, test_y, labels = data
    loader = make_loader(train_x, train_y, tokenizer, args.batch_size, max_length=args.max_length, shuffle=True,
                         group_by_length=not args.no_group, seed=seed)
    pad = padding_stats([b["attention_mask"] for b in loader])
    model = build_peft_model(len(labels), seed)
    # Same optimiser settings as the Trainer defaults (AdamW, weight decay 0, no warm-up); the
    # workbench's cosine schedule stays (a schedule does not change the cost of a step).
    targs = TrainArgs(max_epochs=args.epochs, batch_size=args.batch_size, lr=args.lr, weight_decay=0.0,
                      warmup_ratio=0.0, grad_clip=1.0, precision=precision, accelerator="cpu", devices=1,
                      group_by_length=not args.no_group, compile=args.compile, progress_bar=False, logger="none")
    with RssSampler() as mem, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t0 = time.perf_counter()
        res = fit(model, SequenceClassificationTask(len(labels)), loader, None, targs, workdir / f"wb-{seed}",
                  resume=False, seed=seed)
        seconds = time.perf_counter() - t0
    samples = res.samples
    return {"seconds": round(seconds, 2), "samples": samples, "samples_per_s": round(samples / seconds, 2),
            "tokens_per_s": round(pad["real_tokens"] * args.epochs / seconds, 1),
            "step_samples_per_s": round(res.samples_per_s, 2), "precision": res.precision,
            "peak_rss_mb": round(mem.peak_mb, 1), "rss_increase_mb": round(mem.peak_mb - mem.start_mb, 1),
            **pad, **evaluate(model, tokenizer, test_x, test_y, args.max_length)}


def _mean(runs: list[dict], key: str) -> float:
    return round(statistics.fmean(r[key] for r in runs), 4)


def main(argv: list[str] | None = None) -> dict[str, Any]:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--smoke", action="store_true", help="tiny and fast (CI)")
    p.add_argument("--n-per-class", type=int, default=None, help="generated clauses per class")
    p.add_argument("--epochs", type=int, default=3)
    p.add_argument("--batch-size", type=int, default=16)
    p.add_argument("--max-length", type=int, default=128)
    p.add_argument("--lr", type=float, default=2e-3)
    p.add_argument("--repeats", type=int, default=1, help="ABBA blocks of runs (4 runs each; smoke: 1 pair)")
    p.add_argument("--precision", default="auto",
                   help="workbench precision: auto (bf16-mixed on native-bf16 CPUs, else 32-true) or a Lightning value")
    p.add_argument("--no-group", action="store_true", help="ablation: switch length grouping off")
    p.add_argument("--compile", action="store_true", help="also torch.compile the model (slow to compile on 2 cores)")
    p.add_argument("--threads", type=int, default=None, help="torch threads (default: torch's choice)")
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args(argv)
    n_per_class = args.n_per_class or (24 if args.smoke else 60)
    if args.smoke:
        args.epochs = 1
    repeats = args.repeats
    if args.threads:
        torch.set_num_threads(args.threads)
    precision = args.precision
    if precision == "auto":
        precision = "bf16-mixed" if cpu_has_native_bf16() else "32-true"

    from transformers import AutoTokenizer

    from workbench.models import default_text_model_path

    tokenizer = AutoTokenizer.from_pretrained(default_text_model_path())
    data = load_data(n_per_class, seed=args.seed)
    print(f"data: {len(data[0])} train / {len(data[2])} test clauses, {len(data[4])} classes; "
          f"batch {args.batch_size}, max_length {args.max_length}, epochs {args.epochs}, "
          f"torch threads {torch.get_num_threads()}, native bf16: {cpu_has_native_bf16()}, "
          f"workbench precision: {precision}", flush=True)
    base_runs, wb_runs = [], []
    with tempfile.TemporaryDirectory(prefix="bench-cpu-") as tmp:
        # ABBA blocks: baseline, workbench, workbench, baseline (smoke: one pair).
        block = ["baseline", "workbench"] if args.smoke else ["baseline", "workbench", "workbench", "baseline"]
        for side in block * repeats:
                seed = args.seed + len(base_runs if side == "baseline" else wb_runs)
                if side == "baseline":
                    out = run_baseline(args, tokenizer, data, Path(tmp), seed)
                    base_runs.append(out)
                else:
                    out = run_workbench(args, tokenizer, data, Path(tmp), seed, precision)
                    wb_runs.append(out)
                print(f"{side:<10} seed {seed}: {out['samples_per_s']:7.2f} samples/s  "
                      f"{out['tokens_per_s']:8.1f} tokens/s  peak RSS {out['peak_rss_mb']:7.1f} MB  "
                      f"padding eff. {out['padding_efficiency']:.2f}  acc {out['accuracy']:.3f}  "
                      f"F1 {out['macro_f1']:.3f}", flush=True)
    summary = {}
    for name, runs in (("baseline", base_runs), ("workbench", wb_runs)):
        summary[name] = {k: _mean(runs, k) for k in ("samples_per_s", "tokens_per_s", "peak_rss_mb",
                                                     "rss_increase_mb", "padding_efficiency", "accuracy",
                                                     "macro_f1")}
        summary[name]["runs"] = runs
    ratio = summary["workbench"]["samples_per_s"] / summary["baseline"]["samples_per_s"]
    result = {
        "benchmark": "training_cpu",
        "metric": "samples_per_s",
        "ratio": round(ratio, 3),
        "goal_ratio": 1.3,
        "accuracy_delta": round(summary["workbench"]["accuracy"] - summary["baseline"]["accuracy"], 4),
        "macro_f1_delta": round(summary["workbench"]["macro_f1"] - summary["baseline"]["macro_f1"], 4),
        "baseline": summary["baseline"],
        "workbench": summary["workbench"],
        "settings": {"n_train": len(data[0]), "n_test": len(data[2]), "epochs": args.epochs,
                     "batch_size": args.batch_size, "max_length": args.max_length, "lr": args.lr,
                     "precision": precision, "group_by_length": not args.no_group, "compile": args.compile,
                     "threads": torch.get_num_threads(), "native_bf16": cpu_has_native_bf16(),
                     "cpu": platform.processor() or platform.machine(), "torch": torch.__version__,
                     "load_avg_1m": round(os.getloadavg()[0], 2), "smoke": args.smoke},
    }
    print(f"ratio workbench/baseline (samples/s): {ratio:.2f}x  "
          f"(accuracy {summary['workbench']['accuracy']:.3f} vs {summary['baseline']['accuracy']:.3f}, "
          f"macro-F1 {summary['workbench']['macro_f1']:.3f} vs {summary['baseline']['macro_f1']:.3f})")
    print(json.dumps(result, default=float))
    return result


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout without install
    main()
