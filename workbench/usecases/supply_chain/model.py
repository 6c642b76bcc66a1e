"""The demand forecaster: a PatchTST backbone, a covariate encoder and a monotone quantile head.

How the known future covariates reach the forecast. PatchTST is channel-independent: its
encoder embeds each input channel on its own with shared weights, so adding promotions or
prices as extra *input channels* lets no information flow into the demand channel inside the
backbone. We keep the backbone channel-independent (that is what makes it transfer across
SKUs) and mix in the head instead:

1. The backbone encodes the past channels (scaled demand, observed flag, promotion, log price
   ratio, holiday); the head flattens *all* channels' patch embeddings into one context vector
   (``context_proj``), so past promotions can explain past spikes.
2. A small MLP (``cov_in`` -> ``cov_out``) embeds each horizon day's known covariates
   (promotion, log price ratio, holiday, day before a holiday, after-promotion dip window,
   weekday, day of year), plus a learned embedding of the horizon step.
3. Per horizon day, ``head_hidden`` -> ``head_out`` read [context, covariate embedding] and emit
   Q daily and Q cumulative quantiles. Monotonicity in tau is built in: the lowest quantile is
   ``softplus(z_0)`` and each next one adds ``softplus(z_k)``, so quantiles never cross and are
   never negative (demand is >= 0). Cumulative quantiles are sums of non-negative increments,
   so they also grow with the horizon.

This is the "covariate encoder added to the head input" design (as in TiDE, Das et al. 2023,
which also encodes known future covariates per step and decodes per step). It is cheap, keeps
the pretrained backbone unchanged, and LoRA adapts both the backbone's attention and the head.

Usage (the scikit-learn-like estimator)::

    from workbench.usecases.supply_chain.model import DemandForecaster
    fc = DemandForecaster(task=SupplyTaskArgs(), mode="lora").fit(train_df)
    forecasts = fc.predict(df)           # quantiles from the end of each series
    fc.save("runs/x/adapter"); DemandForecaster.load("runs/x/adapter")

Base model pretraining, caching and the shipped bases live in
:mod:`workbench.usecases.supply_chain.pretrain`.
"""

from __future__ import annotations

import copy
import dataclasses
import json
import shutil
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import torch
import torch.nn.functional as F
from torch import nn

from workbench.usecases.supply_chain.config import SupplyTaskArgs
from workbench.windows import FUTURE_FEATURES, PAST_CHANNELS

# Architecture fields of SupplyTaskArgs that define the module's shapes.
ARCH_FIELDS = ("context_length", "horizon", "quantiles", "patch_length", "patch_stride", "d_model", "num_layers",
               "num_heads", "ffn_dim", "dropout", "head_hidden", "covariate_dim")
# LoRA targets: PatchTST's attention and feed-forward linears plus the head's linears.
LORA_TARGETS = ["q_proj", "k_proj", "v_proj", "out_proj", "ff.0", "ff.3",
                "context_proj", "cov_in", "cov_out", "head_hidden", "head_out"]
BASE_VERSION = "supply-base-v1"  # bump when the architecture or the pretraining recipe changes


def arch_config(args: SupplyTaskArgs) -> dict:
    """The architecture fields of ``args`` as a plain dict (saved beside the weights)."""
    return {k: (list(v) if isinstance(v, (list, tuple)) else v) for k, v in dataclasses.asdict(args).items()
            if k in ARCH_FIELDS}


class QuantileForecaster(nn.Module):
    """PatchTST + covariate encoder + monotone quantile head (see the module docstring).

    Args:
        config: Architecture fields (see :data:`ARCH_FIELDS`), e.g. ``arch_config(SupplyTaskArgs())``.
    """

    def __init__(self, config: dict):
        super().__init__()
        from transformers import PatchTSTModel

        from workbench.timeseries import PatchTSTSpec

        self.config = dict(config)
        c = self.config
        spec = PatchTSTSpec(context_length=c["context_length"], patch_length=c["patch_length"],
                            patch_stride=c["patch_stride"], d_model=c["d_model"], num_layers=c["num_layers"],
                            num_heads=c["num_heads"], ffn_dim=c["ffn_dim"], dropout=c["dropout"],
                            head_dropout=0.0, norm_type="layernorm")
        self.backbone = PatchTSTModel(spec.hf_config(len(PAST_CHANNELS), do_mask_input=False))
        n_patches = (max(c["context_length"], c["patch_length"]) - c["patch_length"]) // c["patch_stride"] + 1
        self.horizon, self.n_quantiles = c["horizon"], len(c["quantiles"])
        self.context_proj = nn.Linear(len(PAST_CHANNELS) * n_patches * c["d_model"], c["head_hidden"])
        self.cov_in = nn.Linear(len(FUTURE_FEATURES), c["covariate_dim"])
        self.cov_out = nn.Linear(c["covariate_dim"], c["covariate_dim"])
        self.horizon_embedding = nn.Parameter(torch.randn(c["horizon"], c["covariate_dim"]) * 0.02)
        self.head_hidden = nn.Linear(c["head_hidden"] + c["covariate_dim"], c["head_hidden"])
        self.head_out = nn.Linear(c["head_hidden"], 2 * self.n_quantiles)

    @staticmethod
    def _monotone(z: torch.Tensor) -> torch.Tensor:
        # q_0 = softplus(z_0), q_k = q_{k-1} + softplus(z_k): ordered and non-negative.
        return torch.cumsum(F.softplus(z), dim=-1)

    def forward(self, past: torch.Tensor, future: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Quantile forecasts in scaled units.

        Args:
            past: ``(B, C, 5)`` past channels.
            future: ``(B, H, 14)`` known covariates of the horizon days.

        Returns:
            ``(daily, cumulative)``, each ``(B, H, Q)``.
        """
        h = self.backbone(past_values=past).last_hidden_state           # (B, channels, patches, d_model)
        ctx = F.gelu(self.context_proj(h.flatten(1)))                    # (B, hidden)
        cov = self.cov_out(F.gelu(self.cov_in(future))) + self.horizon_embedding  # (B, H, cov)
        z = torch.cat([ctx.unsqueeze(1).expand(-1, cov.shape[1], -1), cov], dim=-1)
        out = self.head_out(F.gelu(self.head_hidden(z)))                 # (B, H, 2Q)
        q = self.n_quantiles
        daily = self._monotone(out[..., :q])
        cumulative = torch.cumsum(self._monotone(out[..., q:]), dim=1)
        return daily, cumulative


# ----------------------------------------------------------------------------- saved forecasters
def saved_task_args(path: str | Path) -> tuple[SupplyTaskArgs, dict]:
    """The task settings of a forecaster saved in ``path`` (and its whole ``supply_forecaster.json``),
    read without loading any weights: serving a baseline from an adapter folder needs only these.

    Raises:
        FileNotFoundError: ``path`` holds no saved supply-chain forecaster.
    """
    meta_path = Path(path) / "supply_forecaster.json"
    if not meta_path.is_file():
        raise FileNotFoundError(f"{path} is not a saved supply-chain forecaster (no supply_forecaster.json)")
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    return SupplyTaskArgs(**{SupplyTaskArgs.ALIASES.get(k, k): v for k, v in meta["task"].items()}), meta


def save_forecaster(model: QuantileForecaster, path: str | Path, info: dict | None = None) -> Path:
    """Save weights (safetensors) and architecture (JSON) atomically into a directory."""
    from safetensors.torch import save_file

    from workbench.io import atomic_directory, atomic_write_json

    path = Path(path)
    with atomic_directory(path) as tmp:
        state = {k: v.detach().cpu().contiguous() for k, v in model.state_dict().items()}
        save_file(state, str(tmp / "model.safetensors"))
        atomic_write_json(tmp / "config.json", model.config)
        if info is not None:
            atomic_write_json(tmp / "info.json", info)
    return path


def load_forecaster(path: str | Path) -> QuantileForecaster:
    """Load a forecaster saved by :func:`save_forecaster` (safetensors only, no pickle)."""
    from safetensors.torch import load_file

    path = Path(path)
    if not (path / "model.safetensors").is_file() or not (path / "config.json").is_file():
        raise FileNotFoundError(f"{path} holds no saved forecaster (model.safetensors + config.json expected)")
    model = QuantileForecaster(json.loads((path / "config.json").read_text()))
    model.load_state_dict(load_file(str(path / "model.safetensors")), strict=True)
    return model.eval()


def origin_stride(freq: str) -> int:
    """Periods between validation origins: a week on daily data (neighbouring days are nearly the
    same window), every period on weekly and monthly data (whose validation holds only a few)."""
    return 7 if freq == "D" else 1


def base_model_id(info: dict) -> str:
    """How an adapter refers to its base (the cache directory name)."""
    return f"workbench-cache:{Path(info['path']).name}"


def clone_model(model: nn.Module) -> nn.Module:
    """Deep copy (peft wraps modules in place, so each variant needs its own copy)."""
    return copy.deepcopy(model)


def remove_dir(path: str | Path) -> None:
    """Remove a directory tree if it exists (used for temporary run folders)."""
    shutil.rmtree(path, ignore_errors=True)


# ----------------------------------------------------------------------------- the estimator
MODES = ("lora", "full", "frozen")


def validation_loss(model: nn.Module, task, loader) -> float:
    """The task's loss over every window of ``loader``, weighted by window (no gradients)."""
    was = model.training
    model.eval()
    total, n = 0.0, 0
    with torch.no_grad():
        for batch in loader:
            size = int(batch["target"].shape[0])
            total += float(task.step(model, batch).loss) * size
            n += size
    model.train(was)
    return total / max(n, 1)


def _reset_to_base(model: nn.Module, base: nn.Module) -> None:
    """Give ``model`` (a LoRA-wrapped or fully fine-tuned copy of ``base``) the base's function back:
    LoRA's B matrices to zero (the adapter then adds nothing), or the base's weights."""
    lora_b = [p for name, p in model.named_parameters() if "lora_B" in name]
    with torch.no_grad():
        if lora_b:
            for p in lora_b:
                p.zero_()
        else:
            model.load_state_dict(base.state_dict())


CALIBRATION_WINDOWS = 20_000
"""Validation windows (at most, drawn at random) for the conformal quantile shifts. Every model (the
adapter, full fine-tuning, the frozen base and the baselines) draws the same windows with the same
seed, so their validation pinball losses compare, and the run recommends a model on them
(:func:`workbench.usecases.supply_chain.widgets.validation_recommendation`). 20,000 windows leave
the shift of each of a few quantile levels well determined; per-series baselines are slow beyond."""


class DemandForecaster:
    """Scikit-learn-like demand forecaster: a pretrained base, adapted with LoRA (or fully, or not).

    Args:
        task: Use-case settings (:class:`SupplyTaskArgs`).
        lora: LoRA settings; ``target_modules=None`` takes :data:`LORA_TARGETS`.
        train: Training settings of the adaptation.
        mode: ``"lora"`` (adapter on the frozen base), ``"full"`` (all weights of a copy of the
            base) or ``"frozen"`` (the base as it is, zero-shot).
        base: A base :class:`QuantileForecaster`; ``None`` takes the cached pretrained one.
        seed: Seed of the adaptation.

    Fitted attributes: ``model_``, ``history_``, ``fit_result_``, ``base_info_``, ``n_train_windows_``,
    ``val_loss_`` (the validation loss of the base and of the adapted model), ``kept_base_`` (True when
    adapting did not lower it, so the adapted model was given the base's function back),
    ``quantile_calibration_`` (a :class:`~workbench.usecases.supply_chain.calibration.QuantileCalibration`
    fitted on the validation period, or ``None``) and ``calibration_report_`` (its validation
    pinball loss and 80 % coverage before and after).
    """

    def __init__(self, task: SupplyTaskArgs | None = None, lora=None, train=None, mode: str = "lora",
                 base: QuantileForecaster | None = None, seed: int = 0):
        self.task = task
        self.lora = lora
        self.train = train
        self.mode = mode
        self.base = base
        self.seed = seed

    @classmethod
    def from_config(cls, config, base: QuantileForecaster | None = None, *, mode: str = "lora") -> "DemandForecaster":
        """The forecaster a run trains in ``mode``, with the run's task, LoRA, training settings and seed.

        ``workbench supply backtest`` and notebook 04 build their models here, so the notebook's
        adapter is the run's.
        """
        return cls(task=config.task, lora=config.lora, train=config.train, mode=mode, base=base, seed=config.run.seed)

    # -- helpers
    def _args(self) -> SupplyTaskArgs:
        return self.task if self.task is not None else SupplyTaskArgs()

    def _base(self) -> tuple[QuantileForecaster, dict]:
        if self.base is not None:
            return self.base, {"path": "in-memory", "from_cache": None}
        from workbench.usecases.supply_chain.pretrain import pretrained_base

        return pretrained_base(self._args(), freq=getattr(self, "freq_", "D"))

    @staticmethod
    def _panel(data):
        from workbench.usecases.supply_chain.data import validate_demand
        from workbench.windows import DemandPanel

        if isinstance(data, DemandPanel):
            return data
        if not isinstance(data, pd.DataFrame):
            raise TypeError(f"data must be a long DataFrame or a DemandPanel, got {type(data).__name__}")
        if "freq" not in data.attrs:
            data = validate_demand(data)
        return DemandPanel.from_frame(data)

    # -- fit
    def fit(self, data, *, train_end: int | None = None, val_end: int | None = None, run_dir=None) -> "DemandForecaster":
        """Adapt the base to ``data``.

        Args:
            data: Long demand table (validated or not) or a ``DemandPanel``.
            train_end: Day index where training targets end (default ``val_end - task.val_periods``).
            val_end: Day index where validation targets end (default: the last day).
            run_dir: Where checkpoints and ``metrics.csv`` go (default: a temporary directory).

        Returns:
            ``self``.
        """
        from workbench.config import LoraArgs, TrainArgs
        from workbench.lora import apply_lora
        from workbench.training import fit, make_loader
        from workbench.usecases.supply_chain.task import QuantileTask
        from workbench.windows import (ForecastWindows, batch_identity, sample_origins,
                                                             training_origins)

        if self.mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}, got {self.mode!r}")
        args = self._args()
        panel = self._panel(data)
        self.freq_ = panel.freq  # the base that fits this data's frequency; saved, so load finds it again
        base, self.base_info_ = self._base()
        T = len(panel.dates)
        val_end = T if val_end is None else val_end
        train_end = val_end - args.val_periods if train_end is None else train_end
        self.n_train_windows_ = 0
        self.history_ = pd.DataFrame()
        self.fit_result_ = None
        self.quantile_calibration_ = None
        self.calibration_report_ = {}
        self.validation_forecasts_ = None
        if self.mode == "frozen":
            self.model_ = base.eval()
            return self
        model = clone_model(base)
        torch.manual_seed(self.seed)  # LoRA's A matrices (and a fresh head) start from the seed, not from chance
        if self.mode == "lora":
            lora = self.lora or LoraArgs(r=8, alpha=16, dropout=0.0)
            if lora.target_modules is None:
                lora = dataclasses.replace(lora, target_modules=list(LORA_TARGETS))
            model = apply_lora(model, lora, task_type=None)
        else:
            for p in model.parameters():
                p.requires_grad_(True)
        tr = training_origins(panel, context=args.context_length, horizon=args.horizon, first=0, last=train_end,
                              stride=args.window_stride, min_history=args.min_history)
        va = training_origins(panel, context=args.context_length, horizon=args.horizon, first=train_end,
                              last=val_end, stride=origin_stride(panel.freq), min_history=args.min_history)
        tr = sample_origins(tr, args.max_train_windows, seed=self.seed)
        if len(tr) == 0:
            raise ValueError(f"no training windows: the series need at least {args.min_history} observed days "
                             f"plus a horizon of {args.horizon} days before the validation period")
        targs = self.train or TrainArgs(max_epochs=5, batch_size=128, lr=2e-3, progress_bar=False)
        train_loader = make_loader(ForecastWindows(panel, args.context_length, args.horizon, tr), targs.batch_size,
                                   batch_identity, seed=self.seed)
        val_loader = make_loader(ForecastWindows(panel, args.context_length, args.horizon, va), 512, batch_identity,
                                 shuffle=False) if len(va) else None
        tmp = None
        if run_dir is None:
            tmp = tempfile.mkdtemp(prefix="supply-fit-")
            run_dir = tmp
        task = QuantileTask(args.quantiles, volume_power=args.loss_volume_power)
        # The untrained model is the base itself (LoRA's B matrices start at zero; full fine-tuning
        # starts from the base's weights): it competes with every trained epoch on the validation
        # windows, so adapting never ends worse there than not adapting.
        start = validation_loss(model, task, val_loader) if val_loader is not None else None
        try:
            self.fit_result_ = fit(model, task, train_loader, val_loader, targs, run_dir, resume=False, seed=self.seed)
        finally:
            if tmp is not None:
                remove_dir(tmp)
        self.history_ = self.fit_result_.history
        end = validation_loss(model, task, val_loader) if val_loader is not None else None
        self.kept_base_ = start is not None and end is not None and end >= start
        self.val_loss_ = {"base": start, "adapted": end}
        if self.kept_base_:
            _reset_to_base(model, base)
            from workbench.progress import emit

            emit(f"{'LoRA' if self.mode == 'lora' else 'fine-tuning'} did not lower the validation loss of the base "
                 f"({end:.4f} against {start:.4f}): the adapted model keeps the base's weights")
        self.model_ = model.eval()
        self.n_train_windows_ = int(len(tr))
        if args.calibrate_quantiles:
            self._fit_calibration(panel, train_end, val_end)
        return self

    def _fit_calibration(self, panel, train_end: int, val_end: int) -> None:
        """Quantile calibration from origins whose whole horizon lies in ``[train_end, val_end)``."""
        from workbench.usecases.supply_chain.backtest import forecast_model
        from workbench.usecases.supply_chain.calibration import (apply_forecast_calibration, calibration_origins,
                                                                 calibration_report, fit_forecast_calibration)

        args = self._args()
        va = calibration_origins(panel, args, train_end, val_end, max_windows=CALIBRATION_WINDOWS, seed=self.seed)
        if len(va) == 0:
            return
        fc_val = forecast_model(self.model_, panel, va, args, name="validation")
        self.quantile_calibration_ = fit_forecast_calibration(fc_val, panel, args.context_length,
                                                              method=args.calibration_method, seed=self.seed)
        # Kept for the run's blend with a baseline (its weight is chosen on these windows); not saved.
        self.validation_forecasts_ = apply_forecast_calibration(self.quantile_calibration_, fc_val, panel,
                                                                args.context_length)
        self.calibration_report_ = calibration_report(fc_val, self.quantile_calibration_, panel, args.context_length,
                                                      calibrated=self.validation_forecasts_)

    # -- predict
    def _check_fitted(self) -> None:
        if not hasattr(self, "model_"):
            raise RuntimeError("this DemandForecaster is not fitted yet: call fit(data) or load(path) first")

    def predict(self, data, *, origins: np.ndarray | None = None, calibrated: bool = True):
        """Quantile forecasts in demand units.

        Args:
            data: History (long table or ``DemandPanel``). Known covariates of the horizon days
                must be in the data when ``origins`` lie inside it; for forecasts beyond the last
                date, the horizon is assumed to have no promotions, the last price and no holidays
                (append rows with planned covariates to forecast with them).
            origins: ``(n, 2)`` (series index, first forecast day index); default: the day after
                the last date for every series.
            calibrated: Apply the validation-period calibration (``quantile_calibration_``); ``False``
                gives the model's raw quantiles (see :meth:`calibrate`).

        Returns:
            A :class:`~workbench.usecases.supply_chain.backtest.Forecasts`.
        """
        from workbench.usecases.supply_chain.backtest import forecast_model

        self._check_fitted()
        panel = self._panel(data)
        if origins is None:
            origins = np.column_stack([np.arange(len(panel)), np.full(len(panel), len(panel.dates))])
        fc = forecast_model(self.model_, panel, origins, self._args(), name=self.mode)
        return self.calibrate(fc, panel) if calibrated else fc

    def calibrate(self, fc, data):
        """A copy of raw forecasts ``fc`` with the validation-period calibration applied (``fc`` itself if none).

        Args:
            fc: Raw forecasts (``predict(..., calibrated=False)``).
            data: The data they were made from (each window's group is read from its context).
        """
        from workbench.usecases.supply_chain.calibration import apply_forecast_calibration

        cal = getattr(self, "quantile_calibration_", None)
        return apply_forecast_calibration(cal, fc, self._panel(data), self._args().context_length)

    def evaluate(self, data) -> dict:
        """Rolling-origin backtest of this (fitted) model on the last ``test_periods`` of ``data``.

        Returns:
            ``{"accuracy": summary, "inventory": portfolio figures at the target service level}``.
        """
        from workbench.usecases.supply_chain.backtest import Split, evaluate, simulate_portfolio

        self._check_fitted()
        args = self._args()
        panel = self._panel(data)
        split = Split.from_args(len(panel.dates), args)
        fc = self.predict(panel, origins=split.test_origins(panel, args))
        _, summary = evaluate(fc, panel, args, split)
        _, inv = simulate_portfolio(fc, panel, args.inventory_policy())
        return {"accuracy": summary, "inventory": inv}

    # -- persistence
    def save(self, path) -> Path:
        """Save: a PEFT adapter (mode ``lora``) or the full weights (``full``/``frozen``)."""
        from workbench.io import atomic_write_json
        from workbench.lora import save_adapter

        self._check_fitted()
        path = Path(path)
        meta = {"mode": self.mode, "task": dataclasses.asdict(self._args()), "freq": getattr(self, "freq_", "D"),
                "quantile_calibration": (self.quantile_calibration_.to_dict()
                                         if getattr(self, "quantile_calibration_", None) is not None else None)}
        if self.mode == "lora":
            save_adapter(self.model_, path, base_model_id=base_model_id(self.base_info_)
                         if "path" in self.base_info_ and self.base_info_["path"] != "in-memory" else "in-memory",
                         extra={"usecase": "supply_chain", "supply": meta})
        else:
            save_forecaster(self.model_, path, info={"usecase": "supply_chain", "supply": meta})
        atomic_write_json(path / "supply_forecaster.json", meta)
        return path

    @classmethod
    def load(cls, path, *, base: QuantileForecaster | None = None) -> "DemandForecaster":
        """Load a saved forecaster; a LoRA adapter is put onto ``base`` or the cached base."""
        from workbench.lora import load_adapter

        path = Path(path)
        task, meta = saved_task_args(path)
        est = cls(task=task, mode=meta["mode"], base=base)
        est.freq_ = meta.get("freq", "D")  # saved before bases followed the frequency: the daily base
        from workbench.usecases.supply_chain.calibration import QuantileCalibration

        # Older saves hold a plain list of pooled shifts ("quantile_shift"): read as pooled shifts.
        est.quantile_calibration_ = QuantileCalibration.from_dict(meta.get("quantile_calibration",
                                                                           meta.get("quantile_shift")))
        est.calibration_report_ = {}
        est.validation_forecasts_ = None
        if meta["mode"] == "lora":
            b, est.base_info_ = est._base()
            est.model_ = load_adapter(clone_model(b), path).eval()
        else:
            est.base_info_ = {"path": str(path)}
            est.model_ = load_forecaster(path)
        return est


_MOVED_TO_PRETRAIN = ("pretrained_base", "pretrain_days", "shipped_base", "ship_base", "write_shipped_card",
                      "SHIPPED_DIR", "_base_key")


def __getattr__(name: str):
    """Names that moved to :mod:`workbench.usecases.supply_chain.pretrain` still import from here
    (PEP 562, resolved lazily: pretrain imports this module), so users' notebooks keep working."""
    if name in _MOVED_TO_PRETRAIN:
        from workbench.usecases.supply_chain import pretrain

        return getattr(pretrain, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
