"""Base model resolution: embedded default, local directories, offline by default, safetensors only."""

import pytest

from workbench.models import BaseModelError, default_text_model_path, load_sequence_classifier, resolve_base_model


def test_embedded_minilm_is_the_default():
    path = resolve_base_model(None)
    assert path == default_text_model_path() == resolve_base_model("embedded:all-MiniLM-L6-v2")


def test_hub_id_refused_offline():
    with pytest.raises(BaseModelError, match="downloads are off"):
        resolve_base_model("deepset/gbert-base")


def test_local_directory_checks(tmp_path):
    with pytest.raises(BaseModelError, match="not found"):
        resolve_base_model(str(tmp_path / "nope" / "model"))
    with pytest.raises(BaseModelError, match="no config.json"):
        resolve_base_model(str(tmp_path))
    (tmp_path / "config.json").write_text("{}")
    (tmp_path / "pytorch_model.bin").write_bytes(b"pickle")
    with pytest.raises(BaseModelError, match="pickle"):
        resolve_base_model(str(tmp_path))


def test_loaded_classifier_is_in_train_mode():
    # from_pretrained returns eval mode, which silently disables dropout under Lightning (STACK_NOTES)
    model = load_sequence_classifier(default_text_model_path(), 3)
    assert model.training and model.config.num_labels == 3
