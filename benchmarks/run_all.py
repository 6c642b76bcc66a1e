"""Run every ``benchmarks/bench_*.py`` and collect their results (``make bench``).

Each benchmark runs in its own Python process (peak-memory figures stay separate, and a crash in
one does not stop the others) and prints one JSON object on its last line; this runner parses
that line, prints a summary table of the ratios against each baseline, writes all results to
``runs/benchmarks/latest.json`` (atomically, with the host, torch version and time) and
prints the combined JSON object as its own last line.

Usage::

    python -m benchmarks                      # all benchmarks, full size
    python -m benchmarks --smoke              # tiny sizes (CI)
    python -m benchmarks --only training_cpu  # one benchmark (name without bench_ and .py)
    python -m benchmarks -- --repeats 2       # extra arguments go to every benchmark

A benchmark that needs hardware that is absent (the GPU benchmark without CUDA) reports
``"skipped"`` with the reason; that is not a failure. A benchmark that exits non-zero or prints no
JSON is a failure, and the exit code is 1.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


def discover(only: list[str] | None = None) -> list[Path]:
    """The benchmark scripts, sorted by name, optionally filtered by short name."""
    scripts = sorted(HERE.glob("bench_*.py"))
    if only:
        names = {s.stem.removeprefix("bench_"): s for s in scripts}
        unknown = [o for o in only if o not in names]
        if unknown:
            raise SystemExit(f"unknown benchmark(s) {unknown}; available: {sorted(names)}")
        scripts = [names[o] for o in only]
    return scripts


def last_json(text: str) -> dict[str, Any] | None:
    """The JSON object on the last non-empty line of ``text`` (``None`` if there is none)."""
    for line in reversed(text.strip().splitlines()):
        line = line.strip()
        if not line:
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError:
            return None
        return obj if isinstance(obj, dict) else None
    return None


def run_one(script: Path, extra: list[str], timeout_s: float | None) -> dict[str, Any]:
    """Run one benchmark script; return its JSON plus exit code and wall time."""
    env = dict(os.environ, HF_HUB_OFFLINE="1", PYTHONPATH=os.pathsep.join(
        [str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])]))
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, str(script), *extra], cwd=ROOT, env=env, text=True,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=timeout_s)
    seconds = time.perf_counter() - t0
    sys.stdout.write(proc.stdout if proc.returncode else "\n".join(proc.stdout.splitlines()[:-1]) + "\n")
    result = last_json(proc.stdout) or {}
    return {"script": script.name, "returncode": proc.returncode, "wall_s": round(seconds, 1),
            "ok": proc.returncode == 0 and bool(result), **({"result": result} if result else {})}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description="run the workbench benchmarks")
    p.add_argument("--smoke", action="store_true", help="pass --smoke to the benchmarks that support it")
    p.add_argument("--only", nargs="*", help="short names, e.g. training_cpu gpu_llama")
    p.add_argument("--timeout", type=float, default=None, help="seconds per benchmark")
    p.add_argument("--out", type=Path, default=ROOT / "runs" / "benchmarks" / "latest.json")
    p.add_argument("extra", nargs="*", help="arguments after -- go to every benchmark")
    args = p.parse_args(argv)

    runs = []
    for script in discover(args.only):
        extra = list(args.extra)
        if args.smoke and "--smoke" in script.read_text(encoding="utf-8"):
            extra.append("--smoke")
        print(f"=== {script.name} {' '.join(extra)}", flush=True)
        try:
            runs.append(run_one(script, extra, args.timeout))
        except subprocess.TimeoutExpired:
            runs.append({"script": script.name, "ok": False, "error": f"timed out after {args.timeout} s"})

    print("\nbenchmark                      ratio   status")
    for r in runs:
        res = r.get("result", {})
        status = "skipped: " + res["skipped"][:60] if "skipped" in res else ("ok" if r["ok"] else "FAILED")
        ratio = res.get("ratio")
        print(f"{r['script']:<30} {ratio if ratio is not None else '-':>6}   {status}")
    summary = {"benchmarks": runs, "ok": all(r["ok"] for r in runs), "host": platform.node(),
               "python": platform.python_version(), "finished": dt.datetime.now(dt.timezone.utc).isoformat()}
    try:
        import torch

        summary["torch"] = torch.__version__
        summary["cuda_device"] = torch.cuda.get_device_name() if torch.cuda.is_available() else None
    except ImportError:  # pragma: no cover
        pass
    sys.path.insert(0, str(ROOT))
    from workbench.io import atomic_write_json

    atomic_write_json(args.out, summary)
    print(json.dumps(summary, default=float))
    return 0 if summary["ok"] else 1


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    raise SystemExit(main())
