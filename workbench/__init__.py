"""KI-Werkbank: LoRA fine-tuning of base models for industrial AI, Jupyter-first and offline.

Public API (re-exports only)::

    from workbench import RunConfig, LoraArgs, TrainArgs, apply_lora, fit, get_usecase

Use cases live in ``workbench.usecases.<name>`` (``legal_de``, ``maintenance``,
``supply_chain``); see ``docs/architecture.md``.
"""

from workbench._version import __version__
from workbench.config import (ConfigError, DataArgs, EvalArgs, LoraArgs, ModelArgs, RunArgs, RunConfig,
                              TrainArgs)
from workbench.lora import (AdapterMismatchError, apply_lora, count_parameters, load_adapter, merge_adapter,
                            save_adapter)
from workbench.training import FitResult, StepOutput, Task, fit, make_loader
from workbench.usecases import get_usecase

__all__ = [
    "__version__", "ConfigError", "DataArgs", "EvalArgs", "LoraArgs", "ModelArgs", "RunArgs", "RunConfig",
    "TrainArgs", "AdapterMismatchError", "apply_lora", "count_parameters", "load_adapter", "merge_adapter",
    "save_adapter", "FitResult", "StepOutput", "Task", "fit", "make_loader", "get_usecase",
]
