"""KI-Werkbank: LoRA fine-tuning of base models for industrial AI, Jupyter-first and offline.

Public API (re-exports only, imported lazily so that ``import workbench`` and light commands
such as ``workbench audit verify`` do not pay for torch and Lightning)::

    from workbench import RunConfig, LoraArgs, TrainArgs, apply_lora, fit, get_usecase

Use cases live in ``workbench.usecases.<name>`` (``legal_de``, ``maintenance``,
``supply_chain``); see ``docs/architecture.md``.
"""

import importlib as _importlib
import warnings as _warnings

from workbench._version import __version__

# Deprecation chatter from the stack that a workbench user cannot act on (peft calls a
# deprecated transformers property; Lightning's pytree helper). Targeted by message, so real
# warnings still show.
for _msg in (r".*is_gradient_checkpointing.*", r".*isinstance\(treespec, LeafSpec\).*"):
    _warnings.filterwarnings("ignore", message=_msg)

_EXPORTS = {
    "ConfigError": "config", "DataArgs": "config", "EvalArgs": "config", "LoraArgs": "config",
    "ModelArgs": "config", "RunArgs": "config", "RunConfig": "config", "TrainArgs": "config",
    "AdapterMismatchError": "lora", "apply_lora": "lora", "count_parameters": "lora", "load_adapter": "lora",
    "merge_adapter": "lora", "save_adapter": "lora",
    "FitResult": "training", "StepOutput": "training", "Task": "training", "fit": "training",
    "make_loader": "training",
    "get_usecase": "usecases",
}

__all__ = ["__version__", *_EXPORTS]


def __getattr__(name: str):
    if name in _EXPORTS:
        return getattr(_importlib.import_module(f"workbench.{_EXPORTS[name]}"), name)
    raise AttributeError(f"module 'workbench' has no attribute {name!r}")
