"""A context reader fitted on frozen states: a tag that depends on the neighbouring piece, which no
linear head over a piece's own state can read, is learnt through the dilated convolutions — for a softmax
head (the quotes tagger) and a sigmoid head (the propaganda span head)."""

from __future__ import annotations

import numpy as np
import pytest

from unspun.heads import SIGMOID, SOFTMAX, TOKEN, HeadSpec
from unspun.training.data import Example, Features
from unspun.training.tasks import Task

HIDDEN = 4


class _Task(Task):
    name = "ctx_toy"


def _texts(spec: HeadSpec, n: int, seed: int) -> tuple[list[Features], list[np.ndarray]]:
    """Random piece states; a piece is tagged when the piece before it has a positive first feature."""
    rng = np.random.default_rng(seed)
    feats, states = [], []
    for k in range(n):
        length = int(rng.integers(6, 20))
        x = rng.normal(size=(length, HIDDEN)).astype(np.float32)
        x[:, 0] *= 3  # the feature that tells the next piece's tag stands out of the layer norm
        tagged = np.concatenate([[0], (x[:-1, 0] > 0).astype(np.int64)])
        target = tagged.astype(np.float32) if spec.loss == SIGMOID else tagged
        ex = Example("x", "toy", word_spans=[(0, 1)] * length, id=str(k), labels={spec.name: target})
        feats.append(Features(np.arange(length), None, np.arange(length), ex))
        states.append(x)
    return feats, states


@pytest.mark.parametrize("loss", [SOFTMAX, SIGMOID])
def test_a_context_head_reads_its_neighbour(loss: str) -> None:
    pytest.importorskip("torch")
    from unspun.training.probe import fit_context_head

    labels = ("O", "T") if loss == SOFTMAX else ("T",)
    spec = HeadSpec("ctx_tags", "ctx_toy", TOKEN, labels, loss)
    feats, states = _texts(spec, 1000, seed=1)
    head = fit_context_head(spec, _Task(), feats, states, seed=3)
    test_feats, test_states = _texts(spec, 50, seed=2)
    right = total = 0
    for f, s in zip(test_feats, test_states, strict=True):
        probs = head(s)
        said = probs[:, -1] >= 0.5 if loss == SIGMOID else probs.argmax(1) == 1
        right += int(np.sum(said == (f.example.labels["ctx_tags"] > 0)))
        total += len(s)
    assert head.context is not None and head.loss == loss
    assert right / total >= 0.8  # a head reading each piece alone: about 0.5
