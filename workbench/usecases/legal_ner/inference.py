"""``workbench evaluate`` and ``workbench predict`` for legal NER.

Evaluation is honest the same way as legal_de's (the record is core, :mod:`workbench.splits`):
``run_experiment`` writes ``seen_texts.json`` (hashes of the training, validation and test
sentences, the split and the training data's fingerprint) into the adapter folder;
:func:`evaluate_adapter` skips every sentence of the file that the adapter trained or validated on
(a warning names the count), refuses a file made only of such sentences, and scores exactly the
run's test sentences when the file is the training file itself.

Which tagger is served: the one the training run recommended on its validation sentences
(``serving.json``: the LoRA adapter or the CRF beside it), unless ``task.serve`` names one;
folders of older runs serve the adapter (:func:`serving_plan`).

Usage::

    evaluate_adapter(cfg, "runs/legal_ner/adapter")        # test sentences of cfg's data
    predict_file(cfg, "runs/legal_ner/adapter", "urteil.txt", "urteil.conll")
"""

from __future__ import annotations

from pathlib import Path

from workbench.config import RunConfig
from workbench.governance.audit import record_event


def serving_plan(adapter_dir: str | Path, config: RunConfig) -> dict:
    """Which tagger an adapter folder serves: ``served`` (``adapter`` or ``baseline``, the CRF),
    ``recommended`` (what the run chose on validation sentences, or None for older folders) and
    ``note`` (why the served one differs from the recommended one, or None); see
    :func:`workbench.serving.serving_plan`.

    Raises:
        ValueError: ``task.serve`` names a tagger the folder does not hold.
    """
    from workbench.serving import serving_plan as plan_for
    from workbench.usecases.legal_ner.baselines import CRF_FILE

    path = Path(adapter_dir)

    def missing(served: str, record: dict) -> str | None:
        if served == "baseline" and not (path / CRF_FILE).is_file():
            return f"holds no CRF ({CRF_FILE}); use task.serve=adapter"
        return None

    plan = plan_for(path, config.task.serve, missing)
    plan.pop("record")
    return plan


def load_tagger(adapter_dir: str | Path, config: RunConfig | None = None):
    """The tagger an adapter folder serves (:func:`serving_plan`): a LoRA
    :class:`~workbench.token_classification.TokenTagger` or the
    :class:`~workbench.usecases.legal_ner.baselines.CrfTagger`. Both have ``predict`` and ``labels_``.

    Usage (the notebook's widget)::

        tagger = load_tagger(result["adapter_dir"])
        entity_box(tagger)
    """
    from workbench.token_classification import TokenTagger
    from workbench.usecases.legal_ner.baselines import CRF_FILE, CrfTagger
    from workbench.usecases.legal_ner.config import default_config

    config = config or default_config()
    path = Path(adapter_dir)
    plan = serving_plan(path, config)  # refuses a missing folder (adapter folder not found: ...)
    if plan["served"] == "baseline":
        tagger = CrfTagger.load(path / CRF_FILE)
    else:
        tagger = TokenTagger.load(path, base_model=config.model.base_model)
        # The run's config (or the user's --set task.decoding=...) says how to decode; it is not learnt.
        tagger.decoding = config.task.decoding
    tagger.serving_ = plan
    from workbench.progress import emit

    emit(f"serving {SERVED_NAMES[plan['served']]} from {path}" + (f" ({plan['note']})" if plan["note"] else
         " (recommended on the run's validation sentences)" if plan["recommended"] == plan["served"] else ""))
    return tagger


SERVED_NAMES = {"adapter": "the LoRA tagger", "baseline": "the CRF"}


def evaluate_adapter(config: RunConfig, adapter_dir: str) -> dict:
    """Entity F1 (micro, macro, per class) of a saved tagger on sentences it did not train on.

    ``workbench evaluate --test FILE`` (the CLI puts it into ``data.path``) or ``data.test``:
    every sentence of that file the adapter did not train or validate on is scored (see the
    module docstring). Without a file: the test part of the generated sentences (same seeds as
    training). The tag set follows the adapter's labels (coarse or fine); fine gold tags are
    mapped for a coarse adapter.

    Returns:
        Entity F1 scores plus ``sentences`` (scored), ``seen_sentences`` (skipped because the
        adapter trained on them), ``selection`` (why), ``data_fingerprint`` of the scored file and
        ``served``/``recommended``/``serving_note`` (:func:`serving_plan`).

    Raises:
        workbench.splits.SplitError: Every sentence of the file was used in training.
    """
    from workbench.io import fingerprint_file
    from workbench.progress import emit
    from workbench.splits import read_seen_texts, select_unseen_texts
    from workbench.usecases.legal_ner.data import prepare_data, read_user_file, sentence_text, to_coarse
    from workbench.usecases.legal_ner.task import score

    tagger = load_tagger(adapter_dir, config)
    coarse = not any(t[2:] in ("RR", "AN", "GS") for t in tagger.labels_)
    config.task.tagset = "coarse" if coarse else "fine"
    path = config.data.test or config.data.path
    if path:
        test = read_user_file(path, config.data.format)
        test = [to_coarse(s) for s in test] if coarse else test
        source, fingerprint = str(path), fingerprint_file(path)
        keep, n_seen, selection = select_unseen_texts([sentence_text(s) for s in test], read_seen_texts(adapter_dir),
                                                      fingerprint, unit="sentences", source=source)
        if n_seen:
            emit(f"warning: {n_seen} of {len(test)} sentences of {source} were used to train or validate this adapter; "
                 f"they are not scored ({selection})")
        test = [test[i] for i in keep]
    else:
        _, _, test, info = prepare_data(config)
        source, fingerprint, n_seen = info["source"], info["fingerprint"], 0
        selection = f"test sentences of {info['split']}"
    scores = score(test, tagger.predict([w for w, _ in test]))
    # The compliance trail names which adapter scored which data, and how the rows were chosen.
    plan = tagger.serving_
    record_event("evaluate", usecase="legal_ner", inputs={"adapter": Path(adapter_dir)}, data_fingerprint=fingerprint,
                 selection=selection, served=plan["served"],
                 outputs={k: scores[k] for k in ("micro_f1", "macro_f1") if k in scores})
    return {"usecase": "legal_ner", "source": source, "sentences": len(test), "seen_sentences": n_seen,
            "selection": selection, "data_fingerprint": fingerprint, "tagset": config.task.tagset,
            "served": plan["served"], "recommended": plan["recommended"], "serving_note": plan["note"], **scores}


def predict_file(config: RunConfig, adapter_dir: str, input_path: str, output_path: str) -> str:
    """Tag a file: CoNLL/JSONL (its tags are ignored) or plain text, one sentence a line.

    The output form follows ``output_path``'s suffix: ``.jsonl`` writes ``{"tokens", "tags"}``
    lines, anything else CoNLL (``word tag``).
    """
    from workbench.conll import read_plain, read_tagged, write_tagged
    from workbench.usecases.legal_ner.data import tokenize

    src = Path(input_path)
    if not src.is_file():
        raise FileNotFoundError(f"input file not found: {src}" + (" (a folder: give one file)" if src.is_dir() else ""))
    if src.suffix.lower() in (".conll", ".jsonl", ".json", ".bio", ".iob", ".tsv"):
        words_list = [w for w, _ in read_tagged(src)]
    else:
        words_list = [tokenize(" ".join(w)) for w in read_plain(src)]
        words_list = [w for w in words_list if w]
    tagger = load_tagger(adapter_dir, config)
    tags = tagger.predict(words_list)
    write_tagged(output_path, list(zip(words_list, tags)))
    record_event("predict", usecase="legal_ner", inputs={"adapter": Path(adapter_dir), "data": src},
                 outputs={"predictions": Path(output_path)}, rows=len(words_list), served=tagger.serving_["served"])
    return str(output_path)
