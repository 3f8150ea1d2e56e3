"""HeadStage: a new model-backed layer is one small class, run here on a hand-made head.

A toy "claims" head is registered (one `register_head` line per head), a ~10-line stage subclasses
`HeadStage`, and the stage runs over a hand-built document whose encoder output is a tiny 2-d 'encoder'
(state[0] = 1 on the pieces of a number, state[1] = 1 everywhere). Training the same toy task end to end is
tests/training/test_tasks.py.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import testpaths

from unspun.document import EDITORIAL, SENTENCES, STRUCTURE, TITLE, Document, Span
from unspun.errors import PipelineError
from unspun.heads import HEADS, SEQUENCE, SIGMOID, SOFTMAX, TOKEN, Head, HeadSpec, register_head, write_heads
from unspun.options import Options
from unspun.pipeline import _REGISTRY, _STAGE_MODULES, check_order, register_stage, stage_class
from unspun.stages.encode import ENCODE, EncodeOutput
from unspun.stages.head import (
    HeadReading,
    HeadStage,
    Unit,
    Word,
    bio_path,
    tag_spans,
    word_spans,
    words_of,
)

TOY = "toy_claims"
TAGS = ("O", "B-number", "I-number")


class ToyClaimsStage(HeadStage):
    """What a claims stage is: its task, reading unit, and how one reading becomes a span."""

    name = TOY
    task = TOY
    assigns = (TOY,)
    unit = Unit.SENTENCE
    threshold_key = "threshold"

    def to_span(self, doc: Document, reading: HeadReading, decision: dict[str, Any]) -> Span | None:
        p = float(reading.probs["toy_claim"][0])
        if p < decision.get("threshold", 0.5):
            return None
        numbers = tag_spans(words_of(reading, "toy_tags", doc.text), TAGS)
        attrs = {"numbers": [[t.start, t.end] for t in numbers]}
        return Span(reading.start, reading.end, "check_worthy", round(p, 4), attrs, self.name)


@pytest.fixture
def toy_registered() -> Iterator[None]:
    """The toy head specs and stage, registered for one test and removed after it."""
    register_head(HeadSpec("toy_claim", TOY, SEQUENCE, ("check_worthy",), SIGMOID))
    register_head(HeadSpec("toy_tags", TOY, TOKEN, TAGS, SOFTMAX))
    register_stage(ToyClaimsStage)
    yield
    for name in ("toy_claim", "toy_tags"):
        HEADS.pop(name)
    _REGISTRY.pop(TOY)
    _STAGE_MODULES.pop(TOY)


def toy_model_dir(root: Path, threshold: float = 0.5) -> Path:
    claim = Head(
        "toy_claim", SEQUENCE, ("check_worthy",), SIGMOID, np.array([[30.0, -5.0]]), np.zeros(1), TOY
    )
    # a number's pieces: B-number (or I- after another number piece); others O
    tags = Head(
        "toy_tags", TOKEN, TAGS, SOFTMAX, np.array([[0.0, 1.0], [9.0, 0.0], [8.0, 0.0]]), np.zeros(3), TOY
    )
    d = root / "toy-model"
    write_heads(d, [claim, tags], {"decisions": {TOY: {"threshold": threshold}}})
    return d


def toy_encode(doc: Document) -> EncodeOutput:
    """A 2-d 'encoder': state[0] = 1 on the pieces of a number, state[1] = 1 everywhere."""
    return testpaths.toy_encode(doc, lambda piece, word: any(c.isdigit() for c in piece))


def toy_doc() -> Document:
    title = "Port budget"
    para = "The port handled 4200 containers in 2025. Everyone likes the port."
    text = f"{title}\n\n{para}"
    doc = Document(text=text, language="en")
    doc.add(STRUCTURE, Span(0, len(title), TITLE, None, {}, "structure"))
    doc.add(SENTENCES, Span(0, len(title), "sentence", None, {"segment": 0}, "sentences"))
    p0 = text.index(para)
    doc.add(STRUCTURE, Span(p0, len(text), EDITORIAL, None, {}, "structure"))
    for sent in ("The port handled 4200 containers in 2025.", "Everyone likes the port."):
        s = text.index(sent)
        doc.add(SENTENCES, Span(s, s + len(sent), "sentence", None, {"segment": 1}, "sentences"))
    doc.parses[ENCODE] = toy_encode(doc)
    return doc


def test_a_toy_head_is_one_small_class(toy_registered: None, tmp_path: Path) -> None:
    doc = toy_doc()
    ToyClaimsStage(Options(model_dir=toy_model_dir(tmp_path)))(doc)
    (claim,) = doc.layers[TOY]
    assert doc.span_text(claim) == "The port handled 4200 containers in 2025."
    assert claim.label == "check_worthy" and claim.stage == TOY
    assert [doc.text[s:e] for s, e in claim.attrs["numbers"]] == ["4200", "2025"]


def test_the_decision_comes_from_the_model_and_the_options(toy_registered: None, tmp_path: Path) -> None:
    doc = toy_doc()
    strict = ToyClaimsStage(Options(model_dir=toy_model_dir(tmp_path, threshold=0.999999)))
    readings = strict.predict(doc)  # probabilities only: the same readings serve every threshold
    assert [round(float(r.probs["toy_claim"][0]), 3) for r in readings] == [0.007, 0.999, 0.007]
    strict.set_annotations(doc, readings)
    assert doc.layers[TOY] == []
    lenient = ToyClaimsStage(Options(model_dir=toy_model_dir(tmp_path / "b"), thresholds={TOY: 0.5}))
    lenient.set_annotations(doc, readings)
    assert len(doc.layers[TOY]) == 1


def test_the_registered_stage_is_ordered_like_any_other(toy_registered: None) -> None:
    assert stage_class(TOY) is ToyClaimsStage
    check_order([stage_class(n) for n in ("structure", "sentences", "encode", TOY)])
    with pytest.raises(PipelineError, match="requires 'sentences'"):
        check_order([stage_class(n) for n in ("structure", TOY)])
    with pytest.raises(PipelineError, match="needs 'encode'"):
        check_order([stage_class(n) for n in ("structure", "sentences", TOY)])
    # the shipped model has no toy heads, so the stage says it cannot run here
    assert not ToyClaimsStage.available()


def test_tags_decode_as_the_most_probable_valid_sequence() -> None:
    """A word of a span that dips to O (or to B) is read as part of the span: a span resumes after O only
    through a B, which the words here make improbable; an I never starts a span."""
    o, b, i = 0, 1, 2
    scores = np.array([
        [0.1, 0.8, 0.1],   # B
        [0.1, 0.1, 0.8],   # I
        [0.55, 0.0, 0.45],  # a dip: O by a little
        [0.2, 0.1, 0.7],   # I: resuming after the dip would need this B
        [0.1, 0.1, 0.8],   # I
        [0.9, 0.05, 0.05],  # O
        [0.3, 0.0, 0.7],   # I after O, with no chance of B: it cannot start a span
    ])
    assert bio_path(scores, TAGS) == [b, i, i, i, i, o, o]
    words = [Word(4 * k, 4 * k + 3, row) for k, row in enumerate(scores)]
    assert [(t.start, t.end, t.label) for t in tag_spans(words, TAGS)] == [(0, 19, "number")]
    # the per-word reading would have made three pieces of it; two spans of one label stay apart at a B
    two = np.array([[0.1, 0.8, 0.1], [0.1, 0.1, 0.8], [0.1, 0.8, 0.1], [0.1, 0.1, 0.8]])
    assert bio_path(two, TAGS) == [b, i, b, i]
    with pytest.raises(ValueError):  # an I-x without its B-x is not a BIO label set
        bio_path(two[:, :2], ("O", "I-number"))


def test_word_spans_and_tags_decode_per_word(tmp_path: Path) -> None:
    offsets = np.array([[0, 3], [4, 6], [6, 9], [10, 12], [13, 17]])
    word_ids = np.array([0, 1, 1, 2, 3])
    text = "the 4,200 in 2025"
    onehot = np.eye(3)[[0, 1, 2, 0, 1]]
    reading = HeadReading(
        0, len(text), {"t": onehot, "r": np.array([[0.1], [0.9], [0.5], [0.2], [0.7]])}, offsets, word_ids
    )
    words = words_of(reading, "t", text)
    assert [(w.start, w.end) for w in words] == [(0, 3), (4, 9), (10, 12), (13, 17)]
    assert [(t.start, t.end, t.label) for t in tag_spans(words, TAGS)] == [
        (4, 9, "number"),
        (13, 17, "number"),
    ]
    assert word_spans(words_of(reading, "r", text), 0, 0.6) == [(4, 9), (13, 17)]
