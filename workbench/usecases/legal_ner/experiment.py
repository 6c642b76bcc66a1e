"""``run_experiment``: CRF vs frozen base vs LoRA adapter on held-out sentences (entity F1).

The model to use is recommended on the validation sentences (entity micro-F1,
``result["recommendation"]``); the test sentences are read once, to score (``result["verdict"]``).
``workbench evaluate/predict`` serve the recommended model when the adapter folder holds it (the
adapter or the CRF: ``serving.json``), see :func:`serving_record`.
"""

from __future__ import annotations

import datetime as _dt
import time
from pathlib import Path

from workbench.config import RunConfig
from workbench.serving import SERVING_FILE  # noqa: F401  (re-exported: which tagger evaluate/predict use)

NAME = "legal_ner"
MODEL_ROWS = (("baseline", "CRF (python-crfsuite, word features)"),
              ("frozen_base", "Frozen base + logistic-regression head"),
              ("adapter", "LoRA fine-tuned"))
SERVABLE = ("adapter", "baseline")
"""What an adapter folder holds: the LoRA tagger and the CRF (``crf.crfsuite``); not the frozen-base head."""


def _headline(metrics: dict) -> dict:
    return {k: {"micro_f1": v["micro_f1"], "macro_f1": v["macro_f1"]} for k, v in metrics.items()}


def recommend(metrics: dict) -> dict:
    """The model to use, chosen on the validation sentences (``val_micro_f1``), never on the test ones.

    Ties (within 1 %) go to the simpler model (:func:`workbench.metrics.verdict`). The adapter chose
    its best epoch on the same sentences, which favours it slightly; the CRF and the frozen-base head
    never saw them.

    Returns:
        ``{"best", "tied", "adapter_best", "text", "criterion"}``; ``best`` is None without
        validation sentences.
    """
    from workbench.metrics import recommendation

    scores = {k: m.get("val_micro_f1") for k, m in metrics.items()}
    out = recommendation(scores, "validation entity micro-F1", on="validation sentences", lower_is_better=False,
                         labels=dict(MODEL_ROWS))
    return {**out, "criterion": "val_micro_f1"}


def serving_record(recommendation: dict) -> dict:
    """What ``serving.json`` holds (:func:`workbench.serving.serving_record`): the recommended model
    and the one served (a recommended frozen base is not stored in the folder, so the adapter is
    served then, and the record says why)."""
    from workbench.serving import serving_record as record

    return record(recommendation, SERVABLE, chosen_on="validation sentences (entity micro-F1)")


def run_experiment(config: RunConfig) -> dict:
    """Train the CRF, the frozen-base head and the LoRA tagger; score all three on the test sentences.

    Writes into ``config.run_dir()``: ``run_info.json``, ``adapter/`` (PEFT safetensors, the
    CRF's ``crf.crfsuite`` beside it, a model card, and ``serving.json``: the model recommended on
    the validation sentences, which ``workbench evaluate/predict`` then use) and ``results.json``.

    Returns:
        ``{"usecase", "metrics": {"baseline", "frozen_base", "adapter"}, "recommendation",
        "verdict", "split", "labels", "tagset", "data", "run_dir", "adapter_dir"}``; each metrics
        entry holds ``micro_f1``, ``macro_f1``, ``precision``, ``recall``, ``per_class``,
        ``val_micro_f1``, ``val_macro_f1`` (None without validation sentences) and ``train_seconds``.
    """
    from workbench.io import atomic_write_json, write_run_info
    from workbench.metrics import verdict
    from workbench.progress import emit, stage
    from workbench.usecases.legal_ner.baselines import CRF_FILE, CrfTagger
    from workbench.splits import write_seen_texts
    from workbench.usecases.legal_ner.data import prepare_data, sentence_text
    from workbench.usecases.legal_ner.model import FrozenBaseTagger, make_adapter_tagger
    from workbench.usecases.legal_ner.task import labels_for, score

    config.validate()
    started = _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")
    run_dir = config.run_dir()
    run_dir.mkdir(parents=True, exist_ok=True)
    task = config.task
    with stage("legal_ner: loading the sentences"):
        train, val, test, info = prepare_data(config)
    emit(f"data: {info['source']}; {info['split']}")
    write_run_info(run_dir, config, info["fingerprint"], usecase=NAME, started=started, data=info)
    labels = labels_for(task.tagset)
    unknown = sorted({t for part in (train, val, test) for _, tags in part for t in tags} - set(labels))
    if unknown:
        raise ValueError(f"tags {unknown[:5]} are not {task.tagset} LER tags (task.tagset={task.tagset!r}; "
                         f"allowed: {', '.join(labels)})")
    test_words, val_words = [w for w, _ in test], [w for w, _ in val]
    metrics: dict[str, dict] = {}

    def scored(model, seconds: float) -> dict:
        # Validation F1 decides the recommendation; the test sentences are only scored.
        v = score(val, model.predict(val_words)) if val else {}
        return {**score(test, model.predict(test_words)), "val_micro_f1": v.get("micro_f1"),
                "val_macro_f1": v.get("macro_f1"), "train_seconds": seconds}

    with stage("legal_ner: CRF baseline"):
        t0 = time.perf_counter()
        crf = CrfTagger(task.crf_c1, task.crf_c2, task.crf_max_iterations).fit(train)
        metrics["baseline"] = scored(crf, time.perf_counter() - t0)
    with stage("legal_ner: frozen base + head"):
        t0 = time.perf_counter()
        frozen = FrozenBaseTagger(config.model.base_model, task.max_length, task.stride, task.frozen_C,
                                  config.eval.batch_size, config.run.seed, decoding=task.decoding).fit(train)
        metrics["frozen_base"] = scored(frozen, time.perf_counter() - t0)
    with stage("legal_ner: LoRA adapter"):
        t0 = time.perf_counter()
        tagger = make_adapter_tagger(config, labels, run_dir=run_dir).fit(train, val)
        metrics["adapter"] = scored(tagger, time.perf_counter() - t0)

    summary = verdict({k: v["micro_f1"] for k, v in metrics.items()}, "entity micro-F1", lower_is_better=False,
                      labels=dict(MODEL_ROWS))
    recommendation = recommend(metrics)
    split_record = info["split_record"]
    adapter_dir = tagger.save(run_dir / "adapter", extra={"usecase": NAME, "tagset": task.tagset,
                                                          "metrics": _headline(metrics), "split": split_record})
    crf.save(Path(adapter_dir) / CRF_FILE)
    atomic_write_json(Path(adapter_dir) / SERVING_FILE, serving_record(recommendation))
    # Hashes (not texts) of what the adapter saw, so `workbench evaluate` can skip training sentences.
    write_seen_texts(adapter_dir, [sentence_text(s) for s in (*train, *val)], [sentence_text(s) for s in test],
                     split=info["split"], data_fingerprint=info["fingerprint"])
    _write_card(adapter_dir, config, tagger, metrics, info)
    result = {"usecase": NAME, "metrics": metrics, "recommendation": recommendation, "verdict": summary["text"],
              "split": split_record, "labels": labels, "tagset": task.tagset, "data": {k: v for k, v in info.items() if k != "split_record"},
              "param_count": getattr(tagger, "param_count_", None), "run_dir": str(run_dir),
              "adapter_dir": str(adapter_dir)}
    atomic_write_json(run_dir / "results.json", result)
    emit(recommendation["text"])
    emit(summary["text"])
    return result


def _write_card(adapter_dir: Path, config: RunConfig, tagger, metrics: dict, info: dict) -> None:
    from workbench.governance.modelcard import write_model_card

    write_model_card(adapter_dir, {
        "name": f"{NAME}-{config.run.name}", "base_model": tagger._base_id(), "usecase": NAME,
        "task": "token-classification", "language": "de", "labels": tagger.labels_,
        "datasets": [{"name": info["source"], "fingerprint": info["fingerprint"], "rows": sum(info["rows"].values()),
                      "split": info["split"]}],
        "metrics": _headline(metrics),
        "limitations": ("Trained on the data named above; generated LER-style sentences are far more regular than "
                        "real judgements. Compare with the CRF row before relying on the adapter."),
    })
