"""LoRA on any Hugging Face model or plain torch module, through peft.

peft does the real work (``LoraConfig``, ``get_peft_model``, ``PeftModel.from_pretrained``,
``merge_and_unload``); this module adds what a workbench user needs around it:

* target modules found automatically for common architectures (overridable),
* a parameter report (trainable / total),
* adapters saved atomically in the standard PEFT layout (``adapter_config.json``,
  ``adapter_model.safetensors``) plus ``workbench_adapter.json`` with the base model's
  fingerprint, so that loading an adapter onto the wrong base fails loudly instead of giving a
  silently wrong model,
* merge into the base for serving, and comparison of several adapters on one base.

Usage::

    from workbench.config import LoraArgs
    from workbench.lora import apply_lora, count_parameters, save_adapter, load_adapter
    model = apply_lora(base, LoraArgs(r=8), task_type="SEQ_CLS")
    print(count_parameters(model))          # trainable 0.30M / 22.9M (1.3%)
    save_adapter(model, "runs/x/adapter", base_model_id="embedded:all-MiniLM-L6-v2")
    again = load_adapter(fresh_base, "runs/x/adapter")
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import torch
from torch import nn

from workbench.config import LoraArgs
from workbench.io import atomic_directory, atomic_write_json

ADAPTER_META = "workbench_adapter.json"

# Architectures whose LoRA targets peft does not know, or where we want more than peft's
# default (peft takes only query/value for BERT; STACK_NOTES measured all-linear as better on
# German clauses, but query/value is the cheap, well-known default we keep).
_EXTRA_TARGETS: dict[str, list[str]] = {
    # PatchTST's attention and feed-forward linears (STACK_NOTES: "all-linear" would also wrap
    # the embedding and the head).
    "patchtst": ["q_proj", "k_proj", "v_proj", "out_proj", "ff.0", "ff.3"],
    "patchtsmixer": ["fc1", "fc2"],
}
_HEAD_NAMES = ("classifier", "lm_head", "score", "head", "output_layer", "qa_outputs")


class AdapterMismatchError(ValueError):
    """An adapter does not belong to the base model it is being loaded onto."""


@dataclass(frozen=True)
class ParamCount:
    """Trainable and total parameter counts of a model."""

    trainable: int
    total: int

    @property
    def ratio(self) -> float:
        """Trainable share of all parameters (0-1)."""
        return self.trainable / self.total if self.total else 0.0

    def __str__(self) -> str:
        return f"trainable {self.trainable / 1e6:.2f}M / {self.total / 1e6:.2f}M ({100 * self.ratio:.2f}%)"


def count_parameters(model: nn.Module) -> ParamCount:
    """Count trainable and total parameters (shared tensors counted once)."""
    seen: set[int] = set()
    trainable = total = 0
    for p in model.parameters():
        if id(p) in seen:
            continue
        seen.add(id(p))
        total += p.numel()
        if p.requires_grad:
            trainable += p.numel()
    return ParamCount(trainable, total)


def find_target_modules(model: nn.Module) -> list[str]:
    """Find LoRA target module names for ``model``.

    Known Hugging Face architectures take peft's defaults (or ours for time-series models).
    Anything else, including plain torch modules, gets every ``nn.Linear`` except output heads.

    Returns:
        Module name suffixes as peft's ``target_modules`` expects them.
    """
    from peft.utils.constants import TRANSFORMERS_MODELS_TO_LORA_TARGET_MODULES_MAPPING as PEFT_MAP

    model_type = getattr(getattr(model, "config", None), "model_type", None)
    if model_type in _EXTRA_TARGETS:
        return list(_EXTRA_TARGETS[model_type])
    if model_type in PEFT_MAP:
        return list(PEFT_MAP[model_type])
    names = set()
    for name, module in model.named_modules():
        if isinstance(module, nn.Linear) and name:
            leaf = name.split(".")[-1]
            if leaf in _HEAD_NAMES or name.split(".")[0] in _HEAD_NAMES:
                continue
            names.add(name if leaf.isdigit() else leaf)
    if not names:
        raise ValueError(f"no nn.Linear layers found in {type(model).__name__}: give lora.target_modules explicitly")
    return sorted(names)


def build_lora_config(model: nn.Module, args: LoraArgs, task_type: str | None = None):
    """Build peft's ``LoraConfig`` from :class:`LoraArgs` (targets resolved for ``model``)."""
    from peft import LoraConfig

    targets = args.target_modules if args.target_modules is not None else find_target_modules(model)
    return LoraConfig(
        r=args.r,
        lora_alpha=args.alpha,
        lora_dropout=args.dropout,
        target_modules=targets,
        modules_to_save=list(args.modules_to_save) if args.modules_to_save else None,
        use_rslora=args.use_rslora,
        use_dora=args.use_dora,
        bias=args.bias,
        task_type=task_type,
    )


def apply_lora(model: nn.Module, args: LoraArgs, task_type: str | None = None):
    """Wrap ``model`` with LoRA adapters.

    Args:
        model: A Hugging Face model or any torch module.
        args: LoRA settings.
        task_type: peft task type (``"SEQ_CLS"``, ``"TOKEN_CLS"``, ``"CAUSAL_LM"``...) for HF
            models, which also keeps their heads trainable; ``None`` for plain modules.

    Returns:
        A ``peft.PeftModel`` in train mode. Only LoRA weights (and ``modules_to_save``) train.
    """
    from peft import get_peft_model

    fingerprint = base_fingerprint(model)
    peft_model = get_peft_model(model, build_lora_config(model, args, task_type))
    peft_model.train()
    peft_model.workbench_base_fingerprint = fingerprint  # type: ignore[attr-defined]
    return peft_model


def _normalise_key(key: str) -> str | None:
    """Map a (possibly peft-wrapped) parameter name to the base model's name, or ``None``."""
    if "lora_" in key or "modules_to_save" in key or "original_module" in key:
        return None  # adapter weights, and heads that the adapter itself carries
    key = key.replace("base_model.model.", "", 1) if key.startswith("base_model.model.") else key
    if key.split(".")[0] in _HEAD_NAMES:
        return None  # task heads are new per task (random init) and travel with the adapter
    return key.replace(".base_layer", "")


def base_fingerprint(model: nn.Module) -> str:
    """Fingerprint the base weights of a model (LoRA weights and saved heads excluded).

    The same base gives the same fingerprint whether or not it is wrapped by peft, which lets
    :func:`load_adapter` refuse an adapter trained on another base.
    """
    cached = getattr(model, "workbench_base_fingerprint", None)
    if cached:
        return cached
    digest = hashlib.sha256()
    state = model.state_dict()
    for key in sorted(state):
        norm = _normalise_key(key)
        if norm is None:
            continue
        tensor = state[key].detach().to("cpu").contiguous()
        digest.update(norm.encode() + str(tuple(tensor.shape)).encode() + str(tensor.dtype).encode())
        digest.update(tensor.reshape(-1).view(torch.uint8).numpy().tobytes() if tensor.numel() else b"")
    return "sha256:" + digest.hexdigest()


def save_adapter(model, path: str | os.PathLike, *, base_model_id: str | None = None,
                 extra: dict[str, Any] | None = None) -> Path:
    """Save a peft model's adapter atomically in the standard PEFT layout.

    Args:
        model: The ``PeftModel``.
        path: Target directory; replaced atomically if it exists.
        base_model_id: How the base model is referred to (path, hub id or embedded name).
        extra: More metadata for ``workbench_adapter.json`` (labels, metrics, use case...).

    Returns:
        The adapter directory.
    """
    from workbench._version import __version__

    path = Path(path)
    base = model.get_base_model() if hasattr(model, "get_base_model") else model
    base_config = getattr(base, "config", None)
    meta = {
        "library": "ki-werkbank",
        "version": __version__,
        "base_model": base_model_id,
        "base_fingerprint": base_fingerprint(model),
        # Enough to rebuild the base (with its task head's shape) for `workbench merge`.
        "model_class": type(base).__name__,
        "base_config": base_config.to_dict() if hasattr(base_config, "to_dict") else None,
        **(extra or {}),
    }
    with atomic_directory(path) as tmp:
        model.save_pretrained(str(tmp), safe_serialization=True)
        if base_model_id is not None:
            cfg_path = tmp / "adapter_config.json"
            cfg = json.loads(cfg_path.read_text())
            cfg["base_model_name_or_path"] = base_model_id
            atomic_write_json(cfg_path, cfg)
        atomic_write_json(tmp / ADAPTER_META, meta)
    _audit("adapter.save", outputs={"adapter": path}, artefacts={"adapter": path}, base_model=base_model_id,
           base_fingerprint=meta["base_fingerprint"])
    return path


def read_adapter_meta(path: str | os.PathLike) -> dict:
    """Return ``workbench_adapter.json`` of an adapter directory ({} for foreign adapters)."""
    meta = Path(path) / ADAPTER_META
    return json.loads(meta.read_text()) if meta.is_file() else {}


def load_adapter(base_model: nn.Module, path: str | os.PathLike, *, is_trainable: bool = False,
                 check_base: bool = True):
    """Load a saved adapter onto a base model.

    Args:
        base_model: A freshly loaded base model (not already wrapped).
        path: Adapter directory in PEFT layout.
        is_trainable: Keep the adapter trainable (to continue training).
        check_base: Compare the base's fingerprint with the one recorded at save time.

    Returns:
        The ``PeftModel``.

    Raises:
        FileNotFoundError: The directory has no ``adapter_config.json``.
        AdapterMismatchError: The adapter was trained on a different base model, or its
            weights do not fit this base's shapes.
    """
    from peft import PeftModel

    path = Path(path)
    if not (path / "adapter_config.json").is_file():
        raise FileNotFoundError(f"{path} is not an adapter directory (no adapter_config.json)")
    if not (path / "adapter_model.safetensors").is_file():
        raise AdapterMismatchError(f"{path} has no adapter_model.safetensors; only safetensors adapters are loaded")
    try:
        meta = read_adapter_meta(path)
    except (ValueError, UnicodeDecodeError) as exc:
        raise AdapterMismatchError(f"adapter {path}: {ADAPTER_META} is unreadable ({exc})") from exc
    _check_safetensors(path / "adapter_model.safetensors")
    if check_base and meta.get("base_fingerprint"):
        actual = base_fingerprint(base_model)
        if actual != meta["base_fingerprint"]:
            raise AdapterMismatchError(
                f"adapter {path} was trained on base {meta.get('base_model')!r} with fingerprint "
                f"{meta['base_fingerprint'][:19]}..., but the given base model has {actual[:19]}...: "
                "load the base model the adapter was trained on"
            )
    try:
        model = PeftModel.from_pretrained(base_model, str(path), is_trainable=is_trainable)
    except (RuntimeError, ValueError, KeyError) as exc:
        raise AdapterMismatchError(f"adapter {path} does not fit this base model: {exc}") from exc
    model.train(is_trainable)
    _audit("adapter.load", inputs={"adapter": path})
    return model


def _check_safetensors(path: Path) -> None:
    """Open a safetensors file once, so that a truncated or foreign file gets a clear error."""
    from safetensors import safe_open

    try:
        with safe_open(str(path), framework="pt") as handle:
            handle.keys()
    except Exception as exc:  # SafetensorError is not exported under a stable name
        raise AdapterMismatchError(f"adapter weights {path} are corrupt or not safetensors ({exc}); "
                                   "save the adapter again") from exc


def merge_adapter(model) -> nn.Module:
    """Merge the LoRA weights into the base weights and return the plain model.

    The result predicts like the adapted model (up to float rounding) without peft at run
    time. Note: the base model object is modified in place, as peft's ``merge_and_unload`` does.
    """
    merged = model.merge_and_unload()
    merged.eval()
    _audit("merge")
    return merged


def merge_adapter_dir(adapter_dir: str | os.PathLike, out_dir: str | os.PathLike, *,
                      base_model: str | None = None, trust_remote_code: bool = False) -> Path:
    """Merge a saved adapter into its base and save a plain Hugging Face model (safetensors).

    Args:
        adapter_dir: Adapter saved by :func:`save_adapter`.
        out_dir: Directory for the merged model (written atomically).
        base_model: Base model directory; default: the one recorded in the adapter.
        trust_remote_code: Passed to transformers (off by default).

    Returns:
        ``out_dir``.

    Raises:
        ValueError: The adapter lacks the metadata needed to rebuild its base.
    """
    import transformers

    from workbench.models import quiet_transformers, resolve_base_model

    meta = read_adapter_meta(adapter_dir)
    cls_name, cfg = meta.get("model_class"), meta.get("base_config")
    if not cls_name or not cfg or not hasattr(transformers, cls_name):
        raise ValueError(f"{adapter_dir}: no Hugging Face model class recorded; merge it in Python with "
                         "load_adapter(...) and merge_adapter(...)")
    cls = getattr(transformers, cls_name)
    base_path = resolve_base_model(base_model or meta.get("base_model"))
    config = transformers.AutoConfig.for_model(**{k: v for k, v in cfg.items() if k != "transformers_version"})
    with quiet_transformers():
        base = cls.from_pretrained(base_path, config=config, local_files_only=True, use_safetensors=True,
                                   trust_remote_code=trust_remote_code)
    merged = merge_adapter(load_adapter(base, adapter_dir))
    with atomic_directory(out_dir) as tmp, quiet_transformers():
        merged.save_pretrained(str(tmp), safe_serialization=True)
        try:
            from workbench.models import load_tokenizer

            load_tokenizer(base_path).save_pretrained(str(tmp))
        except (OSError, ValueError):
            pass  # time-series models have no tokenizer
    _audit("export", inputs={"adapter": Path(adapter_dir)}, outputs={"merged_model": Path(out_dir)},
           kind="merged model")
    return Path(out_dir)


def compare_adapters(base_factory: Callable[[], nn.Module], adapters: dict[str, str | os.PathLike],
                     evaluate: Callable[[nn.Module], dict[str, float]]) -> dict[str, dict[str, float]]:
    """Score several adapters of the same base with the same evaluation function.

    Args:
        base_factory: Returns a fresh base model each call (adapters must not stack).
        adapters: Display name to adapter directory.
        evaluate: Takes a model, returns metrics.

    Returns:
        ``{name: metrics}``, including ``"base"`` for the base model without adapter.
    """
    results = {"base": evaluate(base_factory().eval())}
    for name, path in adapters.items():
        results[name] = evaluate(load_adapter(base_factory(), path).eval())
    return results


def _audit(operation: str, **fields: Any) -> None:
    """Record an audit event when the governance module is available (it is a core module)."""
    try:
        from workbench.governance.audit import record_event
    except ImportError:
        return
    record_event(operation, **fields)
