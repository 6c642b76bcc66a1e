"""The factory base model and the user-facing estimators of the maintenance use case.

* :func:`pretrain_base` -- one call: simulate a broad fleet, standardise it, pretrain a PatchTST
  by masked-patch reconstruction and cache it (``workbench.paths.models_cache_dir()``). The
  second call loads it.
* :class:`RULEstimator` -- scikit-learn style: ``RULEstimator(base_path, ...).fit(train_frame)``
  adapts the base to a fleet (``mode="lora"``, ``"frozen"`` = frozen base + trained head, or
  ``"full"`` fine-tuning) with the core's :func:`workbench.training.fit`, then ``predict``,
  ``evaluate``, ``save``, ``load``.
* :class:`FailureEstimator` -- the same for failure classification on process windows (AI4I).

Usage::

    base = pretrain_base(MaintenanceTaskArgs())
    est = RULEstimator(base.path, spec, mode="lora").fit(data.train)
    metrics = est.evaluate(data.test, data.test_rul)
    est.save("runs/x/adapter"); again = RULEstimator.load("runs/x/adapter")
"""

from __future__ import annotations

import dataclasses
import json
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import torch

from workbench.config import LoraArgs, TrainArgs
from workbench.timeseries import PatchTSTSpec, build_patchtst, patchtst_lora_targets, predict_batched
from workbench.ts_pretrain import PretrainResult, pretrain_patchtst
from workbench.usecases.maintenance.config import MaintenanceTaskArgs
from workbench.usecases.maintenance.data import CMapssPreprocessor, add_train_rul, split_units
from workbench.usecases.maintenance.evaluation import failure_metrics, rul_metrics
from workbench.usecases.maintenance.simulate import FleetSpec, simulate_fleet
from workbench.usecases.maintenance.task import FailureTask, RULTask, window_loader

MODES = ("lora", "frozen", "full")
PRETRAIN_SEED = 1000  # the factory fleet's seed; target fleets use other seeds


def pretrain_base(args: MaintenanceTaskArgs, *, force: bool = False, verbose: bool = False) -> PretrainResult:
    """Pretrain (or load from the cache) the factory time-series base model.

    The pretraining fleet is simulated from ``args.pretrain_fleet`` (default: all six operating
    regimes and both fault modes), standardised per regime, and cut into windows of
    ``args.window`` cycles. The backbone first learns by masked-patch reconstruction, then (with
    ``args.pretrain_supervised_epochs``) by regressing the simulated engines' capped RUL, which
    the simulator knows exactly. The cache key covers the fleet, the PatchTST spec, the training
    settings and the window data and targets, so any change retrains and nothing stale is reused.

    Returns:
        The :class:`workbench.ts_pretrain.PretrainResult`; downstream models take its backbone.
    """
    if args.base_model == "shipped":  # the packaged weights (broad corpus): nothing to wait for
        from workbench.usecases.maintenance.pretrain import load_shipped

        return load_shipped(args)
    fleet_spec = FleetSpec.preset(args.pretrain_fleet, n_train=args.pretrain_units, n_test=0, seed=PRETRAIN_SEED)
    fleet = simulate_fleet(fleet_spec)
    frame = add_train_rul(fleet.train[[c for c in fleet.train.columns if c not in ("rul",)]], cap=args.rul_cap)
    pre = CMapssPreprocessor(window=args.window, rul_cap=args.rul_cap).fit(frame)
    ws = pre.windows(frame, target="rul_capped", stride=2)
    return pretrain_patchtst(ws.X, args.spec(), args.pretrain_args(), targets=ws.y / float(args.rul_cap),
                             name="maintenance-base",
                             key_extra={"fleet": fleet_spec.to_dict(), "channels": pre.channels},
                             force=force, verbose=verbose)


def base_corpus(args: MaintenanceTaskArgs) -> list[str]:
    """What the factory base for ``args`` was pretrained on (for reports: a real fleet named in this
    list, e.g. ``"FD001"``, is no test of transfer)."""
    if args.base_model == "shipped":
        from workbench.usecases.maintenance.pretrain import SHIPPED_DIR

        meta = SHIPPED_DIR / "base.json"
        info = json.loads(meta.read_text(encoding="utf-8")) if meta.is_file() else {}
        return [f"shipped corpus: {src}" for src in info.get("corpus", {})] + list(info.get("seen_real_fleets", []))
    return [f"simulator:{args.pretrain_fleet} ({args.pretrain_units} engines)"]


def _prepare(model: torch.nn.Module, mode: str, lora: LoraArgs, lora_embedding: bool = True) -> torch.nn.Module:
    """Make only the right parameters trainable for ``mode``."""
    if mode == "lora":
        from workbench.lora import apply_lora

        targets = lora.target_modules or patchtst_lora_targets(include_embedding=lora_embedding)
        args = dataclasses.replace(lora, target_modules=targets,
                                   modules_to_save=lora.modules_to_save or ["head"])
        return apply_lora(model, args, task_type=None)
    if mode == "frozen":
        for name, p in model.named_parameters():
            p.requires_grad = name.startswith("head.")
        return model
    if mode == "full":
        for p in model.parameters():
            p.requires_grad = True
        return model
    raise ValueError(f"mode must be one of {MODES}, got {mode!r}")


class _Estimator:
    """Shared fit/save plumbing of the two estimators."""

    task_kind = "regression"

    def __init__(self, base_path: str | Path | None, spec: PatchTSTSpec | None = None, *, mode: str = "lora",
                 lora: LoraArgs | None = None, train: TrainArgs | None = None, seed: int = 0,
                 run_dir: str | Path | None = None, lora_embedding: bool = True):
        self.base_path = base_path
        self.lora_embedding = lora_embedding
        self.spec = spec or PatchTSTSpec()
        self.mode = mode
        self.lora = lora or LoraArgs(r=8, alpha=16, dropout=0.05)
        self.train = train or TrainArgs(max_epochs=10, batch_size=256, lr=2e-3, progress_bar=False)
        self.seed = seed
        self.run_dir = run_dir

    def _build(self, num_channels: int, num_targets: int) -> torch.nn.Module:
        return build_patchtst(self.spec, self.task_kind, num_channels=num_channels, num_targets=num_targets,
                              base=self.base_path, seed=self.seed)

    def _fit_model(self, model, task, Xtr, ytr, Xva, yva, classification: bool = False):
        from workbench.training import fit

        if self.mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}, got {self.mode!r}")
        model = _prepare(model, self.mode, self.lora, self.lora_embedding)
        run_dir = Path(self.run_dir) if self.run_dir else Path(tempfile.mkdtemp(prefix="maint-fit-"))
        if ytr is None:  # a dataset of (x, y) pairs, e.g. lazily cut windows
            from workbench.training import make_loader

            tl = make_loader(Xtr, self.train.batch_size, shuffle=True, seed=self.seed)
            vl = make_loader(Xva, 1024, shuffle=False) if Xva is not None and len(Xva) else None
        else:
            tl = window_loader(Xtr, ytr, self.train.batch_size, seed=self.seed, classification=classification)
            vl = window_loader(Xva, yva, 1024, shuffle=False, classification=classification) if len(Xva) else None
        self.fit_result_ = fit(model, task, tl, vl, self.train, run_dir, seed=self.seed)
        self.history_ = self.fit_result_.history
        self.model_ = model.eval()
        return self

    def _check(self) -> None:
        if not hasattr(self, "model_"):
            raise RuntimeError(f"{type(self).__name__} is not fitted: call fit first")

    def _save_common(self, path: Path, extra: dict) -> Path:
        from workbench.io import atomic_write_json

        self._check()
        path = Path(path)
        meta = {"mode": self.mode, "spec": dataclasses.asdict(self.spec), "seed": self.seed,
                "base_path": str(self.base_path) if self.base_path else None, "task_kind": self.task_kind, **extra}
        if self.mode == "lora":
            from workbench.lora import save_adapter

            save_adapter(self.model_, path, base_model_id=str(self.base_path), extra={"usecase": "maintenance"})
        else:
            from workbench.io import atomic_directory

            with atomic_directory(path) as tmp:
                self.model_.save_pretrained(str(tmp), safe_serialization=True)
        adapted = getattr(self, "adapt_info_", None)
        if adapted and self.mode == "lora":  # the adapter sits on the fleet-adapted backbone: ship it along
            import shutil

            dst = path / "fleet_base"
            dst.mkdir(parents=True, exist_ok=True)
            for name in ("config.json", "model.safetensors"):
                shutil.copy2(Path(adapted["path"]) / name, dst / name)
            meta["fleet_base"] = "fleet_base"
        atomic_write_json(path / "maintenance_estimator.json", meta)
        return path

    @classmethod
    def _load_model(cls, path: Path, meta: dict, base_path, num_channels: int, num_targets: int):
        spec = PatchTSTSpec(**meta["spec"])
        if meta["mode"] == "lora":
            from workbench.lora import load_adapter

            backbone = path / meta["fleet_base"] if meta.get("fleet_base") else (base_path or meta["base_path"])
            base = build_patchtst(spec, cls.task_kind, num_channels=num_channels, num_targets=num_targets,
                                  base=backbone, seed=meta["seed"])
            return spec, load_adapter(base, path).eval()
        from transformers import PatchTSTForClassification, PatchTSTForRegression

        from workbench.models import quiet_transformers

        klass = PatchTSTForRegression if cls.task_kind == "regression" else PatchTSTForClassification
        with quiet_transformers():  # no "Loading weights" bar in notebooks and logs
            return spec, klass.from_pretrained(str(path)).eval()


class RULEstimator(_Estimator):
    """Adapt the base model to a fleet's run-to-failure data and predict remaining useful life.

    Args:
        base_path: Directory of the pretrained base (from :func:`pretrain_base`), or ``None`` for
            a randomly initialised PatchTST (training from scratch).
        spec: Backbone shape (must match the base).
        mode: ``"lora"``, ``"frozen"`` (frozen base + trained head) or ``"full"``.
        lora: LoRA settings (targets default to PatchTST's attention and feed-forward linears,
            plus the patch embedding with ``lora_embedding``; the regression head is trained
            fully and saved with the adapter).
        train: Training settings for :func:`workbench.training.fit`.
        rul_cap: Cap of the training target.
        val_fraction: Share of training *units* held out for validation (best epoch).
        train_stride: Take every n-th training window.
        max_train_units: Use at most this many training units.
        seed: Seed of the unit split, the head initialisation and training.
        run_dir: Where checkpoints and metrics go (default: a temp dir).
        lora_embedding: Also adapt the patch embedding (see ``MaintenanceTaskArgs``).
        adapt_epochs: Epochs of masked-patch pretraining on this fleet's own training windows
            before LoRA/full fine-tuning (0 = off; never for ``mode="frozen"``, which stays the
            factory base). The adapted backbone is saved with the adapter (``fleet_base/``).
        extra_inputs: Engineered channels next to the sensors (``"health"``, ``"cycle"``; see
            :class:`CMapssPreprocessor`); empty = the pure adapter.
    """

    task_kind = "regression"

    def __init__(self, base_path=None, spec=None, *, mode="lora", lora=None, train=None, rul_cap: int = 125,
                 val_fraction: float = 0.15, train_stride: int = 1, max_train_units: int | None = None,
                 seed: int = 0, run_dir=None, lora_embedding: bool = True, adapt_epochs: int = 0,
                 extra_inputs: tuple[str, ...] | list[str] = ()):
        super().__init__(base_path, spec, mode=mode, lora=lora, train=train, seed=seed, run_dir=run_dir,
                         lora_embedding=lora_embedding)
        self.adapt_epochs = adapt_epochs
        self.extra_inputs = list(extra_inputs)
        self.rul_cap = rul_cap
        self.val_fraction = val_fraction
        self.train_stride = train_stride
        self.max_train_units = max_train_units

    @classmethod
    def from_config(cls, cfg, base_path, *, mode: str = "lora", run_dir=None) -> "RULEstimator":
        """The estimator a run trains in ``mode``, with every setting of the run's config.

        ``workbench train``/``maintenance cmapss`` and notebook 03 build their models here, so the
        notebook's adapter is the run's (same validation share, stride, engineered inputs ...). The
        frozen base reads the sensors only and skips the fleet-adaptive step, as in a run.

        Args:
            cfg: A maintenance :class:`workbench.config.RunConfig` (``default_config``/``recipe_config``).
            base_path: The factory base (:func:`pretrain_base`'s ``path``).
            mode: ``"lora"``, ``"frozen"`` or ``"full"``.
            run_dir: Where checkpoints and metrics go.
        """
        task = cfg.task
        return cls(base_path, task.spec(), mode=mode, lora=cfg.lora, train=cfg.train, rul_cap=task.rul_cap,
                   val_fraction=cfg.data.val_fraction, train_stride=task.train_stride,
                   max_train_units=task.max_train_units, seed=cfg.run.seed, run_dir=run_dir,
                   lora_embedding=task.lora_embedding, adapt_epochs=task.adapt_epochs,
                   extra_inputs=task.extra_inputs if mode != "frozen" else ())

    def fit(self, train_frame: pd.DataFrame) -> "RULEstimator":
        """Fit on a C-MAPSS training frame (run-to-failure units). Returns self.

        Units (not rows) are split into training and validation; the preprocessor is fitted on
        the training units only.
        """
        frame = add_train_rul(train_frame, cap=self.rul_cap)
        units = np.unique(frame["unit"])
        if self.max_train_units and len(units) > self.max_train_units:
            units = np.sort(np.random.default_rng(self.seed).choice(units, self.max_train_units, replace=False))
            frame = frame[frame["unit"].isin(units)]
        tr_units, va_units = split_units(units, self.val_fraction, seed=self.seed)
        self.train_units_, self.val_units_ = tr_units, va_units
        tr, va = frame[frame["unit"].isin(tr_units)], frame[frame["unit"].isin(va_units)]
        self.preprocessor_ = CMapssPreprocessor(window=self.spec.context_length, rul_cap=self.rul_cap,
                                                extra_inputs=list(self.extra_inputs)).fit(tr)
        # Training windows must hold a full window of real cycles where the unit allows it:
        # front-padded early windows look like a healthy plateau and bias the fit (measured on
        # FD001 with the LightGBM baseline: 14.4 -> 13.2 RMSE).
        full = min(self.spec.context_length, int(tr.groupby("unit")["cycle"].max().min()))
        # Windows are cut lazily (issue 11): 5,000 engines hold their rows, not 32x as many window floats.
        wtr = self.preprocessor_.lazy_windows(tr, "rul_capped", stride=self.train_stride, min_end=full)
        wva = self.preprocessor_.lazy_windows(va, "rul_capped") if len(va) else None
        self.train_windows_ = len(wtr)
        base = self.base_path
        self.adapt_info_ = None
        if self.adapt_epochs and base is not None and self.mode != "frozen":
            # Fleet-adaptive step: masked patches on this fleet's own training windows (no labels).
            from workbench.ts_pretrain import continue_pretraining

            out = Path(self.run_dir or tempfile.mkdtemp(prefix="maint-adapt-")) / "fleet_base"
            Xad = wtr.take(np.arange(len(wtr))[:: max(1, len(wtr) // 20000)])  # bounded: at most ~20k windows
            self.adapt_info_ = continue_pretraining(base, Xad, self.spec, out, epochs=self.adapt_epochs,
                                                    seed=self.seed)
            base = self.adapt_info_["path"]
        model = build_patchtst(self.spec, self.task_kind, num_channels=len(self.preprocessor_.channels), num_targets=1,
                               base=base, seed=self.seed)
        return self._fit_model(model, RULTask(self.rul_cap), wtr, None, wva, None)

    def predict_windows(self, X: np.ndarray) -> np.ndarray:
        """Predicted RUL (cycles, >= 0) for standardised windows ``(n, window, channels)``."""
        self._check()
        return np.clip(predict_batched(self.model_, X, output="regression")[:, 0] * self.rul_cap, 0, None)

    def predict(self, frame: pd.DataFrame, *, last_only: bool = True) -> pd.DataFrame:
        """Predicted RUL per unit at its last cycle (or at every cycle with ``last_only=False``).

        Returns:
            Columns ``unit, cycle, rul_pred``.
        """
        self._check()
        ws = self.preprocessor_.windows(frame, target=None, last_only=last_only)
        return pd.DataFrame({"unit": ws.ids, "cycle": ws.ends, "rul_pred": self.predict_windows(ws.X)})

    def evaluate(self, test_frame: pd.DataFrame, test_rul: pd.Series, *, horizon: int = 30,
                 cost_missed: float = 10.0, cost_early: float = 1.0) -> dict[str, Any]:
        """RUL metrics on each test unit's last cycle, plus the cost-optimal alarm rule.

        Returns:
            :func:`rul_metrics` (raw and capped truth) and ``alarm``: the cost-minimising rule
            "alarm when predicted RUL <= threshold" for failures within ``horizon`` cycles.
        """
        pred = self.predict(test_frame).set_index("unit")["rul_pred"]
        truth = test_rul.reindex(pred.index)
        return summarize_rul(truth.to_numpy(), pred.to_numpy(), horizon=horizon, cost_missed=cost_missed,
                             cost_early=cost_early)

    def save(self, path: str | Path) -> Path:
        """Save the adapter (PEFT layout) or the fine-tuned model, with the preprocessor."""
        return self._save_common(Path(path), {"rul_cap": self.rul_cap, "preprocessor": self.preprocessor_.to_dict()})

    @classmethod
    def load(cls, path: str | Path, base_path: str | Path | None = None) -> "RULEstimator":
        """Load what :meth:`save` wrote (the base is re-read from ``base_path`` or the recorded path)."""
        path = Path(path)
        meta = json.loads((path / "maintenance_estimator.json").read_text())
        pre = CMapssPreprocessor.from_dict(meta["preprocessor"])
        spec, model = cls._load_model(path, meta, base_path, len(pre.channels), 1)
        est = cls(base_path or meta["base_path"], spec, mode=meta["mode"], rul_cap=meta["rul_cap"], seed=meta["seed"])
        est.preprocessor_, est.model_ = pre, model
        return est


def summarize_rul(y_true: np.ndarray, y_pred: np.ndarray, *, horizon: int = 30, cost_missed: float = 10.0,
                  cost_early: float = 1.0, val_true: np.ndarray | None = None,
                  val_pred: np.ndarray | None = None) -> dict[str, Any]:
    """:func:`rul_metrics` plus the alarm rule "alarm when predicted RUL <= alarm_rul" and its cost.

    With ``val_true``/``val_pred`` (validation engines, never the test ones) the threshold is the
    cheapest one on validation and is then scored on the test engines, so the reported test cost
    is honest. Without them the threshold is the cheapest on the given engines themselves
    (``chosen_on="the scored engines (in hindsight)"``): fine for exploring, optimistic as a score.

    Returns:
        The RUL metrics and ``alarm``: ``alarm_rul``, the test ``tp, fp, fn, tn, cost,
        cost_per_engine`` at that threshold, ``chosen_on``, ``val`` (the validation counts and cost
        when given) and ``test_hindsight_cost`` (the cheapest cost on the test engines, for reference).
    """
    from workbench.usecases.maintenance.evaluation import alarm_cost, cheapest_alarm

    out: dict[str, Any] = rul_metrics(y_true, y_pred)
    costs = {"horizon": horizon, "cost_missed": cost_missed, "cost_early": cost_early}
    hindsight = cheapest_alarm(y_pred, y_true, **costs)
    if val_true is not None and val_pred is not None and len(val_true):
        # Validation RMSE (raw and capped truth): what a recommendation may be based on, the test never.
        vt, vp = np.asarray(val_true, float), np.asarray(val_pred, float)
        out["val_rmse"] = float(np.sqrt(np.mean((vt - vp) ** 2)))
        out["val_rmse_capped"] = float(np.sqrt(np.mean((np.minimum(vt, 125.0) - vp) ** 2)))
        val = cheapest_alarm(val_pred, val_true, **costs)
        test = alarm_cost(y_pred, y_true, val["threshold"], **costs)
        alarm = {k: test[k] for k in ("tp", "fp", "fn", "tn", "alarms", "cost", "cost_per_engine")}
        alarm.update(alarm_rul=val["threshold"], chosen_on="validation engines",
                     val={k: val[k] for k in ("tp", "fp", "fn", "tn", "cost", "cost_per_engine")} | {"n": len(val_true)})
    else:
        alarm = {k: hindsight[k] for k in ("tp", "fp", "fn", "tn", "alarms", "cost", "cost_per_engine")}
        alarm.update(alarm_rul=hindsight["threshold"], chosen_on="the scored engines (in hindsight)")
    alarm["test_hindsight_cost"] = hindsight["cost"]
    out["alarm"] = alarm
    return out


def validation_pr_auc(y_val, p_val) -> float | None:
    """PR-AUC (average precision) on validation rows, or None without a failure among them."""
    from workbench.usecases.maintenance.evaluation import failure_metrics

    if not len(y_val) or not np.any(y_val):
        return None
    return failure_metrics(y_val, p_val)["pr_auc"]


class FailureEstimator(_Estimator):
    """Adapt the base model to classify machine failure from windows of process measurements.

    Args: as :class:`RULEstimator` (without the RUL ones); ``pos_weight_cap`` caps the class
    weight of failures in the loss.
    """

    task_kind = "classification"

    def __init__(self, base_path=None, spec=None, *, mode="lora", lora=None, train=None, seed: int = 0,
                 run_dir=None, pos_weight_cap: float = 10.0, lora_embedding: bool = True):
        super().__init__(base_path, spec, mode=mode, lora=lora, train=train, seed=seed, run_dir=run_dir,
                         lora_embedding=lora_embedding)
        self.pos_weight_cap = pos_weight_cap

    def fit(self, X_train: np.ndarray, y_train: np.ndarray, X_val: np.ndarray, y_val: np.ndarray) -> "FailureEstimator":
        """Fit on standardised windows ``(n, window, features)`` and 0/1 labels. Returns self."""
        if X_train.shape[1] != self.spec.context_length:
            raise ValueError(f"windows have length {X_train.shape[1]}, the spec expects {self.spec.context_length}")
        self.n_channels_ = int(X_train.shape[-1])
        pos = max(int(np.sum(y_train)), 1)
        weight = min(self.pos_weight_cap, (len(y_train) - pos) / pos)
        model = self._build(X_train.shape[-1], 2)
        self._fit_model(model, FailureTask(weight), X_train, y_train, X_val, y_val, classification=True)
        p_val = self.predict_proba(X_val) if len(X_val) else np.zeros(0)
        # Operating point chosen on validation data, never on the test set.
        from workbench.usecases.maintenance.evaluation import best_f1_threshold

        self.threshold_ = best_f1_threshold(y_val, p_val) if len(X_val) and np.any(y_val) else 0.5
        # Threshold-free validation score: what the run's recommendation compares (the test never).
        self.val_pr_auc_ = validation_pr_auc(y_val, p_val)
        return self

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        """Failure probability per window."""
        self._check()
        logits = predict_batched(self.model_, X, output="classification")
        return torch.softmax(torch.as_tensor(logits), -1)[:, 1].numpy()

    def evaluate(self, X: np.ndarray, y: np.ndarray) -> dict[str, float]:
        """Precision, recall, F1 (at the validation-chosen threshold) and PR-AUC."""
        return {**failure_metrics(y, self.predict_proba(X), threshold=self.threshold_), "threshold": self.threshold_}

    def save(self, path: str | Path) -> Path:
        """Save the adapter (PEFT layout) or the fine-tuned model."""
        return self._save_common(Path(path), {"threshold": self.threshold_, "num_channels": self.n_channels_})

    @classmethod
    def load(cls, path: str | Path, base_path: str | Path | None = None) -> "FailureEstimator":
        """Load what :meth:`save` wrote."""
        path = Path(path)
        meta = json.loads((path / "maintenance_estimator.json").read_text())
        spec, model = cls._load_model(path, meta, base_path, meta["num_channels"], 2)
        est = cls(base_path or meta["base_path"], spec, mode=meta["mode"], seed=meta["seed"])
        est.model_, est.threshold_, est.n_channels_ = model, meta["threshold"], meta["num_channels"]
        return est
