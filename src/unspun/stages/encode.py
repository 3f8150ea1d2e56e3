"""The encode stage: one pass of the shared encoder over the document, read by every model-backed head.

Each structure span (title, paragraph, quoted passage, comment) is one text for the encoder: long ones are
windowed with overlap, short ones are packed together into batches (`unspun.encoder`), across the documents
of a `Pipeline.pipe` batch. The result goes to `doc.parses["encode"]`: a shared artefact, not a layer, that
the stages reading the encoder's output declare in `needs` (never serialised).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from unspun.document import ENCODE, SENTENCES, STRUCTURE, Document, Span
from unspun.encoder import Encoded, Encoder, get_encoder, model_installed
from unspun.options import Options
from unspun.pipeline import Stage, register_stage

__all__ = ["ENCODE", "EncodeOutput", "EncodeStage", "encode_document", "encode_documents"]


@dataclass
class EncodeOutput:
    """The encoder's states per structure span, in the order of the structure layer."""

    segments: list[Span]
    encoded: list[Encoded]
    by_start: dict[int, int] = field(default_factory=dict)

    def segment_of(self, start: int, end: int) -> int | None:
        """Index of the segment that contains the character range [start, end), if any."""
        for i, seg in enumerate(self.segments):
            if seg.start <= start and end <= seg.end:
                return i
        return None


def encode_documents(docs: Sequence[Document], encoder: Encoder) -> list[EncodeOutput]:
    """The encoder's states for the structure spans of several documents, in one `Encoder.encode` call:
    the windows of all their segments are packed into batches together."""
    segments = [
        sorted((s for s in doc.layers.get(STRUCTURE, []) if s.end > s.start), key=lambda s: s.start)
        for doc in docs
    ]
    texts = [doc.text[s.start : s.end] for doc, segs in zip(docs, segments, strict=True) for s in segs]
    starts = [s.start for segs in segments for s in segs]
    encoded = encoder.encode(texts, starts) if texts else []
    out, k = [], 0
    for segs in segments:
        out.append(EncodeOutput(segs, encoded[k : k + len(segs)]))
        k += len(segs)
    return out


def encode_document(doc: Document, encoder: Encoder) -> EncodeOutput:
    return encode_documents([doc], encoder)[0]


@register_stage
class EncodeStage(Stage[EncodeOutput]):
    name = ENCODE
    requires = (STRUCTURE, SENTENCES)
    provides = (ENCODE,)
    english_only = True
    part_wise = True

    @classmethod
    def available(cls) -> bool:
        return model_installed()

    @classmethod
    def available_for(cls, options: Options) -> bool:
        return model_installed(Path(options.model_dir) if options.model_dir is not None else None)

    @property
    def encoder(self) -> Encoder:
        return get_encoder(self.options.model_dir, self.options.threads)

    def initialize(self) -> None:
        self.encoder.load()

    def predict(self, doc: Document) -> EncodeOutput:
        return encode_document(doc, self.encoder)

    def set_annotations(self, doc: Document, result: EncodeOutput) -> None:
        doc.parses[ENCODE] = result

    def pipe(self, docs: Sequence[Document]) -> Iterator[Document]:
        """A batch of documents through one encoder pass: many one-comment records share the encoder's
        batches instead of each sending its own near-empty one. A document gets the states it gets alone,
        up to the int8 model's batch-mate noise (its activation scale is chosen per batch)."""
        todo = [doc for doc in docs if not self.skips(doc)]
        outputs = iter(encode_documents(todo, self.encoder) if todo else [])
        for doc in docs:
            if self.skips(doc):
                self.skip(doc)
            else:
                self.set_annotations(doc, next(outputs))
            yield doc
