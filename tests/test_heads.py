"""Heads that read a context: the numpy BiLSTM is torch's `nn.LSTM` (same weights, same states), a model
directory keeps it, and batched texts read as each alone."""

from __future__ import annotations

import numpy as np
import pytest

from unspun.heads import (
    BILSTM,
    SOFTMAX,
    TOKEN,
    BiLSTM,
    Head,
    HeadSpec,
    load_heads,
    register_head,
    write_heads,
)


def random_head(seed: int = 0, size: int = 4, hidden: int = 6, k: int = 3) -> Head:
    rng = np.random.default_rng(seed)
    reader = BiLSTM(
        rng.normal(size=(2, 4 * size, hidden)).astype(np.float32),
        rng.normal(size=(2, 4 * size, size)).astype(np.float32),
        rng.normal(size=(2, 4 * size)).astype(np.float32),
    )
    weight = rng.normal(size=(k, 2 * size)).astype(np.float32)
    return Head("tags", TOKEN, ("O", "B-x", "I-x")[:k], SOFTMAX, weight, np.zeros(k, np.float32), "t", reader)


def test_texts_stepped_together_read_as_each_alone() -> None:
    head = random_head()
    rng = np.random.default_rng(1)
    texts = [rng.normal(size=(n, 6)).astype(np.float32) for n in (5, 1, 9, 0)]
    together = head.sequences(texts)
    for x, y in zip(texts, together, strict=True):
        assert y.shape == (len(x), 3)
        if len(x):
            np.testing.assert_allclose(y, head(x), rtol=1e-5, atol=1e-6)
            np.testing.assert_allclose(y.sum(axis=1), 1.0, rtol=1e-5)
    # the backward direction reads the text from its own end, so a text's outputs depend on what follows
    longer = np.concatenate([texts[0], texts[2]])
    assert not np.allclose(head(longer)[: len(texts[0])], together[0])


def test_the_numpy_reader_is_torch_lstm() -> None:
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    lstm = torch.nn.LSTM(6, 4, batch_first=True, bidirectional=True)
    w = {k: v.detach().numpy() for k, v in lstm.state_dict().items()}
    reader = BiLSTM(
        np.stack([w["weight_ih_l0"], w["weight_ih_l0_reverse"]]),
        np.stack([w["weight_hh_l0"], w["weight_hh_l0_reverse"]]),
        np.stack([w["bias_ih_l0"] + w["bias_hh_l0"], w["bias_ih_l0_reverse"] + w["bias_hh_l0_reverse"]]),
    )
    x = torch.randn(1, 7, 6)
    expected = lstm(x)[0][0].detach().numpy()
    np.testing.assert_allclose(reader.run([x[0].numpy()])[0], expected, rtol=1e-4, atol=1e-5)


def test_a_model_directory_keeps_the_reader(tmp_path) -> None:
    head = random_head()
    write_heads(tmp_path, [head], {})
    load_heads.cache_clear()
    loaded = load_heads(tmp_path).heads["tags"]
    assert loaded.context is not None
    x = np.random.default_rng(2).normal(size=(4, 6)).astype(np.float32)
    np.testing.assert_allclose(loaded(x), head(x), rtol=1e-6)
    load_heads.cache_clear()


def test_only_token_heads_read_a_context() -> None:
    with pytest.raises(ValueError, match="only a token head"):
        register_head(HeadSpec("bad", "t", "sequence", ("a",), SOFTMAX, context=BILSTM))
