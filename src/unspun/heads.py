"""Task heads at run time: linear layers over the shared encoder's states, applied with numpy.

The shipped model directory holds `heads.npz` (`<head>.weight` (k, hidden), `<head>.bias` (k,)) and the
heads' description in `config.json`. A sequence head reads the mean of the word-piece states of a character
range (a sentence, a comment) exactly as in training (`training.model`); a token head reads each piece.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np

from unspun.encoder import CONFIG_FILE, Encoded
from unspun.errors import ModelMissingError

HEADS_FILE = "heads.npz"


@dataclass(frozen=True)
class Head:
    name: str
    kind: str  # "sequence" / "token"
    labels: tuple[str, ...]
    loss: str  # "softmax" / "sigmoid"
    weight: np.ndarray  # (k, hidden)
    bias: np.ndarray  # (k,)

    def __call__(self, x: np.ndarray) -> np.ndarray:
        """Probabilities for (n, hidden) inputs: softmax or independent sigmoids, (n, k)."""
        logits = x @ self.weight.T + self.bias
        if self.loss == "softmax":
            logits = logits - logits.max(axis=-1, keepdims=True)
            e = np.exp(logits)
            return e / e.sum(axis=-1, keepdims=True)
        return 1.0 / (1.0 + np.exp(-logits))


@cache
def load_heads(model_dir: Path) -> dict[str, Head]:
    """The heads of a model directory, loaded once per process."""
    cfg_path, npz_path = model_dir / CONFIG_FILE, model_dir / HEADS_FILE
    if not cfg_path.is_file() or not npz_path.is_file():
        raise ModelMissingError(f"the model's heads are not installed: {npz_path} or {cfg_path} is missing")
    cfg = json.loads(cfg_path.read_text("utf-8"))
    arrays = np.load(npz_path)
    heads = {}
    for name, spec in cfg["heads"].items():
        heads[name] = Head(
            name,
            spec["kind"],
            tuple(spec["labels"]),
            spec["loss"],
            arrays[f"{name}.weight"].astype(np.float32),
            arrays[f"{name}.bias"].astype(np.float32),
        )
    return heads


def pool(enc: Encoded, start: int, end: int) -> np.ndarray | None:
    """Mean state of the pieces inside [start, end); None when the range holds no piece."""
    idx = enc.pieces_in(start, end)
    if len(idx) == 0:
        return None
    return enc.states[idx].mean(axis=0)
