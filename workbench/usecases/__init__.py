"""Registry of the workbench's use cases.

The core never imports a use case at import time; the CLI and the demo look them up here by
name, and :func:`get_usecase` imports the package on demand. Adding a use case (checklist, as
peft does for a new method): a package under ``workbench/usecases/<name>/`` with the files
``config.py data.py task.py model.py baselines.py widgets.py __init__.py`` (plus, by
convention, ``experiment.py`` for ``run_experiment`` and ``inference.py`` for
``evaluate_adapter``/``predict_file``); its name in :data:`USECASES`;
``configs/<name>/tiny.yaml`` and ``default.yaml``; a notebook ``notebooks/NN_<name>.ipynb``
that runs in smoke mode (``WORKBENCH_SMOKE=1``) under nbval; tests under
``tests/usecases/<name>/``; a benchmark ``benchmarks/bench_<name>.py`` wired into
``benchmarks/run_all.py``; a line in the README. ``workbench demo`` runs every registered use
case, so its smoke path must stay fast. The contract test in ``tests/usecases/test_contract.py``
then checks the package.

A use-case package exposes (see ``docs/architecture.md``)::

    NAME: str
    TaskArgs: type                                   # dataclass with problems(prefix)
    def default_config(smoke: bool = False) -> RunConfig
    def run_experiment(config: RunConfig) -> dict    # baseline / frozen_base / adapter metrics
    def report_section(result: dict) -> str          # HTML fragment for the demo report
    def register_cli(subparsers) -> None             # optional use-case verbs
    CLI_OPTIONS: frozenset[str]                      # options of `workbench train/evaluate/predict` it uses
    CLI_INSTEAD: dict[str, str]                      # optional: option -> what to use instead (CLI syntax)
    def evaluate_adapter(config, adapter_dir) -> dict             # `workbench evaluate`
    def predict_file(config, adapter_dir, input_path, output_path) -> str   # `workbench predict`

``CLI_OPTIONS`` names the data and model options of the core verbs that the use case really
uses, out of ``workbench.cli.DATA_OPTIONS`` (``data``, ``train``, ``val``, ``test``,
``text_column``, ``label_column``, ``column``, ``format``, ``sep``, ``decimal``, ``date_format``,
``encoding``, ``base_model``, ``allow_download``). The CLI refuses the others with exit code 2, naming the option, the use
case and ``CLI_INSTEAD[option]`` (written as a command line, never Python syntax), so an option
the run would ignore never lands in its ``config.yaml``. A use case that reads a user's CSV
passes ``workbench.tabular.table_options(config.data)`` to ``workbench.tabular.read_table``.

Honest choice: ``result["verdict"]`` names the best model on the test data (scored once,
:func:`workbench.metrics.verdict`); ``result["recommendation"]`` names the model to use, chosen
on validation data only (:func:`workbench.metrics.recommendation`). The run writes
``serving.json`` into the adapter folder (:func:`workbench.serving.serving_record`) with what it
stores beside the adapter, ``evaluate``/``predict`` serve the recommended model
(:func:`workbench.serving.serving_plan`), and ``TaskArgs.serve`` (default ``"recommended"``,
checked by ``problems``) lets the user name another.

The user's own split (``workbench.splits``): a use case that takes ``train``/``val``/``test``
reads separate files with ``splits.file_split(config.data, read)``, else uses the file's split
column (``splits.column_split``), else its own seeded split, and puts ``splits.record(...)`` into
``result["split"]`` so the run says which it used.
"""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import Any, Protocol, runtime_checkable

USECASES: dict[str, str] = {
    "legal_de": "workbench.usecases.legal_de",
    "legal_ner": "workbench.usecases.legal_ner",
    "maintenance": "workbench.usecases.maintenance",
    "supply_chain": "workbench.usecases.supply_chain",
}
"""Use-case name to module path, in the order the demo runs them."""


@runtime_checkable
class UseCase(Protocol):
    """What a use-case package provides (checked by the contract test)."""

    NAME: str
    TaskArgs: type

    def default_config(self, smoke: bool = False) -> Any: ...

    def run_experiment(self, config: Any) -> dict: ...

    def report_section(self, result: dict) -> str: ...


def get_usecase(name: str) -> ModuleType:
    """Import and return the use-case package called ``name``.

    Raises:
        KeyError: ``name`` is not a registered use case (the message lists the known ones).
    """
    if name not in USECASES:
        raise KeyError(f"unknown use case {name!r}; known: {', '.join(USECASES)}")
    return importlib.import_module(USECASES[name])


def available() -> list[str]:
    """Names of the use cases whose packages import (all of them in a complete install)."""
    out = []
    for name in USECASES:
        try:
            mod = get_usecase(name)
        except ImportError:
            continue
        if hasattr(mod, "run_experiment"):
            out.append(name)
    return out
