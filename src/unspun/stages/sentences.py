"""The sentences stage: one span per sentence, never across a structure boundary.

Sentences come from the shared spaCy parse of each structure segment (`unspun.nlp.parse_segments`), so the
entities stage reuses the same parse. A title is one sentence, whatever the parser makes of it.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from unspun.document import SENTENCES, STRUCTURE, TITLE, Document, Span
from unspun.nlp import load_spacy, parse_documents, parse_segments, spacy_available
from unspun.parts import Part
from unspun.pipeline import Stage, register_stage

LABEL = "sentence"


@dataclass(frozen=True, slots=True)
class Sentence:
    start: int
    end: int
    #: index of the structure span it lies in (the structure layer sorted by start)
    segment: int


def _trimmed(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def split_sentences(doc: Document, *, sentence_only: bool = False) -> list[Sentence]:
    """The document's sentences in text order, trimmed of whitespace, each inside one segment
    (`sentence_only`: a parse without entities and tags, when nothing later needs them)."""
    out: list[Sentence] = []
    for seg in parse_segments(doc, sentence_only=sentence_only):
        if seg.label == TITLE:
            out.append(Sentence(seg.start, seg.end, seg.index))
            continue
        for sent in seg.doc.sents:
            start, end = _trimmed(doc.text, seg.start + sent.start_char, seg.start + sent.end_char)
            if end > start:
                out.append(Sentence(start, end, seg.index))
    return sorted(out, key=lambda s: s.start)


@register_stage
class SentencesStage(Stage[list[Sentence]]):
    name = "sentences"
    requires = (STRUCTURE,)
    assigns = (SENTENCES,)
    part_wise = True

    def moved(self, span: Span, part: Part) -> Span:
        moved = super().moved(span, part)
        moved.attrs = {**span.attrs, "segment": span.attrs["segment"] + part.first_segment}
        return moved

    @classmethod
    def available(cls) -> bool:
        return spacy_available()

    def initialize(self) -> None:
        load_spacy()

    @property
    def sentence_only(self) -> bool:
        # a pipeline named without the entities and quotes stages (the Perspective endpoint's) needs no
        # entities or tags (the quotes stage's parse rules read the tags)
        stages = self.options.stages
        return stages is not None and not {"entities", "quotes"} & set(stages)

    def predict(self, doc: Document) -> list[Sentence]:
        return split_sentences(doc, sentence_only=self.sentence_only)

    def pipe(self, docs: Sequence[Document]) -> Iterator[Document]:
        """A batch of documents parsed in one spaCy call, then split one by one."""
        parse_documents([d for d in docs if not self.skips(d)], sentence_only=self.sentence_only)
        yield from super().pipe(docs)

    def set_annotations(self, doc: Document, result: list[Sentence]) -> None:
        layer = doc.layer(SENTENCES)
        for s in result:
            layer.append(Span(s.start, s.end, LABEL, attrs={"segment": s.segment}, stage=self.name))
