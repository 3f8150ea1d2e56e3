"""The shared spaCy parse: loaded once, one parse per structure segment, cached on the document."""

from __future__ import annotations

import pytest

from unspun import nlp
from unspun.document import Document, Span
from unspun.nlp import PARSE_KEY, load_spacy, parse_segments

pytestmark = pytest.mark.model


def _doc(text: str, segments: list[tuple[str, str]]) -> Document:
    doc = Document(text=text)
    pos = 0
    for phrase, label in segments:
        start = text.index(phrase, pos)
        doc.add("structure", Span(start, start + len(phrase), label, stage="structure"))
        pos = start + len(phrase)
    return doc


def test_load_spacy_once_without_lemmatizer() -> None:
    nlp = load_spacy()
    assert nlp is load_spacy()
    assert "lemmatizer" not in nlp.pipe_names and "ner" in nlp.pipe_names and "parser" in nlp.pipe_names
    assert "attribute_ruler" not in nlp.pipe_names  # nothing reads pos_ or morph; the tagger sets tag_


def test_segments_are_parsed_separately_and_cached() -> None:
    text = "A headline without a stop\n\nFirst paragraph. It has two sentences.\n\n  A comment here  \n"
    doc = _doc(text, [("A headline without a stop", "title"),
                      ("First paragraph. It has two sentences.", "editorial"), ("A comment here", "comment")])
    parsed = parse_segments(doc)
    assert [p.index for p in parsed] == [0, 1, 2]
    assert [p.label for p in parsed] == ["title", "editorial", "comment"]
    for p in parsed:
        assert p.doc.text == text[p.start : p.end]
    assert parse_segments(doc) is parsed and doc.parses[PARSE_KEY] is parsed


def test_segment_index_follows_start_order_and_whitespace_is_trimmed() -> None:
    text = "Second block.\n\n   First block.   "
    doc = Document(text=text)
    # added out of order: the index is the position in the structure layer sorted by start
    doc.add("structure", Span(15, len(text), "comment"))
    doc.add("structure", Span(0, 13, "editorial"))
    parsed = parse_segments(doc)
    assert [(p.index, p.label, text[p.start : p.end]) for p in parsed] == [
        (0, "editorial", "Second block."), (1, "comment", "First block.")]


def test_without_structure_the_whole_text_is_one_segment() -> None:
    doc = Document(text="  One text. Two sentences.\n")
    parsed = parse_segments(doc)
    assert len(parsed) == 1 and parsed[0].index == 0 and parsed[0].label is None
    assert parsed[0].doc.text == "One text. Two sentences."


def test_a_very_long_segment_is_parsed_in_pieces_of_one_segment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(nlp, "MAX_PIECE_CHARS", 300)  # the real limit is 100,000: too slow to parse here
    line = "The council met again today and nothing changed at all.\n"
    text = line * 20
    doc = Document(text=text)
    doc.add("structure", Span(0, len(text), "editorial"))
    parsed = parse_segments(doc)
    assert len(parsed) >= 2 and {p.index for p in parsed} == {0}
    assert all(p.end - p.start <= 300 for p in parsed)
    assert "".join(p.doc.text for p in parsed).replace("\n", "") == text.replace("\n", "")
    assert all(a.end <= b.start for a, b in zip(parsed, parsed[1:], strict=False))


def test_sentence_only_parse_has_the_same_sentences_and_a_full_parse_follows() -> None:
    text = "Dana Whitfield spoke in Boston on Monday. Meridian Freight said nothing. Fees rose."
    full = parse_segments(_doc(text, [(text, "editorial")]))
    doc = _doc(text, [(text, "editorial")])
    lite = parse_segments(doc, sentence_only=True)
    assert [s.text for s in lite[0].doc.sents] == [s.text for s in full[0].doc.sents]
    assert len(list(lite[0].doc.sents)) == 3
    assert not lite[0].doc.ents and full[0].doc.ents  # no entity recogniser ran
    assert parse_segments(doc, sentence_only=True) is lite  # cached
    again = parse_segments(doc)  # the entities stage asks for a full parse: parsed again, with entities
    assert again is not lite and again[0].doc.ents


def test_a_pipeline_without_entities_parses_for_sentences_only() -> None:
    from unspun.options import Options
    from unspun.stages.sentences import SentencesStage

    text = "Dana Whitfield spoke in Boston. Fees rose."
    doc = _doc(text, [(text, "editorial")])
    SentencesStage(Options(stages=("structure", "sentences")))(doc)
    assert doc.parses[nlp.SENTENCE_ONLY_KEY] is True and len(doc.layers["sentences"]) == 2
    doc = _doc(text, [(text, "editorial")])
    SentencesStage(Options())(doc)  # the default pipeline has the entities stage
    assert doc.parses[nlp.SENTENCE_ONLY_KEY] is False


def test_a_batch_of_documents_parses_as_each_alone() -> None:
    texts = ["Dana Whitfield spoke in Boston. Fees rose.", "Nothing changed. Follow the money!", "Ok."]
    alone = [parse_segments(_doc(t, [(t, "comment")])) for t in texts]
    docs = [_doc(t, [(t, "comment")]) for t in texts]
    nlp.parse_documents(docs, sentence_only=True)
    for doc, one in zip(docs, alone, strict=True):
        got = doc.parses[PARSE_KEY]
        assert [(s.start, s.end) for s in got] == [(s.start, s.end) for s in one]
        assert [x.text for x in got[0].doc.sents] == [x.text for x in one[0].doc.sents]
    before = docs[0].parses[PARSE_KEY]
    nlp.parse_documents(docs[:1], sentence_only=True)  # already parsed as asked: left alone
    assert docs[0].parses[PARSE_KEY] is before
