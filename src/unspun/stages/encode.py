"""The encode stage: one pass of the shared encoder over the document, read by every model-backed head.

Each structure span (title, paragraph, quoted passage, comment) is one text for the encoder: long ones are
windowed with overlap, short ones are packed together into batches (`unspun.encoder`). The result goes to
`doc.parses["encode"]`: a shared artefact, not a layer, that the stages reading the encoder's output declare
in `needs` (never serialised).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from unspun.document import ENCODE, SENTENCES, STRUCTURE, Document, Span
from unspun.encoder import Encoded, Encoder, get_encoder, model_installed
from unspun.pipeline import Stage, register_stage

__all__ = ["ENCODE", "EncodeOutput", "EncodeStage", "encode_document"]


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


def encode_document(doc: Document, encoder: Encoder) -> EncodeOutput:
    segments = [s for s in doc.layers.get(STRUCTURE, []) if s.end > s.start]
    segments.sort(key=lambda s: s.start)
    encoded = encoder.encode([doc.text[s.start : s.end] for s in segments], [s.start for s in segments])
    return EncodeOutput(segments, encoded)


@register_stage
class EncodeStage(Stage[EncodeOutput]):
    name = ENCODE
    requires = (STRUCTURE, SENTENCES)
    provides = (ENCODE,)
    english_only = True

    @classmethod
    def available(cls) -> bool:
        return model_installed()

    @property
    def encoder(self) -> Encoder:
        return get_encoder(self.options.model_dir, self.options.threads)

    def initialize(self) -> None:
        self.encoder.load()

    def predict(self, doc: Document) -> EncodeOutput:
        return encode_document(doc, self.encoder)

    def set_annotations(self, doc: Document, result: EncodeOutput) -> None:
        doc.parses[ENCODE] = result
