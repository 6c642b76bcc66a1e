"""Text classification on a pretrained encoder: mean pooling and a linear head.

:class:`MeanPoolingClassifier` wraps a Hugging Face encoder (``AutoModel``): mean pooling over
the real tokens (the pooling sentence-transformers models such as MiniLM were trained with; HF's
``BertForSequenceClassification`` would use the CLS pooler, which sentence-transformers never
trained), L2 normalisation, dropout and a linear head. Its ``forward`` returns an object with
``logits`` like HF's sequence classifiers, so :mod:`workbench.lora` (peft) and
:mod:`workbench.training` treat it the same way. The head is named ``classifier`` so peft keeps
it in ``modules_to_save``; saved adapters of earlier versions (class defined in
the legal_de use case's model module) have the same module names and load unchanged.

Usage::

    from transformers import AutoModel
    from workbench.text_classification import MeanPoolingClassifier, encoder_targets
    model = MeanPoolingClassifier(AutoModel.from_pretrained(path), num_labels=9)
    targets = encoder_targets(model)          # the encoder's linear layers, for LoRA
"""

from __future__ import annotations

from typing import Any

import torch


def mean_pool(hidden: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Mean over real tokens: hidden (B, T, H), mask (B, T) -> (B, H)."""
    m = mask.unsqueeze(-1).to(hidden.dtype)
    return (hidden * m).sum(1) / m.sum(1).clamp(min=1e-9)


class MeanPoolingClassifier(torch.nn.Module):
    """Encoder + mean pooling + L2 normalisation + dropout + linear head.

    Args:
        encoder: A Hugging Face encoder (``AutoModel``) returning ``last_hidden_state``.
        num_labels: Number of classes.
        dropout: Dropout probability on the pooled embedding before the head, in [0, 1) (training
            only; 0 makes train and eval outputs equal).

    ``forward(input_ids, attention_mask)`` returns an object with ``logits`` of shape (B, C),
    like HF's sequence classifiers, so the task and peft treat it the same way.
    """

    def __init__(self, encoder: torch.nn.Module, num_labels: int, dropout: float = 0.1):
        super().__init__()
        if not 0 <= dropout < 1:
            raise ValueError(f"MeanPoolingClassifier: dropout must be in [0, 1), got {dropout!r}")
        self.encoder = encoder
        self.dropout = torch.nn.Dropout(dropout)
        self.classifier = torch.nn.Linear(encoder.config.hidden_size, num_labels)

    def pooled(self, input_ids: torch.Tensor, attention_mask: torch.Tensor | None = None) -> torch.Tensor:
        """The L2-normalised mean-pooled embedding (B, H) that the head sees (without dropout)."""
        if attention_mask is None:
            attention_mask = torch.ones_like(input_ids)
        hidden = self.encoder(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state  # (B, T, H)
        return torch.nn.functional.normalize(mean_pool(hidden, attention_mask), dim=-1)

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor | None = None, **_: Any):
        from transformers.modeling_outputs import SequenceClassifierOutput

        pooled = self.pooled(input_ids, attention_mask)  # (B, H)
        return SequenceClassifierOutput(logits=self.classifier(self.dropout(pooled)))  # (B, C)

    def gradient_checkpointing_enable(self, **kwargs: Any) -> None:
        """Delegate to the encoder (used by ``train.gradient_checkpointing``)."""
        self.encoder.gradient_checkpointing_enable(**kwargs)


def encoder_targets(model: torch.nn.Module) -> list[str]:
    """Full names of the encoder's ``nn.Linear`` layers, without the unused CLS pooler and the head.

    peft's ``"all-linear"`` needs a ``PreTrainedModel``; the wrapper is a plain module, so the
    caller lists the layers itself (for MiniLM: query, key, value, attention output, the two
    feed-forward layers of each of the 6 blocks = 36 layers).
    """
    return [name for name, module in model.named_modules()
            if isinstance(module, torch.nn.Linear) and name.startswith("encoder.") and ".pooler." not in name]
