"""Heads that read a context: the numpy reader is torch's dilated `Conv1d` stack (same weights, same
outputs, zero padding at a text's ends), and a model directory keeps it."""

from __future__ import annotations

import numpy as np
import pytest

from unspun.heads import (
    CONV,
    SOFTMAX,
    TOKEN,
    ConvReader,
    Head,
    HeadSpec,
    load_heads,
    register_head,
    write_heads,
)


def random_head(seed: int = 0, hidden: int = 6, size: int = 4, k: int = 3) -> Head:
    rng = np.random.default_rng(seed)

    def normal(*shape: int) -> np.ndarray:
        return rng.normal(size=shape).astype(np.float32)

    reader = ConvReader(
        normal(hidden),
        normal(hidden),
        (normal(size, hidden, 3), normal(size, size, 3)),
        (normal(size), normal(size)),
        (1, 2),
    )
    weight = normal(k, size + hidden)
    return Head("tags", TOKEN, ("O", "B-x", "I-x"), SOFTMAX, weight, np.zeros(k, np.float32), "t", reader)


def test_a_piece_reads_its_neighbours_within_the_reach_only() -> None:
    head = random_head()
    assert head.context is not None and head.context.reach == 1 + 2
    x = np.random.default_rng(1).normal(size=(12, 6)).astype(np.float32)
    y = head(x)
    assert y.shape == (12, 3)
    np.testing.assert_allclose(y.sum(axis=1), 1.0, rtol=1e-5)
    far = x.copy()
    far[11] = np.random.default_rng(3).normal(size=6)  # 11 - 3 = 8: pieces 0..7 cannot see it
    changed = np.flatnonzero(np.abs(head(far) - y).max(axis=1) > 1e-6)
    assert len(changed) and changed.min() >= 8


def test_the_numpy_reader_is_torch_layer_norm_and_conv1d() -> None:
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    norm = torch.nn.LayerNorm(6)
    torch.nn.init.normal_(norm.weight)
    torch.nn.init.normal_(norm.bias)
    convs = [torch.nn.Conv1d(6, 4, 5, padding=2, dilation=1), torch.nn.Conv1d(4, 4, 5, padding=4, dilation=2)]
    reader = ConvReader(
        norm.weight.detach().numpy(),
        norm.bias.detach().numpy(),
        tuple(c.weight.detach().numpy() for c in convs),
        tuple(c.bias.detach().numpy() for c in convs),
        (1, 2),
    )
    for pieces in (9, 3, 1):  # texts longer and shorter than the reader's reach (2 + 4 pieces a side)
        x = torch.randn(pieces, 6)
        normed = norm(x)
        h = normed.T[None]
        for c in convs:
            h = torch.relu(c(h))
        expected = torch.cat([h[0].T, normed], dim=1).detach().numpy()
        np.testing.assert_allclose(reader.run(x.numpy()), expected, rtol=1e-4, atol=1e-5)


def test_a_model_directory_keeps_the_reader(tmp_path) -> None:
    head = random_head()
    write_heads(tmp_path, [head], {})
    load_heads.cache_clear()
    loaded = load_heads(tmp_path).heads["tags"]
    assert loaded.context is not None and loaded.context.dilations == (1, 2)
    x = np.random.default_rng(2).normal(size=(4, 6)).astype(np.float32)
    np.testing.assert_allclose(loaded(x), head(x), rtol=1e-6)
    load_heads.cache_clear()


def test_only_token_heads_read_a_context() -> None:
    with pytest.raises(ValueError, match="only a token head"):
        register_head(HeadSpec("bad", "t", "sequence", ("a",), SOFTMAX, context=CONV))
