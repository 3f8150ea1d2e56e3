"""The encode stage: one encoder pass per document, states per structure span in doc.parses["encode"]."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from fake_encoders import FakeEncoder, base_tokenizer_path

from unspun import encoder as E
from unspun.document import COMMENT, EDITORIAL, STRUCTURE, TITLE, Document, Span
from unspun.errors import ModelMissingError, PipelineError
from unspun.options import Options
from unspun.pipeline import Stage, check_order, stage_class
from unspun.stages import encode as encode_stage
from unspun.stages.encode import ENCODE, EncodeStage


class CountingEncoder:
    """Stands in for the ONNX encoder: states = (piece id, 1); counts calls."""

    def __init__(self) -> None:
        self.tokenizer = E.load_tokenizer(str(base_tokenizer_path()))
        self.calls = 0

    def encode(self, texts: list[str], starts: list[int]) -> list[E.Encoded]:
        self.calls += 1
        out = []
        for t, s in zip(E.tokenize(self.tokenizer, texts), starts, strict=True):
            states = np.stack([t.ids.astype(np.float32), np.ones(len(t), dtype=np.float32)], axis=1)
            out.append(E.Encoded(s, t.offsets + s, states.reshape(-1, 2), t.word_ids))
        return out


def doc_with_segments() -> Document:
    parts = [
        ("A title here", TITLE),
        ("A paragraph. With two sentences.", EDITORIAL),
        ("A comment!", COMMENT),
    ]
    text = "\n\n".join(p for p, _ in parts)
    doc = Document(text=text, language="en")
    pos = 0
    for part, label in parts:
        s = text.index(part, pos)
        doc.add(STRUCTURE, Span(s, s + len(part), label, None, {}, "structure"))
        pos = s + len(part)
    return doc


def test_one_pass_states_per_segment_with_document_offsets(monkeypatch: pytest.MonkeyPatch) -> None:
    fake = CountingEncoder()
    monkeypatch.setattr(encode_stage, "get_encoder", lambda model_dir=None, threads=None: fake)
    doc = doc_with_segments()
    EncodeStage(Options())(doc)
    out = doc.parses[ENCODE]
    assert fake.calls == 1
    assert [doc.span_text(s) for s in out.segments] == [
        "A title here",
        "A paragraph. With two sentences.",
        "A comment!",
    ]
    for seg, enc in zip(out.segments, out.encoded, strict=True):
        pieces = "".join(doc.text[a:b] for a, b in enc.offsets)
        assert pieces == doc.span_text(seg).replace(" ", "")
        assert enc.states.shape == (len(enc.offsets), 2)
    assert out.segment_of(doc.text.index("With"), doc.text.index("With") + 4) == 1
    assert ENCODE not in doc.layers  # an artefact, not a layer: nothing is serialised


def test_non_english_document_is_skipped_without_a_layer(monkeypatch: pytest.MonkeyPatch) -> None:
    fake = CountingEncoder()
    monkeypatch.setattr(encode_stage, "get_encoder", lambda model_dir=None, threads=None: fake)
    doc = doc_with_segments()
    doc.language = "de"
    EncodeStage(Options())(doc)
    assert fake.calls == 0 and ENCODE not in doc.parses and ENCODE not in doc.layers
    assert any("encode" in w for w in doc.warnings)


def test_order_check_accepts_encode_between_sentences_and_hate() -> None:
    class Structure(Stage[None]):
        name = "structure"
        requires = ("blocks",)
        assigns = ("structure",)

    class Sentences(Stage[None]):
        name = "sentences"
        requires = ("structure",)
        assigns = ("sentences",)

    check_order([Structure, Sentences, stage_class("encode"), stage_class("hate")])
    with pytest.raises(PipelineError, match="stage 'hate' needs 'encode', which no earlier stage provides"):
        check_order([Structure, Sentences, stage_class("hate")])


def one_comment_doc(comment: str, language: str = "en") -> Document:
    doc = Document(text=comment, language=language)
    doc.add(STRUCTURE, Span(0, len(comment), COMMENT, None, {}, "structure"))
    return doc


COMMENTS = [
    "Follow the money.",
    "I don't buy it, the mayor's office said the same about the bridge contract in 2019.",
    "Does anyone have a link to the actual settlement document? I'd like to read it first.",
    "Exactly.",
    "This is why turnout was so low, people have given up on the council. " * 6,  # several windows
]


def batch_of_docs() -> list[Document]:
    docs = [one_comment_doc(c) for c in COMMENTS * 4]
    docs.insert(3, doc_with_segments())
    docs.insert(7, one_comment_doc("Le conseil a voté la fermeture de deux bibliothèques.", language="fr"))
    return docs


def test_pipe_packs_the_windows_of_a_batch_into_one_encoder_pass(monkeypatch: pytest.MonkeyPatch) -> None:
    """Exact: the stand-in model reads each window on its own (no batch-mate can change its states), so a
    document must get in a batch exactly the states it gets alone."""
    fake = FakeEncoder(base_tokenizer_path())
    monkeypatch.setattr(encode_stage, "get_encoder", lambda model_dir=None, threads=None: fake)
    stage = EncodeStage(Options())
    alone = []
    for doc in batch_of_docs():
        stage(doc)
        alone.append(doc.parses.get(ENCODE))
    calls_alone = len(fake.calls)
    fake.calls.clear()
    docs = batch_of_docs()
    assert list(stage.pipe(docs)) == docs  # the same documents, in order
    windows = sum(len(E.windows(len(e.offsets))) for out in alone if out for e in out.encoded)
    assert len(fake.calls) == -(-windows // E.BATCH_SIZE) < calls_alone  # full batches, not one per doc
    for doc, single in zip(docs, alone, strict=True):
        if single is None:  # the French comment: skipped, as alone
            assert ENCODE not in doc.parses and doc.summary["skipped"] == {"encode": "language fr"}
            continue
        batched = doc.parses[ENCODE]
        assert batched.segments == single.segments
        for b, s in zip(batched.encoded, single.encoded, strict=True):
            assert b.start == s.start and np.array_equal(b.offsets, s.offsets)
            assert np.array_equal(b.states, s.states) and np.array_equal(b.word_ids, s.word_ids)


@pytest.mark.model
@pytest.mark.skipif(not E.model_installed(), reason="the shipped encoder is not installed")
def test_shipped_encoder_gives_a_document_in_a_batch_what_it_gives_it_alone() -> None:
    """Up to int8 noise: dynamic quantisation picks one activation scale per ONNX batch, so batch-mates move
    a text's states a little (measured: mean cosine per text >= 0.985, hate probabilities within 0.02; the
    int8 model itself agrees with fp32 at cosine >= 0.99). The exact check of the packing is the test above;
    this one bounds the noise where it matters, in the hate head's probabilities."""
    from unspun.stages.hate import HateStage

    encode, hate = EncodeStage(Options()), HateStage(Options())
    alone = batch_of_docs()
    for doc in alone:
        hate(encode(doc))
    docs = batch_of_docs()
    for doc in encode.pipe(docs):
        hate(doc)
    for a, b in zip(alone, docs, strict=True):
        if a.language != "en":
            continue
        for ea, eb in zip(a.parses[ENCODE].encoded, b.parses[ENCODE].encoded, strict=True):
            cos = (ea.states * eb.states).sum(1) / np.linalg.norm(ea.states, axis=1) / np.linalg.norm(
                eb.states, axis=1)
            assert cos.mean() >= 0.97
        assert [(s.start, s.end) for s in a.layers["hate"]] == [(s.start, s.end) for s in b.layers["hate"]]
        for sa, sb in zip(a.layers["hate"], b.layers["hate"], strict=True):
            for label, p in sa.attrs["scores"].items():
                assert abs(p - sb.attrs["scores"][label]) <= 0.05


@pytest.mark.model
@pytest.mark.skipif(not E.model_installed(), reason="the shipped encoder is not installed")
def test_real_encoder_long_paragraph_is_windowed() -> None:
    doc = Document(
        text=" ".join(["The port authority settled the dispute with the freight company."] * 40),
        language="en",
    )
    doc.add(STRUCTURE, Span(0, len(doc.text), EDITORIAL, None, {}, "structure"))
    EncodeStage(Options())(doc)
    (enc,) = doc.parses[ENCODE].encoded
    assert len(enc.offsets) > 400 and enc.states.shape[1] == 384
    # the same word in the same sentence gets nearly the same state in every window, overlaps included
    ports = [k for k, (a, b) in enumerate(enc.offsets) if doc.text[a:b] == "port"]
    assert len(ports) == 40
    first = enc.states[ports[0]]
    for k in ports[1:]:
        v = enc.states[k]
        assert float(first @ v / np.linalg.norm(first) / np.linalg.norm(v)) > 0.8


@pytest.mark.model
@pytest.mark.skipif(not E.model_installed(), reason="the shipped encoder is not installed")
def test_shipped_encoder_is_fused_and_int8_per_channel() -> None:
    """What makes the encoder fast and close to fp32 (DESIGN.md §4): every layer's attention fused into one
    quantised op, every weight that is multiplied by quantised with one scale per output channel."""
    from collections import Counter

    import onnx

    from unspun.training.export import check_per_channel

    path = E.default_model_dir() / E.ENCODER_FILE
    ops = Counter(n.op_type for n in onnx.load(str(path)).graph.node)
    layers = 6
    assert ops["QAttention"] == layers and ops["Softmax"] == 0
    # per layer: QKV (in QAttention), attention output, feed-forward in and out
    assert check_per_channel(path) == 4 * layers


def test_initialize_loads_the_encoder_of_the_options(tmp_path: Path) -> None:
    with pytest.raises(ModelMissingError, match=str(tmp_path)):
        EncodeStage(Options(model_dir=tmp_path)).initialize()


@pytest.mark.model
@pytest.mark.skipif(not E.model_installed(), reason="the shipped encoder is not installed")
def test_initialize_loads_the_session_once_per_model_and_threads() -> None:
    stage = EncodeStage(Options(threads=1))
    stage.initialize()
    encoder = E.get_encoder(None, threads=1)
    assert stage.encoder is encoder and encoder._session is not None
    session = encoder._session
    EncodeStage(Options(threads=1)).initialize()  # another stage, same process: the same session
    assert encoder._session is session
    assert session.get_session_options().intra_op_num_threads == 1
