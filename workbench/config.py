"""Run configuration: nested dataclasses, YAML in and out, validated all at once.

A run is described by one :class:`RunConfig` with the sections ``run``, ``model``, ``data``,
``lora``, ``train``, ``eval`` and ``task`` (the use case's own dataclass). In notebooks build the
dataclasses in Python; from the command line load YAML and apply ``section.field=value``
overrides::

    cfg = RunConfig.from_yaml("configs/legal_de/tiny.yaml", task_cls=LegalTaskArgs,
                              overrides=["train.lr=1e-3", "lora.r=16"])
    cfg.to_yaml(cfg.run_dir() / "config.yaml")

Validation collects every problem of every section and raises one :class:`ConfigError` whose
message lists them, each naming its field (``train.lr: must be > 0, got -1``), so a user fixes a
YAML file in one go instead of one error per run (litgpt's habit).
"""

from __future__ import annotations

import dataclasses
import math
import types
import typing
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Union

import yaml

from workbench.io import atomic_write_text, safe_name


class ConfigError(ValueError):
    """One or more configuration problems; ``problems`` lists each, naming its field."""

    def __init__(self, problems: list[str]):
        self.problems = list(problems)
        super().__init__("invalid configuration:\n  - " + "\n  - ".join(self.problems))


def _check_type(value: Any, annotation: Any) -> bool:
    """Loose runtime check of a value against a field annotation (YAML gives plain types)."""
    if annotation is Any:
        return True
    origin = typing.get_origin(annotation)
    if origin in (Union, types.UnionType):
        return any(_check_type(value, arg) for arg in typing.get_args(annotation))
    if annotation is type(None):
        return value is None
    if origin in (list, tuple):
        return isinstance(value, (list, tuple))
    if origin is dict:
        return isinstance(value, dict)
    if typing.get_origin(annotation) is typing.Literal:
        return value in typing.get_args(annotation)
    if annotation is float:
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if annotation is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if isinstance(annotation, type):
        return isinstance(value, annotation)
    return True


class _Section:
    """Mixin: type checks from annotations plus the section's own ``_extra_problems``."""

    def problems(self, prefix: str) -> list[str]:
        """Return every problem of this section, each starting with ``prefix.field``."""
        out = []
        hints = typing.get_type_hints(type(self))
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if not _check_type(value, hints[f.name]):
                out.append(f"{prefix}.{f.name}: expected {_type_name(hints[f.name])}, got {value!r}")
            elif isinstance(value, float) and not math.isfinite(value):
                out.append(f"{prefix}.{f.name}: must be a finite number, got {value!r}")
        if not out:  # range checks assume the types are right
            out.extend(f"{prefix}.{p}" for p in self._extra_problems())
        return out

    def _extra_problems(self) -> list[str]:
        return []


def _type_name(annotation: Any) -> str:
    return getattr(annotation, "__name__", None) or str(annotation).replace("typing.", "")


@dataclass
class RunArgs(_Section):
    """Identity and bookkeeping of a run."""

    name: str = "run"
    """Run name; the outputs go to ``output_dir/name``. Letters, digits, ``._-`` only."""
    output_dir: str = "runs"
    """Directory that holds the run directories."""
    usecase: str = "legal_de"
    """Registered use case: ``legal_de``, ``legal_ner``, ``maintenance`` or ``supply_chain``."""
    seed: int = 42
    """Seed for data splits, initialisation and sampling."""
    resume: bool = True
    """Resume from the run's last checkpoint when one exists."""

    def _extra_problems(self) -> list[str]:
        out = []
        try:
            safe_name(self.name, what="run name")
        except ValueError as exc:
            out.append(f"name: {exc}")
        return out


@dataclass
class ModelArgs(_Section):
    """The base model."""

    base_model: str | None = None
    """Local directory or hub id of the base model; ``None`` takes the use case's embedded default."""
    trust_remote_code: bool = False
    """Run code shipped with a model. Off by default: only for models you trust."""
    allow_download: bool = False
    """Allow fetching a hub id from the internet. Off by default: the workbench is offline."""
    revision: str | None = None
    """Hub revision (commit) to pin when downloading."""


@dataclass
class DataArgs(_Section):
    """Where the data comes from and how it is split."""

    path: str | None = None
    """Data file (CSV, JSONL, Parquet, C-MAPSS text...); ``None`` uses the embedded default."""
    format: str | None = None
    """File format; ``None`` infers it from the suffix."""
    columns: dict = field(default_factory=dict)
    """Column roles to column names, e.g. ``{"text": "Text", "label": "Funktion"}``."""
    val_fraction: float = 0.1
    """Fraction of the training data held out for validation (early stopping, checkpoints)."""
    test_fraction: float = 0.2
    """Fraction held out for the final test when the data has no test split of its own."""
    split_seed: int = 0
    """Seed of the train/validation/test split, fixed so results are comparable."""
    max_rows: int | None = None
    """Use at most this many rows (smoke runs)."""
    sep: str | None = None
    """Column separator of a CSV file (``;``, ``,``, ``\\t``); ``None`` detects it."""
    decimal: str | None = None
    """Decimal mark of the numbers, ``,`` (German: ``1.234,56``) or ``.``; ``None`` detects it per column."""
    date_format: str | None = None
    """Form of the date columns, e.g. ``%d.%m.%Y`` (13.01.2024); ``None`` detects ``TT.MM.JJJJ`` and ISO."""
    encoding: str | None = None
    """Text encoding of the file; ``None`` tries UTF-8 (with or without BOM), then cp1252 (Excel)."""
    train: str | None = None
    """Separate training file (``--train``), used as given together with ``val``/``test``
    (``workbench.splits``); instead of ``path``."""
    val: str | None = None
    """Separate validation file (``--val``); without it, validation is carved from ``train``."""
    test: str | None = None
    """Separate test file (``--test``), read once, to score."""
    split_column: str = "split"
    """Column of the data file that assigns rows to train/val/test, used as given when present."""

    def _extra_problems(self) -> list[str]:
        out = []
        if (self.val or self.test) and not self.train:
            out.append("train: --val/--test need --train (data.train) too; or give one file with a split column")
        if self.train and self.path:
            out.append("train: give either one data file (data.path, --data) or separate files (--train/--val/--test), "
                       "not both")
        if not self.split_column:
            out.append("split_column: must be a column name (default 'split')")
        if self.decimal not in (None, ",", "."):
            out.append(f"decimal: must be ',' or '.', got {self.decimal!r}")
        if self.sep is not None and len(self.sep.replace("\\t", "\t")) != 1 and self.sep.lower() != "tab":
            out.append(f"sep: must be one character (';', ',', '\\t' or 'tab'), got {self.sep!r}")
        if self.date_format is not None and "%" not in self.date_format:
            out.append(f"date_format: must be a strftime form like '%d.%m.%Y', got {self.date_format!r}")
        if self.encoding is not None:
            import codecs

            try:
                codecs.lookup(self.encoding)
            except LookupError:
                out.append(f"encoding: unknown encoding {self.encoding!r} (e.g. 'utf-8', 'cp1252')")
        for name in ("val_fraction", "test_fraction"):
            value = getattr(self, name)
            if not 0.0 <= value < 1.0:
                out.append(f"{name}: must be in [0, 1), got {value}")
        if self.val_fraction + self.test_fraction >= 1.0:
            out.append("test_fraction: val_fraction + test_fraction must be < 1")
        if self.max_rows is not None and self.max_rows <= 0:
            out.append(f"max_rows: must be positive, got {self.max_rows}")
        return out


@dataclass
class LoraArgs(_Section):
    """LoRA adapter settings (peft ``LoraConfig`` underneath)."""

    r: int = 8
    """Rank of the low-rank update."""
    alpha: float = 16
    """Scaling numerator: the update is scaled by ``alpha / r`` (``alpha / sqrt(r)`` with rsLoRA)."""
    dropout: float = 0.05
    """Dropout on the LoRA input."""
    target_modules: list | str | None = None
    """Module names to adapt; ``None`` finds them for the architecture, ``"all-linear"`` takes all."""
    modules_to_save: list | None = None
    """Modules trained fully and saved with the adapter (heads, norm layers with running stats)."""
    use_rslora: bool = False
    """Rank-stabilised scaling ``alpha / sqrt(r)`` (Kalajdzievski 2023)."""
    use_dora: bool = False
    """Weight-decomposed LoRA (Liu et al. 2024)."""
    bias: str = "none"
    """Which biases to train: ``none``, ``all`` or ``lora_only``."""

    def _extra_problems(self) -> list[str]:
        out = []
        if self.r <= 0:
            out.append(f"r: must be a positive integer, got {self.r}")
        if self.alpha <= 0:
            out.append(f"alpha: must be > 0, got {self.alpha}")
        if not 0.0 <= self.dropout < 1.0:
            out.append(f"dropout: must be in [0, 1), got {self.dropout}")
        if self.bias not in ("none", "all", "lora_only"):
            out.append(f"bias: must be one of none, all, lora_only, got {self.bias!r}")
        if isinstance(self.target_modules, str) and self.target_modules != "all-linear":
            out.append(f"target_modules: a string must be 'all-linear', got {self.target_modules!r}")
        return out


PRECISIONS = ("auto", "32-true", "bf16-mixed", "bf16-true", "16-mixed")


@dataclass
class TrainArgs(_Section):
    """Optimisation and hardware settings (Lightning ``Trainer`` underneath)."""

    max_epochs: int = 5
    """Maximum number of passes over the training data."""
    max_steps: int = -1
    """Stop after this many optimiser steps (-1: no limit)."""
    batch_size: int = 16
    """Samples per step and device (before gradient accumulation)."""
    lr: float = 5e-4
    """Peak learning rate of AdamW."""
    weight_decay: float = 0.01
    """AdamW weight decay."""
    warmup_ratio: float = 0.1
    """Fraction of the steps with a linear warm-up; then cosine decay."""
    grad_accum: int = 1
    """Accumulate gradients over this many batches per optimiser step."""
    grad_clip: float | None = 1.0
    """Clip the gradient norm to this value (``None``: no clipping)."""
    precision: str = "auto"
    """``auto`` (bf16-mixed on a GPU that supports it, else 32-true) or a Lightning precision."""
    accelerator: str = "auto"
    """``auto``, ``cpu``, ``gpu``/``cuda`` or ``mps``."""
    devices: int | str = "auto"
    """Number of devices or ``auto``."""
    strategy: str = "auto"
    """Lightning strategy: ``auto``, ``ddp``, ``ddp_spawn``, ``ddp_notebook``, ``fsdp``..."""
    num_nodes: int = 1
    """Number of nodes for multi-node training."""
    gradient_checkpointing: bool = False
    """Recompute activations in the backward pass to save memory (HF models only)."""
    early_stopping_patience: int | None = None
    """Stop after this many validations without improvement (``None``: off)."""
    num_workers: int = 0
    """DataLoader worker processes."""
    group_by_length: bool = True
    """Batch samples of similar length together (less padding, faster on text)."""
    compile: bool | str = "auto"
    """``auto``, ``true`` or ``false``: ``torch.compile`` one transformer block at a time
    (``training.compile_model``). ``auto`` compiles on a CUDA GPU when the run has enough steps to win
    back the compile time (about 300 steps on the 1.1B Llama benchmark), never on CPU/MPS, where compiling
    costs more than it saves (``training_speed.decide_compile``, ``benchmarks/bench_compile.py``)."""
    logger: str = "csv"
    """``csv`` (always available), ``tensorboard`` or ``mlflow`` (when installed), or ``none``."""
    progress_bar: bool = True
    """Show a progress bar (rich in a terminal, tqdm widget in Jupyter)."""
    limit_train_batches: int | float | None = None
    """Use only this many (or this fraction of) training batches per epoch (smoke runs)."""
    checkpoint_every_n_steps: int | None = None
    """Also save ``last.ckpt`` every n optimiser steps (``None``: at each epoch end)."""
    max_minutes: float | None = None
    """Time budget of the training loop in minutes (``None``: none). When it runs out, training stops
    after the current batch, validates that partial epoch and keeps the best validation state, so a
    large file finishes in a known time with fewer epochs (Lightning's ``max_time``; a resumed run
    counts the time already spent)."""

    def _extra_problems(self) -> list[str]:
        out = []
        for name in ("max_epochs", "batch_size", "grad_accum", "num_nodes"):
            if getattr(self, name) <= 0:
                out.append(f"{name}: must be a positive integer, got {getattr(self, name)}")
        if self.lr <= 0:
            out.append(f"lr: must be > 0, got {self.lr}")
        if self.weight_decay < 0:
            out.append(f"weight_decay: must be >= 0, got {self.weight_decay}")
        if not 0.0 <= self.warmup_ratio < 1.0:
            out.append(f"warmup_ratio: must be in [0, 1), got {self.warmup_ratio}")
        if self.grad_clip is not None and self.grad_clip <= 0:
            out.append(f"grad_clip: must be > 0 or null, got {self.grad_clip}")
        if self.precision not in PRECISIONS:
            out.append(f"precision: must be one of {', '.join(PRECISIONS)}, got {self.precision!r}")
        if self.logger not in ("csv", "tensorboard", "mlflow", "none"):
            out.append(f"logger: must be csv, tensorboard, mlflow or none, got {self.logger!r}")
        if self.early_stopping_patience is not None and self.early_stopping_patience <= 0:
            out.append(f"early_stopping_patience: must be positive or null, got {self.early_stopping_patience}")
        if self.num_workers < 0:
            out.append(f"num_workers: must be >= 0, got {self.num_workers}")
        if self.max_minutes is not None and not (isinstance(self.max_minutes, (int, float)) and self.max_minutes > 0):
            out.append(f"max_minutes: must be a positive number of minutes or null, got {self.max_minutes!r}")
        if not isinstance(self.compile, bool) and self.compile != "auto":
            out.append(f"compile: must be true, false or 'auto', got {self.compile!r}")
        return out


@dataclass
class EvalArgs(_Section):
    """Evaluation settings."""

    batch_size: int = 64
    """Batch size for prediction."""
    baseline: bool = True
    """Also fit and score the classical baseline."""
    frozen_base: bool = True
    """Also score the frozen base model with a trained head."""

    def _extra_problems(self) -> list[str]:
        return [f"batch_size: must be positive, got {self.batch_size}"] if self.batch_size <= 0 else []


_SECTIONS = {"run": RunArgs, "model": ModelArgs, "data": DataArgs, "lora": LoraArgs, "train": TrainArgs, "eval": EvalArgs}


@dataclass
class RunConfig:
    """A complete run: every section, plus the use case's own ``task`` section."""

    run: RunArgs = field(default_factory=RunArgs)
    """Identity and bookkeeping."""
    model: ModelArgs = field(default_factory=ModelArgs)
    """Base model."""
    data: DataArgs = field(default_factory=DataArgs)
    """Data source and split."""
    lora: LoraArgs = field(default_factory=LoraArgs)
    """LoRA adapter."""
    train: TrainArgs = field(default_factory=TrainArgs)
    """Optimisation and hardware."""
    eval: EvalArgs = field(default_factory=EvalArgs)
    """Evaluation."""
    task: Any = None
    """The use case's own settings (a dataclass with ``problems(prefix)``), or ``None``."""

    def __post_init__(self) -> None:
        self.validate()

    def problems(self) -> list[str]:
        """Return every problem of every section."""
        out = []
        for name, cls in _SECTIONS.items():
            section = getattr(self, name)
            if not isinstance(section, cls):
                out.append(f"{name}: expected a {cls.__name__}, got {type(section).__name__}")
            else:
                out.extend(section.problems(name))
        if self.task is not None and hasattr(self.task, "problems"):
            out.extend(self.task.problems("task"))
        return out

    def validate(self) -> "RunConfig":
        """Raise :class:`ConfigError` listing every problem, or return ``self``."""
        problems = self.problems()
        if problems:
            raise ConfigError(problems)
        return self

    def run_dir(self) -> Path:
        """The directory of this run's outputs: ``run.output_dir / run.name``."""
        return Path(self.run.output_dir) / self.run.name

    # ----------------------------------------------------------------- conversion
    def to_dict(self) -> dict:
        """Plain nested dict (YAML- and JSON-ready)."""
        out = {name: dataclasses.asdict(getattr(self, name)) for name in _SECTIONS}
        if self.task is not None:
            out["task"] = dataclasses.asdict(self.task) if dataclasses.is_dataclass(self.task) else dict(self.task)
        return out

    def to_yaml(self, path: str | Path | None = None) -> str:
        """Return the config as YAML and, when ``path`` is given, write it atomically."""
        text = yaml.safe_dump(self.to_dict(), sort_keys=False, allow_unicode=True)
        if path is not None:
            atomic_write_text(path, text)
        return text

    @classmethod
    def from_dict(cls, data: dict | None, task_cls: type | None = None) -> "RunConfig":
        """Build and validate a config from a nested dict.

        Args:
            data: Sections to field values; missing sections and fields take their defaults.
            task_cls: The use case's ``TaskArgs`` dataclass for the ``task`` section.

        Raises:
            ConfigError: Listing unknown sections, unknown fields and invalid values at once.
        """
        data = dict(data or {})
        problems: list[str] = []
        kwargs: dict[str, Any] = {}
        known = set(_SECTIONS) | {"task"}
        for key in data:
            if key not in known:
                problems.append(f"{key}: unknown section (expected one of {', '.join(sorted(known))})")
        for name, section_cls in _SECTIONS.items():
            kwargs[name] = _build_section(section_cls, data.get(name), name, problems)
        task_data = data.get("task")
        if task_cls is not None:
            kwargs["task"] = _build_section(task_cls, task_data, "task", problems)
        elif task_data is not None:
            kwargs["task"] = None
            problems.append("task: this config has a task section but no use case was given to read it")
        for name, section in kwargs.items():
            if section is not None and hasattr(section, "problems"):
                problems.extend(section.problems(name))
        if problems:
            raise ConfigError(problems)
        return cls(**kwargs)

    @classmethod
    def from_yaml(cls, path: str | Path, task_cls: type | None = None, overrides: list[str] | tuple = ()) -> "RunConfig":
        """Load a YAML file, apply ``section.field=value`` overrides, validate.

        Raises:
            FileNotFoundError: The file does not exist.
            ConfigError: The YAML is malformed or the values are invalid.
        """
        path = Path(path)
        if not path.is_file():
            raise FileNotFoundError(f"config file not found: {path}")
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except UnicodeDecodeError as exc:
            raise ConfigError([f"{path}: not UTF-8 text (byte {exc.start}): save the config as UTF-8"]) from None
        except yaml.YAMLError as exc:
            raise ConfigError([f"{path}: not valid YAML: {exc}"]) from None
        if not isinstance(data, dict):
            raise ConfigError([f"{path}: expected a mapping of sections, got {type(data).__name__}"])
        data = apply_overrides(data, overrides)
        return cls.from_dict(data, task_cls=task_cls)

    def with_overrides(self, overrides: list[str] | tuple) -> "RunConfig":
        """Return a new validated config with ``section.field=value`` overrides applied."""
        task_cls = type(self.task) if dataclasses.is_dataclass(self.task) else None
        renamed = []
        for item in overrides or ():
            key, sep, raw = item.partition("=")
            section, _, name = key.strip().partition(".")
            obj = getattr(self, section, None) if section else None
            aliases = getattr(type(obj), "ALIASES", {}) if dataclasses.is_dataclass(obj) else {}
            if name in aliases:  # an old setting name: the override sets the renamed field
                warnings.warn(f"{section}.{name} is renamed to {section}.{aliases[name]}; the old name still "
                              "works for now", FutureWarning, stacklevel=2)
                item = f"{section}.{aliases[name]}{sep}{raw}"
            renamed.append(item)
        return RunConfig.from_dict(apply_overrides(self.to_dict(), renamed), task_cls=task_cls)


def _build_section(section_cls: type, values: Any, name: str, problems: list[str]) -> Any:
    if values is None:
        values = {}
    if dataclasses.is_dataclass(values) and not isinstance(values, type):
        return values
    if not isinstance(values, dict):
        problems.append(f"{name}: expected a mapping of fields, got {values!r}")
        return section_cls()
    names = {f.name for f in dataclasses.fields(section_cls)}
    aliases = getattr(section_cls, "ALIASES", {})  # renamed settings still accepted: old -> new name
    for old in [k for k in values if k in aliases]:
        new = aliases[old]
        if new in values:
            problems.append(f"{name}.{old}: renamed to {name}.{new}; give only {name}.{new}")
            continue
        warnings.warn(f"{name}.{old} is renamed to {name}.{new}; the old name still works for now",
                      FutureWarning, stacklevel=3)
        values = {(new if k == old else k): v for k, v in values.items()}
    unknown = sorted(set(values) - names)
    for key in unknown:
        problems.append(f"{name}.{key}: unknown field (expected one of {', '.join(sorted(names))})")
    hints = typing.get_type_hints(section_cls)
    kwargs = {k: _coerce(v, hints[k]) for k, v in values.items() if k in names}
    try:
        return section_cls(**kwargs)
    except ConfigError as exc:  # a TaskArgs that validates itself in __post_init__
        problems.extend(exc.problems)
        return None
    except (TypeError, ValueError) as exc:
        problems.append(f"{name}: {exc}")
        return None


def _coerce(value: Any, annotation: Any) -> Any:
    """YAML 1.1 reads ``1e-4`` (no dot) as a string: accept it where a float is expected."""
    wants_float = annotation is float or float in typing.get_args(annotation)
    if wants_float and isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return value
    return value


def apply_overrides(data: dict, overrides: list[str] | tuple) -> dict:
    """Apply ``section.field=value`` strings to a nested dict (values parsed as YAML).

    Raises:
        ConfigError: An override is not of the form ``section.field=value``.
    """
    import copy

    data = copy.deepcopy(data)
    problems = []
    for item in overrides or ():
        key, sep, raw = item.partition("=")
        parts = key.strip().split(".")
        if not sep or len(parts) < 2 or not all(parts):
            problems.append(f"override {item!r}: expected section.field=value, e.g. train.lr=1e-4")
            continue
        try:
            value = yaml.safe_load(raw) if raw.strip() else None
        except yaml.YAMLError:
            value = raw
        node = data
        for part in parts[:-1]:
            node = node.setdefault(part, {})
            if not isinstance(node, dict):
                problems.append(f"override {item!r}: {part} is not a section")
                break
        else:
            node[parts[-1]] = value
    if problems:
        raise ConfigError(problems)
    return data


def field_docs(cls: type) -> dict[str, str]:
    """Return ``{field: docstring}`` of a config dataclass (attribute docstrings in the source)."""
    import ast
    import inspect
    import textwrap

    tree = ast.parse(textwrap.dedent(inspect.getsource(cls)))
    docs: dict[str, str] = {}
    body = tree.body[0].body  # type: ignore[attr-defined]
    for prev, node in zip(body, body[1:]):
        if isinstance(prev, ast.AnnAssign) and isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
            docs[prev.target.id] = str(node.value.value)  # type: ignore[union-attr]
    return docs
