"""Benchmark of the German PII pseudonymiser: seconds and characters/s for growing inputs.

Issue 13 found quadratic run time (1 MB took 78 s, 5 MB did not finish in 10 minutes). This
benchmark builds documents of the given sizes by repeating the shipped dev split of
``datasets/pii_de`` (fictitious letters, contracts and court documents, dense with personal data,
so the rules have the most to do), pseudonymises each once, and reports the time per size and
the *scaling ratio*: time(largest) / time(smallest) divided by the size ratio. Linear time gives
a ratio near 1 (the baseline measured in the same run is the smallest size); quadratic time gives
the size ratio itself (5 for 1 MB -> 5 MB).

Each size runs twice: rules only and rules + the shipped learned tagger (the default); the JSON
also gives the tagger's cost as ``tagger_ratio`` = time(rules + tagger) / time(rules only) at the
largest size. ``--source generated`` builds the input from held-out generated documents
(:mod:`pii_docs`), where hardly any line repeats, so the tagger's cache of identical windows
does not help; the dev split repeats every few kilobytes.

The last line of stdout is one JSON object. Usage::

    python benchmarks/bench_pii.py                  # 1 MB and 5 MB (the issue's sizes)
    python benchmarks/bench_pii.py --smoke          # 100 kB and 200 kB (seconds)
    python benchmarks/bench_pii.py --sizes 0.5,1,2  # sizes in MB
    python benchmarks/bench_pii.py --source generated --sizes 1,5
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def build_text(n_chars: int, source: str = "dev") -> str:
    """The dev split's (or generated documents'), repeated and cut to ``n_chars`` characters."""
    from workbench.governance.pii_eval import load_pii_de

    if source == "generated":
        unit, seed = "", 777
        while len(unit) < n_chars:  # fresh documents until the size is reached: no repetition
            unit += "\n\n".join(d.text for d in heldout_documents_seeded(2000, seed)) + "\n\n"
            seed += 1
        return unit[:n_chars]
    unit = "\n\n".join(d.text for d in load_pii_de("dev"))
    return ((unit + "\n\n") * (n_chars // (len(unit) + 2) + 1))[:n_chars]


def heldout_documents_seeded(n: int, seed: int):
    from workbench.governance.pii_docs import generate_documents, load_lists, split_lists

    return generate_documents(n, seed=seed, lists=split_lists(load_lists())[1])


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", default="1,5", help="comma-separated input sizes in MB (10^6 characters)")
    ap.add_argument("--smoke", action="store_true", help="100 kB and 200 kB: checks the plumbing")
    ap.add_argument("--source", choices=("dev", "generated"), default="dev", help="where the text comes from")
    ap.add_argument("--rules-only", action="store_true", help="skip the rules + tagger runs")
    args = ap.parse_args(argv)
    from workbench.governance.pii import Pseudonymiser

    sizes = [0.1, 0.2] if args.smoke else [float(x) for x in args.sizes.split(",")]
    variants = {"rules": Pseudonymiser(seed=0, use_tagger=False)}
    if not args.rules_only:
        variants["rules+tagger"] = Pseudonymiser(seed=0)
        variants["rules+tagger"].tagger_  # load once, outside the timing
    rows, tagged = [], []
    for size in sizes:
        text = build_text(int(size * 1e6), args.source)
        for name, pseudo in variants.items():
            started = time.perf_counter()
            _, mapping = pseudo.pseudonymise(text)
            seconds = time.perf_counter() - started
            row = {"mb": size, "variant": name, "seconds": round(seconds, 2), "chars_per_s": round(len(text) / seconds),
                   "replaced": len(mapping)}
            (rows if name == "rules" else tagged).append(row)
            print(f"{size:>5.1f} MB {name:>12}: {seconds:7.1f} s ({len(text) / seconds / 1e3:,.0f} k chars/s, "
                  f"{len(mapping)} distinct strings replaced)", flush=True)
    first, last = rows[0], rows[-1]
    scaling = (last["seconds"] / first["seconds"]) / (last["mb"] / first["mb"]) if len(rows) > 1 else 1.0
    print(f"scaling ratio {scaling:.2f} (1.0 = linear, {last['mb'] / first['mb']:.0f} = quadratic)")
    tagger_ratio = tagged[-1]["seconds"] / last["seconds"] if tagged else None
    if tagged:
        print(f"rules + tagger at {last['mb']} MB: {tagged[-1]['seconds']:.1f} s, {tagger_ratio:.2f}x rules only")
    print(json.dumps({"benchmark": "pii", "source": args.source, "sizes": rows, "tagged": tagged,
                      "baseline": f"{first['mb']} MB rules only in the same run",
                      "ratio_vs_baseline": round(scaling, 3), "seconds_largest": last["seconds"],
                      "tagger_seconds_largest": tagged[-1]["seconds"] if tagged else None,
                      "tagger_ratio": round(tagger_ratio, 3) if tagger_ratio else None}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
