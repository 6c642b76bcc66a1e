"""Model cards in the Hugging Face format, generated from a run.

Every saved adapter gets a ``README.md`` beside ``adapter_config.json``: YAML front matter that
the Hub and tools read (``base_model``, ``library_name: peft``, ``license``, ``datasets``,
``metrics``, ``tags``, ``model-index``) and a body a person can read: intended use, training data
with fingerprints, evaluation against the baselines, limitations, and the compute used. The
layout follows the Hugging Face model card guide (https://huggingface.co/docs/hub/model-cards)
and Mitchell et al., "Model Cards for Model Reporting" (FAT* 2019).

Fields the workbench cannot know (the intended use in this company, the people responsible)
are marked ``TODO (to be written by a person)`` so that nobody mistakes a blank for an answer.

Usage::

    from workbench.governance.modelcard import write_model_card
    write_model_card(run_dir / "adapter", {
        "name": "legal-clauses-v1", "base_model": "sentence-transformers/all-MiniLM-L6-v2",
        "usecase": "legal_de", "task": "text-classification",
        "datasets": [{"name": "clauses.csv", "fingerprint": "sha256:...", "rows": 1200}],
        "metrics": {"baseline": {"macro_f1": 0.81}, "adapter": {"macro_f1": 0.84}},
        "compute": {"seconds": 312.0, "accelerator": "cpu", "precision": "32-true"},
    })
"""

from __future__ import annotations

import datetime as _dt
import math
import os
from pathlib import Path
from typing import Any

import yaml

from workbench._version import __version__
from workbench.io import atomic_write_text

TODO = "TODO (to be written by a person)"
CARD_NAME = "README.md"

# Which metric is "higher is better" decides how the comparison is worded; names from
# workbench.metrics and the use cases. Anything else is reported without a verdict.
_HIGHER_IS_BETTER = ("accuracy", "f1", "macro_f1", "micro_f1", "weighted_f1", "precision", "recall",
                     "auc", "roc_auc", "pr_auc", "r2", "fill_rate", "service_level", "kappa", "mcc")
_LOWER_IS_BETTER = ("loss", "rmse", "mae", "mse", "mase", "rmsse", "smape", "pinball", "nasa_score",
                    "score", "brier", "log_loss")


def _fmt(value: Any) -> str:
    if isinstance(value, bool) or value is None:
        return str(value)
    if isinstance(value, (int,)):
        return str(value)
    if isinstance(value, float):
        return "n/a" if not math.isfinite(value) else f"{value:.4g}"
    return str(value)


def _direction(metric: str) -> int:
    name = metric.lower()
    if any(name == m or name.endswith("_" + m) or name.startswith(m) for m in _LOWER_IS_BETTER):
        return -1
    if any(name == m or name.endswith("_" + m) or name.startswith(m) for m in _HIGHER_IS_BETTER):
        return 1
    return 0


def _datasets(info: dict) -> list[dict]:
    items = info.get("datasets") or []
    if isinstance(items, (str, dict)):
        items = [items]
    out = []
    for item in items:
        out.append({"name": item} if isinstance(item, str) else dict(item))
    if info.get("data_fingerprint") and not any(d.get("fingerprint") for d in out):
        if out:
            out[0]["fingerprint"] = info["data_fingerprint"]
        else:
            out.append({"name": "training data", "fingerprint": info["data_fingerprint"]})
    return out


def _metrics_table(metrics: dict) -> tuple[list[str], list[str]]:
    """Markdown table (metrics x models) and a list of plain-language comparisons."""
    if not metrics:
        return [f"No evaluation results were recorded. {TODO}: evaluate before use."], []
    nested = all(isinstance(v, dict) for v in metrics.values())
    models = list(metrics) if nested else ["adapter"]
    table = metrics if nested else {"adapter": metrics}
    names: list[str] = []
    for model in models:
        names += [k for k, v in table[model].items() if k not in names and isinstance(v, (int, float))]
    lines = ["| metric | " + " | ".join(models) + " |", "|---" * (len(models) + 1) + "|"]
    for name in names:
        lines.append(f"| {name} | " + " | ".join(_fmt(table[m].get(name, "")) for m in models) + " |")
    verdicts = []
    if "adapter" in table:
        for ref in (m for m in models if m != "adapter"):
            for name in names:
                a, b = table["adapter"].get(name), table[ref].get(name)
                sign = _direction(name)
                if sign == 0 or not all(isinstance(x, (int, float)) and math.isfinite(x) for x in (a, b)):
                    continue
                better = (a - b) * sign
                word = "better than" if better > 0 else ("equal to" if better == 0 else "WORSE than")
                verdicts.append(f"- {name}: adapter {_fmt(a)} is {word} {ref} {_fmt(b)}")
    return lines, verdicts


def _model_index(info: dict, name: str) -> list[dict]:
    adapter = (info.get("metrics") or {}).get("adapter", info.get("metrics") or {})
    values = [{"type": k, "name": k, "value": float(v)} for k, v in adapter.items()
              if isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)]
    if not values:
        return []
    dataset = (_datasets(info) or [{"name": "held-out test split"}])[0]
    return [{"name": name, "results": [{
        "task": {"type": info.get("task", "other")},
        "dataset": {"name": str(dataset.get("name")), "type": str(dataset.get("type", dataset.get("name")))},
        "metrics": values,
    }]}]


def front_matter(info: dict) -> dict:
    """The YAML metadata block of the card (Hugging Face model card fields)."""
    name = str(info.get("name") or "adapter")
    tags = ["ki-werkbank", "lora", "peft"]
    for tag in [info.get("usecase"), *(info.get("tags") or [])]:
        if tag and str(tag) not in tags:
            tags.append(str(tag))
    meta: dict[str, Any] = {
        "base_model": str(info.get("base_model") or "unknown"),
        "library_name": "peft",
        "license": str(info.get("license") or "other"),
        "tags": tags,
    }
    if info.get("language"):
        meta["language"] = list(info["language"]) if not isinstance(info["language"], str) else [info["language"]]
    datasets = [str(d.get("name")) for d in _datasets(info) if d.get("name")]
    if datasets:
        meta["datasets"] = datasets
    index = _model_index(info, name)
    if index:
        meta["metrics"] = [m["type"] for m in index[0]["results"][0]["metrics"]]
        meta["model-index"] = index
    if info.get("task"):
        meta["pipeline_tag"] = str(info["task"])
    return meta


_INFO_TYPES = {
    "metrics": (dict, "a dict such as {'adapter': {'macro_f1': 0.8}, 'baseline': {...}}"),
    "compute": (dict, "a dict such as {'seconds': 12.5, 'accelerator': 'cpu'}"),
    "config": (dict, "the resolved run config as a dict"),
    "datasets": ((list, tuple, str, dict), "a list of names or of dicts with name/fingerprint/rows"),
    "limitations": ((list, tuple, str), "a list of sentences"),
    "tags": ((list, tuple), "a list of strings"),
    "language": ((list, tuple, str), "a language code such as 'de' or a list of them"),
}


def check_info(info: Any) -> dict:
    """Check the types of a model card / run info dict; ``None`` values count as missing.

    Raises:
        TypeError: ``info`` is not a dict.
        ValueError: A field has the wrong type (the message names the field and the expected form).
    """
    if not isinstance(info, dict):
        raise TypeError(f"model card info must be a dict, got {type(info).__name__}")
    for key, (types, form) in _INFO_TYPES.items():
        value = info.get(key)
        if value is not None and not isinstance(value, types):
            raise ValueError(f"info[{key!r}] must be {form}, got {type(value).__name__}")
    metrics = info.get("metrics") or {}
    nested = [v for v in metrics.values() if isinstance(v, dict)]
    if nested and len(nested) != len(metrics):
        raise ValueError("info['metrics'] mixes models and numbers: use {'adapter': {...}, 'baseline': {...}} "
                         "or one flat dict of numbers")
    for item in ([info["datasets"]] if isinstance(info.get("datasets"), (str, dict)) else info.get("datasets") or []):
        if not isinstance(item, (str, dict)):
            raise ValueError(f"info['datasets'] items must be names or dicts, got {type(item).__name__}")
    return info


def render_model_card(info: dict) -> str:
    """Render the card (front matter and body) as a string; see :func:`write_model_card`."""
    check_info(info)
    info = {k: v for k, v in info.items() if v is not None}
    name = str(info.get("name") or "adapter")
    meta = front_matter(info)
    created = info.get("created") or _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")
    out = ["---", yaml.safe_dump(meta, sort_keys=False, allow_unicode=True).rstrip(), "---", ""]
    out += [f"# {name}", "",
            f"A LoRA adapter for `{meta['base_model']}` trained with KI-Werkbank {info.get('version', __version__)}"
            f" (use case `{info.get('usecase', 'unknown')}`) on {created}.", ""]
    out += ["## Intended use", "", str(info.get("intended_use") or TODO), ""]
    out += ["Out of scope: " + str(info.get("out_of_scope") or TODO), ""]
    out += ["## Training data", ""]
    datasets = _datasets(info)
    if datasets:
        out += ["| dataset | fingerprint | rows | location |", "|---|---|---|---|"]
        for d in datasets:
            out.append(f"| {d.get('name', '')} | `{d.get('fingerprint', 'not recorded')}` | {d.get('rows', '')} "
                       f"| {d.get('path', '')} |")
    else:
        out.append(f"Not recorded. {TODO}")
    if info.get("pii"):
        out += ["", f"Personal data: {info['pii']}"]
    out += ["", "## Base model", "", f"- base model: `{meta['base_model']}`"]
    if info.get("base_model_fingerprint"):
        out.append(f"- base model fingerprint: `{info['base_model_fingerprint']}`")
    out += ["- adapter format: PEFT (`adapter_config.json`, `adapter_model.safetensors`); load with "
            "`workbench.lora.load_adapter`, which refuses a different base model", ""]
    out += ["## Evaluation", "", "Results on held-out data, next to the baselines trained in the same run:", ""]
    table, verdicts = _metrics_table(info.get("metrics") or {})
    out += table
    if verdicts:
        out += ["", *verdicts]
    serving = info.get("serving")
    if serving:
        # Which model `workbench evaluate/predict` use from this folder: chosen on validation data.
        note = f" ({serving['note']})" if serving.get("note") else ""
        out += ["", "## Which model is served", "",
                f"- recommended on {serving.get('chosen_on') or 'validation data'}: "
                f"`{serving.get('recommended') or 'none'}`",
                f"- served by `workbench evaluate` / `workbench predict`: `{serving.get('served')}`{note}",
                "- `task.serve` overrides the choice; the audit log records which model served each call"]
    out += ["", "## Limitations", ""]
    limitations = info.get("limitations") or []
    if isinstance(limitations, str):
        limitations = [limitations]
    out += [f"- {item}" for item in limitations]
    out += [f"- Known risks and failure modes in this company's use: {TODO}", ""]
    out += ["## Compute", ""]
    compute = info.get("compute") or {}
    out += [f"- {k}: {_fmt(v)}" for k, v in compute.items()] or ["Not recorded."]
    if info.get("config"):
        out += ["", "## Training configuration", "", "```yaml",
                yaml.safe_dump(info["config"], sort_keys=False, allow_unicode=True).rstrip(), "```"]
    out += ["", "## Provenance", ""]
    for key in ("run", "run_dir", "parent_run", "adapter_fingerprint", "audit_entry"):
        if info.get(key):
            out.append(f"- {key}: `{info[key]}`")
    out += [f"- generated by KI-Werkbank {__version__}; the audit log (`workbench audit show --run ...`) "
            "records who trained it and when", "",
            f"Responsible person / contact: {info.get('contact') or TODO}", ""]
    return "\n".join(out)


def write_model_card(adapter_dir: str | os.PathLike, info: dict) -> Path:
    """Write ``README.md`` (a Hugging Face model card) into an adapter directory, atomically.

    Args:
        adapter_dir: The adapter directory (PEFT layout). Created if missing.
        info: What the run knows. Recognised keys: ``name``, ``base_model``,
            ``base_model_fingerprint``, ``license``, ``language``, ``usecase``, ``task``,
            ``tags``, ``datasets`` (names or dicts with ``name``/``fingerprint``/``rows``/``path``),
            ``data_fingerprint``, ``metrics`` (``{"baseline": {...}, "adapter": {...}}`` or flat),
            ``intended_use``, ``out_of_scope``, ``limitations``, ``compute``, ``config``, ``run``,
            ``run_dir``, ``parent_run``, ``contact``, ``pii``, ``created``, ``serving`` (the
            folder's ``serving.json``: read from the folder when the key is absent). Missing
            human parts are marked ``TODO``.

    Returns:
        The path of the card.

    Raises:
        TypeError: ``info`` is not a dict.
        ValueError: A field of ``info`` has the wrong type (see :func:`check_info`).
        workbench.io.StorageError: The directory cannot be written.
    """
    if isinstance(info, dict) and "serving" not in info:
        from workbench.serving import read_serving

        info = {**info, "serving": read_serving(adapter_dir) or None}
    return atomic_write_text(Path(adapter_dir) / CARD_NAME, render_model_card(info))


def read_front_matter(card: str | os.PathLike) -> dict:
    """Parse the YAML metadata of a model card file (or of a directory holding ``README.md``).

    Raises:
        ValueError: The file has no ``---``-delimited YAML block at its start.
    """
    path = Path(card)
    path = path / CARD_NAME if path.is_dir() else path
    text = path.read_text(encoding="utf-8")
    if not text.startswith("---\n") or "\n---\n" not in text[4:]:
        raise ValueError(f"{path}: no YAML front matter (expected the file to start with '---')")
    return yaml.safe_load(text[4 : text.index("\n---\n", 4)]) or {}
