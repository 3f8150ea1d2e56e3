"""The shared encoder's tokenisation, windowing and batching, with a fake ONNX session (fast)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from fake_encoders import FakeEncoder, base_tokenizer_path

from unspun import encoder as E
from unspun.errors import ModelMissingError


@pytest.mark.parametrize("n", [0, 1, 50, 126, 127, 200, 500, 1000])
def test_windows_cover_everything_with_overlap(n: int) -> None:
    spans = E.windows(n)
    assert all(b - a <= E.MAX_TOKENS - 2 for a, b in spans)
    covered = np.zeros(n, dtype=int)
    for a, b in spans:
        covered[a:b] += 1
    assert (covered >= 1).all()
    if n > E.MAX_TOKENS - 2:
        assert len(spans) > 1
        # consecutive windows overlap by exactly STRIDE pieces
        for (_, b1), (a2, _) in zip(spans, spans[1:], strict=False):
            assert b1 - a2 == E.STRIDE or b1 == n
    else:
        assert spans == [(0, n)]


def test_tokenize_offsets_map_back_to_the_text_exactly() -> None:
    tok = E.load_tokenizer(str(base_tokenizer_path()))
    text = "Refugees are “vermin”, said he — naïvely. Don't panic!"
    (t,) = E.tokenize(tok, [text])
    assert len(t.ids) == len(t.offsets) == len(t.word_ids)
    pieces = [text[s:e].lower() for s, e in t.offsets]
    assert "".join(pieces[3:5]) == "vermin"  # a rare word comes in pieces; their offsets join up
    # every piece is a non-empty slice of the text, in order, without overlaps
    assert all(e > s for s, e in t.offsets)
    assert all(t.offsets[i][1] <= t.offsets[i + 1][0] for i in range(len(t.offsets) - 1))
    # "refugees" is split into pieces that share one word id
    ref = [k for k, (s, e) in enumerate(t.offsets) if e <= len("Refugees")]
    assert len({t.word_ids[k] for k in ref}) == 1


def test_encode_batches_short_texts_and_windows_long_ones() -> None:
    enc = FakeEncoder(base_tokenizer_path())
    long = " ".join(f"word{i}" for i in range(300))  # ~900 pieces: several windows
    texts = ["short comment", long, "another one here"]
    out = enc.encode(texts, starts=[0, 100, 5000], batch_size=4)
    assert [len(o.offsets) for o in out] == [len(t) for t in E.tokenize(enc.tokenizer, texts)]
    # the pieces' states are their own ids, even where windows overlap and were averaged
    toks = E.tokenize(enc.tokenizer, texts)
    for o, t in zip(out, toks, strict=True):
        assert np.array_equal(o.states[:, 0], t.ids.astype(np.float32))
    # offsets are shifted into document coordinates
    assert out[1].offsets[0, 0] == 100 and out[2].offsets[0, 0] == 5000
    assert all(width <= E.MAX_TOKENS for _, width in enc.calls)
    # short texts were packed into one batch with the shortest windows (sorted by length)
    assert enc.calls[0][0] == 4


def test_pieces_in_selects_a_sentence_inside_a_paragraph() -> None:
    enc = FakeEncoder(base_tokenizer_path())
    text = "First sentence here. Second one."
    (o,) = enc.encode([text], starts=[10])
    idx = o.pieces_in(10 + text.index("Second"), 10 + len(text))
    got = "".join(text[s - 10 : e - 10] for s, e in o.offsets[idx])
    assert got == "Secondone."


def test_missing_model_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ModelMissingError, match="not installed"):
        E.Encoder(tmp_path)
    assert not E.model_installed(tmp_path)


def fake_model_dir(path: Path) -> Path:
    """A model directory that passes the install check (the ONNX file is never loaded here)."""
    path.mkdir(parents=True, exist_ok=True)
    (path / E.TOKENIZER_FILE).write_bytes(base_tokenizer_path().read_bytes())
    (path / E.CONFIG_FILE).write_text("{}", "utf-8")
    (path / E.ENCODER_FILE).write_bytes(b"not loaded")
    return path


def test_get_encoder_is_one_per_model_dir_and_threads(tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(E, "_ENCODERS", {})
    d = fake_model_dir(tmp_path / "model")
    one = E.get_encoder(d, threads=1)
    assert E.get_encoder(d, threads=1) is one and E.get_encoder(tmp_path / "." / "model", 1) is one
    two = E.get_encoder(d, threads=2)
    assert two is not one and (one.threads, two.threads) == (1, 2)
    other = E.get_encoder(fake_model_dir(tmp_path / "other"), threads=1)
    assert other is not one and other.model_dir == tmp_path / "other"
    if E.model_installed():
        # the default model is one cache entry, whether it is named or not
        assert E.get_encoder() is E.get_encoder(E.default_model_dir())


@pytest.mark.model
@pytest.mark.skipif(not E.model_installed(), reason="the shipped encoder is not installed")
def test_session_runs_on_the_encoders_threads() -> None:
    session = E.Encoder(E.default_model_dir(), threads=1).session
    assert session.get_session_options().intra_op_num_threads == 1
