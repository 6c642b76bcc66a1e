"""Estimators for German clause classification: the LoRA model and the frozen-base comparison.

* :class:`LegalClauseClassifier` fine-tunes a pretrained encoder (by default the embedded
  MiniLM) with LoRA through :mod:`workbench.lora` and :func:`workbench.training.fit`. The model
  is :class:`workbench.text_classification.MeanPoolingClassifier`: encoder, mean pooling over real tokens (the pooling MiniLM
  was trained with; HF's ``BertForSequenceClassification`` would use the CLS pooler, which
  sentence-transformers never trained), L2 normalisation, dropout and a linear head. The head
  trains fully; peft keeps it in ``modules_to_save``, so the saved adapter (standard PEFT
  layout) carries the head, and ``label_map.json`` the labels.
* The head starts from the frozen-base linear probe ("LP-FT": linear probing, then
  fine-tuning; Kumar et al., "Fine-Tuning can Distort Pretrained Features and Underperform
  Out-of-Distribution", ICLR 2022). LoRA then starts where the frozen base ends instead of from
  a random head, which matters on small sets such as the 420 training sentences of the
  tenancy-law data. ``head_init="random"`` switches it off.
* :class:`FrozenBaseClassifier` is the "frozen base + trained linear head" row of the comparison:
  the base model's weights stay as they are, texts are embedded by mean pooling over tokens (the
  pooling MiniLM was trained with, see its ``1_Pooling/config.json``), and a multinomial logistic
  regression is the linear head. We use logistic regression on the embeddings rather than a
  head trained by SGD, because it is the strongest linear head on frozen features (it is solved
  to convergence), which makes the comparison with LoRA harder, not easier; STACK_NOTES measured
  0.81 for it against 0.68 for a head trained with the same SGD loop.

Both follow the scikit-learn habit: the constructor stores parameters, ``fit`` returns ``self``,
fitted state ends in ``_``.

Usage::

    clf = LegalClauseClassifier(train=TrainArgs(max_epochs=3)).fit(train_df, val_df)
    clf.evaluate(test_df)                     # accuracy, macro_f1, confusion_matrix
    clf.predict_proba(["Gerichtsstand ist München."])
    clf.save("runs/legal/adapter"); again = LegalClauseClassifier.load("runs/legal/adapter")
"""

from __future__ import annotations

import copy
import tempfile
import time
from pathlib import Path
from typing import Any, Sequence

import numpy as np
import pandas as pd
import torch

from workbench.config import LoraArgs, TrainArgs
from workbench.progress import stage
# The model lives in the core (issue 13); re-exported here for code that imported it from the use case.
from workbench.text_classification import MeanPoolingClassifier, encoder_targets, mean_pool  # noqa: F401
from workbench.usecases.legal_de.data import label_list
from workbench.usecases.legal_de.task import (SequenceClassificationTask, classification_metrics, make_loader,
                                              predict_logits)

LABEL_MAP_FILE = "label_map.json"


def _softmax(logits: np.ndarray) -> np.ndarray:
    z = logits - logits.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


IMBALANCE_RATIO = 1.5
"""``class_weighting="auto"`` weights the loss when the largest class has at least this many times
the training rows of the smallest (the baselines always use ``class_weight="balanced"``)."""


def class_weights(train_labels: Sequence[str], labels: Sequence[str], setting: bool | str = "auto") -> list[float] | None:
    """Loss weight per class (``labels`` order), or ``None`` for an unweighted loss.

    The rule: ``True`` always weights, ``False`` never, ``"auto"`` weights when the classes are
    imbalanced (largest / smallest training count >= :data:`IMBALANCE_RATIO`). Weights are the
    inverse class frequencies normalised to mean 1 (scikit-learn's ``class_weight="balanced"``
    up to a constant; King & Zeng 2001), so a class with 5 % of the clauses counts as much in the
    loss as one with 30 %, and does not vanish from the predictions.

    Args:
        train_labels: The training labels.
        labels: The model's label order.
        setting: ``True``, ``False`` or ``"auto"``.

    Raises:
        ValueError: ``setting`` is something else.
    """
    if setting not in (True, False, "auto"):
        raise ValueError(f"class_weighting must be true, false or 'auto', got {setting!r}")
    counts = pd.Series(list(train_labels)).value_counts().reindex(list(labels), fill_value=0).to_numpy(dtype=float)
    present = counts[counts > 0]
    if setting is False or len(present) == 0:
        return None
    if setting == "auto" and present.max() < IMBALANCE_RATIO * present.min():
        return None
    inv = 1.0 / np.maximum(counts, 1.0)
    return (inv / inv.mean()).tolist()


def default_lora_args() -> LoraArgs:
    """LoRA settings of this use case: all linear layers of the encoder, r=8.

    STACK_NOTES measured LoRA on all linear layers (0.84) above query/value only (0.74-0.83)
    on unseen clause templates. ``"all-linear"`` is resolved by :func:`encoder_targets`; the
    head always goes into ``modules_to_save``.
    """
    return LoraArgs(r=8, alpha=16, dropout=0.1, target_modules="all-linear")


class LegalClauseClassifier:
    """LoRA fine-tuned sequence classifier for German clauses.

    Args:
        base_model: Local directory or ``None`` for the embedded MiniLM
            (:data:`workbench.models.EMBEDDED_TEXT_MODEL`); a hub id only with ``allow_download``.
        lora: LoRA settings (default :func:`default_lora_args`).
        train: Training settings (default ``TrainArgs(max_epochs=4, lr=1e-3)``).
        max_length: Truncation length in tokens.
        eval_batch_size: Batch size for prediction.
        class_weighting: ``"auto"`` (default: weight the loss by inverse class frequency when the
            classes are imbalanced, see :func:`class_weights`), ``True`` or ``False``.
        seed: Seed of head initialisation, sampling and dropout.
        run_dir: Where checkpoints and ``metrics.csv`` go (a temporary directory if ``None``).
        resume: Continue from ``run_dir/checkpoints/last.ckpt`` when it exists.
        allow_download: Permit hub downloads of ``base_model``.
        trust_remote_code: Passed to Hugging Face loaders (off by default: it runs code).
        head_init: ``"linear_probe"`` (the head starts from a logistic regression on the frozen
            embeddings, LP-FT) or ``"random"``.
        probe_C: Inverse regularisation of that logistic regression.
        head_dropout: Dropout probability before the classification head (``task.head_dropout``).
        domain_adaptation: Before the task LoRA, continue masked-LM pretraining of the encoder with
            LoRA on the training texts only and merge it (:func:`workbench.masked_lm.domain_adapt`).
        dapt_steps: Optimizer steps of that domain adaptation.
    """

    def __init__(self, base_model: str | None = None, lora: LoraArgs | None = None, train: TrainArgs | None = None,
                 max_length: int = 128, eval_batch_size: int = 64, class_weighting: bool | str = "auto", seed: int = 42,
                 run_dir: str | Path | None = None, resume: bool = False, allow_download: bool = False,
                 trust_remote_code: bool = False, head_init: str = "linear_probe", probe_C: float = 10.0,
                 head_dropout: float = 0.1, domain_adaptation: bool = False, dapt_steps: int = 200):
        self.base_model = base_model
        self.lora = lora
        self.train = train
        self.max_length = max_length
        self.eval_batch_size = eval_batch_size
        self.class_weighting = class_weighting
        self.seed = seed
        self.run_dir = run_dir
        self.resume = resume
        self.allow_download = allow_download
        self.trust_remote_code = trust_remote_code
        self.head_init = head_init
        self.probe_C = probe_C
        self.head_dropout = head_dropout
        self.domain_adaptation = domain_adaptation
        self.dapt_steps = dapt_steps

    @classmethod
    def from_config(cls, config, *, run_dir: str | Path | None = None) -> "LegalClauseClassifier":
        """The LoRA classifier a run trains, with every setting of the run's config.

        ``workbench train --usecase legal_de`` and the legal notebooks build their adapter here, so
        the notebook's model is the run's (class weighting, head initialisation, time budget ...).

        Args:
            config: A legal :class:`workbench.config.RunConfig` (``default_config`` or a loaded one).
            run_dir: Where checkpoints and ``metrics.csv`` go (default: the config's run folder).
        """
        task, model = config.task, config.model
        return cls(base_model=model.base_model, lora=config.lora, train=config.train, max_length=task.max_length,
                   eval_batch_size=config.eval.batch_size, class_weighting=task.class_weighting,
                   seed=config.run.seed, run_dir=config.run_dir() if run_dir is None else run_dir,
                   resume=config.run.resume, allow_download=model.allow_download,
                   trust_remote_code=model.trust_remote_code, head_init=task.head_init, probe_C=task.frozen_C,
                   head_dropout=task.head_dropout, domain_adaptation=task.domain_adaptation,
                   dapt_steps=task.dapt_steps)

    # ------------------------------------------------------------------ setup
    def _base_id(self) -> str:
        from workbench.models import EMBEDDED_TEXT_MODEL

        return self.base_model or EMBEDDED_TEXT_MODEL

    def _load_base(self, num_labels: int) -> MeanPoolingClassifier:
        from transformers import AutoModel

        from workbench.models import load_tokenizer, quiet_transformers, resolve_base_model

        self.base_path_ = resolve_base_model(self.base_model, allow_download=self.allow_download)
        self.tokenizer_ = load_tokenizer(self.base_path_, trust_remote_code=self.trust_remote_code)
        with quiet_transformers():
            encoder = AutoModel.from_pretrained(self.base_path_, local_files_only=True, use_safetensors=True,
                                                trust_remote_code=self.trust_remote_code)
        torch.manual_seed(self.seed)  # the new head's initialisation
        model = MeanPoolingClassifier(encoder, num_labels, dropout=self.head_dropout)
        model.train()  # from_pretrained returns eval mode (STACK_NOTES)
        return model

    def _lora_args(self, model: torch.nn.Module) -> LoraArgs:
        import dataclasses

        args = self.lora or default_lora_args()
        targets = args.target_modules
        if targets is None or targets == "all-linear":
            targets = encoder_targets(model)
        keep = list(dict.fromkeys([*(args.modules_to_save or []), "classifier"]))
        return dataclasses.replace(args, target_modules=targets, modules_to_save=keep)

    def _init_head_from_probe(self, model: MeanPoolingClassifier, probe: "FrozenBaseClassifier") -> None:
        coef, intercept = probe.head_.coef_, probe.head_.intercept_
        classes = list(probe.head_.classes_)
        if coef.shape[0] == 1:  # binary logistic regression: one row for classes_[1]
            coef, intercept = np.vstack([-coef / 2, coef / 2]), np.array([-intercept[0] / 2, intercept[0] / 2])
        weight = np.zeros((len(self.labels_), coef.shape[1]), dtype=np.float32)
        bias = np.full(len(self.labels_), float(intercept.min()) - 5.0, dtype=np.float32)  # unseen classes: unlikely
        for j, name in enumerate(classes):
            if name in self.labels_:
                weight[self.labels_.index(name)] = coef[j]
                bias[self.labels_.index(name)] = intercept[j]
        with torch.no_grad():
            model.classifier.weight.copy_(torch.from_numpy(weight))
            model.classifier.bias.copy_(torch.from_numpy(bias))

    # ------------------------------------------------------------------ fit
    def fit(self, train: pd.DataFrame, val: pd.DataFrame | None = None, callbacks: Sequence[Any] = (),
            probe: "FrozenBaseClassifier | None" = None) -> "LegalClauseClassifier":
        """Fine-tune on ``train`` (``text``, ``label``), selecting the best epoch on ``val``.

        Args:
            train: Training frame.
            val: Validation frame (recommended: without it the last epoch is kept).
            callbacks: Extra Lightning callbacks (e.g. a live progress plot).
            probe: An already fitted :class:`FrozenBaseClassifier` on the same base, training
                data and ``max_length`` to start the head from (saves embedding the data twice);
                fitted here when ``head_init="linear_probe"`` and none is given.

        Returns:
            ``self``, with ``model_``, ``tokenizer_``, ``labels_``, ``history_``, ``fit_result_``,
            ``param_count_``, ``class_weights_`` (``None`` when the loss was not weighted) and
            (with a linear-probe start) ``probe_`` set.
        """
        from workbench.lora import apply_lora, count_parameters
        from workbench.training import fit as core_fit

        if train is None or len(train) == 0:
            raise ValueError("the training frame is empty")
        self.labels_ = label_list(train) if val is None else label_list(train, val)
        index = {x: i for i, x in enumerate(self.labels_)}
        if self.head_init not in ("linear_probe", "random"):
            raise ValueError(f"head_init must be 'linear_probe' or 'random', got {self.head_init!r}")
        base = self._load_base(len(self.labels_))
        self.dapt_info_ = None
        if self.domain_adaptation:
            from workbench.masked_lm import domain_adapt

            # Training texts only: validation rows pick the epoch and must stay unseen, labels are not used.
            with stage(f"domain adaptation: masked-LM LoRA on {len(train):,} training texts, {self.dapt_steps} steps"):
                base.encoder, self.dapt_info_ = domain_adapt(base.encoder, self.tokenizer_, train["text"].tolist(),
                                                             steps=self.dapt_steps, max_length=self.max_length,
                                                             seed=self.seed)
            base.train()
        if self.head_init == "linear_probe":
            if probe is None or self.dapt_info_ is not None:
                fresh = FrozenBaseClassifier(self.base_model, self.max_length, C=self.probe_C,
                                             batch_size=self.eval_batch_size, seed=self.seed,
                                             allow_download=self.allow_download)
                if self.dapt_info_ is not None:
                    # A probe fitted on the unadapted base (also one passed in) would start the head on
                    # other features: fit it on a frozen copy of the adapted encoder.
                    fresh.encoder_, fresh.tokenizer_ = copy.deepcopy(base.encoder).eval(), self.tokenizer_
                probe = fresh.fit(train, self.labels_)
            self.probe_ = probe
            self._init_head_from_probe(base, self.probe_)
        self.model_ = apply_lora(base, self._lora_args(base), task_type=None)
        self.param_count_ = count_parameters(self.model_)
        args = self.train or TrainArgs(max_epochs=4, lr=1e-3)
        weights = class_weights(train["label"].tolist(), self.labels_, self.class_weighting)
        self.class_weights_ = weights
        task = SequenceClassificationTask(len(self.labels_), class_weights=weights)
        train_loader = make_loader(train["text"].tolist(), train["label"].map(index).tolist(), self.tokenizer_,
                                   args.batch_size, self.max_length, shuffle=True,
                                   group_by_length=args.group_by_length, seed=self.seed, num_workers=args.num_workers)
        val_loader = None
        if val is not None and len(val):
            val_loader = make_loader(val["text"].tolist(), val["label"].map(index).tolist(), self.tokenizer_,
                                     self.eval_batch_size, self.max_length, shuffle=False)
        run_dir = Path(self.run_dir) if self.run_dir is not None else Path(tempfile.mkdtemp(prefix="legal_de-"))
        with stage(f"LoRA training: {len(train):,} texts, up to {args.max_epochs} epoch(s)"
                   + (", balanced class weights" if weights is not None else "")):
            self.fit_result_ = core_fit(self.model_, task, train_loader, val_loader, args, run_dir,
                                        resume=self.resume, seed=self.seed, callbacks=callbacks)
        self.history_ = self.fit_result_.history
        self.run_dir_ = run_dir
        self.model_.eval()
        return self

    # ------------------------------------------------------------------ predict
    def _check_fitted(self) -> None:
        if not hasattr(self, "model_"):
            raise RuntimeError("this LegalClauseClassifier is not fitted: call fit(...) or load(...) first")

    def predict_proba(self, texts: Sequence[str] | str) -> np.ndarray:
        """Class probabilities, shape (N, len(labels_)), columns in ``labels_`` order."""
        self._check_fitted()
        texts = [texts] if isinstance(texts, str) else list(texts)
        logits = predict_logits(self.model_, texts, self.tokenizer_, self.eval_batch_size, self.max_length)
        return _softmax(logits)

    def predict(self, texts: Sequence[str] | str) -> list[str]:
        """Predicted labels."""
        proba = self.predict_proba(texts)
        return [self.labels_[i] for i in proba.argmax(axis=1)]

    def evaluate(self, test: pd.DataFrame) -> dict:
        """Accuracy, macro-F1 and confusion matrix (rows true, columns predicted, ``labels_`` order).

        Also returns ``predictions`` (list of labels) and the prediction time.
        """
        self._check_fitted()
        start = time.perf_counter()
        with stage(f"LoRA adapter: scoring {len(test):,} texts"):
            pred = self.predict(test["text"].tolist())
        labels = self.labels_ + sorted(set(test["label"]) - set(self.labels_))
        out = classification_metrics(test["label"].tolist(), pred, labels)
        out["predict_seconds"] = time.perf_counter() - start
        if hasattr(self, "fit_result_"):
            out["train_seconds"] = self.fit_result_.seconds
            out["samples_per_s"] = self.fit_result_.samples_per_s
        out["predictions"] = pred
        return out

    # ------------------------------------------------------------------ persistence
    def save(self, path: str | Path, extra: dict | None = None) -> Path:
        """Save the adapter (PEFT layout, head included) and the label map.

        Writes ``adapter_config.json``, ``adapter_model.safetensors`` (LoRA weights and the
        classification head via ``modules_to_save``), ``workbench_adapter.json`` (base
        fingerprint, labels, settings) and ``label_map.json`` into ``path``, atomically.
        """
        from workbench.io import atomic_write_json
        from workbench.lora import save_adapter

        self._check_fitted()
        info = {"usecase": "legal_de", "labels": self.labels_, "max_length": self.max_length,
                "architecture": "MeanPoolingClassifier", "head_dropout": self.head_dropout, **(extra or {})}
        dapt = getattr(self, "dapt_info_", None)
        if dapt is not None:
            info["domain_adaptation"] = {k: v for k, v in dapt.items() if k != "lora_state"}
        path = save_adapter(self.model_, path, base_model_id=self._base_id(), extra=info)
        if dapt is not None:
            from workbench.masked_lm import save_dapt

            save_dapt(dapt, path)  # evaluate/predict rebuild the same adapted encoder before the task adapter
        atomic_write_json(Path(path) / LABEL_MAP_FILE, {"id2label": dict(enumerate(self.labels_)),
                                                        "label2id": {x: i for i, x in enumerate(self.labels_)}})
        self.adapter_ = Path(path)
        return Path(path)

    @classmethod
    def load(cls, path: str | Path, base_model: str | None = None, allow_download: bool = False) -> "LegalClauseClassifier":
        """Load a saved adapter onto its base model (the base's fingerprint is checked).

        Args:
            path: Adapter directory written by :meth:`save`.
            base_model: Override the base recorded in the adapter (e.g. a copy elsewhere).
            allow_download: Permit hub downloads of the base.
        """
        import json

        from workbench.lora import load_adapter, read_adapter_meta

        path = Path(path)
        meta = read_adapter_meta(path)
        label_file = path / LABEL_MAP_FILE
        if not label_file.is_file():
            raise FileNotFoundError(f"{path} has no {LABEL_MAP_FILE}: not a legal_de adapter")
        id2label = json.loads(label_file.read_text(encoding="utf-8"))["id2label"]
        labels = [id2label[str(i)] for i in range(len(id2label))]
        self = cls(base_model=base_model or meta.get("base_model"), max_length=int(meta.get("max_length", 128)),
                   allow_download=allow_download, head_dropout=float(meta.get("head_dropout", 0.1)))
        self.labels_ = labels
        base = self._load_base(len(labels))
        from workbench.masked_lm import apply_saved_dapt, has_saved_dapt

        if has_saved_dapt(path):
            base.encoder = apply_saved_dapt(base.encoder, path)
            self.domain_adaptation = True
        self.model_ = load_adapter(base, path)
        self.model_.eval()
        self.adapter_ = path
        return self

    def merged(self) -> "LegalClauseClassifier":
        """A copy whose LoRA weights are merged into the base (plain model, no peft at run time)."""
        from workbench.lora import merge_adapter

        self._check_fitted()
        other = copy.copy(self)
        other.model_ = merge_adapter(copy.deepcopy(self.model_))
        return other


class FrozenBaseClassifier:
    """Frozen base encoder (mean-pooled embeddings) + logistic regression as the linear head.

    Args:
        base_model: Local directory or ``None`` for the embedded MiniLM.
        max_length: Truncation length in tokens.
        C: Inverse regularisation of the logistic regression.
        batch_size: Embedding batch size.
        class_weight: ``"balanced"`` or ``None``.
        seed: Solver seed.
    """

    def __init__(self, base_model: str | None = None, max_length: int = 128, C: float = 10.0, batch_size: int = 64,
                 class_weight: str | None = "balanced", seed: int = 0, allow_download: bool = False):
        self.base_model = base_model
        self.max_length = max_length
        self.C = C
        self.batch_size = batch_size
        self.class_weight = class_weight
        self.seed = seed
        self.allow_download = allow_download

    @classmethod
    def from_config(cls, config) -> "FrozenBaseClassifier":
        """The frozen-base row of a run: its base model, ``task.max_length`` and ``task.frozen_C``."""
        return cls(base_model=config.model.base_model, max_length=config.task.max_length, C=config.task.frozen_C,
                   batch_size=config.eval.batch_size, seed=config.run.seed,
                   allow_download=config.model.allow_download)

    @torch.no_grad()
    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Mean-pooled, L2-normalised embeddings, shape (N, H)."""
        from workbench.usecases.legal_de.task import PadCollator, TokenizedText

        if not hasattr(self, "encoder_"):
            from transformers import AutoModel

            from workbench.models import load_tokenizer, quiet_transformers, resolve_base_model

            path = resolve_base_model(self.base_model, allow_download=self.allow_download)
            self.tokenizer_ = load_tokenizer(path)
            with quiet_transformers():
                self.encoder_ = AutoModel.from_pretrained(path, local_files_only=True, use_safetensors=True).eval()
        texts = list(texts)
        data = TokenizedText(texts, None, self.tokenizer_, self.max_length)
        order = sorted(range(len(texts)), key=lambda i: -len(data.input_ids[i]))
        collate = PadCollator(self.tokenizer_.pad_token_id or 0)
        out = np.zeros((len(texts), self.encoder_.config.hidden_size), dtype=np.float32)
        for start in range(0, len(order), self.batch_size):
            idx = order[start:start + self.batch_size]
            batch = collate([data[i] for i in idx])
            hidden = self.encoder_(**batch).last_hidden_state  # (B, T, H)
            pooled = torch.nn.functional.normalize(mean_pool(hidden, batch["attention_mask"]), dim=-1)
            out[idx] = pooled.numpy()
        return out

    def fit(self, train: pd.DataFrame, labels: Sequence[str] | None = None) -> "FrozenBaseClassifier":
        """Embed ``train`` and fit the logistic regression; returns ``self``."""
        from sklearn.linear_model import LogisticRegression

        start = time.perf_counter()
        self.labels_ = list(labels) if labels is not None else label_list(train)
        with stage(f"frozen base + linear head: embedding {len(train):,} texts, fitting the head"):
            x = self.embed(train["text"].tolist())
            self.head_ = LogisticRegression(C=self.C, max_iter=3000, class_weight=self.class_weight,
                                            random_state=self.seed).fit(x, train["label"].tolist())
        self.fit_seconds_ = time.perf_counter() - start
        return self

    def predict_proba(self, texts: Sequence[str] | str) -> np.ndarray:
        """Probabilities with columns in ``labels_`` order (0 for labels absent in training)."""
        texts = [texts] if isinstance(texts, str) else list(texts)
        proba = self.head_.predict_proba(self.embed(texts))
        out = np.zeros((len(texts), len(self.labels_)))
        for j, name in enumerate(self.head_.classes_):
            out[:, self.labels_.index(name)] = proba[:, j]
        return out

    def predict(self, texts: Sequence[str] | str) -> list[str]:
        """Predicted labels."""
        return [self.labels_[i] for i in self.predict_proba(texts).argmax(axis=1)]

    def evaluate(self, test: pd.DataFrame) -> dict:
        """Accuracy, macro-F1 and confusion matrix (``labels_`` order), with timings."""
        start = time.perf_counter()
        with stage(f"frozen base: scoring {len(test):,} texts"):
            pred = self.predict(test["text"].tolist())
        labels = self.labels_ + sorted(set(test["label"]) - set(self.labels_))
        out = classification_metrics(test["label"].tolist(), pred, labels)
        out["predict_seconds"] = time.perf_counter() - start
        out["train_seconds"] = self.fit_seconds_
        out["predictions"] = pred
        return out
