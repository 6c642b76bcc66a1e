"""Technical documentation following Annex IV of the EU AI Act, filled in from a run and the audit log.

Regulation (EU) 2024/1689 (the AI Act), Article 11, asks providers of high-risk AI systems for
technical documentation with the content listed in its Annex IV. Whether a given system is
high-risk is a legal decision the workbench cannot make; but the questions of Annex IV are good
practice for any model a company relies on, and most of the facts already sit in the run
directory and the audit log. This module collects them into the nine Annex IV sections:

    1 general description           2 elements and development process (incl. data)
    3 monitoring, functioning, control   4 appropriateness of the performance metrics
    5 risk management (Art. 9)      6 changes through the lifecycle
    7 standards applied             8 EU declaration of conformity   9 post-market monitoring

Everything the workbench cannot know is marked with ``✍ TO BE WRITTEN BY A PERSON`` (in HTML:
a yellow box), never silently left out. The report is a draft for the responsible person, not a
conformity assessment.

Usage::

    from workbench.governance.annex_iv import build_report
    from workbench.governance.audit import read_entries
    report = build_report("runs/legal-tiny", read_entries())   # run dir or an info dict
    report.save("runs/legal-tiny/annex_iv")                     # annex_iv.md and annex_iv.html
    markdown, html = report
"""

from __future__ import annotations

import datetime as _dt
import html as _html
import json
import os
from pathlib import Path
from typing import Any, NamedTuple

from workbench._version import __version__
from workbench.io import atomic_write_text

HUMAN = "✍ TO BE WRITTEN BY A PERSON"
SOURCE = "Regulation (EU) 2024/1689 (AI Act), Annex IV"


class AnnexIVReport(NamedTuple):
    """The report in two renderings; unpack as ``markdown, html = report``."""

    markdown: str
    html: str

    def save(self, stem: str | os.PathLike) -> tuple[Path, Path]:
        """Write ``<stem>.md`` and ``<stem>.html`` atomically and return both paths."""
        stem = Path(stem)
        md = atomic_write_text(stem.with_suffix(".md"), self.markdown)
        page = atomic_write_text(stem.with_suffix(".html"), self.html)
        return md, page


# ------------------------------------------------------------------------------ collecting facts


def _read_json(path: Path) -> dict:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return {}


def load_run_info(run_dir: str | os.PathLike) -> dict:
    """Gather what a run directory knows: run_info.json, config.yaml, results.json, the model card.

    Raises:
        FileNotFoundError: ``run_dir`` is not a directory.
    """
    run_dir = Path(run_dir)
    if not run_dir.is_dir():
        raise FileNotFoundError(f"run directory {run_dir} does not exist")
    info: dict[str, Any] = {"run_dir": str(run_dir.resolve()), "run": run_dir.name}
    info.update(_read_json(run_dir / "run_info.json"))
    if (run_dir / "config.yaml").is_file():
        import yaml

        try:
            info["config"] = yaml.safe_load((run_dir / "config.yaml").read_text(encoding="utf-8")) or {}
        except yaml.YAMLError as exc:
            info["config_error"] = f"config.yaml is not valid YAML: {exc}"
    results = _read_json(run_dir / "results.json")
    if results:
        info["results"] = results
        info.setdefault("metrics", results.get("metrics"))
        info.setdefault("usecase", results.get("usecase"))
    card = run_dir / "adapter" / "README.md"
    if card.is_file():
        from workbench.governance.modelcard import read_front_matter

        try:
            info["model_card"] = read_front_matter(card)
            info["model_card_path"] = str(card)
        except ValueError:
            pass
    meta = _read_json(run_dir / "adapter" / "workbench_adapter.json")
    if meta:
        info.setdefault("base_model", meta.get("base_model"))
        info.setdefault("base_fingerprint", meta.get("base_fingerprint"))
    if (run_dir / "adapter").is_dir():
        from workbench.io import fingerprint_file

        info["adapter_fingerprint"] = fingerprint_file(run_dir / "adapter")
    return info


# ------------------------------------------------------------------------------ building blocks
# A section is a list of blocks: ("p", text), ("todo", text), ("kv", [(k, v)]), ("table", header, rows),
# ("code", text). Both renderers walk the same structure, so markdown and HTML never disagree.


def _kv(pairs: list[tuple[str, Any]]) -> tuple:
    return ("kv", [(k, v) for k, v in pairs if v not in (None, "", [], {})])


def _metrics_blocks(metrics: Any) -> list[tuple]:
    if not isinstance(metrics, dict) or not metrics:
        return [("todo", "No evaluation results were recorded for this run. Evaluate on held-out data "
                         "and record the results here.")]
    nested = all(isinstance(v, dict) for v in metrics.values())
    table = metrics if nested else {"model": metrics}
    names: list[str] = []
    for values in table.values():
        names += [k for k in values if k not in names]
    rows = [[name, *[_short(table[m].get(name, "")) for m in table]] for name in names]
    return [("table", ["metric", *table], rows)]


def _short(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def _audit_blocks(entries: list[dict]) -> list[tuple]:
    if not entries:
        return [("todo", "No audit entries were given. Export them with `workbench audit show --run <run> --json`.")]
    rows = []
    for e in entries:
        who = e.get("who") or {}
        prints = []
        for section in ("inputs", "artefacts"):
            for key, item in (e.get(section) or {}).items():
                if isinstance(item, dict) and item.get("fingerprint"):
                    prints.append(f"{key}={item['fingerprint'][:19]}…")
                elif isinstance(item, str) and item.startswith("sha256:"):
                    prints.append(f"{key}={item[:19]}…")
        rows.append([str(e.get("seq", "")), str(e.get("time", ""))[:19], f"{who.get('user', '?')}@{who.get('host', '?')}",
                     str(e.get("operation", "")), ", ".join(prints)])
    return [("table", ["seq", "time (UTC)", "who", "operation", "fingerprints"], rows)]


def _sections(info: dict, entries: list[dict], verify: Any) -> list[tuple[str, list[tuple]]]:
    config = info.get("config") or {}
    train = config.get("train", {}) if isinstance(config, dict) else {}
    lora = config.get("lora", {}) if isinstance(config, dict) else {}
    data = config.get("data", {}) if isinstance(config, dict) else {}
    card = info.get("model_card") or {}
    fit = (info.get("results") or {}).get("fit", {}) if isinstance(info.get("results"), dict) else {}
    data_loads = [e for e in entries if str(e.get("operation", "")).startswith("data")]
    changes = [e for e in entries if str(e.get("operation", "")).split(".")[0] in
               ("registry", "adapter_save", "adapter", "merge", "adapter_merge", "export", "delete", "train")]

    general = [
        ("todo", "Intended purpose of the system, the provider (company, contact), and the persons or groups "
                 "it is meant to be used on."),
        _kv([("system / run", info.get("run")), ("use case", info.get("usecase")),
             ("version of the workbench", info.get("version", __version__)),
             ("base model", info.get("base_model") or card.get("base_model")),
             ("base model fingerprint", info.get("base_fingerprint")),
             ("adapter fingerprint", info.get("adapter_fingerprint")),
             ("software", ", ".join(f"{k} {info[k]}" for k in ("python", "torch") if info.get(k))),
             ("host", info.get("host")), ("model card", info.get("model_card_path"))]),
        ("p", "Form: a LoRA adapter (PEFT layout, safetensors) on a local base model, run on the company's own "
              "hardware; no data leaves the company (the workbench opens no network connection by default)."),
        ("todo", "How the system is placed on the market or put into service, the user interface, and the "
                 "instructions for use given to deployers."),
    ]
    development = [
        ("p", "Method: parameter-efficient fine-tuning with LoRA (Hu et al. 2021) through the `peft` library, "
              "trained with PyTorch Lightning; baselines are trained and evaluated in the same run."),
        _kv([("LoRA settings", ", ".join(f"{k}={v}" for k, v in lora.items()) if lora else None),
             ("training settings", ", ".join(f"{k}={v}" for k, v in train.items() if k in (
                 "max_epochs", "max_steps", "batch_size", "lr", "precision", "accelerator")) or None),
             ("seed", (config.get("run") or {}).get("seed") if isinstance(config, dict) else None),
             ("compute", ", ".join(f"{k}={_short(v)}" for k, v in fit.items() if k in (
                 "seconds", "samples_per_s", "peak_memory_mb", "precision", "accelerator")) or None)]),
        ("p", "Training data (provenance and fingerprints):"),
        _kv([("data fingerprint", info.get("data_fingerprint")), ("data path", data.get("path") or
             "embedded default data set of the use case"), ("split", ", ".join(
                 f"{k}={data[k]}" for k in ("val_fraction", "test_fraction", "split_seed") if k in data) or None)]),
        *(_audit_blocks(data_loads) if data_loads else []),
        ("todo", "How the data were obtained and selected, labelling procedure, data cleaning, whether personal "
                 "data were used and on which legal basis (GDPR Art. 6), and whether they were pseudonymised "
                 "(`workbench.governance.pii`)."),
        ("todo", "Human oversight measures (AI Act Art. 14) and the design choices and trade-offs made."),
        ("p", "Cybersecurity: weights only in safetensors, torch checkpoints loaded with weights_only=True, "
              "no remote code unless explicitly enabled, adapters refused on a different base model, "
              "hash-chained audit log."),
    ]
    monitoring = [
        ("p", "Measured performance on held-out data, next to the baselines:"),
        *_metrics_blocks(info.get("metrics")),
        ("todo", "Known limitations, foreseeable unintended outcomes, risks to health, safety and fundamental "
                 "rights, and accuracy for the specific persons or groups the system is used on."),
        ("todo", "Specifications of input data the deployer must respect."),
    ]
    metrics_fit = [
        ("p", "The workbench reports each use case's standard metrics against a cheap baseline trained on the "
              "same split, so that the adapter has to earn its cost."),
        ("todo", "Why these metrics are appropriate for the intended purpose, and which error matters most."),
    ]
    risk = [("todo", "The risk management system (AI Act Art. 9): identified risks, estimates, mitigation, "
                     "residual risk, and the tests behind them.")]
    lifecycle = [("p", "Changes recorded in the audit log (training, saving, registry, export, deletion):"),
                 *_audit_blocks(changes),
                 ("todo", "Predetermined changes and how they are validated.")]
    if verify is not None:
        lifecycle.insert(0, ("p", f"Audit log verification: {str(verify).splitlines()[0]}"))
    standards = [("todo", "Harmonised standards or common specifications applied (e.g. ISO/IEC 42001, "
                          "ISO/IEC 23894), or the solutions adopted to meet Chapter III Section 2.")]
    conformity = [("todo", "A copy of the EU declaration of conformity (Art. 47), where required.")]
    post_market = [("p", "The audit log and the registry keep every later training, evaluation and approval; "
                         "re-run `workbench evaluate` on fresh data to detect drift."),
                   ("todo", "The post-market monitoring plan (Art. 72): who checks what, how often, and thresholds.")]
    return [
        ("1. General description of the AI system", general),
        ("2. Elements of the AI system and its development process", development),
        ("3. Monitoring, functioning and control", monitoring),
        ("4. Appropriateness of the performance metrics", metrics_fit),
        ("5. Risk management system (Article 9)", risk),
        ("6. Changes through the lifecycle", lifecycle),
        ("7. Harmonised standards applied", standards),
        ("8. EU declaration of conformity", conformity),
        ("9. Post-market monitoring (Article 72)", post_market),
    ]


# ------------------------------------------------------------------------------ rendering


def _md_cell(value: Any) -> str:
    return str(value).replace("|", "\\|").replace("\n", " ")


def _to_markdown(title: str, sections: list[tuple[str, list[tuple]]]) -> str:
    out = [f"# {title}", "", f"Draft generated by KI-Werkbank {__version__} on "
           f"{_dt.datetime.now(_dt.timezone.utc).isoformat(timespec='seconds')}; structure: {SOURCE}.",
           f"Parts marked **{HUMAN}** cannot be known by the software.", ""]
    for heading, blocks in sections:
        out += [f"## {heading}", ""]
        for block in blocks:
            kind = block[0]
            if kind == "p":
                out += [block[1], ""]
            elif kind == "todo":
                out += [f"> **{HUMAN}:** {block[1]}", ""]
            elif kind == "kv":
                out += [f"- **{k}:** {_md_cell(v)}" for k, v in block[1]] + [""]
            elif kind == "table":
                out += ["| " + " | ".join(map(_md_cell, block[1])) + " |", "|---" * len(block[1]) + "|"]
                out += ["| " + " | ".join(map(_md_cell, row)) + " |" for row in block[2]] + [""]
    return "\n".join(out)


def _to_html(title: str, sections: list[tuple[str, list[tuple]]]) -> str:
    e = _html.escape
    out = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">', f"<title>{e(title)}</title>",
           "<style>body{font-family:sans-serif;max-width:60em;margin:2em auto;line-height:1.45}"
           "table{border-collapse:collapse}td,th{border:1px solid #bbb;padding:.2em .5em;font-size:.9em}"
           ".todo{background:#fff3b0;border-left:4px solid #e0a800;padding:.4em .8em;margin:.6em 0}"
           "code{background:#f2f2f2}</style></head><body>",
           f"<h1>{e(title)}</h1>", f"<p>Draft generated by KI-Werkbank {e(__version__)}; structure: {e(SOURCE)}. "
           f'Parts in yellow (<span class="todo">{e(HUMAN)}</span>) cannot be known by the software.</p>']
    for heading, blocks in sections:
        out.append(f"<h2>{e(heading)}</h2>")
        for block in blocks:
            kind = block[0]
            if kind == "p":
                out.append(f"<p>{e(block[1])}</p>")
            elif kind == "todo":
                out.append(f'<div class="todo"><strong>{e(HUMAN)}:</strong> {e(block[1])}</div>')
            elif kind == "kv":
                out.append("<ul>" + "".join(f"<li><strong>{e(str(k))}:</strong> {e(str(v))}</li>" for k, v in block[1]) + "</ul>")
            elif kind == "table":
                head = "".join(f"<th>{e(str(h))}</th>" for h in block[1])
                body = "".join("<tr>" + "".join(f"<td>{e(str(c))}</td>" for c in row) + "</tr>" for row in block[2])
                out.append(f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>")
    out.append("</body></html>")
    return "\n".join(out)


def build_report(run_dir_or_info: str | os.PathLike | dict, audit_entries: list[dict] | None = None, *,
                 verify: Any = None, title: str | None = None) -> AnnexIVReport:
    """Build the Annex IV technical documentation draft of a run.

    Args:
        run_dir_or_info: A run directory (``runs/<name>``) or a dict with the same keys that
            :func:`load_run_info` returns (``run``, ``usecase``, ``base_model``, ``config``,
            ``metrics``, ``data_fingerprint``, ...).
        audit_entries: Audit entries of this run (``read_entries()`` filtered by run, or all of
            them); ``None`` reads the default log and keeps the entries that mention the run.
        verify: A :class:`workbench.governance.audit.VerifyResult` to quote; ``None`` verifies
            the default log when ``audit_entries`` is ``None``.
        title: Document title.

    Returns:
        :class:`AnnexIVReport` with ``markdown`` and ``html``.

    Raises:
        FileNotFoundError: A given run directory does not exist.
        TypeError: ``run_dir_or_info`` is neither a path nor a dict.
        ValueError: A field of the info dict has the wrong type (named in the message).
    """
    if isinstance(run_dir_or_info, dict):
        from workbench.governance.modelcard import check_info

        info = {k: v for k, v in check_info(run_dir_or_info).items() if v is not None}
    elif isinstance(run_dir_or_info, (str, os.PathLike)):
        info = load_run_info(run_dir_or_info)
    else:
        raise TypeError(f"build_report expects a run directory or a dict, got {type(run_dir_or_info).__name__}")
    if audit_entries is None:
        from workbench.governance.audit import filter_entries, read_entries, verify_log

        entries = read_entries()
        audit_entries = filter_entries(entries, run=str(info["run"])) if info.get("run") else entries
        verify = verify if verify is not None else verify_log()
    sections = _sections(info, list(audit_entries), verify)
    title = title or f"Technical documentation (EU AI Act Annex IV): {info.get('run') or 'model'}"
    return AnnexIVReport(_to_markdown(title, sections), _to_html(title, sections))
