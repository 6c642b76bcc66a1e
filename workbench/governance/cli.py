"""Command-line verbs of the governance work: ``audit``, ``registry``, ``pii`` and ``annex-iv``.

The ``workbench`` command (``workbench/cli.py``) adds them with :func:`register_cli`::

    workbench audit verify                      # check the hash chain, name the first bad entry
    workbench audit show --run legal-tiny --since 2026-01-01
    workbench registry list --usecase legal_de --tag approved
    workbench registry tag legal-clauses-v1 approved
    workbench registry export legal-clauses-v1 /srv/serving/legal
    workbench registry check --repair
    workbench pii pseudonymise brief.txt --out brief.pseudo.txt --mapping brief.map --key-file dpo.key
    workbench pii eval --split test
    workbench annex-iv runs/legal-tiny          # writes runs/legal-tiny/annex_iv.md and .html

Each verb's function returns a process exit code (0 = fine, 1 = a problem was found).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any


def register_cli(subparsers: Any) -> None:
    """Add all governance verbs to an ``argparse`` subparsers object."""
    register_audit_cli(subparsers)
    _registry_cli(subparsers)
    _pii_cli(subparsers)
    annex = subparsers.add_parser("annex-iv", help="technical documentation draft (EU AI Act Annex IV) of a run")
    annex.add_argument("run_dir", help="the run directory, e.g. runs/legal-tiny")
    annex.add_argument("--out", default=None, help="output path without suffix (default: <run_dir>/annex_iv)")
    annex.set_defaults(func=_annex_iv)


# ------------------------------------------------------------------------------------ audit

def register_audit_cli(subparsers: Any) -> None:
    """Add ``audit verify`` and ``audit show`` to an ``argparse`` subparsers object."""
    parser = subparsers.add_parser("audit", help="verify or show the audit log")
    sub = parser.add_subparsers(dest="audit_command", required=True)
    verify = sub.add_parser("verify", help="check the hash chain (and HMAC) and name the first bad entry")
    verify.add_argument("--log", default=None, help="log file or directory (default: $WORKBENCH_HOME/audit)")
    verify.set_defaults(func=_cli_verify)
    show_p = sub.add_parser("show", help="list entries, filtered")
    show_p.add_argument("--log", default=None)
    show_p.add_argument("--operation", default=None)
    show_p.add_argument("--run", default=None)
    show_p.add_argument("--adapter", default=None)
    show_p.add_argument("--user", default=None)
    show_p.add_argument("--since", default=None, help="ISO date/time, e.g. 2026-01-31")
    show_p.add_argument("--until", default=None)
    show_p.add_argument("--json", action="store_true", help="print the entries as JSON lines")
    show_p.set_defaults(func=_cli_show)


def _cli_verify(args: Any) -> int:
    from workbench.governance.audit import verify_log

    result = verify_log(args.log)
    print(result)
    return 0 if result.ok else 1


def _cli_show(args: Any) -> int:
    from workbench.governance.audit import canonical_json, filter_entries, read_entries, show

    filters = {k: getattr(args, k) for k in ("operation", "run", "adapter", "user", "since", "until")}
    if args.json:
        for entry in filter_entries(read_entries(args.log), **filters):
            print(canonical_json(entry))
    else:
        print(show(args.log, **filters))
    return 0


# ------------------------------------------------------------------------------------ registry

def _registry_cli(subparsers: Any) -> None:
    parser = subparsers.add_parser("registry", help="list, tag, export, delete and check registered adapters")
    sub = parser.add_subparsers(dest="registry_command", required=True)
    listing = sub.add_parser("list", help="registered adapters")
    listing.add_argument("--usecase", default=None)
    listing.add_argument("--tag", default=None)
    listing.set_defaults(func=_registry_list)
    show = sub.add_parser("show", help="one adapter's entry as JSON (lineage, metrics, config)")
    show.add_argument("name")
    show.set_defaults(func=_registry_show)
    tag = sub.add_parser("tag", help="add (or --remove) a tag such as 'approved'")
    tag.add_argument("name")
    tag.add_argument("tag")
    tag.add_argument("--remove", action="store_true")
    tag.set_defaults(func=_registry_tag)
    export = sub.add_parser("export", help="copy an adapter (PEFT layout + model card) for serving elsewhere")
    export.add_argument("name")
    export.add_argument("dest")
    export.set_defaults(func=_registry_export)
    delete = sub.add_parser("delete", help="remove an adapter (recorded in the audit log)")
    delete.add_argument("name")
    delete.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    delete.set_defaults(func=_registry_delete)
    check = sub.add_parser("check", help="find (and --repair) leftovers of interrupted writes")
    check.add_argument("--repair", action="store_true")
    check.set_defaults(func=_registry_check)
    for p in (listing, show, tag, export, delete, check):
        p.add_argument("--root", default=None, help="registry directory (default: $WORKBENCH_HOME/registry)")


def _registry(args: Any):
    from workbench.registry import AdapterRegistry

    return AdapterRegistry(args.root)


def _registry_list(args: Any) -> int:
    entries = _registry(args).list(usecase=args.usecase, tag=args.tag)
    for e in entries:
        adapter = (e.get("metrics") or {}).get("adapter") or {}
        shown = ", ".join(f"{k}={v:.4g}" for k, v in adapter.items() if isinstance(v, float))
        print(f"{e['name']:<32} {e['usecase']:<14} {','.join(e.get('tags', [])):<20} {e['registered_at']}  {shown}")
    print(f"{len(entries)} adapters")
    return 0


def _registry_show(args: Any) -> int:
    reg = _registry(args)
    entry = reg.get(args.name)
    entry["lineage"] = reg.lineage(args.name)
    print(json.dumps(entry, indent=2, ensure_ascii=False))
    return 0


def _registry_tag(args: Any) -> int:
    entry = _registry(args).tag(args.name, args.tag, remove=args.remove)
    print(f"{args.name}: tags {entry['tags']}")
    return 0


def _registry_export(args: Any) -> int:
    print(f"exported to {_registry(args).export(args.name, args.dest)}")
    return 0


def _registry_delete(args: Any) -> int:
    if not args.yes and input(f"delete adapter {args.name!r}? [y/N] ").strip().lower() != "y":
        print("not deleted")
        return 1
    _registry(args).delete(args.name)
    print(f"deleted {args.name}")
    return 0


def _registry_check(args: Any) -> int:
    problems = _registry(args).check(repair=args.repair)
    for line in problems:
        print(line)
    print("registry consistent" if not problems else f"{len(problems)} problem(s)")
    return 0 if not problems or args.repair else 1


# ------------------------------------------------------------------------------------ pii

def _pii_cli(subparsers: Any) -> None:
    from workbench.governance.pii import ENTITY_TYPES, MODES

    parser = subparsers.add_parser("pii", help="pseudonymise German text; measure the detector")
    sub = parser.add_subparsers(dest="pii_command", required=True)
    pseudo = sub.add_parser("pseudonymise", help="replace personal data in a UTF-8 text file or a directory of them")
    pseudo.add_argument("input", help="text file, a directory (every file below it), or '-' for standard input")
    pseudo.add_argument("--out", default=None,
                        help="output file (default: standard output); for a directory input, the output directory")
    pseudo.add_argument("--mode", choices=MODES, default="pseudonym")
    pseudo.add_argument("--entities", default=None, help=f"comma-separated subset of {','.join(ENTITY_TYPES)}")
    pseudo.add_argument("--mapping", default=None, help="write the mapping here, encrypted (needs --key-file)")
    pseudo.add_argument("--key-file", default=None, help="Fernet key file; created if missing")
    pseudo.add_argument("--rules-only", action="store_true",
                        help="switch the shipped learned tagger off (names, streets, birth places then come from rules only)")
    pseudo.set_defaults(func=_pii_pseudonymise)
    evaluate = sub.add_parser("eval", help="precision/recall per type on the shipped German test set")
    evaluate.add_argument("--split", choices=("test", "dev"), default="test")
    evaluate.set_defaults(func=_pii_eval)


def _read_text_file(path: Path) -> str:
    """Read a UTF-8 text file or stop with a message that names it (never a traceback)."""
    if not path.exists():
        raise SystemExit(f"workbench pii: file not found: {path}")
    if not path.is_file():
        raise SystemExit(f"workbench pii: {path} is not a regular file")
    try:
        return path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SystemExit(f"workbench pii: {path} is not UTF-8 text (invalid byte at position {exc.start}); "
                         "convert it first, e.g. iconv -f latin1 -t utf-8") from None
    except OSError as exc:
        raise SystemExit(f"workbench pii: cannot read {path}: {exc.strerror}") from None


def _pii_inputs(args: Any) -> list[tuple[Path | None, str]]:
    """``(relative output path, text)`` per input: stdin, one file, or every file below a directory."""
    if args.input == "-":
        return [(None, sys.stdin.read())]
    source = Path(args.input)
    if not source.is_dir():
        return [(None, _read_text_file(source))]
    if not args.out:
        raise SystemExit(f"workbench pii: {source} is a directory; give --out DIR for the pseudonymised copies")
    if Path(args.out).is_file():
        raise SystemExit(f"workbench pii: {source} is a directory, so --out must be a directory, "
                         f"but {args.out} is a file")
    files = sorted(p for p in source.rglob("*") if p.is_file() and not p.name.startswith("."))
    if not files:
        raise SystemExit(f"workbench pii: no files found in directory {source}")
    # Read all first: a non-UTF-8 file stops the run before anything is written.
    return [(p.relative_to(source), _read_text_file(p)) for p in files]


def _pii_pseudonymise(args: Any) -> int:
    from workbench.governance.pii import MappingVault, Pseudonymiser
    from workbench.io import atomic_write_bytes, atomic_write_text

    if args.mapping and not args.key_file:
        raise SystemExit("--mapping needs --key-file: the mapping is only ever stored encrypted")
    inputs = _pii_inputs(args)
    entities = [e.strip() for e in args.entities.split(",")] if args.entities else None
    try:
        pseudo = Pseudonymiser(entities=entities, mode=args.mode, keep_mapping=bool(args.mapping),
                               use_tagger=not args.rules_only)
    except ValueError as exc:
        raise SystemExit(f"workbench pii: --entities: {exc}") from None
    mappings: dict[str, dict[str, str]] = {}
    replaced = 0
    for relative, text in inputs:
        new_text, spans, replacements = pseudo.explain(text)
        replaced += len(spans)
        mappings[str(relative or args.input)] = {s.text: r for s, r in zip(spans, replacements)}
        if relative is not None:
            atomic_write_text(Path(args.out) / relative, new_text)
        elif args.out:
            atomic_write_text(args.out, new_text)
        else:
            sys.stdout.write(new_text)
    if args.mapping:
        key_file = Path(args.key_file)
        if not key_file.exists():
            atomic_write_bytes(key_file, MappingVault.generate_key())
            key_file.chmod(0o600)
            print(f"new key written to {key_file}: keep it away from the data", file=sys.stderr)
        # One file in: the mapping itself (as before); a directory: {relative path: mapping}.
        stored = next(iter(mappings.values())) if len(inputs) == 1 and inputs[0][0] is None else mappings
        MappingVault(key_file.read_bytes().strip()).save(args.mapping, stored)
    where = f" in {len(inputs)} files" if len(inputs) > 1 or inputs[0][0] is not None else ""
    print(f"{replaced} pieces of personal data replaced{where}", file=sys.stderr)
    return 0


def _pii_eval(args: Any) -> int:
    from workbench.governance.pii import ENTITY_TYPES, Pseudonymiser
    from workbench.governance.pii_eval import evaluate, evaluate_decoys, load_pii_de

    detector, docs = Pseudonymiser(entities=ENTITY_TYPES), load_pii_de(args.split)
    print(evaluate(detector, docs).round(3).to_string())
    decoys = evaluate_decoys(detector, docs)
    if decoys["decoys"]:
        print(f"decoys kept: {decoys['kept']} of {decoys['decoys']} ({decoys['kept_share']:.1%})")
    return 0


def _annex_iv(args: Any) -> int:
    from workbench.governance.annex_iv import build_report

    md, html = build_report(args.run_dir).save(args.out or Path(args.run_dir) / "annex_iv")
    print(f"wrote {md} and {html}")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Stand-alone entry point: ``python -m workbench.governance.cli registry list``."""
    parser = argparse.ArgumentParser(prog="workbench")
    register_cli(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    raise SystemExit(main())
