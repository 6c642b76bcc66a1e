"""German legal NER: CRF vs LoRA tagger trained on generated sentences, scored on real LER sentences.

Training data: the workbench's own LER-style generator (``legal_ner.data.generate``), fine tags
(19 classes). Evaluation only: the development split of the German LER corpus
(``../shared/data/german_ler/ler_dev.conll``; licensed for evaluation here, never trained on).
Both models are scored with seqeval-equal entity F1, fine (19) and coarse (7, predictions and
gold mapped), micro, macro and per class, and as ratios to the CRF measured in the same run.
The gap between generated and real sentences is the point: it shows how far templates carry.
Timings on shared CPUs are upper bounds.

Measured (2,000 generated sentences, seed 0, all 6,666 LER dev sentences, 1 thread, shared CPUs;
``docs/legal_ner.md`` has the per-class numbers): the 27-frame generator of the first release gave
the CRF coarse micro-F1 0.277 (macro 0.177), fine 0.239; the citation-convention generator
(``legal_ner/generator.py``) gives coarse micro-F1 0.536 (macro 0.412), fine 0.523 (macro 0.284);
generator seed 1: coarse 0.542 (macro 0.407). LoRA (lr 1e-3, 2 epochs): coarse micro-F1 0.074 before,
0.257 after (macro 0.148), 0.48 of the CRF in the same run; with case marks 0.285; with the use case's
recipe from docs/legal_ner.md, "A recipe that fits" (batch 8, lr 2e-3, 10 epochs, Viterbi decoding; 2 threads, fit 11.8 min)
0.361 (macro 0.344), 0.67 of the CRF.

Usage::

    python benchmarks/bench_legal_ner.py                  # 2,000 generated sentences, the use case's recipe, all 6,666 LER sentences
    python benchmarks/bench_legal_ner.py --smoke          # 200 sentences, 1 epoch, 300 LER sentences
    python benchmarks/bench_legal_ner.py --models crf     # the CRF only (about a minute)

The last line is one JSON object (``benchmarks/run_all.py`` collects it).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
LER = ROOT.parent / "shared" / "data" / "german_ler" / "ler_dev.conll"


def _scores(gold, pred):
    from workbench.conll import entity_scores
    from workbench.usecases.legal_ner.data import to_coarse

    fine = entity_scores([t for _, t in gold], pred)
    coarse = entity_scores([to_coarse(s)[1] for s in gold], [to_coarse(([], p))[1] for p in pred])
    slim = lambda s: {"micro_f1": round(s["micro_f1"], 4), "macro_f1": round(s["macro_f1"], 4),  # noqa: E731
                      "per_class": {k: round(v["f1"], 4) for k, v in sorted(s["per_class"].items())}}
    return {"fine": slim(fine), "coarse": slim(coarse)}


def main() -> None:
    from workbench.conll import DECODINGS

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n-train", type=int, default=2000, help="generated training sentences")
    ap.add_argument("--seed", type=int, default=0, help="generator seed (another seed shows the spread)")
    # Default: the use case's recipe (legal_ner.config.default_config: epochs, batch size, lr).
    ap.add_argument("--epochs", type=int, default=None, help="LoRA epochs (default: the use case's)")
    ap.add_argument("--lr", type=float, default=None, help="LoRA learning rate (default: the use case's)")
    ap.add_argument("--batch-size", type=int, default=None, help="LoRA batch size (default: the use case's)")
    ap.add_argument("--decoding", default="viterbi", choices=DECODINGS,
                    help="how the LoRA tagger's word probabilities become tags")
    ap.add_argument("--max-eval", type=int, default=None, help="score only the first N LER sentences")
    ap.add_argument("--max-length", type=int, default=128)
    ap.add_argument("--threads", type=int, default=int(os.environ.get("OMP_NUM_THREADS", "2")))
    ap.add_argument("--smoke", action="store_true", help="200 sentences, 1 epoch, 300 LER sentences")
    ap.add_argument("--case-marks", default="auto", choices=("auto", "true", "false"),
                    help="mark capitalised words for the LoRA tagger (auto: when the base lowercases)")
    ap.add_argument("--models", default="crf,lora", help="comma-separated subset of crf,lora (the CRF is minutes, LoRA longer)")
    args = ap.parse_args()
    from workbench.usecases.legal_ner.config import default_config

    recipe = default_config().train
    args.epochs = args.epochs or recipe.max_epochs
    args.lr = args.lr or recipe.lr
    args.batch_size = args.batch_size or recipe.batch_size
    if args.smoke:
        args.n_train, args.epochs, args.max_eval, args.max_length = 200, 1, 300, 64
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import torch

    torch.set_num_threads(args.threads)
    from workbench.config import LoraArgs, TrainArgs
    from workbench.conll import read_conll
    from workbench.token_classification import TokenTagger
    from workbench.usecases.legal_ner.baselines import CrfTagger
    from workbench.usecases.legal_ner.data import generate
    from workbench.usecases.legal_ner.task import labels_for

    if not LER.is_file():
        print(json.dumps({"benchmark": "legal_ner", "skipped": f"{LER} not found"}))
        return
    gold = read_conll(LER)[: args.max_eval]
    sents = generate(args.n_train + args.n_train // 10, seed=args.seed)
    train, val = sents[: args.n_train], sents[args.n_train:]
    words = [w for w, _ in gold]
    out = {"benchmark": "legal_ner", "train": f"generated, {len(train)} sentences (+{len(val)} val), fine tags, seed {args.seed}",
           "eval": f"{LER.name}, {len(gold)} sentences (evaluation only)", "epochs": args.epochs, "lr": args.lr, "batch_size": args.batch_size,
           "decoding": args.decoding, "case_marks": args.case_marks,
           "max_length": args.max_length, "threads": args.threads, "smoke": args.smoke, "models": {}}
    t0 = time.perf_counter()
    crf = CrfTagger().fit(train)
    t_fit = time.perf_counter() - t0
    t0 = time.perf_counter()
    pred = crf.predict(words)
    out["models"]["crf"] = {**_scores(gold, pred), "fit_s": round(t_fit, 1), "predict_s": round(time.perf_counter() - t0, 1)}
    print("crf", json.dumps(out["models"]["crf"]), flush=True)
    if "lora" not in args.models.split(","):
        print(json.dumps(out))
        return
    t0 = time.perf_counter()
    tagger = TokenTagger(labels=labels_for("fine"), lora=LoraArgs(r=8, alpha=16, dropout=0.05),
                         train=TrainArgs(max_epochs=args.epochs, batch_size=args.batch_size, lr=args.lr,
                                         progress_bar=False),
                         max_length=args.max_length, stride=min(32, args.max_length // 4),
                         case_marks={"auto": "auto", "true": True, "false": False}[args.case_marks],
                         decoding=args.decoding).fit(train, val)
    t_fit = time.perf_counter() - t0
    t0 = time.perf_counter()
    pred = tagger.predict(words)
    out["models"]["lora"] = {**_scores(gold, pred), "fit_s": round(t_fit, 1), "predict_s": round(time.perf_counter() - t0, 1)}
    print("lora", json.dumps(out["models"]["lora"]), flush=True)
    crf_s = out["models"]["crf"]
    out["ratio_vs_crf"] = {tagset: {m: round(out["models"]["lora"][tagset][m] / crf_s[tagset][m], 3)
                                    if crf_s[tagset][m] else None for m in ("micro_f1", "macro_f1")}
                           for tagset in ("fine", "coarse")}
    print(json.dumps(out))


if __name__ == "__main__":
    main()
