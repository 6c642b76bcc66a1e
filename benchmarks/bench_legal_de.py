"""German clause classification: TF-IDF vs frozen base vs LoRA vs hybrid, cross-validated.

Data: the 601 real tenancy-law sentences (``../shared/data/german_legal_sentences``, 9 classes,
8 to 148 rows per class), or the shipped generated ``clauses_v2.jsonl`` with ``--generated``.
Per fold of a stratified k-fold: the training part is split again (stratified) into fit and
validation rows; validation picks the adapter's best epoch and the hybrid's blend weight; the
held-out fold is only scored. Besides the product's hybrid (``HybridClauseClassifier``) two
log-linear blends of the same member probabilities are scored (weight by validation log-loss,
fixed weight 0.5), to compare ways of combining without refitting anything. Reported per model: macro-F1 and the F1 of the smallest class,
mean ± sd over folds, and the ratio of macro-F1 to the TF-IDF baseline measured in the same run.
Timings on shared CPUs are upper bounds.

Usage::

    python benchmarks/bench_legal_de.py                   # 5 folds, 2 LoRA epochs (CPU: ~15-30 min)
    python benchmarks/bench_legal_de.py --folds 3 --epochs 1
    python benchmarks/bench_legal_de.py --smoke           # 2 folds on 120 sentences: plumbing only

The last line is one JSON object (``benchmarks/run_all.py`` collects it).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DATA = ROOT.parent / "shared" / "data" / "german_legal_sentences" / "mietrecht_sentences_9_classes.csv"
MODELS = (("tfidf", "TF-IDF + LR"), ("frozen", "frozen MiniLM + LR"), ("lora", "LoRA adapter"),
          ("hybrid_frozen", "TF-IDF x frozen (blend)"), ("hybrid", "hybrid: TF-IDF x LoRA (blend)"),
          ("hybrid_logloss", "TF-IDF x LoRA, log-linear, w by val log-loss"),
          ("hybrid_fixed", "TF-IDF x LoRA, log-linear, w = 0.5"),
          ("dapt_lora", "DAPT (masked-LM LoRA) + LoRA adapter"), ("dapt_hybrid", "TF-IDF x DAPT+LoRA (blend)"))


def _loglinear(p_a: np.ndarray, p_b: np.ndarray, w: float) -> np.ndarray:
    z = w * np.log(np.clip(p_a, 1e-6, 1)) + (1 - w) * np.log(np.clip(p_b, 1e-6, 1))
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def _logloss_weight(p_a: np.ndarray, p_b: np.ndarray, y: np.ndarray) -> float:
    """The weight of ``p_a`` in the log-linear blend with the lowest mean log-loss (smoother than macro-F1
    on a few dozen validation rows)."""
    grid = np.round(np.linspace(0, 1, 21), 2)
    loss = [-np.log(np.clip(_loglinear(p_a, p_b, w)[np.arange(len(y)), y], 1e-6, 1)).mean() for w in grid]
    return float(grid[int(np.argmin(loss))])


def _load(args):
    from workbench.usecases.legal_de.data import load_generated_sample, load_mietrecht

    if args.generated:
        df = load_generated_sample()[["text", "label"]]
        source = "generated clauses_v2.jsonl"
    else:
        if not DATA.is_file():
            return None, f"{DATA} not found"
        df, source = load_mietrecht(DATA), "tenancy-law sentences (real)"
    if args.max_rows and len(df) > args.max_rows:
        import pandas as pd

        # Stratified: every class keeps at least 6 rows (so folds and the validation split can be stratified).
        df = pd.concat([g.sample(min(len(g), max(6, round(len(g) * args.max_rows / len(df)))), random_state=0)
                        for _, g in df.groupby("label")])
    return df.reset_index(drop=True), source


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--epochs", type=int, default=2, help="LoRA epochs per fold")
    ap.add_argument("--max-length", type=int, default=96)
    ap.add_argument("--val-fraction", type=float, default=0.15)
    ap.add_argument("--max-rows", type=int, default=None)
    ap.add_argument("--generated", action="store_true", help="the shipped generated clauses instead")
    ap.add_argument("--no-lora", action="store_true", help="skip the LoRA and hybrid rows (fast)")
    ap.add_argument("--smoke", action="store_true", help="2 folds, 120 rows, 1 epoch")
    ap.add_argument("--dapt-steps", type=int, default=0,
                    help="also score LoRA after this many masked-LM domain-adaptation steps on the fit rows (0: skip)")
    ap.add_argument("--threads", type=int, default=int(os.environ.get("OMP_NUM_THREADS", "2")))
    args = ap.parse_args(argv)
    if args.smoke:
        args.folds, args.epochs, args.max_rows = 2, 1, args.max_rows or 120
        args.dapt_steps = min(args.dapt_steps, 5)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import torch
    from sklearn.model_selection import StratifiedKFold, train_test_split

    from workbench.config import TrainArgs
    from workbench.usecases.legal_de.baselines import TfidfBaseline
    from workbench.usecases.legal_de.hybrid import HybridClauseClassifier, StoredTfidf, align, blend, choose_weight
    from workbench.usecases.legal_de.model import FrozenBaseClassifier, LegalClauseClassifier
    from workbench.usecases.legal_de.task import classification_metrics

    torch.set_num_threads(args.threads)
    df, source = _load(args)
    if df is None:
        out = {"benchmark": "legal_de", "skipped": source}
        print(json.dumps(out))
        return out
    smallest = df["label"].value_counts().idxmin()
    labels = sorted(df["label"].unique())
    scores: dict[str, list[dict]] = {k: [] for k, _ in MODELS}
    seconds: dict[str, float] = {k: 0.0 for k, _ in MODELS}
    weights = {"hybrid": [], "hybrid_frozen": [], "hybrid_logloss": [], "dapt_hybrid": []}
    n_splits = min(args.folds, int(df["label"].value_counts().min()))
    folds = StratifiedKFold(n_splits=n_splits, shuffle=True, random_state=0)
    for fold, (tr, te) in enumerate(folds.split(df["text"], df["label"])):
        train_all, test = df.iloc[tr], df.iloc[te]
        fit_rows, val = train_test_split(train_all, test_size=args.val_fraction, stratify=train_all["label"],
                                         random_state=fold)
        truth = test["label"].tolist()
        index = {x: i for i, x in enumerate(labels)}
        y_val = val["label"].map(index).to_numpy()

        def score(key: str, proba: np.ndarray, cols: list[str]) -> None:
            pred = [cols[i] for i in proba.argmax(axis=1)]
            m = classification_metrics(truth, pred, labels)
            scores[key].append({"macro_f1": m["macro_f1"], "minority_f1": m["per_class"][smallest]["f1"] or 0.0})

        t = time.perf_counter()
        tfidf = TfidfBaseline().fit(fit_rows)
        stored = StoredTfidf.from_baseline(tfidf)
        p_t_val = align(stored.predict_proba(val["text"].tolist()), stored.classes, labels)
        p_t = align(stored.predict_proba(test["text"].tolist()), stored.classes, labels)
        seconds["tfidf"] += time.perf_counter() - t
        score("tfidf", p_t, labels)
        t = time.perf_counter()
        frozen = FrozenBaseClassifier(max_length=args.max_length).fit(fit_rows, labels)
        p_f_val, p_f = frozen.predict_proba(val["text"].tolist()), frozen.predict_proba(test["text"].tolist())
        seconds["frozen"] += time.perf_counter() - t
        score("frozen", p_f, labels)
        w, _ = choose_weight(p_t_val, p_f_val, y_val)
        weights["hybrid_frozen"].append(w)
        score("hybrid_frozen", blend(p_t, p_f, w), labels)
        if not args.no_lora:
            t = time.perf_counter()
            adapter = LegalClauseClassifier(train=TrainArgs(max_epochs=args.epochs, lr=1e-3, batch_size=16,
                                                            progress_bar=False),
                                            max_length=args.max_length)
            hyb = HybridClauseClassifier(adapter).fit(fit_rows, val, tfidf=tfidf, probe=frozen)
            seconds["lora"] += time.perf_counter() - t
            p_t_h, p_a = hyb.components(test["text"].tolist())
            score("lora", align(p_a, hyb.labels_, labels), labels)
            score("hybrid", align(blend(p_t_h, p_a, hyb.weight_), hyb.labels_, labels), labels)
            weights["hybrid"].append(hyb.weight_)
            p_t_hv, p_a_v = hyb.components(val["text"].tolist())
            y_v = val["label"].map({x: i for i, x in enumerate(hyb.labels_)}).to_numpy()
            w_ll = _logloss_weight(p_t_hv, p_a_v, y_v)
            weights["hybrid_logloss"].append(w_ll)
            score("hybrid_logloss", align(_loglinear(p_t_h, p_a, w_ll), hyb.labels_, labels), labels)
            score("hybrid_fixed", align(_loglinear(p_t_h, p_a, 0.5), hyb.labels_, labels), labels)
        if not args.no_lora and args.dapt_steps:
            # Same fold, fit rows, seed and validation rule; only the masked-LM step (fit texts only) differs.
            t = time.perf_counter()
            adapter = LegalClauseClassifier(train=TrainArgs(max_epochs=args.epochs, lr=1e-3, batch_size=16,
                                                            progress_bar=False),
                                            max_length=args.max_length, domain_adaptation=True,
                                            dapt_steps=args.dapt_steps)
            hyb = HybridClauseClassifier(adapter).fit(fit_rows, val, tfidf=tfidf)
            seconds["dapt_lora"] += time.perf_counter() - t
            p_t_h, p_a = hyb.components(test["text"].tolist())
            score("dapt_lora", align(p_a, hyb.labels_, labels), labels)
            score("dapt_hybrid", align(blend(p_t_h, p_a, hyb.weight_), hyb.labels_, labels), labels)
            weights["dapt_hybrid"].append(hyb.weight_)
            info = adapter.dapt_info_
            print(f"  DAPT fold {fold + 1}: MLM loss {info['loss_first']:.2f} -> {info['loss_last']:.2f} "
                  f"in {info['seconds']:.0f} s", flush=True)
        row = {k: round(v[-1]["macro_f1"], 3) for k, v in scores.items() if v}
        print(f"fold {fold + 1}/{n_splits}: macro-F1 {row}  blend weights "
              f"{ {k: v[-1] for k, v in weights.items() if v} }", flush=True)

    base = np.mean([s["macro_f1"] for s in scores["tfidf"]])
    table = {}
    print(f"\n{source}: {len(df)} rows, {len(labels)} classes, smallest '{smallest}' "
          f"({int((df['label'] == smallest).sum())} rows); {n_splits}-fold CV, LoRA {args.epochs} epoch(s)")
    print(f"{'model':46s} {'macro-F1 mean±sd':>18s} {'vs TF-IDF':>9s} {'F1 ' + smallest:>20s}")
    for key, name in MODELS:
        if not scores[key]:
            continue
        f1 = np.array([s["macro_f1"] for s in scores[key]])
        mf = np.array([s["minority_f1"] for s in scores[key]])
        table[key] = {"macro_f1_mean": round(float(f1.mean()), 4), "macro_f1_sd": round(float(f1.std(ddof=1)), 4)
                      if len(f1) > 1 else 0.0, "ratio_vs_tfidf": round(float(f1.mean() / base), 4),
                      "minority_f1_mean": round(float(mf.mean()), 4)}
        print(f"{name:46s} {f1.mean():8.3f} ± {table[key]['macro_f1_sd']:.3f} {f1.mean() / base:9.3f} "
              f"{mf.mean():20.3f}")
    per_fold = {k: [round(s["macro_f1"], 4) for s in v] for k, v in scores.items() if v}
    print("per fold macro-F1:", per_fold)
    out = {"benchmark": "legal_de", "per_fold_macro_f1": per_fold, "dapt_steps": args.dapt_steps, "data": source, "rows": len(df), "folds": n_splits, "lora_epochs": args.epochs,
           "max_length": args.max_length, "smoke": args.smoke, "threads": args.threads, "models": table,
           "blend_weights": weights, "seconds": {k: round(v, 1) for k, v in seconds.items()},
           "hybrid_gain_points": round(100 * (table.get("hybrid", table["hybrid_frozen"])["macro_f1_mean"] - base), 2)}
    print(json.dumps(out))
    return out


if __name__ == "__main__":
    main()
