"""Benchmark of the German PII pseudonymiser: seconds and characters/s for growing inputs.

Issue 13 found quadratic run time (1 MB took 78 s, 5 MB did not finish in 10 minutes). This
benchmark builds documents of the given sizes by repeating the shipped dev split of
``datasets/pii_de`` (fictitious letters, contracts and court documents, dense with personal data,
so the rules have the most to do), pseudonymises each once, and reports the time per size and
the *scaling ratio*: time(largest) / time(smallest) divided by the size ratio. Linear time gives
a ratio near 1 (the baseline measured in the same run is the smallest size); quadratic time gives
the size ratio itself (5 for 1 MB -> 5 MB).

The last line of stdout is one JSON object. Usage::

    python benchmarks/bench_pii.py                  # 1 MB and 5 MB (the issue's sizes)
    python benchmarks/bench_pii.py --smoke          # 100 kB and 200 kB (seconds)
    python benchmarks/bench_pii.py --sizes 0.5,1,2  # sizes in MB
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def build_text(n_chars: int) -> str:
    """The dev split's documents, repeated and cut to ``n_chars`` characters."""
    from workbench.governance.pii_eval import load_pii_de

    unit = "\n\n".join(d.text for d in load_pii_de("dev"))
    return ((unit + "\n\n") * (n_chars // (len(unit) + 2) + 1))[:n_chars]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", default="1,5", help="comma-separated input sizes in MB (10^6 characters)")
    ap.add_argument("--smoke", action="store_true", help="100 kB and 200 kB: checks the plumbing")
    args = ap.parse_args(argv)
    from workbench.governance.pii import Pseudonymiser

    sizes = [0.1, 0.2] if args.smoke else [float(x) for x in args.sizes.split(",")]
    pseudo = Pseudonymiser(seed=0)
    rows = []
    for size in sizes:
        text = build_text(int(size * 1e6))
        started = time.perf_counter()
        _, mapping = pseudo.pseudonymise(text)
        seconds = time.perf_counter() - started
        rows.append({"mb": size, "seconds": round(seconds, 2), "chars_per_s": round(len(text) / seconds),
                     "replaced": len(mapping)})
        print(f"{size:>5.1f} MB: {seconds:7.1f} s ({len(text) / seconds / 1e3:,.0f} k chars/s)", flush=True)
    first, last = rows[0], rows[-1]
    scaling = (last["seconds"] / first["seconds"]) / (last["mb"] / first["mb"]) if len(rows) > 1 else 1.0
    print(f"scaling ratio {scaling:.2f} (1.0 = linear, {last['mb'] / first['mb']:.0f} = quadratic)")
    print(json.dumps({"benchmark": "pii", "sizes": rows, "baseline": f"{first['mb']} MB in the same run",
                      "ratio_vs_baseline": round(scaling, 3), "seconds_largest": last["seconds"]}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
