"""Domain-adaptive masked-LM pretraining (``task.domain_adaptation``): it runs, changes the encoder,
sees only training texts, and a saved run reloads to the same predictions. Tiny: a few sentences, a few steps."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from workbench.config import TrainArgs
from workbench.usecases.legal_de.config import LegalTaskArgs
from workbench.usecases.legal_de.data import load_generated_sample
from workbench.usecases.legal_de.model import LegalClauseClassifier

VAL_ONLY = "Xylophonzebra"  # a word no training clause contains


@pytest.fixture(scope="module")
def frames():
    df = load_generated_sample()[["text", "label"]]
    df = df[df["label"].isin(sorted(df["label"].unique())[:3])]
    train = df.groupby("label").head(8).reset_index(drop=True)
    val = df.drop(df.groupby("label").head(8).index).groupby("label").head(3).reset_index(drop=True)
    val = val.assign(text=val["text"] + f" {VAL_ONLY}.")
    return train, val


@pytest.fixture(scope="module")
def fitted(frames, tmp_path_factory):
    from workbench import masked_lm

    seen: list[list[int]] = []
    real = masked_lm.DataCollatorForLanguageModeling

    class Recording(real):  # the real collator, recording what reaches it
        def __call__(self, features, *a, **k):
            seen.extend(list(f["input_ids"]) for f in features)
            return super().__call__(features, *a, **k)

    train, val = frames
    mp = pytest.MonkeyPatch()
    mp.setattr(masked_lm, "DataCollatorForLanguageModeling", Recording)
    try:
        torch.manual_seed(0)
        clf = LegalClauseClassifier(train=TrainArgs(max_epochs=1, batch_size=8, lr=2e-3, progress_bar=False),
                                    max_length=32, domain_adaptation=True, dapt_steps=3,
                                    run_dir=tmp_path_factory.mktemp("dapt_run")).fit(train, val)
    finally:
        mp.undo()
    return clf, seen


def test_step_runs_and_changes_encoder(fitted):
    from transformers import AutoModel

    from workbench.models import resolve_base_model

    clf, seen = fitted
    info = clf.dapt_info_
    assert info["steps"] == 3 and info["n_texts"] == 24 and len(seen) == 3 * 16
    base = AutoModel.from_pretrained(resolve_base_model(None), local_files_only=True, use_safetensors=True)
    adapted = clf.probe_.encoder_  # a frozen copy of the encoder after DAPT, before the task LoRA
    for name, w in base.state_dict().items():
        if name.startswith("encoder.layer.0.attention.self.query.weight"):
            assert not torch.allclose(adapted.state_dict()[name], w), name
        if name.startswith("embeddings."):  # LoRA on linear layers only: embeddings stay as they were
            assert torch.equal(adapted.state_dict()[name], w), name
    assert any(k.endswith("lora_B.weight") and v.abs().max() > 0 for k, v in info["lora_state"].items())


def test_only_training_texts_reach_the_collator(fitted, frames):
    clf, seen = fitted
    train, val = frames
    tok = clf.tokenizer_
    train_ids = {i for ids in tok(train["text"].tolist())["input_ids"] for i in ids}
    val_only = {i for i in tok(VAL_ONLY)["input_ids"]} - train_ids
    assert val_only, "the marker word must have word pieces no training text has"
    assert seen and not val_only & {i for ids in seen for i in ids}
    assert {i for ids in seen for i in ids} <= train_ids


def test_saved_run_reloads_to_identical_predictions(fitted, frames, tmp_path):
    clf, _ = fitted
    _, val = frames
    path = clf.save(tmp_path / "adapter")
    assert (path / "dapt_lora.safetensors").is_file()
    recorded = (path / "workbench_adapter.json").read_text()
    assert "domain_adaptation" in recorded and '"steps": 3' in recorded
    again = LegalClauseClassifier.load(path)
    texts = val["text"].tolist()
    np.testing.assert_allclose(again.predict_proba(texts), clf.predict_proba(texts), rtol=0, atol=1e-6)
    assert again.predict(texts) == clf.predict(texts)


def test_config_fields_validated():
    assert LegalTaskArgs().domain_adaptation is False
    problems = LegalTaskArgs(domain_adaptation="yes", dapt_steps=0).problems("task")
    assert any("task.domain_adaptation" in p for p in problems)
    assert any("task.dapt_steps" in p for p in problems)
