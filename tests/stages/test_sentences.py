"""The sentences stage: sentences inside structure segments, trimmed, covering every segment's text."""

from __future__ import annotations

from pathlib import Path

import pytest

from unspun.document import Document, Span, validate
from unspun.options import Options
from unspun.pipeline import Pipeline
from unspun.stages.sentences import SentencesStage, split_sentences

pytestmark = pytest.mark.model
ROOT = Path(__file__).resolve().parents[2]
PAGES = [ROOT / "examples" / "port-deal.txt", ROOT / "examples" / "port-deal.html",
         *sorted((ROOT / "tests" / "fixtures" / "pages").glob("*.*"))]


@pytest.fixture(scope="module")
def pipeline() -> Pipeline:
    return Pipeline(["structure", "sentences"])


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_sentences_stay_in_segments_and_cover_them(pipeline: Pipeline, page: Path) -> None:
    doc = pipeline.analyze(page.read_text("utf-8"))
    structure = sorted(doc.layers["structure"], key=lambda s: (s.start, -s.end))
    sentences = doc.layers["sentences"]
    assert sentences
    for s in sentences:
        seg = structure[s.attrs["segment"]]
        assert seg.start <= s.start < s.end <= seg.end, "a sentence crosses its segment"
        text = doc.span_text(s)
        assert text == text.strip() and s.label == "sentence"
    # every non-space character of every segment is in exactly one sentence
    covered = [0] * len(doc.text)
    for s in sentences:
        for i in range(s.start, s.end):
            covered[i] += 1
    for seg in structure:
        for i in range(seg.start, seg.end):
            if not doc.text[i].isspace():
                assert covered[i] == 1, f"character {i} ({doc.text[i]!r}) covered {covered[i]} times"
    titles = [i for i, seg in enumerate(structure) if seg.label == "title"]
    for i in titles:
        assert sum(1 for s in sentences if s.attrs["segment"] == i) == 1
    validate(doc.to_dict())


def test_port_deal_sentences(pipeline: Pipeline) -> None:
    doc = pipeline.analyze((ROOT / "examples" / "port-deal.txt").read_text("utf-8"))
    texts = [doc.span_text(s) for s in doc.layers["sentences"]]
    assert texts[0] == "SHOCKER: Port Authority Quietly Let Cargo Giant Walk Away With Millions"
    assert "Remember the speeches?" in texts and "Give me a break." in texts
    assert "Exactly." in texts and "Follow the money." in texts
    # the quoted passage's sentences are not merged with the blogger's
    assert not any("Harbor officials" in t and "furious" in t for t in texts)


def test_hand_built_structure_a_title_is_one_sentence() -> None:
    text = "Breaking: Mayor Resigns. Council Stunned\n\nThe mayor left. Nobody knows why.\n\nlol. called it"
    doc = Document(text=text)
    doc.add("structure", Span(0, 40, "title"))
    doc.add("structure", Span(42, 75, "editorial"))
    doc.add("structure", Span(77, len(text), "comment"))
    result = split_sentences(doc)
    assert [(doc.text[s.start : s.end], s.segment) for s in result][:3] == [
        ("Breaking: Mayor Resigns. Council Stunned", 0), ("The mayor left.", 1), ("Nobody knows why.", 1)]
    assert {s.segment for s in result} == {0, 1, 2}
    SentencesStage(Options())(doc)
    assert len(doc.layers["sentences"]) == len(result)
